// RawRecordReader / RawRecordWriter: raw vendor records, as received.
//
// Every record a system sends is kept as received, with its payload, under
// a record_id assigned at insert (increasing). (system, idempotency_key) is
// unique. Only a record's status changes after it is stored.
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
  // Sets a record's status. NOT_FOUND when there is no such record.
  virtual absl::Status SetRawRecordStatus(int64_t record_id,
                                          hub::v1::RecordStatus status) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_RECORD_STORE_H_
