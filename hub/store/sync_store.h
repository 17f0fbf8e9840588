// SyncStateReader / SyncStateWriter: where each pull from a vendor stands,
// and the webhook deliveries the hub accepted.
//
// A pull's state (hub::v1::SyncStatus: cursor, cursor time, run times,
// totals, errors) is stored whole per (system, object type). The sync
// engine writes it in the same transaction as the page of records it read,
// so the stored cursor is always the one after the last stored page.
//
// A webhook delivery is stored once per (system, vendor event id), with its
// body as received and the raw records it produced; a redelivery finds it
// and adds nothing. Deliveries without an event id are not deduplicated by
// id (their records still are, by key).
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_SYNC_STORE_H_
#define REVHUB_HUB_STORE_SYNC_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/sync_service.pb.h"

namespace revhub::hub {

// One accepted webhook delivery.
struct WebhookDelivery {
  int64_t delivery_id = 0;  // assigned at insert
  std::string system;
  std::string vendor_event_id;  // may be empty
  std::string event_type;
  std::string body;  // as received
  std::string body_sha256;
  std::vector<int64_t> record_ids;  // raw records stored or found
  absl::Time received_at;           // set by the store at insert
};

class SyncStateReader {
 public:
  virtual ~SyncStateReader() = default;

  // Returns the state of one pull, or nullopt before its first run.
  virtual absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
      absl::string_view system, absl::string_view object_type) = 0;
  // Returns every stored state of `system` ("" for all), by system and
  // object type.
  virtual absl::StatusOr<std::vector<hub::v1::SyncStatus>> ListSyncStates(
      absl::string_view system) = 0;
  // Returns the delivery with this event id, or nullopt.
  virtual absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
      absl::string_view system, absl::string_view vendor_event_id) = 0;
  // Returns how many deliveries are stored for `system`.
  virtual absl::StatusOr<int64_t> CountWebhookDeliveries(
      absl::string_view system) = 0;
};

class SyncStateWriter {
 public:
  virtual ~SyncStateWriter() = default;

  virtual absl::StatusOr<std::optional<hub::v1::SyncStatus>> GetSyncState(
      absl::string_view system, absl::string_view object_type) = 0;
  // Stores the state under (state.system(), state.object_type()), replacing
  // the stored one.
  virtual absl::Status PutSyncState(const hub::v1::SyncStatus& state) = 0;
  virtual absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
      absl::string_view system, absl::string_view vendor_event_id) = 0;
  // Stores the delivery; returns its id. ALREADY_EXISTS when one with the
  // same non-empty (system, vendor_event_id) is stored.
  virtual absl::StatusOr<int64_t> InsertWebhookDelivery(
      const WebhookDelivery& delivery) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_SYNC_STORE_H_
