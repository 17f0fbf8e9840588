// post_credit_note: delivers a credit note once, naming the customer and the
// credited invoice the target already has; its vendor refs bind to the hub
// credit note.
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

class PostCreditNote final : public DeliveryStep {
 public:
  void AddKnownRefs(const hub::v1::WorkflowStep& planned,
                    const KnownRef& known) const override {
    InvoiceKnownRefs(planned, known);
  }

  absl::Status OnDelivered(
      WriteTxn& txn, const hub::v1::Workflow&,
      const hub::v1::WorkflowStep& planned,
      const adapter::v1::ApplyResponse& response) const override {
    return BindVendorRefs(txn, planned, response);
  }
};

}  // namespace

const Step* PostCreditNoteStep() {
  static const PostCreditNote kStep;
  return &kStep;
}

}  // namespace revhub::hub
