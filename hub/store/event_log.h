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
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/hub/v1/event_service.pb.h"

namespace revhub::hub {

using canonical::v1::BusinessEvent;
using canonical::v1::EntityType;
using canonical::v1::EventType;

// Filters of FindEvents; every filter given must match, and at least one
// must be given.
struct EventLinkQuery {
  // With subject_id: events about this entity (any version when
  // subject_version is 0).
  EntityType subject_type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::string subject_id;
  int64_t subject_version = 0;
  std::string correlation_id;  // any when empty
  std::string causation_id;    // any when empty
  int limit = 100;             // REQUIRES: > 0
};

// One stored event as its serialized BusinessEvent (position and
// recorded_at set), for readers that pass events on without parsing them.
struct EventPayload {
  int64_t position = 0;
  std::string bytes;
};

class EventLogReader {
 public:
  virtual ~EventLogReader() = default;

  // Returns the committed event with this event_id, or nullopt.
  virtual absl::StatusOr<std::optional<BusinessEvent>> GetEventById(
      absl::string_view event_id) = 0;
  // Returns up to query.limit committed events matching `query`, in
  // position order (indexed: subject, correlation_id, causation_id).
  // INVALID_ARGUMENT when the query filters on none of them.
  virtual absl::StatusOr<std::vector<BusinessEvent>> FindEvents(
      const EventLinkQuery& query) = 0;

  // Returns up to `limit` committed events with from <= position <= to, in
  // position order, of the given types (all when empty).
  virtual absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
      int64_t from, int64_t to, const std::vector<EventType>& types,
      int limit) = 0;
  // ReadEvents without parsing: up to `limit` (> 0) committed events with
  // from <= position <= to, in position order, as stored.
  virtual absl::StatusOr<std::vector<EventPayload>> ReadEventPayloads(
      int64_t from, int64_t to, int limit) = 0;
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
