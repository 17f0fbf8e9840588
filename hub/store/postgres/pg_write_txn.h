// PgWriteTxn: the WriteTxn handed to one batch of writes, on the writer's
// connection inside its open transaction (see CommitBatch in
// postgres_store.cc). It forwards to pg_queries.h with the batch's commit
// time, and tracks what the batch did that the store must know after the
// commit: the last event position assigned and whether a raw record became
// RECEIVED (stored, or set back to RECEIVED).
//
// Event positions: the first AppendEvent of a batch takes the events lock
// (a transaction-level advisory lock every hub's appender takes) and reads
// the last position; later ones count on from it. The lock is held to the
// commit, so positions are dense and in commit order across hubs. A lock
// taken inside a savepoint may go with that savepoint's rollback, so a
// rollback at or above the depth where it was taken makes the next append
// take it (and read the last position) again.
//
// Internal to revhub_store_postgres. Used by the writer thread only.
#ifndef REVHUB_HUB_STORE_POSTGRES_PG_WRITE_TXN_H_
#define REVHUB_HUB_STORE_POSTGRES_PG_WRITE_TXN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/store/postgres/pg_queries.h"
#include "hub/store/postgres/pg_util.h"
#include "hub/store/store.h"

namespace revhub::hub::postgres {

class PgWriteTxn : public WriteTxn {
 public:
  PgWriteTxn(Connection& db, absl::Time now) : db_(db), now_(now) {}

  // The last event position assigned by this batch's kept writes; 0 when
  // none.
  int64_t max_position() const { return appended_ ? max_position_ : 0; }
  // Called after the savepoint at `depth` (0: the batch's own for one
  // write) rolled back: forgets what was appended inside it.
  void RolledBack(int depth, int64_t position_before, bool appended_before) {
    max_position_ = position_before;
    appended_ = appended_before;
    if (lock_depth_ >= depth) lock_depth_ = -1;
  }
  // What RolledBack needs to restore.
  int64_t position_mark() const { return max_position_; }
  bool appended_mark() const { return appended_; }
  // Whether a raw record was inserted or set RECEIVED (even by a write that
  // rolled back).
  bool received_record() const { return received_record_; }
  // Whether a stored record was set RECEIVED again.
  bool requeued_record() const { return requeued_record_; }

  // WriteTxn:
  absl::Time Now() const override { return now_; }
  absl::Status InSavepoint(absl::FunctionRef<absl::Status()> fn) override {
    // Named by depth, so savepoints nest inside the batch's own ("w").
    const int depth = ++savepoint_depth_;
    const std::string name = absl::StrCat("s", depth);
    const int64_t before = max_position_;
    const bool appended_before = appended_;
    absl::Status st = db_.Exec(absl::StrCat("SAVEPOINT ", name));
    if (st.ok()) st = fn();
    // A statement that failed inside fn leaves the transaction aborted even
    // when fn went on and succeeded; then RELEASE fails, and the savepoint
    // is rolled back all the same.
    if (st.ok()) st = db_.Exec(absl::StrCat("RELEASE ", name));
    if (!st.ok()) {
      absl::Status rb = db_.Exec(absl::StrCat("ROLLBACK TO ", name));
      if (rb.ok()) rb = db_.Exec(absl::StrCat("RELEASE ", name));
      RolledBack(depth, before, appended_before);
      if (!rb.ok()) st = rb;
    }
    --savepoint_depth_;
    return st;
  }

