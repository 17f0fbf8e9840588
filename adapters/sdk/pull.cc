// Read and VerifyWebhook results and defaults (adapter.h).
#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/http_client.h"

namespace revhub::adapter {

namespace {

void SetDelay(std::chrono::milliseconds delay,
              google::protobuf::Duration* out) {
  delay = std::clamp(delay, std::chrono::milliseconds(0), kMaxRetryAfter);
  out->set_seconds(delay.count() / 1000);
  out->set_nanos(static_cast<int32_t>((delay.count() % 1000) * 1000000));
}

}  // namespace

std::optional<std::string> WebhookContext::Header(
    absl::string_view name) const {
  for (const auto& h : request.headers()) {
    if (absl::EqualsIgnoreCase(h.name(), name)) return h.value();
  }
  return std::nullopt;
}

ReadResponse ReadRetry(absl::string_view reason,
                       std::chrono::milliseconds delay,
                       absl::string_view vendor_code) {
  ReadResponse r;
  r.set_outcome(adapter::v1::READ_OUTCOME_RETRY);
  r.set_reason(std::string(reason));
  r.set_vendor_code(std::string(vendor_code));
  SetDelay(delay, r.mutable_retry_after());
  return r;
}

ReadResponse ReadFailed(absl::string_view reason,
                        absl::string_view vendor_code) {
  ReadResponse r;
  r.set_outcome(adapter::v1::READ_OUTCOME_FAILED);
  r.set_reason(std::string(reason));
  r.set_vendor_code(std::string(vendor_code));
  return r;
}

ReadResponse ReadHttpFailure(int http_status, absl::string_view body,
                             std::chrono::milliseconds retry_after) {
  std::string shown(body.substr(0, 300));
  std::string reason = absl::StrCat("vendor answered HTTP ", http_status,
                                    shown.empty() ? "" : ": ", shown);
  std::string code = absl::StrCat(http_status);
  bool transient = http_status == 408 || http_status == 409 ||
                   http_status == 425 || http_status == 429 ||
                   http_status >= 500;
  return transient ? ReadRetry(reason, retry_after, code)
                   : ReadFailed(reason, code);
}

VerifyWebhookResponse WebhookRefused(absl::string_view reason) {
  VerifyWebhookResponse r;
  r.set_verdict(adapter::v1::WEBHOOK_VERDICT_REFUSED);
  r.set_reason(std::string(reason));
  return r;
}

VerifyWebhookResponse WebhookAccepted(absl::string_view vendor_event_id,
                                      absl::string_view event_type) {
  VerifyWebhookResponse r;
  r.set_verdict(adapter::v1::WEBHOOK_VERDICT_ACCEPTED);
  r.set_vendor_event_id(std::string(vendor_event_id));
  r.set_event_type(std::string(event_type));
  return r;
}

SourcedRecord MakeSourcedRecord(absl::string_view object_type,
                                absl::string_view vendor_id,
                                absl::string_view version,
                                std::string payload_json) {
  SourcedRecord r;
  r.mutable_record()->set_object_type(std::string(object_type));
  r.mutable_record()->set_payload(std::move(payload_json));
  r.mutable_record()->set_content_type("application/json");
  r.set_vendor_id(std::string(vendor_id));
  r.set_version(std::string(version));
  r.set_idempotency_key(
      absl::StrCat(object_type, "/", vendor_id, "@", version));
  return r;
}

ReadResponse Adapter::Read(const ReadContext& /*ctx*/) {
  return ReadFailed("this adapter reads nothing from its vendor");
}

VerifyWebhookResponse Adapter::VerifyWebhook(const WebhookContext& /*ctx*/) {
  return WebhookRefused("this adapter does not receive webhooks");
}

}  // namespace revhub::adapter
