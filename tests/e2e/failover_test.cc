// Failover: three revhubd on one PostgreSQL database under mixed load
// (ingest, contract lifecycle calls, the pipeline, workflows posting to the
// NetSuite emulator). The hub holding the single-writer duties is killed
// with SIGKILL ten times; each time another hub takes the duties over
// within a few lease polls, and the killed hub comes back as a standby.
// At the end: every acknowledged record is stored with its exact bytes,
// every workflow completed, every expected posting is in NetSuite exactly
// once, and the event positions run dense from the first to the last.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/support/postgres_server.h"
#include "tests/support/salesforce_payloads.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kHubs = 3;
constexpr int kKills = 10;
constexpr int kContracts = 10;
constexpr int kIngestClients = 2;
// The duties a lease holder runs; the last one taken over ends a takeover.
const std::vector<std::string>& Duties() {
  static const auto* duties = new std::vector<std::string>{
      "pipeline", "revenue", "orchestrator", "sync-schedules"};
  return *duties;
}

// A Salesforce Account (a customer: no workflow follows it, so NetSuite
// holds only the booked contracts' postings).
std::string AccountPayload(const std::string& key) {
  return SalesforceAccount(key, absl::StrCat("Failover ", key),
                           "2025-03-01T10:00:00.000+0000");
}

// What the ingest clients sent and what the hubs acknowledged.
struct IngestLedger {
  std::mutex mu;
  std::map<std::string, int64_t> acked;  // idempotency key -> record id
  std::set<std::string> unknown;         // sent, no answer
};

// One Ingest of the Account `key` to whichever hub serves now.
grpc::Status IngestOnce(Harness& h, const std::string& key,
                        v1::IngestResponse* resp) {
  v1::IngestRequest req;
  req.set_system("salesforce");
  req.set_object_type("Account");
  req.set_idempotency_key(key);
  req.set_payload(AccountPayload(key));
  auto stub = v1::IngestService::NewStub(h.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
  return stub->Ingest(&ctx, req, resp);
}

// Milliseconds until one running hub holds every duty (-1 after 30 s).
int64_t WaitTakeover(Harness& h) {
  const auto start = Clock::now();
  while (Clock::now() - start < seconds(30)) {
    int holder = h.DutyHolder(Duties()[0]);
    bool all = holder >= 0;
    for (const auto& duty : Duties()) all = all && h.DutyHolder(duty) >= 0;
    if (all) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - start)
          .count();
    }
    std::this_thread::sleep_for(milliseconds(25));
  }
  return -1;
}

}  // namespace

