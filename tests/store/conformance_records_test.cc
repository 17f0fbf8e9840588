// The store conformance suite (conformance_test.cc): registered systems, raw
// records and the records that wait.
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
    std::atomic<int> heard{0}, requeued{0};
    store->SetRawRecordListener([&](bool again) {
      heard++;
      requeued += again;
    });
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
          return txn.SetRawRecordStatus(id, hub::v1::RECORD_STATUS_APPLIED, "");
        }).ok());
    CHECK((*store->GetRawRecord(id))->status() ==
          hub::v1::RECORD_STATUS_APPLIED);
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.SetRawRecordStatus(id + 100, hub::v1::RECORD_STATUS_APPLIED,
                                    "");
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
    // Only new records: nothing was set RECEIVED again.
    CHECK(requeued == 0);
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
                  return txn.SetRawRecordStatus(
                      *r, hub::v1::RECORD_STATUS_FAILED, "");
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

// --- Records that wait

RecordWait WaitFor(int64_t record_id, const std::string& vendor_id) {
  RecordWait w;
  w.record_id = record_id;
  w.entity_type = cv1::ENTITY_TYPE_CUSTOMER;
  w.ref = Ref("stripe", vendor_id);
  w.field_path = "invoice.customer_id";
  w.vendor_field_path = "customer";
  cv1::Money amount;
  amount.set_currency_code("USD");
  amount.set_units(1200);
  amount.set_nanos(500000000);
  w.amount_at_stake = amount;
  return w;
}

