// WorkflowRunner: runs the stored workflows, step by step.
//
// A scheduler thread looks at the unfinished workflows (and, every
// recognition_sweep_interval, runs the recognition sweep, starter.h). The
// workflows of one contract run one at a time in start order: later ones
// are PENDING, blocked_by the first unfinished one, and a BLOCKED one holds
// its contract only. The head of each contract that is not running, not
// waiting out a retry and not told to wait goes to a pool of `workers`
// threads, which run its steps in order until one waits or stops.
//
// A step is looked up by name in the registry (steps/step.h) and run. Every
// state change is written before it is acted on; a failed write makes the
// workflow wait a moment and try again. Deliveries go through Deliver():
// the attempt is recorded, Apply is called (at most max_in_flight calls per
// system), and the outcome is recorded: delivered (step, postings ledger,
// refs and the step kind's own records in one write), retried with backoff
// (Transient), or failed with an exception (Fail).
//
// Internal to hub/orchestration (Orchestrator owns one). Thread-safe: the
// helpers below are called from the worker threads.
#ifndef REVHUB_HUB_ORCHESTRATION_RUNNER_H_
#define REVHUB_HUB_ORCHESTRATION_RUNNER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/common/work_queue.h"
#include "hub/orchestration/config.h"
#include "hub/store/store.h"

namespace revhub::hub {

class DeliveryStep;

// What running a step did.
enum class StepProgress {
  kAdvanced,  // its new state is on record: the workflow goes on
  kWait,      // it waits (a retry, the revenue engine, a failed write)
  kStopped,   // it failed: the workflow is BLOCKED
};

// Marks step `index` of `w` done (SUCCEEDED or SKIPPED) with `detail`; a
// step that SUCCEEDED on a retry closes the exception it had opened.
absl::Status FinishStep(WriteTxn& txn, hub::v1::Workflow& w, int index,
                        hub::v1::StepState state, const std::string& detail);

class WorkflowRunner {
 public:
  using Mutation = std::function<absl::Status(WriteTxn&, hub::v1::Workflow&)>;

  // No pointer is owned; all outlive the runner.
  WorkflowRunner(Store* store, AdapterSupervisor* adapters,
                 const OrchestrationConfig* config);
  ~WorkflowRunner();  // Stop()s

  WorkflowRunner(const WorkflowRunner&) = delete;
  WorkflowRunner& operator=(const WorkflowRunner&) = delete;

  void Start();
  // Stops starting steps, waits for the steps under way, joins. Idempotent.
  void Stop();
  // Wakes the scheduler: something changed.
  void Notify();

  // --- For the steps (steps/), on a worker thread.
  Store& store() { return *store_; }
  // Runs fn on the stored workflow inside a write and stores it back.
  absl::Status Mutate(const std::string& workflow_id, const Mutation& fn);
  // Mutate, then kAdvanced; a failed write waits a moment (kWait).
  StepProgress Record(const hub::v1::Workflow& wf, const Mutation& fn);
  // The scheduler does not run the workflow again for `d`.
  void Wait(const std::string& workflow_id, absl::Duration d);
  // Business failure: the step gets `state` (FAILED or DEAD_LETTERED) and
  // an exception of `kind` (the open one again when a retry of it failed),
  // the workflow is BLOCKED; POSTING_REJECTED also appends PostingRejected.
  StepProgress Fail(const hub::v1::Workflow& wf, int index,
                    hub::v1::StepState state, hub::v1::ExceptionKind kind,
                    const std::string& error, const std::string& field_path,
                    const std::string& vendor_code,
                    const canonical::v1::Money* amount);
  // Delivers step `index`'s payload to its target system (delivery.cc).
  StepProgress Deliver(const hub::v1::Workflow& wf, int index,
                       const DeliveryStep& kind);

 private:
  struct Semaphore {
    std::mutex mu;
    std::condition_variable cv;
    int in_use = 0;
  };

  void SchedulerLoop();
  // Returns when the next look is due.
  absl::Time Schedule(absl::Time now);
  void RunWorkflow(const std::string& workflow_id);
  StepProgress RunStep(const hub::v1::Workflow& wf, int index);
  // Transient failure: schedule a retry or dead-letter the step.
  StepProgress Transient(const hub::v1::Workflow& wf, int index,
                         const hub::v1::DeliveryPolicy& policy,
                         const std::string& error, const std::string& code,
                         absl::Duration retry_after);
  std::shared_ptr<Semaphore> LimitFor(const std::string& system);

  Store* store_;
  AdapterSupervisor* adapters_;
  const OrchestrationConfig* config_;

  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;                                     // guarded by mu_
  std::set<std::string> running_contracts_;                   // guarded by mu_
  std::map<std::string, absl::Time> not_before_;              // guarded by mu_
  std::map<std::string, std::shared_ptr<Semaphore>> limits_;  // mu_
  absl::Time next_sweep_;  // scheduler thread only

  std::thread scheduler_;
  std::unique_ptr<WorkQueue> workers_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_RUNNER_H_
