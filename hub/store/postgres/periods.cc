// Accounting period changes (period_store.h) in table `period_changes`: one
// row per change, the latest (highest seq) of a (period, legal entity) its
// state.
#include <set>

#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using hub::v1::AccountingPeriod;

absl::StatusOr<std::vector<AccountingPeriod>> ListPeriods(
    Connection& db, absl::string_view legal_entity) {
  Statement q(db,
              "SELECT payload FROM period_changes p WHERE seq ="
              " (SELECT MAX(seq) FROM period_changes c WHERE"
              " c.period = p.period AND c.legal_entity = p.legal_entity)"
              " AND ($1::text = '' OR legal_entity = $2 OR legal_entity = '')"
              " ORDER BY period, legal_entity");
  q.Bind(1, legal_entity).Bind(2, legal_entity);
  return CollectBlobs<AccountingPeriod>(q, 0, "period change");
}

absl::StatusOr<std::vector<std::string>> ClosedPeriodsAt(
    Connection& db, absl::string_view legal_entity, absl::Time as_of) {
  Statement q(db,
              "SELECT period FROM period_changes p WHERE closed = 1 AND seq ="
              " (SELECT MAX(seq) FROM period_changes c WHERE"
              " c.period = p.period AND c.legal_entity = p.legal_entity"
              " AND c.changed_at <= $1)"
              " AND (legal_entity = $2 OR legal_entity = '')"
              " ORDER BY period");
  q.Bind(1, absl::ToUnixMicros(as_of)).Bind(2, legal_entity);
  std::set<std::string> periods;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    periods.insert(q.ColumnText(0));
  }
  return std::vector<std::string>(periods.begin(), periods.end());
}

absl::StatusOr<std::optional<AccountingPeriod>> GetPeriod(
    Connection& db, absl::string_view period, absl::string_view legal_entity) {
  Statement q(db,
              "SELECT payload FROM period_changes WHERE period = $1 AND"
              " legal_entity = $2 ORDER BY seq DESC LIMIT 1");
  q.Bind(1, period).Bind(2, legal_entity);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ParseBlob<AccountingPeriod>(q.ColumnBlob(0), "period change");
}

absl::StatusOr<AccountingPeriod> AppendPeriodChange(
    Connection& db, const AccountingPeriod& change, absl::Time now) {
  AccountingPeriod stored = change;
  *stored.mutable_changed_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now));
  Statement q(db,
              "INSERT INTO period_changes (period, legal_entity, closed,"
              " changed_at, payload) VALUES ($1, $2, $3, $4, $5)");
  q.Bind(1, stored.period())
      .Bind(2, stored.legal_entity())
      .Bind(3, int64_t{stored.closed() ? 1 : 0})
      .Bind(4, absl::ToUnixMicros(now))
      .BindBlob(5, stored.SerializeAsString());
  RETURN_IF_ERROR(q.Run());
  return stored;
}

}  // namespace revhub::hub::postgres
