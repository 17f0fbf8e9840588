// Orchestration end to end, business rejections: a posting NetSuite
// refuses (a closed accounting period) blocks its own workflow only, and a
// replay after the fix posts it exactly once.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

}  // namespace

TEST_CASE(
    "a business rejection blocks its workflow only; a replay after the fix "
    "posts it once",
    "[orchestration][faults][rejection]") {
  Harness h;
  // The contract ids are known before booking: the DRAFT comes first.
  ContractSpec rejected_spec;
  rejected_spec.tag = "rejected";
  ContractSpec other_spec;
  other_spec.tag = "unaffected";
  // Period closed for March of every contract booked here.
  h.emulator().AddFault(PeriodClosedFault("_recognition_2025-03"));
  BookedContract rejected = h.Book(rejected_spec);
  REQUIRE(h.WaitWorkflow(
      rejected.workflow_id,
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_BLOCKED;
      },
      seconds(60)));
  // The fault now only hits the first contract's March: the second books
  // while the first is blocked.
  h.emulator().ClearFaults();
  h.emulator().AddFault(PeriodClosedFault(
      absl::StrCat("je_", rejected.contract.id(), "_recognition_2025-03")));
  BookedContract other = h.Book(other_spec);
  REQUIRE(h.WaitQuiet(seconds(90), 2));
  INFO(h.Explain());
  CHECK(h.GetWorkflow(other.workflow_id).state() ==
        v1::WORKFLOW_STATE_COMPLETED);
  v1::Workflow blocked = h.GetWorkflow(rejected.workflow_id);
  REQUIRE(blocked.state() == v1::WORKFLOW_STATE_BLOCKED);

  auto open = h.Exceptions(OpenExceptions(rejected.contract.id()));
  REQUIRE(open.size() == 1);
  const v1::Exception& ex = open[0];
  CHECK(ex.kind() == v1::EXCEPTION_KIND_POSTING_REJECTED);
  CHECK(ex.category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(ex.owner() == "revenue-accounting");
  CHECK(ex.state() == v1::EXCEPTION_STATE_OPEN);
  // FINANCE's SLA in the harness's configuration: 24 h.
  CHECK(ex.sla_state() == v1::SLA_STATE_WITHIN);
  CHECK(ex.sla_due_at().seconds() - ex.created_at().seconds() == 24 * 3600);
  CHECK(ex.system() == "netsuite");
  CHECK(ex.workflow_id() == rejected.workflow_id);
  CHECK(ex.step_name() == "post_journal_entry");
  CHECK(absl::StrContains(ex.vendor_code(), "ACCOUNTING_PERIOD_CLOSED"));
  CHECK(absl::StrContains(ex.error(), "accounting period is closed"));
  const std::string march =
      absl::StrCat("je_", rejected.contract.id(), "_recognition_2025-03");
  CHECK(ex.entity().id() == march);
  // The money at stake is the entry's debits.
  Nanos debits = 0;
  for (const auto& je : h.RecognitionEntries(rejected.contract.id())) {
    if (je.id() != march) continue;
    for (const auto& l : je.lines()) debits += ToNanos(l.debit());
  }
  REQUIRE(debits > 0);
  CHECK(Format(ToNanos(ex.amount_at_stake())) == Format(debits));
  CHECK(ex.amount_at_stake().currency_code() == "USD");
  CHECK(h.Exceptions(OpenExceptions(other.contract.id())).empty());
  // The step failed once: a rejection is not retried.
  for (const auto& s : blocked.steps()) {
    if (s.entity().id() != march) continue;
    CHECK(s.state() == v1::STEP_STATE_FAILED);
    CHECK(s.attempts() == 1);
    CHECK(s.exception_id() == ex.exception_id());
  }
  CHECK(h.emulator().Records("journalEntry").count(march) == 0);

  // The period is reopened in NetSuite; finance replays.
  h.emulator().ClearFaults();
  v1::ReplayExceptionRequest replay;
  replay.set_exception_id(ex.exception_id());
  replay.set_note("period reopened");
  v1::ReplayExceptionResponse replayed;
  grpc::Status st =
      h.Call(&v1::ExceptionService::Stub::ReplayException, replay, &replayed);
  REQUIRE_GRPC_OK(st);
  REQUIRE(h.WaitWorkflow(
      rejected.workflow_id,
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_COMPLETED;
      },
      seconds(60)));
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  v1::ListExceptionsRequest all = OpenExceptions(rejected.contract.id());
  all.set_include_resolved(true);
  auto after = h.Exceptions(all);
  REQUIRE(after.size() == 1);
  CHECK(after[0].state() == v1::EXCEPTION_STATE_RESOLVED);
  CHECK(after[0].sla_state() == v1::SLA_STATE_MET);
  CheckAllCompleted(h);
  CheckExactlyOnce(h, {rejected, other});
}

}  // namespace revhub::testing::orch
