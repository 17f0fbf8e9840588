// VerifyStripeWebhook: Stripe's webhook signature scheme
// (https://docs.stripe.com/webhooks#verify-manually). The Stripe-Signature
// header is "t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]"; each v1
// is the HMAC-SHA256, under the endpoint's signing secret, of
// "<t>.<raw body>". A delivery is authentic when any v1 matches, and fresh
// when t is within the tolerance of the time the hub received it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "adapters/stripe/stripe_pull.h"

namespace revhub::adapter::stripe {

VerifyWebhookResponse VerifyStripeWebhook(const WebhookContext& ctx) {
  const std::string secret = ctx.config.GetString("webhook_secret");
  if (secret.empty()) {
    return WebhookRefused(
        "config.webhook_secret: not set, so no Stripe delivery can be "
        "verified");
  }
  std::optional<std::string> header = ctx.Header("stripe-signature");
  if (!header || header->empty()) {
    return WebhookRefused("Stripe-Signature: header missing");
  }
  std::optional<int64_t> timestamp;
  std::vector<std::string> v1;
  for (absl::string_view element : absl::StrSplit(*header, ',')) {
    element = absl::StripAsciiWhitespace(element);
    std::vector<absl::string_view> kv = absl::StrSplit(element, '=');
    if (kv.size() != 2 || kv[0].empty()) {
      return WebhookRefused(absl::StrCat("Stripe-Signature: malformed; \"",
                                         element.substr(0, 16),
                                         "\" is not key=value"));
    }
    if (kv[0] == "t") {
      int64_t t = 0;
      if (!absl::SimpleAtoi(kv[1], &t) || t <= 0) {
        return WebhookRefused(
            "Stripe-Signature: malformed; t is not a Unix time in seconds");
      }
      timestamp = t;
    } else if (kv[0] == "v1") {
      v1.emplace_back(kv[1]);
    }
    // v0 (test-mode legacy) and unknown schemes are ignored, as Stripe's
    // libraries do.
  }
  if (!timestamp) {
    return WebhookRefused("Stripe-Signature: malformed; no timestamp (t=)");
  }
  if (v1.empty()) {
    return WebhookRefused("Stripe-Signature: no v1 signature");
  }
  const std::string expected =
      HmacSha256Hex(secret, absl::StrCat(*timestamp, ".", ctx.request.body()));
  bool matched = false;
  for (const std::string& sig : v1) {
    // Every candidate is compared, so the time says nothing about which.
    matched = ConstantTimeEquals(sig, expected) || matched;
  }
  if (!matched) {
    return WebhookRefused(
        absl::StrCat("Stripe-Signature: no v1 signature matches (", v1.size(),
                     " given); check config.webhook_secret"));
  }
  const int64_t tolerance = ctx.config.GetInt("webhook_tolerance_seconds");
  const int64_t received = ctx.request.received_at().seconds();
  const int64_t age = received - *timestamp;
  if (std::llabs(age) > tolerance) {
    return WebhookRefused(absl::StrCat(
        "Stripe-Signature: timestamp ", std::llabs(age), " s ",
        age >= 0 ? "old" : "in the future", ", tolerance ", tolerance, " s"));
  }
  absl::StatusOr<Json> event = ParseExactJson(ctx.request.body());
  if (!event.ok() || !event->is_object() ||
      event->value("object", "") != "event" || !(*event)["id"].is_string() ||
      !(*event)["type"].is_string()) {
    return WebhookRefused(
        "body: not a Stripe event (an object with \"object\": \"event\", an "
        "id and a type)");
  }
  VerifyWebhookResponse out = WebhookAccepted(
      (*event)["id"].get<std::string>(), (*event)["type"].get<std::string>());
  const Json& data = (*event)["data"];
  if (data.is_object() && data.contains("object") &&
      data["object"].is_object()) {
    const Json& obj = data["object"];
    // Objects Read does not serve (coupons, tax rates, ...) have nothing
    // for the canonical model: accepted, with no record.
    if (FindReadableType(obj.value("object", "")) != nullptr) {
      absl::StatusOr<SourcedRecord> rec = RecordOfObject(obj);
      if (!rec.ok()) {
        return WebhookRefused(
            absl::StrCat("body: data.object: ", rec.status().message()));
      }
      *out.add_records() = std::move(*rec);
    }
  }
  return out;
}

}  // namespace revhub::adapter::stripe
