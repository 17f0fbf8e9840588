// The Store conformance suite: what every Store implementation promises
// (hub/store/store.h and its role headers), checked method by method.
//
// Every TEST_CASE runs once per backend in StoreBackends()
// (store_backends.h), each time on a new, empty store. Today that is
// SQLite; a PostgreSQL store will pass this same suite by adding its
// factory there. Nothing in this file may depend on a backend: what only
// SQLite has (files, migrations, WAL) is tested in sqlite_test.cc.
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

namespace cv1 = canonical::v1;
using google::protobuf::util::TimeUtil;
using testing::StoreBackend;
using testing::StoreBackends;

// Runs the block once per backend; `backend` names it.
#define FOR_EACH_BACKEND                              \
  for (const StoreBackend& backend : StoreBackends()) \
  DYNAMIC_SECTION("backend " << backend.name)

StoredEntity Entity(const std::string& id, int64_t version,
                    const std::string& payload, absl::Time at) {
  StoredEntity e;
  e.type = cv1::ENTITY_TYPE_CUSTOMER;
  e.id = id;
  e.version = version;
  e.recorded_at = at;
  e.payload = payload;
  return e;
}

cv1::ExternalRef Ref(const std::string& system, const std::string& vendor_id) {
  cv1::ExternalRef ref;
  ref.set_system(system);
  ref.set_object_type("customer");
  ref.set_vendor_id(vendor_id);
  return ref;
}

cv1::BusinessEvent Event(const std::string& id, cv1::EventType type) {
  cv1::BusinessEvent e;
  e.set_event_id(id);
  e.set_type(type);
  return e;
}

hub::v1::RawRecord Record(const std::string& system, const std::string& key,
                          const std::string& object_type = "customer") {
  hub::v1::RawRecord r;
  r.set_system(system);
  r.set_object_type(object_type);
  r.set_content_type("application/json");
  r.set_idempotency_key(key);
  r.set_payload("{\"id\":\"" + key + "\"}");
  r.set_payload_sha256("sha-" + key);
  r.set_status(hub::v1::RECORD_STATUS_RECEIVED);
  r.set_principal("tester");
  return r;
}

// Writes `fn` and returns its status. `fn` runs on the store's writer
// thread while the test thread waits: it may CHECK, but must not REQUIRE
// (an exception would escape the writer); it returns an error instead.
template <typename Fn>
absl::Status W(Store& store, Fn fn) {
  return store.Write([&](WriteTxn& txn) -> absl::Status { return fn(txn); });
}

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

// --- Workflows

hub::v1::Workflow Workflow(const std::string& id, const std::string& contract,
                           hub::v1::WorkflowKind kind,
                           hub::v1::WorkflowState state) {
  hub::v1::Workflow w;
  w.set_workflow_id(id);
  w.set_contract_id(contract);
  w.set_kind(kind);
  w.set_state(state);
  *w.mutable_updated_at() = TimeUtil::MicrosecondsToTimestamp(1000);
  return w;
}

TEST_CASE("sequences count from 1 per name", "[store][workflows]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(*txn.NextSequence("wf") == 1);
              CHECK(*txn.NextSequence("wf") == 2);
              CHECK(*txn.NextSequence("other") == 1);
              return absl::OkStatus();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(*txn.NextSequence("wf") == 3);
              return absl::OkStatus();
            }).ok());
  }
}

