// Registered systems (system_store.h) in table `systems`.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using hub::v1::System;

absl::StatusOr<std::optional<System>> GetSystem(Connection& db,
                                                absl::string_view name) {
  Statement q(db, "SELECT payload FROM systems WHERE name = $1");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(auto all, CollectBlobs<System>(q, 0, "system"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::vector<System>> ListSystems(Connection& db,
                                                absl::string_view after_name,
                                                int limit) {
  Statement q(db,
              "SELECT payload FROM systems WHERE name > $1 ORDER BY name"
              " LIMIT $2");
  q.Bind(1, after_name).Bind(2, int64_t{limit});
  return CollectBlobs<System>(q, 0, "system");
}

absl::Status PutSystem(Connection& db, const System& system) {
  Statement q(db,
              "INSERT INTO systems (name, state, payload) VALUES ($1, $2, $3)"
              " ON CONFLICT (name) DO UPDATE SET state = excluded.state,"
              " payload = excluded.payload");
  q.Bind(1, system.name())
      .Bind(2, int64_t{system.state()})
      .BindBlob(3, system.SerializeAsString());
  return q.Run();
}

absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
    Connection& db, absl::string_view name) {
  Statement q(db,
              "SELECT field, source, reference, key_id, nonce, ciphertext,"
              " fingerprint FROM system_secrets WHERE system = $1"
              " ORDER BY field");
  q.Bind(1, name);
  std::vector<SystemSecret> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    SystemSecret s;
    s.field = q.ColumnText(0);
    s.source = static_cast<hub::v1::SecretSource>(q.ColumnInt(1));
    s.reference = q.ColumnText(2);
    s.key_id = q.ColumnText(3);
    s.nonce = q.ColumnBlob(4);
    s.ciphertext = q.ColumnBlob(5);
    s.fingerprint = q.ColumnText(6);
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, SystemSecret>>>
ListSealedSecretKeys(Connection& db) {
  Statement q(db,
              "SELECT system, field, key_id FROM system_secrets"
              " WHERE source = $1 ORDER BY system, field");
  q.Bind(1, int64_t{hub::v1::SECRET_SOURCE_SEALED});
  std::vector<std::pair<std::string, SystemSecret>> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    SystemSecret s;
    s.field = q.ColumnText(1);
    s.source = hub::v1::SECRET_SOURCE_SEALED;
    s.key_id = q.ColumnText(2);
    out.emplace_back(q.ColumnText(0), std::move(s));
  }
  return out;
}

absl::Status PutSystemSecrets(Connection& db, absl::string_view name,
                              const std::vector<SystemSecret>& secrets) {
  Statement del(db, "DELETE FROM system_secrets WHERE system = $1");
  del.Bind(1, name);
  RETURN_IF_ERROR(del.Run());
  for (const SystemSecret& s : secrets) {
    Statement q(db,
                "INSERT INTO system_secrets (system, field, source, reference,"
                " key_id, nonce, ciphertext, fingerprint)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    q.Bind(1, name)
        .Bind(2, s.field)
        .Bind(3, int64_t{s.source})
        .Bind(4, s.reference)
        .Bind(5, s.key_id)
        .BindBlob(6, s.nonce)
        .BindBlob(7, s.ciphertext)
        .Bind(8, s.fingerprint);
    RETURN_IF_ERROR(q.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FingerprintSalt(Connection& db) {
  Statement q(db,
              "SELECT value FROM secret_settings"
              " WHERE name = 'fingerprint_salt'");
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::DataLossError("the fingerprint salt is missing");
  return q.ColumnBlob(0);
}

}  // namespace revhub::hub::postgres
