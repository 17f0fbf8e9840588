// Idempotency records (idempotency_store.h) in table `idempotency`.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
    Connection& db, absl::string_view scope, absl::string_view key) {
  Statement q(db,
              "SELECT request_hash, response FROM idempotency WHERE scope = $1"
              " AND key = $2");
  q.Bind(1, scope).Bind(2, key);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return IdempotencyRecord{q.ColumnBlob(0), q.ColumnBlob(1)};
}

absl::Status PutIdempotency(Connection& db, absl::string_view scope,
                            absl::string_view key,
                            const IdempotencyRecord& record,
                            absl::Time created_at) {
  Statement q(db,
              "INSERT INTO idempotency (scope, key, request_hash, response,"
              " created_at) VALUES ($1, $2, $3, $4, $5)"
              " ON CONFLICT DO NOTHING");
  q.Bind(1, scope)
      .Bind(2, key)
      .BindBlob(3, record.request_hash)
      .BindBlob(4, record.response)
      .Bind(5, Micros(created_at));
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("idempotency key ", key, " is stored for ", scope));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> DeleteIdempotencyBefore(Connection& db,
                                                absl::Time cutoff, int limit) {
  Statement q(
      db,
      "DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM"
      " idempotency WHERE created_at < $1 ORDER BY created_at LIMIT $2)");
  q.Bind(1, Micros(cutoff)).Bind(2, int64_t{limit});
  RETURN_IF_ERROR(q.Run());
  return q.RowsAffected();
}

}  // namespace revhub::hub::postgres
