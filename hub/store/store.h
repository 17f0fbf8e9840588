// Store: everything revhubd knows, behind one interface.
//
// A Store keeps registered systems, raw vendor records, every version of
// every canonical entity with its external refs, the event log, durable
// consumers and idempotency records. SqliteStore (sqlite_store.h) is the
// embedded implementation; the interface is what a PostgreSQL one would
// implement too.
//
// Writes: Write() runs a function inside a write transaction on the store's
// single writer. Writes that arrive together are committed as one
// transaction (group commit), each inside its own savepoint, so one failing
// write rolls back alone. Write() returns only once the transaction is
// durable on disk. Events appended in a write get their positions in commit
// order, dense from 1.
//
// Reads see only committed data. All methods are thread-safe.
#ifndef REVHUB_HUB_STORE_STORE_H_
#define REVHUB_HUB_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/canonical/v1/common.pb.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/hub/v1/event_service.pb.h"
#include "revhub/hub/v1/exception_service.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"
#include "revhub/hub/v1/pipeline_service.pb.h"
#include "revhub/hub/v1/system_registry_service.pb.h"
#include "revhub/hub/v1/workflow_service.pb.h"

namespace revhub::hub {

using canonical::v1::BusinessEvent;
using canonical::v1::EntityType;
using canonical::v1::EventType;
using canonical::v1::ExternalRef;

// One stored version of one entity. `payload` is the serialized canonical
// message (Customer, Contract, …).
struct StoredEntity {
  EntityType type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::string id;
  int64_t version = 0;
  absl::Time recorded_at;
  std::string payload;
};

// Which version Get reads: the current one, a numbered one, or the one that
// was current at a recorded time.
struct VersionSelector {
  int64_t version = 0;              // 0: not by number
  std::optional<absl::Time> as_of;  // unset: not by time
};

// A list filter: entities whose index has `key` = `value`. Index entries are
// written with each version (see WriteTxn::PutEntityVersion).
struct IndexEntry {
  std::string key;
  std::string value;
};

struct EntityPage {
  std::vector<StoredEntity> entities;
  std::string next_page_token;  // empty at the end
};

struct ListEntitiesQuery {
  EntityType type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::vector<IndexEntry> filters;  // all must match
  std::string system;               // has an external ref from this system
  int page_size = 100;
  std::string page_token;
};

// An idempotency record: the hash of the first request and its answer.
struct IdempotencyRecord {
  std::string request_hash;
  std::string response;
};

// --- Orchestration: what the hub delivered to a target system. One row per
// vendor record (external id), never changed once written: a correction is
// a new row (a reversal, or a new revision).
struct PostingRow {
  std::string target_system;
  std::string external_id;  // the vendor's external id (NetSuite eid)
  std::string contract_id;
  EntityType entity_type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::string entity_id;  // the hub entity delivered
  // "customer", "invoice", "credit_note", "journal_entry", "reversal".
  std::string kind;
  std::string content_hash;  // of what was delivered
  std::string reverses;      // for a reversal: the external id it reverses
  std::string workflow_id;
  int step_index = 0;
  std::string vendor_id;  // the vendor's internal id
  absl::Time posted_at;
  std::string payload;  // serialized adapter.v1.CanonicalEntity delivered
};

struct WorkflowQuery {
  std::string contract_id;  // all when empty
  hub::v1::WorkflowState state = hub::v1::WORKFLOW_STATE_UNSPECIFIED;
  hub::v1::WorkflowKind kind = hub::v1::WORKFLOW_KIND_UNSPECIFIED;
  int page_size = 100;
  std::string page_token;
};

struct WorkflowPage {
  std::vector<hub::v1::Workflow> workflows;  // newest first
  std::string next_page_token;
};

struct ExceptionQuery {
  std::string system;
  hub::v1::ExceptionCategory category = hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED;
  hub::v1::ExceptionKind kind = hub::v1::EXCEPTION_KIND_UNSPECIFIED;
  std::string owner;
  std::string contract_id;
  std::string workflow_id;
  int64_t record_id = 0;                     // all when 0
  std::optional<absl::Time> created_before;  // age filter
  bool include_resolved = false;
  bool newest_first = false;  // default: oldest first
  int page_size = 100;
  std::string page_token;
};

struct ExceptionPage {
  std::vector<hub::v1::Exception> exceptions;  // oldest first
  std::string next_page_token;
};

// The operations available inside one write transaction. Reads through it
// see the transaction's own uncommitted writes. A WriteTxn is valid only
// during the Write() call that handed it out.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;

