#include "hub/store/sqlite/sqlite_store.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/sqlite/migrations.h"
#include "hub/store/sqlite/sqlite_orchestration.h"
#include "hub/store/sqlite/sqlite_util.h"

namespace revhub::hub {
namespace {

using google::protobuf::util::TimeUtil;
using sqlite::Connection;
using sqlite::DecodeNumericPageToken;
using sqlite::DecodePageToken;
using sqlite::EncodePageToken;
using sqlite::Statement;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

constexpr char kRawRecordColumns[] =
    "record_id, system, object_type, content_type, idempotency_key, "
    "payload_sha256, length(payload), received_at, status, principal";

hub::v1::RawRecord ReadRawRecord(Statement& q, bool with_payload) {
  hub::v1::RawRecord r;
  r.set_record_id(q.ColumnInt(0));
  r.set_system(q.ColumnText(1));
  r.set_object_type(q.ColumnText(2));
  r.set_content_type(q.ColumnText(3));
  r.set_idempotency_key(q.ColumnText(4));
  r.set_payload_sha256(q.ColumnText(5));
  r.set_size_bytes(q.ColumnInt(6));
  *r.mutable_received_at() = TimeUtil::MicrosecondsToTimestamp(q.ColumnInt(7));
  r.set_status(static_cast<hub::v1::RecordStatus>(q.ColumnInt(8)));
  r.set_principal(q.ColumnText(9));
  if (with_payload) r.set_payload(q.ColumnBlob(10));
  return r;
}

template <typename Msg>
absl::StatusOr<Msg> Parse(const std::string& bytes, absl::string_view what) {
  Msg m;
  if (!m.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " does not parse"));
  }
  return m;
}

// ---------------------------------------------------------------------------
// Queries shared by the writer (inside its transaction) and the readers.

absl::StatusOr<std::optional<hub::v1::System>> QuerySystem(
    Connection& db, absl::string_view name) {
  Statement q(db, "SELECT payload FROM systems WHERE name = ?");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  ASSIGN_OR_RETURN(auto s, Parse<hub::v1::System>(q.ColumnBlob(0), "system"));
  return s;
}

absl::StatusOr<std::optional<StoredEntity>> QueryEntity(
    Connection& db, EntityType type, absl::string_view id,
    const VersionSelector& which) {
  std::string sql =
      "SELECT version, recorded_at, payload FROM entity_versions"
      " WHERE entity_type = ?1 AND id = ?2";
  if (which.version > 0) {
    sql += " AND version = ?3";
  } else if (which.as_of.has_value()) {
    sql += " AND recorded_at <= ?3 ORDER BY version DESC LIMIT 1";
  } else {
    sql +=
        " AND version = (SELECT version FROM entities WHERE entity_type = ?1"
        " AND id = ?2)";
  }
  Statement q(db, sql);
  q.Bind(1, int64_t{type}).Bind(2, id);
  if (which.version > 0) {
    q.Bind(3, which.version);
  } else if (which.as_of.has_value()) {
    q.Bind(3, Micros(*which.as_of));
  }
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  StoredEntity e;
  e.type = type;
  e.id = std::string(id);
  e.version = q.ColumnInt(0);
  e.recorded_at = FromMicros(q.ColumnInt(1));
  e.payload = q.ColumnBlob(2);
  return e;
}

absl::StatusOr<std::optional<std::string>> QueryExternalRef(
    Connection& db, EntityType type, const ExternalRef& ref) {
  Statement q(
      db,
      "SELECT id FROM external_refs WHERE entity_type = ? AND system = ?"
      " AND object_type = ? AND vendor_id = ?");
  q.Bind(1, int64_t{type})
      .Bind(2, ref.system())
      .Bind(3, ref.object_type())
      .Bind(4, ref.vendor_id());
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return q.ColumnText(0);
}

absl::StatusOr<std::optional<hub::v1::Consumer>> QueryConsumer(
    Connection& db, absl::string_view name) {
  Statement q(db, "SELECT payload FROM consumers WHERE name = ?");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  ASSIGN_OR_RETURN(auto c,
                   Parse<hub::v1::Consumer>(q.ColumnBlob(0), "consumer"));
  return c;
}

