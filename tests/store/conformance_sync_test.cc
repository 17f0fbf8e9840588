// The store conformance suite (conformance_test.cc): pull state and webhook
// deliveries (sync_store.h).
#include <catch2/catch.hpp>
#include <string>

#include "hub/store/store.h"
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

hub::v1::SyncStatus State(const std::string& system, const std::string& type,
                          const std::string& cursor, int64_t records) {
  hub::v1::SyncStatus s;
  s.set_system(system);
  s.set_object_type(type);
  s.set_cursor(cursor);
  s.set_records_total(records);
  return s;
}

TEST_CASE("pull state is stored whole per system and object type",
          "[store][sync]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    CHECK_FALSE(store->GetSyncState("stripe", "invoice")->has_value());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (const auto& [system, type] :
                   std::vector<std::pair<std::string, std::string>>{
                       {"stripe", "invoice"},
                       {"stripe", "customer"},
                       {"salesforce", "Account"}}) {
                absl::Status st =
                    txn.PutSyncState(State(system, type, "c1", 1));
                if (!st.ok()) return st;
              }
              return absl::OkStatus();
            }).ok());
    // Replaced, and read back by the transaction that wrote it.
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              absl::Status st =
                  txn.PutSyncState(State("stripe", "invoice", "c2", 7));
              if (!st.ok()) return st;
              auto s = txn.GetSyncState("stripe", "invoice");
              CHECK((*s)->cursor() == "c2");
              return absl::OkStatus();
            }).ok());
    auto invoice = store->GetSyncState("stripe", "invoice");
    REQUIRE(invoice.ok());
    REQUIRE(invoice->has_value());
    CHECK((*invoice)->cursor() == "c2");
    CHECK((*invoice)->records_total() == 7);
    auto stripe = store->ListSyncStates("stripe");
    REQUIRE(stripe->size() == 2);
    CHECK((*stripe)[0].object_type() == "customer");
    CHECK((*stripe)[1].object_type() == "invoice");
    CHECK(store->ListSyncStates("")->size() == 3);
    CHECK(store->ListSyncStates("hubspot")->empty());
  }
}

TEST_CASE("a webhook delivery is stored once per vendor event id",
          "[store][sync]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    WebhookDelivery d;
    d.system = "stripe";
    d.vendor_event_id = "evt_1";
    d.event_type = "invoice.paid";
    d.body = std::string("{\"id\":\"evt_1\"}\0tail", 19);
    d.body_sha256 = "abc";
    d.record_ids = {4, 5};
    int64_t id = 0;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto inserted = txn.InsertWebhookDelivery(d);
              if (!inserted.ok()) return inserted.status();
              id = *inserted;
              return absl::OkStatus();
            }).ok());
    CHECK(id > 0);
    auto found = store->FindWebhookDelivery("stripe", "evt_1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->delivery_id == id);
    CHECK((*found)->body == d.body);
    CHECK((*found)->record_ids == std::vector<int64_t>{4, 5});
    CHECK((*found)->event_type == "invoice.paid");
    // The same event again is refused; another system's is not.
    absl::Status again = W(*store, [&](WriteTxn& txn) {
      return txn.InsertWebhookDelivery(d).status();
    });
    CHECK(again.code() == absl::StatusCode::kAlreadyExists);
    d.system = "chargebee";
    CHECK(W(*store, [&](WriteTxn& txn) {
            return txn.InsertWebhookDelivery(d).status();
          }).ok());
    // Deliveries without an event id are never found by one, and never
    // collide.
    d.vendor_event_id = "";
    for (int i = 0; i < 2; ++i) {
      CHECK(W(*store, [&](WriteTxn& txn) {
              return txn.InsertWebhookDelivery(d).status();
            }).ok());
    }
    CHECK_FALSE(store->FindWebhookDelivery("chargebee", "")->has_value());
    CHECK(*store->CountWebhookDeliveries("chargebee") == 3);
    CHECK(*store->CountWebhookDeliveries("stripe") == 1);
  }
}

}  // namespace
}  // namespace revhub::hub
