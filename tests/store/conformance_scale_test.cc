// The store conformance suite (conformance_test.cc): what the pipeline,
// Subscribe and several hubs rely on: savepoints inside a write, the
// indexed cursor over records by status, events read as stored, leases.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hub/store/store.h"
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

TEST_CASE("a savepoint inside a write fails alone, and the write goes on",
          "[store][savepoint]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    int64_t kept = 0;
    absl::Status failed;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              failed = txn.InSavepoint([&]() -> absl::Status {
                auto id = txn.InsertRawRecord(Record("stripe", "gone"));
                if (!id.ok()) return id.status();
                auto pos = txn.AppendEvent(
                    Event("e-gone", cv1::EVENT_TYPE_CUSTOMER_CHANGED));
                if (!pos.ok()) return pos.status();
                return absl::InvalidArgumentError("payload: bad");
              });
              absl::Status ok = txn.InSavepoint([&]() -> absl::Status {
                // Savepoints nest: an inner failure leaves the outer's
                // writes.
                absl::Status inner = txn.InSavepoint([&]() -> absl::Status {
                  auto id = txn.InsertRawRecord(Record("stripe", "inner"));
                  if (!id.ok()) return id.status();
                  return absl::AbortedError("inner");
                });
                if (inner.code() != absl::StatusCode::kAborted) {
                  return absl::InternalError("inner savepoint did not fail");
                }
                auto id = txn.InsertRawRecord(Record("stripe", "kept"));
                if (!id.ok()) return id.status();
                kept = *id;
                auto pos = txn.AppendEvent(
                    Event("e-kept", cv1::EVENT_TYPE_CUSTOMER_CHANGED));
                return pos.status();
              });
              return ok;
            }).ok());
    CHECK(failed.code() == absl::StatusCode::kInvalidArgument);
    CHECK(failed.message() == "payload: bad");
    auto got = store->GetRawRecord(kept);
    REQUIRE(got.ok());
    CHECK(got->has_value());
    // The failed savepoint's event took no position: the kept one is 1.
    CHECK(store->LastEventPosition() == 1);
    auto events = store->ReadEvents(1, 10, {}, 10);
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    CHECK((*events)[0].event_id() == "e-kept");
    auto gone = store->GetEventById("e-gone");
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
    auto refs =
        store->ListRecordIdsByStatus(hub::v1::RECORD_STATUS_RECEIVED, 0, 10);
    REQUIRE(refs.ok());
    REQUIRE(refs->size() == 1);
    CHECK((*refs)[0].record_id == kept);
  }
}

TEST_CASE("record ids by status come oldest first after a cursor",
          "[store][records]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::vector<int64_t> ids;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (int i = 0; i < 5; ++i) {
                auto id = txn.InsertRawRecord(Record(
                    i % 2 ? "salesforce" : "stripe", "k" + std::to_string(i)));
                if (!id.ok()) return id.status();
                ids.push_back(*id);
              }
              return txn.SetRawRecordStatus(ids[2],
                                            hub::v1::RECORD_STATUS_APPLIED, "");
            }).ok());
    auto first =
        store->ListRecordIdsByStatus(hub::v1::RECORD_STATUS_RECEIVED, 0, 2);
    REQUIRE(first.ok());
    REQUIRE(first->size() == 2);
    CHECK((*first)[0].record_id == ids[0]);
    CHECK((*first)[0].system == "stripe");
    CHECK((*first)[1].record_id == ids[1]);
    CHECK((*first)[1].system == "salesforce");
    auto rest = store->ListRecordIdsByStatus(hub::v1::RECORD_STATUS_RECEIVED,
                                             ids[1], 10);
    REQUIRE(rest.ok());
    REQUIRE(rest->size() == 2);  // ids[2] is APPLIED
    CHECK((*rest)[0].record_id == ids[3]);
    CHECK((*rest)[1].record_id == ids[4]);
    auto applied =
        store->ListRecordIdsByStatus(hub::v1::RECORD_STATUS_APPLIED, 0, 10);
    REQUIRE(applied.ok());
    REQUIRE(applied->size() == 1);
    CHECK((*applied)[0].record_id == ids[2]);
    auto bad =
        store->ListRecordIdsByStatus(hub::v1::RECORD_STATUS_RECEIVED, 0, 0);
    CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("event payloads read back as stored, in position order",
          "[store][events]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (int i = 1; i <= 4; ++i) {
                auto pos = txn.AppendEvent(Event(
                    "e" + std::to_string(i), cv1::EVENT_TYPE_CUSTOMER_CHANGED));
                if (!pos.ok()) return pos.status();
              }
              return absl::OkStatus();
            }).ok());
    auto raw = store->ReadEventPayloads(2, 10, 2);
    REQUIRE(raw.ok());
    REQUIRE(raw->size() == 2);
    auto parsed = store->ReadEvents(2, 10, {}, 2);
    REQUIRE(parsed.ok());
    for (size_t i = 0; i < 2; ++i) {
      CHECK((*raw)[i].position == static_cast<int64_t>(i + 2));
      cv1::BusinessEvent e;
      REQUIRE(e.ParseFromString((*raw)[i].bytes));
      CHECK(e.position() == (*raw)[i].position);
      CHECK(e.event_id() == (*parsed)[i].event_id());
      CHECK(e.SerializeAsString() == (*parsed)[i].SerializeAsString());
    }
    auto none = store->ReadEventPayloads(5, 10, 10);
    REQUIRE(none.ok());
    CHECK(none->empty());
  }
}

TEST_CASE("a lease is held until released", "[store][leases]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    auto took = store->TryAcquireLease("pipeline");
    REQUIRE(took.ok());
    CHECK(*took);
    auto again = store->TryAcquireLease("pipeline");
    REQUIRE(again.ok());
    CHECK(*again);
    auto held = store->LeaseHeld("pipeline");
    REQUIRE(held.ok());
    CHECK(*held);
    store->ReleaseLease("pipeline");
    store->ReleaseLease("never-taken");
    auto retaken = store->TryAcquireLease("pipeline");
    REQUIRE(retaken.ok());
    CHECK(*retaken);
  }
}

}  // namespace
}  // namespace revhub::hub
