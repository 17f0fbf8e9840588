// WorkflowReader / WorkflowWriter: durable orchestration workflows, and
// named counters (sequences).
//
// A workflow is stored whole (hub::v1::Workflow) with a sequence number
// `seq` that orders workflows (of a contract, and in lists) and an optional
// trigger key that is unique: the same trigger never starts two workflows.
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_WORKFLOW_STORE_H_
#define REVHUB_HUB_STORE_WORKFLOW_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/hub/v1/workflow_service.pb.h"

namespace revhub::hub {

// Filters of ListWorkflows; every filter given must match.
struct WorkflowQuery {
  std::string contract_id;  // all when empty
  hub::v1::WorkflowState state = hub::v1::WORKFLOW_STATE_UNSPECIFIED;  // all
  hub::v1::WorkflowKind kind = hub::v1::WORKFLOW_KIND_UNSPECIFIED;     // all
  int page_size = 100;     // REQUIRES: > 0
  std::string page_token;  // empty for the first page
};

struct WorkflowPage {
  std::vector<hub::v1::Workflow> workflows;  // newest (highest seq) first
  std::string next_page_token;               // empty at the end
};

class WorkflowReader {
 public:
  virtual ~WorkflowReader() = default;

  // Returns the workflow, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) = 0;
  // Returns one page of workflows matching `query`, newest first.
  // INVALID_ARGUMENT when page_token was not issued by this store.
  virtual absl::StatusOr<WorkflowPage> ListWorkflows(
      const WorkflowQuery& query) = 0;
  // Returns every workflow that is not COMPLETED, in seq order.
  virtual absl::StatusOr<std::vector<hub::v1::Workflow>>
  ListUnfinishedWorkflows() = 0;
};

class WorkflowWriter {
 public:
  virtual ~WorkflowWriter() = default;

  // Returns the next value (from 1) of the named counter.
  virtual absl::StatusOr<int64_t> NextSequence(absl::string_view name) = 0;
  // Inserts a new workflow when seq > 0: `seq` orders workflows (REQUIRES:
  // unique, e.g. from NextSequence); `trigger_key` (may be empty) is
  // unique, a second workflow with the same key is ALREADY_EXISTS. With seq
  // 0, replaces the stored workflow (NOT_FOUND when there is none) and
  // ignores trigger_key.
  virtual absl::Status PutWorkflow(const hub::v1::Workflow& workflow,
                                   int64_t seq,
                                   absl::string_view trigger_key) = 0;
  // Returns the workflow, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) = 0;
  // Returns the id of the workflow started for `trigger_key`, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
      absl::string_view trigger_key) = 0;
  // Returns the contract's workflows that are not COMPLETED, oldest (lowest
  // seq) first.
  virtual absl::StatusOr<std::vector<hub::v1::Workflow>>
  ListUnfinishedWorkflows(absl::string_view contract_id) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_WORKFLOW_STORE_H_
