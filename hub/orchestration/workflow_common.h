// Small helpers the orchestration files share: reading stored entities,
// the ERP systems deliveries go to, and where a workflow stands.
// Internal to hub/orchestration. Thread-safe.
#ifndef REVHUB_HUB_ORCHESTRATION_WORKFLOW_COMMON_H_
#define REVHUB_HUB_ORCHESTRATION_WORKFLOW_COMMON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"

namespace revhub::hub {

// Returns the stored entity's payload parsed as T; DATA_LOSS names `what`.
template <typename T>
absl::StatusOr<T> ParseStored(const StoredEntity& stored,
                              absl::string_view what) {
  T out;
  if (!out.ParseFromString(stored.payload)) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " ", stored.id, " does not parse"));
  }
  return out;
}

// Lists the ERP systems deliveries go to: enabled, kind ERP, with an adapter.
absl::StatusOr<std::vector<hub::v1::System>> Targets(Store& store);

// True when the step is SUCCEEDED or SKIPPED.
bool StepDone(const hub::v1::WorkflowStep& step);

// Returns the index of the workflow's first step not done, or -1.
int FirstOpenStep(const hub::v1::Workflow& wf);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_WORKFLOW_COMMON_H_
