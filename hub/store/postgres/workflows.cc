// Workflows and sequences (workflow_store.h) in tables `workflows` and
// `sequences`.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using google::protobuf::util::TimeUtil;
using hub::v1::Workflow;

absl::StatusOr<int64_t> NextSequence(Connection& db, absl::string_view name) {
  Statement q(db,
              "INSERT INTO sequences (name, value) VALUES ($1, 1)"
              " ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1"
              " RETURNING value");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::InternalError("sequence: no value returned");
  const int64_t value = q.ColumnInt(0);
  RETURN_IF_ERROR(q.Reset());
  return value;
}

absl::Status PutWorkflow(Connection& db, const Workflow& workflow, int64_t seq,
                         absl::string_view trigger_key) {
  const int64_t updated =
      TimeUtil::TimestampToMicroseconds(workflow.updated_at());
  if (seq == 0) {
    Statement q(db,
                "UPDATE workflows SET state = $1, updated_at = $2, payload = $3"
                " WHERE workflow_id = $4");
    q.Bind(1, int64_t{workflow.state()})
        .Bind(2, updated)
        .BindBlob(3, workflow.SerializeAsString())
        .Bind(4, workflow.workflow_id());
    RETURN_IF_ERROR(q.Run());
    if (q.RowsAffected() == 0) {
      return absl::NotFoundError(
          absl::StrCat("workflow_id: no workflow ", workflow.workflow_id()));
    }
    return absl::OkStatus();
  }
  Statement q(db,
              "INSERT INTO workflows (workflow_id, seq, contract_id, kind,"
              " state, trigger_key, updated_at, payload)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
              " ON CONFLICT DO NOTHING");
  q.Bind(1, workflow.workflow_id())
      .Bind(2, seq)
      .Bind(3, workflow.contract_id())
      .Bind(4, int64_t{workflow.kind()})
      .Bind(5, int64_t{workflow.state()})
      .Bind(7, updated)
      .BindBlob(8, workflow.SerializeAsString());
  if (trigger_key.empty()) {
    q.BindNull(6);
  } else {
    q.Bind(6, trigger_key);
  }
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("workflow ", workflow.workflow_id(), " (seq ", seq,
                     ", trigger ", trigger_key, ") is stored"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Workflow>> GetWorkflow(
    Connection& db, absl::string_view workflow_id) {
  Statement q(db, "SELECT payload FROM workflows WHERE workflow_id = $1");
  q.Bind(1, workflow_id);
  ASSIGN_OR_RETURN(auto all, CollectBlobs<Workflow>(q, 0, "workflow"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
    Connection& db, absl::string_view trigger_key) {
  Statement q(db, "SELECT workflow_id FROM workflows WHERE trigger_key = $1");
  q.Bind(1, trigger_key);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return q.ColumnText(0);
}

absl::StatusOr<std::vector<Workflow>> ListUnfinishedWorkflows(
    Connection& db, absl::string_view contract_id) {
  // The states spelled out (not "!= COMPLETED"), so workflows_by_state
  // serves the scheduler's read and its cost follows the unfinished
  // workflows, not every workflow ever run.
  std::string sql =
      absl::StrCat("SELECT payload FROM workflows WHERE state IN (",
                   int64_t{hub::v1::WORKFLOW_STATE_PENDING}, ", ",
                   int64_t{hub::v1::WORKFLOW_STATE_RUNNING}, ", ",
                   int64_t{hub::v1::WORKFLOW_STATE_BLOCKED}, ")");
  if (!contract_id.empty()) sql += " AND contract_id = $1";
  sql += " ORDER BY seq";
  Statement q(db, sql);
  if (!contract_id.empty()) q.Bind(1, contract_id);
  return CollectBlobs<Workflow>(q, 0, "workflow");
}

absl::StatusOr<WorkflowPage> ListWorkflows(Connection& db,
                                           const WorkflowQuery& query) {
  ASSIGN_OR_RETURN(int64_t before,
                   DecodeNumericPageToken(query.page_token, INT64_MAX));
  std::string sql = "SELECT seq, payload FROM workflows WHERE seq < $1";
  int n = 1;
  auto next = [&n] { return absl::StrCat("$", ++n); };
  if (!query.contract_id.empty()) sql += " AND contract_id = " + next();
  if (query.state != hub::v1::WORKFLOW_STATE_UNSPECIFIED) {
    sql += " AND state = " + next();
  }
  if (query.kind != hub::v1::WORKFLOW_KIND_UNSPECIFIED) {
    sql += " AND kind = " + next();
  }
  sql += " ORDER BY seq DESC LIMIT " + next();
  Statement q(db, sql);
  int i = 1;
  q.Bind(i++, before);
  if (!query.contract_id.empty()) q.Bind(i++, query.contract_id);
  if (query.state != hub::v1::WORKFLOW_STATE_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.state});
  }
  if (query.kind != hub::v1::WORKFLOW_KIND_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.kind});
  }
  q.Bind(i++, int64_t{query.page_size + 1});
  WorkflowPage page;
  std::vector<int64_t> seqs;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    seqs.push_back(q.ColumnInt(0));
    ASSIGN_OR_RETURN(Workflow w,
                     ParseBlob<Workflow>(q.ColumnBlob(1), "workflow"));
    page.workflows.push_back(std::move(w));
  }
  if (static_cast<int>(page.workflows.size()) > query.page_size) {
    page.workflows.pop_back();
    page.next_page_token =
        EncodeNumericPageToken(seqs[page.workflows.size() - 1]);
  }
  return page;
}

}  // namespace revhub::hub::postgres
