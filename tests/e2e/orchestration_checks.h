// Checks the orchestration end-to-end suites share, over what a Harness's
// hub and NetSuite emulator hold: every booked contract posted exactly
// once, every workflow completed, how often steps were retried.
//
// Thread-safety: the checks use Catch2 assertions and belong on the test's
// thread.
#ifndef REVHUB_TESTS_E2E_ORCHESTRATION_CHECKS_H_
#define REVHUB_TESTS_E2E_ORCHESTRATION_CHECKS_H_

#include <string>
#include <vector>

#include "tests/e2e/orchestration_harness.h"

namespace revhub::testing::orch {

// NetSuite's answer when a posting's accounting period is closed (a
// business rejection: not retried).
inline constexpr char kPeriodClosed[] = R"({
  "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
  "title": "Bad Request", "status": 400,
  "o:errorDetails": [{"detail": "The accounting period is closed.",
                      "o:errorCode": "ACCOUNTING_PERIOD_CLOSED",
                      "o:errorPath": "tranDate"}]})";

// An emulator fault rule answering kPeriodClosed to every PUT whose path
// contains `path_part` (e.g. "_recognition_2025-03").
std::string PeriodClosedFault(const std::string& path_part);

// A filter for the open exceptions, of one contract when given.
v1::ListExceptionsRequest OpenExceptions(const std::string& contract_id = "");

// The most attempts any step of `workflows` took; `steps_retried` gets how
// many steps took more than one.
int MaxAttempts(const std::vector<v1::Workflow>& workflows, int* steps_retried);

// Checks that the emulator holds exactly the booked contracts' customer,
// invoice and recognition entries (12 a contract), each once, and nothing
// else; prints the postings expected, found and duplicated.
void CheckExactlyOnce(Harness& h, const std::vector<BookedContract>& booked);

// Checks that every workflow is COMPLETED.
void CheckAllCompleted(Harness& h);

}  // namespace revhub::testing::orch

#endif  // REVHUB_TESTS_E2E_ORCHESTRATION_CHECKS_H_
