// Orchestrator: revhubd's durable workflows (protos/revhub/hub/v1/
// workflow_service.proto) and the exception queue behind ExceptionService.
//
// Starting. A durable event consumer ("orchestrator") follows the event log
// and, in the same transaction that advances it, starts one workflow per
// ContractBooked (BOOKING), ContractAmended (AMENDMENT), RenewalAccepted
// (RENEWAL) and ContractCancelled (CANCELLATION), keyed by contract version
// so that the process API (ContractLifecycleService, which starts the
// workflow in the transaction that writes the contract) and the event never
// start two. InvoiceIssued / CreditIssued / InvoiceChanged of a booked
// contract start a BILLING workflow unless an unfinished workflow of that
// contract has not planned yet (it will see the document). Events caused by
// a workflow (causation_id "wf_...") start nothing. A sweep (every
// recognition_sweep_interval) starts a RECOGNITION workflow for a contract
// whose recognised periods have journal entries not yet posted.
//
// Running. Every workflow state change is written before it is acted on.
// The workflows of one contract run one at a time in start order (later
// ones are PENDING, blocked_by the first unfinished one); a BLOCKED one
// holds its contract only. Contracts run in parallel on `workers` threads;
// Apply calls to one system are limited to its DeliveryPolicy.max_in_flight.
// Steps (hub/orchestration/planner.h names them): issue_credit_note,
// confirm_schedule (waits until the revenue engine has processed the
// workflow's event, then confirms the schedule), plan_postings (appends the
// delivery steps for every ERP system), then the deliveries through the
// system adapter's Apply with the step's idempotency key; the vendor's
// external id is the payload's hub id, so a repeated delivery (a retry, a
// crash between Apply and its record, a replay) updates the record it made
// and never makes a second. After a crash every unfinished workflow resumes
// at its first unfinished step.
//
// Failures. RETRY outcomes and transport errors are retried with
// exponential backoff and jitter, never sooner than Retry-After, up to
// DeliveryPolicy.max_attempts; then the step is DEAD_LETTERED. REJECTED is
// FAILED. Either opens an exception (routed by the configuration) and
// blocks the workflow until a person retries, replays or resolves it.
//
// Thread-safe.
#ifndef REVHUB_HUB_ORCHESTRATION_ORCHESTRATOR_H_
#define REVHUB_HUB_ORCHESTRATION_ORCHESTRATOR_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/events/event_bus.h"
#include "hub/orchestration/config.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/store/store.h"
#include "hub/common/work_queue.h"

namespace revhub::hub {

class Pipeline;

inline constexpr char kOrchestratorConsumer[] = "orchestrator";

// What starts a workflow.
struct WorkflowStart {
  hub::v1::WorkflowKind kind = hub::v1::WORKFLOW_KIND_UNSPECIFIED;
  std::string contract_id;
  int64_t contract_version = 0;
  int64_t trigger_event_position = 0;
  std::string trigger;      // in words
  std::string trigger_key;  // unique; empty: none
  std::string principal;
  std::string correlation_id;
  // CANCELLATION: issue credit notes for the unused portion first.
  bool credit_unused_portion = false;
};

// Returns the trigger key of a contract version's workflow ("contract:<id>:
// v<version>:<kind>"), shared by the event consumer and the process API.
std::string ContractTriggerKey(hub::v1::WorkflowKind kind,
                               absl::string_view contract_id, int64_t version);

// Starts a workflow inside txn (PENDING; the orchestrator picks it up after
// the commit once Notify()d). When trigger_key already started one, returns
// that one.
absl::StatusOr<hub::v1::Workflow> StartWorkflowInTxn(
    WriteTxn& txn, const WorkflowStart& start);

class Orchestrator {
 public:
  // No pointer is owned; all outlive the orchestrator. `pipeline` may be
  // null (record exceptions then cannot be replayed).
  Orchestrator(Store* store, EventBus* events, AdapterSupervisor* adapters,
               Pipeline* pipeline, OrchestrationConfig config);
  ~Orchestrator();  // Stop()s

  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  void Start();
  // Stops starting steps, waits for the steps under way, joins. Idempotent.
  void Stop();
  // Something changed (a workflow started, an exception was acted on).
  void Notify();

