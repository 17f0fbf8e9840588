// The exception queue (exception_queue.h) in table `exceptions`: the whole
// Exception in `payload`, the fields that filters use in columns.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using google::protobuf::util::TimeUtil;
using hub::v1::Exception;

void BindSummaryColumns(Statement& q, const Exception& e, int first) {
  const bool has_amount =
      e.has_amount_at_stake() && !e.amount_at_stake().currency_code().empty();
  q.Bind(first, has_amount ? e.amount_at_stake().currency_code() : "")
      .Bind(first + 1, has_amount ? e.amount_at_stake().units() : int64_t{0})
      .Bind(first + 2,
            has_amount ? int64_t{e.amount_at_stake().nanos()} : int64_t{0})
      .Bind(first + 3, e.has_sla_due_at()
                           ? TimeUtil::TimestampToMicroseconds(e.sla_due_at())
                           : int64_t{0})
      .Bind(first + 4, e.has_resolved_at()
                           ? TimeUtil::TimestampToMicroseconds(e.resolved_at())
                           : int64_t{0})
      .Bind(first + 5, e.trace_id());
}

absl::StatusOr<Exception> PutException(Connection& db, Exception e) {
  const bool insert = e.exception_id() == 0;
  Statement q(db, insert ? "INSERT INTO exceptions (kind, category, state,"
                           " system, owner, record_id, workflow_id,"
                           " contract_id, created_at, payload, currency,"
                           " amount_units, amount_nanos, sla_due_at,"
                           " resolved_at, trace_id)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                           " $11, $12, $13, $14, $15, $16)"
                           " RETURNING exception_id"
                         : "UPDATE exceptions SET kind = $1, category = $2,"
                           " state = $3, system = $4, owner = $5,"
                           " record_id = $6, workflow_id = $7,"
                           " contract_id = $8, created_at = $9,"
                           " payload = $10, currency = $11,"
                           " amount_units = $12, amount_nanos = $13,"
                           " sla_due_at = $14, resolved_at = $15,"
                           " trace_id = $16 WHERE exception_id = $17");
  q.Bind(1, int64_t{e.kind()})
      .Bind(2, int64_t{e.category()})
      .Bind(3, int64_t{e.state()})
      .Bind(4, e.system())
      .Bind(5, e.owner())
      .Bind(6, e.record_id())
      .Bind(7, e.workflow_id())
      .Bind(8, e.contract_id())
      .Bind(9, TimeUtil::TimestampToMicroseconds(e.created_at()))
      .BindBlob(10, e.SerializeAsString());
  if (!insert) q.Bind(17, e.exception_id());
  BindSummaryColumns(q, e, 11);
  if (!insert) {
    RETURN_IF_ERROR(q.Run());
    if (q.RowsAffected() == 0) {
      return absl::NotFoundError(
          absl::StrCat("exception_id: no exception ", e.exception_id()));
    }
    return e;
  }
  // The id is known only now: store the payload again with it.
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::InternalError("exceptions: no id returned");
  e.set_exception_id(q.ColumnInt(0));
  Statement u(db, "UPDATE exceptions SET payload = $1 WHERE exception_id = $2");
  u.BindBlob(1, e.SerializeAsString()).Bind(2, e.exception_id());
  RETURN_IF_ERROR(u.Run());
  return e;
}

absl::StatusOr<std::optional<Exception>> GetException(Connection& db,
                                                      int64_t exception_id) {
  Statement q(db, "SELECT payload FROM exceptions WHERE exception_id = $1");
  q.Bind(1, exception_id);
  ASSIGN_OR_RETURN(auto all, CollectBlobs<Exception>(q, 0, "exception"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::vector<Exception>> ListOpenRecordExceptions(
    Connection& db, int64_t record_id) {
  Statement q(db, absl::StrCat("SELECT payload FROM exceptions WHERE"
                               " record_id = $1 AND state != ",
                               int64_t{hub::v1::EXCEPTION_STATE_RESOLVED},
                               " ORDER BY exception_id"));
  q.Bind(1, record_id);
  return CollectBlobs<Exception>(q, 0, "exception");
}

absl::StatusOr<ExceptionPage> ListExceptions(Connection& db,
                                             const ExceptionQuery& query) {
  // A page token is the last exception id of the previous page; pages run
  // by id, upwards or (newest_first) downwards.
  ASSIGN_OR_RETURN(int64_t after,
                   DecodeNumericPageToken(query.page_token,
                                          query.newest_first ? INT64_MAX : 0));
  std::string sql =
      absl::StrCat("SELECT payload FROM exceptions WHERE exception_id ",
                   query.newest_first ? "<" : ">", " $1");
  int n = 1;
  auto next = [&n] { return absl::StrCat("$", ++n); };
  if (!query.include_resolved) {
    absl::StrAppend(
        &sql, " AND state != ", int64_t{hub::v1::EXCEPTION_STATE_RESOLVED});
  }
  if (!query.system.empty()) sql += " AND system = " + next();
  if (query.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED) {
    sql += " AND category = " + next();
  }
  if (query.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED) {
    sql += " AND kind = " + next();
  }
  if (!query.owner.empty()) sql += " AND owner = " + next();
  if (!query.contract_id.empty()) sql += " AND contract_id = " + next();
  if (!query.workflow_id.empty()) sql += " AND workflow_id = " + next();
  if (query.created_before.has_value()) sql += " AND created_at <= " + next();
  if (query.record_id != 0) sql += " AND record_id = " + next();
  sql += query.newest_first ? " ORDER BY exception_id DESC LIMIT "
                            : " ORDER BY exception_id LIMIT ";
  sql += next();
  Statement q(db, sql);
  int i = 1;
  q.Bind(i++, after);
  if (!query.system.empty()) q.Bind(i++, query.system);
  if (query.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.category});
  }
  if (query.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.kind});
  }
  if (!query.owner.empty()) q.Bind(i++, query.owner);
  if (!query.contract_id.empty()) q.Bind(i++, query.contract_id);
  if (!query.workflow_id.empty()) q.Bind(i++, query.workflow_id);
  if (query.created_before.has_value()) {
    q.Bind(i++, Micros(*query.created_before));
  }
  if (query.record_id != 0) q.Bind(i++, query.record_id);
  q.Bind(i++, int64_t{query.page_size + 1});
  ExceptionPage page;
  ASSIGN_OR_RETURN(page.exceptions, CollectBlobs<Exception>(q, 0, "exception"));
  if (static_cast<int>(page.exceptions.size()) > query.page_size) {
    page.exceptions.pop_back();
    page.next_page_token =
        EncodeNumericPageToken(page.exceptions.back().exception_id());
  }
  return page;
}

}  // namespace revhub::hub::postgres
