// Long-running operations (operation_store.h) in table `operations`.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using hub::v1::Operation;

namespace {

absl::StatusOr<Operation> ParseOperation(const std::string& blob) {
  Operation op;
  if (!op.ParseFromString(blob)) {
    return absl::DataLossError("operations: a stored operation does not parse");
  }
  return op;
}

}  // namespace

absl::StatusOr<std::optional<Operation>> GetOperation(
    Connection& db, absl::string_view operation_id) {
  Statement q(db, "SELECT payload FROM operations WHERE operation_id = $1");
  q.Bind(1, operation_id);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ParseOperation(q.ColumnBlob(0));
}

absl::Status PutOperation(Connection& db, const Operation& op) {
  Statement q(db,
              "INSERT INTO operations (operation_id, state, payload)"
              " VALUES ($1, $2, $3) ON CONFLICT (operation_id) DO UPDATE SET"
              " state = excluded.state, payload = excluded.payload");
  q.Bind(1, op.operation_id())
      .Bind(2, int64_t{op.state()})
      .BindBlob(3, op.SerializeAsString());
  return q.Run();
}

absl::StatusOr<OperationPage> ListOperations(Connection& db, int page_size,
                                             absl::string_view page_token) {
  int64_t before = INT64_MAX;
  if (!page_token.empty() &&
      (!absl::SimpleAtoi(page_token, &before) || before <= 0)) {
    return absl::InvalidArgumentError(
        "page_token: is not a token this "
        "listing handed out");
  }
  Statement q(db,
              "SELECT seq, payload FROM operations WHERE seq < $1"
              " ORDER BY seq DESC LIMIT $2");
  q.Bind(1, before).Bind(2, int64_t{page_size} + 1);
  OperationPage page;
  int64_t last = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    if (static_cast<int>(page.operations.size()) == page_size) {
      page.next_page_token = absl::StrCat(last);
      break;
    }
    last = q.ColumnInt(0);
    ASSIGN_OR_RETURN(Operation op, ParseOperation(q.ColumnBlob(1)));
    page.operations.push_back(std::move(op));
  }
  return page;
}

absl::StatusOr<std::vector<Operation>> ListRunningOperations(Connection& db) {
  Statement q(db,
              "SELECT payload FROM operations WHERE state = $1 ORDER BY seq");
  q.Bind(1, int64_t{hub::v1::OPERATION_STATE_RUNNING});
  std::vector<Operation> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Operation op, ParseOperation(q.ColumnBlob(0)));
    out.push_back(std::move(op));
  }
  return out;
}

}  // namespace revhub::hub::postgres
