// PgNotifications: hears the commits of every hub on one database.
//
// A writer that commits events or received records sends NOTIFY on
// kEventsChannel (payload: the highest position it committed) or
// kRecordsChannel, inside its transaction, so the notice goes out only if
// the transaction commits, and in commit order. This class LISTENs on
// its own connection on a thread of its own and hands each notice from
// another session to its callbacks (the store's own commits are announced
// by its writer, which skips the round trip).
//
// When the connection drops, it reconnects (with backoff) and then calls
// `on_resync`: notices sent meanwhile are lost, so the store re-reads the
// last position and wakes its listeners.
//
// Internal to revhub_store_postgres. Thread-safe; callbacks run on the
// listening thread.
#ifndef REVHUB_HUB_STORE_POSTGRES_NOTIFICATIONS_H_
#define REVHUB_HUB_STORE_POSTGRES_NOTIFICATIONS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "hub/store/postgres/pg_util.h"

namespace revhub::hub::postgres {

inline constexpr char kEventsChannel[] = "revhub_events";
inline constexpr char kRecordsChannel[] = "revhub_records";

struct NotificationCallbacks {
  std::function<void(int64_t position)> on_events;
  std::function<void(bool requeued)> on_records;
  std::function<void(Connection& db)> on_resync;
  // Notices from this backend (the store's writer) are skipped; 0: none.
  std::function<int()> own_backend_pid;
};

class PgNotifications {
 public:
  // Connects, LISTENs and starts the thread; UNAVAILABLE when the first
  // connection fails.
  static absl::StatusOr<std::unique_ptr<PgNotifications>> Start(
      const std::string& url, NotificationCallbacks callbacks);
  ~PgNotifications();  // stops the thread and closes the connection

 private:
  PgNotifications(std::string url, NotificationCallbacks callbacks,
                  Connection conn);
  void Loop();
  // Reads what has arrived and calls back; false when the connection broke.
  bool Drain();

  const std::string url_;
  const NotificationCallbacks callbacks_;
  Connection conn_;
  int wake_[2] = {-1, -1};  // a pipe that ends the thread's poll
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace revhub::hub::postgres

#endif  // REVHUB_HUB_STORE_POSTGRES_NOTIFICATIONS_H_
