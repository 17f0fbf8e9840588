// check_posted_invoice: compares a posted invoice or credit note with the
// hub's current one; a different total is an AMOUNT_MISMATCH exception
// with the difference at stake, never a second posting.
#include <string>

#include "hub/orchestration/planner.h"
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::Workflow;
using hub::v1::WorkflowStep;

class CheckPostedInvoice final : public Step {
 public:
  StepProgress Run(WorkflowRunner& runner, const Workflow& wf,
                   int index) const override {
    const WorkflowStep& step = wf.steps(index);
    cv1::Money difference;
    auto mismatch = CheckPostedDocument(runner.store(), step.target_system(),
                                        step.payload().invoice(), &difference);
    if (!mismatch.ok()) {
      runner.Wait(wf.workflow_id(), absl::Milliseconds(500));
      return StepProgress::kWait;
    }
    if (!mismatch->empty()) {
      return runner.Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                         hub::v1::EXCEPTION_KIND_AMOUNT_MISMATCH, *mismatch,
                         "invoice.total", "", &difference);
    }
    return runner.Record(wf, [&](WriteTxn& txn, Workflow& w) {
      return FinishStep(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                        "matches what was posted");
    });
  }
};

}  // namespace

const Step* CheckPostedInvoiceStep() {
  static const CheckPostedInvoice kStep;
  return &kStep;
}

}  // namespace revhub::hub
