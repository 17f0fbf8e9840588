// issue_credit_note: the credit notes for the unused portion of a cancelled
// contract (planner.h CancellationCredits), upserted as the workflow's own
// change; the workflow's trigger position moves past their events.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/entities/entity_ops.h"
#include "hub/orchestration/planner.h"
#include "hub/orchestration/steps/step.h"
#include "hub/orchestration/workflow_common.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::Workflow;

class IssueCreditNote final : public Step {
 public:
  StepProgress Run(WorkflowRunner& runner, const Workflow& wf,
                   int index) const override {
    auto contract = runner.store().GetEntity(cv1::ENTITY_TYPE_CONTRACT,
                                             wf.contract_id(), {});
    if (!contract.ok() || !contract->has_value()) {
      runner.Wait(wf.workflow_id(), absl::Seconds(1));
      return StepProgress::kWait;
    }
    auto c = ParseStored<cv1::Contract>(**contract, "contract");
    if (!c.ok()) {
      return runner.Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                         hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                         std::string(c.status().message()), "contract", "",
                         nullptr);
    }
    if (!c->has_cancelled_at()) {
      return runner.Fail(
          wf, index, hub::v1::STEP_STATE_FAILED,
          hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
          "the contract has no cancelled_at: the unused portion cannot "
          "be measured",
          "contract.cancelled_at", "", nullptr);
    }
    auto notes = CancellationCredits(runner.store(), wf.contract_id(),
                                     FromProto(c->cancelled_at()));
    if (!notes.ok()) {
      return runner.Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                         hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                         std::string(notes.status().message()), "", "",
                         nullptr);
    }
    absl::Status st =
        runner.Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
          std::vector<std::string> issued;
          for (const cv1::Invoice& note : *notes) {
            UpsertArgs args;
            args.source_system = "";
            args.causation_id = w.workflow_id();
            args.correlation_id = w.correlation_id();
            args.ctx.principal = w.principal();
            ASSIGN_OR_RETURN(auto result, UpsertEntityInTxn(txn, note, args));
            if (result.changed) {
              w.set_trigger_event_position(
                  std::max(w.trigger_event_position(), result.event_position));
            }
            issued.push_back(absl::StrCat(result.entity.id(), " (",
                                          FormatMoney(note.total()), ")"));
          }
          return FinishStep(
              txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
              issued.empty()
                  ? "nothing unused to credit"
                  : absl::StrCat("issued ", absl::StrJoin(issued, ", ")));
        });
    if (!st.ok()) {
      if (absl::IsInvalidArgument(st) || absl::IsFailedPrecondition(st) ||
          absl::IsNotFound(st)) {
        return runner.Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                           hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                           std::string(st.message()), "", "", nullptr);
      }
      runner.Wait(wf.workflow_id(), absl::Milliseconds(500));
      return StepProgress::kWait;
    }
    return StepProgress::kAdvanced;
  }
};

}  // namespace

const Step* IssueCreditNoteStep() {
  static const IssueCreditNote kStep;
  return &kStep;
}

}  // namespace revhub::hub
