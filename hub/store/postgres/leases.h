// PgLeases: the LeaseKeeper of the PostgreSQL store.
//
// A lease is a session-level advisory lock, pg_try_advisory_lock(key) with
// key = hashtextextended('revhub.lease.' || duty, 0) computed by the
// server (so every hub, whatever its build, agrees on it), taken on a
// connection of its own per duty. The lock lives as long as that session:
// ReleaseLease unlocks and closes it, and when the hub dies (or its
// connection is cut) the server ends the session and the lock with it;
// another hub's TryAcquireLease then succeeds. Connections use TCP
// keepalives, so a vanished host's session ends within seconds.
//
// LeaseHeld asks the server: the connection must be up and pg_locks must
// show the lock granted to this connection's backend.
//
// Internal to revhub_store_postgres. Thread-safe.
#ifndef REVHUB_HUB_STORE_POSTGRES_LEASES_H_
#define REVHUB_HUB_STORE_POSTGRES_LEASES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/lease_store.h"
#include "hub/store/postgres/pg_util.h"

namespace revhub::hub::postgres {

class PgLeases : public LeaseKeeper {
 public:
  explicit PgLeases(std::string url) : url_(std::move(url)) {}
  ~PgLeases() override;

  // LeaseKeeper:
  absl::StatusOr<bool> TryAcquireLease(absl::string_view duty) override;
  absl::StatusOr<bool> LeaseHeld(absl::string_view duty) override;
  void ReleaseLease(absl::string_view duty) override;

 private:
  struct Lease {
    Connection conn;
    int64_t key = 0;
    bool held = false;
  };
  // Whether the server shows `lease`'s lock granted to its session.
  // REQUIRES: mu_ held.
  bool CheckHeld(Lease& lease);

  const std::string url_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Lease>, std::less<>> leases_;
};

}  // namespace revhub::hub::postgres

#endif  // REVHUB_HUB_STORE_POSTGRES_LEASES_H_
