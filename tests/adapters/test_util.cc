#include "tests/adapters/test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "adapters/sdk/http_client.h"
#include "google/protobuf/util/json_util.h"

namespace revhub::testing {

std::string BinPath(const std::string& name) {
  return std::string(REVHUB_BIN_DIR) + "/" + name;
}

std::string FindOnPath(const std::string& name) {
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && candidate[0] == '/' &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  throw std::runtime_error(name + " is not on PATH");
}

hub::AdapterHostOptions FastOptions() {
  hub::AdapterHostOptions o;
  o.health_interval = absl::Milliseconds(100);
  o.health_timeout = absl::Milliseconds(300);
  o.unhealthy_threshold = 3;
  o.initial_backoff = absl::Milliseconds(50);
  o.max_backoff = absl::Seconds(1);
  o.call_deadline = absl::Seconds(20);
  return o;
}

std::unique_ptr<hub::AdapterHost> StartAdapter(const std::string& vendor,
                                               hub::AdapterHostOptions options,
                                               const std::string& stderr_path) {
  hub::AdapterLaunchSpec spec = AdapterLaunchSpecFor(vendor);
  spec.stderr_path = stderr_path;
  auto host = hub::AdapterHost::Start(spec, options);
  if (!host.ok())
    throw std::runtime_error(std::string(host.status().message()));
  return std::move(*host);
}

google::protobuf::Struct ConfigStruct(const std::string& json_text) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(json_text, &s).ok()) {
    throw std::runtime_error("bad config JSON: " + json_text);
  }
  return s;
}

adapter::v1::TranslationResult Translate(hub::AdapterClient& adapter,
                                         const std::string& object_type,
                                         const std::string& payload,
                                         const std::string& config_json,
                                         const std::string& system) {
  adapter::v1::TranslateRequest req;
  req.set_system(system);
  *req.mutable_config() = ConfigStruct(config_json);
  req.mutable_record()->set_object_type(object_type);
  req.mutable_record()->set_payload(payload);
  req.mutable_record()->set_record_key("r1");
  auto resp = adapter.Translate(req);
  if (!resp.ok())
    throw std::runtime_error("Translate: " +
                             std::string(resp.status().message()));
  return resp->result();
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

Emulator::Emulator(const std::string& token) : emulator_(token) {}

json Emulator::Get(const std::string& path) const {
  return json::parse(emulator_.GetText(path));
}

// The HubSpot adapter in Node (examples/adapters/hubspot-node).
hub::AdapterLaunchSpec AdapterLaunchSpecFor(const std::string& vendor) {
  hub::AdapterLaunchSpec spec;
  if (vendor == "hubspot") {
    spec.command = FindOnPath("node");
    spec.args = {std::string(REVHUB_HUBSPOT_NODE_DIR) + "/adapter.js",
                 std::string("--protos=") + REVHUB_PROTOS_DIR};
    spec.env["NODE_PATH"] = REVHUB_NODE_MODULES;
    return spec;
  }
  spec.command = BinPath("revhub-adapter-" + vendor);
  return spec;
}

}  // namespace revhub::testing
