#include "hub/store/postgres/notifications.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::hub::postgres {
namespace {

absl::Status Listen(Connection& conn) {
  return conn.Exec(
      absl::StrCat("LISTEN ", kEventsChannel, "; LISTEN ", kRecordsChannel));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PgNotifications>> PgNotifications::Start(
    const std::string& url, NotificationCallbacks callbacks) {
  ASSIGN_OR_RETURN(Connection conn, Connection::Open(url));
  RETURN_IF_ERROR(Listen(conn));
  return std::unique_ptr<PgNotifications>(
      new PgNotifications(url, std::move(callbacks), std::move(conn)));
}

PgNotifications::PgNotifications(std::string url,
                                 NotificationCallbacks callbacks,
                                 Connection conn)
    : url_(std::move(url)),
      callbacks_(std::move(callbacks)),
      conn_(std::move(conn)) {
  if (pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { Loop(); });
}

PgNotifications::~PgNotifications() {
  stopping_ = true;
  if (wake_[1] >= 0) {
    const char c = 0;
    [[maybe_unused]] ssize_t n = write(wake_[1], &c, 1);
  }
  thread_.join();
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

bool PgNotifications::Drain() {
  if (PQconsumeInput(conn_.get()) == 0) return false;
  const int own = callbacks_.own_backend_pid ? callbacks_.own_backend_pid() : 0;
  int64_t position = 0;
  bool records = false, requeued = false;
  while (PGnotify* n = PQnotifies(conn_.get())) {
    if (n->be_pid != own) {
      if (absl::string_view(n->relname) == kEventsChannel) {
        int64_t p = 0;
        if (absl::SimpleAtoi(n->extra, &p)) position = std::max(position, p);
      } else if (absl::string_view(n->relname) == kRecordsChannel) {
        records = true;
        requeued = requeued || absl::string_view(n->extra) == "requeued";
      }
    }
    PQfreemem(n);
  }
  // Many notices that arrived together wake the listeners once.
  if (position > 0 && callbacks_.on_events) callbacks_.on_events(position);
  if (records && callbacks_.on_records) callbacks_.on_records(requeued);
  return conn_.ok();
}

void PgNotifications::Loop() {
  int backoff_ms = 100;
  while (!stopping_) {
    if (!conn_.ok()) {
      // Reconnect, then catch up on whatever was missed meanwhile.
      if (conn_.Reset().ok() && Listen(conn_).ok()) {
        backoff_ms = 100;
        if (callbacks_.on_resync) callbacks_.on_resync(conn_);
      } else {
        pollfd w{wake_[0], POLLIN, 0};
        poll(&w, wake_[0] >= 0 ? 1 : 0, backoff_ms);
        backoff_ms = std::min(backoff_ms * 2, 5000);
        continue;
      }
    }
    pollfd fds[2] = {{PQsocket(conn_.get()), POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int ready = poll(fds, wake_[0] >= 0 ? 2 : 1, 1000);
    if (stopping_) return;
    if (ready < 0) continue;
    if (ready == 0) {
      // Idle: a cheap round trip notices a connection that died quietly.
      if (!conn_.Exec("SELECT 1").ok()) continue;
    }
    Drain();
  }
}

}  // namespace revhub::hub::postgres
