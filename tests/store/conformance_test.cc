// The Store conformance suite: what every Store implementation promises
// (hub/store/store.h and its role headers), checked method by method.
//
// Every TEST_CASE runs once per backend in StoreBackends()
// (store_backends.h), each time on a new, empty store. Today that is
// SQLite; a PostgreSQL store will pass this same suite by adding its
// factory there. Nothing in this file may depend on a backend: what only
// SQLite has (files, migrations, WAL) is tested in sqlite_test.cc.
//
// This file: transactions: group commit, savepoints, rollback, Now(); the other
// roles are in conformance_<role>_test.cc.
#include "tests/store/conformance.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/store.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

// --- Transactions

TEST_CASE("a failing write rolls back alone; its batch commits",
          "[store][txn]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::atomic<int> ok_count{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 32; ++i) {
      threads.emplace_back([&, i] {
        absl::Status st = store->Write([&](WriteTxn& txn) -> absl::Status {
          canonical::v1::BusinessEvent e;
          e.set_event_id("evt_" + std::to_string(i));
          e.set_type(canonical::v1::EVENT_TYPE_CUSTOMER_CHANGED);
          auto pos = txn.AppendEvent(e);
          if (!pos.ok()) return pos.status();
          if (i % 4 == 0) return absl::InvalidArgumentError("refused");
          return absl::OkStatus();
        });
        if (st.ok()) ok_count++;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(ok_count == 24);
    CHECK(store->LastEventPosition() == 24);
    auto events = store->ReadEvents(1, 100, {}, 100);
    REQUIRE(events.ok());
    REQUIRE(events->size() == 24);
    for (size_t i = 0; i < events->size(); ++i) {
      CHECK((*events)[i].position() == static_cast<int64_t>(i + 1));  // dense
      int n = std::stoi((*events)[i].event_id().substr(4));
      CHECK(n % 4 != 0);  // the refused writes left nothing
    }
  }
}

TEST_CASE("a failed write leaves none of its writes, of any role",
          "[store][txn]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    absl::Status st = W(*store, [&](WriteTxn& txn) -> absl::Status {
      hub::v1::System s;
      s.set_name("stripe");
      if (auto w = txn.PutSystem(s); !w.ok()) return w;
      if (auto w = txn.InsertRawRecord(Record("stripe", "k1")); !w.ok())
        return w.status();
      if (auto w = txn.PutEntityVersion(Entity("cus_a", 1, "v1", txn.Now()),
                                        {{"k", "v"}});
          !w.ok())
        return w;
      if (auto w = txn.BindExternalRef(cv1::ENTITY_TYPE_CUSTOMER,
                                       Ref("stripe", "cus_1"), "cus_a");
          !w.ok())
        return w;
      if (auto w = txn.PutIdempotency("scope", "key", {"h", "r"}); !w.ok())
        return w;
      // Inside the transaction its own writes are visible.
      CHECK(txn.GetSystem("stripe")->has_value());
      CHECK(txn.GetCurrentEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a")
                ->has_value());
      CHECK(txn.GetIdempotency("scope", "key")->has_value());
      return absl::FailedPreconditionError("changed my mind");
    });
    CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(st.message() == "changed my mind");
    CHECK_FALSE(store->GetSystem("stripe")->has_value());
    CHECK(store->ListRawRecords({})->records.empty());
    CHECK_FALSE(
        store->GetEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a", {})->has_value());
    CHECK_FALSE(store
                    ->ResolveExternalRef(cv1::ENTITY_TYPE_CUSTOMER,
                                         Ref("stripe", "cus_1"))
                    ->has_value());
    absl::Status seen = W(*store, [&](WriteTxn& txn) -> absl::Status {
      CHECK_FALSE(txn.GetIdempotency("scope", "key")->has_value());
      return absl::OkStatus();
    });
    CHECK(seen.ok());
  }
}

TEST_CASE("each write of a batch has its own savepoint", "[store][txn]") {
  // Writes from many threads share batches; an error in one must not undo
  // the earlier or later writes of the same batch, of any role.
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::vector<std::thread> threads;
    std::vector<absl::Status> results(16);
    for (int i = 0; i < 16; ++i) {
      threads.emplace_back([&, i] {
        results[i] = W(*store, [&](WriteTxn& txn) -> absl::Status {
          hub::v1::System s;
          s.set_name("sys-" + std::to_string(i));
          if (auto w = txn.PutSystem(s); !w.ok()) return w;
          if (auto w = txn.NextSequence("n"); !w.ok()) return w.status();
          if (i % 2 == 1) return absl::AbortedError("odd");
          return absl::OkStatus();
        });
      });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < 16; ++i) CHECK(results[i].ok() == (i % 2 == 0));
    auto systems = store->ListSystems("", 100);
    REQUIRE(systems.ok());
    std::set<std::string> names;
    for (const auto& s : *systems) names.insert(s.name());
    CHECK(names.size() == 8);
    for (int i = 0; i < 16; i += 2) {
      CHECK(names.count("sys-" + std::to_string(i)) == 1);
    }
    // The sequence advanced once per committed write only.
    int64_t next = 0;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto v = txn.NextSequence("n");
              if (!v.ok()) return v.status();
              next = *v;
              return absl::OkStatus();
            }).ok());
    CHECK(next == 9);
  }
}

TEST_CASE("Now() is one time per transaction and always moves forward",
          "[store][txn]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    absl::Time first, again, second;
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              first = txn.Now();
              again = txn.Now();
              return absl::OkStatus();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              second = txn.Now();
              return absl::OkStatus();
            }).ok());
    CHECK(first == again);
    CHECK(second > first);
    CHECK(absl::Now() - first < absl::Minutes(1));
  }
}

}  // namespace
}  // namespace revhub::hub
