// SqliteLeases: the LeaseKeeper of a SQLite store, as open-file-description
// locks (F_OFD_SETLK) on one byte per duty of a file beside the database
// (<database>-lease).
//
// An OFD lock belongs to the open file, not to the process: two stores
// opened on one database, in one process or in two, exclude each other,
// and the kernel drops the locks when the file is closed or the process
// dies, as PostgreSQL drops a dead session's advisory locks. A duty's byte
// is its name's 64-bit FNV-1a hash (62 bits), so two names meet on one byte
// with negligible odds. A lock on a file that stays open is never lost, so
// LeaseHeld is this object's own record of what it acquired.
//
// revhubd also locks its data folder (DATA_DIR/LOCK), so on SQLite a second
// hub never opens the same file: these leases matter for stores opened
// side by side in one process, and make SQLite keep the contract that
// lease_store.h states for every store.
//
// Thread-safe.
#ifndef REVHUB_HUB_STORE_SQLITE_SQLITE_LEASES_H_
#define REVHUB_HUB_STORE_SQLITE_SQLITE_LEASES_H_

#include <mutex>
#include <set>
#include <string>

#include "hub/store/lease_store.h"

namespace revhub::hub::sqlite {

class SqliteLeases : public LeaseKeeper {
 public:
  // `path` is the lease file (created 0600 at the first acquisition).
  explicit SqliteLeases(std::string path) : path_(std::move(path)) {}
  ~SqliteLeases() override;  // closes the file: every lease goes

  SqliteLeases(const SqliteLeases&) = delete;
  SqliteLeases& operator=(const SqliteLeases&) = delete;

  // LeaseKeeper:
  absl::StatusOr<bool> TryAcquireLease(absl::string_view duty) override;
  absl::StatusOr<bool> LeaseHeld(absl::string_view duty) override;
  void ReleaseLease(absl::string_view duty) override;

 private:
  const std::string path_;
  std::mutex mu_;
  int fd_ = -1;  // opened at the first acquisition
  std::set<std::string> held_;
};

}  // namespace revhub::hub::sqlite

#endif  // REVHUB_HUB_STORE_SQLITE_SQLITE_LEASES_H_
