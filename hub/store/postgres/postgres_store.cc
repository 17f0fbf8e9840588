// The PostgresStore: its writer thread with group commit, its pool of read
// connections, the commits of other hubs heard through LISTEN, and opening
// the database. The SQL is in pg_queries.h.
#include "hub/store/postgres/postgres_store.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/leases.h"
#include "hub/store/postgres/migrations.h"
#include "hub/store/postgres/notifications.h"
#include "hub/store/postgres/pg_queries.h"
#include "hub/store/postgres/pg_util.h"
#include "hub/store/postgres/pg_write_txn.h"

namespace revhub::hub {
namespace {

using postgres::Connection;
using postgres::PgWriteTxn;
using postgres::Statement;

// Raises `a` to `v` when `v` is higher.
void RaiseTo(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load();
  while (cur < v && !a.compare_exchange_weak(cur, v)) {
  }
}

class PostgresStore : public Store {
 public:
  PostgresStore(PostgresStoreOptions options, Connection writer,
                std::vector<Connection> readers, int64_t last_position,
                absl::Time last_time)
      : options_(std::move(options)),
        writer_db_(std::move(writer)),
        readers_(std::move(readers)),
        leases_(options_.url),
        last_position_(last_position),
        writer_pid_(writer_db_.backend_pid()),
        last_commit_time_(last_time) {
    for (auto& r : readers_) free_readers_.push_back(&r);
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  ~PostgresStore() override {
    notifications_.reset();  // no more calls from the listening thread
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_thread_.join();
  }

  // Starts hearing the other hubs' commits.
  absl::Status StartNotifications() {
    postgres::NotificationCallbacks cb;
    cb.on_events = [this](int64_t position) {
      RaiseTo(last_position_, position);
      FireEventListener();
    };
    cb.on_records = [this](bool requeued) { FireRecordListener(requeued); };
    cb.on_resync = [this](Connection& db) {
      auto last = postgres::LastEventPosition(db);
      if (last.ok()) RaiseTo(last_position_, *last);
      FireEventListener();
      FireRecordListener(/*requeued=*/true);
    };
    cb.own_backend_pid = [this] { return writer_pid_.load(); };
    ASSIGN_OR_RETURN(notifications_, postgres::PgNotifications::Start(
                                         options_.url, std::move(cb)));
    return absl::OkStatus();
  }

  // Raises the last position to what is committed now.
  absl::Status CatchUp() {
    Reader r(this);
    ASSIGN_OR_RETURN(int64_t last, postgres::LastEventPosition(*r));
    RaiseTo(last_position_, last);
    return absl::OkStatus();
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

  // LeaseKeeper:
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
    return postgres::GetSystem(*r, name);
  }
  absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
      absl::string_view after_name, int limit) override {
    Reader r(this);
    return postgres::ListSystems(*r, after_name, limit);
  }
  absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
      absl::string_view name) override {
    Reader r(this);
    return postgres::GetSystemSecrets(*r, name);
  }
  absl::StatusOr<std::vector<std::pair<std::string, SystemSecret>>>
  ListSealedSecretKeys() override {
    Reader r(this);
    return postgres::ListSealedSecretKeys(*r);
  }
  absl::StatusOr<std::string> FingerprintSalt() override {
    Reader r(this);
    return postgres::FingerprintSalt(*r);
  }

  // RawRecordReader:
  absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) override {
    Reader r(this);
    return postgres::GetRawRecord(*r, record_id, /*with_payload=*/true);
  }
  absl::StatusOr<RawRecordPage> ListRawRecords(
      const RawRecordQuery& query) override {
    Reader r(this);
    return postgres::ListRawRecords(*r, query);
  }
  absl::StatusOr<std::vector<RecordWait>> WaitingOlderThan(absl::Time before,
                                                           int limit) override {
    Reader r(this);
    return postgres::WaitingOlderThan(*r, before, limit);
  }
  absl::StatusOr<std::vector<RecordRef>> ListRecordIdsByStatus(
      hub::v1::RecordStatus status, int64_t after_id, int limit) override {
    Reader r(this);
    return postgres::ListRecordIdsByStatus(*r, status, after_id, limit);
  }