// --- The ingest pipeline: record exceptions.
constexpr char kExceptionColumns[] =
    "exception_id, system, record_id, field_path, reason, recorded_at,"
    " resolved_at";

hub::v1::RecordException ReadException(Statement& q) {
  hub::v1::RecordException e;
  e.set_exception_id(q.ColumnInt(0));
  e.set_system(q.ColumnText(1));
  e.set_record_id(q.ColumnInt(2));
  e.set_field_path(q.ColumnText(3));
  e.set_reason(q.ColumnText(4));
  *e.mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(q.ColumnInt(5));
  if (q.ColumnInt(6) != 0) {
    *e.mutable_resolved_at() =
        TimeUtil::MicrosecondsToTimestamp(q.ColumnInt(6));
  }
  return e;
}

// ---------------------------------------------------------------------------

class SqliteWriteTxn : public WriteTxn {
 public:
  SqliteWriteTxn(Connection& db, absl::Time now) : db_(db), now_(now) {}

  int64_t max_position() const { return max_position_; }
  bool stored_raw_record() const { return stored_raw_record_; }
  void set_max_position(int64_t p) { max_position_ = p; }

  // WriteTxn:
  absl::Time Now() const override { return now_; }

  absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) override {
    return QuerySystem(db_, name);
  }

  absl::Status PutSystem(const hub::v1::System& system) override {
    Statement q(db_,
                "INSERT INTO systems (name, state, payload) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET state = excluded.state,"
                " payload = excluded.payload");
    q.Bind(1, system.name())
        .Bind(2, int64_t{system.state()})
        .BindBlob(3, system.SerializeAsString());
    return q.Run();
  }

  absl::StatusOr<std::optional<hub::v1::RawRecord>> FindRawRecord(
      absl::string_view system, absl::string_view key) override {
    Statement q(db_, absl::StrCat("SELECT ", kRawRecordColumns,
                                  " FROM raw_records WHERE system = ? AND"
                                  " idempotency_key = ?"));
    q.Bind(1, system).Bind(2, key);
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::nullopt;
    return ReadRawRecord(q, false);
  }

  absl::StatusOr<int64_t> InsertRawRecord(
      const hub::v1::RawRecord& r) override {
    Statement q(
        db_,
        "INSERT INTO raw_records (system, object_type, content_type,"
        " idempotency_key, payload, payload_sha256, received_at, status,"
        " principal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.Bind(1, r.system())
        .Bind(2, r.object_type())
        .Bind(3, r.content_type())
        .Bind(4, r.idempotency_key())
        .BindBlob(5, r.payload())
        .Bind(6, r.payload_sha256())
        .Bind(7, Micros(now_))
        .Bind(8, int64_t{r.status()})
        .Bind(9, r.principal());
    RETURN_IF_ERROR(q.Run());
    stored_raw_record_ = true;  // the ingest pipeline's listener
    return sqlite3_last_insert_rowid(db_.get());
  }

  absl::StatusOr<std::optional<StoredEntity>> GetCurrentEntity(
      EntityType type, absl::string_view id) override {
    return QueryEntity(db_, type, id, VersionSelector{});
  }

  absl::Status PutEntityVersion(const StoredEntity& e,
                                const std::vector<IndexEntry>& index) override {
    {
      Statement q(
          db_, "SELECT version FROM entities WHERE entity_type = ? AND id = ?");
      q.Bind(1, int64_t{e.type}).Bind(2, e.id);
      ASSIGN_OR_RETURN(bool row, q.Step());
      int64_t current = row ? q.ColumnInt(0) : 0;
      if (e.version != current + 1) {
        return absl::AbortedError(
            absl::StrCat("entity ", e.id, " is at version ", current,
                         ", cannot write version ", e.version));
      }
    }
    Statement ins(
        db_,
        "INSERT INTO entity_versions (entity_type, id, version, recorded_at,"
        " payload) VALUES (?, ?, ?, ?, ?)");
    ins.Bind(1, int64_t{e.type})
        .Bind(2, e.id)
        .Bind(3, e.version)
        .Bind(4, Micros(e.recorded_at))
        .BindBlob(5, e.payload);
    RETURN_IF_ERROR(ins.Run());
    Statement head(
        db_,
        "INSERT INTO entities (entity_type, id, version) VALUES (?, ?, ?)"
        " ON CONFLICT (entity_type, id) DO UPDATE SET version = "
        "excluded.version");
    head.Bind(1, int64_t{e.type}).Bind(2, e.id).Bind(3, e.version);
    RETURN_IF_ERROR(head.Run());
    Statement del(db_,
                  "DELETE FROM entity_index WHERE entity_type = ? AND id = ?");
    del.Bind(1, int64_t{e.type}).Bind(2, e.id);
    RETURN_IF_ERROR(del.Run());
    Statement idx(
        db_,
        "INSERT OR IGNORE INTO entity_index (entity_type, key, value, id)"
        " VALUES (?, ?, ?, ?)");
    for (const IndexEntry& entry : index) {
      RETURN_IF_ERROR(idx.Reset());
      idx.Bind(1, int64_t{e.type})
          .Bind(2, entry.key)
          .Bind(3, entry.value)
          .Bind(4, e.id);
      RETURN_IF_ERROR(idx.Run());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) override {
    return QueryExternalRef(db_, type, ref);
  }

  absl::Status BindExternalRef(EntityType type, const ExternalRef& ref,
                               absl::string_view id) override {
    ASSIGN_OR_RETURN(auto existing, QueryExternalRef(db_, type, ref));
    if (existing.has_value()) {
      if (*existing == id) return absl::OkStatus();
      return absl::AlreadyExistsError(absl::StrCat(
          "external ref ", ref.system(), "/", ref.object_type(), "/",
          ref.vendor_id(), " already belongs to ", *existing));
    }
    Statement q(db_,
                "INSERT INTO external_refs (entity_type, system, object_type,"
                " vendor_id, id) VALUES (?, ?, ?, ?, ?)");
    q.Bind(1, int64_t{type})
        .Bind(2, ref.system())
        .Bind(3, ref.object_type())
        .Bind(4, ref.vendor_id())
        .Bind(5, id);
    return q.Run();
  }

  absl::StatusOr<int64_t> AppendEvent(BusinessEvent event) override {
    int64_t position = max_position_ + 1;
    event.set_position(position);
    *event.mutable_recorded_at() = ToProtoTime(now_);
    Statement q(
        db_,
        "INSERT INTO events (position, event_id, type, recorded_at, payload)"
        " VALUES (?, ?, ?, ?, ?)");
    q.Bind(1, position)
        .Bind(2, event.event_id())
        .Bind(3, int64_t{event.type()})
        .Bind(4, Micros(now_))
        .BindBlob(5, event.SerializeAsString());
    RETURN_IF_ERROR(q.Run());
    max_position_ = position;
    return position;
  }

  absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) override {
    return QueryConsumer(db_, name);
  }

  absl::Status PutConsumer(const hub::v1::Consumer& c) override {
    Statement q(db_,
                "INSERT INTO consumers (name, payload) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET payload = excluded.payload");
    q.Bind(1, c.name()).BindBlob(2, c.SerializeAsString());
    return q.Run();
  }

  absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
      absl::string_view scope, absl::string_view key) override {
    Statement q(db_,
                "SELECT request_hash, response FROM idempotency WHERE scope = ?"
                " AND key = ?");
    q.Bind(1, scope).Bind(2, key);
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::nullopt;
    return IdempotencyRecord{q.ColumnBlob(0), q.ColumnBlob(1)};
  }

  absl::Status PutIdempotency(absl::string_view scope, absl::string_view key,
                              const IdempotencyRecord& r) override {
    Statement q(db_,
                "INSERT INTO idempotency (scope, key, request_hash, response,"
                " created_at) VALUES (?, ?, ?, ?, ?)");
    q.Bind(1, scope)
        .Bind(2, key)
        .BindBlob(3, r.request_hash)
        .BindBlob(4, r.response)
        .Bind(5, Micros(now_));
    return q.Run();
  }

  // --- The ingest pipeline
  absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) override {
    Statement q(db_, absl::StrCat("SELECT ", kRawRecordColumns,
                                  " FROM raw_records WHERE record_id = ?"));
    q.Bind(1, record_id);
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::nullopt;
    return ReadRawRecord(q, false);
  }

  absl::Status SetRawRecordStatus(int64_t record_id,
                                  hub::v1::RecordStatus status) override {
    Statement q(db_, "UPDATE raw_records SET status = ? WHERE record_id = ?");
    q.Bind(1, int64_t{status}).Bind(2, record_id);
    RETURN_IF_ERROR(q.Run());
    if (sqlite3_changes(db_.get()) == 0) {
      return absl::NotFoundError(
          absl::StrCat("record ", record_id, " not found"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<hub::v1::RecordException> AddRecordException(
      hub::v1::RecordException e) override {
    Statement q(db_,
                "INSERT INTO record_exceptions (system, record_id, field_path,"
                " reason, recorded_at) VALUES (?, ?, ?, ?, ?)");
    q.Bind(1, e.system())
        .Bind(2, e.record_id())
        .Bind(3, e.field_path())
        .Bind(4, e.reason())
        .Bind(5, Micros(now_));
    RETURN_IF_ERROR(q.Run());
    e.set_exception_id(sqlite3_last_insert_rowid(db_.get()));
    *e.mutable_recorded_at() = ToProtoTime(now_);
    e.clear_resolved_at();
    return e;
  }

  absl::Status ResolveRecordExceptions(int64_t record_id) override {
    Statement q(db_,
                "UPDATE record_exceptions SET resolved_at = ? WHERE"
                " record_id = ? AND resolved_at IS NULL");
    q.Bind(1, Micros(now_)).Bind(2, record_id);
    return q.Run();
  }

  absl::StatusOr<std::vector<std::string>> FindEntityIds(
      EntityType type, const IndexEntry& entry, int limit) override {
    Statement q(db_,
                "SELECT id FROM entity_index WHERE entity_type = ? AND key = ?"
                " AND value = ? ORDER BY id LIMIT ?");
    q.Bind(1, int64_t{type})
        .Bind(2, entry.key)
        .Bind(3, entry.value)
        .Bind(4, int64_t{limit});
    std::vector<std::string> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.push_back(q.ColumnText(0));
    }
    return out;
  }

  // --- Orchestration (hub/sqlite_orchestration.h)
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
  absl::Status PutPosting(const PostingRow& posting) override {
    return sqlite::PutPosting(db_, posting);
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

 private:
  Connection& db_;
  absl::Time now_;
  int64_t max_position_ = 0;
  bool stored_raw_record_ = false;
};

// ---------------------------------------------------------------------------

class SqliteStore : public Store {
 public:
  SqliteStore(SqliteStoreOptions options, Connection writer,
              std::vector<Connection> readers, int64_t last_position,
              absl::Time last_time)
      : options_(std::move(options)),
        writer_db_(std::move(writer)),
        readers_(std::move(readers)),
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

  int64_t LastEventPosition() const override { return last_position_.load(); }

  absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) override {
    Reader r(this);
    return QuerySystem(*r, name);
  }

  absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
      absl::string_view after_name, int limit) override {
    Reader r(this);
    Statement q(
        *r, "SELECT payload FROM systems WHERE name > ? ORDER BY name LIMIT ?");
    q.Bind(1, after_name).Bind(2, int64_t{limit});
    std::vector<hub::v1::System> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(auto s,
                       Parse<hub::v1::System>(q.ColumnBlob(0), "system"));
      out.push_back(std::move(s));
    }
    return out;
  }

  absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) override {
    Reader r(this);
    Statement q(*r,
                absl::StrCat("SELECT ", kRawRecordColumns,
                             ", payload FROM raw_records WHERE record_id = ?"));
    q.Bind(1, record_id);
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::nullopt;
    return ReadRawRecord(q, true);
  }

  absl::StatusOr<RawRecordPage> ListRawRecords(
      const RawRecordQuery& query) override {
    ASSIGN_OR_RETURN(int64_t before,
                     DecodeNumericPageToken(query.page_token, INT64_MAX));
    std::string sql = absl::StrCat("SELECT ", kRawRecordColumns,
                                   " FROM raw_records WHERE record_id < ?1");
    if (!query.system.empty()) sql += " AND system = ?2";
    if (!query.object_type.empty()) sql += " AND object_type = ?3";
    if (query.status != hub::v1::RECORD_STATUS_UNSPECIFIED)
      sql += " AND status = ?4";
    sql += " ORDER BY record_id DESC LIMIT ?5";
    Reader r(this);
    Statement q(*r, sql);
    q.Bind(1, before).Bind(5, int64_t{query.page_size + 1});
    if (!query.system.empty()) q.Bind(2, query.system);
    if (!query.object_type.empty()) q.Bind(3, query.object_type);
    if (query.status != hub::v1::RECORD_STATUS_UNSPECIFIED)
      q.Bind(4, int64_t{query.status});
    RawRecordPage page;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      page.records.push_back(ReadRawRecord(q, false));
    }
    if (static_cast<int>(page.records.size()) > query.page_size) {
      page.records.pop_back();
      page.next_page_token =
          EncodePageToken(absl::StrCat(page.records.back().record_id()));
    }
    return page;
  }

  absl::StatusOr<std::optional<StoredEntity>> GetEntity(
      EntityType type, absl::string_view id,
      const VersionSelector& which) override {
    Reader r(this);
    return QueryEntity(*r, type, id, which);
  }

  absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) override {
    Reader r(this);
    return QueryExternalRef(*r, type, ref);
  }

  absl::StatusOr<EntityPage> ListEntities(
      const ListEntitiesQuery& query) override {
    std::string after;
    if (!query.page_token.empty()) {
      ASSIGN_OR_RETURN(after, DecodePageToken(query.page_token));
    }
    std::string sql =
        "SELECT e.id, v.version, v.recorded_at, v.payload FROM entities e"
        " JOIN entity_versions v ON v.entity_type = e.entity_type AND v.id = "
        "e.id"
        " AND v.version = e.version WHERE e.entity_type = ? AND e.id > ?";
    for (size_t i = 0; i < query.filters.size(); ++i) {
      sql +=
          " AND EXISTS (SELECT 1 FROM entity_index i WHERE i.entity_type ="
          " e.entity_type AND i.id = e.id AND i.key = ? AND i.value = ?)";
    }
    if (!query.system.empty()) {
      sql +=
          " AND EXISTS (SELECT 1 FROM external_refs r WHERE r.entity_type ="
          " e.entity_type AND r.id = e.id AND r.system = ?)";
    }
    sql += " ORDER BY e.id LIMIT ?";
    Reader r(this);
    Statement q(*r, sql);
    int n = 1;
    q.Bind(n++, int64_t{query.type});
    q.Bind(n++, after);
    for (const IndexEntry& f : query.filters) {
      q.Bind(n++, f.key);
      q.Bind(n++, f.value);
    }
    if (!query.system.empty()) q.Bind(n++, query.system);
    q.Bind(n++, int64_t{query.page_size + 1});
    EntityPage page;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      StoredEntity e;
      e.type = query.type;
      e.id = q.ColumnText(0);
      e.version = q.ColumnInt(1);
      e.recorded_at = FromMicros(q.ColumnInt(2));
      e.payload = q.ColumnBlob(3);
      page.entities.push_back(std::move(e));
    }
    if (static_cast<int>(page.entities.size()) > query.page_size) {
      page.entities.pop_back();
      page.next_page_token = EncodePageToken(page.entities.back().id);
    }
    return page;
  }

  absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
      int64_t from, int64_t to, const std::vector<EventType>& types,
      int limit) override {
    std::string sql =
        "SELECT payload FROM events WHERE position BETWEEN ? AND ?";
    if (!types.empty()) {
      std::vector<std::string> ts;
      for (EventType t : types) ts.push_back(absl::StrCat(static_cast<int>(t)));
      sql += absl::StrCat(" AND type IN (", absl::StrJoin(ts, ","), ")");
    }
    sql += " ORDER BY position LIMIT ?";
    Reader r(this);
    Statement q(*r, sql);
    q.Bind(1, from).Bind(2, to).Bind(3, int64_t{limit});
    std::vector<BusinessEvent> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(auto e, Parse<BusinessEvent>(q.ColumnBlob(0), "event"));
      out.push_back(std::move(e));
    }
    return out;
  }

  absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) override {
    Reader r(this);
    return QueryConsumer(*r, name);
  }

  // --- Revenue recomputation
  absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
      EntityType type, absl::string_view id) override {
    Reader r(this);
    Statement q(*r,
                "SELECT version, recorded_at, payload FROM entity_versions"
                " WHERE entity_type = ? AND id = ? ORDER BY version");
    q.Bind(1, int64_t{type}).Bind(2, id);
    std::vector<StoredEntity> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      StoredEntity e;
      e.type = type;
      e.id = std::string(id);
      e.version = q.ColumnInt(0);
      e.recorded_at = FromMicros(q.ColumnInt(1));
      e.payload = q.ColumnBlob(2);
      out.push_back(std::move(e));
    }
    return out;
  }

  // --- The ingest pipeline
  void SetRawRecordListener(std::function<void()> listener) override {
    std::lock_guard<std::mutex> lock(listener_mu_);
    record_listener_ = std::move(listener);
  }

  absl::StatusOr<RecordExceptionPage> ListRecordExceptions(
      const RecordExceptionQuery& query) override {
    ASSIGN_OR_RETURN(int64_t before,
                     DecodeNumericPageToken(query.page_token, INT64_MAX));
    std::string sql = absl::StrCat("SELECT ", kExceptionColumns,
                                   " FROM record_exceptions WHERE"
                                   " exception_id < ?1");
    if (!query.system.empty()) sql += " AND system = ?2";
    if (query.record_id != 0) sql += " AND record_id = ?3";
    if (query.open_only) sql += " AND resolved_at IS NULL";
    sql += " ORDER BY exception_id DESC LIMIT ?4";
    Reader r(this);
    Statement q(*r, sql);
    q.Bind(1, before).Bind(4, int64_t{query.page_size + 1});
    if (!query.system.empty()) q.Bind(2, query.system);
    if (query.record_id != 0) q.Bind(3, query.record_id);
    RecordExceptionPage page;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      page.exceptions.push_back(ReadException(q));
    }
    if (static_cast<int>(page.exceptions.size()) > query.page_size) {
      page.exceptions.pop_back();
      page.next_page_token =
          EncodePageToken(absl::StrCat(page.exceptions.back().exception_id()));
    }
    return page;
  }

  // --- Orchestration (hub/sqlite_orchestration.h)
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
      bool stored_raw_record = false;
      int64_t committed_position = CommitBatch(batch, &stored_raw_record);
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (Job* j : batch) j->done = true;
      }
      done_cv_.notify_all();
      if (committed_position > 0) {
        std::lock_guard<std::mutex> lock(listener_mu_);
        if (listener_) listener_(committed_position);
      }
      // The ingest pipeline.
      if (stored_raw_record) {
        std::lock_guard<std::mutex> lock(listener_mu_);
        if (record_listener_) record_listener_();
      }
    }
  }

  // Runs one batch in one transaction. Returns the new last event position
  // when the batch appended events and committed, else 0.
  // *stored_raw_record says whether the committed batch stored a raw record.
  int64_t CommitBatch(const std::vector<Job*>& batch, bool* stored_raw_record) {
    absl::Time now =
        std::max(absl::Now(), last_commit_time_ + absl::Microseconds(1));
    absl::Status begin = writer_db_.Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (Job* j : batch) j->result = begin;
      return 0;
    }
    const int64_t start_position = last_position_.load();
    SqliteWriteTxn txn(writer_db_, now);
    txn.set_max_position(start_position);
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
    *stored_raw_record = txn.stored_raw_record();
    if (txn.max_position() == start_position) return 0;
    last_position_.store(txn.max_position());
    return txn.max_position();
  }

  SqliteStoreOptions options_;
  Connection writer_db_;
  std::vector<Connection> readers_;

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
  std::function<void()> record_listener_;  // the ingest pipeline

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
