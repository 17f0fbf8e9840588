#include "hub/sync/webhook_receiver.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/log.h"
#include "hub/observability/trace_context.h"
#include "hub/sync/sourced_records.h"
#include "nlohmann/json.hpp"

namespace revhub::hub {

namespace {

HttpResponse Unavailable(absl::string_view message) {
  HttpResponse r = HttpError(503, message);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

void Log(absl::string_view system, absl::string_view message) {
  observability::LogWarn("webhook", message, {{"system", std::string(system)}});
}

}  // namespace

HttpResponse WebhookReceiver::Handle(const HttpRequest& request) {
  const std::string& name = request.rest;
  auto& metrics = observability::Metrics();
  // The vendor's trace, when it sends one; else a new one.
  const observability::TraceContext trace =
      observability::ContinueOrStart(request.Header("traceparent").value_or(""),
                                     request.Header("tracestate").value_or(""));
  if (request.method != "POST") {
    return HttpError(405, "method: webhooks are delivered with POST");
  }
  if (name.empty() || name.find('/') != std::string::npos) {
    return HttpError(404, "path: expected /webhooks/<system>");
  }
  absl::StatusOr<std::optional<hub::v1::System>> system =
      store_->GetSystem(name);
  if (!system.ok()) return Unavailable(system.status().message());
  if (!system->has_value()) {
    return HttpError(
        404, absl::StrCat("system: \"", name, "\" is not a registered system"));
  }
  if ((*system)->state() == hub::v1::SYSTEM_STATE_DISABLED) {
    return HttpError(409, absl::StrCat("system: \"", name, "\" is disabled"));
  }
  absl::StatusOr<std::shared_ptr<AdapterClient>> client =
      adapters_->For(**system);
  if (!client.ok()) {
    if (client.status().code() == absl::StatusCode::kFailedPrecondition) {
      return HttpError(404, absl::StrCat("system: \"", name,
                                         "\" has no adapter to verify "
                                         "webhooks"));
    }
    return Unavailable(
        absl::StrCat("the adapter of system \"", name, "\" is not available"));
  }
  absl::StatusOr<AdapterConfig> config = adapters_->ConfigFor(**system);
  if (!config.ok()) {
    return Unavailable(
        absl::StrCat("the configuration of system \"", name,
                     "\" cannot be read: ", config.status().message()));
  }
  adapter::v1::VerifyWebhookRequest verify;
  verify.set_system(name);
  *verify.mutable_config() = config->config;
  verify.set_method(request.method);
  verify.set_url(request.url);
  for (const auto& [k, v] : request.headers) {
    auto* h = verify.add_headers();
    h->set_name(k);
    h->set_value(v);
  }
  verify.set_body(request.body);
  const absl::Time received = absl::Now();
  *verify.mutable_received_at() = ToProto(received);
  absl::StatusOr<adapter::v1::VerifyWebhookResponse> verdict =
      (*client)->VerifyWebhook(verify);
  if (!verdict.ok()) {
    return Unavailable(
        absl::StrCat("the adapter of system \"", name, "\" did not answer"));
  }
  if (verdict->verdict() != adapter::v1::WEBHOOK_VERDICT_ACCEPTED) {
    std::string reason = config->Redact(
        verdict->reason().empty() ? std::string("refused") : verdict->reason());
    Log(name,
        absl::StrCat("refused from ", request.remote_address, ": ", reason));
    metrics.webhooks.WithLabels({name, "refused"}).Inc();
    return HttpError(400, reason);
  }
  for (int i = 0; i < verdict->records_size(); ++i) {
    absl::Status v = ValidateSourcedRecord(verdict->records(i),
                                           absl::StrCat("records[", i, "]"));
    if (!v.ok()) {
      // The vendor cannot fix what our adapter made: 500, and it retries.
      return HttpError(500, absl::StrCat("the adapter of system \"", name,
                                         "\" returned a record the hub cannot "
                                         "store: ",
                                         v.message()));
    }
  }

  const std::string& event_id = verdict->vendor_event_id();
  const std::string principal = absl::StrCat("webhook:", name);
  bool duplicate = false;
  int64_t delivery_id = 0;
  StoredRecords stored;
  absl::Status w = store_->Write([&](WriteTxn& txn) -> absl::Status {
    duplicate = false;
    ASSIGN_OR_RETURN(auto current, txn.GetSystem(name));
    if (!current.has_value() ||
        current->state() == hub::v1::SYSTEM_STATE_DISABLED) {
      return absl::FailedPreconditionError(
          absl::StrCat("system: \"", name, "\" is disabled"));
    }
    ASSIGN_OR_RETURN(auto earlier, txn.FindWebhookDelivery(name, event_id));
    if (earlier.has_value()) {
      duplicate = true;
      delivery_id = earlier->delivery_id;
      stored = StoredRecords{};
      stored.record_ids = earlier->record_ids;
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(
        stored, StoreSourcedRecords(txn, name, principal, verdict->records(),
                                    trace.trace_id));
    WebhookDelivery d;
    d.system = name;
    d.vendor_event_id = event_id;
    d.event_type = verdict->event_type();
    d.body = request.body;
    d.body_sha256 = Sha256Hex(request.body);
    d.record_ids = stored.record_ids;
    ASSIGN_OR_RETURN(delivery_id, txn.InsertWebhookDelivery(d));
    return absl::OkStatus();
  });
  if (!w.ok()) {
    if (w.code() == absl::StatusCode::kFailedPrecondition) {
      return HttpError(409, w.message());
    }
    return Unavailable(absl::StrCat("not stored: ", w.message()));
  }
  metrics.webhooks.WithLabels({name, duplicate ? "duplicate" : "accepted"})
      .Inc();
  if (stored.new_records > 0 && !duplicate) {
    metrics.records_ingested.WithLabels({name}).Inc(
        static_cast<double>(stored.new_records));
  }
  if (sync_ != nullptr && !duplicate) {
    for (const auto& type : verdict->pull_object_types()) {
      sync_->Trigger(name, type);
    }
  }
  nlohmann::json body{{"delivery_id", delivery_id},
                      {"record_ids", stored.record_ids},
                      {"new_records", stored.new_records},
                      {"duplicates", stored.duplicates},
                      {"duplicate", duplicate},
                      {"event_id", event_id}};
  HttpResponse r;
  r.body = body.dump();
  return r;
}

}  // namespace revhub::hub
