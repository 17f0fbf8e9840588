// What only the PostgreSQL store has: several stores (hubs) on one
// database. Event positions stay dense across hubs, leases are advisory
// locks that a hub's death releases, and commits on one hub wake the
// listeners of another. What every Store promises is checked by the
// conformance suite (conformance_test.cc), which runs on PostgreSQL too.
#include <libpq-fe.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hub/store/postgres/postgres_store.h"
#include "tests/store/conformance.h"
#include "tests/support/postgres_server.h"

namespace revhub::hub {
namespace {

using conformance::Event;
using conformance::Record;
namespace cv1 = canonical::v1;

std::unique_ptr<Store> Open(const std::string& url) {
  PostgresStoreOptions o;
  o.url = url;
  auto s = OpenPostgresStore(o);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(*s);
}

// Waits up to 10 s for `done`.
template <typename Fn>
bool Eventually(Fn done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// Runs `sql` on its own connection to `url`; returns the first value of
// the first row ("" when none).
std::string Query(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, sql.c_str());
  INFO(PQresultErrorMessage(r));
  CHECK((PQresultStatus(r) == PGRES_TUPLES_OK ||
         PQresultStatus(r) == PGRES_COMMAND_OK));
  std::string out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
    out = PQgetvalue(r, 0, 0);
  }
  PQclear(r);
  PQfinish(c);
  return out;
}

TEST_CASE("two hubs appending at once get dense positions in commit order",
          "[postgres][events]") {
  const std::string url = revhub::testing::FreshPostgresDatabase("dense");
  auto a = Open(url);
  auto b = Open(url);
  constexpr int kThreads = 4;
  constexpr int kWrites = 25;
  std::atomic<int> kept{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreads; ++t) {
    Store* store = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([&, store, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string id =
            "e" + std::to_string(t) + "_" + std::to_string(i);
        absl::Status st = store->Write([&](WriteTxn& txn) -> absl::Status {
          for (int k = 0; k < 2; ++k) {
            auto pos = txn.AppendEvent(Event(id + "_" + std::to_string(k),
                                             cv1::EVENT_TYPE_CUSTOMER_CHANGED));
            if (!pos.ok()) return pos.status();
          }
          // Every fifth write fails after appending: it must leave no gap.
          if (i % 5 == 4) return absl::AbortedError("rolled back");
          return absl::OkStatus();
        });
        if (st.ok()) ++kept;
      }
    });
  }
  for (auto& t : threads) t.join();
  const int64_t total = 2 * kept.load();
  CHECK(kept == 2 * kThreads * kWrites * 4 / 5);
  auto events = a->ReadEvents(1, 1 << 20, {}, 100000);
  REQUIRE(events.ok());
  REQUIRE(static_cast<int64_t>(events->size()) == total);
  std::set<std::string> ids;
  for (size_t i = 0; i < events->size(); ++i) {
    CHECK((*events)[i].position() == static_cast<int64_t>(i) + 1);
    ids.insert((*events)[i].event_id());
    // The two events of one write are next to each other.
    if (i % 2 == 1) {
      const std::string& first = (*events)[i - 1].event_id();
      CHECK(first.substr(0, first.size() - 1) ==
            (*events)[i].event_id().substr(0, first.size() - 1));
    }
  }
  CHECK(static_cast<int64_t>(ids.size()) == total);
  // Both hubs learn the last position, the other's commits included.
  CHECK(Eventually([&] { return a->LastEventPosition() == total; }));
  CHECK(Eventually([&] { return b->LastEventPosition() == total; }));
}

TEST_CASE("a unique key written by two hubs at once is stored once",
          "[postgres][records]") {
  const std::string url = revhub::testing::FreshPostgresDatabase("unique");
  auto a = Open(url);
  auto b = Open(url);
  for (int i = 0; i < 10; ++i) {
    const std::string key = "k" + std::to_string(i);
    absl::Status sa, sb;
    std::thread ta([&] {
      sa = a->Write([&](WriteTxn& txn) {
        return txn.InsertRawRecord(Record("stripe", key)).status();
      });
    });
    std::thread tb([&] {
      sb = b->Write([&](WriteTxn& txn) {
        return txn.InsertRawRecord(Record("stripe", key)).status();
      });
    });
    ta.join();
    tb.join();
    INFO(sa.ToString() << " / " << sb.ToString());
    CHECK(sa.ok() != sb.ok());
    const absl::Status& lost = sa.ok() ? sb : sa;
    CHECK(lost.code() == absl::StatusCode::kAlreadyExists);
  }
  auto page = b->ListRawRecords(RawRecordQuery{});
  REQUIRE(page.ok());
  CHECK(page->records.size() == 10);
}

