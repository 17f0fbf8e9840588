// A SQLite store in a test's temporary folder, for the orchestration unit
// tests.
#ifndef REVHUB_TESTS_ORCHESTRATION_TEMP_STORE_H_
#define REVHUB_TESTS_ORCHESTRATION_TEMP_STORE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"

namespace revhub::hub {

// Opens (or creates) the store revhub.db in `dir`.
inline std::unique_ptr<Store> Open(const std::string& dir) {
  SqliteStoreOptions o;
  o.path = dir + "/revhub.db";
  auto s = OpenSqliteStore(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace revhub::hub

#endif  // REVHUB_TESTS_ORCHESTRATION_TEMP_STORE_H_
