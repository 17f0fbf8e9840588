// The step kinds of a workflow, one file each, registered by name in one
// table (registry.cc; the names are planner.h's kStep* constants):
//
//   issue_credit_note     CANCELLATION with credit for the unused portion:
//                         upserts the credit notes (planner.h
//                         CancellationCredits) as the workflow's own change.
//   confirm_schedule      waits until the revenue engine has processed the
//                         workflow's trigger, then confirms the contract's
//                         revenue schedule (revenue_records.h ConfirmSchedule).
//   plan_postings         appends the delivery steps PlanPostings gives for
//                         every ERP system.
//   check_posted_invoice  compares a posted document with the hub's.
//   sync_customer, post_invoice, post_credit_note, post_journal_entry,
//   post_reversal         deliveries (DeliveryStep): the runner's Deliver
//                         with what differs per kind.
//
// A step runs on a runner worker thread, for the first unfinished step of
// its workflow, and writes every state change through the runner before it
// acts. Implementations are stateless and shared; thread-safe.
#ifndef REVHUB_HUB_ORCHESTRATION_STEPS_STEP_H_
#define REVHUB_HUB_ORCHESTRATION_STEPS_STEP_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hub/orchestration/runner.h"
#include "hub/store/store.h"
#include "revhub/adapter/v1/adapter_service.pb.h"

namespace revhub::hub {

class Step {
 public:
  virtual ~Step() = default;
  // Runs step `index` of `wf` (as stored when the run began) once.
  virtual StepProgress Run(WorkflowRunner& runner, const hub::v1::Workflow& wf,
                           int index) const = 0;
};

// A delivery to the step's target system. Run() is the runner's Deliver;
// subclasses say what differs between kinds.
class DeliveryStep : public Step {
 public:
  // Names one id field of the payload whose entity the target may already
  // have: (field path, entity type, hub id, the vendor's object type).
  using KnownRef =
      std::function<void(const char* field_path, canonical::v1::EntityType,
                         const std::string& id, const char* object_type)>;

  StepProgress Run(WorkflowRunner& runner, const hub::v1::Workflow& wf,
                   int index) const final;

  // Calls `known` for each id field of the payload the target may know
  // (the runner passes the vendor ids it posted as known refs). None by
  // default.
  virtual void AddKnownRefs(const hub::v1::WorkflowStep& planned,
                            const KnownRef& known) const;

  // Records what this kind records of a delivery, inside the transaction
  // that records the step and its postings row. Nothing by default.
  virtual absl::Status OnDelivered(
      WriteTxn& txn, const hub::v1::Workflow& w,
      const hub::v1::WorkflowStep& planned,
      const adapter::v1::ApplyResponse& response) const;

 protected:
  // Binds the vendor refs of the response to the step's hub entity.
  static absl::Status BindVendorRefs(
      WriteTxn& txn, const hub::v1::WorkflowStep& planned,
      const adapter::v1::ApplyResponse& response);
  // Appends JournalPosted for the step's journal entry payload, with the
  // target's reference to it from `response` (its first vendor ref).
  static absl::Status AppendJournalPosted(
      WriteTxn& txn, const hub::v1::Workflow& w,
      const hub::v1::WorkflowStep& planned,
      const adapter::v1::ApplyResponse& response);
  // The known refs of an invoice or credit note: its customer and the
  // invoice it credits.
  static void InvoiceKnownRefs(const hub::v1::WorkflowStep& planned,
                               const KnownRef& known);
};

// Returns the step kind named `name`, or null when there is none.
const Step* FindStep(absl::string_view name);

// The step kinds (each defined in its own file).
const Step* IssueCreditNoteStep();
const Step* ConfirmScheduleStep();
const Step* PlanPostingsStep();
const Step* CheckPostedInvoiceStep();
const Step* SyncCustomerStep();
// post_invoice and post_credit_note.
const Step* PostBillingDocumentStep();
// post_journal_entry and post_reversal.
const Step* PostJournalEntryStep();

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_STEPS_STEP_H_
