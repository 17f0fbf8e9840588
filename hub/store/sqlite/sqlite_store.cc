// The SqliteStore: its writer thread with group commit, its pool of read
// connections, and opening the database. The SQL is in sqlite_queries.h.
#include "hub/store/sqlite/sqlite_store.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "hub/store/sqlite/migrations.h"
#include "hub/store/sqlite/sqlite_leases.h"
#include "hub/store/sqlite/sqlite_queries.h"
#include "hub/store/sqlite/sqlite_util.h"
#include "hub/store/sqlite/sqlite_write_txn.h"

namespace revhub::hub {
namespace {

using sqlite::Connection;
using sqlite::FromMicros;
using sqlite::SqliteWriteTxn;
using sqlite::Statement;

class SqliteStore : public Store {
 public:
  SqliteStore(SqliteStoreOptions options, Connection writer,
              std::vector<Connection> readers, int64_t last_position,
              absl::Time last_time)
      : options_(std::move(options)),
        writer_db_(std::move(writer)),
        readers_(std::move(readers)),
        leases_(options_.path + "-lease"),
        last_position_(last_position),
        last_commit_time_(last_time) {
    for (auto& r : readers_) free_readers_.push_back(&r);
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_thread_.join();
    // Checkpoint the WAL into the main file so a clean stop leaves one file.
    writer_db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
  }

  // Store:
  absl::Status Write(absl::FunctionRef<absl::Status(WriteTxn&)> fn) override {
    Job job{fn};
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the store is shutting down");
    queue_.push_back(&job);
    queue_cv_.notify_one();
    done_cv_.wait(lock, [&] { return job.done; });
    return job.result;
  }

  void SetEventListener(std::function<void(int64_t)> listener) override {
    std::lock_guard<std::mutex> lock(listener_mu_);
    listener_ = std::move(listener);
  }

  void SetRawRecordListener(
      std::function<void(bool requeued)> listener) override {
    std::lock_guard<std::mutex> lock(listener_mu_);
    record_listener_ = std::move(listener);
  }

  int64_t LastEventPosition() const override { return last_position_.load(); }

  // LeaseKeeper: OFD locks on the lease file beside the database.
  absl::StatusOr<bool> TryAcquireLease(absl::string_view duty) override {
    return leases_.TryAcquireLease(duty);
  }
  absl::StatusOr<bool> LeaseHeld(absl::string_view duty) override {
    return leases_.LeaseHeld(duty);
  }
  void ReleaseLease(absl::string_view duty) override {
    leases_.ReleaseLease(duty);
  }

