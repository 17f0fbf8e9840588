// The store conformance suite (conformance_test.cc): the event log, consumers
// and idempotency records.
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

// --- The event log and consumers

TEST_CASE("events get dense positions in commit order; reads filter by type",
          "[store][events]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    CHECK(store->LastEventPosition() == 0);
    CHECK(store->ReadEvents(1, 100, {}, 100)->empty());
    std::atomic<int64_t> heard{0};
    store->SetEventListener([&](int64_t p) { heard = p; });
    absl::Time at;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              at = txn.Now();
              auto p1 = txn.AppendEvent(
                  Event("evt_1", cv1::EVENT_TYPE_CONTRACT_BOOKED));
              auto p2 = txn.AppendEvent(
                  Event("evt_2", cv1::EVENT_TYPE_INVOICE_ISSUED));
              if (!p1.ok()) return p1.status();
              if (!p2.ok()) return p2.status();
              CHECK(*p1 == 1);
              CHECK(*p2 == 2);
              return absl::OkStatus();
            }).ok());
    // A write that appended and then failed gives its position back.
    CHECK_FALSE(W(*store, [&](WriteTxn& txn) -> absl::Status {
                  auto p = txn.AppendEvent(
                      Event("evt_x", cv1::EVENT_TYPE_CONTRACT_BOOKED));
                  if (!p.ok()) return p.status();
                  CHECK(*p == 3);
                  return absl::AbortedError("no");
                }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto p = txn.AppendEvent(
                  Event("evt_3", cv1::EVENT_TYPE_CONTRACT_AMENDED));
              if (!p.ok()) return p.status();
              CHECK(*p == 3);
              return absl::OkStatus();
            }).ok());
    // event_id is unique.
    CHECK(absl::IsAlreadyExists(W(*store, [&](WriteTxn& txn) {
      return txn.AppendEvent(Event("evt_1", cv1::EVENT_TYPE_CONTRACT_BOOKED))
          .status();
    })));
    CHECK(store->LastEventPosition() == 3);
    for (int i = 0; i < 200 && heard != 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(heard == 3);

    auto all = store->ReadEvents(1, 100, {}, 100);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 3);
    CHECK((*all)[0].event_id() == "evt_1");
    CHECK((*all)[1].event_id() == "evt_2");
    CHECK((*all)[2].event_id() == "evt_3");
    for (size_t i = 0; i < all->size(); ++i) {
      CHECK((*all)[i].position() == static_cast<int64_t>(i + 1));
    }
    CHECK(TimeUtil::TimestampToMicroseconds((*all)[0].recorded_at()) ==
          absl::ToUnixMicros(at));
    // from/to are inclusive; limit caps.
    auto middle = store->ReadEvents(2, 2, {}, 100);
    REQUIRE(middle->size() == 1);
    CHECK((*middle)[0].event_id() == "evt_2");
    CHECK(store->ReadEvents(1, 100, {}, 2)->size() == 2);
    CHECK(store->ReadEvents(4, 100, {}, 100)->empty());
    // Types.
    auto booked = store->ReadEvents(
        1, 100,
        {cv1::EVENT_TYPE_CONTRACT_BOOKED, cv1::EVENT_TYPE_CONTRACT_AMENDED},
        100);
    REQUIRE(booked->size() == 2);
    CHECK((*booked)[0].event_id() == "evt_1");
    CHECK((*booked)[1].event_id() == "evt_3");
    CHECK(store->ReadEvents(1, 100, {cv1::EVENT_TYPE_PAYMENT_RECEIVED}, 100)
              ->empty());
  }
}

TEST_CASE("consumers keep their position", "[store][events]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    CHECK_FALSE(store->GetConsumer("revenue")->has_value());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              CHECK_FALSE(txn.GetConsumer("revenue")->has_value());
              hub::v1::Consumer c;
              c.set_name("revenue");
              c.set_acknowledged_position(5);
              auto st = txn.PutConsumer(c);
              if (!st.ok()) return st;
              CHECK(
                  txn.GetConsumer("revenue")->value().acknowledged_position() ==
                  5);
              c.set_acknowledged_position(9);
              return txn.PutConsumer(c);  // replaces
            }).ok());
    auto c = store->GetConsumer("revenue");
    REQUIRE(c.ok());
    REQUIRE(c->has_value());
    CHECK((*c)->acknowledged_position() == 9);
    CHECK_FALSE(store->GetConsumer("other")->has_value());
  }
}

// --- Idempotency

