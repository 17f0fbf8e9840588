// Orchestrator: revhubd's durable workflows (protos/revhub/hub/v1/
// workflow_service.proto) and the actions on the exception queue behind
// ExceptionService. This header is the library's contract; where each part
// lives:
//
//   starter.h        starting workflows from the event log; the sweep
//   runner.h         scheduling, per-contract order, workers, deliveries
//                    (delivery.cc), failures and their exceptions
//   steps/           one file per step kind, found by name (steps/step.h)
//   planner.h        what is delivered, reversed, re-posted or checked
//   config.h         the configuration file
//   hub/exceptions/  routing, SLA and history of exceptions (shared with the
//                    ingest pipeline, which opens RECORD_REJECTED ones)
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
// Steps (steps/step.h): issue_credit_note, confirm_schedule (waits until the
// revenue engine has processed the workflow's event, then confirms the
// schedule through the revenue library), plan_postings (appends the
// delivery steps for every ERP system), then the deliveries through the
// system adapter's Apply with the step's idempotency key; the vendor's
// external id is the payload's hub id, so a repeated delivery (a retry, a
// crash between Apply and its record, a replay) updates the record it made
// and never makes a second. After a crash every unfinished workflow resumes
// at its first unfinished step.
//
// Failures. RETRY outcomes and transport errors are retried with
// exponential backoff and jitter, never sooner than Retry-After (believed up
// to the policy's max_backoff), up to
// DeliveryPolicy.max_attempts; then the step is DEAD_LETTERED. REJECTED is
// FAILED. Either opens an exception (routed by the configuration) and
// blocks the workflow until a person retries, replays or resolves it.
//
// Threads: the starter's consumer thread, the runner's scheduler thread and
// `workers` worker threads. Thread-safe.
#ifndef REVHUB_HUB_ORCHESTRATION_ORCHESTRATOR_H_
#define REVHUB_HUB_ORCHESTRATION_ORCHESTRATOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/events/event_bus.h"
#include "hub/orchestration/config.h"
#include "hub/store/store.h"

namespace revhub::hub {

class WorkflowRunner;
class WorkflowStarter;

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
  // The W3C trace id of the event that started it.
  std::string trace_id;
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
  // No pointer is owned; all outlive the orchestrator.
  Orchestrator(Store* store, EventBus* events, AdapterSupervisor* adapters,
               OrchestrationConfig config);
  ~Orchestrator();  // Stop()s

  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  void Start();
  // Stops starting workflows and steps, waits for the steps under way,
  // joins. Idempotent.
  void Stop();
  // Something changed (a workflow started, an exception was acted on).
  void Notify();

  const OrchestrationConfig& config() const { return config_; }

  // --- ExceptionService
  absl::StatusOr<hub::v1::Exception> Assign(int64_t exception_id,
                                            const std::string& owner,
                                            const std::string& note,
                                            const std::string& principal);
  // Marks the exception RETRYING ("retried" or "replayed" in its history).
  // A workflow step's exception puts the step back to PENDING with a new
  // retry budget; replay=false keeps the step as planned, true rebuilds its
  // payload from current data. A record's exception (RECORD_REJECTED) is
  // only marked: the caller replays the record through the ingest pipeline,
  // which resolves or reopens the exception.
  absl::StatusOr<hub::v1::Exception> Retry(int64_t exception_id,
                                           const std::string& note,
                                           const std::string& principal,
                                           bool replay);
  absl::StatusOr<hub::v1::Exception> Resolve(int64_t exception_id,
                                             const std::string& reason,
                                             const std::string& principal);

 private:
  Store* store_;
  const OrchestrationConfig config_;
  std::unique_ptr<WorkflowRunner> runner_;
  std::unique_ptr<WorkflowStarter> starter_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_ORCHESTRATOR_H_
