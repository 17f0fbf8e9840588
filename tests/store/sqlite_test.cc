#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "hub/store/sqlite/migrations.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"

namespace revhub::hub {
namespace {

using revhub::testing::TempDir;

std::unique_ptr<Store> Open(const std::string& dir) {
  SqliteStoreOptions o;
  o.path = dir + "/revhub.db";
  auto s = OpenSqliteStore(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

StoredEntity Entity(const std::string& id, int64_t version,
                    const std::string& payload, absl::Time at) {
  StoredEntity e;
  e.type = canonical::v1::ENTITY_TYPE_CUSTOMER;
  e.id = id;
  e.version = version;
  e.recorded_at = at;
  e.payload = payload;
  return e;
}

TEST_CASE("entity versions are kept and readable by number and time",
          "[store]") {
  TempDir dir;
  auto store = Open(dir.path());
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
  CHECK(
      (*store->GetEntity(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a", by_time))
          ->payload == "v1");
  by_time.as_of = t1 - absl::Seconds(1);
  CHECK_FALSE(
      store->GetEntity(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_a", by_time)
          ->has_value());

  SECTION("a version must follow the current one") {
    auto st = store->Write([&](WriteTxn& txn) {
      return txn.PutEntityVersion(Entity("cus_a", 2, "again", txn.Now()), {});
    });
    CHECK(st.code() == absl::StatusCode::kAborted);
  }
  SECTION("index entries are replaced with each version") {
    ListEntitiesQuery q;
    q.type = canonical::v1::ENTITY_TYPE_CUSTOMER;
    q.filters = {{"status", "1"}};
    CHECK(store->ListEntities(q)->entities.empty());
    q.filters = {{"status", "2"}};
    CHECK(store->ListEntities(q)->entities.size() == 1);
  }
}

TEST_CASE("a failing write rolls back alone; its batch commits", "[store]") {
  TempDir dir;
  auto store = Open(dir.path());
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

TEST_CASE("data survives reopening and the event listener sees commits",
          "[store]") {
  TempDir dir;
  std::atomic<int64_t> heard{0};
  {
    auto store = Open(dir.path());
    store->SetEventListener([&](int64_t p) { heard = p; });
    REQUIRE(store
                ->Write([&](WriteTxn& txn) -> absl::Status {
                  hub::v1::System s;
                  s.set_name("stripe");
                  auto st = txn.PutSystem(s);
                  if (!st.ok()) return st;
                  canonical::v1::ExternalRef ref;
                  ref.set_system("stripe");
                  ref.set_object_type("customer");
                  ref.set_vendor_id("cus_123");
                  st = txn.BindExternalRef(canonical::v1::ENTITY_TYPE_CUSTOMER,
                                           ref, "cus_x");
                  if (!st.ok()) return st;
                  CHECK(txn.BindExternalRef(canonical::v1::ENTITY_TYPE_CUSTOMER,
                                            ref, "cus_y")
                            .code() == absl::StatusCode::kAlreadyExists);
                  canonical::v1::BusinessEvent e;
                  e.set_event_id("evt_1");
                  return txn.AppendEvent(e).status();
                })
                .ok());
    // The listener runs on the writer thread after the commit, which may be
    // after Write() has returned.
    for (int i = 0; i < 200 && heard == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(heard == 1);
  }
  auto store = Open(dir.path());
  CHECK(store->LastEventPosition() == 1);
  auto sys = store->GetSystem("stripe");
  REQUIRE(sys.ok());
  CHECK(sys->has_value());
  canonical::v1::ExternalRef ref;
  ref.set_system("stripe");
  ref.set_object_type("customer");
  ref.set_vendor_id("cus_123");
  auto id = store->ResolveExternalRef(canonical::v1::ENTITY_TYPE_CUSTOMER, ref);
  REQUIRE(id.ok());
  CHECK(id->value_or("") == "cus_x");
}

TEST_CASE("migrations bring a new database to the last version once",
          "[store][migrations]") {
  TempDir dir;
  std::string path = dir.path() + "/m.db";
  {
    auto db = sqlite::Connection::Open(
        path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(db.ok());
    auto v = ApplyMigrations(*db);
    REQUIRE(v.ok());
    CHECK(*v == SchemaMigrations().back().version);
    auto again = ApplyMigrations(*db);
    REQUIRE(again.ok());
    CHECK(*again == *v);
    sqlite::Statement q(*db, "SELECT COUNT(*) FROM schema_migrations");
    REQUIRE(*q.Step());
    CHECK(q.ColumnInt(0) == static_cast<int64_t>(SchemaMigrations().size()));
  }
  SECTION("a database from a newer hub is refused") {
    auto db = sqlite::Connection::Open(path, SQLITE_OPEN_READWRITE);
    REQUIRE(db.ok());
    REQUIRE(db->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
                .ok());
    auto v = ApplyMigrations(*db);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(v.status().message()).find("schema version 999") !=
          std::string::npos);
  }
}

TEST_CASE("the store runs in WAL mode with full sync", "[store]") {
  TempDir dir;
  auto store = Open(dir.path());
  auto db =
      sqlite::Connection::Open(dir.path() + "/revhub.db", SQLITE_OPEN_READONLY);
  REQUIRE(db.ok());
  sqlite::Statement q(*db, "PRAGMA journal_mode");
  REQUIRE(*q.Step());
  CHECK(q.ColumnText(0) == "wal");
}

// --- Revenue recognition: ListEntityVersions
TEST_CASE("every version of an entity lists oldest first", "[store]") {
  TempDir dir;
  auto store = Open(dir.path());
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
                return txn.PutEntityVersion(Entity("cus_b", 1, "b", txn.Now()),
                                            {});
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
  CHECK(store->ListEntityVersions(canonical::v1::ENTITY_TYPE_CUSTOMER, "cus_x")
            ->empty());
}

}  // namespace
}  // namespace revhub::hub
