// RawRecordReader / RawRecordWriter: raw vendor records, as received, and
// the records that wait for another.
//
// Every record a system sends is kept as received, with its payload, under
// a record_id assigned at insert (increasing). (system, idempotency_key) is
// unique. Only a record's status (with its reason) changes after it is
// stored.
//
// A record in status WAITING waits for one external ref (an entity type and
// system/object_type/vendor_id) that the hub does not know yet; the store
// keeps that wait (RecordWait) beside the record and finds the records
// waiting for a ref, or waiting since before a time. Setting any other
// status forgets the wait. A record read back carries its status_reason
// and, while WAITING, waiting_for_type, waiting_for and waiting_since. What
// a wait means (when a record waits, when it is retried or given up) is the
// caller's.
//
// The reader reads committed records and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_RECORD_STORE_H_
#define REVHUB_HUB_STORE_RECORD_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/canonical/v1/common.pb.h"
#include "revhub/canonical/v1/money.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"
#include "revhub/hub/v1/pipeline_service.pb.h"

namespace revhub::hub {

// Filters of ListRawRecords; every filter given must match.
struct RawRecordQuery {
  std::string system;       // all when empty
  std::string object_type;  // all when empty
  hub::v1::RecordStatus status = hub::v1::RECORD_STATUS_UNSPECIFIED;  // all
  int page_size = 100;     // REQUIRES: > 0
  std::string page_token;  // from the previous page; empty for the first
};

struct RawRecordPage {
  std::vector<hub::v1::RawRecord> records;  // newest first, payloads left out
  std::string next_page_token;              // empty at the end
};

// What a WAITING record waits for, and what its caller wants back when the
// wait is given up.
struct RecordWait {
  int64_t record_id = 0;
  canonical::v1::EntityType entity_type =
      canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  canonical::v1::ExternalRef ref;  // system, object_type, vendor_id
  // The canonical field that refers to it ("invoice.customer_id") and the
  // vendor field it came from, when known.
  std::string field_path;
  std::string vendor_field_path;
  // The money of the entity that waits, when it has one.
  std::optional<canonical::v1::Money> amount_at_stake;
  // Since when the record waits for this ref: set by the store.
  absl::Time since;
};

// A record's id and system: what the pipeline's cursor reads.
struct RecordRef {
  int64_t record_id = 0;
  std::string system;
};

class RawRecordReader {
 public:
  virtual ~RawRecordReader() = default;

  // Returns the record with its payload, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) = 0;
  // Returns one page of records matching `query`, newest first.
  // INVALID_ARGUMENT when page_token was not issued by this store.
  virtual absl::StatusOr<RawRecordPage> ListRawRecords(
      const RawRecordQuery& query) = 0;
  // Returns the waits of WAITING records that wait since `before` or
  // earlier, longest waiting first, at most `limit` (> 0).
  virtual absl::StatusOr<std::vector<RecordWait>> WaitingOlderThan(
      absl::Time before, int limit) = 0;
  // Returns the records in `status` with record_id > `after_id`, oldest
  // first, at most `limit` (> 0; INVALID_ARGUMENT otherwise): an indexed
  // cursor, whose cost does not grow with the records in other statuses.
  virtual absl::StatusOr<std::vector<RecordRef>> ListRecordIdsByStatus(
      hub::v1::RecordStatus status, int64_t after_id, int limit) = 0;
};

class RawRecordWriter {
 public:
  virtual ~RawRecordWriter() = default;

  // Returns the record with this (system, idempotency_key), without its
  // payload, if any.
  virtual absl::StatusOr<std::optional<hub::v1::RawRecord>> FindRawRecord(
      absl::string_view system, absl::string_view idempotency_key) = 0;
  // Stores the record and returns its new record_id; received_at is the
  // transaction's Now(). ALREADY_EXISTS when (system, idempotency_key) is
  // stored already.
  virtual absl::StatusOr<int64_t> InsertRawRecord(
      const hub::v1::RawRecord& record) = 0;
  // Returns the record without its payload, if any.
  virtual absl::StatusOr<std::optional<hub::v1::RawRecord>> GetRawRecord(
      int64_t record_id) = 0;
  // Sets a record's status and status_reason ("" for none) and forgets
  // what it waited for. NOT_FOUND when there is no such record;
  // INVALID_ARGUMENT for WAITING (MarkRecordWaiting sets it).
  virtual absl::Status SetRawRecordStatus(int64_t record_id,
                                          hub::v1::RecordStatus status,
                                          absl::string_view status_reason) = 0;
  // Sets record wait.record_id WAITING with `status_reason` and keeps
  // `wait` as what it waits for, replacing an earlier wait. wait.since is
  // the transaction's Now(), or the earlier wait's when the record already
  // waited for the same entity type and ref. NOT_FOUND when there is no
  // such record.
  virtual absl::Status MarkRecordWaiting(const RecordWait& wait,
                                         absl::string_view status_reason) = 0;
  // Returns what the record waits for, or nullopt when it is not WAITING.
  virtual absl::StatusOr<std::optional<RecordWait>> GetRecordWait(
      int64_t record_id) = 0;
  // Returns the waits of the records waiting for `ref` of `type`, longest
  // waiting first.
  virtual absl::StatusOr<std::vector<RecordWait>> RecordsWaitingFor(
      canonical::v1::EntityType type,
      const canonical::v1::ExternalRef& ref) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_RECORD_STORE_H_
