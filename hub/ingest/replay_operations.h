// ReplayOperations: bulk replays of a system's FAILED records as
// long-running operations with progress.
//
// StartReplay stores a RUNNING operation (hub::v1::Operation: total, done,
// applied, failed, cursor) and hands it to the runner thread, which replays
// the records in batches of the pipeline's batch size, oldest first, and
// stores the operation after every batch (progress and cursor in one
// write). A hub that stops or crashes leaves the operation RUNNING with its
// cursor; Start() continues every RUNNING operation after its cursor, so a
// batch is replayed again at most once after a crash (replay is
// idempotent: what was applied is not applied again). Cancel stops an
// operation after the batch in hand (CANCELLED); Resume continues a
// CANCELLED or FAILED one from its cursor. One operation runs at a time;
// the others wait RUNNING in order.
//
// Several hubs on one store: an operation runs on one hub at a time, the
// one holding the lease "replay-operation:<id>" (lease_store.h) while it
// runs it; a hub that finds the lease taken leaves the operation to its
// holder. Every `adopt_interval` the runner looks for RUNNING operations
// no hub runs (their hub died or stopped) and continues them. A lease
// found lost between batches stops the operation without saving (it stays
// RUNNING, for the hub that took it). Cancel reaches only the hub that
// runs the operation.
//
// Threads: one runner thread. Every public method is thread-safe.
#ifndef REVHUB_HUB_INGEST_REPLAY_OPERATIONS_H_
#define REVHUB_HUB_INGEST_REPLAY_OPERATIONS_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/ingest/pipeline.h"
#include "hub/store/store.h"

namespace revhub::hub {

class ReplayOperations {
 public:
  // The most records one operation replays.
  static constexpr int64_t kMaxRecords = 1000000;

  // `store` and `pipeline` outlive this object.
  ReplayOperations(Store* store, Pipeline* pipeline,
                   absl::Duration adopt_interval = absl::Seconds(5));
  ~ReplayOperations();  // Stop()s

  // Starts the runner; it continues the RUNNING operations first.
  void Start();
  // Stops the runner after the batch in hand; RUNNING operations stay so
  // in the store. Idempotent.
  void Stop();

  // Starts replaying at most `limit` (0: kMaxRecords) FAILED records of the
  // registered `system`, on behalf of `principal`. INVALID_ARGUMENT for a
  // bad limit, NOT_FOUND for an unknown system.
  absl::StatusOr<hub::v1::Operation> StartReplay(const std::string& system,
                                                 int64_t limit,
                                                 const std::string& principal);
  // Continues a CANCELLED or FAILED operation from its cursor; a RUNNING
  // one is returned as it is; SUCCEEDED is FAILED_PRECONDITION.
  absl::StatusOr<hub::v1::Operation> Resume(const std::string& operation_id);
  // Asks a RUNNING operation to stop after the batch in hand and returns it
  // as stored now; an operation that has ended is returned as it is.
  absl::StatusOr<hub::v1::Operation> Cancel(const std::string& operation_id);

 private:
  void Run();
  // Runs one operation until it ends, is cancelled or the runner stops,
  // holding its lease; does nothing when another hub holds it.
  void RunOne(const std::string& operation_id);
  // RunOne's work once the lease `lease` is held.
  void RunHeld(const std::string& operation_id, const std::string& lease);
  absl::Status Save(const hub::v1::Operation& op);
  absl::StatusOr<hub::v1::Operation> Load(const std::string& operation_id);
  void Enqueue(const std::string& operation_id);
  // Queues the RUNNING operations that are neither queued nor running here.
  void AdoptRunning();
  bool Stopping();

  Store* const store_;
  Pipeline* const pipeline_;
  const absl::Duration adopt_interval_;
  std::mutex mu_;
  std::string current_;  // the operation the runner runs now
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> cancel_;  // operations asked to stop
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_INGEST_REPLAY_OPERATIONS_H_
