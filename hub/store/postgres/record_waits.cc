// What WAITING records wait for (record_store.h RecordWait) in table
// `record_waits`: one row per WAITING record, keyed by record_id and
// indexed by the external ref it waits for and by since. A row exists
// exactly while its record's status is WAITING.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

constexpr char kWaitColumns[] =
    "record_id, entity_type, system, object_type, vendor_id, field_path,"
    " vendor_field_path, amount, since";

absl::StatusOr<RecordWait> ReadWait(Statement& q) {
  RecordWait w;
  w.record_id = q.ColumnInt(0);
  w.entity_type = static_cast<canonical::v1::EntityType>(q.ColumnInt(1));
  w.ref.set_system(q.ColumnText(2));
  w.ref.set_object_type(q.ColumnText(3));
  w.ref.set_vendor_id(q.ColumnText(4));
  w.field_path = q.ColumnText(5);
  w.vendor_field_path = q.ColumnText(6);
  if (!q.ColumnIsNull(7)) {
    ASSIGN_OR_RETURN(w.amount_at_stake, ParseBlob<canonical::v1::Money>(
                                            q.ColumnBlob(7), "amount"));
  }
  w.since = FromMicros(q.ColumnInt(8));
  return w;
}

absl::StatusOr<std::vector<RecordWait>> CollectWaits(Statement& q) {
  std::vector<RecordWait> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(RecordWait w, ReadWait(q));
    out.push_back(std::move(w));
  }
  return out;
}

bool SameRef(const RecordWait& a, const RecordWait& b) {
  return a.entity_type == b.entity_type && a.ref.system() == b.ref.system() &&
         a.ref.object_type() == b.ref.object_type() &&
         a.ref.vendor_id() == b.ref.vendor_id();
}

}  // namespace

absl::Status MarkRecordWaiting(Connection& db, const RecordWait& wait,
                               absl::string_view status_reason,
                               absl::Time now) {
  ASSIGN_OR_RETURN(auto before, GetRecordWait(db, wait.record_id));
  const absl::Time since =
      before.has_value() && SameRef(*before, wait) ? before->since : now;
  Statement q(db,
              "UPDATE raw_records SET status = $1, status_reason = $2"
              " WHERE record_id = $3");
  q.Bind(1, int64_t{hub::v1::RECORD_STATUS_WAITING})
      .Bind(2, status_reason)
      .Bind(3, wait.record_id);
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 0) {
    return absl::NotFoundError(
        absl::StrCat("record ", wait.record_id, " not found"));
  }
  Statement put(
      db, absl::StrCat("INSERT INTO record_waits (", kWaitColumns,
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                       " ON CONFLICT (record_id) DO UPDATE SET"
                       " entity_type = excluded.entity_type,"
                       " system = excluded.system,"
                       " object_type = excluded.object_type,"
                       " vendor_id = excluded.vendor_id,"
                       " field_path = excluded.field_path,"
                       " vendor_field_path = excluded.vendor_field_path,"
                       " amount = excluded.amount, since = excluded.since"));
  put.Bind(1, wait.record_id)
      .Bind(2, int64_t{wait.entity_type})
      .Bind(3, wait.ref.system())
      .Bind(4, wait.ref.object_type())
      .Bind(5, wait.ref.vendor_id())
      .Bind(6, wait.field_path)
      .Bind(7, wait.vendor_field_path);
  if (wait.amount_at_stake.has_value()) {
    put.BindBlob(8, wait.amount_at_stake->SerializeAsString());
  } else {
    put.BindNull(8);
  }
  put.Bind(9, Micros(since));
  return put.Run();
}

absl::Status ForgetRecordWait(Connection& db, int64_t record_id) {
  Statement q(db, "DELETE FROM record_waits WHERE record_id = $1");
  q.Bind(1, record_id);
  return q.Run();
}

absl::StatusOr<std::optional<RecordWait>> GetRecordWait(Connection& db,
                                                        int64_t record_id) {
  Statement q(db, absl::StrCat("SELECT ", kWaitColumns,
                               " FROM record_waits WHERE record_id = $1"));
  q.Bind(1, record_id);
  ASSIGN_OR_RETURN(auto all, CollectWaits(q));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::vector<RecordWait>> RecordsWaitingFor(
    Connection& db, canonical::v1::EntityType type,
    const canonical::v1::ExternalRef& ref) {
  Statement q(db,
              absl::StrCat("SELECT ", kWaitColumns,
                           " FROM record_waits WHERE entity_type = $1"
                           " AND system = $2 AND object_type = $3"
                           " AND vendor_id = $4 ORDER BY since, record_id"));
  q.Bind(1, int64_t{type})
      .Bind(2, ref.system())
      .Bind(3, ref.object_type())
      .Bind(4, ref.vendor_id());
  return CollectWaits(q);
}

absl::StatusOr<std::vector<RecordWait>> WaitingOlderThan(Connection& db,
                                                         absl::Time before,
                                                         int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit: must be positive");
  Statement q(db, absl::StrCat("SELECT ", kWaitColumns,
                               " FROM record_waits WHERE since <= $1"
                               " ORDER BY since, record_id LIMIT $2"));
  q.Bind(1, Micros(before)).Bind(2, int64_t{limit});
  return CollectWaits(q);
}

}  // namespace revhub::hub::postgres
