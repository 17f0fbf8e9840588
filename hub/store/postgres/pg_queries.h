// The SQL of the PostgreSQL store, one function per operation over one
// connection, so the write transaction (pg_write_txn.h, on the writer's
// connection) and the readers (postgres_store.cc, on pooled connections)
// share it. The files and functions mirror the SQLite store's
// (sqlite/sqlite_queries.h); the contracts are those of the role headers
// in hub/store/. Where SQLite relies on its single writer, these queries
// say how they stay right with several hubs writing at once.
//
// Internal to revhub_store_postgres. Not thread-safe: a connection belongs
// to one thread at a time.
#ifndef REVHUB_HUB_STORE_POSTGRES_PG_QUERIES_H_
#define REVHUB_HUB_STORE_POSTGRES_PG_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/store/postgres/pg_util.h"
#include "hub/store/store.h"

namespace revhub::hub::postgres {

// --- systems.cc
absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
    Connection& db, absl::string_view name);
absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
    Connection& db, absl::string_view after_name, int limit);
absl::Status PutSystem(Connection& db, const hub::v1::System& system);
absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
    Connection& db, absl::string_view name);
absl::StatusOr<std::vector<std::pair<std::string, SystemSecret>>>
ListSealedSecretKeys(Connection& db);
absl::Status PutSystemSecrets(Connection& db, absl::string_view name,
                              const std::vector<SystemSecret>& secrets);
absl::StatusOr<std::string> FingerprintSalt(Connection& db);

// --- principals.cc
absl::StatusOr<std::vector<StoredPrincipal>> ListPrincipals(Connection& db);
absl::StatusOr<std::optional<StoredPrincipal>> GetPrincipal(
    Connection& db, absl::string_view name);
absl::Status PutPrincipal(Connection& db, const StoredPrincipal& p);

// --- raw_records.cc
absl::StatusOr<std::optional<hub::v1::RawRecord>> FindRawRecord(
    Connection& db, absl::string_view system,
    absl::string_view idempotency_key);
// Stores the record as received at `received_at` and returns its id.
absl::StatusOr<int64_t> InsertRawRecord(Connection& db,
                                        const hub::v1::RawRecord& record,
                                        absl::Time received_at);
absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
    Connection& db, int64_t record_id, bool with_payload);
absl::Status SetRawRecordStatus(Connection& db, int64_t record_id,
                                hub::v1::RecordStatus status,
                                absl::string_view status_reason);
absl::StatusOr<RawRecordPage> ListRawRecords(Connection& db,
                                             const RawRecordQuery& query);

// --- record_waits.cc
// `now` is the transaction's commit time.
absl::Status MarkRecordWaiting(Connection& db, const RecordWait& wait,
                               absl::string_view status_reason, absl::Time now);
// Deletes the record's wait, if any.
absl::Status ForgetRecordWait(Connection& db, int64_t record_id);
absl::StatusOr<std::optional<RecordWait>> GetRecordWait(Connection& db,
                                                        int64_t record_id);
absl::StatusOr<std::vector<RecordWait>> RecordsWaitingFor(
    Connection& db, canonical::v1::EntityType type,
    const canonical::v1::ExternalRef& ref);
absl::StatusOr<std::vector<RecordRef>> ListRecordIdsByStatus(
    Connection& db, hub::v1::RecordStatus status, int64_t after_id, int limit);
absl::StatusOr<std::vector<RecordWait>> WaitingOlderThan(Connection& db,
                                                         absl::Time before,
                                                         int limit);

// --- entities.cc
absl::StatusOr<std::optional<StoredEntity>> GetEntity(
    Connection& db, EntityType type, absl::string_view id,
    const VersionSelector& which);
absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
    Connection& db, EntityType type, absl::string_view id);
absl::Status PutEntityVersion(Connection& db, const StoredEntity& entity,
                              const std::vector<IndexEntry>& index);
absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
    Connection& db, EntityType type, const ExternalRef& ref);
absl::Status BindExternalRef(Connection& db, EntityType type,
                             const ExternalRef& ref, absl::string_view id);
absl::StatusOr<std::vector<std::string>> FindEntityIds(Connection& db,
                                                       EntityType type,
                                                       const IndexEntry& entry,
                                                       int limit);
absl::StatusOr<EntityPage> ListEntities(Connection& db,
                                        const ListEntitiesQuery& query);

// --- events.cc
// Stores `event` at `position`, recorded at `now`. ALREADY_EXISTS when its
// event_id is stored. REQUIRES: position is one past the last stored
// position, and the transaction holds the events lock (LockEvents).
absl::Status AppendEvent(Connection& db, BusinessEvent event, int64_t position,
                         absl::Time now);
// Takes the transaction-level lock that every appender of events takes,
// and returns the last committed position (or this transaction's own).
absl::StatusOr<int64_t> LockEventsAndReadLast(Connection& db);
absl::StatusOr<std::vector<EventPayload>> ReadEventPayloads(Connection& db,
                                                            int64_t from,
                                                            int64_t to,
                                                            int limit);
absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
    Connection& db, int64_t from, int64_t to,
    const std::vector<EventType>& types, int limit);
absl::StatusOr<std::optional<BusinessEvent>> GetEventById(
    Connection& db, absl::string_view event_id);
absl::StatusOr<std::vector<BusinessEvent>> FindEvents(
    Connection& db, const EventLinkQuery& query);
// Returns the highest stored position (0 when empty).
absl::StatusOr<int64_t> LastEventPosition(Connection& db);
absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
    Connection& db, absl::string_view name);
absl::Status PutConsumer(Connection& db, const hub::v1::Consumer& consumer);

