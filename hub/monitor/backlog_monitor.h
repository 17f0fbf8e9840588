// BacklogMonitor: the work waiting in each stage of the hub, now and over
// the last two hours, each system's health, and the stored-state samples of
// GET /metrics: one reading of the store feeds PipelineService.GetBacklog
// and /metrics alike.
//
// A reading is a handful of aggregate queries (monitor_store.h): records
// per system and status, workflows per state, consumer positions, the
// exception summary. The monitor's thread takes one every
// `sample_interval` into a ring that keeps `window` (two hours) of
// snapshots; Backlog() adds a reading taken at the call.
//
// Thread-safe. The store and the supervisor outlive the monitor.
#ifndef REVHUB_HUB_MONITOR_BACKLOG_MONITOR_H_
#define REVHUB_HUB_MONITOR_BACKLOG_MONITOR_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/observability/hub_metrics.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/pipeline_service.pb.h"

namespace revhub::hub {

class BacklogMonitor {
 public:
  // `adapters` may be null (every adapter then reads "stopped").
  BacklogMonitor(Store* store, AdapterSupervisor* adapters,
                 absl::Duration sample_interval,
                 absl::Duration window = absl::Hours(2));
  ~BacklogMonitor();  // Stop()

  // Starts sampling on the monitor's thread.
  void Start();
  // Stops sampling. Idempotent.
  void Stop();

  // Returns the backlog now, the sampled history (oldest first) and every
  // registered system's health.
  absl::StatusOr<hub::v1::GetBacklogResponse> Backlog();

  // Returns the stored-state samples of /metrics, read now.
  absl::StatusOr<observability::StateSamples> MetricSamples();

 private:
  absl::StatusOr<hub::v1::BacklogSnapshot> Snapshot(absl::Time now);
  void Loop();

  Store* store_;
  AdapterSupervisor* adapters_;
  const absl::Duration interval_;
  const absl::Duration window_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<hub::v1::BacklogSnapshot> history_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_MONITOR_BACKLOG_MONITOR_H_
