// sync_customer: delivers a customer (master data: the same external id
// again when it changed); its vendor refs bind to the hub customer.
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

class SyncCustomer final : public DeliveryStep {
 public:
  absl::Status OnDelivered(
      WriteTxn& txn, const hub::v1::Workflow&,
      const hub::v1::WorkflowStep& planned,
      const adapter::v1::ApplyResponse& response) const override {
    return BindVendorRefs(txn, planned, response);
  }
};

}  // namespace

const Step* SyncCustomerStep() {
  static const SyncCustomer kStep;
  return &kStep;
}

}  // namespace revhub::hub