// --- idempotency.cc
absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
    Connection& db, absl::string_view scope, absl::string_view key);
absl::Status PutIdempotency(Connection& db, absl::string_view scope,
                            absl::string_view key,
                            const IdempotencyRecord& record,
                            absl::Time created_at);
absl::StatusOr<int64_t> DeleteIdempotencyBefore(Connection& db,
                                                absl::Time cutoff, int limit);

// --- operations.cc
absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
    Connection& db, absl::string_view operation_id);
absl::Status PutOperation(Connection& db, const hub::v1::Operation& op);
absl::StatusOr<OperationPage> ListOperations(Connection& db, int page_size,
                                             absl::string_view page_token);
absl::StatusOr<std::vector<hub::v1::Operation>> ListRunningOperations(
    Connection& db);

// --- sync_state.cc
absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
    Connection& db, absl::string_view system, absl::string_view object_type);
absl::StatusOr<std::vector<hub::v1::SyncStatus>> ListSyncStates(
    Connection& db, absl::string_view system);
absl::Status PutSyncState(Connection& db, const hub::v1::SyncStatus& state);
absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
    Connection& db, absl::string_view system,
    absl::string_view vendor_event_id);
absl::StatusOr<int64_t> CountWebhookDeliveries(Connection& db,
                                               absl::string_view system);
absl::StatusOr<int64_t> InsertWebhookDelivery(Connection& db,
                                              const WebhookDelivery& delivery,
                                              absl::Time now);

// --- workflows.cc
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

// --- exceptions.cc
absl::StatusOr<hub::v1::Exception> PutException(Connection& db,
                                                hub::v1::Exception exception);
absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
    Connection& db, int64_t exception_id);
absl::StatusOr<std::vector<hub::v1::Exception>> ListOpenRecordExceptions(
    Connection& db, int64_t record_id);
absl::StatusOr<ExceptionPage> ListExceptions(Connection& db,
                                             const ExceptionQuery& query);
// Binds the summary columns of `e` (currency, amount_units, amount_nanos,
// sla_due_at, resolved_at, trace_id) to parameters first..first+5.
void BindSummaryColumns(Statement& q, const hub::v1::Exception& e, int first);

// --- monitor.cc
absl::StatusOr<std::vector<RecordStatusCount>> CountRecordsByStatus(
    Connection& db);
absl::StatusOr<std::vector<WorkflowStateCount>> CountWorkflowsByState(
    Connection& db);
absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ConsumerPositions(
    Connection& db);
absl::StatusOr<std::vector<ExceptionSummaryGroup>> SummarizeExceptions(
    Connection& db, const ExceptionSummaryQuery& query);

// --- postings.cc
absl::Status RecordPosting(Connection& db, const PostingRow& posting);
absl::Status ReplacePosting(Connection& db, const PostingRow& posting);
// Returns the postings whose `column` ("vendor_id" or "external_id", an
// indexed column) is `value`, to `target` (any when empty).
absl::StatusOr<std::vector<PostingRow>> FindPostings(Connection& db,
                                                     absl::string_view column,
                                                     absl::string_view target,
                                                     absl::string_view value);
absl::StatusOr<std::vector<PostingRow>> ListPostings(
    Connection& db, absl::string_view target, absl::string_view contract_id);
absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
    Connection& db, absl::string_view target, EntityType type,
    absl::string_view id);

// --- audit.cc
// Appends the row after the last stored one (audit_log.h), at `now`.
absl::StatusOr<hub::v1::AuditRecord> AppendAudit(Connection& db,
                                                 hub::v1::AuditRecord row,
                                                 absl::Time now);
absl::StatusOr<std::vector<hub::v1::AuditRecord>> ListAuditRecords(
    Connection& db, const AuditQuery& query);
absl::StatusOr<AuditVerification> VerifyAuditLog(
    Connection& db, const std::optional<AuditAnchor>& anchor);

// --- periods.cc
absl::StatusOr<std::vector<hub::v1::AccountingPeriod>> ListPeriods(
    Connection& db, absl::string_view legal_entity);
absl::StatusOr<std::vector<std::string>> ClosedPeriodsAt(
    Connection& db, absl::string_view legal_entity, absl::Time as_of);
absl::StatusOr<std::optional<hub::v1::AccountingPeriod>> GetPeriod(
    Connection& db, absl::string_view period, absl::string_view legal_entity);
absl::StatusOr<hub::v1::AccountingPeriod> AppendPeriodChange(
    Connection& db, const hub::v1::AccountingPeriod& change, absl::Time now);

// --- reconciliation.cc (and ListTargetPostings in postings.cc)
absl::StatusOr<std::optional<hub::v1::ReconciliationReport>>
GetLatestReconciliation(Connection& db, absl::string_view period,
                        absl::string_view legal_entity);
absl::Status PutReconciliation(Connection& db,
                               const hub::v1::ReconciliationReport& report);
absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
    Connection& db, absl::string_view variance_id);
absl::Status PutVariance(Connection& db, const hub::v1::Variance& variance,
                         absl::string_view legal_entity);
absl::StatusOr<std::vector<hub::v1::Variance>> ListPeriodVariances(
    Connection& db, absl::string_view period, absl::string_view legal_entity);
absl::StatusOr<VariancePage> ListVariances(Connection& db,
                                           const VarianceQuery& query);
absl::StatusOr<std::vector<PostingRow>> ListTargetPostings(
    Connection& db, absl::string_view target);

}  // namespace revhub::hub::postgres

#endif  // REVHUB_HUB_STORE_POSTGRES_PG_QUERIES_H_
