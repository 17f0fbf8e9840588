// post_reversal: delivers the reversal of a posted journal entry whose lines
// changed or that the engine no longer produces, and appends JournalPosted.
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

class PostReversal final : public DeliveryStep {
 public:
  absl::Status OnDelivered(WriteTxn& txn, const hub::v1::Workflow& w,
                           const hub::v1::WorkflowStep& planned,
                           const adapter::v1::ApplyResponse&) const override {
    return AppendJournalPosted(txn, w, planned);
  }
};

}  // namespace

const Step* PostReversalStep() {
  static const PostReversal kStep;
  return &kStep;
}

}  // namespace revhub::hub
