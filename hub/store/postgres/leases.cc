#include "hub/store/postgres/leases.h"

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::hub::postgres {

PgLeases::~PgLeases() {
  // Closing each connection ends its session, which releases its lock.
  std::lock_guard<std::mutex> lock(mu_);
  leases_.clear();
}

bool PgLeases::CheckHeld(Lease& lease) {
  if (!lease.held) return false;
  if (!lease.conn.ok()) {
    lease.held = false;
    return false;
  }
  // A one-key advisory lock shows in pg_locks with the key's high half as
  // classid, its low half as objid and objsubid 1.
  const uint64_t key = static_cast<uint64_t>(lease.key);
  Statement q(lease.conn,
              "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype ="
              " 'advisory' AND pid = pg_backend_pid() AND granted AND"
              " classid = $1::bigint::oid AND objid = $2::bigint::oid AND"
              " objsubid = 1)");
  q.Bind(1, static_cast<int64_t>(key >> 32))
      .Bind(2, static_cast<int64_t>(key & 0xffffffffu));
  absl::StatusOr<bool> row = q.Step();
  if (!row.ok() || !*row || q.ColumnInt(0) == 0) {
    lease.held = false;
    return false;
  }
  return true;
}

absl::StatusOr<bool> PgLeases::TryAcquireLease(absl::string_view duty) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(duty);
  if (it != leases_.end()) {
    if (CheckHeld(*it->second)) return true;
    // Not held (never, or the session was lost): try again on a live
    // session; a lost one's lock is gone with it.
    if (!it->second->conn.ok()) leases_.erase(it);
  }
  it = leases_.find(duty);
  if (it == leases_.end()) {
    ASSIGN_OR_RETURN(Connection conn, Connection::Open(url_));
    auto lease = std::make_unique<Lease>();
    lease->conn = std::move(conn);
    Statement k(lease->conn, "SELECT hashtextextended($1, 0)");
    k.Bind(1, absl::StrCat("revhub.lease.", duty));
    ASSIGN_OR_RETURN(bool row, k.Step());
    if (!row) return absl::InternalError("lease: no key returned");
    lease->key = k.ColumnInt(0);
    it = leases_.emplace(std::string(duty), std::move(lease)).first;
  }
  Lease& lease = *it->second;
  Statement q(lease.conn, "SELECT pg_try_advisory_lock($1::bigint)");
  q.Bind(1, lease.key);
  absl::StatusOr<bool> row = q.Step();
  if (!row.ok()) {
    absl::Status st = row.status();
    leases_.erase(it);
    return absl::UnavailableError(
        absl::StrCat("lease ", duty, ": ", st.message()));
  }
  lease.held = *row && q.ColumnInt(0) != 0;
  return lease.held;
}

absl::StatusOr<bool> PgLeases::LeaseHeld(absl::string_view duty) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(duty);
  if (it == leases_.end()) return false;
  return CheckHeld(*it->second);
}

void PgLeases::ReleaseLease(absl::string_view duty) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(duty);
  if (it == leases_.end()) return;
  // Unlocked before the session closes: the server ends a closed session
  // a moment later, and another hub may ask at once. Closing the session
  // releases the lock even when the unlock is not heard.
  if (it->second->conn.ok()) {
    it->second->conn.Exec("SELECT pg_advisory_unlock_all()").IgnoreError();
  }
  leases_.erase(it);
}

}  // namespace revhub::hub::postgres
