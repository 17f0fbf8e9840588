// plan_postings: appends the delivery steps for every ERP system
// (planner.h PlanPostings), each with its idempotency key
// "<workflow>/<index>:<name>/<target>".
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/orchestration/planner.h"
#include "hub/orchestration/steps/step.h"
#include "hub/orchestration/workflow_common.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::Workflow;
using hub::v1::WorkflowStep;

class PlanPostingsKind final : public Step {
 public:
  StepProgress Run(WorkflowRunner& runner, const Workflow& wf,
                   int index) const override {
    auto targets = Targets(runner.store());
    if (!targets.ok()) {
      runner.Wait(wf.workflow_id(), absl::Milliseconds(500));
      return StepProgress::kWait;
    }
    const absl::Time now = absl::Now();
    std::vector<WorkflowStep> planned;
    std::vector<std::string> summary;
    for (const auto& target : *targets) {
      auto steps =
          PlanPostings(runner.store(), target.name(), wf.contract_id(), now);
      if (!steps.ok()) {
        return runner.Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                           hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                           std::string(steps.status().message()), "", "",
                           nullptr);
      }
      summary.push_back(
          absl::StrCat(steps->size(), " deliveries to ", target.name()));
      for (auto& s : *steps) planned.push_back(std::move(s));
    }
    return runner.Record(wf, [&](WriteTxn& txn, Workflow& w) {
      if (w.steps(index).state() == hub::v1::STEP_STATE_SUCCEEDED)
        return absl::OkStatus();
      for (WorkflowStep& s : planned) {
        WorkflowStep* added = w.add_steps();
        *added = s;
        added->set_index(w.steps_size() - 1);
        added->set_state(hub::v1::STEP_STATE_PENDING);
        added->set_idempotency_key(
            absl::StrCat(w.workflow_id(), "/", added->index(), ":",
                         added->name(), "/", added->target_system()));
      }
      return FinishStep(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                        targets->empty() ? "no ERP system is registered"
                                         : absl::StrJoin(summary, "; "));
    });
  }
};

}  // namespace

const Step* PlanPostingsStep() {
  static const PlanPostingsKind kStep;
  return &kStep;
}

}  // namespace revhub::hub
