// The step kinds by name. An explicit table rather than registration from
// each file's static initialiser: a static library drops object files that
// nothing references, and with them their registrations.
#include <map>
#include <string_view>

#include "hub/orchestration/planner.h"
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {

const Step* FindStep(absl::string_view name) {
  static const auto* const kSteps = new std::map<std::string_view, const Step*>{
      {kStepIssueCreditNote, IssueCreditNoteStep()},
      {kStepConfirmSchedule, ConfirmScheduleStep()},
      {kStepPlanPostings, PlanPostingsStep()},
      {kStepCheckPostedInvoice, CheckPostedInvoiceStep()},
      {kStepSyncCustomer, SyncCustomerStep()},
      // Two names, one step each: the names say what a workflow did.
      {kStepPostInvoice, PostBillingDocumentStep()},
      {kStepPostCreditNote, PostBillingDocumentStep()},
      {kStepPostJournalEntry, PostJournalEntryStep()},
      {kStepPostReversal, PostJournalEntryStep()},
  };
  auto it = kSteps->find(std::string_view(name.data(), name.size()));
  return it == kSteps->end() ? nullptr : it->second;
}

}  // namespace revhub::hub
