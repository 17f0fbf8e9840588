// The Store backends that tests/store/conformance_test.cc runs against.
//
// A backend is a name and a factory that opens a new, empty store. The
// conformance suite runs every test case once per backend: SQLite, and
// PostgreSQL on a server the test process starts itself
// (tests/support/postgres_server.h), each store on a new database.
#ifndef REVHUB_TESTS_STORE_STORE_BACKENDS_H_
#define REVHUB_TESTS_STORE_STORE_BACKENDS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/store/store.h"

namespace revhub::hub::testing {

struct StoreBackend {
  std::string name;
  // Returns a new, empty store, owned by the caller; fails the running test
  // when the store cannot be opened.
  std::function<std::unique_ptr<Store>()> open;
};

// Returns every backend the suite runs against.
const std::vector<StoreBackend>& StoreBackends();

}  // namespace revhub::hub::testing

#endif  // REVHUB_TESTS_STORE_STORE_BACKENDS_H_