  // SystemReader:
  absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) override {
    Reader r(this);
    return sqlite::GetSystem(*r, name);
  }
  absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
      absl::string_view after_name, int limit) override {
    Reader r(this);
    return sqlite::ListSystems(*r, after_name, limit);
  }
  absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
      absl::string_view name) override {
    Reader r(this);
    return sqlite::GetSystemSecrets(*r, name);
  }
  absl::StatusOr<std::vector<std::pair<std::string, SystemSecret>>>
  ListSealedSecretKeys() override {
    Reader r(this);
    return sqlite::ListSealedSecretKeys(*r);
  }
  absl::StatusOr<std::string> FingerprintSalt() override {
    Reader r(this);
    return sqlite::FingerprintSalt(*r);
  }

  // RawRecordReader:
  absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) override {
    Reader r(this);
    return sqlite::GetRawRecord(*r, record_id, /*with_payload=*/true);
  }
  absl::StatusOr<RawRecordPage> ListRawRecords(
      const RawRecordQuery& query) override {
    Reader r(this);
    return sqlite::ListRawRecords(*r, query);
  }
  absl::StatusOr<std::vector<RecordWait>> WaitingOlderThan(absl::Time before,
                                                           int limit) override {
    Reader r(this);
    return sqlite::WaitingOlderThan(*r, before, limit);
  }
  absl::StatusOr<std::vector<RecordRef>> ListRecordIdsByStatus(
      hub::v1::RecordStatus status, int64_t after_id, int limit) override {
    Reader r(this);
    return sqlite::ListRecordIdsByStatus(*r, status, after_id, limit);
  }

  // EntityReader:
  absl::StatusOr<std::optional<StoredEntity>> GetEntity(
      EntityType type, absl::string_view id,
      const VersionSelector& which) override {
    Reader r(this);
    return sqlite::GetEntity(*r, type, id, which);
  }
  absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
      EntityType type, absl::string_view id) override {
    Reader r(this);
    return sqlite::ListEntityVersions(*r, type, id);
  }
  absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) override {
    Reader r(this);
    return sqlite::ResolveExternalRef(*r, type, ref);
  }
  absl::StatusOr<EntityPage> ListEntities(
      const ListEntitiesQuery& query) override {
    Reader r(this);
    return sqlite::ListEntities(*r, query);
  }

  // EventLogReader:
  absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
      int64_t from, int64_t to, const std::vector<EventType>& types,
      int limit) override {
    Reader r(this);
    return sqlite::ReadEvents(*r, from, to, types, limit);
  }
  absl::StatusOr<std::vector<EventPayload>> ReadEventPayloads(
      int64_t from, int64_t to, int limit) override {
    Reader r(this);
    return sqlite::ReadEventPayloads(*r, from, to, limit);
  }
  absl::StatusOr<std::optional<BusinessEvent>> GetEventById(
      absl::string_view event_id) override {
    Reader r(this);
    return sqlite::GetEventById(*r, event_id);
  }
  absl::StatusOr<std::vector<BusinessEvent>> FindEvents(
      const EventLinkQuery& query) override {
    Reader r(this);
    return sqlite::FindEvents(*r, query);
  }
  absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) override {
    Reader r(this);
    return sqlite::GetConsumer(*r, name);
  }

  // OperationReader:
  absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
      absl::string_view operation_id) override {
    Reader r(this);
    return sqlite::GetOperation(*r, operation_id);
  }
  absl::StatusOr<OperationPage> ListOperations(
      int page_size, absl::string_view page_token) override {
    Reader r(this);
    return sqlite::ListOperations(*r, page_size, page_token);
  }
  absl::StatusOr<std::vector<hub::v1::Operation>> ListRunningOperations()
      override {
    Reader r(this);
    return sqlite::ListRunningOperations(*r);
  }

  // ReconciliationReader:
  absl::StatusOr<std::optional<hub::v1::ReconciliationReport>>
  GetLatestReconciliation(absl::string_view period,
                          absl::string_view legal_entity) override {
    Reader r(this);
    return sqlite::GetLatestReconciliation(*r, period, legal_entity);
  }
  absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
      absl::string_view variance_id) override {
    Reader r(this);
    return sqlite::GetVariance(*r, variance_id);
  }
  absl::StatusOr<VariancePage> ListVariances(
      const VarianceQuery& query) override {
    Reader r(this);
    return sqlite::ListVariances(*r, query);
  }
  absl::StatusOr<std::vector<PostingRow>> ListTargetPostings(
      absl::string_view target) override {
    Reader r(this);
    return sqlite::ListTargetPostings(*r, target);
  }

  // PeriodReader:
  absl::StatusOr<std::vector<hub::v1::AccountingPeriod>> ListPeriods(
      absl::string_view legal_entity) override {
    Reader r(this);
    return sqlite::ListPeriods(*r, legal_entity);
  }
  absl::StatusOr<std::vector<std::string>> ClosedPeriodsAt(
      absl::string_view legal_entity, absl::Time as_of) override {
    Reader r(this);
    return sqlite::ClosedPeriodsAt(*r, legal_entity, as_of);
  }

  // SyncStateReader:
  absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
      absl::string_view system, absl::string_view object_type) override {
    Reader r(this);
    return sqlite::GetSyncState(*r, system, object_type);
  }
  absl::StatusOr<std::vector<hub::v1::SyncStatus>> ListSyncStates(
      absl::string_view system) override {
    Reader r(this);
    return sqlite::ListSyncStates(*r, system);
  }
  absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
      absl::string_view system, absl::string_view vendor_event_id) override {
    Reader r(this);
    return sqlite::FindWebhookDelivery(*r, system, vendor_event_id);
  }
  absl::StatusOr<int64_t> CountWebhookDeliveries(
      absl::string_view system) override {
    Reader r(this);
    return sqlite::CountWebhookDeliveries(*r, system);
  }

  // WorkflowReader:
  absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) override {
    Reader r(this);
    return sqlite::GetWorkflow(*r, workflow_id);
  }
  absl::StatusOr<WorkflowPage> ListWorkflows(
      const WorkflowQuery& query) override {
    Reader r(this);
    return sqlite::ListWorkflows(*r, query);
  }
  absl::StatusOr<std::vector<hub::v1::Workflow>> ListUnfinishedWorkflows()
      override {
    Reader r(this);
    return sqlite::ListUnfinishedWorkflows(*r, "");
  }

  // ExceptionQueueReader:
  absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) override {
    Reader r(this);
    return sqlite::GetException(*r, exception_id);
  }
  absl::StatusOr<ExceptionPage> ListExceptions(
      const ExceptionQuery& query) override {
    Reader r(this);
    return sqlite::ListExceptions(*r, query);
  }

  // MonitorReader:
  absl::StatusOr<std::vector<RecordStatusCount>> CountRecordsByStatus()
      override {
    Reader r(this);
    return sqlite::CountRecordsByStatus(*r);
  }
  absl::StatusOr<std::vector<WorkflowStateCount>> CountWorkflowsByState()
      override {
    Reader r(this);
    return sqlite::CountWorkflowsByState(*r);
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>>
  ConsumerPositions() override {
    Reader r(this);
    return sqlite::ConsumerPositions(*r);
  }
  absl::StatusOr<std::vector<ExceptionSummaryGroup>> SummarizeExceptions(
      const ExceptionSummaryQuery& query) override {
    Reader r(this);
    return sqlite::SummarizeExceptions(*r, query);
  }

  // PostingLedgerReader:
  absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) override {
    Reader r(this);
    return sqlite::ListPostings(*r, target, contract_id);
  }
  absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, EntityType type,
      absl::string_view id) override {
    Reader r(this);
    return sqlite::ListEntityPostings(*r, target, type, id);
  }
  absl::StatusOr<std::vector<PostingRow>> FindPostingsByVendorId(
      absl::string_view target, absl::string_view vendor_id) override {
    Reader r(this);
    return sqlite::FindPostings(*r, "vendor_id", target, vendor_id);
  }
  absl::StatusOr<std::vector<PostingRow>> FindPostingsByExternalId(
      absl::string_view target, absl::string_view external_id) override {
    Reader r(this);
    return sqlite::FindPostings(*r, "external_id", target, external_id);
  }

  // PrincipalReader:
  absl::StatusOr<std::vector<StoredPrincipal>> ListPrincipals() override {
    Reader r(this);
    return sqlite::ListPrincipals(*r);
  }
  // AuditLogReader:
  absl::StatusOr<std::vector<hub::v1::AuditRecord>> ListAuditRecords(
      const AuditQuery& query) override {
    Reader r(this);
    return sqlite::ListAuditRecords(*r, query);
  }
  absl::StatusOr<AuditVerification> VerifyAuditLog(
      const std::optional<AuditAnchor>& anchor) override {
    Reader r(this);
    return sqlite::VerifyAuditLog(*r, anchor);
  }

 private:
  struct Job {
    absl::FunctionRef<absl::Status(WriteTxn&)> fn;
    absl::Status result;
    bool done = false;
  };

  // Checks a read connection out of the pool for one call.
  class Reader {
   public:
    explicit Reader(SqliteStore* store) : store_(store) {
      std::unique_lock<std::mutex> lock(store_->readers_mu_);
      store_->readers_cv_.wait(lock,
                               [&] { return !store_->free_readers_.empty(); });
      conn_ = store_->free_readers_.back();
      store_->free_readers_.pop_back();
    }
    ~Reader() {
      {
        std::lock_guard<std::mutex> lock(store_->readers_mu_);
        store_->free_readers_.push_back(conn_);
      }
      store_->readers_cv_.notify_one();
    }
    Connection& operator*() { return *conn_; }

   private:
    SqliteStore* store_;
    Connection* conn_;
  };

  void WriterLoop() {
    while (true) {
      std::vector<Job*> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        while (!queue_.empty() &&
               static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      bool received_record = false, requeued = false;
      int64_t committed_position =
          CommitBatch(batch, &received_record, &requeued);
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (Job* j : batch) j->done = true;
      }
      done_cv_.notify_all();
      if (committed_position > 0) {
        std::lock_guard<std::mutex> lock(listener_mu_);
        if (listener_) listener_(committed_position);
      }
      if (received_record) {
        std::lock_guard<std::mutex> lock(listener_mu_);
        if (record_listener_) record_listener_(requeued);
      }
    }
  }

  // Runs one batch in one transaction. Returns the new last event position
  // when the batch appended events and committed, else 0.
  // *received_record says whether the committed batch stored a raw record
  // or set one RECEIVED, *requeued whether it set a stored one RECEIVED.
  int64_t CommitBatch(const std::vector<Job*>& batch, bool* received_record,
                      bool* requeued) {
    absl::Time now =
        std::max(absl::Now(), last_commit_time_ + absl::Microseconds(1));
    absl::Status begin = writer_db_.Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (Job* j : batch) j->result = begin;
      return 0;
    }
    const int64_t start_position = last_position_.load();
    SqliteWriteTxn txn(writer_db_, now, start_position);
    for (Job* j : batch) {
      const int64_t before = txn.max_position();
      absl::Status st = writer_db_.Exec("SAVEPOINT w");
      if (st.ok()) st = j->fn(txn);
      if (st.ok()) {
        st = writer_db_.Exec("RELEASE w");
      } else {
        absl::Status rb = writer_db_.Exec("ROLLBACK TO w");
        if (rb.ok()) rb = writer_db_.Exec("RELEASE w");
        txn.set_max_position(before);
        if (!rb.ok()) st = rb;
      }
      j->result = st;
    }
    absl::Status commit = writer_db_.Exec("COMMIT");
    if (!commit.ok()) {
      writer_db_.Exec("ROLLBACK").IgnoreError();
      for (Job* j : batch) {
        if (j->result.ok()) {
          j->result = absl::Status(
              commit.code(), absl::StrCat("commit failed: ", commit.message()));
        }
      }
      return 0;
    }
    last_commit_time_ = now;
    *received_record = txn.received_record();
    *requeued = txn.requeued_record();
    if (txn.max_position() == start_position) return 0;
    last_position_.store(txn.max_position());
    return txn.max_position();
  }

  SqliteStoreOptions options_;
  Connection writer_db_;
  std::vector<Connection> readers_;
  sqlite::SqliteLeases leases_;

  std::mutex mu_;
  std::condition_variable queue_cv_;
  std::condition_variable done_cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<Connection*> free_readers_;

  std::mutex listener_mu_;
  std::function<void(int64_t)> listener_;
  std::function<void(bool)> record_listener_;

  std::atomic<int64_t> last_position_;
  absl::Time last_commit_time_;  // writer thread only
  std::thread writer_thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options) {
  if (sqlite3_threadsafe() == 0) {
    return absl::FailedPreconditionError(
        "SQLite was built without thread support");
  }
  ASSIGN_OR_RETURN(Connection writer,
                   Connection::Open(options.path, SQLITE_OPEN_READWRITE |
                                                      SQLITE_OPEN_CREATE |
                                                      SQLITE_OPEN_NOMUTEX));
  RETURN_IF_ERROR(writer.Exec("PRAGMA busy_timeout = 10000"));
  {
    Statement q(writer, "PRAGMA journal_mode = WAL");
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row || q.ColumnText(0) != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat(options.path, ": could not switch to WAL journal mode"));
    }
  }
  RETURN_IF_ERROR(writer.Exec("PRAGMA synchronous = FULL"));
  // Every write of a group commit runs in a savepoint (and a batch of
  // records in one savepoint each), so SQLite copies each page a write
  // first touches into the statement sub-journal: in a temporary file by
  // default, one pwrite per page (a quarter of the writer's time when
  // streaming records). In memory it is a copy, and it is only ever read to
  // roll a savepoint back; durability is the WAL's, not the sub-journal's.
  RETURN_IF_ERROR(writer.Exec("PRAGMA temp_store = MEMORY"));
  RETURN_IF_ERROR(ApplyMigrations(writer).status());

  int64_t last_position = 0;
  absl::Time last_time = absl::UnixEpoch();
  {
    Statement q(writer,
                "SELECT IFNULL(MAX(position), 0), IFNULL(MAX(recorded_at), 0) "
                "FROM events");
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      last_position = q.ColumnInt(0);
      last_time = FromMicros(q.ColumnInt(1));
    }
  }
  {
    // Never hand out a recorded time earlier than one already stored.
    Statement q(writer,
                "SELECT IFNULL(MAX(recorded_at), 0) FROM entity_versions");
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) last_time = std::max(last_time, FromMicros(q.ColumnInt(0)));
    Statement r(writer, "SELECT IFNULL(MAX(received_at), 0) FROM raw_records");
    ASSIGN_OR_RETURN(bool row2, r.Step());
    if (row2) last_time = std::max(last_time, FromMicros(r.ColumnInt(0)));
  }

  std::vector<Connection> readers;
  for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
    ASSIGN_OR_RETURN(Connection c,
                     Connection::Open(options.path, SQLITE_OPEN_READONLY |
                                                        SQLITE_OPEN_NOMUTEX));
    RETURN_IF_ERROR(c.Exec("PRAGMA busy_timeout = 10000"));
    readers.push_back(std::move(c));
  }
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer),
                                                std::move(readers),
                                                last_position, last_time));
}

}  // namespace revhub::hub