  // Returns the commit time of this transaction: the same for every write
  // in a batch, and never earlier than any earlier batch's.
  virtual absl::Time Now() const = 0;

  // --- Systems
  virtual absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) = 0;
  virtual absl::Status PutSystem(const hub::v1::System& system) = 0;

  // --- Raw records
  // Returns the record with this (system, idempotency_key), if any.
  virtual absl::StatusOr<std::optional<hub::v1::RawRecord>> FindRawRecord(
      absl::string_view system, absl::string_view idempotency_key) = 0;
  // Stores the record and returns its record_id. received_at is Now().
  virtual absl::StatusOr<int64_t> InsertRawRecord(
      const hub::v1::RawRecord& record) = 0;

  // --- Entities
  // Returns the current version, if the entity exists.
  virtual absl::StatusOr<std::optional<StoredEntity>> GetCurrentEntity(
      EntityType type, absl::string_view id) = 0;
  // Stores a new version and makes it current. REQUIRES: version is the
  // current version + 1 (1 for a new entity). Replaces the entity's index
  // entries with `index`.
  virtual absl::Status PutEntityVersion(
      const StoredEntity& entity, const std::vector<IndexEntry>& index) = 0;
  // Returns the hub id that an external ref belongs to, if any.
  virtual absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) = 0;
  // Binds an external ref to a hub id. ALREADY_EXISTS when it is bound to
  // another entity of the same type.
  virtual absl::Status BindExternalRef(EntityType type, const ExternalRef& ref,
                                       absl::string_view id) = 0;

  // --- Events
  // Appends the event, assigns its position and recorded_at, and returns the
  // position.
  virtual absl::StatusOr<int64_t> AppendEvent(BusinessEvent event) = 0;

  // --- Consumers
  virtual absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) = 0;
  virtual absl::Status PutConsumer(const hub::v1::Consumer& consumer) = 0;

  // --- Idempotency
  virtual absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
      absl::string_view scope, absl::string_view key) = 0;
  virtual absl::Status PutIdempotency(absl::string_view scope,
                                      absl::string_view key,
                                      const IdempotencyRecord& record) = 0;

  // --- The ingest pipeline
  // Returns the record without its payload, if any.
  virtual absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) = 0;
  // Sets a record's status. NOT_FOUND when there is no such record.
  virtual absl::Status SetRawRecordStatus(int64_t record_id,
                                          hub::v1::RecordStatus status) = 0;
  // Stores an exception (exception_id and recorded_at are assigned: Now())
  // and returns it as stored.
  virtual absl::StatusOr<hub::v1::RecordException> AddRecordException(
      hub::v1::RecordException exception) = 0;
  // Marks the record's open exceptions resolved at Now().
  virtual absl::Status ResolveRecordExceptions(int64_t record_id) = 0;
  // Returns the ids of current entities of `type` whose index has `entry`,
  // in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<std::string>> FindEntityIds(
      EntityType type, const IndexEntry& entry, int limit) = 0;
  // --- Orchestration
  // Returns the next value (from 1) of the named counter.
  virtual absl::StatusOr<int64_t> NextSequence(absl::string_view name) = 0;
  // Inserts a new workflow when seq > 0: `seq` orders workflows (of a
  // contract, and in lists); `trigger_key` (may be empty) is unique, a
  // second workflow with the same key is ALREADY_EXISTS. With seq 0,
  // replaces the stored workflow (NOT_FOUND when there is none).
  virtual absl::Status PutWorkflow(const hub::v1::Workflow& workflow,
                                   int64_t seq,
                                   absl::string_view trigger_key) = 0;
  virtual absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) = 0;
  // Returns the id of the workflow started for `trigger_key`, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindWorkflowByTrigger(
      absl::string_view trigger_key) = 0;
  // Returns the contract's workflows that are not COMPLETED, oldest first.
  virtual absl::StatusOr<std::vector<hub::v1::Workflow>>
  ListUnfinishedWorkflows(absl::string_view contract_id) = 0;
  // Stores an exception: inserts it when exception_id is 0 (assigning the
  // id) and returns it as stored; otherwise replaces it.
  virtual absl::StatusOr<hub::v1::Exception> PutException(
      hub::v1::Exception exception) = 0;
  virtual absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) = 0;
  // Returns the record's exceptions that are not RESOLVED.
  virtual absl::StatusOr<std::vector<hub::v1::Exception>>
  ListOpenRecordExceptions(int64_t record_id) = 0;
  // Records a delivery. ALREADY_EXISTS when the external id was recorded,
  // except for kind "customer", whose row is replaced.
  virtual absl::Status PutPosting(const PostingRow& posting) = 0;
  // Returns what was delivered to `target` for the contract, in order.
  virtual absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) = 0;
  // Returns the deliveries of one hub entity to `target`, in order.
  virtual absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, EntityType type, absl::string_view id) = 0;
};

