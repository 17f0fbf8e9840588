// post_invoice: delivers an invoice once, naming the customer the target
// already has; its vendor refs bind to the hub invoice.
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

class PostInvoice final : public DeliveryStep {
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

const Step* PostInvoiceStep() {
  static const PostInvoice kStep;
  return &kStep;
}

}  // namespace revhub::hub
