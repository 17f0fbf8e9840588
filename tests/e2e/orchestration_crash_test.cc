// Crash safety of orchestration: contracts are booked by a client that
// retries unanswered calls with the same idempotency keys while revhubd is
// killed with SIGKILL at random moments and restarted on the same data
// folder. At the end every workflow has completed and NetSuite holds each
// expected posting exactly once.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/orchestration_harness.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kContracts = 32;
constexpr int kMinKills = 22;

}  // namespace

TEST_CASE(
    "kill -9 at random points while contracts are booked and posted: every "
    "workflow completes, every posting lands exactly once",
    "[orchestration][crash]") {
  HarnessOptions options;
  options.max_attempts = 50;
  Harness h(options);
  h.set_retry_window(seconds(180));
  // Some transient vendor failures on top of the crashes, then 150 ms of
  // latency on every request, so that the postings take long enough for
  // the kills to land in the middle of them.
  h.emulator().AddFault(R"({"mode":"status","status":503,"count":15})");
  h.emulator().AddFault(R"({"mode":"timeout","delay_ms":150})");

  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("REVHUB_CRASH_SEED")) seed = std::atoi(s);
  std::cout << "crash test seed " << seed
            << " (REVHUB_CRASH_SEED reproduces the delays)\n";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(100, 1200);
  std::uniform_int_distribution<int> down_ms(0, 400);
  std::vector<int> delays, downtimes;
  for (int i = 0; i < 4 * kMinKills; ++i) {
    delays.push_back(delay_ms(rng));
    downtimes.push_back(down_ms(rng));
  }

  // Whether any workflow is still PENDING or RUNNING (no Catch assertions:
  // this runs on the killer's thread).
  auto work_left = [&h]() {
    v1::ListWorkflowsRequest req;
    req.set_page_size(500);
    req.set_omit_payloads(true);
    v1::ListWorkflowsResponse resp;
    v1::WorkflowService::Stub stub(h.channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
    if (!stub.ListWorkflows(&ctx, req, &resp).ok()) return true;
    for (const auto& w : resp.workflows()) {
      if (w.state() == v1::WORKFLOW_STATE_PENDING ||
          w.state() == v1::WORKFLOW_STATE_RUNNING)
        return true;
    }
    return false;
  };

  std::atomic<bool> booking_done{false};
  std::atomic<int> kills{0}, kills_mid_run{0};
  std::thread killer([&] {
    size_t next = 0;
    while ((kills_mid_run < kMinKills || !booking_done) &&
           kills < 3 * kMinKills) {
      std::this_thread::sleep_for(milliseconds(delays[next++ % delays.size()]));
      bool mid_run = !booking_done || work_left();
      h.CrashAndRestart(milliseconds(downtimes[next % downtimes.size()]));
      ++kills;
      kills_mid_run += mid_run;
    }
  });

  std::vector<BookedContract> booked;
  for (int i = 0; i < kContracts; ++i) {
    ContractSpec spec;
    spec.tag = absl::StrCat("crash-", i);
    spec.monthly_cents = 50000 + 1000 * i;
    booked.push_back(h.Book(spec));
    std::this_thread::sleep_for(milliseconds(delays[i % delays.size()] / 4));
  }
  int kills_while_booking = kills;
  booking_done = true;
  killer.join();
  REQUIRE(h.hub().running());

  bool quiet = h.WaitQuiet(seconds(300), kContracts);
  INFO(h.Explain());
  REQUIRE(quiet);

  // Every workflow completed; one BOOKING per contract (the recognition
  // sweep may add RECOGNITION workflows: they too must complete).
  auto workflows = h.Workflows();
  std::map<std::string, int> per_contract;
  int completed = 0, others = 0;
  for (const auto& w : workflows) {
    completed += w.state() == v1::WORKFLOW_STATE_COMPLETED;
    if (w.kind() == v1::WORKFLOW_KIND_BOOKING) {
      ++per_contract[w.contract_id()];
    } else {
      ++others;
    }
  }
  CHECK(completed == static_cast<int>(workflows.size()));
  CHECK(static_cast<int>(per_contract.size()) == kContracts);
  for (const auto& b : booked) {
    INFO("contract " << b.contract.id());
    CHECK(per_contract[b.contract.id()] == 1);
  }
  v1::ListExceptionsRequest open;
  CHECK(h.Exceptions(open).empty());

  // Each expected posting exactly once.
  std::map<std::string, std::set<std::string>> expected;  // type -> eids
  for (const auto& b : booked) {
    expected["customer"].insert(b.customer.id());
    expected["invoice"].insert(b.invoice.id());
    for (const auto& je : h.RecognitionEntries(b.contract.id())) {
      if (je.posting_date().seconds() <= time(nullptr))
        expected["journalEntry"].insert(je.id());
    }
  }
  int expected_count = 0, found = 0, duplicates = 0, unexpected = 0;
  for (const auto& [type, eids] : expected) {
    expected_count += static_cast<int>(eids.size());
    int no_eid = 0;
    auto records = h.emulator().Records(type, &no_eid);
    duplicates += no_eid;  // a record made without an external id
    for (const auto& [eid, rec] : records) {
      if (eids.count(eid)) {
        ++found;
        continue;
      }
      // A second posting of an expected one ("<eid>~r2", "<eid>~rev").
      std::string base = eid.substr(0, eid.find('~'));
      if (eids.count(base)) {
        ++duplicates;
      } else {
        ++unexpected;
      }
      UNSCOPED_INFO(type << " " << eid << " was not expected");
    }
  }
  for (const auto& b : booked) {
    LedgerReport ledger = h.CheckLedger(b.contract.id());
    INFO("contract " << b.contract.id() << ": "
                     << absl::StrJoin(ledger.problems, "; "));
    CHECK(ledger.problems.empty());
  }
  std::cout << "crash: kills=" << kills.load() << " (mid-run "
            << kills_mid_run.load() << ", while booking " << kills_while_booking
            << ") contracts=" << kContracts << " workflows=" << workflows.size()
            << " completed=" << completed << " non_booking=" << others
            << " expected=" << expected_count << " found=" << found
            << " duplicates=" << duplicates << " unexpected=" << unexpected
            << " client_retries=" << h.retried_calls() << "\n";
  WARN("crash: kills=" << kills.load() << " mid-run=" << kills_mid_run.load()
                       << " expected=" << expected_count << " found=" << found
                       << " duplicates=" << duplicates
                       << " unexpected=" << unexpected);
  CHECK(kills_mid_run >= kMinKills);
  CHECK(expected_count == kContracts * 14);
  CHECK(found == expected_count);
  CHECK(duplicates == 0);
  CHECK(unexpected == 0);
}

}  // namespace revhub::testing::orch
