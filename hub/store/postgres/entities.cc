// Entity versions, external refs and index entries (entity_store.h) in
// tables `entity_versions` (every version), `entities` (the current version
// of each), `external_refs` and `entity_index`.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

// Reads (version, recorded_at, payload) from columns first, first+1, first+2.
StoredEntity ReadEntity(Statement& q, EntityType type, std::string id,
                        int first) {
  StoredEntity e;
  e.type = type;
  e.id = std::move(id);
  e.version = q.ColumnInt(first);
  e.recorded_at = FromMicros(q.ColumnInt(first + 1));
  e.payload = q.ColumnBlob(first + 2);
  return e;
}

}  // namespace

absl::StatusOr<std::optional<StoredEntity>> GetEntity(
    Connection& db, EntityType type, absl::string_view id,
    const VersionSelector& which) {
  std::string sql =
      "SELECT version, recorded_at, payload FROM entity_versions"
      " WHERE entity_type = $1 AND id = $2";
  if (which.version > 0) {
    sql += " AND version = $3";
  } else if (which.as_of.has_value()) {
    sql += " AND recorded_at <= $3 ORDER BY version DESC LIMIT 1";
  } else {
    sql +=
        " AND version = (SELECT version FROM entities WHERE entity_type = $1"
        " AND id = $2)";
  }
  Statement q(db, sql);
  q.Bind(1, int64_t{type}).Bind(2, id);
  if (which.version > 0) {
    q.Bind(3, which.version);
  } else if (which.as_of.has_value()) {
    q.Bind(3, Micros(*which.as_of));
  }
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ReadEntity(q, type, std::string(id), 0);
}

absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
    Connection& db, EntityType type, absl::string_view id) {
  Statement q(db,
              "SELECT version, recorded_at, payload FROM entity_versions"
              " WHERE entity_type = $1 AND id = $2 ORDER BY version");
  q.Bind(1, int64_t{type}).Bind(2, id);
  std::vector<StoredEntity> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadEntity(q, type, std::string(id), 0));
  }
  return out;
}