  const OrchestrationConfig& config() const { return config_; }

  // --- ExceptionService
  absl::StatusOr<hub::v1::Exception> Assign(int64_t exception_id,
                                            const std::string& owner,
                                            const std::string& note,
                                            const std::string& principal);
  // replay=false: the step as planned; true: rebuilt from current data.
  absl::StatusOr<hub::v1::Exception> Retry(int64_t exception_id,
                                           const std::string& note,
                                           const std::string& principal,
                                           bool replay);
  absl::StatusOr<hub::v1::Exception> Resolve(int64_t exception_id,
                                             const std::string& reason,
                                             const std::string& principal);

  // --- The ingest pipeline's hooks, inside its transactions.
  absl::Status OnRecordFailed(
      WriteTxn& txn, const std::vector<hub::v1::RecordException>& errors);
  absl::Status OnRecordApplied(WriteTxn& txn, int64_t record_id);

 private:
  enum class Progress { kAdvanced, kWait, kStopped };
  struct Semaphore {
    std::mutex mu;
    std::condition_variable cv;
    int in_use = 0;
  };

  void StarterLoop();
  bool StarterStep();
  void SchedulerLoop();
  // Returns when the next look is due.
  absl::Time Schedule(absl::Time now);
  void Sweep(absl::Time now);
  void RunWorkflow(const std::string& workflow_id);
  Progress RunStep(const hub::v1::Workflow& wf, int index);
  Progress IssueCreditNotes(const hub::v1::Workflow& wf, int index);
  Progress ConfirmSchedule(const hub::v1::Workflow& wf, int index);
  Progress PlanPostingsStep(const hub::v1::Workflow& wf, int index);
  Progress CheckPostedInvoice(const hub::v1::Workflow& wf, int index);
  Progress Deliver(const hub::v1::Workflow& wf, int index);
  // Transient failure: schedule a retry or dead-letter the step.
  Progress Transient(const hub::v1::Workflow& wf, int index,
                     const hub::v1::DeliveryPolicy& policy,
                     const std::string& error, const std::string& code,
                     absl::Duration retry_after);
  // Business failure: FAILED + exception, workflow BLOCKED.
  Progress Fail(const hub::v1::Workflow& wf, int index,
                hub::v1::StepState state, hub::v1::ExceptionKind kind,
                const std::string& error, const std::string& field_path,
                const std::string& vendor_code,
                const canonical::v1::Money* amount);
  // Runs fn on the stored workflow inside a write and stores it back.
  absl::Status Mutate(
      const std::string& workflow_id,
      const std::function<absl::Status(WriteTxn&, hub::v1::Workflow&)>& fn);
  // Mutate, then kAdvanced; a failed write waits a moment (kWait).
  Progress Record(
      const hub::v1::Workflow& wf,
      const std::function<absl::Status(WriteTxn&, hub::v1::Workflow&)>& fn);
  void Wait(const std::string& workflow_id, absl::Duration d);
  std::shared_ptr<Semaphore> LimitFor(const std::string& system);
  void Sleep(absl::Duration d);

  Store* store_;
  EventBus* events_;
  AdapterSupervisor* adapters_;
  Pipeline* pipeline_;
  const OrchestrationConfig config_;

  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  std::set<std::string> running_contracts_;                   // guarded by mu_
  std::map<std::string, absl::Time> not_before_;              // guarded by mu_
  std::map<std::string, std::shared_ptr<Semaphore>> limits_;  // mu_
  absl::Time next_sweep_;

  std::thread starter_;
  std::thread scheduler_;
  std::unique_ptr<WorkQueue> workers_;
  int64_t position_ = -1;  // starter thread only
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_ORCHESTRATOR_H_