TEST_CASE("workflows: trigger keys are unique, updates replace",
          "[store][workflows]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    using hub::v1::WORKFLOW_KIND_BOOKING;
    using hub::v1::WORKFLOW_STATE_RUNNING;
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              return txn.PutWorkflow(
                  Workflow("wf_1", "ctr_a", WORKFLOW_KIND_BOOKING,
                           WORKFLOW_STATE_RUNNING),
                  1, "event:1");
            }).ok());
    CHECK(absl::IsAlreadyExists(W(*store, [&](WriteTxn& txn) {
      return txn.PutWorkflow(Workflow("wf_2", "ctr_a", WORKFLOW_KIND_BOOKING,
                                      WORKFLOW_STATE_RUNNING),
                             2, "event:1");
    })));
    // Empty keys never conflict.
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto st = txn.PutWorkflow(
                  Workflow("wf_2", "ctr_a", WORKFLOW_KIND_BOOKING,
                           WORKFLOW_STATE_RUNNING),
                  2, "");
              if (!st.ok()) return st;
              return txn.PutWorkflow(
                  Workflow("wf_3", "ctr_b", WORKFLOW_KIND_BOOKING,
                           WORKFLOW_STATE_RUNNING),
                  3, "");
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              CHECK(txn.FindWorkflowByTrigger("event:1")->value_or("") ==
                    "wf_1");
              CHECK_FALSE(txn.FindWorkflowByTrigger("event:2")->has_value());
              auto w = txn.GetWorkflow("wf_1");
              if (!w.ok()) return w.status();
              if (!w->has_value()) return absl::NotFoundError("wf_1");
              CHECK((*w)->contract_id() == "ctr_a");
              CHECK_FALSE(txn.GetWorkflow("wf_9")->has_value());
              hub::v1::Workflow done = **w;
              done.set_state(hub::v1::WORKFLOW_STATE_COMPLETED);
              done.set_trigger("changed");
              return txn.PutWorkflow(done, 0, "");
            }).ok());
    auto w1 = store->GetWorkflow("wf_1");
    REQUIRE(w1.ok());
    REQUIRE(w1->has_value());
    CHECK((*w1)->state() == hub::v1::WORKFLOW_STATE_COMPLETED);
    CHECK((*w1)->trigger() == "changed");
    CHECK_FALSE(store->GetWorkflow("wf_9")->has_value());
    // Replacing a workflow that does not exist.
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.PutWorkflow(Workflow("wf_9", "ctr_a", WORKFLOW_KIND_BOOKING,
                                      WORKFLOW_STATE_RUNNING),
                             0, "");
    })));
  }
}

TEST_CASE("workflows list unfinished in order, and in pages newest first",
          "[store][workflows][pages]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    using hub::v1::WORKFLOW_STATE_BLOCKED;
    using hub::v1::WORKFLOW_STATE_COMPLETED;
    using hub::v1::WORKFLOW_STATE_PENDING;
    using hub::v1::WORKFLOW_STATE_RUNNING;
    struct Row {
      const char* id;
      const char* contract;
      hub::v1::WorkflowKind kind;
      hub::v1::WorkflowState state;
    };
    const std::vector<Row> rows = {
        {"wf_1", "ctr_a", hub::v1::WORKFLOW_KIND_BOOKING,
         WORKFLOW_STATE_COMPLETED},
        {"wf_2", "ctr_b", hub::v1::WORKFLOW_KIND_BOOKING,
         WORKFLOW_STATE_RUNNING},
        {"wf_3", "ctr_a", hub::v1::WORKFLOW_KIND_AMENDMENT,
         WORKFLOW_STATE_BLOCKED},
        {"wf_4", "ctr_a", hub::v1::WORKFLOW_KIND_BILLING,
         WORKFLOW_STATE_PENDING},
        {"wf_5", "ctr_b", hub::v1::WORKFLOW_KIND_BILLING,
         WORKFLOW_STATE_COMPLETED},
    };
    // Inserted out of seq order: seq, not insertion, orders them.
    const std::vector<int64_t> seqs = {10, 20, 30, 40, 50};
    for (int i : {4, 2, 0, 3, 1}) {
      REQUIRE(W(*store, [&](WriteTxn& txn) {
                const Row& r = rows[i];
                return txn.PutWorkflow(
                    Workflow(r.id, r.contract, r.kind, r.state), seqs[i], "");
              }).ok());
    }
    auto ids = [](const std::vector<hub::v1::Workflow>& ws) {
      std::vector<std::string> out;
      for (const auto& w : ws) out.push_back(w.workflow_id());
      return out;
    };
    auto unfinished = store->ListUnfinishedWorkflows();
    REQUIRE(unfinished.ok());
    CHECK(ids(*unfinished) == std::vector<std::string>{"wf_2", "wf_3", "wf_4"});
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(ids(*txn.ListUnfinishedWorkflows("ctr_a")) ==
                    std::vector<std::string>{"wf_3", "wf_4"});
              CHECK(ids(*txn.ListUnfinishedWorkflows("ctr_c")).empty());
              return absl::OkStatus();
            }).ok());

    WorkflowQuery q;
    q.page_size = 2;
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto page = store->ListWorkflows(q);
      REQUIRE(page.ok());
      CHECK(page->workflows.size() <= 2);
      for (const auto& w : page->workflows) seen.push_back(w.workflow_id());
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    CHECK(seen ==
          std::vector<std::string>{"wf_5", "wf_4", "wf_3", "wf_2", "wf_1"});
    WorkflowQuery by_contract;
    by_contract.contract_id = "ctr_b";
    CHECK(ids(store->ListWorkflows(by_contract)->workflows) ==
          std::vector<std::string>{"wf_5", "wf_2"});
    WorkflowQuery by_state;
    by_state.state = WORKFLOW_STATE_COMPLETED;
    CHECK(ids(store->ListWorkflows(by_state)->workflows) ==
          std::vector<std::string>{"wf_5", "wf_1"});
    WorkflowQuery by_kind;
    by_kind.kind = hub::v1::WORKFLOW_KIND_BILLING;
    by_kind.contract_id = "ctr_a";
    CHECK(ids(store->ListWorkflows(by_kind)->workflows) ==
          std::vector<std::string>{"wf_4"});
    WorkflowQuery bad;
    bad.page_token = "not a token!";
    CHECK(absl::IsInvalidArgument(store->ListWorkflows(bad).status()));
  }
}

