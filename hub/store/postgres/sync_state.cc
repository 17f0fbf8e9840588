// Pull state and webhook deliveries (sync_store.h) in tables `sync_state`
// and `webhook_deliveries`.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using hub::v1::SyncStatus;

namespace {

constexpr char kDeliveryColumns[] =
    "SELECT delivery_id, system, vendor_event_id, event_type, received_at,"
    " body, body_sha256, record_ids FROM webhook_deliveries";

absl::StatusOr<WebhookDelivery> ReadDelivery(Statement& q) {
  WebhookDelivery d;
  d.delivery_id = q.ColumnInt(0);
  d.system = q.ColumnText(1);
  d.vendor_event_id = q.ColumnText(2);
  d.event_type = q.ColumnText(3);
  d.received_at = FromMicros(q.ColumnInt(4));
  d.body = q.ColumnBlob(5);
  d.body_sha256 = q.ColumnText(6);
  std::string ids = q.ColumnText(7);
  for (absl::string_view part : absl::StrSplit(ids, ',', absl::SkipEmpty())) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(part, &id)) {
      return absl::DataLossError(
          "webhook_deliveries: record_ids holds a value that is not a number");
    }
    d.record_ids.push_back(id);
  }
  return d;
}

}  // namespace

absl::StatusOr<std::optional<SyncStatus>> GetSyncState(
    Connection& db, absl::string_view system, absl::string_view object_type) {
  Statement q(db,
              "SELECT payload FROM sync_state WHERE system = $1 AND"
              " object_type = $2");
  q.Bind(1, system).Bind(2, object_type);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ParseBlob<SyncStatus>(q.ColumnBlob(0), "sync state");
}

absl::StatusOr<std::vector<SyncStatus>> ListSyncStates(
    Connection& db, absl::string_view system) {
  Statement q(
      db,
      "SELECT payload FROM sync_state WHERE $1::text = '' OR system = $2"
      " ORDER BY system, object_type");
  q.Bind(1, system).Bind(2, system);
  return CollectBlobs<SyncStatus>(q, 0, "sync state");
}

absl::Status PutSyncState(Connection& db, const SyncStatus& state) {
  Statement q(db,
              "INSERT INTO sync_state (system, object_type, payload)"
              " VALUES ($1, $2, $3) ON CONFLICT (system, object_type) DO UPDATE"
              " SET payload = excluded.payload");
  q.Bind(1, state.system())
      .Bind(2, state.object_type())
      .BindBlob(3, state.SerializeAsString());
  return q.Run();
}

absl::StatusOr<std::optional<WebhookDelivery>> FindWebhookDelivery(
    Connection& db, absl::string_view system,
    absl::string_view vendor_event_id) {
  if (vendor_event_id.empty()) return std::nullopt;
  Statement q(db, absl::StrCat(kDeliveryColumns,
                               " WHERE system = $1 AND vendor_event_id = $2"));
  q.Bind(1, system).Bind(2, vendor_event_id);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::nullopt;
  return ReadDelivery(q);
}

absl::StatusOr<int64_t> CountWebhookDeliveries(Connection& db,
                                               absl::string_view system) {
  Statement q(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE system = $1");
  q.Bind(1, system);
  ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

absl::StatusOr<int64_t> InsertWebhookDelivery(Connection& db,
                                              const WebhookDelivery& d,
                                              absl::Time now) {
  Statement q(db,
              "INSERT INTO webhook_deliveries (system, vendor_event_id,"
              " event_type, received_at, body, body_sha256, record_ids)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7)"
              " ON CONFLICT DO NOTHING RETURNING delivery_id");
  q.Bind(1, d.system)
      .Bind(2, d.vendor_event_id)
      .Bind(3, d.event_type)
      .Bind(4, Micros(now))
      .BindBlob(5, d.body)
      .Bind(6, d.body_sha256)
      .Bind(7, absl::StrJoin(d.record_ids, ","));
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return absl::AlreadyExistsError(absl::StrCat("webhook delivery ",
                                                 d.vendor_event_id, " of ",
                                                 d.system, " is stored"));
  }
  return q.ColumnInt(0);
}

}  // namespace revhub::hub::postgres
