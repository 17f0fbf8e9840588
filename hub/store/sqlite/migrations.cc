#include "hub/store/sqlite/migrations.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/sqlite/sqlite_queries.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/hub/v1/exception_service.pb.h"

namespace revhub::hub {
namespace {

// Migration 4: every rejected record becomes one Exception of kind
// RECORD_REJECTED (category METADATA) in `exceptions`, and
// record_exceptions goes. Until then a failed record wrote both a
// record_exceptions row and, through orchestration, an Exception whose
// error joins the record's "field_path: reason" texts with "; ". A row
// already said by such an Exception of the same record is not copied.
absl::Status MoveRecordExceptions(sqlite::Connection& db) {
  using google::protobuf::util::TimeUtil;
  using hub::v1::Exception;
  std::map<int64_t, std::vector<std::string>> said;  // record_id -> errors
  {
    sqlite::Statement q(
        db, absl::StrCat("SELECT record_id, payload FROM"
                         " exceptions WHERE record_id != 0"
                         " AND kind = ",
                         int64_t{hub::v1::EXCEPTION_KIND_RECORD_REJECTED}));
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Exception e, sqlite::ParseBlob<Exception>(
                                        q.ColumnBlob(1), "exception"));
      said[q.ColumnInt(0)].push_back(e.error());
    }
  }
  auto already_said = [&](int64_t record_id, const std::string& path,
                          const std::string& reason) {
    const std::string text =
        path.empty() ? reason : absl::StrCat(path, ": ", reason);
    for (const std::string& error : said[record_id]) {
      if (error == reason) return true;
      for (absl::string_view part : absl::StrSplit(error, "; ")) {
        if (part == text) return true;
      }
    }
    return false;
  };
  sqlite::Statement rows(db,
                         "SELECT system, record_id, field_path, reason,"
                         " recorded_at, resolved_at FROM record_exceptions"
                         " ORDER BY exception_id");
  sqlite::Statement ins(db,
                        "INSERT INTO exceptions (kind, category, state,"
                        " system, owner, record_id, workflow_id, contract_id,"
                        " created_at, payload)"
                        " VALUES (?, ?, ?, ?, '', ?, '', '', ?, x'')");
  sqlite::Statement set_payload(
      db, "UPDATE exceptions SET payload = ? WHERE exception_id = ?");
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    Exception e;
    e.set_kind(hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
    e.set_category(hub::v1::EXCEPTION_CATEGORY_METADATA);
    e.set_system(rows.ColumnText(0));
    e.set_record_id(rows.ColumnInt(1));
    e.set_field_path(rows.ColumnText(2));
    e.set_error(rows.ColumnText(3));
    if (already_said(e.record_id(), e.field_path(), e.error())) continue;
    const int64_t created = rows.ColumnInt(4);
    *e.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(created);
    *e.mutable_updated_at() = e.created_at();
    e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
    if (!rows.ColumnIsNull(5)) {
      e.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
      *e.mutable_resolved_at() =
          TimeUtil::MicrosecondsToTimestamp(rows.ColumnInt(5));
      *e.mutable_updated_at() = e.resolved_at();
    }
    RETURN_IF_ERROR(ins.Reset());
    ins.Bind(1, int64_t{e.kind()})
        .Bind(2, int64_t{e.category()})
        .Bind(3, int64_t{e.state()})
        .Bind(4, e.system())
        .Bind(5, e.record_id())
        .Bind(6, created);
    RETURN_IF_ERROR(ins.Run());
    e.set_exception_id(sqlite3_last_insert_rowid(db.get()));
    RETURN_IF_ERROR(set_payload.Reset());
    set_payload.BindBlob(1, e.SerializeAsString()).Bind(2, e.exception_id());
    RETURN_IF_ERROR(set_payload.Run());
  }
  return absl::OkStatus();
}

