// ExceptionQueueReader / ExceptionQueueWriter: the one queue of things a
// person must look at: rejected raw records (kind RECORD_REJECTED, with
// record_id) and failures of workflows (with workflow_id).
//
// An exception is stored whole (hub::v1::Exception) under an exception_id
// assigned at insert (increasing); the store indexes kind, category, state,
// system, owner, record_id, workflow_id, contract_id and created_at for the
// filters below. The store assigns nothing else: state, times and history
// are the caller's.
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_EXCEPTION_QUEUE_H_
#define REVHUB_HUB_STORE_EXCEPTION_QUEUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/exception_service.pb.h"

namespace revhub::hub {

// Filters of ListExceptions; every filter given must match.
struct ExceptionQuery {
  std::string system;  // all when empty
  hub::v1::ExceptionCategory category = hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED;
  hub::v1::ExceptionKind kind = hub::v1::EXCEPTION_KIND_UNSPECIFIED;
  std::string owner;                         // all when empty
  std::string contract_id;                   // all when empty
  std::string workflow_id;                   // all when empty
  int64_t record_id = 0;                     // all when 0
  std::optional<absl::Time> created_before;  // created at or before
  bool include_resolved = false;             // else RESOLVED ones are left out
  bool newest_first = false;                 // else oldest (lowest id) first
  int page_size = 100;                       // REQUIRES: > 0
  std::string page_token;                    // empty for the first page
};

struct ExceptionPage {
  std::vector<hub::v1::Exception> exceptions;  // in the query's order
  std::string next_page_token;                 // empty at the end
};

class ExceptionQueueReader {
 public:
  virtual ~ExceptionQueueReader() = default;

  // Returns the exception, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) = 0;
  // Returns one page of exceptions matching `query`, oldest first.
  // INVALID_ARGUMENT when page_token was not issued by this store.
  virtual absl::StatusOr<ExceptionPage> ListExceptions(
      const ExceptionQuery& query) = 0;
};

class ExceptionQueueWriter {
 public:
  virtual ~ExceptionQueueWriter() = default;

  // Stores an exception. When exception_id is 0, inserts it, assigning the
  // id, and returns it with the id; otherwise replaces the stored one
  // (NOT_FOUND when there is none) and returns it unchanged.
  virtual absl::StatusOr<hub::v1::Exception> PutException(
      hub::v1::Exception exception) = 0;
  // Returns the exception, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Exception>> GetException(
      int64_t exception_id) = 0;
  // Returns the record's exceptions that are not RESOLVED, oldest first.
  virtual absl::StatusOr<std::vector<hub::v1::Exception>>
  ListOpenRecordExceptions(int64_t record_id) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_EXCEPTION_QUEUE_H_
