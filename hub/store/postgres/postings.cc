// The posting ledger (posting_ledger.h) in table `postings`, keyed by
// (target_system, external_id).
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

constexpr char kPostingColumns[] =
    "target_system, external_id, contract_id, entity_type, entity_id, kind,"
    " content_hash, reverses, workflow_id, step_index, vendor_id, posted_at,"
    " payload";

// Inserts the posting; `replace` replaces one with the same key, else a
// stored one is ALREADY_EXISTS.
absl::Status WritePosting(Connection& db, bool replace, const PostingRow& p) {
  Statement q(db,
              absl::StrCat(
                  "INSERT INTO postings (", kPostingColumns,
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                  " $13) ON CONFLICT (target_system, external_id) DO ",
                  replace ? "UPDATE SET contract_id = excluded.contract_id,"
                            " entity_type = excluded.entity_type,"
                            " entity_id = excluded.entity_id,"
                            " kind = excluded.kind,"
                            " content_hash = excluded.content_hash,"
                            " reverses = excluded.reverses,"
                            " workflow_id = excluded.workflow_id,"
                            " step_index = excluded.step_index,"
                            " vendor_id = excluded.vendor_id,"
                            " posted_at = excluded.posted_at,"
                            " payload = excluded.payload"
                          : "NOTHING"));
  q.Bind(1, p.target_system)
      .Bind(2, p.external_id)
      .Bind(3, p.contract_id)
      .Bind(4, int64_t{p.entity_type})
      .Bind(5, p.entity_id)
      .Bind(6, p.kind)
      .Bind(7, p.content_hash)
      .Bind(8, p.reverses)
      .Bind(9, p.workflow_id)
      .Bind(10, int64_t{p.step_index})
      .Bind(11, p.vendor_id)
      .Bind(12, Micros(p.posted_at))
      .BindBlob(13, p.payload);
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 0) {
    return absl::AlreadyExistsError(absl::StrCat(
        "posting ", p.external_id, " to ", p.target_system, " is stored"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PostingRow>> ReadPostings(Statement& q) {
  std::vector<PostingRow> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    PostingRow p;
    p.target_system = q.ColumnText(0);
    p.external_id = q.ColumnText(1);
    p.contract_id = q.ColumnText(2);
    p.entity_type = static_cast<EntityType>(q.ColumnInt(3));
    p.entity_id = q.ColumnText(4);
    p.kind = q.ColumnText(5);
    p.content_hash = q.ColumnText(6);
    p.reverses = q.ColumnText(7);
    p.workflow_id = q.ColumnText(8);
    p.step_index = static_cast<int>(q.ColumnInt(9));
    p.vendor_id = q.ColumnText(10);
    p.posted_at = FromMicros(q.ColumnInt(11));
    p.payload = q.ColumnBlob(12);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

absl::Status RecordPosting(Connection& db, const PostingRow& posting) {
  return WritePosting(db, /*replace=*/false, posting);
}

absl::Status ReplacePosting(Connection& db, const PostingRow& posting) {
  return WritePosting(db, /*replace=*/true, posting);
}

absl::StatusOr<std::vector<PostingRow>> ListTargetPostings(
    Connection& db, absl::string_view target) {
  Statement q(db, absl::StrCat("SELECT ", kPostingColumns,
                               " FROM postings WHERE target_system = $1"
                               " ORDER BY posted_at, external_id"));
  q.Bind(1, target);
  return ReadPostings(q);
}

absl::StatusOr<std::vector<PostingRow>> ListPostings(
    Connection& db, absl::string_view target, absl::string_view contract_id) {
  Statement q(db, absl::StrCat("SELECT ", kPostingColumns,
                               " FROM postings WHERE target_system = $1 AND"
                               " contract_id = $2 ORDER BY posted_at,"
                               " external_id"));
  q.Bind(1, target).Bind(2, contract_id);
  return ReadPostings(q);
}

absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
    Connection& db, absl::string_view target, EntityType type,
    absl::string_view id) {
  Statement q(db, absl::StrCat("SELECT ", kPostingColumns,
                               " FROM postings WHERE target_system = $1 AND"
                               " entity_type = $2 AND entity_id = $3"
                               " ORDER BY posted_at, external_id"));
  q.Bind(1, target).Bind(2, int64_t{type}).Bind(3, id);
  return ReadPostings(q);
}

absl::StatusOr<std::vector<PostingRow>> FindPostings(Connection& db,
                                                     absl::string_view column,
                                                     absl::string_view target,
                                                     absl::string_view value) {
  Statement q(db, absl::StrCat("SELECT ", kPostingColumns,
                               " FROM postings"
                               " WHERE ",
                               column,
                               " = $1 AND ($2::text = '' OR"
                               " target_system = $2) ORDER BY posted_at,"
                               " target_system, external_id"));
  q.Bind(1, value).Bind(2, target);
  return ReadPostings(q);
}

}  // namespace revhub::hub::postgres
