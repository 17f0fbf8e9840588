// SqliteWriteTxn: the WriteTxn handed to one batch of writes, on the
// writer's connection inside its open transaction (see CommitBatch in
// sqlite_store.cc). It forwards to sqlite_queries.h with the batch's commit
// time, and tracks what the batch did that the store must know after the
// commit: the last event position assigned and whether a raw record became
// RECEIVED (stored, or set back to RECEIVED).
//
// Internal to revhub_store_sqlite. Used by the writer thread only.
#ifndef REVHUB_HUB_STORE_SQLITE_SQLITE_WRITE_TXN_H_
#define REVHUB_HUB_STORE_SQLITE_SQLITE_WRITE_TXN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/store/sqlite/sqlite_queries.h"
#include "hub/store/sqlite/sqlite_util.h"
#include "hub/store/store.h"

namespace revhub::hub::sqlite {

class SqliteWriteTxn : public WriteTxn {
 public:
  // `last_position` is the last event position committed before the batch.
  SqliteWriteTxn(Connection& db, absl::Time now, int64_t last_position)
      : db_(db), now_(now), max_position_(last_position) {}

  // The last event position assigned so far (the starting one when none).
  int64_t max_position() const { return max_position_; }
  // Forgets positions assigned after `p`, when a write rolled back.
  void set_max_position(int64_t p) { max_position_ = p; }
  // Whether a raw record was inserted or set RECEIVED (even by a write that
  // rolled back).
  bool received_record() const { return received_record_; }
  // Whether a stored record was set RECEIVED again.
  bool requeued_record() const { return requeued_record_; }

  // WriteTxn:
  absl::Time Now() const override { return now_; }
  absl::Status InSavepoint(absl::FunctionRef<absl::Status()> fn) override {
    // Named by depth, so savepoints nest inside the batch's own ("w").
    const std::string name = absl::StrCat("s", ++savepoint_depth_);
    const int64_t before = max_position_;
    absl::Status st = db_.Exec(absl::StrCat("SAVEPOINT ", name));
    if (st.ok()) st = fn();
    if (st.ok()) {
      st = db_.Exec(absl::StrCat("RELEASE ", name));
    } else {
      absl::Status rb = db_.Exec(absl::StrCat("ROLLBACK TO ", name));
      if (rb.ok()) rb = db_.Exec(absl::StrCat("RELEASE ", name));
      max_position_ = before;
      if (!rb.ok()) st = rb;
    }
    --savepoint_depth_;
    return st;
  }

