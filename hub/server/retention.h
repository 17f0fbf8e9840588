// RetentionSweeper: the thread that deletes idempotency records older than
// their retention.
//
// Every `interval` it deletes, in batches of kSweepBatch through
// Store::Write, the idempotency records stored more than `retention` ago; a
// request repeated after that is a new request. Started by the hub server,
// stopped before the store closes.
//
// Thread-safety: Start and Stop are called by one thread (the server's).
#ifndef REVHUB_HUB_SERVER_RETENTION_H_
#define REVHUB_HUB_SERVER_RETENTION_H_

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "hub/store/store.h"

namespace revhub::hub {

class RetentionSweeper {
 public:
  static constexpr int kSweepBatch = 1000;

  // `store` outlives the sweeper.
  RetentionSweeper(Store* store, absl::Duration retention,
                   absl::Duration interval);
  ~RetentionSweeper();  // Stop()s

  void Start();
  // Ends the sweep in progress after its batch and joins the thread.
  // Idempotent.
  void Stop();

 private:
  void Run();
  // Deletes what is past retention; returns how many records went.
  int64_t SweepOnce();

  Store* const store_;
  const absl::Duration retention_;
  const absl::Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SERVER_RETENTION_H_
