// Numbered schema migrations of the SQLite store.
//
// Migrations are applied in order at start, each in its own transaction with
// its row in schema_migrations, so a crash mid-migration leaves the database
// at the previous version. A migration, once released, is never edited:
// changes are new migrations. A migration is SQL, and may add a step
// written in C++ where SQL cannot do the work (decoding stored protos).
#ifndef REVHUB_HUB_STORE_SQLITE_MIGRATIONS_H_
#define REVHUB_HUB_STORE_SQLITE_MIGRATIONS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/store/sqlite/sqlite_util.h"

namespace revhub::hub {

struct Migration {
  int version;
  const char* name;
  const char* sql;
  // Runs before `sql`, in the same transaction; none when null.
  absl::Status (*apply)(sqlite::Connection& db) = nullptr;
};

// Returns every migration, in version order.
const std::vector<Migration>& SchemaMigrations();

// Brings the database up to the last migration and returns the schema
// version it is at. FAILED_PRECONDITION when the database is at a newer
// version than this build knows.
absl::StatusOr<int> ApplyMigrations(sqlite::Connection& db);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_SQLITE_MIGRATIONS_H_
