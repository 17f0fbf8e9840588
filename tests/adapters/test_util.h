// Shared helpers for the adapter tests: start real adapter processes
// through the AdapterHost, call them as the hub does (AdapterClient), run
// the NetSuite emulator, read files.
#ifndef REVHUB_TESTS_ADAPTERS_TEST_UTIL_H_
#define REVHUB_TESTS_ADAPTERS_TEST_UTIL_H_

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hub/adapter_host/adapter_host.h"
#include "nlohmann/json.hpp"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/netsuite_emulator.h"

namespace revhub::testing {

// Polls `cond` every 20 ms until it holds or `timeout` passes; returns
// whether it held.
inline bool WaitFor(const std::function<bool()>& cond, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return cond();
}

// Returns whether process `pid` exists.
inline bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

using nlohmann::json;

std::string BinPath(const std::string& name);

// Returns the absolute path of executable `name` on $PATH; throws when
// there is none.
std::string FindOnPath(const std::string& name);

// Options with short intervals so restarts show up quickly in tests.
hub::AdapterHostOptions FastOptions();
// Starts the adapter of `vendor` (see AdapterLaunchSpecFor). REQUIRES: it
// starts.
std::unique_ptr<hub::AdapterHost> StartAdapter(
    const std::string& vendor, hub::AdapterHostOptions options = FastOptions(),
    const std::string& stderr_path = "");

google::protobuf::Struct ConfigStruct(const std::string& json_text);
// Translates one payload through a running adapter.
adapter::v1::TranslationResult Translate(
    hub::AdapterClient& adapter, const std::string& object_type,
    const std::string& payload, const std::string& config_json = "{}",
    const std::string& system = "test-system");
// The result as JSON with proto field names.
std::string ToJson(const google::protobuf::Message& message);

// The NetSuite emulator (tests/support), running while this object lives,
// with its answers parsed as nlohmann::json as the adapter tests compare
// them.
class Emulator {
 public:
  explicit Emulator(const std::string& token);
  std::string base_url() const { return emulator_.base_url(); }
  json Get(const std::string& path) const;
  void Post(const std::string& path, const std::string& body) const {
    emulator_.Post(path, body);
  }
  void Delete(const std::string& path) const { emulator_.Delete(path); }
  json Requests() const { return Get("/__control/requests"); }
  json Records() const { return Get("/__control/records"); }

 private:
  NetSuiteEmulator emulator_;
};

// The HubSpot adapter in Node (examples/adapters/hubspot-node).
// Returns how the tests start an adapter: build/bin/revhub-adapter-<vendor>
// for the C++ adapters, `node examples/adapters/hubspot-node/adapter.js`
// (node's absolute path from $PATH; the environment is NODE_PATH, the
// project's node_modules, alone) for "hubspot".
hub::AdapterLaunchSpec AdapterLaunchSpecFor(const std::string& vendor);

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_ADAPTERS_TEST_UTIL_H_