  // EntityReader:
  absl::StatusOr<std::optional<StoredEntity>> GetEntity(
      EntityType type, absl::string_view id,
      const VersionSelector& which) override {
    Reader r(this);
    return postgres::GetEntity(*r, type, id, which);
  }
  absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
      EntityType type, absl::string_view id) override {
    Reader r(this);
    return postgres::ListEntityVersions(*r, type, id);
  }
  absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) override {
    Reader r(this);
    return postgres::ResolveExternalRef(*r, type, ref);
  }
  absl::StatusOr<EntityPage> ListEntities(
      const ListEntitiesQuery& query) override {
    Reader r(this);
    return postgres::ListEntities(*r, query);
  }

  // EventLogReader:
  absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
      int64_t from, int64_t to, const std::vector<EventType>& types,
      int limit) override {
    Reader r(this);
    return postgres::ReadEvents(*r, from, to, types, limit);
  }
  absl::StatusOr<std::vector<EventPayload>> ReadEventPayloads(
      int64_t from, int64_t to, int limit) override {
    Reader r(this);
    return postgres::ReadEventPayloads(*r, from, to, limit);
  }
  absl::StatusOr<std::optional<BusinessEvent>> GetEventById(
      absl::string_view event_id) override {
    Reader r(this);
    return postgres::GetEventById(*r, event_id);
  }
  absl::StatusOr<std::vector<BusinessEvent>> FindEvents(
      const EventLinkQuery& query) override {
    Reader r(this);
    return postgres::FindEvents(*r, query);
  }
  absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) override {
    Reader r(this);
    return postgres::GetConsumer(*r, name);
  }

  // OperationReader:
  absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
      absl::string_view operation_id) override {
    Reader r(this);
    return postgres::GetOperation(*r, operation_id);
  }
  absl::StatusOr<OperationPage> ListOperations(
      int page_size, absl::string_view page_token) override {
    Reader r(this);
    return postgres::ListOperations(*r, page_size, page_token);
  }
  absl::StatusOr<std::vector<hub::v1::Operation>> ListRunningOperations()
      override {
    Reader r(this);
    return postgres::ListRunningOperations(*r);
  }

  // ReconciliationReader:
  absl::StatusOr<std::optional<hub::v1::ReconciliationReport>>
  GetLatestReconciliation(absl::string_view period,
                          absl::string_view legal_entity) override {
    Reader r(this);
    return postgres::GetLatestReconciliation(*r, period, legal_entity);
  }
  absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
      absl::string_view variance_id) override {
    Reader r(this);
    return postgres::GetVariance(*r, variance_id);
  }
  absl::StatusOr<VariancePage> ListVariances(
      const VarianceQuery& query) override {
    Reader r(this);
    return postgres::ListVariances(*r, query);
  }
  absl::StatusOr<std::vector<PostingRow>> ListTargetPostings(
      absl::string_view target) override {
    Reader r(this);
    return postgres::ListTargetPostings(*r, target);
  }

  // PeriodReader:
  absl::StatusOr<std::vector<hub::v1::AccountingPeriod>> ListPeriods(
      absl::string_view legal_entity) override {
    Reader r(this);
    return postgres::ListPeriods(*r, legal_entity);
  }
  absl::StatusOr<std::vector<std::string>> ClosedPeriodsAt(
      absl::string_view legal_entity, absl::Time as_of) override {
    Reader r(this);
    return postgres::ClosedPeriodsAt(*r, legal_entity, as_of);
  }

  // SyncStateReader:
  absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
      absl::string_view system, absl::string_view object_type) override {
    Reader r(this);
    return postgres::GetSyncState(*r, system, object_type);
  }
  absl::StatusOr<std::vector<hub::v1::SyncStatus>> ListSyncStates(
      absl::string_view system) override {
    Reader r(this);
    return postgres::ListSyncStates(*r, system);
  }
  absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
      absl::string_view system, absl::string_view vendor_event_id) override {
    Reader r(this);
    return postgres::FindWebhookDelivery(*r, system, vendor_event_id);
  }
  absl::StatusOr<int64_t> CountWebhookDeliveries(
      absl::string_view system) override {
    Reader r(this);
    return postgres::CountWebhookDeliveries(*r, system);
  }

  // WorkflowReader:
  absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) override {
    Reader r(this);
    return postgres::GetWorkflow(*r, workflow_id);
  }
  absl::StatusOr<WorkflowPage> ListWorkflows(
      const WorkflowQuery& query) override {
    Reader r(this);
    return postgres::ListWorkflows(*r, query);
  }
  absl::StatusOr<std::vector<hub::v1::Workflow>> ListUnfinishedWorkflows()
      override {
    Reader r(this);
    return postgres::ListUnfinishedWorkflows(*r, "");
  }

  // ExceptionQueueReader:
  absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) override {
    Reader r(this);
    return postgres::GetException(*r, exception_id);
  }
  absl::StatusOr<ExceptionPage> ListExceptions(
      const ExceptionQuery& query) override {
    Reader r(this);
    return postgres::ListExceptions(*r, query);
  }

  // MonitorReader:
  absl::StatusOr<std::vector<RecordStatusCount>> CountRecordsByStatus()
      override {
    Reader r(this);
    return postgres::CountRecordsByStatus(*r);
  }
  absl::StatusOr<std::vector<WorkflowStateCount>> CountWorkflowsByState()
      override {
    Reader r(this);
    return postgres::CountWorkflowsByState(*r);
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>>
  ConsumerPositions() override {
    Reader r(this);
    return postgres::ConsumerPositions(*r);
  }
  absl::StatusOr<std::vector<ExceptionSummaryGroup>> SummarizeExceptions(
      const ExceptionSummaryQuery& query) override {
    Reader r(this);
    return postgres::SummarizeExceptions(*r, query);
  }

  // PostingLedgerReader:
  absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) override {
    Reader r(this);
    return postgres::ListPostings(*r, target, contract_id);
  }
  absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, EntityType type,
      absl::string_view id) override {
    Reader r(this);
    return postgres::ListEntityPostings(*r, target, type, id);
  }
  absl::StatusOr<std::vector<PostingRow>> FindPostingsByVendorId(
      absl::string_view target, absl::string_view vendor_id) override {
    Reader r(this);
    return postgres::FindPostings(*r, "vendor_id", target, vendor_id);
  }
  absl::StatusOr<std::vector<PostingRow>> FindPostingsByExternalId(
      absl::string_view target, absl::string_view external_id) override {
    Reader r(this);
    return postgres::FindPostings(*r, "external_id", target, external_id);
  }

  // PrincipalReader:
  absl::StatusOr<std::vector<StoredPrincipal>> ListPrincipals() override {
    Reader r(this);
    return postgres::ListPrincipals(*r);
  }
  // AuditLogReader:
  absl::StatusOr<std::vector<hub::v1::AuditRecord>> ListAuditRecords(
      const AuditQuery& query) override {
    Reader r(this);
    return postgres::ListAuditRecords(*r, query);
  }
  absl::StatusOr<AuditVerification> VerifyAuditLog(
      const std::optional<AuditAnchor>& anchor) override {
    Reader r(this);
    return postgres::VerifyAuditLog(*r, anchor);
  }

 private:
  struct Job {
    absl::FunctionRef<absl::Status(WriteTxn&)> fn;
    absl::Status result;
    bool done = false;
  };

  // Checks a read connection out of the pool for one call, reconnecting it
  // when its connection was lost.
  class Reader {
   public:
    explicit Reader(PostgresStore* store) : store_(store) {
      std::unique_lock<std::mutex> lock(store_->readers_mu_);
      store_->readers_cv_.wait(lock,
                               [&] { return !store_->free_readers_.empty(); });
      conn_ = store_->free_readers_.back();
      store_->free_readers_.pop_back();
      lock.unlock();
      if (!conn_->ok()) conn_->Reset().IgnoreError();
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
    PostgresStore* store_;
    Connection* conn_;
  };

  void FireEventListener() {
    std::lock_guard<std::mutex> lock(listener_mu_);
    if (listener_) listener_(last_position_.load());
  }

  void FireRecordListener(bool requeued) {
    std::lock_guard<std::mutex> lock(listener_mu_);
    if (record_listener_) record_listener_(requeued);
  }

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
      const int64_t committed_position =
          CommitBatch(batch, &received_record, &requeued);
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (Job* j : batch) j->done = true;
      }
      done_cv_.notify_all();
      if (committed_position > 0) FireEventListener();
      if (received_record) FireRecordListener(requeued);
    }
  }

  // Commits the open transaction. COMMIT of a transaction an error aborted
  // "succeeds" as a rollback, so the command's tag is what says it
  // committed.
  absl::Status Commit() {
    PGresult* res = PQexec(writer_db_.get(), "COMMIT");
    absl::Status st;
    if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
      st = postgres::ErrorStatus(writer_db_.get(), res, "commit");
    } else if (absl::string_view(PQcmdStatus(res)) != "COMMIT") {
      st = absl::AbortedError("the transaction was rolled back by an error");
    }
    PQclear(res);
    return st;
  }

  // Runs one batch in one transaction. Returns the last event position the
  // batch committed, else 0. *received_record says whether the committed
  // batch stored a raw record or set one RECEIVED.
  int64_t CommitBatch(const std::vector<Job*>& batch, bool* received_record,
                      bool* requeued) {
    if (!writer_db_.ok()) {
      // The server went away (restart, failover): reconnect before the
      // batch, and fail it when that does not work.
      absl::Status st = writer_db_.Reset();
      writer_pid_ = writer_db_.backend_pid();
      if (!st.ok()) {
        for (Job* j : batch) j->result = st;
        return 0;
      }
    }
    absl::Time now =
        std::max(absl::Now(), last_commit_time_ + absl::Microseconds(1));
    absl::Status begin = writer_db_.Exec("BEGIN");
    if (!begin.ok()) {
      for (Job* j : batch) j->result = begin;
      return 0;
    }
    PgWriteTxn txn(writer_db_, now);
    for (Job* j : batch) {
      const int64_t position = txn.position_mark();
      const bool appended = txn.appended_mark();
      absl::Status st = writer_db_.Exec("SAVEPOINT w");
      if (st.ok()) st = j->fn(txn);
      // RELEASE fails when a statement failed inside fn and fn went on
      // (the transaction is aborted): the write is rolled back all the same.
      if (st.ok()) st = writer_db_.Exec("RELEASE w");
      if (!st.ok()) {
        absl::Status rb = writer_db_.Exec("ROLLBACK TO w");
        if (rb.ok()) rb = writer_db_.Exec("RELEASE w");
        txn.RolledBack(0, position, appended);
        if (!rb.ok()) st = rb;
      }
      j->result = st;
    }
    // The notices go out with the commit, in commit order, and only if it
    // commits.
    absl::Status notify;
    if (txn.max_position() > 0) {
      Statement n(writer_db_, "SELECT pg_notify($1, $2)");
      n.Bind(1, postgres::kEventsChannel)
          .Bind(2, absl::StrCat(txn.max_position()));
      notify = n.Run();
    }
    if (notify.ok() && txn.received_record()) {
      // "requeued" when a stored record was set RECEIVED again.
      Statement n(writer_db_, "SELECT pg_notify($1, $2)");
      n.Bind(1, postgres::kRecordsChannel)
          .Bind(2, txn.requeued_record() ? "requeued" : "");
      notify = n.Run();
    }
    absl::Status commit = notify.ok() ? Commit() : notify;
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
    if (txn.max_position() == 0) return 0;
    RaiseTo(last_position_, txn.max_position());
    return txn.max_position();
  }

  PostgresStoreOptions options_;
  Connection writer_db_;  // writer thread only
  std::vector<Connection> readers_;
  postgres::PgLeases leases_;
  std::unique_ptr<postgres::PgNotifications> notifications_;

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
  std::atomic<int> writer_pid_;
  absl::Time last_commit_time_;  // writer thread only
  std::thread writer_thread_;
};

