// PostgresStore: the Store on PostgreSQL 15, for several revhubd on one
// database.
//
// Each store has one writer thread with its own connection and group
// commit, as the SQLite store does (a batch is one transaction, each write
// in a savepoint); a small pool of read connections; a connection that
// LISTENs for the other hubs' commits (notifications.h); and a connection
// per lease held (leases.h). Every hub writes: what must stay in one order
// across hubs takes a transaction-level advisory lock (event positions,
// dense and in commit order; the audit chain), and what must stay unique
// is a unique constraint answered with ALREADY_EXISTS, as on SQLite.
//
// Durability: a commit returns once PostgreSQL has flushed it
// (synchronous_commit as the server is configured; on by default).
//
// Times are stored as microseconds since the Unix epoch; Now() comes from
// this hub's clock, never earlier than a time already stored.
// See docs/storage.md.
#ifndef REVHUB_HUB_STORE_POSTGRES_POSTGRES_STORE_H_
#define REVHUB_HUB_STORE_POSTGRES_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/store/store.h"

namespace revhub::hub {

struct PostgresStoreOptions {
  // postgres://user:password@host:port/database?param=value (any libpq
  // connection URL or conninfo string).
  std::string url;
  // Connections kept open for concurrent reads.
  int reader_connections = 4;
  // Most writes committed in one transaction.
  int max_batch = 256;
};

// Connects, brings the schema up to date (migrations.h) and starts the
// writer and listening threads. UNAVAILABLE naming the server's reason
// when the database cannot be reached. The caller owns the returned store;
// destroying it finishes queued writes and closes every connection (which
// releases its leases).
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    const PostgresStoreOptions& options);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_POSTGRES_POSTGRES_STORE_H_
