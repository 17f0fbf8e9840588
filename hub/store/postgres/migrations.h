// Numbered schema migrations of the PostgreSQL store.
//
// ApplyMigrations runs at open under a session-level advisory lock, so two
// hubs opening one database at once migrate it once: the second waits,
// then finds the migrations applied. Each migration runs in its own
// transaction with its row in schema_migrations, so a crash mid-migration
// leaves the database at the previous version. A released migration is
// never edited: changes are new migrations.
//
// Version 1 is the SQLite store's schema as of its migration 14, in
// PostgreSQL's types: integers are bigint, payloads bytea, times bigint
// microseconds since the Unix epoch, and text compares byte-wise (COLLATE
// "C"), so pages come in the same order as on SQLite whatever the
// database's locale.
#ifndef REVHUB_HUB_STORE_POSTGRES_MIGRATIONS_H_
#define REVHUB_HUB_STORE_POSTGRES_MIGRATIONS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "hub/store/postgres/pg_util.h"

namespace revhub::hub::postgres {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Returns every migration, in version order.
const std::vector<Migration>& SchemaMigrations();

// Brings the database up to the last migration and returns the schema
// version it is at. FAILED_PRECONDITION when the database is at a newer
// version than this build knows.
absl::StatusOr<int> ApplyMigrations(Connection& db);

// The advisory lock keys (pg_advisory_lock(kLockClass, key)) of the store's
// own locks; leases use the one-key form, a separate space.
inline constexpr int kLockClass = 1920362594;  // "rvhb"
inline constexpr int kEventsLock = 1;
inline constexpr int kAuditLock = 2;
inline constexpr int kMigrationLock = 3;

}  // namespace revhub::hub::postgres

#endif  // REVHUB_HUB_STORE_POSTGRES_MIGRATIONS_H_