// --- The exception queue

hub::v1::Exception Ex(hub::v1::ExceptionKind kind, const std::string& system,
                      int64_t record_id, const std::string& workflow_id) {
  hub::v1::Exception e;
  e.set_kind(kind);
  e.set_category(kind == hub::v1::EXCEPTION_KIND_RECORD_REJECTED
                     ? hub::v1::EXCEPTION_CATEGORY_METADATA
                     : hub::v1::EXCEPTION_CATEGORY_FINANCE);
  e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
  e.set_system(system);
  e.set_record_id(record_id);
  e.set_workflow_id(workflow_id);
  e.set_contract_id(workflow_id.empty() ? "" : "ctr_" + workflow_id);
  e.set_error("error of " + system);
  return e;
}

TEST_CASE("exceptions are stored whole and replaced by id",
          "[store][exceptions]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    hub::v1::Exception stored;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              hub::v1::Exception e =
                  Ex(hub::v1::EXCEPTION_KIND_RECORD_REJECTED, "stripe", 7, "");
              e.set_field_path("lines[0].amount");
              e.set_owner("ops");
              *e.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(5);
              auto put = txn.PutException(e);
              if (!put.ok()) return put.status();
              CHECK(put->exception_id() > 0);
              CHECK(put->field_path() == "lines[0].amount");
              stored = *put;
              auto got = txn.GetException(put->exception_id());
              CHECK(got->value().exception_id() == put->exception_id());
              CHECK_FALSE(
                  txn.GetException(put->exception_id() + 1)->has_value());
              return absl::OkStatus();
            }).ok());
    auto got = store->GetException(stored.exception_id());
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->SerializeAsString() == stored.SerializeAsString());
    CHECK_FALSE(store->GetException(stored.exception_id() + 1)->has_value());

    // Replace: the stored one follows, the id stays.
    stored.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
    stored.set_resolution("fixed");
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto put = txn.PutException(stored);
              if (!put.ok()) return put.status();
              CHECK(put->exception_id() == stored.exception_id());
              return absl::OkStatus();
            }).ok());
    CHECK((*store->GetException(stored.exception_id()))->resolution() ==
          "fixed");
    hub::v1::Exception ghost = stored;
    ghost.set_exception_id(stored.exception_id() + 100);
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.PutException(ghost).status();
    })));
  }
}

TEST_CASE("a record's open exceptions", "[store][exceptions]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::vector<int64_t> ids;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (int64_t record : {7, 8, 7, 7}) {
                auto put =
                    txn.PutException(Ex(hub::v1::EXCEPTION_KIND_RECORD_REJECTED,
                                        "stripe", record, ""));
                if (!put.ok()) return put.status();
                ids.push_back(put->exception_id());
              }
              return absl::OkStatus();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto e = txn.GetException(ids[2]);
              if (!e.ok()) return e.status();
              hub::v1::Exception resolved = e->value();
              resolved.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
              return txn.PutException(resolved).status();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              auto open = txn.ListOpenRecordExceptions(7);
              CHECK(open.ok());
              if (open.ok()) {
                CHECK(open->size() == 2);
                if (open->size() == 2) {
                  CHECK((*open)[0].exception_id() == ids[0]);  // oldest first
                  CHECK((*open)[1].exception_id() == ids[3]);
                }
              }
              CHECK(txn.ListOpenRecordExceptions(8)->size() == 1);
              CHECK(txn.ListOpenRecordExceptions(9)->empty());
              return absl::OkStatus();
            }).ok());
  }
}

