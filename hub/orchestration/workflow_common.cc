#include "hub/orchestration/workflow_common.h"

#include "canonical/status_macros.h"

namespace revhub::hub {

absl::StatusOr<std::vector<hub::v1::System>> Targets(Store& store) {
  std::vector<hub::v1::System> out;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(auto page, store.ListSystems(after, 100));
    for (auto& s : page) {
      after = s.name();
      if (s.kind() == hub::v1::SYSTEM_KIND_ERP &&
          s.state() == hub::v1::SYSTEM_STATE_ENABLED &&
          s.adapter().target_case() != hub::v1::AdapterSpec::TARGET_NOT_SET) {
        out.push_back(std::move(s));
      }
    }
    if (page.size() < 100) break;
  }
  return out;
}

bool StepDone(const hub::v1::WorkflowStep& s) {
  return s.state() == hub::v1::STEP_STATE_SUCCEEDED ||
         s.state() == hub::v1::STEP_STATE_SKIPPED;
}

int FirstOpenStep(const hub::v1::Workflow& wf) {
  for (int i = 0; i < wf.steps_size(); ++i) {
    if (!StepDone(wf.steps(i))) return i;
  }
  return -1;
}

}  // namespace revhub::hub
