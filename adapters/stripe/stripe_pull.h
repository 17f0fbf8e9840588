// Stripe pull and push: Read (list endpoints for a backfill, then
// /v1/events for what changed since) and VerifyWebhook (Stripe-Signature).
//
// A record's object_type is the Stripe object's "object" ("invoice"), its
// vendor_id the object's "id", and its version the hex SHA-256 of the
// object's canonical JSON (keys sorted, no whitespace, numbers as written:
// ParseExactJson + DumpExactJson). Stripe objects carry no last-modified
// stamp, so the content is the version: a list read and a webhook of the
// same object state make the same idempotency key.
//
// The cursor (JSON text, opaque to the hub):
//   backfill: {"phase":"list","after":"<last id read>","gte":<created[gte]>,
//              "anchor":"<newest event id when the backfill began>",
//              "anchor_created":<its created>,"started":<unix time begun>}
//   events:   {"phase":"events","last_event":"<newest event id read>",
//              "last_created":<its created>,"checked":<unix time at which
//              every earlier event had been read>}
// A backfill walks the list endpoint newest first with starting_after; an
// object created or changed meanwhile has an event newer than the anchor.
// Once the list ends, Read walks the events newer than the anchor (or, with
// none, those created since `started` less a margin) oldest first, page by
// page with ending_before. Events older than 30 days are not served by
// Stripe: a cursor whose coverage is older fails and asks for a full sync.
//
// Thread-safe: pure functions of their input (plus HTTP calls).
#ifndef REVHUB_ADAPTERS_STRIPE_STRIPE_PULL_H_
#define REVHUB_ADAPTERS_STRIPE_STRIPE_PULL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "adapters/sdk/adapter.h"

namespace revhub::adapter::stripe {

// One Stripe object type Read serves: its list endpoint and the event types
// whose data.object is of that type.
struct ReadableType {
  const char* object;
  const char* list_path;  // "/v1/customers"
  // Extra list query ("status=all": every subscription, canceled included).
  const char* list_query;
  std::vector<const char*> event_types;  // "invoice.*"
};

// Every type Read serves, in the order Describe lists them.
const std::vector<ReadableType>& ReadableTypes();
// Returns the entry for `object`, or null.
const ReadableType* FindReadableType(absl::string_view object);

// Returns the record of one Stripe object (an object node of a list or an
// event's data.object): object_type from its "object", keyed by its id and
// content digest. Fails when the object has no string id or object.
absl::StatusOr<SourcedRecord> RecordOfObject(const Json& object);

// Reads one page (see the cursor above). Config: api_base, secret_key,
// request_timeout_ms.
ReadResponse ReadStripe(const ReadContext& ctx);

// Verifies a delivery's Stripe-Signature with config.webhook_secret and
// config.webhook_tolerance_seconds.
VerifyWebhookResponse VerifyStripeWebhook(const WebhookContext& ctx);

}  // namespace revhub::adapter::stripe

#endif  // REVHUB_ADAPTERS_STRIPE_STRIPE_PULL_H_
