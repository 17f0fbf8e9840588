// IdempotencyWriter: the first answer to each idempotent request.
//
// A request carrying an idempotency key is answered once; the record of
// (scope, key) keeps the hash of that request and its answer, so a repeat
// gets the same answer and a different request under the same key is
// refused by the caller. Records are kept for a retention period and then
// swept (DeleteIdempotencyBefore). Used only inside a write transaction
// (WriteTxn in store.h), so checking and recording happen atomically.
#ifndef REVHUB_HUB_STORE_IDEMPOTENCY_STORE_H_
#define REVHUB_HUB_STORE_IDEMPOTENCY_STORE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace revhub::hub {

// An idempotency record: the hash of the first request and its answer.
struct IdempotencyRecord {
  std::string request_hash;
  std::string response;
};

class IdempotencyWriter {
 public:
  virtual ~IdempotencyWriter() = default;

  // Returns the record of (scope, key), if any.
  virtual absl::StatusOr<std::optional<IdempotencyRecord>> GetIdempotency(
      absl::string_view scope, absl::string_view key) = 0;
  // Stores the record of (scope, key). ALREADY_EXISTS when one is stored:
  // records are never replaced.
  virtual absl::Status PutIdempotency(absl::string_view scope,
                                      absl::string_view key,
                                      const IdempotencyRecord& record) = 0;
  // Deletes up to `limit` records stored before `cutoff`, oldest first, and
  // returns how many it deleted. A request repeated after its record is
  // gone is a new request.
  virtual absl::StatusOr<int64_t> DeleteIdempotencyBefore(absl::Time cutoff,
                                                          int limit) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_IDEMPOTENCY_STORE_H_
