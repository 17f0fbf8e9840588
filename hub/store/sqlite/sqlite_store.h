// SqliteStore: the embedded Store, on one SQLite database in WAL mode.
//
// Durability: journal_mode=WAL with synchronous=FULL. In WAL mode FULL syncs
// the WAL on every commit, so a committed transaction survives a power loss,
// not just a process crash (NORMAL would only survive the latter). The cost
// is one fsync per commit, which group commit spreads over every write in a
// batch. See docs/storage.md.
//
// Times are stored as microseconds since the Unix epoch: a time read back
// is the one written, truncated to the microsecond.
//
// One writer thread owns the write connection; readers use a small pool of
// read-only connections and never block the writer.
#ifndef REVHUB_HUB_STORE_SQLITE_SQLITE_STORE_H_
#define REVHUB_HUB_STORE_SQLITE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/store/store.h"

namespace revhub::hub {

struct SqliteStoreOptions {
  // Database file; created with its folder's WAL files if missing.
  std::string path;
  // Read-only connections kept open for concurrent reads.
  int reader_connections = 4;
  // Most writes committed in one transaction.
  int max_batch = 256;
};

// Opens (creating and migrating as needed) the database and starts its
// writer thread. The caller owns the returned store; destroying it finishes
// queued writes and closes the database.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_SQLITE_SQLITE_STORE_H_