struct RawRecordQuery {
  std::string system;
  std::string object_type;
  hub::v1::RecordStatus status = hub::v1::RECORD_STATUS_UNSPECIFIED;
  int page_size = 100;
  std::string page_token;
};

struct RawRecordPage {
  std::vector<hub::v1::RawRecord> records;  // payloads left out
  std::string next_page_token;
};

// --- The ingest pipeline: exceptions of raw records.
struct RecordExceptionQuery {
  std::string system;     // all when empty
  int64_t record_id = 0;  // all when 0
  bool open_only = false;
  int page_size = 100;
  std::string page_token;
};

struct RecordExceptionPage {
  std::vector<hub::v1::RecordException> exceptions;  // newest first
  std::string next_page_token;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` in a write transaction and returns its status once the
  // transaction is durable. When fn fails, its writes are rolled back and
  // its status returned; other writes in the batch are unaffected.
  virtual absl::Status Write(absl::FunctionRef<absl::Status(WriteTxn&)> fn) = 0;

  // Registers `listener`, called on the writer thread after each commit that
  // appended events, with the highest committed position. The listener must
  // not block.
  virtual void SetEventListener(std::function<void(int64_t)> listener) = 0;

  // Returns the highest committed event position (0 when the log is empty).
  virtual int64_t LastEventPosition() const = 0;

  // --- Reads
  virtual absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) = 0;
  // Lists systems in name order after `after_name`.
  virtual absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
      absl::string_view after_name, int limit) = 0;

  virtual absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) = 0;
  virtual absl::StatusOr<RawRecordPage> ListRawRecords(
      const RawRecordQuery& query) = 0;

  virtual absl::StatusOr<std::optional<StoredEntity>> GetEntity(
      EntityType type, absl::string_view id, const VersionSelector& which) = 0;
  virtual absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) = 0;
  virtual absl::StatusOr<EntityPage> ListEntities(
      const ListEntitiesQuery& query) = 0;

  // Returns up to `limit` events with from <= position <= to, in position
  // order, of the given types (all when empty).
  virtual absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
      int64_t from, int64_t to, const std::vector<EventType>& types,
      int limit) = 0;

  virtual absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) = 0;

  // --- Revenue recomputation
  // Returns every stored version of the entity, oldest first (empty when it
  // does not exist). The revenue worker reads every version of a contract.
  virtual absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
      EntityType type, absl::string_view id) = 0;
  // --- The ingest pipeline
  // Registers `listener`, called on the writer thread after each commit
  // that stored a new raw record. The listener must not block.
  virtual void SetRawRecordListener(std::function<void()> listener) = 0;
  virtual absl::StatusOr<RecordExceptionPage> ListRecordExceptions(
      const RecordExceptionQuery& query) = 0;
  // --- Orchestration
  virtual absl::StatusOr<std::optional<hub::v1::Workflow>> GetWorkflow(
      absl::string_view workflow_id) = 0;
  virtual absl::StatusOr<WorkflowPage> ListWorkflows(
      const WorkflowQuery& query) = 0;
  // Returns every workflow that is not COMPLETED, in start order.
  virtual absl::StatusOr<std::vector<hub::v1::Workflow>>
  ListUnfinishedWorkflows() = 0;
  virtual absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) = 0;
  virtual absl::StatusOr<ExceptionPage> ListExceptions(
      const ExceptionQuery& query) = 0;
  virtual absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) = 0;
  virtual absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, EntityType type, absl::string_view id) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_STORE_H_
