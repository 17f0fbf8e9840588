// VerifyWebhook: Chargebee authenticates a webhook delivery with the HTTP
// basic auth configured on the webhook endpoint (Authorization: Basic
// base64(username:password)); the body is an event {"id": "ev_...",
// "event_type": "...", "occurred_at": ..., "content": {"<resource>": {...},
// ...}}. An authentic event's records are the resources of its content the
// adapter translates, each the bare resource with the object type, id and
// version a Read of it gives (resource_version), so that a pull and a
// webhook of one version are one record.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {

VerifyWebhookResponse ChargebeeVerifyWebhook(const WebhookContext& ctx) {
  if (!ctx.config.Has("webhook_username") ||
      !ctx.config.Has("webhook_password") ||
      ctx.config.GetString("webhook_password").empty()) {
    return WebhookRefused(
        "config.webhook_username and config.webhook_password: required to "
        "authenticate Chargebee webhooks (the basic auth set on the "
        "webhook)");
  }
  if (!ctx.request.method().empty() && ctx.request.method() != "POST") {
    return WebhookRefused(absl::StrCat("method: ", ctx.request.method(),
                                       " (Chargebee delivers webhooks by "
                                       "POST)"));
  }
  std::optional<std::string> auth = ctx.Header("authorization");
  if (!auth || auth->empty()) {
    return WebhookRefused(
        "Authorization: missing (Chargebee webhooks carry the basic auth set "
        "on the webhook)");
  }
  constexpr absl::string_view kBasic = "Basic ";
  if (auth->size() < kBasic.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(*auth).substr(0, kBasic.size()),
                              kBasic)) {
    return WebhookRefused("Authorization: not Basic credentials");
  }
  std::optional<std::string> credentials =
      Base64Decode(absl::string_view(*auth).substr(kBasic.size()));
  if (!credentials) {
    return WebhookRefused(
        "Authorization: the Basic credentials are not "
        "base64");
  }
  const std::string expected =
      absl::StrCat(ctx.config.GetString("webhook_username"), ":",
                   ctx.config.GetString("webhook_password"));
  if (!ConstantTimeEquals(*credentials, expected)) {
    return WebhookRefused(
        "Authorization: username or password differs from "
        "config.webhook_username / config.webhook_password");
  }

  absl::StatusOr<Json> doc = ParseExactJson(ctx.request.body());
  if (!doc.ok() || !doc->is_object()) {
    return WebhookRefused("body: not a Chargebee event (a JSON object)");
  }
  Field root(*doc);
  absl::StatusOr<std::string> id = root["id"].String();
  absl::StatusOr<std::string> type = root["event_type"].String();
  if (!id.ok() || !type.ok()) {
    return WebhookRefused(
        absl::StrCat("body: not a Chargebee event: ",
                     (!id.ok() ? id.status() : type.status()).message()));
  }
  Field content = root["content"];
  if (!content.present() || !content.json().is_object()) {
    return WebhookRefused(
        "body: not a Chargebee event: content: expected an "
        "object");
  }
  VerifyWebhookResponse out = WebhookAccepted(*id, *type);
  for (const std::string& resource : chargebee::TranslatedResources()) {
    Field o = content[resource];
    if (!o.present()) continue;
    absl::StatusOr<std::string> oid = o["id"].String();
    absl::StatusOr<std::string> version = ChargebeeVersion(o);
    if (!o.json().is_object() || !oid.ok() || !version.ok()) {
      return WebhookRefused(absl::StrCat(
          "body: content.", resource, " has no id and resource_version (",
          !oid.ok() ? oid.status().message() : version.status().message(),
          ")"));
    }
    *out.add_records() =
        MakeSourcedRecord(resource, *oid, *version, DumpExactJson(o.json()));
  }
  return out;
}

}  // namespace revhub::adapter
