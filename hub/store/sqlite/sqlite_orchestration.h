// The SQLite side of orchestration (store.h, "Orchestration"): workflows,
// exceptions and postings, as functions over one connection so the write
// transaction and the readers share them.
#ifndef REVHUB_HUB_STORE_SQLITE_SQLITE_ORCHESTRATION_H_
#define REVHUB_HUB_STORE_SQLITE_SQLITE_ORCHESTRATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/sqlite/sqlite_util.h"
#include "hub/store/store.h"

namespace revhub::hub::sqlite {

absl::StatusOr<int64_t> NextSequence(Connection& db, absl::string_view name);
absl::Status PutWorkflow(Connection& db, const hub::v1::Workflow& workflow,
                         int64_t seq, absl::string_view trigger_key);
absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
    Connection& db, absl::string_view workflow_id);
absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
    Connection& db, absl::string_view trigger_key);
// contract_id empty: every contract.
absl::StatusOr<std::vector<hub::v1::Workflow>> ListUnfinishedWorkflows(
    Connection& db, absl::string_view contract_id);
absl::StatusOr<WorkflowPage> ListWorkflows(Connection& db,
                                           const WorkflowQuery& query);

// `now` is the time an inserted exception is created at.
absl::StatusOr<hub::v1::Exception> PutException(Connection& db,
                                                hub::v1::Exception exception);
absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
    Connection& db, int64_t exception_id);
absl::StatusOr<std::vector<hub::v1::Exception>> ListOpenRecordExceptions(
    Connection& db, int64_t record_id);
absl::StatusOr<ExceptionPage> ListExceptions(Connection& db,
                                             const ExceptionQuery& query);

absl::Status PutPosting(Connection& db, const PostingRow& posting);
absl::StatusOr<std::vector<PostingRow>> ListPostings(
    Connection& db, absl::string_view target, absl::string_view contract_id);
absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
    Connection& db, absl::string_view target, EntityType type,
    absl::string_view id);

}  // namespace revhub::hub::sqlite

#endif  // REVHUB_HUB_STORE_SQLITE_SQLITE_ORCHESTRATION_H_
