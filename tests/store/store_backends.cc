#include "tests/store/store_backends.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"

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

}  // namespace

const std::vector<StoreBackend>& StoreBackends() {
  static const std::vector<StoreBackend> kBackends = {
      {"sqlite", OpenSqlite},
  };
  return kBackends;
}

}  // namespace revhub::hub::testing
