// Principals and their token verifiers (principal_store.h) in table
// `principals` (migration 6).
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

constexpr char kPrincipalColumns[] = "payload, token_salt, token_hash";

absl::StatusOr<std::vector<StoredPrincipal>> CollectPrincipals(Statement& q) {
  std::vector<StoredPrincipal> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    StoredPrincipal p;
    ASSIGN_OR_RETURN(p.principal, ParseBlob<hub::v1::Principal>(q.ColumnBlob(0),
                                                                "principal"));
    p.token_salt = q.ColumnBlob(1);
    p.token_hash = q.ColumnBlob(2);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<StoredPrincipal>> ListPrincipals(Connection& db) {
  Statement q(db, absl::StrCat("SELECT ", kPrincipalColumns,
                               " FROM principals ORDER BY name"));
  return CollectPrincipals(q);
}

absl::StatusOr<std::optional<StoredPrincipal>> GetPrincipal(
    Connection& db, absl::string_view name) {
  Statement q(db, absl::StrCat("SELECT ", kPrincipalColumns,
                               " FROM principals WHERE name = $1"));
  q.Bind(1, name);
  ASSIGN_OR_RETURN(auto all, CollectPrincipals(q));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::Status PutPrincipal(Connection& db, const StoredPrincipal& p) {
  Statement q(
      db,
      "INSERT INTO principals (name, key_id, role, disabled,"
      " token_salt, token_hash, payload) VALUES ($1, $2, $3, $4, $5, $6, $7)"
      " ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id,"
      " role = excluded.role, disabled = excluded.disabled,"
      " token_salt = excluded.token_salt,"
      " token_hash = excluded.token_hash, payload = excluded.payload");
  q.Bind(1, p.principal.name())
      .Bind(2, p.principal.key_id())
      .Bind(3, int64_t{p.principal.role()})
      .Bind(4, int64_t{p.principal.disabled() ? 1 : 0})
      .BindBlob(5, p.token_salt)
      .BindBlob(6, p.token_hash)
      .BindBlob(7, p.principal.SerializeAsString());
  return q.Run();
}

}  // namespace revhub::hub::postgres
