// Crash safety of ingest: clients ingest continuously while the hub is
// killed with SIGKILL at random moments and restarted. Every record the hub
// acknowledged must be stored exactly once, with its exact bytes; records
// whose fate the client never learned are resent with the same key and must
// come back as duplicates when they were stored.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "hub/common/util.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

constexpr int kRounds = 12;
constexpr int kClients = 4;

std::string PayloadFor(const std::string& key) {
  return R"({"id":")" + key + R"(","object":"invoice","amount_due":)" +
         std::to_string(std::hash<std::string>()(key) % 100000) +
         R"(,"currency":"usd"})";
}

// The Stripe invoice with idempotency key `key`.
v1::IngestRequest RequestFor(const std::string& key) {
  v1::IngestRequest req;
  req.set_system("stripe");
  req.set_object_type("invoice");
  req.set_idempotency_key(key);
  req.set_payload(PayloadFor(key));
  return req;
}

struct Ledger {
  std::mutex mu;
  std::map<std::string, int64_t> acked;  // key -> record id
  std::set<std::string> unknown;         // sent, no answer
  int duplicates_confirmed = 0;
};

TEST_CASE("acknowledged records survive kill -9 exactly once", "[crash]") {
  TempDir dir;
  Ledger ledger;
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  int64_t acked_total = 0;

  for (int round = 0; round < kRounds; ++round) {
    HubProcess hub(dir.path());
    REQUIRE(hub.Start());
    auto ingest = v1::IngestService::NewStub(hub.channel());
    if (round == 0) {
      auto registry = v1::SystemRegistryService::NewStub(hub.channel());
      RegisterSystem(*registry, "stripe", v1::SYSTEM_KIND_BILLING);
    }
    // Resend what was in doubt after the last crash.
    std::set<std::string> doubtful;
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      doubtful.swap(ledger.unknown);
    }
    for (const std::string& key : doubtful) {
      v1::IngestResponse resp;
      auto st = ingest->Ingest(Ctx().get(), RequestFor(key), &resp);
      REQUIRE(st.error_message() == "");
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.acked[key] = resp.record_id();
      if (resp.duplicate()) ledger.duplicates_confirmed++;
    }

    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        int seq = 0;
        while (!stop) {
          std::string key = "r" + std::to_string(round) + "-c" +
                            std::to_string(c) + "-" + std::to_string(seq++);
          v1::IngestRequest req = RequestFor(key);
          v1::IngestResponse resp;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(5));
          auto st = ingest->Ingest(&ctx, req, &resp);
          std::lock_guard<std::mutex> lock(ledger.mu);
          if (st.ok()) {
            ledger.acked[key] = resp.record_id();
          } else {
            ledger.unknown.insert(key);
            return;  // the hub is gone
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    if (round < kRounds - 1) {
      hub.Kill();
      kills++;
    } else {
      stop = true;
      for (auto& t : clients) t.join();
      clients.clear();
      // Verify on the last hub: page through every record.
      std::map<std::string, std::vector<v1::RawRecord>> stored;
      v1::ListRecordsRequest l;
      l.set_page_size(500);
      do {
        v1::ListRecordsResponse page;
        auto st = ingest->ListRecords(Ctx().get(), l, &page);
        REQUIRE(st.ok());
        for (const auto& r : page.records())
          stored[r.idempotency_key()].push_back(r);
        l.set_page_token(page.next_page_token());
      } while (!l.page_token().empty());

      std::lock_guard<std::mutex> lock(ledger.mu);
      acked_total = static_cast<int64_t>(ledger.acked.size());
      int missing = 0, twice = 0, wrong_id = 0, wrong_bytes = 0;
      for (const auto& [key, id] : ledger.acked) {
        auto it = stored.find(key);
        if (it == stored.end()) {
          missing++;
          continue;
        }
        if (it->second.size() != 1) twice++;
        if (it->second[0].record_id() != id) wrong_id++;
        if (it->second[0].payload_sha256() != hub::Sha256Hex(PayloadFor(key)))
          wrong_bytes++;
      }
      for (const auto& [key, records] : stored) {
        if (records.size() != 1) twice++;
      }
      WARN("kills: " << kills << ", acknowledged: " << acked_total
                     << ", stored: " << stored.size()
                     << ", resent after a crash: "
                     << ledger.duplicates_confirmed
                     << " came back as duplicates");
      CHECK(missing == 0);
      CHECK(twice == 0);
      CHECK(wrong_id == 0);
      CHECK(wrong_bytes == 0);
      CHECK(stored.size() == ledger.acked.size());  // in-doubt ones were resent
      CHECK(hub.Stop() == 0);
    }
    for (auto& t : clients) t.join();
  }
  CHECK(kills >= 10);
  CHECK(acked_total > 100);
}

}  // namespace
}  // namespace revhub::testing