TEST_CASE(
    "three hubs on one PostgreSQL: kill -9 the lease holder ten times under "
    "load; nothing acknowledged is lost, nothing posts twice",
    "[failover][postgres]") {
  const std::string db = FreshPostgresDatabase("failover");
  HarnessOptions options;
  options.hubs = kHubs;
  options.store = db;
  options.salesforce = true;
  options.max_attempts = 50;
  options.hub_args = {"--lease-poll=250ms"};
  Harness h(options);
  h.set_retry_window(seconds(120));
  // Postings take long enough for kills to land in the middle of them.
  h.emulator().AddFault(R"({"mode":"timeout","delay_ms":100})");
  REQUIRE(WaitTakeover(h) >= 0);

  IngestLedger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < kIngestClients; ++c) {
    clients.emplace_back([&, c] {
      for (int seq = 0; !stop; ++seq) {
        const std::string key = absl::StrCat("001FO", c, "x", seq);
        v1::IngestResponse resp;
        grpc::Status st = IngestOnce(h, key, &resp);
        std::lock_guard<std::mutex> lock(ledger.mu);
        if (st.ok()) {
          ledger.acked[key] = resp.record_id();
        } else {
          ledger.unknown.insert(key);
        }
      }
    });
  }

  std::vector<int64_t> takeovers;
  std::atomic<int> kills{0};
  std::thread killer([&] {
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(400, 1500);
    while (kills < kKills) {
      std::this_thread::sleep_for(milliseconds(delay_ms(rng)));
      const int holder = h.DutyHolder("orchestrator");
      if (holder < 0) continue;  // a takeover still under way
      // The holder stays down 300 ms: another hub must take over.
      const auto killed_at = Clock::now();
      std::thread restart(
          [&h, holder] { h.CrashAndRestartHub(holder, milliseconds(300)); });
      std::this_thread::sleep_for(milliseconds(20));
      int64_t took = WaitTakeover(h);
      if (took >= 0) {
        took =
            std::chrono::duration_cast<milliseconds>(Clock::now() - killed_at)
                .count();
      }
      restart.join();
      takeovers.push_back(took);
      ++kills;
    }
  });

  std::vector<BookedContract> booked;
  for (int i = 0; i < kContracts; ++i) {
    ContractSpec spec;
    spec.tag = absl::StrCat("failover-", i);
    spec.monthly_cents = 40000 + 1000 * i;
    booked.push_back(h.Book(spec));
    // Bookings spread over the kills: lifecycle calls meet dead hubs too.
    std::this_thread::sleep_for(milliseconds(700));
  }
  const int kills_while_booking = kills;
  killer.join();
  stop = true;
  for (auto& t : clients) t.join();

  // Records whose fate a client never learned: resent with the same key,
  // they are stored once (a duplicate when they had been).
  for (const std::string& key : ledger.unknown) {
    v1::IngestRequest req;
    req.set_system("salesforce");
    req.set_object_type("Account");
    req.set_idempotency_key(key);
    req.set_payload(AccountPayload(key));
    v1::IngestResponse resp;
    REQUIRE_GRPC_OK(h.Call(&v1::IngestService::Stub::Ingest, req, &resp));
    ledger.acked[key] = resp.record_id();
  }

  // 0 acknowledged records lost: each is there with its exact bytes, and no
  // two keys share a record.
  std::set<int64_t> ids;
  int lost = 0;
  for (const auto& [key, id] : ledger.acked) {
    ids.insert(id);
    v1::GetRecordRequest req;
    req.set_record_id(id);
    v1::GetRecordResponse resp;
    grpc::Status st = h.Call(&v1::IngestService::Stub::GetRecord, req, &resp);
    if (!st.ok() || resp.record().payload() != AccountPayload(key)) {
      ++lost;
      UNSCOPED_INFO("record " << id << " of " << key << ": "
                              << st.error_message());
    }
  }
  CHECK(lost == 0);
  CHECK(ids.size() == ledger.acked.size());

  bool quiet = h.WaitQuiet(seconds(300), kContracts);
  INFO(h.Explain());
  REQUIRE(quiet);
  CheckAllCompleted(h);
  // The pipeline, moved from hub to hub, applied every record.
  int not_applied = 0;
  for (const auto& [key, id] : ledger.acked) {
    not_applied += h.Settle(id, 60) != v1::RECORD_STATUS_APPLIED;
  }
  CHECK(not_applied == 0);
  CheckExactlyOnce(h, booked);
  for (const auto& b : booked) {
    LedgerReport report = h.CheckLedger(b.contract.id());
    INFO("contract " << b.contract.id());
    CHECK(report.problems.empty());
  }

  // Event positions dense and gap-free, whichever hub wrote them.
  int64_t expected = 0, events = 0, gaps = 0;
  v1::ListEventsRequest page;
  page.set_page_size(1000);
  while (true) {
    v1::ListEventsResponse resp;
    REQUIRE_GRPC_OK(h.Call(&v1::EventService::Stub::ListEvents, page, &resp));
    for (const auto& e : resp.events()) {
      if (expected != 0 && e.position() != expected) ++gaps;
      expected = e.position() + 1;
      ++events;
    }
    if (resp.next_position() == 0) break;
    page.set_from_position(resp.next_position());
  }
  CHECK(gaps == 0);

  int64_t slowest = 0;
  int failed_takeovers = 0;
  std::string times;
  for (int64_t t : takeovers) {
    failed_takeovers += t < 0;
    slowest = std::max(slowest, t);
    absl::StrAppend(&times, times.empty() ? "" : " ", t);
  }
  std::cout << "failover: kills=" << kills.load()
            << " while_booking=" << kills_while_booking << " takeover_ms=["
            << times << "] slowest_ms=" << slowest
            << " acked=" << ledger.acked.size()
            << " resent=" << ledger.unknown.size() << " lost=" << lost
            << " not_applied=" << not_applied << " events=" << events
            << " gaps=" << gaps << " client_retries=" << h.retried_calls()
            << "\n";
  CHECK(kills == kKills);
  CHECK(kills_while_booking >= 3);
  CHECK(failed_takeovers == 0);
  // A few lease polls (250 ms each) after the holder's connection drops.
  CHECK(slowest < 5000);
}

}  // namespace revhub::testing::orch
