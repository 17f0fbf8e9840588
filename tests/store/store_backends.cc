#include "tests/store/store_backends.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "hub/store/postgres/postgres_store.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"
#include "tests/support/postgres_server.h"

namespace revhub::hub::testing {
namespace {

// A new SQLite database in its own file under one temporary folder that
// lives as long as the test process.
std::unique_ptr<Store> OpenSqlite() {
  static revhub::testing::TempDir root;  // removed at exit
  static std::atomic<int> next{0};
  SqliteStoreOptions options;
  options.path = absl::StrCat(root.path(), "/store_", next++, ".db");
  auto store = OpenSqliteStore(options);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(*store);
}

// A new database on the process's shared PostgreSQL server (started on
// first use, stopped at exit). Each is a copy of one database migrated
// once: migrating takes ~0.5 s (every table and index created and synced),
// copying a fifth of that. Migrating a new database is tested in
// postgres_test.cc.
std::unique_ptr<Store> OpenPostgres() {
  static const bool migrated = [] {
    std::string error;
    PostgresStoreOptions o;
    o.url = revhub::testing::SharedPostgresServer().CreateDatabase(
        "conformance_migrated", &error);
    INFO(error);
    REQUIRE(!o.url.empty());
    auto template_store = OpenPostgresStore(o);
    INFO(template_store.status().ToString());
    REQUIRE(template_store.ok());
    return true;  // closed here: a template has no open sessions
  }();
  REQUIRE(migrated);
  PostgresStoreOptions options;
  options.url = revhub::testing::FreshPostgresDatabase("conformance",
                                                       "conformance_migrated");
  auto store = OpenPostgresStore(options);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(*store);
}

}  // namespace

const std::vector<StoreBackend>& StoreBackends() {
  static const std::vector<StoreBackend> kBackends = {
      {"sqlite", OpenSqlite},
      {"postgres", OpenPostgres},
  };
  return kBackends;
}

}  // namespace revhub::hub::testing
