// SyncEngine: the hub's pulls from vendors (docs/connectors.md).
//
// For every enabled system, each entry of its registration's `sync` list
// names an object type to pull. A pull asks the system's adapter for pages
// (AdapterClient::Read) from the stored cursor and stores each page's
// records (as RECEIVED raw records, sourced_records.h) together with the
// page's next cursor and the pull's totals in ONE write transaction: a
// crash loses at most the page being read, and the next pull starts after
// the last stored page, never skipping one and never storing one twice
// (a page read again is all duplicates by key).
//
// A pull runs until the adapter says it caught up (has_more false), fails
// lastingly (READ_OUTCOME_FAILED: recorded in the state, retried at the
// next interval), or the engine stops. Transient failures (READ_OUTCOME_
// RETRY, an adapter that is not answering) are retried with exponential
// backoff, never sooner than the vendor's Retry-After, up to
// max_attempts_per_page; each system's calls are paced by the tightest rate
// limit its adapter declares in Describe.
//
// Scheduling: a schedule with an interval runs again `interval` after its
// last run finished (after a failure: after the backoff, at most the
// interval); Run() pulls on demand and Trigger() starts an incremental pull
// in the background (webhooks that announce changes without carrying them).
// One pull per (system, object type) at a time: a second Run() joins the
// running one and sees its progress.
//
// Thread-safe. Pulls run on the engine's own threads (at most
// max_concurrent_pulls at once); Run() blocks its caller until its pull is
// over.
#ifndef REVHUB_HUB_SYNC_SYNC_ENGINE_H_
#define REVHUB_HUB_SYNC_SYNC_ENGINE_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/sync_service.pb.h"

namespace revhub::hub {

struct SyncEngineOptions {
  // How often schedules are looked at.
  absl::Duration tick = absl::Milliseconds(500);
  // Backoff between attempts at one page: doubles from initial to max,
  // with jitter; a vendor's Retry-After is waited for at least.
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Minutes(5);
  // Transient failures of one page before the pull gives up for this run.
  int max_attempts_per_page = 12;
  // Pulls running at once (threads).
  int max_concurrent_pulls = 4;
  // Start scheduled pulls (false: only Run and Trigger pull).
  bool schedule = true;
};

class SyncEngine {
 public:
  using ProgressFn = std::function<void(const hub::v1::RunSyncResponse&)>;

  // `store` and `adapters` are not owned and outlive the engine.
  SyncEngine(Store* store, AdapterSupervisor* adapters,
             SyncEngineOptions options);
  ~SyncEngine();  // Shutdown()

  // Starts the scheduler thread.
  void Start();
  // Stops scheduling, lets each running pull finish the page it stores,
  // and joins the threads. Idempotent.
  void Shutdown();

  // Pulls `system` now: `object_type`, or every type in its schedules when
  // empty; from the backfill start when `full`. Calls `progress` after each
  // stored page and once per type when it is done; returns when every
  // type's pull is over: OK, or the first failure (NOT_FOUND for an unknown
  // system, FAILED_PRECONDITION for a disabled one or one whose adapter
  // reads nothing, INVALID_ARGUMENT for a type the adapter does not read,
  // UNAVAILABLE when the engine stops). `cancelled` is polled between pages:
  // a cancelled caller stops waiting; the pull goes on.
  absl::Status Run(const std::string& system, const std::string& object_type,
                   bool full, const ProgressFn& progress,
                   const std::function<bool()>& cancelled);

  // Run() on a thread of the engine's, then done(status) on it. The engine
  // joins these threads at Shutdown, so done() has run for every call by
  // then. When the engine is stopping, done(UNAVAILABLE) runs at once.
  void RunAsync(std::string system, std::string object_type, bool full,
                ProgressFn progress, std::function<bool()> cancelled,
                std::function<void(absl::Status)> done);

  // Starts an incremental pull of (system, object_type) in the background
  // unless one is running.
  void Trigger(const std::string& system, const std::string& object_type);

  // Returns where each pull of `system` ("" for all) stands: every stored
  // state and every scheduled type not pulled yet, with running, next run,
  // lag and schedule filled in.
  absl::StatusOr<std::vector<hub::v1::SyncStatus>> Status(
      const std::string& system);

 private:
  struct Pull;
  struct Pacer;
  using Key = std::pair<std::string, std::string>;  // system, object type

  // Returns the running pull of `key`, or starts one.
  std::shared_ptr<Pull> StartPull(const Key& key, bool full);
  void WorkerLoop();
  void RunPull(const std::shared_ptr<Pull>& pull);
  absl::Status PullPages(Pull& pull);
  std::shared_ptr<Pacer> PacerFor(const std::string& system,
                                  const adapter::v1::DescribeResponse& d);
  // Sleeps up to `d`; false when the engine is stopping.
  bool SleepFor(absl::Duration d);
  void ScheduleLoop();
  void ScheduleDue();

  Store* const store_;
  AdapterSupervisor* const adapters_;
  const SyncEngineOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<Key, std::shared_ptr<Pull>> pulls_;  // queued or running
  std::deque<std::shared_ptr<Pull>> queue_;     // not started yet
  int idle_workers_ = 0;
  std::vector<Key> resume_;  // interrupted by a crash, found at Start
  std::map<Key, absl::Time> next_run_;  // scheduled
  std::map<std::string, std::shared_ptr<Pacer>> pacers_;
  std::vector<std::thread> threads_;
  std::thread scheduler_;
  // RunAsync's callers, with whether each is over (reaped on the next).
  std::vector<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>>
      callers_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SYNC_SYNC_ENGINE_H_
