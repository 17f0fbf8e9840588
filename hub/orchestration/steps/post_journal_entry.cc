// post_journal_entry and post_reversal: deliver a recognition journal entry
// (or its next revision), or the reversal of a posted one whose lines
// changed or that the engine no longer produces (a reversal is a journal
// entry with debits and credits swapped), and append JournalPosted.
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

class PostJournalEntry final : public DeliveryStep {
 public:
  absl::Status OnDelivered(
      WriteTxn& txn, const hub::v1::Workflow& w,
      const hub::v1::WorkflowStep& planned,
      const adapter::v1::ApplyResponse& response) const override {
    return AppendJournalPosted(txn, w, planned, response);
  }
};

}  // namespace

const Step* PostJournalEntryStep() {
  static const PostJournalEntry kStep;
  return &kStep;
}

}  // namespace revhub::hub