TEST_CASE("a lease is held by one hub and taken over when it dies",
          "[postgres][lease]") {
  const std::string url = revhub::testing::FreshPostgresDatabase("lease");
  auto a = Open(url);
  auto b = Open(url);
  auto got = a->TryAcquireLease("pipeline");
  REQUIRE(got.ok());
  CHECK(*got);
  CHECK(a->TryAcquireLease("pipeline").value_or(false));  // already held
  CHECK(a->LeaseHeld("pipeline").value_or(false));
  auto refused = b->TryAcquireLease("pipeline");
  REQUIRE(refused.ok());
  CHECK_FALSE(*refused);
  CHECK_FALSE(b->LeaseHeld("pipeline").value_or(true));
  // Another duty is free.
  CHECK(b->TryAcquireLease("scheduler").value_or(false));
  CHECK_FALSE(a->TryAcquireLease("scheduler").value_or(true));

  SECTION("released, it is free") {
    a->ReleaseLease("pipeline");
    CHECK_FALSE(a->LeaseHeld("pipeline").value_or(true));
    CHECK(b->TryAcquireLease("pipeline").value_or(false));
    CHECK(b->LeaseHeld("pipeline").value_or(false));
    CHECK_FALSE(a->TryAcquireLease("pipeline").value_or(true));
  }
  SECTION("its holder's store destroyed, another hub takes it") {
    a.reset();  // closes the lease's connection, as a dying hub would
    CHECK(Eventually(
        [&] { return b->TryAcquireLease("pipeline").value_or(false); }));
    CHECK(b->LeaseHeld("pipeline").value_or(false));
  }
  SECTION("its connection cut, the holder no longer holds it") {
    // The server ends every session that holds an advisory lock on the
    // pipeline's key (a's lease connection), as a network cut would.
    Query(url,
          "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype ="
          " 'advisory' AND objsubid = 1 AND granted AND"
          " ((classid::bigint << 32) | objid::bigint) ="
          " hashtextextended('revhub.lease.pipeline', 0)");
    CHECK(Eventually([&] { return !a->LeaseHeld("pipeline").value_or(true); }));
    CHECK(Eventually(
        [&] { return b->TryAcquireLease("pipeline").value_or(false); }));
    // a gets it back only after b lets go.
    CHECK_FALSE(a->TryAcquireLease("pipeline").value_or(true));
    b->ReleaseLease("pipeline");
    CHECK(a->TryAcquireLease("pipeline").value_or(false));
  }
}

TEST_CASE("a commit on one hub wakes the listeners of another",
          "[postgres][listener]") {
  const std::string url = revhub::testing::FreshPostgresDatabase("listen");
  auto a = Open(url);
  auto b = Open(url);
  std::atomic<int64_t> heard{0};
  std::atomic<int> records{0};
  b->SetEventListener([&](int64_t p) { heard = p; });
  b->SetRawRecordListener([&](bool) { ++records; });
  REQUIRE(a->Write([&](WriteTxn& txn) -> absl::Status {
             auto p = txn.AppendEvent(
                 Event("from-a-1", cv1::EVENT_TYPE_CUSTOMER_CHANGED));
             if (!p.ok()) return p.status();
             return txn
                 .AppendEvent(
                     Event("from-a-2", cv1::EVENT_TYPE_CUSTOMER_CHANGED))
                 .status();
           }).ok());
  CHECK(Eventually([&] { return heard.load() == 2; }));
  CHECK(b->LastEventPosition() == 2);
  auto read = b->ReadEvents(1, 2, {}, 10);
  REQUIRE(read.ok());
  CHECK(read->size() == 2);

  REQUIRE(a->Write([&](WriteTxn& txn) {
             return txn.InsertRawRecord(Record("stripe", "r1")).status();
           }).ok());
  CHECK(Eventually([&] { return records.load() >= 1; }));

  // A write that rolls back announces nothing.
  CHECK_FALSE(a->Write([&](WriteTxn& txn) -> absl::Status {
                 auto p = txn.AppendEvent(
                     Event("gone", cv1::EVENT_TYPE_CUSTOMER_CHANGED));
                 if (!p.ok()) return p.status();
                 return absl::AbortedError("no");
               }).ok());
  REQUIRE(b->Write([&](WriteTxn& txn) {
             return txn
                 .AppendEvent(Event("from-b", cv1::EVENT_TYPE_CUSTOMER_CHANGED))
                 .status();
           }).ok());
  // b's own commit is position 3: a's rollback took none.
  CHECK(Eventually([&] { return heard.load() == 3; }));
  CHECK(Eventually([&] { return a->LastEventPosition() == 3; }));
}

TEST_CASE("two hubs opening a new database at once migrate it once",
          "[postgres][migrations]") {
  const std::string url = revhub::testing::FreshPostgresDatabase("migrate");
  std::unique_ptr<Store> stores[3];
  absl::Status status[3];
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      PostgresStoreOptions o;
      o.url = url;
      auto s = OpenPostgresStore(o);
      status[i] = s.status();
      if (s.ok()) stores[i] = std::move(*s);
    });
  }
  for (auto& t : threads) t.join();
  for (const absl::Status& st : status) CHECK(st.ok());
  CHECK(Query(url, "SELECT count(*) FROM schema_migrations") == "1");
}

TEST_CASE("an unreachable database is UNAVAILABLE with the reason",
          "[postgres]") {
  PostgresStoreOptions o;
  // A port nothing listens on: this server's, plus one.
  o.url = "postgresql://revhub@127.0.0.1:" +
          std::to_string(revhub::testing::SharedPostgresServer().port() + 1) +
          "/nothing?connect_timeout=2";
  auto s = OpenPostgresStore(o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(s.status().message()),
             Catch::Contains("cannot connect"));
}

}  // namespace
}  // namespace revhub::hub