TEST_CASE("an idempotency record is kept once per scope and key",
          "[store][idempotency]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              CHECK_FALSE(txn.GetIdempotency("ingest", "k")->has_value());
              return txn.PutIdempotency("ingest", "k", {"hash1", "answer1"});
            }).ok());
    CHECK(absl::IsAlreadyExists(W(*store, [&](WriteTxn& txn) {
      return txn.PutIdempotency("ingest", "k", {"hash2", "answer2"});
    })));
    REQUIRE(
        W(*store, [&](WriteTxn& txn) -> absl::Status {
          auto r = txn.GetIdempotency("ingest", "k");
          if (!r.ok()) return r.status();
          if (!r->has_value()) return absl::NotFoundError("k");
          CHECK((*r)->request_hash == "hash1");
          CHECK((*r)->response == "answer1");
          // Another scope is another record.
          CHECK_FALSE(txn.GetIdempotency("book", "k")->has_value());
          return txn.PutIdempotency("book", "k", {"h", std::string("\0x", 2)});
        }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(txn.GetIdempotency("book", "k")->value().response ==
                    std::string("\0x", 2));  // bytes, not text
              return absl::OkStatus();
            }).ok());
  }
}

TEST_CASE("events are found by id, subject, correlation and causation",
          "[store][events][lineage]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    auto about = [](const std::string& id, cv1::EntityType type,
                    const std::string& subject, int64_t version,
                    const std::string& correlation,
                    const std::string& causation) {
      cv1::BusinessEvent ev = Event(id, cv1::EVENT_TYPE_CONTRACT_BOOKED);
      ev.mutable_subject()->set_entity_type(type);
      ev.mutable_subject()->set_id(subject);
      ev.mutable_subject()->set_version(version);
      ev.set_correlation_id(correlation);
      ev.set_causation_id(causation);
      return ev;
    };
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (const auto& ev : {
                       about("evt_1", cv1::ENTITY_TYPE_CONTRACT, "ctr_1", 1,
                             "record:7", "vendor_evt_1"),
                       about("evt_2", cv1::ENTITY_TYPE_REVENUE_SCHEDULE,
                             "rs_ctr_1", 1, "record:7", "evt_1"),
                       about("evt_3", cv1::ENTITY_TYPE_CONTRACT, "ctr_1", 2,
                             "record:8", ""),
                       about("evt_4", cv1::ENTITY_TYPE_JOURNAL_ENTRY, "je_1", 0,
                             "record:7", "wf_1"),
                   }) {
                auto p = txn.AppendEvent(ev);
                if (!p.ok()) return p.status();
              }
              return absl::OkStatus();
            }).ok());
    auto ids = [](const absl::StatusOr<std::vector<cv1::BusinessEvent>>& evs) {
      std::vector<std::string> out;
      if (!evs.ok()) return std::vector<std::string>{evs.status().ToString()};
      for (const auto& e : *evs) out.push_back(e.event_id());
      return out;
    };
    auto got = store->GetEventById("evt_3");
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->position() == 3);
    CHECK_FALSE(store->GetEventById("evt_9")->has_value());

    EventLinkQuery q;
    q.subject_type = cv1::ENTITY_TYPE_CONTRACT;
    q.subject_id = "ctr_1";
    CHECK(ids(store->FindEvents(q)) ==
          std::vector<std::string>{"evt_1", "evt_3"});
    q.subject_version = 2;
    CHECK(ids(store->FindEvents(q)) == std::vector<std::string>{"evt_3"});

    EventLinkQuery by_correlation;
    by_correlation.correlation_id = "record:7";
    CHECK(ids(store->FindEvents(by_correlation)) ==
          std::vector<std::string>{"evt_1", "evt_2", "evt_4"});
    by_correlation.limit = 2;
    CHECK(ids(store->FindEvents(by_correlation)).size() == 2);

    EventLinkQuery by_cause;
    by_cause.causation_id = "evt_1";
    CHECK(ids(store->FindEvents(by_cause)) ==
          std::vector<std::string>{"evt_2"});
    // Filters combine.
    EventLinkQuery both;
    both.causation_id = "wf_1";
    both.subject_type = cv1::ENTITY_TYPE_JOURNAL_ENTRY;
    both.subject_id = "je_1";
    CHECK(ids(store->FindEvents(both)) == std::vector<std::string>{"evt_4"});
    both.subject_id = "je_2";
    CHECK(store->FindEvents(both)->empty());
    CHECK(absl::IsInvalidArgument(store->FindEvents({}).status()));
  }
}

}  // namespace
}  // namespace revhub::hub
