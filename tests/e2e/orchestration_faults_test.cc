// Orchestration end to end, when NetSuite misbehaves: transient faults
// (5xx, 429 with Retry-After, timeouts, resets) are retried until every
// posting lands exactly once; a legal entity NetSuite cannot map is a
// METADATA_MISMATCH for its owner; a fault that never ends is a
// DEAD_LETTER that posts once when fixed and retried.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
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
    "5xx, 429 with Retry-After, timeouts and resets: every posting lands "
    "exactly once",
    "[orchestration][faults]") {
  HarnessOptions options;
  options.max_attempts = 30;
  Harness h(options);
  h.emulator().AddFault(R"({"mode":"status","status":503,"count":8})");
  h.emulator().AddFault(
      R"({"mode":"status","status":429,"retry_after":"1","count":3})");
  h.emulator().AddFault(R"({"mode":"timeout","delay_ms":1500,"count":3})");
  h.emulator().AddFault(R"({"mode":"reset","count":4})");
  std::vector<BookedContract> booked;
  for (int i = 0; i < 4; ++i) {
    ContractSpec spec;
    spec.tag = absl::StrCat("faults-", i);
    spec.monthly_cents = 100000 + 2500 * i;
    booked.push_back(h.Book(spec));
  }
  REQUIRE(h.WaitQuiet(seconds(180), 4));
  CheckAllCompleted(h);
  CHECK(h.Exceptions(OpenExceptions()).empty());
  CheckExactlyOnce(h, booked);

  int retried = 0;
  int most = MaxAttempts(h.Workflows(), &retried);
  CHECK(most > 1);
  CHECK(retried > 0);
  // Every injected status and reset fault was used up.
  std::map<std::string, int> faults;
  for (const auto& r : h.emulator().Requests()) {
    if (r.contains("fault")) ++faults[r["fault"].get<std::string>()];
  }
  CHECK(faults["status"] == 11);
  CHECK(faults["reset"] == 4);
  // A step answered 429 with Retry-After: 1 is not attempted again sooner.
  Json requests = h.emulator().Requests();
  int throttled = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].value("status", 0) != 429) continue;
    ++throttled;
    const std::string key = requests[i]["idempotency_key"].get<std::string>();
    for (size_t j = i + 1; j < requests.size(); ++j) {
      if (requests[j]["idempotency_key"] != key) continue;
      int64_t waited = requests[j]["received_ms"].get<int64_t>() -
                       requests[i]["received_ms"].get<int64_t>();
      INFO("retry of " << key << " after a 429 came " << waited << " ms later");
      CHECK(waited >= 1000);
      break;
    }
  }
  CHECK(throttled == 3);
  // Every attempt of a step sent the same body.
  for (const char* type : {"invoice", "journalEntry"}) {
    for (const auto& [eid, bodies] :
         BodiesByExternalId(h.emulator().Requests(), type)) {
      INFO(type << " " << eid);
      CHECK(bodies.size() == 1);
    }
  }
  std::cout << "faults: steps retried " << retried << ", most attempts " << most
            << "\n";
}

TEST_CASE(
    "a legal entity NetSuite cannot map is METADATA_MISMATCH for revops-data",
    "[orchestration][faults][metadata]") {
  HarnessOptions options;
  options.default_subsidiary_id = "";
  Harness h(options);
  ContractSpec spec;
  spec.tag = "unmapped";
  spec.legal_entity = "acme-zz";
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  INFO(h.Explain());
  CHECK(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_BLOCKED);
  auto open = h.Exceptions(OpenExceptions(b.contract.id()));
  REQUIRE(open.size() == 1);
  CHECK(open[0].kind() == v1::EXCEPTION_KIND_METADATA_MISMATCH);
  CHECK(open[0].category() == v1::EXCEPTION_CATEGORY_METADATA);
  CHECK(open[0].owner() == "revops-data");
  // METADATA's SLA in the harness's configuration: 72 h.
  CHECK(open[0].sla_state() == v1::SLA_STATE_WITHIN);
  CHECK(open[0].sla_due_at().seconds() - open[0].created_at().seconds() ==
        72 * 3600);
  CHECK(open[0].field_path() == "entity.journal_entry.legal_entity");
  CHECK(absl::StrContains(open[0].error(), "acme-zz"));
  CHECK(open[0].vendor_code().empty());
  // Customer and invoice went; no journal entry reached NetSuite.
  CHECK(h.emulator().Records("customer").count(b.customer.id()) == 1);
  CHECK(h.emulator().Records("invoice").count(b.invoice.id()) == 1);
  CHECK(h.emulator().Records("journalEntry").empty());
  for (const auto& r : h.emulator().Requests()) {
    CHECK_FALSE(
        absl::StrContains(r["path"].get<std::string>(), "journalEntry"));
  }
}

TEST_CASE(
    "a fault that never ends is a DEAD_LETTER; fixed and retried, it posts "
    "once",
    "[orchestration][faults][dead-letter]") {
  HarnessOptions options;
  options.max_attempts = 3;
  Harness h(options);
  h.emulator().AddFault(
      R"({"mode":"status","status":503,"method":"PUT","path_contains":"/invoice/"})");
  ContractSpec spec;
  spec.tag = "dead";
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  INFO(h.Explain());
  v1::Workflow w = h.GetWorkflow(b.workflow_id);
  CHECK(w.state() == v1::WORKFLOW_STATE_BLOCKED);
  bool found = false;
  for (const auto& s : w.steps()) {
    if (s.name() != "post_invoice") continue;
    found = true;
    CHECK(s.state() == v1::STEP_STATE_DEAD_LETTERED);
    CHECK(s.attempts() == 3);
    CHECK(s.last_error_code() == "HTTP 503");
  }
  CHECK(found);
  auto open = h.Exceptions(OpenExceptions(b.contract.id()));
  REQUIRE(open.size() == 1);
  CHECK(open[0].kind() == v1::EXCEPTION_KIND_DEAD_LETTER);
  CHECK(open[0].category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(open[0].owner() == "revenue-accounting");
  CHECK(open[0].attempts() == 3);
  CHECK(Format(ToNanos(open[0].amount_at_stake())) ==
        Format(ToNanos(b.invoice.total())));
  int puts = 0;
  for (const auto& r : h.emulator().Requests())
    puts += absl::StrContains(r["path"].get<std::string>(), "/invoice/");
  CHECK(puts == 3);

  h.emulator().ClearFaults();
  v1::RetryExceptionRequest retry;
  retry.set_exception_id(open[0].exception_id());
  v1::RetryExceptionResponse retried;
  grpc::Status st =
      h.Call(&v1::ExceptionService::Stub::RetryException, retry, &retried);
  REQUIRE_GRPC_OK(st);
  REQUIRE(h.WaitWorkflow(
      b.workflow_id,
      [](const v1::Workflow& wf) {
        return wf.state() == v1::WORKFLOW_STATE_COMPLETED;
      },
      seconds(60)));
  v1::ListExceptionsRequest all = OpenExceptions(b.contract.id());
  all.set_include_resolved(true);
  auto after = h.Exceptions(all);
  REQUIRE(after.size() == 1);
  CHECK(after[0].state() == v1::EXCEPTION_STATE_RESOLVED);
  CheckExactlyOnce(h, {b});
  // The retry used the step's idempotency key again.
  std::set<std::string> keys;
  for (const auto& r : h.emulator().Requests()) {
    if (absl::StrContains(r["path"].get<std::string>(), "/invoice/"))
      keys.insert(r["idempotency_key"].get<std::string>());
  }
  CHECK(keys.size() == 1);
}

}  // namespace revhub::testing::orch
