// LeaseKeeper: leases on the duties only one hub may do at a time.
//
// Several revhubd may share one store (PostgreSQL). Every hub serves every
// API, but some work has a single writer: the pipeline worker, the revenue
// worker, the orchestrator's scheduler, sync schedules, retention. Each is a
// named duty, and a hub does a duty only while it holds that duty's lease.
// A lease is held by this store (the object) until it is released or it
// closes, or its process (or its connection to the store) dies; another hub's
// TryAcquireLease then succeeds.
//
// On PostgreSQL a lease is a session-level advisory lock on a connection
// kept for leases; on SQLite, an open-file-description lock on a file beside
// the database (sqlite/sqlite_leases.h). Either way two stores opened on one
// database exclude each other, even in one process.
//
// Thread-safe.
#ifndef REVHUB_HUB_STORE_LEASE_STORE_H_
#define REVHUB_HUB_STORE_LEASE_STORE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::hub {

class LeaseKeeper {
 public:
  virtual ~LeaseKeeper() = default;

  // Takes the lease on `duty` when no other process holds it. Returns true
  // when this store holds it (now or already), false when another does;
  // UNAVAILABLE when the store cannot be reached.
  virtual absl::StatusOr<bool> TryAcquireLease(absl::string_view duty) = 0;
  // Returns whether this store still holds the lease on `duty`: false
  // after ReleaseLease, and once the connection that held it was lost (the
  // store has released it, and another hub may hold it now).
  virtual absl::StatusOr<bool> LeaseHeld(absl::string_view duty) = 0;
  // Gives up the lease on `duty` (nothing when not held).
  virtual void ReleaseLease(absl::string_view duty) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_LEASE_STORE_H_
