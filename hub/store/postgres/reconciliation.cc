// Reconciliation runs and variances (reconciliation_store.h) in tables
// `reconciliation_runs` and `reconciliation_variances`.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using hub::v1::ReconciliationReport;
using hub::v1::Variance;

absl::StatusOr<std::optional<ReconciliationReport>> GetLatestReconciliation(
    Connection& db, absl::string_view period, absl::string_view legal_entity) {
  Statement q(db,
              "SELECT payload FROM reconciliation_runs WHERE period = $1 AND"
              " legal_entity = $2 ORDER BY started_at DESC, seq DESC LIMIT 1");
  q.Bind(1, period).Bind(2, legal_entity);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ParseBlob<ReconciliationReport>(q.ColumnBlob(0), "reconciliation");
}

absl::Status PutReconciliation(Connection& db,
                               const ReconciliationReport& report) {
  // Replaced as SQLite's INSERT OR REPLACE does: the run gets a new seq,
  // so a rerun is the latest.
  Statement del(db, "DELETE FROM reconciliation_runs WHERE run_id = $1");
  del.Bind(1, report.run_id());
  RETURN_IF_ERROR(del.Run());
  Statement q(
      db,
      "INSERT INTO reconciliation_runs (run_id, period,"
      " legal_entity, started_at, payload) VALUES ($1, $2, $3, $4, $5)");
  q.Bind(1, report.run_id())
      .Bind(2, report.period())
      .Bind(3, report.legal_entity())
      .Bind(4, google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                   report.started_at()))
      .BindBlob(5, report.SerializeAsString());
  return q.Run();
}

absl::StatusOr<std::optional<Variance>> GetVariance(
    Connection& db, absl::string_view variance_id) {
  Statement q(db,
              "SELECT payload FROM reconciliation_variances WHERE"
              " variance_id = $1");
  q.Bind(1, variance_id);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ParseBlob<Variance>(q.ColumnBlob(0), "variance");
}

absl::Status PutVariance(Connection& db, const Variance& v,
                         absl::string_view legal_entity) {
  Statement q(db,
              "INSERT INTO reconciliation_variances (variance_id,"
              " period, legal_entity, state, category, payload)"
              " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (variance_id)"
              " DO UPDATE SET period = excluded.period,"
              " legal_entity = excluded.legal_entity, state = excluded.state,"
              " category = excluded.category, payload = excluded.payload");
  q.Bind(1, v.variance_id())
      .Bind(2, v.period())
      .Bind(3, legal_entity)
      .Bind(4, int64_t{v.state()})
      .Bind(5, int64_t{v.category()})
      .BindBlob(6, v.SerializeAsString());
  return q.Run();
}

absl::StatusOr<std::vector<Variance>> ListPeriodVariances(
    Connection& db, absl::string_view period, absl::string_view legal_entity) {
  Statement q(db,
              "SELECT payload FROM reconciliation_variances WHERE period = $1"
              " AND legal_entity = $2 ORDER BY variance_id");
  q.Bind(1, period).Bind(2, legal_entity);
  return CollectBlobs<Variance>(q, 0, "variance");
}

absl::StatusOr<VariancePage> ListVariances(Connection& db,
                                           const VarianceQuery& query) {
  int64_t offset = 0;
  if (!query.page_token.empty() &&
      (!absl::SimpleAtoi(query.page_token, &offset) || offset < 0)) {
    return absl::InvalidArgumentError(
        "page_token: not a token this hub issued");
  }
  Statement q(
      db,
      "SELECT payload FROM reconciliation_variances WHERE"
      " ($1::text = '' OR period = $1) AND ($2::bigint = 0 OR state = $2)"
      " AND ($3::bigint = 0 OR category = $3) ORDER BY period, variance_id"
      " LIMIT $4 OFFSET $5");
  q.Bind(1, query.period)
      .Bind(2, int64_t{query.state})
      .Bind(3, int64_t{query.category})
      .Bind(4, int64_t{query.page_size} + 1)
      .Bind(5, offset);
  VariancePage page;
  ASSIGN_OR_RETURN(page.variances, CollectBlobs<Variance>(q, 0, "variance"));
  if (static_cast<int>(page.variances.size()) > query.page_size) {
    page.variances.resize(query.page_size);
    page.next_page_token = absl::StrCat(offset + query.page_size);
  }
  return page;
}

}  // namespace revhub::hub::postgres
