#include "tests/e2e/connectors_harness.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/http_client.h"
#include "tests/support/systems.h"

namespace revhub::testing {

std::vector<std::string> StripeReadableTypes(Hub& hub,
                                             const std::string& system) {
  v1::DescribeSystemAdapterRequest req;
  req.set_system(system);
  auto resp = CallOk(*hub.pipeline,
                     &v1::PipelineService::Stub::DescribeSystemAdapter, req);
  std::vector<std::string> types;
  for (const auto& t : resp.description().readable_object_types()) {
    types.push_back(t.object_type());
  }
  return types;
}

void RegisterStripe(Hub& hub, const std::string& name,
                    const VendorEmulator& emulator,
                    const std::vector<std::string>& types, int interval_seconds,
                    int page_size) {
  nlohmann::json sync = nlohmann::json::array();
  for (const auto& t : types) {
    nlohmann::json s{{"objectType", t}, {"pageSize", page_size}};
    if (interval_seconds > 0) {
      s["interval"] = absl::StrCat(interval_seconds, "s");
    }
    sync.push_back(s);
  }
  nlohmann::json system{
      {"name", name},
      {"kind", "SYSTEM_KIND_BILLING"},
      {"adapter", {{"launch", {{"command", AdapterCommand("stripe")}}}}},
      {"config",
       {{"secret_key", kStripeApiKey},
        {"api_base", emulator.base_url()},
        {"webhook_secret", kStripeWebhookSecret}}},
      {"sync", sync}};
  v1::RegisterSystemRequest req;
  auto st = google::protobuf::util::JsonStringToMessage(
      nlohmann::json{{"system", system}, {"replaceExisting", true}}.dump(),
      &req);
  REQUIRE(st.ok());
  Register(*hub.registry, req);
}

std::vector<v1::RawRecord> AllRecords(Hub& hub, const std::string& system) {
  std::vector<v1::RawRecord> out;
  v1::ListRecordsRequest req;
  req.set_system(system);
  req.set_page_size(500);
  while (true) {
    auto resp = CallOk(*hub.ingest, &v1::IngestService::Stub::ListRecords, req);
    for (const auto& r : resp.records()) out.push_back(r);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  std::reverse(out.begin(), out.end());  // listed newest first
  return out;
}

std::pair<std::string, std::string> TypeAndId(const v1::RawRecord& record) {
  const std::string& key = record.idempotency_key();
  const size_t slash = key.find('/');
  const size_t at = key.rfind('@');
  if (slash == std::string::npos || at == std::string::npos || at < slash) {
    return {record.object_type(), key};
  }
  return {key.substr(0, slash), key.substr(slash + 1, at - slash - 1)};
}

std::set<std::pair<std::string, std::string>> EmulatorObjects(
    const VendorEmulator& emulator, const std::vector<std::string>& types) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& t : types) {
    nlohmann::json objects = emulator.Objects(t);
    const nlohmann::json& list = objects.is_object() && objects.contains("data")
                                     ? objects["data"]
                                     : objects;
    for (const auto& o : list) out.insert({t, o.at("id").get<std::string>()});
  }
  return out;
}

std::vector<v1::SyncStatus> SyncStatuses(Hub& hub, const std::string& system) {
  v1::GetSyncStatusRequest req;
  req.set_system(system);
  auto resp = CallOk(*hub.sync, &v1::SyncService::Stub::GetSyncStatus, req);
  return {resp.statuses().begin(), resp.statuses().end()};
}

std::pair<grpc::Status, v1::RunSyncResponse> RunSync(Hub& hub,
                                                     const std::string& system,
                                                     const std::string& type,
                                                     bool full) {
  v1::RunSyncRequest req;
  req.set_system(system);
  req.set_object_type(type);
  req.set_full(full);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  auto reader = hub.sync->RunSync(&ctx, req);
  v1::RunSyncResponse last, p;
  while (reader->Read(&p)) last = p;
  return {reader->Finish(), last};
}

std::map<v1::RecordStatus, int> CountByStatus(
    const std::vector<v1::RawRecord>& records) {
  std::map<v1::RecordStatus, int> out;
  for (const auto& r : records) ++out[r.status()];
  return out;
}

HttpAnswer HttpPost(
    const std::string& address, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  adapter::HttpRequest req;
  req.method = "POST";
  req.url = absl::StrCat("http://", address, path);
  req.headers = headers;
  req.body = body;
  req.timeout = std::chrono::seconds(30);
  auto resp = adapter::SendHttp(req);
  if (!resp.ok()) return {0, std::string(resp.status().message())};
  return {resp->status, resp->body};
}

}  // namespace revhub::testing