// Migration 12: events are found by subject, correlation and causation (the
// lineage of a number, docs/lineage.md). The columns are filled from each
// stored event's envelope before the indexes are built.
absl::Status IndexEventLinks(sqlite::Connection& db) {
  RETURN_IF_ERROR(db.Exec(
      "ALTER TABLE events ADD COLUMN subject_type INTEGER NOT NULL DEFAULT 0;"
      "ALTER TABLE events ADD COLUMN subject_id TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE events ADD COLUMN subject_version INTEGER NOT NULL"
      " DEFAULT 0;"
      "ALTER TABLE events ADD COLUMN correlation_id TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE events ADD COLUMN causation_id TEXT NOT NULL DEFAULT '';"));
  sqlite::Statement rows(db, "SELECT position, payload FROM events");
  sqlite::Statement set(db,
                        "UPDATE events SET subject_type = ?, subject_id = ?,"
                        " subject_version = ?, correlation_id = ?,"
                        " causation_id = ? WHERE position = ?");
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(canonical::v1::BusinessEvent ev,
                     sqlite::ParseBlob<canonical::v1::BusinessEvent>(
                         rows.ColumnBlob(1), "event"));
    RETURN_IF_ERROR(set.Reset());
    set.Bind(1, int64_t{ev.subject().entity_type()})
        .Bind(2, ev.subject().id())
        .Bind(3, ev.subject().version())
        .Bind(4, ev.correlation_id())
        .Bind(5, ev.causation_id())
        .Bind(6, rows.ColumnInt(0));
    RETURN_IF_ERROR(set.Run());
  }
  return absl::OkStatus();
}