absl::Status PutEntityVersion(Connection& db, const StoredEntity& e,
                              const std::vector<IndexEntry>& index) {
  {
    Statement q(
        db,
        // FOR UPDATE: a second hub writing the same entity waits here for
        // the first to commit, then reads the version it wrote.
        "SELECT version FROM entities WHERE entity_type = $1 AND id = $2"
        " FOR UPDATE");
    q.Bind(1, int64_t{e.type}).Bind(2, e.id);
    ASSIGN_OR_RETURN(bool row, q.Step());
    const int64_t current = row ? q.ColumnInt(0) : 0;
    if (e.version != current + 1) {
      return absl::AbortedError(absl::StrCat("entity ", e.id, " is at version ",
                                             current, ", cannot write version ",
                                             e.version));
    }
  }
  Statement ins(db,
                "INSERT INTO entity_versions (entity_type, id, version,"
                " recorded_at, payload) VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT DO NOTHING");
  ins.Bind(1, int64_t{e.type})
      .Bind(2, e.id)
      .Bind(3, e.version)
      .Bind(4, Micros(e.recorded_at))
      .BindBlob(5, e.payload);
  RETURN_IF_ERROR(ins.Run());
  if (ins.RowsAffected() == 0) {
    // A new entity written at once by another hub, which committed first.
    return absl::AbortedError(absl::StrCat(
        "entity ", e.id, " was written meanwhile, cannot write version ",
        e.version));
  }
  Statement head(db,
                 "INSERT INTO entities (entity_type, id, version)"
                 " VALUES ($1, $2, $3) ON CONFLICT (entity_type, id)"
                 " DO UPDATE SET version = excluded.version");
  head.Bind(1, int64_t{e.type}).Bind(2, e.id).Bind(3, e.version);
  RETURN_IF_ERROR(head.Run());
  Statement del(db,
                "DELETE FROM entity_index WHERE entity_type = $1 AND id = $2");
  del.Bind(1, int64_t{e.type}).Bind(2, e.id);
  RETURN_IF_ERROR(del.Run());
  Statement idx(db,
                "INSERT INTO entity_index (entity_type, key, value,"
                " id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
  for (const IndexEntry& entry : index) {
    RETURN_IF_ERROR(idx.Reset());
    idx.Bind(1, int64_t{e.type})
        .Bind(2, entry.key)
        .Bind(3, entry.value)
        .Bind(4, e.id);
    RETURN_IF_ERROR(idx.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
    Connection& db, EntityType type, const ExternalRef& ref) {
  Statement q(db,
              "SELECT id FROM external_refs WHERE entity_type = $1 AND"
              " system = $2 AND object_type = $3 AND vendor_id = $4");
  q.Bind(1, int64_t{type})
      .Bind(2, ref.system())
      .Bind(3, ref.object_type())
      .Bind(4, ref.vendor_id());
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return q.ColumnText(0);
}

absl::Status BindExternalRef(Connection& db, EntityType type,
                             const ExternalRef& ref, absl::string_view id) {
  ASSIGN_OR_RETURN(auto existing, ResolveExternalRef(db, type, ref));
  if (existing.has_value()) {
    if (*existing == id) return absl::OkStatus();
    return absl::AlreadyExistsError(
        absl::StrCat("external ref ", ref.system(), "/", ref.object_type(), "/",
                     ref.vendor_id(), " already belongs to ", *existing));
  }
  Statement q(db,
              "INSERT INTO external_refs (entity_type, system, object_type,"
              " vendor_id, id) VALUES ($1, $2, $3, $4, $5)"
              " ON CONFLICT DO NOTHING");
  q.Bind(1, int64_t{type})
      .Bind(2, ref.system())
      .Bind(3, ref.object_type())
      .Bind(4, ref.vendor_id())
      .Bind(5, id);
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 1) return absl::OkStatus();
  // Bound meanwhile by another hub: the same answer as if it had been
  // bound before.
  ASSIGN_OR_RETURN(auto now_bound, ResolveExternalRef(db, type, ref));
  if (now_bound.value_or("") == id) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat("external ref ", ref.system(), "/", ref.object_type(), "/",
                   ref.vendor_id(), " already belongs to ",
                   now_bound.value_or("another entity")));
}

absl::StatusOr<std::vector<std::string>> FindEntityIds(Connection& db,
                                                       EntityType type,
                                                       const IndexEntry& entry,
                                                       int limit) {
  Statement q(db,
              "SELECT id FROM entity_index WHERE entity_type = $1 AND key = $2"
              " AND value = $3 ORDER BY id LIMIT $4");
  q.Bind(1, int64_t{type})
      .Bind(2, entry.key)
      .Bind(3, entry.value)
      .Bind(4, int64_t{limit});
  std::vector<std::string> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.ColumnText(0));
  }
  return out;
}

absl::StatusOr<EntityPage> ListEntities(Connection& db,
                                        const ListEntitiesQuery& query) {
  std::string after;
  if (!query.page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(query.page_token));
  }
  std::string sql =
      "SELECT e.id, v.version, v.recorded_at, v.payload FROM entities e"
      " JOIN entity_versions v ON v.entity_type = e.entity_type AND"
      " v.id = e.id AND v.version = e.version"
      " WHERE e.entity_type = $1 AND e.id > $2";
  int p = 2;
  for (size_t i = 0; i < query.filters.size(); ++i) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM entity_index i WHERE"
                    " i.entity_type = e.entity_type AND i.id = e.id AND"
                    " i.key = $",
                    p + 1, " AND i.value = $", p + 2, ")");
    p += 2;
  }
  if (!query.system.empty()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM external_refs r WHERE"
                    " r.entity_type = e.entity_type AND r.id = e.id AND"
                    " r.system = $",
                    ++p, ")");
  }
  absl::StrAppend(&sql, " ORDER BY e.id LIMIT $", ++p);
  Statement q(db, sql);
  int n = 1;
  q.Bind(n++, int64_t{query.type});
  q.Bind(n++, after);
  for (const IndexEntry& f : query.filters) {
    q.Bind(n++, f.key);
    q.Bind(n++, f.value);
  }
  if (!query.system.empty()) q.Bind(n++, query.system);
  q.Bind(n++, int64_t{query.page_size + 1});
  EntityPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    page.entities.push_back(ReadEntity(q, query.type, q.ColumnText(0), 1));
  }
  if (static_cast<int>(page.entities.size()) > query.page_size) {
    page.entities.pop_back();
    page.next_page_token = EncodePageToken(page.entities.back().id);
  }
  return page;
}

}  // namespace revhub::hub::postgres
