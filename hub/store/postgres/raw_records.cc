// Raw vendor records (record_store.h) in table `raw_records`, read together
// with what a WAITING record waits for (table `record_waits`, written in
// record_waits.cc).
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

using google::protobuf::util::TimeUtil;
using hub::v1::RawRecord;

// Every column but the payload, with the record's wait when it has one;
// ReadRawRecord reads them in this order, and the payload after them when
// asked.
constexpr char kRawRecordColumns[] =
    "r.record_id, r.system, r.object_type, r.content_type,"
    " r.idempotency_key, r.payload_sha256, octet_length(r.payload),"
    " r.received_at,"
    " r.status, r.principal, r.status_reason, w.entity_type, w.system,"
    " w.object_type, w.vendor_id, w.since, r.trace_id";
constexpr int kPayloadColumn = 17;
constexpr char kRawRecordsJoined[] =
    " FROM raw_records r LEFT JOIN record_waits w"
    " ON w.record_id = r.record_id";

RawRecord ReadRawRecord(Statement& q, bool with_payload) {
  RawRecord r;
  r.set_record_id(q.ColumnInt(0));
  r.set_system(q.ColumnText(1));
  r.set_object_type(q.ColumnText(2));
  r.set_content_type(q.ColumnText(3));
  r.set_idempotency_key(q.ColumnText(4));
  r.set_payload_sha256(q.ColumnText(5));
  r.set_size_bytes(q.ColumnInt(6));
  *r.mutable_received_at() = TimeUtil::MicrosecondsToTimestamp(q.ColumnInt(7));
  r.set_status(static_cast<hub::v1::RecordStatus>(q.ColumnInt(8)));
  r.set_principal(q.ColumnText(9));
  r.set_status_reason(q.ColumnText(10));
  if (!q.ColumnIsNull(11)) {
    r.set_waiting_for_type(
        static_cast<canonical::v1::EntityType>(q.ColumnInt(11)));
    r.mutable_waiting_for()->set_system(q.ColumnText(12));
    r.mutable_waiting_for()->set_object_type(q.ColumnText(13));
    r.mutable_waiting_for()->set_vendor_id(q.ColumnText(14));
    *r.mutable_waiting_since() =
        TimeUtil::MicrosecondsToTimestamp(q.ColumnInt(15));
  }
  r.set_trace_id(q.ColumnText(16));
  if (with_payload) r.set_payload(q.ColumnBlob(kPayloadColumn));
  return r;
}

}  // namespace

absl::StatusOr<std::optional<RawRecord>> FindRawRecord(
    Connection& db, absl::string_view system,
    absl::string_view idempotency_key) {
  Statement q(db, absl::StrCat("SELECT ", kRawRecordColumns, kRawRecordsJoined,
                               " WHERE r.system = $1 AND"
                               " r.idempotency_key = $2"));
  q.Bind(1, system).Bind(2, idempotency_key);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ReadRawRecord(q, false);
}

absl::StatusOr<int64_t> InsertRawRecord(Connection& db, const RawRecord& r,
                                        absl::Time received_at) {
  Statement q(db,
              "INSERT INTO raw_records (system, object_type, content_type,"
              " idempotency_key, payload, payload_sha256, received_at, status,"
              " principal, status_reason, trace_id)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
              " ON CONFLICT DO NOTHING RETURNING record_id");
  q.Bind(1, r.system())
      .Bind(2, r.object_type())
      .Bind(3, r.content_type())
      .Bind(4, r.idempotency_key())
      .BindBlob(5, r.payload())
      .Bind(6, r.payload_sha256())
      .Bind(7, Micros(received_at))
      .Bind(8, int64_t{r.status()})
      .Bind(9, r.principal())
      .Bind(10, r.status_reason())
      .Bind(11, r.trace_id());
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return absl::AlreadyExistsError(
        absl::StrCat("record ", r.system(), "/", r.idempotency_key(),
                     " is stored (system, idempotency_key)"));
  }
  return q.ColumnInt(0);
}

absl::StatusOr<std::optional<RawRecord>> GetRawRecord(Connection& db,
                                                      int64_t record_id,
                                                      bool with_payload) {
  Statement q(db, absl::StrCat("SELECT ", kRawRecordColumns,
                               with_payload ? ", r.payload" : "",
                               kRawRecordsJoined, " WHERE r.record_id = $1"));
  q.Bind(1, record_id);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ReadRawRecord(q, with_payload);
}

absl::Status SetRawRecordStatus(Connection& db, int64_t record_id,
                                hub::v1::RecordStatus status,
                                absl::string_view status_reason) {
  if (status == hub::v1::RECORD_STATUS_WAITING) {
    return absl::InvalidArgumentError(
        "status: a record is set WAITING with what it waits for "
        "(MarkRecordWaiting)");
  }
  Statement q(db,
              "UPDATE raw_records SET status = $1, status_reason = $2"
              " WHERE record_id = $3");
  q.Bind(1, int64_t{status}).Bind(2, status_reason).Bind(3, record_id);
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 0) {
    return absl::NotFoundError(
        absl::StrCat("record ", record_id, " not found"));
  }
  return ForgetRecordWait(db, record_id);
}

absl::StatusOr<RawRecordPage> ListRawRecords(Connection& db,
                                             const RawRecordQuery& query) {
  ASSIGN_OR_RETURN(int64_t before,
                   DecodeNumericPageToken(query.page_token, INT64_MAX));
  std::string sql = absl::StrCat("SELECT ", kRawRecordColumns,
                                 kRawRecordsJoined, " WHERE r.record_id < $1");
  int n = 1;
  auto next = [&n] { return absl::StrCat("$", ++n); };
  if (!query.system.empty()) sql += " AND r.system = " + next();
  if (!query.object_type.empty()) sql += " AND r.object_type = " + next();
  if (query.status != hub::v1::RECORD_STATUS_UNSPECIFIED) {
    sql += " AND r.status = " + next();
  }
  sql += " ORDER BY r.record_id DESC LIMIT " + next();
  Statement q(db, sql);
  int i = 1;
  q.Bind(i++, before);
  if (!query.system.empty()) q.Bind(i++, query.system);
  if (!query.object_type.empty()) q.Bind(i++, query.object_type);
  if (query.status != hub::v1::RECORD_STATUS_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.status});
  }
  q.Bind(i++, int64_t{query.page_size + 1});
  RawRecordPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    page.records.push_back(ReadRawRecord(q, false));
  }
  if (static_cast<int>(page.records.size()) > query.page_size) {
    page.records.pop_back();
    page.next_page_token =
        EncodeNumericPageToken(page.records.back().record_id());
  }
  return page;
}

absl::StatusOr<std::vector<RecordRef>> ListRecordIdsByStatus(
    Connection& db, hub::v1::RecordStatus status, int64_t after_id, int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit: must be positive");
  // raw_records_by_status (status, record_id) serves this range.
  Statement q(db,
              "SELECT record_id, system FROM raw_records WHERE status = $1 AND "
              "record_id > $2 ORDER BY record_id LIMIT $3");
  q.Bind(1, int64_t{status}).Bind(2, after_id).Bind(3, int64_t{limit});
  std::vector<RecordRef> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(RecordRef{q.ColumnInt(0), q.ColumnText(1)});
  }
  return out;
}

}  // namespace revhub::hub::postgres