// Migration 14: the exception summary aggregates in SQL, so the amount at
// stake, the SLA's due time, the resolution time and the trace id get
// columns, filled from each stored exception.
absl::Status AddExceptionSummaryColumns(sqlite::Connection& db) {
  for (const char* column : {"currency TEXT NOT NULL DEFAULT ''",
                             "amount_units INTEGER NOT NULL DEFAULT 0",
                             "amount_nanos INTEGER NOT NULL DEFAULT 0",
                             "sla_due_at INTEGER NOT NULL DEFAULT 0",
                             "resolved_at INTEGER NOT NULL DEFAULT 0",
                             "trace_id TEXT NOT NULL DEFAULT ''"}) {
    RETURN_IF_ERROR(
        db.Exec(absl::StrCat("ALTER TABLE exceptions ADD COLUMN ", column)));
  }
  RETURN_IF_ERROR(db.Exec(
      "ALTER TABLE raw_records ADD COLUMN trace_id TEXT NOT NULL DEFAULT ''"));
  sqlite::Statement rows(db, "SELECT exception_id, payload FROM exceptions");
  sqlite::Statement set(
      db,
      "UPDATE exceptions SET currency = ?1, amount_units = ?2,"
      " amount_nanos = ?3, sla_due_at = ?4, resolved_at = ?5, trace_id = ?6"
      " WHERE exception_id = ?7");
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(
        hub::v1::Exception e,
        sqlite::ParseBlob<hub::v1::Exception>(rows.ColumnBlob(1), "exception"));
    RETURN_IF_ERROR(set.Reset());
    sqlite::BindSummaryColumns(set, e, 1);
    set.Bind(7, rows.ColumnInt(0));
    RETURN_IF_ERROR(set.Run());
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<Migration>& SchemaMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "initial schema", R"sql(
CREATE TABLE systems (
  name    TEXT PRIMARY KEY,
  state   INTEGER NOT NULL,
  payload BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE raw_records (
  record_id       INTEGER PRIMARY KEY,
  system          TEXT NOT NULL,
  object_type     TEXT NOT NULL,
  content_type    TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload         BLOB NOT NULL,
  payload_sha256  TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  status          INTEGER NOT NULL,
  principal       TEXT NOT NULL,
  UNIQUE (system, idempotency_key)
);
CREATE INDEX raw_records_by_status ON raw_records (status, record_id);

CREATE TABLE entity_versions (
  entity_type INTEGER NOT NULL,
  id          TEXT NOT NULL,
  version     INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  payload     BLOB NOT NULL,
  PRIMARY KEY (entity_type, id, version)
) WITHOUT ROWID;

CREATE TABLE entities (
  entity_type INTEGER NOT NULL,
  id          TEXT NOT NULL,
  version     INTEGER NOT NULL,
  PRIMARY KEY (entity_type, id)
) WITHOUT ROWID;

CREATE TABLE entity_index (
  entity_type INTEGER NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  id          TEXT NOT NULL,
  PRIMARY KEY (entity_type, key, value, id)
) WITHOUT ROWID;
CREATE INDEX entity_index_by_id ON entity_index (entity_type, id);

CREATE TABLE external_refs (
  entity_type INTEGER NOT NULL,
  system      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  vendor_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  PRIMARY KEY (entity_type, system, object_type, vendor_id)
) WITHOUT ROWID;
CREATE INDEX external_refs_by_entity ON external_refs (entity_type, id, system);

CREATE TABLE events (
  position    INTEGER PRIMARY KEY,
  event_id    TEXT NOT NULL UNIQUE,
  type        INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  payload     BLOB NOT NULL
);
CREATE INDEX events_by_type ON events (type, position);

CREATE TABLE consumers (
  name     TEXT PRIMARY KEY,
  payload  BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE idempotency (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  response     BLOB NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
)sql"},
      // The ingest pipeline: why a raw record could not be applied.
      {2, "record exceptions", R"sql(
CREATE TABLE record_exceptions (
  exception_id INTEGER PRIMARY KEY,
  system       TEXT NOT NULL,
  record_id    INTEGER NOT NULL,
  field_path   TEXT NOT NULL,
  reason       TEXT NOT NULL,
  recorded_at  INTEGER NOT NULL,
  resolved_at  INTEGER
);
CREATE INDEX record_exceptions_by_record ON record_exceptions (record_id);
CREATE INDEX record_exceptions_by_system ON record_exceptions (system, exception_id);
)sql"},
      // Orchestration: durable workflows, the exception queue, and the
      // ledger of what was delivered to each target system.
      {3, "orchestration", R"sql(
CREATE TABLE workflows (
  workflow_id  TEXT PRIMARY KEY,
  seq          INTEGER NOT NULL UNIQUE,
  contract_id  TEXT NOT NULL,
  kind         INTEGER NOT NULL,
  state        INTEGER NOT NULL,
  trigger_key  TEXT UNIQUE,
  updated_at   INTEGER NOT NULL,
  payload      BLOB NOT NULL
);
CREATE INDEX workflows_by_contract ON workflows (contract_id, seq);
CREATE INDEX workflows_by_state ON workflows (state, seq);

CREATE TABLE exceptions (
  exception_id INTEGER PRIMARY KEY,
  kind         INTEGER NOT NULL,
  category     INTEGER NOT NULL,
  state        INTEGER NOT NULL,
  system       TEXT NOT NULL,
  owner        TEXT NOT NULL,
  record_id    INTEGER NOT NULL,
  workflow_id  TEXT NOT NULL,
  contract_id  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  payload      BLOB NOT NULL
);
CREATE INDEX exceptions_by_state ON exceptions (state, exception_id);
CREATE INDEX exceptions_by_record ON exceptions (record_id);
CREATE INDEX exceptions_by_workflow ON exceptions (workflow_id);

CREATE TABLE postings (
  target_system TEXT NOT NULL,
  external_id   TEXT NOT NULL,
  contract_id   TEXT NOT NULL,
  entity_type   INTEGER NOT NULL,
  entity_id     TEXT NOT NULL,
  kind          TEXT NOT NULL,
  content_hash  TEXT NOT NULL,
  reverses      TEXT NOT NULL,
  workflow_id   TEXT NOT NULL,
  step_index    INTEGER NOT NULL,
  vendor_id     TEXT NOT NULL,
  posted_at     INTEGER NOT NULL,
  payload       BLOB NOT NULL,
  PRIMARY KEY (target_system, external_id)
) WITHOUT ROWID;
CREATE INDEX postings_by_contract ON postings (target_system, contract_id);
CREATE INDEX postings_by_entity ON postings (target_system, entity_type, entity_id);

CREATE TABLE sequences (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
      // One exception model: rejected records join the exception queue.
      {4, "record exceptions join the exception queue", R"sql(
DROP TABLE record_exceptions;
)sql",
       MoveRecordExceptions},
      // Why a record has its status, and the records that wait for one the
      // hub has not received yet (one row per WAITING record).
      {5, "record status reasons and waits", R"sql(
ALTER TABLE raw_records ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE record_waits (
  record_id         INTEGER PRIMARY KEY,
  entity_type       INTEGER NOT NULL,
  system            TEXT NOT NULL,
  object_type       TEXT NOT NULL,
  vendor_id         TEXT NOT NULL,
  field_path        TEXT NOT NULL,
  vendor_field_path TEXT NOT NULL,
  amount            BLOB,
  since             INTEGER NOT NULL
);
CREATE INDEX record_waits_by_ref
  ON record_waits (entity_type, system, object_type, vendor_id, since);
CREATE INDEX record_waits_by_since ON record_waits (since, record_id);
)sql"},
      // Who may call the hub: one row per principal, with the salted
      // SHA-256 of its token's secret; the key id finds a token's row.
      {6, "principals", R"sql(
CREATE TABLE principals (
  name        TEXT PRIMARY KEY,
  key_id      TEXT NOT NULL UNIQUE,
  role        INTEGER NOT NULL,
  disabled    INTEGER NOT NULL,
  token_salt  BLOB NOT NULL,
  token_hash  BLOB NOT NULL,
  payload     BLOB NOT NULL
);
)sql"},
      // The hash-chained audit log (hub/store/audit_log.h). The triggers
      // refuse updates and deletes through SQL; the chain is what shows a
      // change made by someone who drops them.
      {7, "audit log", R"sql(
CREATE TABLE audit_log (
  seq            INTEGER PRIMARY KEY,
  recorded_at    INTEGER NOT NULL,
  principal      TEXT NOT NULL,
  role           TEXT NOT NULL,
  method         TEXT NOT NULL,
  targets        TEXT NOT NULL,
  request_sha256 TEXT NOT NULL,
  code           INTEGER NOT NULL,
  message        TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  row_hash       TEXT NOT NULL
);
CREATE INDEX audit_log_by_principal ON audit_log (principal, seq);
CREATE INDEX audit_log_by_time ON audit_log (recorded_at, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
      // Secret configuration fields beside their systems (hub/secrets) and
      // the salt of their fingerprints.
      {8, "secret configuration fields, sealed or by reference", R"sql(
CREATE TABLE system_secrets (
  system      TEXT NOT NULL,
  field       TEXT NOT NULL,
  source      INTEGER NOT NULL,
  reference   TEXT NOT NULL,
  key_id      TEXT NOT NULL,
  nonce       BLOB NOT NULL,
  ciphertext  BLOB NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY (system, field)
) WITHOUT ROWID;

CREATE TABLE secret_settings (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;

INSERT INTO secret_settings (name, value)
  VALUES ('fingerprint_salt', randomblob(32));
)sql"},
      // Idempotency records are swept after their retention, oldest
      // first; bulk replays are long-running operations with progress.
      {9, "idempotency retention and operations", R"sql(
CREATE INDEX idempotency_by_created_at ON idempotency (created_at);

CREATE TABLE operations (
  seq          INTEGER PRIMARY KEY,
  operation_id TEXT NOT NULL UNIQUE,
  state        INTEGER NOT NULL,
  payload      BLOB NOT NULL
);
CREATE INDEX operations_by_state ON operations (state, seq);
)sql"},
      // Pulls from vendors: each (system, object type)'s cursor and
      // history, stored whole; webhook deliveries once per vendor event id.
      {10, "sync state and webhook deliveries", R"sql(
CREATE TABLE sync_state (
  system      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  payload     BLOB NOT NULL,
  PRIMARY KEY (system, object_type)
) WITHOUT ROWID;

CREATE TABLE webhook_deliveries (
  delivery_id     INTEGER PRIMARY KEY,
  system          TEXT NOT NULL,
  vendor_event_id TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  body            BLOB NOT NULL,
  body_sha256     TEXT NOT NULL,
  record_ids      TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_by_event
  ON webhook_deliveries (system, vendor_event_id) WHERE vendor_event_id != '';
CREATE INDEX webhook_deliveries_by_system ON webhook_deliveries (system);
)sql"},
      // Period close: every close and reopen of an accounting period (for
      // one legal entity, '' for all), kept; the latest is the state.
      {11, "accounting period close", R"sql(
CREATE TABLE period_changes (
  seq          INTEGER PRIMARY KEY,
  period       TEXT NOT NULL,
  legal_entity TEXT NOT NULL,
  closed       INTEGER NOT NULL,
  changed_at   INTEGER NOT NULL,
  payload      BLOB NOT NULL
);
CREATE INDEX period_changes_by_period
  ON period_changes (period, legal_entity, seq);
)sql"},
      // Lineage: events by what they are about and what caused them, and
      // postings by the target's ids (an ERP id finds its way back).
      {12, "lineage indexes", R"sql(
CREATE INDEX events_by_subject
  ON events (subject_type, subject_id, subject_version);
CREATE INDEX events_by_correlation ON events (correlation_id);
CREATE INDEX events_by_causation ON events (causation_id);
CREATE INDEX postings_by_vendor_id ON postings (vendor_id, target_system);
CREATE INDEX postings_by_external_id ON postings (external_id);
)sql",
       IndexEventLinks},
      {13, "reconciliation runs and variances", R"sql(
CREATE TABLE reconciliation_runs (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id       TEXT NOT NULL UNIQUE,
  period       TEXT NOT NULL,
  legal_entity TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  payload      BLOB NOT NULL
);
CREATE INDEX reconciliation_runs_by_period
  ON reconciliation_runs (period, legal_entity, started_at);
CREATE TABLE reconciliation_variances (
  variance_id  TEXT PRIMARY KEY,
  period       TEXT NOT NULL,
  legal_entity TEXT NOT NULL,
  state        INTEGER NOT NULL,
  category     INTEGER NOT NULL,
  payload      BLOB NOT NULL
);
CREATE INDEX reconciliation_variances_by_period
  ON reconciliation_variances (period, legal_entity);
)sql"},
      // Observability: the exception summary's columns (filled by
      // AddExceptionSummaryColumns), trace ids, and the backlog's counts
      // per system and status from an index alone.
      {14, "exception summary columns and trace ids", R"sql(
CREATE INDEX raw_records_by_system_status
  ON raw_records (system, status, received_at);
)sql",
       AddExceptionSummaryColumns},
  };
  return kMigrations;
}

absl::StatusOr<int> ApplyMigrations(sqlite::Connection& db) {
  RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
              " applied_at INTEGER NOT NULL)"));
  int current = 0;
  {
    sqlite::Statement q(
        db, "SELECT IFNULL(MAX(version), 0) FROM schema_migrations");
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) current = static_cast<int>(q.ColumnInt(0));
  }
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
    RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    absl::Status st = m.apply != nullptr ? m.apply(db) : absl::OkStatus();
    if (st.ok()) st = db.Exec(m.sql);
    if (st.ok()) {
      sqlite::Statement ins(
          db,
          "INSERT INTO schema_migrations (version, name, applied_at)"
          " VALUES (?, ?, ?)");
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

}  // namespace revhub::hub
