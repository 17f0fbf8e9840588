// post_invoice and post_credit_note: deliver a billing document once (a
// credit note is an invoice of kind CREDIT_NOTE in the canonical model),
// naming the customer and, for a credit note, the credited invoice the
// target already has; its vendor refs bind to the hub document.
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

class PostBillingDocument final : public DeliveryStep {
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

const Step* PostBillingDocumentStep() {
  static const PostBillingDocument kStep;
  return &kStep;
}

}  // namespace revhub::hub
