// Tests of `revhub contracts book|amend|renew|cancel`, run in-process
// against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

TEST_CASE("contract files are read strictly and amend needs the id",
          "[cli][orchestration]") {
  RecordingHub hub;
  Result r = RunWith(hub, {"contracts", "book", "-"},
                     R"({"id":"ctr_1","customerId":"cus_1","colour":"red"})");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("-: not a valid revhub.canonical.v1."
                                    "Contract in JSON"));
  CHECK_THAT(r.err, Catch::Contains("colour"));

  r = RunWith(hub, {"contracts", "amend", "-"}, R"({"customerId":"cus_1"})");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("contract.id: required"));

  r = RunWith(hub, {"contracts", "renew", "ctr_1", "-"},
              R"({"renewalOfContractId":"ctr_9"})");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("contract.renewal_of_contract_id"));
  CHECK(hub.calls == 0);
}

TEST_CASE("contracts book sends the contract and prints the workflow",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::BookContractResponse booked;
  booked.set_workflow_id("wf_7");
  booked.mutable_contract()->set_id("ctr_1");
  booked.mutable_contract()->set_version(1);
  hub.BookContract_answers.push_back(booked);
  Result r =
      RunWith(hub, {"contracts", "book", "-", "--idempotency-key", "k-1"},
              R"({"customerId":"cus_1","currencyCode":"USD"})");
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.BookContract_requests.size() == 1);
  CHECK(hub.BookContract_requests[0].contract().customer_id() == "cus_1");
  CHECK(hub.BookContract_requests[0].contract().currency_code() == "USD");
  CHECK(hub.BookContract_requests[0].idempotency_key() == "k-1");
  CHECK_THAT(r.out, Catch::StartsWith("workflow wf_7 (booking) started for "
                                      "contract ctr_1 version 1\n"));
  CHECK_THAT(r.out, Catch::Contains("revhub workflows show wf_7"));

  hub.BookContract_answers.push_back(booked);
  r = RunWith(hub, {"--json", "contracts", "book", "-"}, "{}");
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("\"workflowId\": \"wf_7\""));
  CHECK_THAT(r.out, Catch::Contains("\"id\": \"ctr_1\""));

  hub.BookContract_answers.push_back(
      absl::FailedPreconditionError("contract ctr_1 is ACTIVE already"));
  r = RunWith(hub, {"contracts", "book", "-"}, "{}");
  CHECK(r.code == kExitServerError);
  CHECK_THAT(r.err, Catch::Contains("FAILED_PRECONDITION: contract ctr_1"));

  hub.BookContract_answers.push_back(absl::UnavailableError("no hub"));
  CHECK(RunWith(hub, {"contracts", "book", "-"}, "{}").code ==
        kExitUnreachable);
}

TEST_CASE("contracts amend, renew and cancel build their requests",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::AmendContractResponse amended;
  amended.set_workflow_id("wf_8");
  amended.mutable_contract()->set_id("ctr_1");
  amended.mutable_contract()->set_version(4);
  hub.AmendContract_answers.push_back(amended);
  Result r =
      RunWith(hub, {"contracts", "amend", "-", "--expected-version", "3"},
              R"({"id":"ctr_1"})");
  REQUIRE(r.code == kExitOk);
  CHECK(hub.AmendContract_requests.at(0).contract().id() == "ctr_1");
  CHECK(hub.AmendContract_requests.at(0).expected_version() == 3);
  CHECK_THAT(r.out, Catch::Contains("wf_8 (amendment)"));
  CHECK_THAT(r.out, Catch::Contains("contract ctr_1 version 4"));

  hubv1::RenewContractResponse renewed;
  renewed.set_workflow_id("wf_9");
  renewed.mutable_contract()->set_id("ctr_2");
  renewed.mutable_contract()->set_version(1);
  renewed.mutable_contract()->set_renewal_of_contract_id("ctr_1");
  hub.RenewContract_answers.push_back(renewed);
  r = RunWith(hub, {"contracts", "renew", "ctr_1", "-"},
              R"({"term":{"startTime":"2027-01-01T00:00:00Z"}})");
  REQUIRE(r.code == kExitOk);
  CHECK(hub.RenewContract_requests.at(0).contract_id() == "ctr_1");
  CHECK(hub.RenewContract_requests.at(0)
            .renewal()
            .term()
            .start_time()
            .seconds() == 1798761600);
  CHECK_THAT(r.out,
             Catch::Contains("contract ctr_2 version 1, renewing ctr_1"));

  hubv1::CancelContractResponse cancelled;
  cancelled.set_workflow_id("wf_10");
  cancelled.mutable_contract()->set_id("ctr_1");
  cancelled.mutable_contract()->set_version(5);
  hub.CancelContract_answers.push_back(cancelled);
  hub.CancelContract_answers.push_back(cancelled);
  r = RunWith(hub,
              {"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z",
               "--reason", "customer churned", "--credit", "unused",
               "--expected-version", "4", "--idempotency-key", "cancel-ctr_1"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const hubv1::CancelContractRequest& cancel =
      hub.CancelContract_requests.at(0);
  CHECK(cancel.contract_id() == "ctr_1");
  CHECK(cancel.cancelled_at().seconds() == 1772323200);
  CHECK(cancel.reason() == "customer churned");
  CHECK(cancel.credit() == hubv1::CANCELLATION_CREDIT_UNUSED_PORTION);
  CHECK(cancel.expected_version() == 4);
  CHECK(cancel.idempotency_key() == "cancel-ctr_1");
  CHECK_THAT(r.out, Catch::Contains("wf_10 (cancellation)"));

  r = RunWith(
      hub, {"contracts", "cancel", "ctr_1", "--at", "2026-03-01T01:00:00+01:00",
            "--reason", "x", "--credit", "none"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.CancelContract_requests.at(1).cancelled_at().seconds() ==
        1772323200);
  CHECK(hub.CancelContract_requests.at(1).credit() ==
        hubv1::CANCELLATION_CREDIT_NONE);
  CHECK(hub.CancelContract_requests.at(1).expected_version() == 0);
}

TEST_CASE(
    "contracts: bad flags are usage errors naming the flag, nothing "
    "is sent",
    "[cli][orchestration]") {
  RecordingHub hub;
  struct Case {
    std::vector<std::string> args;
    const char* names;
  };
  const std::vector<Case> cases = {
      {{"contracts", "cancel", "ctr_1", "--reason", "churn"}, "--at"},
      {{"contracts", "cancel", "ctr_1", "--at", "yesterday", "--reason", "x"},
       "--at"},
      {{"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z"},
       "--reason"},
      {{"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z",
        "--reason", "churn", "--credit", "all"},
       "--credit"},
      {{"contracts", "book"}, "FILE"},
      {{"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z",
        "--reason", "churn", "--expected-version", "0"},
       "--expected-version"},
      {{"contracts", "book", "/nonexistent/contract.json"},
       "/nonexistent/contract.json"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    Result r = RunWith(hub, c.args);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(c.names));
  }
  CHECK(hub.calls == 0);
}

TEST_CASE("contracts lists its lifecycle commands in its help",
          "[cli][orchestration]") {
  RecordingHub hub;
  Result r = RunWith(hub, {"contracts", "--help"});
  CHECK(r.code == kExitOk);
  for (const char* command : {"book", "amend", "renew", "cancel", "upsert"}) {
    CHECK_THAT(r.out, Catch::Contains(command));
  }
  CHECK(hub.calls == 0);
}

}  // namespace
}  // namespace revhub::cli
