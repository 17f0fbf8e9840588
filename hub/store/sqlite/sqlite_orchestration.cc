#include "hub/store/sqlite/sqlite_orchestration.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace revhub::hub::sqlite {
namespace {

using google::protobuf::util::TimeUtil;
using hub::v1::Exception;
using hub::v1::Workflow;

template <typename T>
absl::StatusOr<T> ParseBlob(const std::string& bytes, absl::string_view what) {
  T out;
  if (!out.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " does not parse"));
  }
  return out;
}

std::string Token(int64_t last) { return EncodePageToken(absl::StrCat(last)); }

template <typename T>
absl::StatusOr<std::vector<T>> Collect(Statement& q, int col,
                                       absl::string_view what) {
  std::vector<T> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(T item, ParseBlob<T>(q.ColumnBlob(col), what));
    out.push_back(std::move(item));
  }
  return out;
}

constexpr char kPostingColumns[] =
    "target_system, external_id, contract_id, entity_type, entity_id, kind,"
    " content_hash, reverses, workflow_id, step_index, vendor_id, posted_at,"
    " payload";

absl::StatusOr<std::vector<PostingRow>> ReadPostings(Statement& q) {
  std::vector<PostingRow> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    PostingRow p;
    p.target_system = q.ColumnText(0);
    p.external_id = q.ColumnText(1);
    p.contract_id = q.ColumnText(2);
    p.entity_type = static_cast<EntityType>(q.ColumnInt(3));
    p.entity_id = q.ColumnText(4);
    p.kind = q.ColumnText(5);
    p.content_hash = q.ColumnText(6);
    p.reverses = q.ColumnText(7);
    p.workflow_id = q.ColumnText(8);
    p.step_index = static_cast<int>(q.ColumnInt(9));
    p.vendor_id = q.ColumnText(10);
    p.posted_at = absl::FromUnixMicros(q.ColumnInt(11));
    p.payload = q.ColumnBlob(12);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

absl::StatusOr<int64_t> NextSequence(Connection& db, absl::string_view name) {
  Statement q(db,
              "INSERT INTO sequences (name, value) VALUES (?, 1)"
              " ON CONFLICT (name) DO UPDATE SET value = value + 1"
              " RETURNING value");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::InternalError("sequence: no value returned");
  int64_t value = q.ColumnInt(0);
  RETURN_IF_ERROR(q.Reset());
  return value;
}

absl::Status PutWorkflow(Connection& db, const Workflow& workflow, int64_t seq,
                         absl::string_view trigger_key) {
  const int64_t updated =
      TimeUtil::TimestampToMicroseconds(workflow.updated_at());
  if (seq == 0) {
    Statement q(db,
                "UPDATE workflows SET state = ?, updated_at = ?, payload = ?"
                " WHERE workflow_id = ?");
    q.Bind(1, int64_t{workflow.state()})
        .Bind(2, updated)
        .BindBlob(3, workflow.SerializeAsString())
        .Bind(4, workflow.workflow_id());
    RETURN_IF_ERROR(q.Run());
    if (sqlite3_changes(db.get()) == 0) {
      return absl::NotFoundError(
          absl::StrCat("workflow_id: no workflow ", workflow.workflow_id()));
    }
    return absl::OkStatus();
  }
  Statement q(db,
              "INSERT INTO workflows (workflow_id, seq, contract_id, kind,"
              " state, trigger_key, updated_at, payload)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
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
  return q.Run();
}

absl::StatusOr<std::optional<Workflow>> GetWorkflow(
    Connection& db, absl::string_view workflow_id) {
  Statement q(db, "SELECT payload FROM workflows WHERE workflow_id = ?");
  q.Bind(1, workflow_id);
  ASSIGN_OR_RETURN(auto all, Collect<Workflow>(q, 0, "workflow"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
    Connection& db, absl::string_view trigger_key) {
  Statement q(db, "SELECT workflow_id FROM workflows WHERE trigger_key = ?");
  q.Bind(1, trigger_key);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return q.ColumnText(0);
}

absl::StatusOr<std::vector<Workflow>> ListUnfinishedWorkflows(
    Connection& db, absl::string_view contract_id) {
  std::string sql =
      absl::StrCat("SELECT payload FROM workflows WHERE state != ",
                   int64_t{hub::v1::WORKFLOW_STATE_COMPLETED});
  if (!contract_id.empty()) sql += " AND contract_id = ?1";
  sql += " ORDER BY seq";
  Statement q(db, sql);
  if (!contract_id.empty()) q.Bind(1, contract_id);
  return Collect<Workflow>(q, 0, "workflow");
}

absl::StatusOr<WorkflowPage> ListWorkflows(Connection& db,
                                           const WorkflowQuery& query) {
  ASSIGN_OR_RETURN(int64_t before,
                   DecodeNumericPageToken(query.page_token, INT64_MAX));
  std::string sql = "SELECT seq, payload FROM workflows WHERE seq < ?1";
  if (!query.contract_id.empty()) sql += " AND contract_id = ?2";
  if (query.state != hub::v1::WORKFLOW_STATE_UNSPECIFIED)
    sql += " AND state = ?3";
  if (query.kind != hub::v1::WORKFLOW_KIND_UNSPECIFIED) sql += " AND kind = ?4";
  sql += " ORDER BY seq DESC LIMIT ?5";
  Statement q(db, sql);
  q.Bind(1, before).Bind(5, int64_t{query.page_size + 1});
  if (!query.contract_id.empty()) q.Bind(2, query.contract_id);
  if (query.state != hub::v1::WORKFLOW_STATE_UNSPECIFIED)
    q.Bind(3, int64_t{query.state});
  if (query.kind != hub::v1::WORKFLOW_KIND_UNSPECIFIED)
    q.Bind(4, int64_t{query.kind});
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
    page.next_page_token = Token(seqs[page.workflows.size() - 1]);
  }
  return page;
}

absl::StatusOr<Exception> PutException(Connection& db, Exception e) {
  const bool insert = e.exception_id() == 0;
  Statement q(db, insert ? "INSERT INTO exceptions (kind, category, state,"
                           " system, owner, record_id, workflow_id,"
                           " contract_id, created_at, payload)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                         : "UPDATE exceptions SET kind = ?1, category = ?2,"
                           " state = ?3, system = ?4, owner = ?5,"
                           " record_id = ?6, workflow_id = ?7,"
                           " contract_id = ?8, created_at = ?9,"
                           " payload = ?10 WHERE exception_id = ?11");
  auto bind = [&](const Exception& x) {
    q.Bind(1, int64_t{x.kind()})
        .Bind(2, int64_t{x.category()})
        .Bind(3, int64_t{x.state()})
        .Bind(4, x.system())
        .Bind(5, x.owner())
        .Bind(6, x.record_id())
        .Bind(7, x.workflow_id())
        .Bind(8, x.contract_id())
        .Bind(9, TimeUtil::TimestampToMicroseconds(x.created_at()))
        .BindBlob(10, x.SerializeAsString());
  };
  bind(e);
  if (!insert) q.Bind(11, e.exception_id());
  RETURN_IF_ERROR(q.Run());
  if (!insert) {
    if (sqlite3_changes(db.get()) == 0) {
      return absl::NotFoundError(
          absl::StrCat("exception_id: no exception ", e.exception_id()));
    }
    return e;
  }
  // The id is known only now: store the payload again with it.
  e.set_exception_id(sqlite3_last_insert_rowid(db.get()));
  Statement u(db, "UPDATE exceptions SET payload = ? WHERE exception_id = ?");
  u.BindBlob(1, e.SerializeAsString()).Bind(2, e.exception_id());
  RETURN_IF_ERROR(u.Run());
  return e;
}

absl::StatusOr<std::optional<Exception>> GetException(Connection& db,
                                                      int64_t exception_id) {
  Statement q(db, "SELECT payload FROM exceptions WHERE exception_id = ?");
  q.Bind(1, exception_id);
  ASSIGN_OR_RETURN(auto all, Collect<Exception>(q, 0, "exception"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::vector<Exception>> ListOpenRecordExceptions(
    Connection& db, int64_t record_id) {
  Statement q(db, absl::StrCat("SELECT payload FROM exceptions WHERE"
                               " record_id = ? AND state != ",
                               int64_t{hub::v1::EXCEPTION_STATE_RESOLVED},
                               " ORDER BY exception_id"));
  q.Bind(1, record_id);
  return Collect<Exception>(q, 0, "exception");
}

absl::StatusOr<ExceptionPage> ListExceptions(Connection& db,
                                             const ExceptionQuery& query) {
  ASSIGN_OR_RETURN(int64_t after,
                   DecodeNumericPageToken(query.page_token,
                                          query.newest_first ? INT64_MAX : 0));
  std::string sql = absl::StrCat(
      "SELECT exception_id, payload FROM exceptions WHERE exception_id ",
      query.newest_first ? "<" : ">", " ?1");
  if (!query.include_resolved) {
    absl::StrAppend(
        &sql, " AND state != ", int64_t{hub::v1::EXCEPTION_STATE_RESOLVED});
  }
  if (!query.system.empty()) sql += " AND system = ?2";
  if (query.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED)
    sql += " AND category = ?3";
  if (query.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED)
    sql += " AND kind = ?4";
  if (!query.owner.empty()) sql += " AND owner = ?5";
  if (!query.contract_id.empty()) sql += " AND contract_id = ?6";
  if (!query.workflow_id.empty()) sql += " AND workflow_id = ?7";
  if (query.created_before.has_value()) sql += " AND created_at <= ?8";
  if (query.record_id != 0) sql += " AND record_id = ?10";
  sql += query.newest_first ? " ORDER BY exception_id DESC LIMIT ?9"
                            : " ORDER BY exception_id LIMIT ?9";
  Statement q(db, sql);
  q.Bind(1, after).Bind(9, int64_t{query.page_size + 1});
  if (!query.system.empty()) q.Bind(2, query.system);
  if (query.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED)
    q.Bind(3, int64_t{query.category});
  if (query.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED)
    q.Bind(4, int64_t{query.kind});
  if (!query.owner.empty()) q.Bind(5, query.owner);
  if (!query.contract_id.empty()) q.Bind(6, query.contract_id);
  if (!query.workflow_id.empty()) q.Bind(7, query.workflow_id);
  if (query.created_before.has_value())
    q.Bind(8, absl::ToUnixMicros(*query.created_before));
  if (query.record_id != 0) q.Bind(10, query.record_id);
  ExceptionPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Exception e,
                     ParseBlob<Exception>(q.ColumnBlob(1), "exception"));
    page.exceptions.push_back(std::move(e));
  }
  if (static_cast<int>(page.exceptions.size()) > query.page_size) {
    page.exceptions.pop_back();
    page.next_page_token = Token(page.exceptions.back().exception_id());
  }
  return page;
}

absl::Status PutPosting(Connection& db, const PostingRow& p) {
  // A customer is master data: a changed one is delivered again under the
  // same external id, and the row follows. Postings are never replaced.
  Statement q(
      db, absl::StrCat(p.kind == "customer" ? "INSERT OR REPLACE" : "INSERT",
                       " INTO postings (", kPostingColumns,
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                       " ?10, ?11, ?12, ?13)"));
  q.Bind(1, p.target_system)
      .Bind(2, p.external_id)
      .Bind(3, p.contract_id)
      .Bind(4, int64_t{p.entity_type})
      .Bind(5, p.entity_id)
      .Bind(6, p.kind)
      .Bind(7, p.content_hash)
      .Bind(8, p.reverses)
      .Bind(9, p.workflow_id)
      .Bind(10, int64_t{p.step_index})
      .Bind(11, p.vendor_id)
      .Bind(12, absl::ToUnixMicros(p.posted_at))
      .BindBlob(13, p.payload);
  return q.Run();
}

absl::StatusOr<std::vector<PostingRow>> ListPostings(
    Connection& db, absl::string_view target, absl::string_view contract_id) {
  Statement q(db, absl::StrCat("SELECT ", kPostingColumns,
                               " FROM postings WHERE target_system = ? AND"
                               " contract_id = ? ORDER BY posted_at,"
                               " external_id"));
  q.Bind(1, target).Bind(2, contract_id);
  return ReadPostings(q);
}

absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
    Connection& db, absl::string_view target, EntityType type,
    absl::string_view id) {
  Statement q(db, absl::StrCat("SELECT ", kPostingColumns,
                               " FROM postings WHERE target_system = ? AND"
                               " entity_type = ? AND entity_id = ?"
                               " ORDER BY posted_at, external_id"));
  q.Bind(1, target).Bind(2, int64_t{type}).Bind(3, id);
  return ReadPostings(q);
}

}  // namespace revhub::hub::sqlite