// Returns the latest time stored (recorded_at, received_at), so Now()
// never goes back behind it.
absl::StatusOr<absl::Time> LastStoredTime(Connection& db) {
  Statement q(db,
              "SELECT GREATEST((SELECT COALESCE(MAX(recorded_at), 0) FROM"
              " events), (SELECT COALESCE(MAX(recorded_at), 0) FROM"
              " entity_versions), (SELECT COALESCE(MAX(received_at), 0)"
              " FROM raw_records))");
  ASSIGN_OR_RETURN(bool row, q.Step());
  return postgres::FromMicros(row ? q.ColumnInt(0) : 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    const PostgresStoreOptions& options) {
  if (PQisthreadsafe() == 0) {
    return absl::FailedPreconditionError(
        "libpq was built without thread support");
  }
  ASSIGN_OR_RETURN(Connection writer, Connection::Open(options.url));
  RETURN_IF_ERROR(postgres::ApplyMigrations(writer).status());
  ASSIGN_OR_RETURN(int64_t last_position, postgres::LastEventPosition(writer));
  ASSIGN_OR_RETURN(absl::Time last_time, LastStoredTime(writer));
  std::vector<Connection> readers;
  for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
    ASSIGN_OR_RETURN(Connection c, Connection::Open(options.url));
    readers.push_back(std::move(c));
  }
  auto store = std::make_unique<PostgresStore>(
      options, std::move(writer), std::move(readers), last_position, last_time);
  RETURN_IF_ERROR(store->StartNotifications());
  // A commit between reading the last position and listening went
  // unheard: read it again now that nothing can be missed.
  RETURN_IF_ERROR(store->CatchUp());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace revhub::hub
