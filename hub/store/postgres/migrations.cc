#include "hub/store/postgres/migrations.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"

namespace revhub::hub::postgres {
namespace {

// The SQL of a migration, with TEXT spelled byte-wise (see migrations.h).
std::string Spelled(const char* sql) {
  return absl::StrReplaceAll(sql, {{" TEXT", " TEXT COLLATE \"C\""}});
}

absl::StatusOr<int> CurrentVersion(Connection& db) {
  Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? static_cast<int>(q.ColumnInt(0)) : 0;
}

absl::StatusOr<int> MigrateLocked(Connection& db) {
  RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
              " applied_at BIGINT NOT NULL)"));
  ASSIGN_OR_RETURN(int current, CurrentVersion(db));
  const auto& all = SchemaMigrations();
  const int latest = all.empty() ? 0 : all.back().version;
  if (current > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database is at schema version ", current,
                     " but this revhubd knows versions up to ", latest,
                     "; run a newer revhubd"));
  }
  for (const Migration& m : all) {
    if (m.version <= current) continue;
    RETURN_IF_ERROR(db.Exec("BEGIN"));
    absl::Status st = db.Exec(Spelled(m.sql));
    if (st.ok()) {
      Statement ins(db,
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES ($1, $2, $3)");
      ins.Bind(1, int64_t{m.version})
          .Bind(2, m.name)
          .Bind(3, absl::ToUnixMicros(absl::Now()));
      st = ins.Run();
    }
    if (st.ok()) st = db.Exec("COMMIT");
    if (!st.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return absl::Status(
          st.code(), absl::StrCat("schema migration ", m.version, " (", m.name,
                                  "): ", st.message()));
    }
    current = m.version;
  }
  return current;
}

}  // namespace

const std::vector<Migration>& SchemaMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "initial schema", R"sql(
CREATE TABLE systems (
  name    TEXT PRIMARY KEY,
  state   BIGINT NOT NULL,
  payload BYTEA NOT NULL
);
CREATE TABLE system_secrets (
  system      TEXT NOT NULL,
  field       TEXT NOT NULL,
  source      BIGINT NOT NULL,
  reference   TEXT NOT NULL,
  key_id      TEXT NOT NULL,
  nonce       BYTEA NOT NULL,
  ciphertext  BYTEA NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY (system, field)
);
CREATE TABLE secret_settings (
  name  TEXT PRIMARY KEY,
  value BYTEA NOT NULL
);
-- 32 random bytes from two v4 UUIDs (gen_random_uuid draws from a strong
-- source; 244 of the 256 bits are random).
INSERT INTO secret_settings (name, value) VALUES ('fingerprint_salt',
  decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
         'hex'));

CREATE TABLE raw_records (
  record_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system          TEXT NOT NULL,
  object_type     TEXT NOT NULL,
  content_type    TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload         BYTEA NOT NULL,
  payload_sha256  TEXT NOT NULL,
  received_at     BIGINT NOT NULL,
  status          BIGINT NOT NULL,
  principal       TEXT NOT NULL,
  status_reason   TEXT NOT NULL DEFAULT '',
  trace_id        TEXT NOT NULL DEFAULT '',
  UNIQUE (system, idempotency_key)
);
CREATE INDEX raw_records_by_status ON raw_records (status, record_id);
CREATE INDEX raw_records_by_system_status
  ON raw_records (system, status, received_at);

CREATE TABLE record_waits (
  record_id         BIGINT PRIMARY KEY,
  entity_type       BIGINT NOT NULL,
  system            TEXT NOT NULL,
  object_type       TEXT NOT NULL,
  vendor_id         TEXT NOT NULL,
  field_path        TEXT NOT NULL,
  vendor_field_path TEXT NOT NULL,
  amount            BYTEA,
  since             BIGINT NOT NULL
);
CREATE INDEX record_waits_by_ref
  ON record_waits (entity_type, system, object_type, vendor_id, since);
CREATE INDEX record_waits_by_since ON record_waits (since, record_id);

