// EventLogReader / EventLogWriter: the business event log and the durable
// positions of its consumers.
//
// Events are appended inside write transactions and get positions in
// commit order, dense from 1: a rolled-back write leaves no gap. A consumer
// is a named record of how far one reader of the log has got; it is stored
// whole (hub::v1::Consumer) and replaced on each advance.
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h). Store itself
// offers LastEventPosition and the commit listener (store.h).
#ifndef REVHUB_HUB_STORE_EVENT_LOG_H_
#define REVHUB_HUB_STORE_EVENT_LOG_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/hub/v1/event_service.pb.h"

namespace revhub::hub {

using canonical::v1::BusinessEvent;
using canonical::v1::EventType;

class EventLogReader {
 public:
  virtual ~EventLogReader() = default;

  // Returns up to `limit` committed events with from <= position <= to, in
  // position order, of the given types (all when empty).
  virtual absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
      int64_t from, int64_t to, const std::vector<EventType>& types,
      int limit) = 0;
  // Returns the consumer named `name`, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) = 0;
};

class EventLogWriter {
 public:
  virtual ~EventLogWriter() = default;

  // Appends the event, sets its position (the next one) and recorded_at
  // (the transaction's Now()), and returns the position. ALREADY_EXISTS
  // when an event with the same event_id is stored.
  virtual absl::StatusOr<int64_t> AppendEvent(BusinessEvent event) = 0;
  // Returns the consumer named `name`, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
      absl::string_view name) = 0;
  // Stores the consumer under its name, replacing any stored one.
  virtual absl::Status PutConsumer(const hub::v1::Consumer& consumer) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_EVENT_LOG_H_