TEST_CASE(
    "a WAITING record keeps what it waits for, is found by that ref and by "
    "age, and forgets it with its next status",
    "[store][records][waits]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::atomic<int> heard{0}, requeued{0};
    store->SetRawRecordListener([&](bool again) {
      heard++;
      requeued += again;
    });
    std::vector<int64_t> ids;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (const char* key : {"w1", "w2", "w3"}) {
                auto r = txn.InsertRawRecord(Record("stripe", key, "invoice"));
                if (!r.ok()) return r.status();
                ids.push_back(*r);
              }
              return absl::OkStatus();
            }).ok());
    absl::Time first_at;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              first_at = txn.Now();
              absl::Status st = txn.MarkRecordWaiting(WaitFor(ids[0], "cus_1"),
                                                      "waits for cus_1");
              if (!st.ok()) return st;
              // Not WAITING: no wait.
              auto none = txn.GetRecordWait(ids[2]);
              if (!none.ok()) return none.status();
              CHECK_FALSE(none->has_value());
              return txn.MarkRecordWaiting(WaitFor(ids[1], "cus_1"),
                                           "waits for cus_1 too");
            }).ok());

    // Read back with the record.
    auto got = store->GetRawRecord(ids[0]);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    const hub::v1::RawRecord& r = **got;
    CHECK(r.status() == hub::v1::RECORD_STATUS_WAITING);
    CHECK(r.status_reason() == "waits for cus_1");
    CHECK(r.waiting_for_type() == cv1::ENTITY_TYPE_CUSTOMER);
    CHECK(r.waiting_for().system() == "stripe");
    CHECK(r.waiting_for().object_type() == "customer");
    CHECK(r.waiting_for().vendor_id() == "cus_1");
    CHECK(TimeUtil::TimestampToMicroseconds(r.waiting_since()) ==
          absl::ToUnixMicros(first_at));
    CHECK(r.payload() == "{\"id\":\"w1\"}");
    RawRecordQuery waiting;
    waiting.status = hub::v1::RECORD_STATUS_WAITING;
    auto listed = store->ListRawRecords(waiting);
    REQUIRE(listed.ok());
    REQUIRE(listed->records.size() == 2);
    CHECK(listed->records[0].record_id() == ids[1]);  // newest first
    CHECK(listed->records[0].waiting_for().vendor_id() == "cus_1");
    CHECK(listed->records[0].status_reason() == "waits for cus_1 too");

    // By ref, longest waiting first; by age.
    REQUIRE(
        W(*store, [&](WriteTxn& txn) -> absl::Status {
          auto by_ref = txn.RecordsWaitingFor(cv1::ENTITY_TYPE_CUSTOMER,
                                              Ref("stripe", "cus_1"));
          if (!by_ref.ok()) return by_ref.status();
          CHECK(by_ref->size() == 2);
          if (by_ref->size() != 2) return absl::InternalError("by ref");
          CHECK((*by_ref)[0].record_id == ids[0]);
          CHECK((*by_ref)[1].record_id == ids[1]);
          const RecordWait& w = (*by_ref)[0];
          CHECK(w.field_path == "invoice.customer_id");
          CHECK(w.vendor_field_path == "customer");
          CHECK(w.amount_at_stake.has_value());
          CHECK(w.amount_at_stake.value_or(cv1::Money()).currency_code() ==
                "USD");
          CHECK(w.amount_at_stake.value_or(cv1::Money()).units() == 1200);
          CHECK(w.amount_at_stake.value_or(cv1::Money()).nanos() == 500000000);
          CHECK(absl::ToUnixMicros(w.since) == absl::ToUnixMicros(first_at));
          // Another type, system or id is another ref.
          CHECK(txn.RecordsWaitingFor(cv1::ENTITY_TYPE_PRODUCT,
                                      Ref("stripe", "cus_1"))
                    ->empty());
          CHECK(txn.RecordsWaitingFor(cv1::ENTITY_TYPE_CUSTOMER,
                                      Ref("netsuite", "cus_1"))
                    ->empty());
          CHECK(txn.RecordsWaitingFor(cv1::ENTITY_TYPE_CUSTOMER,
                                      Ref("stripe", "cus_2"))
                    ->empty());
          auto one = txn.GetRecordWait(ids[1]);
          if (!one.ok()) return one.status();
          if (!one->has_value()) return absl::NotFoundError("wait");
          CHECK((*one)->record_id == ids[1]);
          return absl::OkStatus();
        }).ok());
    auto old = store->WaitingOlderThan(first_at, 10);
    REQUIRE(old.ok());
    CHECK(old->size() == 2);
    CHECK(
        store->WaitingOlderThan(first_at - absl::Microseconds(1), 10)->empty());
    CHECK(store->WaitingOlderThan(first_at, 1)->size() == 1);

    // Waiting again for the same ref keeps since; for another ref starts
    // again.
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              return txn.MarkRecordWaiting(WaitFor(ids[0], "cus_1"), "again");
            }).ok());
    absl::Time second_at;
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              second_at = txn.Now();
              return txn.MarkRecordWaiting(WaitFor(ids[1], "cus_9"), "next");
            }).ok());
    CHECK(TimeUtil::TimestampToMicroseconds(
              (*store->GetRawRecord(ids[0]))->waiting_since()) ==
          absl::ToUnixMicros(first_at));
    CHECK((*store->GetRawRecord(ids[0]))->status_reason() == "again");
    CHECK(TimeUtil::TimestampToMicroseconds(
              (*store->GetRawRecord(ids[1]))->waiting_since()) ==
          absl::ToUnixMicros(second_at));
    CHECK(store->WaitingOlderThan(first_at, 10)->size() == 1);

    // Another status forgets the wait and sets its reason; RECEIVED wakes
    // the listener. WAITING is set only with a wait.
    const int before = heard.load();
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              absl::Status st = txn.SetRawRecordStatus(
                  ids[0], hub::v1::RECORD_STATUS_RECEIVED, "");
              if (!st.ok()) return st;
              st = txn.SetRawRecordStatus(
                  ids[1], hub::v1::RECORD_STATUS_SKIPPED, "nothing to do");
              if (!st.ok()) return st;
              CHECK(txn.RecordsWaitingFor(cv1::ENTITY_TYPE_CUSTOMER,
                                          Ref("stripe", "cus_1"))
                        ->empty());
              CHECK_FALSE(txn.GetRecordWait(ids[1])->has_value());
              return absl::OkStatus();
            }).ok());
    auto received = store->GetRawRecord(ids[0]);
    CHECK((*received)->status() == hub::v1::RECORD_STATUS_RECEIVED);
    CHECK((*received)->status_reason().empty());
    CHECK_FALSE((*received)->has_waiting_for());
    CHECK_FALSE((*received)->has_waiting_since());
    auto skipped = store->GetRawRecord(ids[1]);
    CHECK((*skipped)->status() == hub::v1::RECORD_STATUS_SKIPPED);
    CHECK((*skipped)->status_reason() == "nothing to do");
    CHECK(store->WaitingOlderThan(absl::Now() + absl::Hours(1), 10)->empty());
    for (int i = 0; i < 200 && heard == before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(heard == before + 1);
    // A stored record set RECEIVED again says so: a reader's cursor may
    // have passed it.
    CHECK(requeued == 1);

    CHECK(absl::IsInvalidArgument(W(*store, [&](WriteTxn& txn) {
      return txn.SetRawRecordStatus(ids[2], hub::v1::RECORD_STATUS_WAITING, "");
    })));
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.MarkRecordWaiting(WaitFor(ids[2] + 100, "cus_1"), "x");
    })));
    // A wait without an amount has none.
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              RecordWait w = WaitFor(ids[2], "cus_3");
              w.amount_at_stake.reset();
              return txn.MarkRecordWaiting(w, "no money");
            }).ok());
    auto no_money = store->WaitingOlderThan(absl::Now() + absl::Hours(1), 10);
    REQUIRE(no_money->size() == 1);
    CHECK_FALSE((*no_money)[0].amount_at_stake.has_value());
  }
}

}  // namespace
}  // namespace revhub::hub
