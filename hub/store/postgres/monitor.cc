// MonitorReader (monitor_store.h): aggregates over raw_records, workflows,
// consumers and exceptions.
#include <map>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1000000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNanosPerUnit = 1000000000;

absl::Time MicrosToTime(int64_t us) { return absl::FromUnixMicros(us); }

std::string Unprefixed(const std::string& name, absl::string_view prefix) {
  if (absl::StartsWith(name, prefix)) return name.substr(prefix.size());
  return name;
}

}  // namespace

absl::StatusOr<std::vector<RecordStatusCount>> CountRecordsByStatus(
    Connection& db) {
  Statement q(db,
              "SELECT system, status, COUNT(*), MIN(received_at)"
              " FROM raw_records GROUP BY system, status"
              " ORDER BY system, status");
  std::vector<RecordStatusCount> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    RecordStatusCount c;
    c.system = q.ColumnText(0);
    c.status = static_cast<hub::v1::RecordStatus>(q.ColumnInt(1));
    c.count = q.ColumnInt(2);
    c.oldest_received_at = MicrosToTime(q.ColumnInt(3));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<WorkflowStateCount>> CountWorkflowsByState(
    Connection& db) {
  Statement q(db,
              "SELECT state, COUNT(*), MIN(updated_at) FROM workflows"
              " GROUP BY state ORDER BY state");
  std::vector<WorkflowStateCount> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    WorkflowStateCount c;
    c.state = static_cast<hub::v1::WorkflowState>(q.ColumnInt(0));
    c.count = q.ColumnInt(1);
    c.oldest_updated_at = MicrosToTime(q.ColumnInt(2));
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ConsumerPositions(
    Connection& db) {
  Statement q(db, "SELECT payload FROM consumers ORDER BY name");
  ASSIGN_OR_RETURN(auto all, CollectBlobs<hub::v1::Consumer>(q, 0, "consumer"));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& c : all)
    out.emplace_back(c.name(), c.acknowledged_position());
  return out;
}

absl::StatusOr<std::vector<ExceptionSummaryGroup>> SummarizeExceptions(
    Connection& db, const ExceptionSummaryQuery& query) {
  const int64_t resolved = hub::v1::EXCEPTION_STATE_RESOLVED;
  // One scan grouped by every dimension at once; the (few) groups are
  // rolled up per dimension below.
  const std::string until = absl::StrCat("(CASE WHEN state = ", resolved,
                                         " THEN resolved_at ELSE $1 END)");
  const std::string age = absl::StrCat("(", until, " - created_at)");
  std::string sql = absl::StrCat(
      "SELECT owner, category, kind, system,"
      " CASE WHEN ",
      age, " < ", kHour, " THEN '<1h' WHEN ", age, " < ", kDay,
      " THEN '1h-1d' WHEN ", age, " < ", 3 * kDay, " THEN '1-3d' WHEN ", age,
      " < ", 7 * kDay,
      " THEN '3-7d' ELSE '>7d' END AS age_bucket,"
      " CASE WHEN sla_due_at = 0 THEN 'NONE'"
      " WHEN state = ",
      resolved,
      " THEN (CASE WHEN resolved_at <= sla_due_at THEN 'MET' ELSE 'MISSED'"
      " END)"
      " WHEN $1 > sla_due_at THEN 'BREACHED'"
      " WHEN 4 * ($1 - created_at) >= 3 * (sla_due_at - created_at)"
      " THEN 'AT_RISK' ELSE 'WITHIN' END AS sla,"
      // Sums of bigint are numeric: cast back, as rows are read in binary.
      " currency, COUNT(*), SUM(amount_units)::bigint,"
      " SUM(amount_nanos)::bigint,"
      " state = ",
      resolved,
      " AS resolved"
      " FROM exceptions WHERE TRUE");
  int n = 1;
  auto next = [&n] { return absl::StrCat("$", ++n); };
  if (!query.include_resolved) {
    absl::StrAppend(&sql, " AND state != ", resolved);
  }
  if (!query.system.empty()) sql += " AND system = " + next();
  if (!query.owner.empty()) sql += " AND owner = " + next();
  if (query.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED) {
    sql += " AND category = " + next();
  }
  if (query.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED) {
    sql += " AND kind = " + next();
  }
  sql += " GROUP BY 1, 2, 3, 4, 5, 6, 7, 11";
  Statement q(db, sql);
  int i = 1;
  q.Bind(i++, absl::ToUnixMicros(query.now));
  if (!query.system.empty()) q.Bind(i++, query.system);
  if (!query.owner.empty()) q.Bind(i++, query.owner);
  if (query.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.category});
  }
  if (query.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.kind});
  }
  // (dimension, key, currency) -> count, units, nanos (nanos not yet
  // carried).
  std::map<std::tuple<std::string, std::string, std::string>,
           std::tuple<int64_t, int64_t, int64_t>>
      groups;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string currency = q.ColumnText(6);
    const int64_t count = q.ColumnInt(7);
    const int64_t units = q.ColumnInt(8);
    const int64_t nanos = q.ColumnInt(9);
    const std::string keys[7][2] = {
        {"owner", q.ColumnText(0)},
        {"category", Unprefixed(hub::v1::ExceptionCategory_Name(
                                    static_cast<int>(q.ColumnInt(1))),
                                "EXCEPTION_CATEGORY_")},
        {"kind", Unprefixed(hub::v1::ExceptionKind_Name(
                                static_cast<int>(q.ColumnInt(2))),
                            "EXCEPTION_KIND_")},
        {"system", q.ColumnText(3)},
        {"age", q.ColumnText(4)},
        {"sla", q.ColumnText(5)},
        {"state", q.ColumnInt(10) != 0 ? "RESOLVED" : "OPEN"}};
    auto add = [&](const std::string& dimension, const std::string& key) {
      auto& g = groups[{dimension, key, currency}];
      std::get<0>(g) += count;
      std::get<1>(g) += units;
      std::get<2>(g) += nanos;
    };
    for (const auto& k : keys) add(k[0], k[1]);
    add("total", "");
  }
  std::vector<ExceptionSummaryGroup> out;
  for (const auto& [key, sums] : groups) {
    ExceptionSummaryGroup g;
    std::tie(g.dimension, g.key, g.currency) = key;
    g.count = std::get<0>(sums);
    // Carry whole units out of the nanos, then give both the same sign.
    int64_t units = std::get<1>(sums) + std::get<2>(sums) / kNanosPerUnit;
    int64_t nanos = std::get<2>(sums) % kNanosPerUnit;
    if (units > 0 && nanos < 0) {
      units -= 1;
      nanos += kNanosPerUnit;
    } else if (units < 0 && nanos > 0) {
      units += 1;
      nanos -= kNanosPerUnit;
    }
    g.units = units;
    g.nanos = static_cast<int32_t>(nanos);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace revhub::hub::postgres
