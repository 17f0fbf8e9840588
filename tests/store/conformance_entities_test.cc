// The store conformance suite (conformance_test.cc): entity versions, as-of
// reads, external refs, index lookups.
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

// --- Entities

TEST_CASE("entity versions are kept and readable by number and time",
          "[store][entities]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    absl::Time t1, t2;
    REQUIRE(store
                ->Write([&](WriteTxn& txn) {
                  t1 = txn.Now();
                  return txn.PutEntityVersion(Entity("cus_a", 1, "v1", t1),
                                              {{"status", "1"}});
                })
                .ok());
    REQUIRE(store
                ->Write([&](WriteTxn& txn) {
                  t2 = txn.Now();
                  return txn.PutEntityVersion(Entity("cus_a", 2, "v2", t2),
                                              {{"status", "2"}});
                })
                .ok());
    CHECK(t2 > t1);
    auto current =
        store->GetEntity(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a", {});
    REQUIRE(current.ok());
    REQUIRE(current->has_value());
    CHECK((*current)->payload == "v2");
    VersionSelector by_number;
    by_number.version = 1;
    CHECK((*store->GetEntity(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a",
                             by_number))
              ->payload == "v1");
    VersionSelector by_time;
    by_time.as_of = t1 + (t2 - t1) / 2;
    CHECK((*store->GetEntity(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a",
                             by_time))
              ->payload == "v1");
    by_time.as_of = t1 - absl::Seconds(1);
    CHECK_FALSE(
        store->GetEntity(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a", by_time)
            ->has_value());
    // More of the selector: a time after the last version, a version that
    // does not exist, another type with the same id.
    by_time.as_of = t2 + absl::Hours(1);
    CHECK((*store->GetEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a", by_time))
              ->version == 2);
    by_number.version = 3;
    CHECK_FALSE(store->GetEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a", by_number)
                    ->has_value());
    CHECK_FALSE(
        store->GetEntity(cv1::ENTITY_TYPE_PRODUCT, "cus_a", {})->has_value());
    auto read = store->GetEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a", {});
    CHECK((*read)->type == cv1::ENTITY_TYPE_CUSTOMER);
    CHECK((*read)->id == "cus_a");
    CHECK((*read)->version == 2);
    // Times are kept to the microsecond.
    CHECK(absl::ToUnixMicros((*read)->recorded_at) == absl::ToUnixMicros(t2));

    SECTION("a version must follow the current one") {
      auto st = store->Write([&](WriteTxn& txn) {
        return txn.PutEntityVersion(Entity("cus_a", 2, "again", txn.Now()), {});
      });
      CHECK(st.code() == absl::StatusCode::kAborted);
      st = store->Write([&](WriteTxn& txn) {
        return txn.PutEntityVersion(Entity("cus_new", 2, "gap", txn.Now()), {});
      });
      CHECK(st.code() == absl::StatusCode::kAborted);
      CHECK((*store->GetEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a", {}))
                ->payload == "v2");
    }
    SECTION("index entries are replaced with each version") {
      ListEntitiesQuery q;
      q.type = canonical::v1::ENTITY_TYPE_CUSTOMER;
      q.filters = {{"status", "1"}};
      CHECK(store->ListEntities(q)->entities.empty());
      q.filters = {{"status", "2"}};
      CHECK(store->ListEntities(q)->entities.size() == 1);
    }
    SECTION("the transaction reads the current version") {
      REQUIRE(
          W(*store, [&](WriteTxn& txn) -> absl::Status {
            auto e = txn.GetCurrentEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a");
            if (!e.ok()) return e.status();
            if (!e->has_value()) return absl::NotFoundError("cus_a");
            CHECK((*e)->version == 2);
            CHECK((*e)->payload == "v2");
            CHECK_FALSE(txn.GetCurrentEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_b")
                            ->has_value());
            // Its own new version at once.
            auto w =
                txn.PutEntityVersion(Entity("cus_a", 3, "v3", txn.Now()), {});
            if (!w.ok()) return w;
            CHECK((*txn.GetCurrentEntity(cv1::ENTITY_TYPE_CUSTOMER, "cus_a"))
                      ->payload == "v3");
            return absl::OkStatus();
          }).ok());
    }
  }
}

TEST_CASE("every version of an entity lists oldest first",
          "[store][entities]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    for (int v = 1; v <= 3; ++v) {
      REQUIRE(store
                  ->Write([&](WriteTxn& txn) {
                    return txn.PutEntityVersion(
                        Entity("cus_a", v, "v" + std::to_string(v), txn.Now()),
                        {});
                  })
                  .ok());
    }
    REQUIRE(store
                ->Write([&](WriteTxn& txn) {
                  return txn.PutEntityVersion(
                      Entity("cus_b", 1, "b", txn.Now()), {});
                })
                .ok());
    auto versions =
        store->ListEntityVersions(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a");
    REQUIRE(versions.ok());
    REQUIRE(versions->size() == 3);
    for (int v = 1; v <= 3; ++v) {
      CHECK((*versions)[v - 1].id == "cus_a");
      CHECK((*versions)[v - 1].version == v);
      CHECK((*versions)[v - 1].payload == "v" + std::to_string(v));
    }
    CHECK((*versions)[0].recorded_at < (*versions)[2].recorded_at);
    // Another type with the same id, and an unknown id, have none.
    CHECK(store->ListEntityVersions(canonical::v1::ENTITY_TYPE_PRODUCT, "cus_a")
              ->empty());
    CHECK(
        store->ListEntityVersions(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_x")
            ->empty());
  }
}

TEST_CASE("an external ref belongs to one entity of a type",
          "[store][entities]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    const cv1::ExternalRef ref = Ref("stripe", "cus_123");
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              CHECK_FALSE(txn.ResolveExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref)
                              ->has_value());
              auto st =
                  txn.BindExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref, "cus_x");
              if (!st.ok()) return st;
              CHECK(txn.ResolveExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref)
                        ->value_or("") == "cus_x");
              // Again to the same entity: fine.
              CHECK(txn.BindExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref, "cus_x")
                        .ok());
              CHECK(txn.BindExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref, "cus_y")
                        .code() == absl::StatusCode::kAlreadyExists);
              // The same vendor id as another type is another ref.
              return txn.BindExternalRef(cv1::ENTITY_TYPE_CONTRACT, ref,
                                         "ctr_z");
            }).ok());
    CHECK(store->ResolveExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref)
              ->value_or("") == "cus_x");
    CHECK(store->ResolveExternalRef(cv1::ENTITY_TYPE_CONTRACT, ref)
              ->value_or("") == "ctr_z");
    CHECK_FALSE(store
                    ->ResolveExternalRef(cv1::ENTITY_TYPE_CUSTOMER,
                                         Ref("salesforce", "cus_123"))
                    ->has_value());
    // A conflict in its own write rolls back only that write.
    CHECK(absl::IsAlreadyExists(W(*store, [&](WriteTxn& txn) {
      return txn.BindExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref, "cus_y");
    })));
    CHECK(store->ResolveExternalRef(cv1::ENTITY_TYPE_CUSTOMER, ref)
              ->value_or("") == "cus_x");
  }
}

