// Tests of `revhub workflows …` and what it prints, run in-process against
// a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "hub/cli/workflow_format.h"
#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

using namespace ::revhub::cli::fixtures;  // NOLINT

TEST_CASE("workflow progress and what a workflow waits on",
          "[cli][orchestration]") {
  hubv1::Workflow w = BlockedBooking();
  CHECK(FormatStepProgress(w) == "3/5");
  CHECK(FormatWaitingOn(w) == "#3 post_invoice: exception 12");

  w.set_state(hubv1::WORKFLOW_STATE_RUNNING);
  w.mutable_steps(3)->set_state(hubv1::STEP_STATE_RETRY_SCHEDULED);
  *w.mutable_steps(3)->mutable_next_attempt_at() = At(kT0 + 120);
  CHECK(FormatWaitingOn(w) ==
        "#3 post_invoice (netsuite), retry at 2026-01-01T00:02:00Z");

  w.mutable_steps(3)->set_state(hubv1::STEP_STATE_SKIPPED);
  CHECK(FormatStepProgress(w) == "4/5");
  CHECK(FormatWaitingOn(w) == "#4 post_journal_entry (netsuite)");

  w.set_state(hubv1::WORKFLOW_STATE_PENDING);
  w.set_blocked_by_workflow_id("wf_6");
  CHECK(FormatWaitingOn(w) == "after wf_6");
  w.set_state(hubv1::WORKFLOW_STATE_COMPLETED);
  CHECK(FormatWaitingOn(w) == "-");
}

TEST_CASE("workflows list filters, limits across pages and prints a table",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::ListWorkflowsResponse first;
  *first.add_workflows() = BlockedBooking();
  *first.add_workflows() = BlockedBooking();
  first.mutable_workflows(1)->set_workflow_id("wf_6");
  first.set_next_page_token("t2");
  hubv1::ListWorkflowsResponse second;
  *second.add_workflows() = BlockedBooking();
  second.mutable_workflows(0)->set_workflow_id("wf_5");
  second.set_next_page_token("t3");
  hub.ListWorkflows_answers.push_back(first);
  hub.ListWorkflows_answers.push_back(second);
  Result r =
      RunWith(hub, {"workflows", "list", "--contract", "ctr_1", "--state",
                    "blocked", "--kind", "booking", "--limit", "3"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.ListWorkflows_requests.size() == 2);
  const hubv1::ListWorkflowsRequest& sent = hub.ListWorkflows_requests[0];
  CHECK(sent.contract_id() == "ctr_1");
  CHECK(sent.state() == hubv1::WORKFLOW_STATE_BLOCKED);
  CHECK(sent.kind() == hubv1::WORKFLOW_KIND_BOOKING);
  CHECK(sent.omit_payloads());
  CHECK(sent.page_size() == 3);
  CHECK(hub.ListWorkflows_requests[1].page_size() == 1);
  CHECK(hub.ListWorkflows_requests[1].page_token() == "t2");
  CHECK_THAT(r.out, Catch::StartsWith("WORKFLOW  KIND     CONTRACT  VERSION  "
                                      "STATE    STEPS  WAITING ON"));
  CHECK_THAT(r.out,
             Catch::Contains("wf_7      booking  ctr_1           3  blocked    "
                             "3/5  #3 post_invoice: exception 12  "
                             "2026-01-01T00:01:00Z\n"));
  CHECK_THAT(r.out, Catch::Contains("wf_5"));
  CHECK_THAT(r.out, Catch::Contains("showing the newest 3; there are more"));

  hub.ListWorkflows_answers.push_back(hubv1::ListWorkflowsResponse());
  r = RunWith(hub, {"workflows", "list"});
  CHECK(r.out == "no workflows\n");
  CHECK(hub.ListWorkflows_requests.back().page_size() == 100);
}

TEST_CASE("workflows show prints every step", "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::GetWorkflowResponse got;
  *got.mutable_workflow() = BlockedBooking();
  hub.GetWorkflow_answers.push_back(got);
  Result r = RunWith(hub, {"workflows", "show", "wf_7"});
  INFO(r.out);
  REQUIRE(r.code == kExitOk);
  CHECK(hub.GetWorkflow_requests.at(0).workflow_id() == "wf_7");
  CHECK_THAT(r.out,
             Catch::Contains("trigger:       event 42 ContractBooked\n"));
  CHECK_THAT(r.out, Catch::Contains("steps done:    3/5\n"));
  CHECK_THAT(r.out, Catch::Contains("netsuite/customer/812"));
  CHECK_THAT(r.out, Catch::Contains("schedule rs_ctr_1 v3 confirmed"));
  CHECK_THAT(r.out, Catch::Contains("invoice inv_1 v2"));
  CHECK_THAT(r.out, Catch::Contains("1200.50 USD"));
  CHECK_THAT(r.out, Catch::Contains(
                        "last errors:\n  #3 post_invoice: [INVALID_KEY_OR_REF] "
                        "Invalid subsidiary reference key 9 for entity 812\n"));
  CHECK_THAT(r.out, !Catch::Contains("payloads:"));

  hub.GetWorkflow_answers.push_back(got);
  r = RunWith(hub, {"workflows", "show", "wf_7", "--payloads"});
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("payloads:\n  #3 post_invoice:\n"));
  CHECK_THAT(r.out, Catch::Contains("\"id\": \"inv_1\""));
}

TEST_CASE(
    "workflows: bad flags are usage errors naming the flag, nothing "
    "is sent",
    "[cli][orchestration]") {
  RecordingHub hub;
  struct Case {
    std::vector<std::string> args;
    const char* names;
  };
  const std::vector<Case> cases = {
      {{"workflows", "list", "--state", "stuck"}, "--state"},
      {{"workflows", "list", "--kind", "merger"}, "--kind"},
      {{"workflows", "list", "--limit", "0"}, "--limit"},
      {{"workflows", "show"}, "WF_ID"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    Result r = RunWith(hub, c.args);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(c.names));
  }
  CHECK(hub.calls == 0);
}

TEST_CASE("workflows list has help naming the states", "[cli][orchestration]") {
  RecordingHub hub;
  Result r = RunWith(hub, {"workflows", "list", "--help"});
  CHECK_THAT(r.out, Catch::Contains("pending, running, blocked, completed"));
  CHECK(hub.calls == 0);
}

}  // namespace
}  // namespace revhub::cli