  // SystemWriter:
  absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) override {
    return sqlite::GetSystem(db_, name);
  }
  absl::Status PutSystem(const hub::v1::System& system) override {
    return sqlite::PutSystem(db_, system);
  }
  absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
      absl::string_view name) override {
    return sqlite::GetSystemSecrets(db_, name);
  }
  absl::Status PutSystemSecrets(
      absl::string_view name,
      const std::vector<SystemSecret>& secrets) override {
    return sqlite::PutSystemSecrets(db_, name, secrets);
  }

  // PrincipalWriter:
  absl::StatusOr<std::optional<StoredPrincipal>> GetPrincipal(
      absl::string_view name) override {
    return sqlite::GetPrincipal(db_, name);
  }
  absl::Status PutPrincipal(const StoredPrincipal& p) override {
    return sqlite::PutPrincipal(db_, p);
  }

  // RawRecordWriter:
  absl::StatusOr<std::optional<hub::v1::RawRecord>> FindRawRecord(
      absl::string_view system, absl::string_view key) override {
    return sqlite::FindRawRecord(db_, system, key);
  }
  absl::StatusOr<int64_t> InsertRawRecord(
      const hub::v1::RawRecord& record) override {
    auto id = sqlite::InsertRawRecord(db_, record, now_);
    if (id.ok()) received_record_ = true;
    return id;
  }
  absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) override {
    return sqlite::GetRawRecord(db_, record_id, /*with_payload=*/false);
  }
  absl::Status SetRawRecordStatus(int64_t record_id,
                                  hub::v1::RecordStatus status,
                                  absl::string_view status_reason) override {
    absl::Status st =
        sqlite::SetRawRecordStatus(db_, record_id, status, status_reason);
    if (st.ok() && status == hub::v1::RECORD_STATUS_RECEIVED) {
      received_record_ = true;
      requeued_record_ = true;
    }
    return st;
  }
  absl::Status MarkRecordWaiting(const RecordWait& wait,
                                 absl::string_view status_reason) override {
    return sqlite::MarkRecordWaiting(db_, wait, status_reason, now_);
  }
  absl::StatusOr<std::optional<RecordWait>> GetRecordWait(
      int64_t record_id) override {
    return sqlite::GetRecordWait(db_, record_id);
  }
  absl::StatusOr<std::vector<RecordWait>> RecordsWaitingFor(
      EntityType type, const ExternalRef& ref) override {
    return sqlite::RecordsWaitingFor(db_, type, ref);
  }

  // EntityWriter:
  absl::StatusOr<std::optional<StoredEntity>> GetCurrentEntity(
      EntityType type, absl::string_view id) override {
    return sqlite::GetEntity(db_, type, id, VersionSelector{});
  }
  absl::Status PutEntityVersion(const StoredEntity& entity,
                                const std::vector<IndexEntry>& index) override {
    return sqlite::PutEntityVersion(db_, entity, index);
  }
  absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) override {
    return sqlite::ResolveExternalRef(db_, type, ref);
  }
  absl::Status BindExternalRef(EntityType type, const ExternalRef& ref,
                               absl::string_view id) override {
    return sqlite::BindExternalRef(db_, type, ref, id);
  }
  absl::StatusOr<std::vector<std::string>> FindEntityIds(
      EntityType type, const IndexEntry& entry, int limit) override {
    return sqlite::FindEntityIds(db_, type, entry, limit);
  }

  // EventLogWriter:
  absl::StatusOr<int64_t> AppendEvent(BusinessEvent event) override {
    const int64_t position = max_position_ + 1;
    absl::Status st =
        sqlite::AppendEvent(db_, std::move(event), position, now_);
    if (!st.ok()) return st;
    max_position_ = position;
    return position;
  }
  absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) override {
    return sqlite::GetConsumer(db_, name);
  }
  absl::Status PutConsumer(const hub::v1::Consumer& consumer) override {
    return sqlite::PutConsumer(db_, consumer);
  }

  // IdempotencyWriter:
  absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
      absl::string_view scope, absl::string_view key) override {
    return sqlite::GetIdempotency(db_, scope, key);
  }
  absl::Status PutIdempotency(absl::string_view scope, absl::string_view key,
                              const IdempotencyRecord& record) override {
    return sqlite::PutIdempotency(db_, scope, key, record, now_);
  }
  absl::StatusOr<int64_t> DeleteIdempotencyBefore(absl::Time cutoff,
                                                  int limit) override {
    return sqlite::DeleteIdempotencyBefore(db_, cutoff, limit);
  }

  // ReconciliationWriter:
  absl::Status PutReconciliation(
      const hub::v1::ReconciliationReport& report) override {
    return sqlite::PutReconciliation(db_, report);
  }
  absl::Status PutVariance(const hub::v1::Variance& variance,
                           absl::string_view legal_entity) override {
    return sqlite::PutVariance(db_, variance, legal_entity);
  }
  absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
      absl::string_view variance_id) override {
    return sqlite::GetVariance(db_, variance_id);
  }
  absl::StatusOr<std::vector<hub::v1::Variance>> ListPeriodVariances(
      absl::string_view period, absl::string_view legal_entity) override {
    return sqlite::ListPeriodVariances(db_, period, legal_entity);
  }

  // PeriodWriter:
  absl::StatusOr<std::optional<hub::v1::AccountingPeriod>> GetPeriod(
      absl::string_view period, absl::string_view legal_entity) override {
    return sqlite::GetPeriod(db_, period, legal_entity);
  }
  absl::StatusOr<hub::v1::AccountingPeriod> AppendPeriodChange(
      const hub::v1::AccountingPeriod& change) override {
    return sqlite::AppendPeriodChange(db_, change, now_);
  }

  // SyncStateWriter:
  absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
      absl::string_view system, absl::string_view object_type) override {
    return sqlite::GetSyncState(db_, system, object_type);
  }
  absl::Status PutSyncState(const hub::v1::SyncStatus& state) override {
    return sqlite::PutSyncState(db_, state);
  }
  absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
      absl::string_view system, absl::string_view vendor_event_id) override {
    return sqlite::FindWebhookDelivery(db_, system, vendor_event_id);
  }
  absl::StatusOr<int64_t> InsertWebhookDelivery(
      const WebhookDelivery& delivery) override {
    return sqlite::InsertWebhookDelivery(db_, delivery, now_);
  }

  // OperationWriter:
  absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
      absl::string_view operation_id) override {
    return sqlite::GetOperation(db_, operation_id);
  }
  absl::Status PutOperation(const hub::v1::Operation& op) override {
    return sqlite::PutOperation(db_, op);
  }

  // WorkflowWriter:
  absl::StatusOr<int64_t> NextSequence(absl::string_view name) override {
    return sqlite::NextSequence(db_, name);
  }
  absl::Status PutWorkflow(const hub::v1::Workflow& workflow, int64_t seq,
                           absl::string_view trigger_key) override {
    return sqlite::PutWorkflow(db_, workflow, seq, trigger_key);
  }
  absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) override {
    return sqlite::GetWorkflow(db_, workflow_id);
  }
  absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
      absl::string_view trigger_key) override {
    return sqlite::FindWorkflowByTrigger(db_, trigger_key);
  }
  absl::StatusOr<std::vector<hub::v1::Workflow>> ListUnfinishedWorkflows(
      absl::string_view contract_id) override {
    return sqlite::ListUnfinishedWorkflows(db_, contract_id);
  }

  // ExceptionQueueWriter:
  absl::StatusOr<hub::v1::Exception> PutException(
      hub::v1::Exception exception) override {
    return sqlite::PutException(db_, std::move(exception));
  }
  absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) override {
    return sqlite::GetException(db_, exception_id);
  }
  absl::StatusOr<std::vector<hub::v1::Exception>> ListOpenRecordExceptions(
      int64_t record_id) override {
    return sqlite::ListOpenRecordExceptions(db_, record_id);
  }

  // PostingLedgerWriter:
  absl::Status RecordPosting(const PostingRow& posting) override {
    return sqlite::RecordPosting(db_, posting);
  }
  absl::Status ReplacePosting(const PostingRow& posting) override {
    return sqlite::ReplacePosting(db_, posting);
  }
  absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) override {
    return sqlite::ListPostings(db_, target, contract_id);
  }
  absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, EntityType type,
      absl::string_view id) override {
    return sqlite::ListEntityPostings(db_, target, type, id);
  }

  // AuditLogWriter:
  absl::StatusOr<hub::v1::AuditRecord> AppendAudit(
      hub::v1::AuditRecord row) override {
    return sqlite::AppendAudit(db_, std::move(row), now_);
  }

 private:
  Connection& db_;
  const absl::Time now_;
  int64_t max_position_;
  int savepoint_depth_ = 0;  // InSavepoint nesting
  bool received_record_ = false;
  bool requeued_record_ = false;
};

}  // namespace revhub::hub::sqlite

#endif  // REVHUB_HUB_STORE_SQLITE_SQLITE_WRITE_TXN_H_