TEST_CASE("entities are found by index entries and listed in pages",
          "[store][entities][pages]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    // cus_0 … cus_6; even ones are "active", cus_1 and cus_2 have a
    // stripe ref.
    for (int i = 0; i < 7; ++i) {
      REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
                const std::string id = "cus_" + std::to_string(i);
                auto st = txn.PutEntityVersion(
                    Entity(id, 1, "p" + std::to_string(i), txn.Now()),
                    {{"status", i % 2 == 0 ? "active" : "closed"},
                     {"email", id + "@example.com"}});
                if (!st.ok()) return st;
                if (i == 1 || i == 2) {
                  return txn.BindExternalRef(cv1::ENTITY_TYPE_CUSTOMER,
                                             Ref("stripe", "v" + id), id);
                }
                return absl::OkStatus();
              }).ok());
    }
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              StoredEntity p = Entity("prd_1", 1, "x", txn.Now());
              p.type = cv1::ENTITY_TYPE_PRODUCT;
              return txn.PutEntityVersion(p, {{"status", "active"}});
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto ids = txn.FindEntityIds(cv1::ENTITY_TYPE_CUSTOMER,
                                           {"status", "active"}, 10);
              if (!ids.ok()) return ids.status();
              CHECK(*ids == std::vector<std::string>{"cus_0", "cus_2", "cus_4",
                                                     "cus_6"});
              auto two = txn.FindEntityIds(cv1::ENTITY_TYPE_CUSTOMER,
                                           {"status", "active"}, 2);
              CHECK(*two == std::vector<std::string>{"cus_0", "cus_2"});
              CHECK(txn.FindEntityIds(cv1::ENTITY_TYPE_CUSTOMER,
                                      {"email", "cus_3@example.com"}, 10)
                        ->size() == 1);
              CHECK(txn.FindEntityIds(cv1::ENTITY_TYPE_CUSTOMER,
                                      {"status", "gone"}, 10)
                        ->empty());
              CHECK(*txn.FindEntityIds(cv1::ENTITY_TYPE_PRODUCT,
                                       {"status", "active"}, 10) ==
                    std::vector<std::string>{"prd_1"});
              return absl::OkStatus();
            }).ok());

    // Every customer, three at a time, in id order.
    ListEntitiesQuery q;
    q.type = cv1::ENTITY_TYPE_CUSTOMER;
    q.page_size = 3;
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto page = store->ListEntities(q);
      REQUIRE(page.ok());
      CHECK(page->entities.size() <= 3);
      for (const auto& e : page->entities) {
        CHECK(e.type == cv1::ENTITY_TYPE_CUSTOMER);
        CHECK(e.version == 1);
        CHECK(e.payload == "p" + e.id.substr(4));
        seen.push_back(e.id);
      }
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    CHECK(seen == std::vector<std::string>{"cus_0", "cus_1", "cus_2", "cus_3",
                                           "cus_4", "cus_5", "cus_6"});
    ListEntitiesQuery filtered;
    filtered.type = cv1::ENTITY_TYPE_CUSTOMER;
    filtered.filters = {{"status", "active"}, {"email", "cus_2@example.com"}};
    auto one = store->ListEntities(filtered);
    REQUIRE(one->entities.size() == 1);
    CHECK(one->entities[0].id == "cus_2");
    CHECK(one->next_page_token.empty());
    ListEntitiesQuery by_system;
    by_system.type = cv1::ENTITY_TYPE_CUSTOMER;
    by_system.system = "stripe";
    auto refs = store->ListEntities(by_system);
    REQUIRE(refs->entities.size() == 2);
    CHECK(refs->entities[0].id == "cus_1");
    CHECK(refs->entities[1].id == "cus_2");
    ListEntitiesQuery products;
    products.type = cv1::ENTITY_TYPE_PRODUCT;
    CHECK(store->ListEntities(products)->entities.size() == 1);
    ListEntitiesQuery bad;
    bad.type = cv1::ENTITY_TYPE_CUSTOMER;
    bad.page_token = "not a token!";
    CHECK(absl::IsInvalidArgument(store->ListEntities(bad).status()));
  }
}

}  // namespace
}  // namespace revhub::hub
