#include "hub/store/sqlite/sqlite_leases.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace revhub::hub::sqlite {
namespace {

// Returns the byte of the lease file that stands for `duty`: its FNV-1a
// hash, kept below 2^62 so that offset + 1 fits an off_t.
off_t LeaseByte(absl::string_view duty) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : duty) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<off_t>(h & ((uint64_t{1} << 62) - 1));
}

// Sets (F_WRLCK) or clears (F_UNLCK) the OFD lock on `duty`'s byte.
int LockByte(int fd, absl::string_view duty, short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = LeaseByte(duty);
  lock.l_len = 1;
  lock.l_pid = 0;  // required for OFD locks
  return ::fcntl(fd, F_OFD_SETLK, &lock);
}

}  // namespace

SqliteLeases::~SqliteLeases() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<bool> SqliteLeases::TryAcquireLease(absl::string_view duty) {
  std::lock_guard<std::mutex> lock(mu_);
  if (held_.count(std::string(duty)) > 0) return true;
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      return absl::UnavailableError(absl::StrCat(
          "lease file ", path_, ": cannot open: ", std::strerror(errno)));
    }
  }
  if (LockByte(fd_, duty, F_WRLCK) != 0) {
    if (errno == EAGAIN || errno == EACCES) return false;  // another holds it
    return absl::UnavailableError(absl::StrCat("lease ", duty, " in ", path_,
                                               ": ", std::strerror(errno)));
  }
  held_.insert(std::string(duty));
  return true;
}

absl::StatusOr<bool> SqliteLeases::LeaseHeld(absl::string_view duty) {
  std::lock_guard<std::mutex> lock(mu_);
  return held_.count(std::string(duty)) > 0;
}

void SqliteLeases::ReleaseLease(absl::string_view duty) {
  std::lock_guard<std::mutex> lock(mu_);
  if (held_.erase(std::string(duty)) == 0) return;
  LockByte(fd_, duty, F_UNLCK);
}

}  // namespace revhub::hub::sqlite
