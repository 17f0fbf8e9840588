// What the reconciliation suites share: running a reconciliation through
// the real API and reading its report.
#ifndef REVHUB_TESTS_E2E_RECONCILIATION_SUPPORT_H_
#define REVHUB_TESTS_E2E_RECONCILIATION_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/money.h"
#include "revhub/hub/v1/reconciliation_service.grpc.pb.h"
#include "tests/e2e/orchestration_harness.h"

namespace revhub::testing::orch {

// Runs RunReconciliation for `period` (REQUIREs OK) and returns the report.
inline v1::ReconciliationReport Reconcile(Harness& h,
                                          const std::string& period) {
  v1::RunReconciliationRequest req;
  req.set_period(period);
  v1::RunReconciliationResponse resp;
  grpc::Status st =
      h.Call(&v1::ReconciliationService::Stub::RunReconciliation, req, &resp);
  INFO("RunReconciliation " << period);
  REQUIRE_GRPC_OK(st);
  return resp.report();
}

inline std::vector<v1::Variance> OpenVariances(
    const v1::ReconciliationReport& r) {
  std::vector<v1::Variance> out;
  for (const auto& v : r.variances())
    if (v.state() == v1::VARIANCE_STATE_OPEN) out.push_back(v);
  return out;
}

// One line per variance, for failure messages.
inline std::string Describe(const v1::ReconciliationReport& r) {
  std::string out = absl::StrCat("run ", r.run_id(), "\n");
  for (const auto& v : r.variances()) {
    absl::StrAppend(
        &out, v.variance_id(), " ", v1::VarianceCategory_Name(v.category()),
        " ", v1::VarianceState_Name(v.state()), " ",
        FormatMoney(v.amount_at_stake()), " ", v.description(), "\n");
  }
  return out;
}

}  // namespace revhub::testing::orch

#endif  // REVHUB_TESTS_E2E_RECONCILIATION_SUPPORT_H_