TEST_CASE("exceptions list oldest first, filtered, in pages",
          "[store][exceptions][pages]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    using hub::v1::EXCEPTION_KIND_POSTING_REJECTED;
    using hub::v1::EXCEPTION_KIND_RECORD_REJECTED;
    std::vector<int64_t> ids;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              std::vector<hub::v1::Exception> all = {
                  Ex(EXCEPTION_KIND_RECORD_REJECTED, "stripe", 7, ""),
                  Ex(EXCEPTION_KIND_POSTING_REJECTED, "netsuite", 0, "wf_1"),
                  Ex(EXCEPTION_KIND_RECORD_REJECTED, "salesforce", 8, ""),
                  Ex(EXCEPTION_KIND_RECORD_REJECTED, "stripe", 7, ""),
                  Ex(EXCEPTION_KIND_POSTING_REJECTED, "netsuite", 0, "wf_2"),
              };
              all[1].set_owner("finance");
              all[3].set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
              for (int i = 0; i < 5; ++i) {
                *all[i].mutable_created_at() =
                    TimeUtil::MicrosecondsToTimestamp(1000 * (i + 1));
                auto put = txn.PutException(all[i]);
                if (!put.ok()) return put.status();
                ids.push_back(put->exception_id());
              }
              return absl::OkStatus();
            }).ok());
    auto list = [&](ExceptionQuery q) {
      std::vector<int64_t> out;
      for (int pages = 0; pages < 10; ++pages) {
        auto page = store->ListExceptions(q);
        REQUIRE(page.ok());
        CHECK(static_cast<int>(page->exceptions.size()) <= q.page_size);
        for (const auto& e : page->exceptions) out.push_back(e.exception_id());
        if (page->next_page_token.empty()) break;
        q.page_token = page->next_page_token;
      }
      return out;
    };
    ExceptionQuery q;
    q.page_size = 2;
    CHECK(list(q) == std::vector<int64_t>{ids[0], ids[1], ids[2], ids[4]});
    q.include_resolved = true;
    CHECK(list(q) ==
          std::vector<int64_t>{ids[0], ids[1], ids[2], ids[3], ids[4]});
    ExceptionQuery by_record;
    by_record.record_id = 7;
    CHECK(list(by_record) == std::vector<int64_t>{ids[0]});
    by_record.include_resolved = true;  // a record's history
    CHECK(list(by_record) == std::vector<int64_t>{ids[0], ids[3]});
    by_record.kind = EXCEPTION_KIND_POSTING_REJECTED;
    CHECK(list(by_record).empty());
    ExceptionQuery by_system;
    by_system.system = "netsuite";
    CHECK(list(by_system) == std::vector<int64_t>{ids[1], ids[4]});
    ExceptionQuery by_kind;
    by_kind.kind = EXCEPTION_KIND_RECORD_REJECTED;
    CHECK(list(by_kind) == std::vector<int64_t>{ids[0], ids[2]});
    ExceptionQuery by_category;
    by_category.category = hub::v1::EXCEPTION_CATEGORY_FINANCE;
    CHECK(list(by_category) == std::vector<int64_t>{ids[1], ids[4]});
    ExceptionQuery by_owner;
    by_owner.owner = "finance";
    CHECK(list(by_owner) == std::vector<int64_t>{ids[1]});
    ExceptionQuery by_contract;
    by_contract.contract_id = "ctr_wf_2";
    CHECK(list(by_contract) == std::vector<int64_t>{ids[4]});
    ExceptionQuery by_workflow;
    by_workflow.workflow_id = "wf_1";
    CHECK(list(by_workflow) == std::vector<int64_t>{ids[1]});
    ExceptionQuery by_age;
    by_age.created_before = absl::FromUnixMicros(2000);  // at or before
    CHECK(list(by_age) == std::vector<int64_t>{ids[0], ids[1]});
    ExceptionQuery bad;
    bad.page_token = "not a token!";
    CHECK(absl::IsInvalidArgument(store->ListExceptions(bad).status()));
  }
}

// --- The posting ledger

PostingRow Posting(const std::string& external_id, const std::string& kind,
                   const std::string& contract, const std::string& entity_id,
                   absl::Time at) {
  PostingRow p;
  p.target_system = "netsuite";
  p.external_id = external_id;
  p.contract_id = contract;
  p.entity_type =
      kind == "customer" ? cv1::ENTITY_TYPE_CUSTOMER : cv1::ENTITY_TYPE_INVOICE;
  p.entity_id = entity_id;
  p.kind = kind;
  p.content_hash = "h-" + external_id;
  p.workflow_id = "wf_1";
  p.step_index = 2;
  p.vendor_id = "v-" + external_id;
  p.posted_at = at;
  p.payload = "payload-" + external_id;
  return p;
}

