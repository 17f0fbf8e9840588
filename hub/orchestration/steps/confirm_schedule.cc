// confirm_schedule: releases the contract's revenue schedule for posting.
// Waits until the revenue engine has processed the workflow's trigger; a
// FAILED schedule fails the step (SCHEDULE_FAILED); with no ERP system
// there is nothing to release (SKIPPED).
#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/entities/contract_value.h"
#include "hub/orchestration/steps/step.h"
#include "hub/orchestration/workflow_common.h"
#include "hub/revenue/revenue_records.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::Workflow;

// How long a step that waits on the revenue engine waits between looks.
constexpr absl::Duration kRevenueWait = absl::Milliseconds(100);

class ConfirmScheduleKind final : public Step {
 public:
  StepProgress Run(WorkflowRunner& runner, const Workflow& wf,
                   int index) const override {
    // Confirming releases the schedule for posting: with no ERP to post to,
    // there is nothing to release.
    auto targets = Targets(runner.store());
    if (!targets.ok()) {
      runner.Wait(wf.workflow_id(), absl::Milliseconds(500));
      return StepProgress::kWait;
    }
    if (targets->empty()) {
      return runner.Record(wf, [&](WriteTxn& txn, Workflow& w) {
        return FinishStep(txn, w, index, hub::v1::STEP_STATE_SKIPPED,
                          "no ERP system is registered: nothing to release for "
                          "posting");
      });
    }
    auto consumer = runner.store().GetConsumer(kRevenueConsumer);
    const int64_t done = consumer.ok() && consumer->has_value()
                             ? (*consumer)->acknowledged_position()
                             : 0;
    if (done < wf.trigger_event_position()) {
      runner.Wait(wf.workflow_id(), kRevenueWait);
      return StepProgress::kWait;
    }
    const std::string schedule_id = ScheduleIdFor(wf.contract_id());
    bool failed = false;
    std::string failure;
    absl::Status st = runner.Mutate(wf.workflow_id(), [&](WriteTxn& txn,
                                                          Workflow& w) {
      ASSIGN_OR_RETURN(
          auto stored,
          txn.GetCurrentEntity(cv1::ENTITY_TYPE_REVENUE_SCHEDULE, schedule_id));
      if (!stored.has_value()) {
        return FinishStep(txn, w, index, hub::v1::STEP_STATE_SKIPPED,
                          "the contract has no revenue schedule");
      }
      ASSIGN_OR_RETURN(auto schedule, ParseStored<cv1::RevenueSchedule>(
                                          *stored, "revenue schedule"));
      switch (schedule.status()) {
        case cv1::REVENUE_SCHEDULE_STATUS_FAILED:
          failed = true;
          failure = absl::StrCat(
              "the revenue schedule ", schedule_id, " v", schedule.version(),
              " could not be computed: ", schedule.recomputation_error());
          return absl::OkStatus();
        case cv1::REVENUE_SCHEDULE_STATUS_CONFIRMED:
          return FinishStep(
              txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
              absl::StrCat("schedule ", schedule_id, " v", schedule.version(),
                           " already confirmed"));
        default:
          break;
      }
      ASSIGN_OR_RETURN(schedule,
                       hub::ConfirmSchedule(txn, schedule_id, stored->version));
      w.mutable_steps(index)->mutable_entity()->set_version(schedule.version());
      return FinishStep(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                        absl::StrCat("schedule ", schedule_id, " v",
                                     schedule.version(), " confirmed"));
    });
    if (!st.ok()) {
      runner.Wait(wf.workflow_id(), absl::Milliseconds(200));
      return StepProgress::kWait;
    }
    if (failed) {
      // Nothing of the contract can be posted: its whole value is at stake.
      std::optional<cv1::Money> value;
      auto contract = runner.store().GetEntity(
          cv1::ENTITY_TYPE_CONTRACT, wf.contract_id(), VersionSelector{});
      if (contract.ok() && contract->has_value()) {
        auto parsed = ParseStored<cv1::Contract>(**contract, "contract");
        if (parsed.ok()) value = ContractValue(*parsed);
      }
      return runner.Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                         hub::v1::EXCEPTION_KIND_SCHEDULE_FAILED, failure, "",
                         "", value.has_value() ? &*value : nullptr);
    }
    return StepProgress::kAdvanced;
  }
};

}  // namespace

const Step* ConfirmScheduleStep() {
  static const ConfirmScheduleKind kStep;
  return &kStep;
}

}  // namespace revhub::hub
