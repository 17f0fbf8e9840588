// The store conformance suite (conformance_test.cc): registered systems and raw
// records.
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
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

// --- Systems

TEST_CASE("systems are stored by name and listed in name order",
          "[store][systems]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    for (const char* name : {"stripe", "netsuite", "salesforce"}) {
      REQUIRE(W(*store, [&](WriteTxn& txn) {
                hub::v1::System s;
                s.set_name(name);
                s.set_display_name(std::string("first ") + name);
                return txn.PutSystem(s);
              }).ok());
    }
    // PutSystem replaces a system of the same name.
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto before = txn.GetSystem("stripe");
              if (!before.ok()) return before.status();
              if (!before->has_value()) return absl::NotFoundError("stripe");
              CHECK((*before)->display_name() == "first stripe");
              hub::v1::System s = **before;
              s.set_display_name("Stripe");
              s.set_state(hub::v1::SYSTEM_STATE_DISABLED);
              return txn.PutSystem(s);
            }).ok());
    auto stripe = store->GetSystem("stripe");
    REQUIRE(stripe.ok());
    REQUIRE(stripe->has_value());
    CHECK((*stripe)->display_name() == "Stripe");
    CHECK((*stripe)->state() == hub::v1::SYSTEM_STATE_DISABLED);
    CHECK_FALSE(store->GetSystem("hubspot")->has_value());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK_FALSE(txn.GetSystem("hubspot")->has_value());
              return absl::OkStatus();
            }).ok());

    auto all = store->ListSystems("", 10);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 3);
    CHECK((*all)[0].name() == "netsuite");
    CHECK((*all)[1].name() == "salesforce");
    CHECK((*all)[2].name() == "stripe");
    auto first = store->ListSystems("", 2);
    REQUIRE(first->size() == 2);
    auto rest = store->ListSystems(first->back().name(), 2);
    REQUIRE(rest->size() == 1);
    CHECK((*rest)[0].name() == "stripe");
    CHECK(store->ListSystems("stripe", 2)->empty());
  }
}

// --- Raw records

TEST_CASE("raw records keep their payload, key and status",
          "[store][records]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::atomic<int> heard{0};
    store->SetRawRecordListener([&] { heard++; });
    int64_t id = 0;
    absl::Time at;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              at = txn.Now();
              auto r = txn.InsertRawRecord(Record("stripe", "k1"));
              if (!r.ok()) return r.status();
              id = *r;
              return absl::OkStatus();
            }).ok());
    CHECK(id > 0);
    auto got = store->GetRawRecord(id);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    const hub::v1::RawRecord& r = **got;
    CHECK(r.record_id() == id);
    CHECK(r.system() == "stripe");
    CHECK(r.object_type() == "customer");
    CHECK(r.content_type() == "application/json");
    CHECK(r.idempotency_key() == "k1");
    CHECK(r.payload() == "{\"id\":\"k1\"}");
    CHECK(r.payload_sha256() == "sha-k1");
    CHECK(r.size_bytes() == static_cast<int64_t>(r.payload().size()));
    CHECK(r.status() == hub::v1::RECORD_STATUS_RECEIVED);
    CHECK(r.principal() == "tester");
    CHECK(TimeUtil::TimestampToMicroseconds(r.received_at()) ==
          absl::ToUnixMicros(at));
    CHECK_FALSE(store->GetRawRecord(id + 100)->has_value());

    REQUIRE(
        W(*store, [&](WriteTxn& txn) -> absl::Status {
          // By key, and by id, without the payload.
          auto found = txn.FindRawRecord("stripe", "k1");
          if (!found.ok()) return found.status();
          if (!found->has_value()) return absl::NotFoundError("k1");
          CHECK((*found)->record_id() == id);
          CHECK((*found)->payload().empty());
          CHECK((*found)->size_bytes() ==
                static_cast<int64_t>(Record("stripe", "k1").payload().size()));
          CHECK_FALSE(txn.FindRawRecord("stripe", "k2")->has_value());
          CHECK_FALSE(txn.FindRawRecord("netsuite", "k1")->has_value());
          auto by_id = txn.GetRawRecord(id);
          if (!by_id.ok()) return by_id.status();
          if (!by_id->has_value()) return absl::NotFoundError("by id");
          CHECK((*by_id)->idempotency_key() == "k1");
          CHECK((*by_id)->payload().empty());
          CHECK_FALSE(txn.GetRawRecord(id + 100)->has_value());
          return txn.SetRawRecordStatus(id, hub::v1::RECORD_STATUS_APPLIED);
        }).ok());
    CHECK((*store->GetRawRecord(id))->status() ==
          hub::v1::RECORD_STATUS_APPLIED);
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.SetRawRecordStatus(id + 100, hub::v1::RECORD_STATUS_APPLIED);
    })));
    // (system, idempotency_key) is unique.
    CHECK(absl::IsAlreadyExists(W(*store, [&](WriteTxn& txn) {
      return txn.InsertRawRecord(Record("stripe", "k1")).status();
    })));
    CHECK(W(*store, [&](WriteTxn& txn) {
            return txn.InsertRawRecord(Record("netsuite", "k1")).status();
          }).ok());
    // The listener heard the commits that stored a record.
    for (int i = 0; i < 200 && heard < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(heard == 2);
  }
}

TEST_CASE("raw records list newest first, filtered, in pages",
          "[store][records][pages]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::vector<int64_t> ids;
    for (int i = 0; i < 7; ++i) {
      REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
                auto r = txn.InsertRawRecord(Record(
                    i % 2 == 0 ? "stripe" : "salesforce",
                    "k" + std::to_string(i), i < 5 ? "customer" : "invoice"));
                if (!r.ok()) return r.status();
                ids.push_back(*r);
                if (i == 3) {
                  return txn.SetRawRecordStatus(*r,
                                                hub::v1::RECORD_STATUS_FAILED);
                }
                return absl::OkStatus();
              }).ok());
    }
    RawRecordQuery q;
    q.page_size = 3;
    std::vector<int64_t> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto page = store->ListRawRecords(q);
      REQUIRE(page.ok());
      CHECK(page->records.size() <= 3);
      for (const auto& r : page->records) {
        CHECK(r.payload().empty());
        seen.push_back(r.record_id());
      }
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    CHECK(seen == std::vector<int64_t>(ids.rbegin(), ids.rend()));

    RawRecordQuery by_system;
    by_system.system = "stripe";
    CHECK(store->ListRawRecords(by_system)->records.size() == 4);
    RawRecordQuery by_type;
    by_type.object_type = "invoice";
    CHECK(store->ListRawRecords(by_type)->records.size() == 2);
    RawRecordQuery by_status;
    by_status.status = hub::v1::RECORD_STATUS_FAILED;
    auto failed = store->ListRawRecords(by_status);
    REQUIRE(failed->records.size() == 1);
    CHECK(failed->records[0].record_id() == ids[3]);
    RawRecordQuery all_of_them;
    all_of_them.system = "salesforce";
    all_of_them.object_type = "customer";
    all_of_them.status = hub::v1::RECORD_STATUS_RECEIVED;
    CHECK(store->ListRawRecords(all_of_them)->records.size() == 1);  // k1

    RawRecordQuery bad;
    bad.page_token = "not a token!";
    CHECK(absl::IsInvalidArgument(store->ListRawRecords(bad).status()));
  }
}

}  // namespace
}  // namespace revhub::hub