CREATE TABLE entity_versions (
  entity_type BIGINT NOT NULL,
  id          TEXT NOT NULL,
  version     BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  payload     BYTEA NOT NULL,
  PRIMARY KEY (entity_type, id, version)
);
CREATE TABLE entities (
  entity_type BIGINT NOT NULL,
  id          TEXT NOT NULL,
  version     BIGINT NOT NULL,
  PRIMARY KEY (entity_type, id)
);
CREATE TABLE entity_index (
  entity_type BIGINT NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  id          TEXT NOT NULL,
  PRIMARY KEY (entity_type, key, value, id)
);
CREATE INDEX entity_index_by_id ON entity_index (entity_type, id);
CREATE TABLE external_refs (
  entity_type BIGINT NOT NULL,
  system      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  vendor_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  PRIMARY KEY (entity_type, system, object_type, vendor_id)
);
CREATE INDEX external_refs_by_entity ON external_refs (entity_type, id, system);

-- No sequence for positions: a rolled-back nextval() would leave a gap.
-- Appenders assign max + 1 under an advisory lock (events.cc).
CREATE TABLE events (
  position        BIGINT PRIMARY KEY,
  event_id        TEXT NOT NULL UNIQUE,
  type            BIGINT NOT NULL,
  recorded_at     BIGINT NOT NULL,
  payload         BYTEA NOT NULL,
  subject_type    BIGINT NOT NULL DEFAULT 0,
  subject_id      TEXT NOT NULL DEFAULT '',
  subject_version BIGINT NOT NULL DEFAULT 0,
  correlation_id  TEXT NOT NULL DEFAULT '',
  causation_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_by_type ON events (type, position);
CREATE INDEX events_by_subject
  ON events (subject_type, subject_id, subject_version);
CREATE INDEX events_by_correlation ON events (correlation_id);
CREATE INDEX events_by_causation ON events (causation_id);

CREATE TABLE consumers (
  name    TEXT PRIMARY KEY,
  payload BYTEA NOT NULL
);

CREATE TABLE idempotency (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash BYTEA NOT NULL,
  response     BYTEA NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_created_at ON idempotency (created_at);

CREATE TABLE workflows (
  workflow_id TEXT PRIMARY KEY,
  seq         BIGINT NOT NULL UNIQUE,
  contract_id TEXT NOT NULL,
  kind        BIGINT NOT NULL,
  state       BIGINT NOT NULL,
  trigger_key TEXT UNIQUE,
  updated_at  BIGINT NOT NULL,
  payload     BYTEA NOT NULL
);
CREATE INDEX workflows_by_contract ON workflows (contract_id, seq);
CREATE INDEX workflows_by_state ON workflows (state, seq);

CREATE TABLE exceptions (
  exception_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         BIGINT NOT NULL,
  category     BIGINT NOT NULL,
  state        BIGINT NOT NULL,
  system       TEXT NOT NULL,
  owner        TEXT NOT NULL,
  record_id    BIGINT NOT NULL,
  workflow_id  TEXT NOT NULL,
  contract_id  TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  payload      BYTEA NOT NULL,
  currency     TEXT NOT NULL DEFAULT '',
  amount_units BIGINT NOT NULL DEFAULT 0,
  amount_nanos BIGINT NOT NULL DEFAULT 0,
  sla_due_at   BIGINT NOT NULL DEFAULT 0,
  resolved_at  BIGINT NOT NULL DEFAULT 0,
  trace_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX exceptions_by_state ON exceptions (state, exception_id);
CREATE INDEX exceptions_by_record ON exceptions (record_id);
CREATE INDEX exceptions_by_workflow ON exceptions (workflow_id);

CREATE TABLE postings (
  target_system TEXT NOT NULL,
  external_id   TEXT NOT NULL,
  contract_id   TEXT NOT NULL,
  entity_type   BIGINT NOT NULL,
  entity_id     TEXT NOT NULL,
  kind          TEXT NOT NULL,
  content_hash  TEXT NOT NULL,
  reverses      TEXT NOT NULL,
  workflow_id   TEXT NOT NULL,
  step_index    BIGINT NOT NULL,
  vendor_id     TEXT NOT NULL,
  posted_at     BIGINT NOT NULL,
  payload       BYTEA NOT NULL,
  PRIMARY KEY (target_system, external_id)
);
CREATE INDEX postings_by_contract ON postings (target_system, contract_id);
CREATE INDEX postings_by_entity
  ON postings (target_system, entity_type, entity_id);
CREATE INDEX postings_by_vendor_id ON postings (vendor_id, target_system);
CREATE INDEX postings_by_external_id ON postings (external_id);

CREATE TABLE sequences (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);

CREATE TABLE principals (
  name       TEXT PRIMARY KEY,
  key_id     TEXT NOT NULL UNIQUE,
  role       BIGINT NOT NULL,
  disabled   BIGINT NOT NULL,
  token_salt BYTEA NOT NULL,
  token_hash BYTEA NOT NULL,
  payload    BYTEA NOT NULL
);

-- The hash-chained audit log: the trigger refuses updates and deletes
-- through SQL; the chain shows a change made by someone who drops it.
CREATE TABLE audit_log (
  seq            BIGINT PRIMARY KEY,
  recorded_at    BIGINT NOT NULL,
  principal      TEXT NOT NULL,
  role           TEXT NOT NULL,
  method         TEXT NOT NULL,
  targets        TEXT NOT NULL,
  request_sha256 TEXT NOT NULL,
  code           BIGINT NOT NULL,
  message        TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  row_hash       TEXT NOT NULL
);
CREATE INDEX audit_log_by_principal ON audit_log (principal, seq);
CREATE INDEX audit_log_by_time ON audit_log (recorded_at, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE operations (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  operation_id TEXT NOT NULL UNIQUE,
  state        BIGINT NOT NULL,
  payload      BYTEA NOT NULL
);
CREATE INDEX operations_by_state ON operations (state, seq);

CREATE TABLE sync_state (
  system      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  payload     BYTEA NOT NULL,
  PRIMARY KEY (system, object_type)
);
CREATE TABLE webhook_deliveries (
  delivery_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system          TEXT NOT NULL,
  vendor_event_id TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  received_at     BIGINT NOT NULL,
  body            BYTEA NOT NULL,
  body_sha256     TEXT NOT NULL,
  record_ids      TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_by_event
  ON webhook_deliveries (system, vendor_event_id) WHERE vendor_event_id != '';
CREATE INDEX webhook_deliveries_by_system ON webhook_deliveries (system);

CREATE TABLE period_changes (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period       TEXT NOT NULL,
  legal_entity TEXT NOT NULL,
  closed       BIGINT NOT NULL,
  changed_at   BIGINT NOT NULL,
  payload      BYTEA NOT NULL
);
CREATE INDEX period_changes_by_period
  ON period_changes (period, legal_entity, seq);

CREATE TABLE reconciliation_runs (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       TEXT NOT NULL UNIQUE,
  period       TEXT NOT NULL,
  legal_entity TEXT NOT NULL,
  started_at   BIGINT NOT NULL,
  payload      BYTEA NOT NULL
);
CREATE INDEX reconciliation_runs_by_period
  ON reconciliation_runs (period, legal_entity, started_at);
CREATE TABLE reconciliation_variances (
  variance_id  TEXT PRIMARY KEY,
  period       TEXT NOT NULL,
  legal_entity TEXT NOT NULL,
  state        BIGINT NOT NULL,
  category     BIGINT NOT NULL,
  payload      BYTEA NOT NULL
);
CREATE INDEX reconciliation_variances_by_period
  ON reconciliation_variances (period, legal_entity);
)sql"},
  };
  return kMigrations;
}

absl::StatusOr<int> ApplyMigrations(Connection& db) {
  RETURN_IF_ERROR(db.Exec(absl::StrCat("SELECT pg_advisory_lock(", kLockClass,
                                       ", ", kMigrationLock, ")")));
  absl::StatusOr<int> version = MigrateLocked(db);
  absl::Status unlock = db.Exec(absl::StrCat(
      "SELECT pg_advisory_unlock(", kLockClass, ", ", kMigrationLock, ")"));
  if (version.ok() && !unlock.ok()) return unlock;
  return version;
}

}  // namespace revhub::hub::postgres