  // SystemWriter:
  absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) override {
    return postgres::GetSystem(db_, name);
  }
  absl::Status PutSystem(const hub::v1::System& system) override {
    return postgres::PutSystem(db_, system);
  }
  absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
      absl::string_view name) override {
    return postgres::GetSystemSecrets(db_, name);
  }
  absl::Status PutSystemSecrets(
      absl::string_view name,
      const std::vector<SystemSecret>& secrets) override {
    return postgres::PutSystemSecrets(db_, name, secrets);
  }

  // PrincipalWriter:
  absl::StatusOr<std::optional<StoredPrincipal>> GetPrincipal(
      absl::string_view name) override {
    return postgres::GetPrincipal(db_, name);
  }
  absl::Status PutPrincipal(const StoredPrincipal& p) override {
    return postgres::PutPrincipal(db_, p);
  }

  // RawRecordWriter:
  absl::StatusOr<std::optional<hub::v1::RawRecord>> FindRawRecord(
      absl::string_view system, absl::string_view key) override {
    return postgres::FindRawRecord(db_, system, key);
  }
  absl::StatusOr<int64_t> InsertRawRecord(
      const hub::v1::RawRecord& record) override {
    auto id = postgres::InsertRawRecord(db_, record, now_);
    if (id.ok()) received_record_ = true;
    return id;
  }
  absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) override {
    return postgres::GetRawRecord(db_, record_id, /*with_payload=*/false);
  }
  absl::Status SetRawRecordStatus(int64_t record_id,
                                  hub::v1::RecordStatus status,
                                  absl::string_view status_reason) override {
    absl::Status st =
        postgres::SetRawRecordStatus(db_, record_id, status, status_reason);
    if (st.ok() && status == hub::v1::RECORD_STATUS_RECEIVED) {
      received_record_ = true;
      requeued_record_ = true;
    }
    return st;
  }
  absl::Status MarkRecordWaiting(const RecordWait& wait,
                                 absl::string_view status_reason) override {
    return postgres::MarkRecordWaiting(db_, wait, status_reason, now_);
  }
  absl::StatusOr<std::optional<RecordWait>> GetRecordWait(
      int64_t record_id) override {
    return postgres::GetRecordWait(db_, record_id);
  }
  absl::StatusOr<std::vector<RecordWait>> RecordsWaitingFor(
      EntityType type, const ExternalRef& ref) override {
    return postgres::RecordsWaitingFor(db_, type, ref);
  }

  // EntityWriter:
  absl::StatusOr<std::optional<StoredEntity>> GetCurrentEntity(
      EntityType type, absl::string_view id) override {
    return postgres::GetEntity(db_, type, id, VersionSelector{});
  }
  absl::Status PutEntityVersion(const StoredEntity& entity,
                                const std::vector<IndexEntry>& index) override {
    return postgres::PutEntityVersion(db_, entity, index);
  }
  absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) override {
    return postgres::ResolveExternalRef(db_, type, ref);
  }
  absl::Status BindExternalRef(EntityType type, const ExternalRef& ref,
                               absl::string_view id) override {
    return postgres::BindExternalRef(db_, type, ref, id);
  }
  absl::StatusOr<std::vector<std::string>> FindEntityIds(
      EntityType type, const IndexEntry& entry, int limit) override {
    return postgres::FindEntityIds(db_, type, entry, limit);
  }

  // EventLogWriter:
  absl::StatusOr<int64_t> AppendEvent(BusinessEvent event) override {
    if (lock_depth_ < 0) {
      absl::StatusOr<int64_t> last = postgres::LockEventsAndReadLast(db_);
      if (!last.ok()) return last.status();
      max_position_ = *last;
      lock_depth_ = savepoint_depth_;
    }
    const int64_t position = max_position_ + 1;
    absl::Status st =
        postgres::AppendEvent(db_, std::move(event), position, now_);
    if (!st.ok()) return st;
    max_position_ = position;
    appended_ = true;
    return position;
  }
  absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) override {
    return postgres::GetConsumer(db_, name);
  }
  absl::Status PutConsumer(const hub::v1::Consumer& consumer) override {
    return postgres::PutConsumer(db_, consumer);
  }

  // IdempotencyWriter:
  absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
      absl::string_view scope, absl::string_view key) override {
    return postgres::GetIdempotency(db_, scope, key);
  }
  absl::Status PutIdempotency(absl::string_view scope, absl::string_view key,
                              const IdempotencyRecord& record) override {
    return postgres::PutIdempotency(db_, scope, key, record, now_);
  }
  absl::StatusOr<int64_t> DeleteIdempotencyBefore(absl::Time cutoff,
                                                  int limit) override {
    return postgres::DeleteIdempotencyBefore(db_, cutoff, limit);
  }

  // ReconciliationWriter:
  absl::Status PutReconciliation(
      const hub::v1::ReconciliationReport& report) override {
    return postgres::PutReconciliation(db_, report);
  }
  absl::Status PutVariance(const hub::v1::Variance& variance,
                           absl::string_view legal_entity) override {
    return postgres::PutVariance(db_, variance, legal_entity);
  }
  absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
      absl::string_view variance_id) override {
    return postgres::GetVariance(db_, variance_id);
  }
  absl::StatusOr<std::vector<hub::v1::Variance>> ListPeriodVariances(
      absl::string_view period, absl::string_view legal_entity) override {
    return postgres::ListPeriodVariances(db_, period, legal_entity);
  }

  // PeriodWriter:
  absl::StatusOr<std::optional<hub::v1::AccountingPeriod>> GetPeriod(
      absl::string_view period, absl::string_view legal_entity) override {
    return postgres::GetPeriod(db_, period, legal_entity);
  }
  absl::StatusOr<hub::v1::AccountingPeriod> AppendPeriodChange(
      const hub::v1::AccountingPeriod& change) override {
    return postgres::AppendPeriodChange(db_, change, now_);
  }

  // SyncStateWriter:
  absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
      absl::string_view system, absl::string_view object_type) override {
    return postgres::GetSyncState(db_, system, object_type);
  }
  absl::Status PutSyncState(const hub::v1::SyncStatus& state) override {
    return postgres::PutSyncState(db_, state);
  }
  absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
      absl::string_view system, absl::string_view vendor_event_id) override {
    return postgres::FindWebhookDelivery(db_, system, vendor_event_id);
  }
  absl::StatusOr<int64_t> InsertWebhookDelivery(
      const WebhookDelivery& delivery) override {
    return postgres::InsertWebhookDelivery(db_, delivery, now_);
  }

  // OperationWriter:
  absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
      absl::string_view operation_id) override {
    return postgres::GetOperation(db_, operation_id);
  }
  absl::Status PutOperation(const hub::v1::Operation& op) override {
    return postgres::PutOperation(db_, op);
  }

  // WorkflowWriter:
  absl::StatusOr<int64_t> NextSequence(absl::string_view name) override {
    return postgres::NextSequence(db_, name);
  }
  absl::Status PutWorkflow(const hub::v1::Workflow& workflow, int64_t seq,
                           absl::string_view trigger_key) override {
    return postgres::PutWorkflow(db_, workflow, seq, trigger_key);
  }
  absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) override {
    return postgres::GetWorkflow(db_, workflow_id);
  }
  absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
      absl::string_view trigger_key) override {
    return postgres::FindWorkflowByTrigger(db_, trigger_key);
  }
  absl::StatusOr<std::vector<hub::v1::Workflow>> ListUnfinishedWorkflows(
      absl::string_view contract_id) override {
    return postgres::ListUnfinishedWorkflows(db_, contract_id);
  }

  // ExceptionQueueWriter:
  absl::StatusOr<hub::v1::Exception> PutException(
      hub::v1::Exception exception) override {
    return postgres::PutException(db_, std::move(exception));
  }
  absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) override {
    return postgres::GetException(db_, exception_id);
  }
  absl::StatusOr<std::vector<hub::v1::Exception>> ListOpenRecordExceptions(
      int64_t record_id) override {
    return postgres::ListOpenRecordExceptions(db_, record_id);
  }

  // PostingLedgerWriter:
  absl::Status RecordPosting(const PostingRow& posting) override {
    return postgres::RecordPosting(db_, posting);
  }
  absl::Status ReplacePosting(const PostingRow& posting) override {
    return postgres::ReplacePosting(db_, posting);
  }
  absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) override {
    return postgres::ListPostings(db_, target, contract_id);
  }
  absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, EntityType type,
      absl::string_view id) override {
    return postgres::ListEntityPostings(db_, target, type, id);
  }

  // AuditLogWriter:
  absl::StatusOr<hub::v1::AuditRecord> AppendAudit(
      hub::v1::AuditRecord row) override {
    return postgres::AppendAudit(db_, std::move(row), now_);
  }

 private:
  Connection& db_;
  const absl::Time now_;
  int64_t max_position_ = 0;
  bool appended_ = false;    // whether kept writes appended events
  int lock_depth_ = -1;      // savepoint depth the events lock was taken at
  int savepoint_depth_ = 0;  // InSavepoint nesting; 0 is the write's own
  bool received_record_ = false;
  bool requeued_record_ = false;
};

}  // namespace revhub::hub::postgres

#endif  // REVHUB_HUB_STORE_POSTGRES_PG_WRITE_TXN_H_
