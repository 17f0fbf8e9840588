// WorkflowStarter: the durable event consumer "orchestrator" that starts
// workflows from the event log, and the recognition sweep.
//
// From events: in the transaction that advances the consumer, one workflow
// per ContractBooked (BOOKING), ContractAmended (AMENDMENT), RenewalAccepted
// (RENEWAL) and ContractCancelled (CANCELLATION), keyed by contract version
// (ContractTriggerKey, orchestrator.h); InvoiceIssued / CreditIssued /
// InvoiceChanged of a booked contract start a BILLING workflow unless an
// unfinished workflow of the contract has not planned yet (that one takes
// the later trigger position instead). Events caused by a workflow
// (causation_id "wf_...") start nothing. A crash between reading and
// committing re-reads the same events; the trigger keys start nothing twice.
//
// Internal to hub/orchestration (Orchestrator owns one). Start() runs one
// thread; Stop() joins it. `on_started` is called on that thread after a
// commit that started workflows.
#ifndef REVHUB_HUB_ORCHESTRATION_STARTER_H_
#define REVHUB_HUB_ORCHESTRATION_STARTER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "hub/events/event_bus.h"
#include "hub/store/store.h"

namespace revhub::hub {

class WorkflowStarter {
 public:
  // Neither pointer is owned; both outlive the starter.
  WorkflowStarter(Store* store, EventBus* events,
                  std::function<void()> on_started);
  ~WorkflowStarter();  // Stop()s

  WorkflowStarter(const WorkflowStarter&) = delete;
  WorkflowStarter& operator=(const WorkflowStarter&) = delete;

  void Start();
  // Ends the consumer thread after the batch in hand. Idempotent.
  void Stop();

 private:
  void Loop();
  // Reads and starts one batch. Returns true when it did something (or
  // slept after an error), false when the log holds nothing new.
  bool Step();
  void Sleep(absl::Duration d);

  Store* store_;
  EventBus* events_;
  std::function<void()> on_started_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  int64_t position_ = -1;  // the consumer thread only
};

// The recognition sweep: for every contract whose workflows have all
// completed and whose recognised periods have journal entries not yet
// posted to an ERP system, starts a RECOGNITION workflow (trigger key
// "recognition:<contract>:<now>"). Stops early once `stopping` is set.
// Errors are logged; the next sweep tries again.
void SweepRecognition(Store& store, absl::Time now,
                      const std::atomic<bool>& stopping);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_STARTER_H_