TEST_CASE("the posting ledger: record inserts once, replace overwrites",
          "[store][postings]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    const absl::Time t0 = absl::FromUnixSeconds(1700000000);
    PostingRow inv = Posting("inv_1", "invoice", "ctr_a", "inv_1", t0);
    inv.reverses = "inv_0";
    REQUIRE(
        W(*store, [&](WriteTxn& txn) { return txn.RecordPosting(inv); }).ok());
    PostingRow changed = inv;
    changed.content_hash = "other";
    CHECK(absl::IsAlreadyExists(
        W(*store, [&](WriteTxn& txn) { return txn.RecordPosting(changed); })));
    // The same external id at another target is another row.
    PostingRow elsewhere = inv;
    elsewhere.target_system = "quickbooks";
    CHECK(W(*store, [&](WriteTxn& txn) {
            return txn.RecordPosting(elsewhere);
          }).ok());

    auto rows = store->ListPostings("netsuite", "ctr_a");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    const PostingRow& r = (*rows)[0];
    CHECK(r.target_system == "netsuite");
    CHECK(r.external_id == "inv_1");
    CHECK(r.contract_id == "ctr_a");
    CHECK(r.entity_type == cv1::ENTITY_TYPE_INVOICE);
    CHECK(r.entity_id == "inv_1");
    CHECK(r.kind == "invoice");
    CHECK(r.content_hash == "h-inv_1");  // the first one stayed
    CHECK(r.reverses == "inv_0");
    CHECK(r.workflow_id == "wf_1");
    CHECK(r.step_index == 2);
    CHECK(r.vendor_id == "v-inv_1");
    CHECK(r.posted_at == t0);
    CHECK(r.payload == "payload-inv_1");

    // ReplacePosting stores a new row, then overwrites it.
    PostingRow cus = Posting("cus_1", "customer", "ctr_a", "cus_1", t0);
    for (const char* hash : {"c1", "c2"}) {
      cus.content_hash = hash;
      REQUIRE(W(*store, [&](WriteTxn& txn) {
                return txn.ReplacePosting(cus);
              }).ok());
    }
    auto cus_rows = store->ListEntityPostings(
        "netsuite", cv1::ENTITY_TYPE_CUSTOMER, "cus_1");
    REQUIRE(cus_rows.ok());
    REQUIRE(cus_rows->size() == 1);
    CHECK((*cus_rows)[0].content_hash == "c2");
  }
}

TEST_CASE("postings list by contract and by entity in time order",
          "[store][postings]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    const absl::Time t0 = absl::FromUnixSeconds(1700000000);
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (const PostingRow& p : {
                       Posting("inv_3", "invoice", "ctr_a", "inv_x", t0),
                       Posting("inv_2", "invoice", "ctr_a", "inv_y", t0),
                       Posting("inv_1", "invoice", "ctr_a", "inv_x",
                               t0 + absl::Seconds(1)),
                       Posting("inv_9", "invoice", "ctr_b", "inv_x",
                               t0 - absl::Seconds(1)),
                   }) {
                auto st = txn.RecordPosting(p);
                if (!st.ok()) return st;
              }
              // Inside the transaction its own rows are listed.
              CHECK(txn.ListPostings("netsuite", "ctr_a")->size() == 3);
              CHECK(txn.ListEntityPostings("netsuite", cv1::ENTITY_TYPE_INVOICE,
                                           "inv_y")
                        ->size() == 1);
              return absl::OkStatus();
            }).ok());
    auto external_ids = [](const std::vector<PostingRow>& rows) {
      std::vector<std::string> out;
      for (const auto& r : rows) out.push_back(r.external_id);
      return out;
    };
    // posted_at, then external_id.
    CHECK(external_ids(*store->ListPostings("netsuite", "ctr_a")) ==
          std::vector<std::string>{"inv_2", "inv_3", "inv_1"});
    CHECK(external_ids(*store->ListEntityPostings(
              "netsuite", cv1::ENTITY_TYPE_INVOICE, "inv_x")) ==
          std::vector<std::string>{"inv_9", "inv_3", "inv_1"});
    CHECK(store->ListPostings("quickbooks", "ctr_a")->empty());
    CHECK(
        store
            ->ListEntityPostings("netsuite", cv1::ENTITY_TYPE_CUSTOMER, "inv_x")
            ->empty());
  }
}

}  // namespace
}  // namespace revhub::hub
