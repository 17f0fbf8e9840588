// AdapterSupervisor: the adapter behind every registered system.
//
// For every enabled system whose registration has an adapter, the supervisor
// keeps one AdapterClient (adapter_client.h, the one interface for calling
// an adapter): an AdapterHost (a supervised child process, see
// hub/adapter_host/adapter_host.h) for `adapter.launch`, or a gRPC channel
// for `adapter.endpoint` (plaintext: unix or loopback only) or
// `adapter.tls_endpoint` (TLS trusting only the pinned certificate). The
// LaunchPolicy (launch_policy.h) resolves launch commands and builds their
// environment at every start, and refuses a spec it does not allow.
// StartAll() starts them at boot; Reconcile(name),
// called after a registration changes, restarts a system's adapter when its
// adapter spec changed and stops it when the system is disabled or has no
// adapter. Both run on the supervisor's own thread, so a slow adapter start
// never holds a gRPC or pipeline thread. For() starts a missing adapter on
// the caller's thread. The supervisor's thread asks the adapters it starts
// to Describe themselves and keeps the object types they declare
// (DeclaredObjectTypes); an adapter whose description is missing (it did
// not answer, or another thread started it) is asked within a second of
// the next DeclaredObjectTypes call for it.
//
// Secrets: the supervisor learns which configuration fields an adapter
// marks secret from the schema it publishes in Describe (SecretFields, used
// by a registration before it is stored), and hands out the configuration
// an adapter call carries with its secret fields resolved (ConfigFor); no
// other way leads from the stored secrets to an adapter.
//
// An adapter that does not start, or crashes, never stops the hub: For()
// returns UNAVAILABLE and the caller retries later; the AdapterHost restarts
// a crashed process with backoff.
//
// Thread-safe.
#ifndef REVHUB_HUB_ADAPTER_HOST_ADAPTER_SUPERVISOR_H_
#define REVHUB_HUB_ADAPTER_HOST_ADAPTER_SUPERVISOR_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "hub/adapter_host/adapter_client.h"
#include "hub/adapter_host/adapter_host.h"
#include "hub/adapter_host/launch_policy.h"
#include "hub/secrets/secret_vault.h"
#include "hub/store/store.h"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "revhub/hub/v1/pipeline_service.pb.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

// The configuration an adapter call carries: the stored config with the
// secret fields' values added.
struct AdapterConfig {
  google::protobuf::Struct config;
  std::vector<std::string> secret_values;

  // Returns `text` (what the adapter answered) without the secret values.
  std::string Redact(std::string text) const {
    return RedactSecrets(std::move(text), secret_values);
  }
};

// The state of a system's adapter as the supervisor last saw it.
struct AdapterState {
  // "running" (a process or endpoint client is up), "restarting" (its
  // process crashed and is being started again), "stopped" (none: not
  // started yet, disabled or without an adapter), "failed" (the last start
  // failed: last_error says why).
  std::string state = "stopped";
  int restarts = 0;
  std::string last_error;
  // The vendor the adapter said it speaks to (Describe); "" until known.
  std::string vendor;
};

class AdapterSupervisor {
 public:
  // `store` and `vault` are not owned and outlive the supervisor. Launch
  // folders go under options.run_dir.
  AdapterSupervisor(Store* store, const SecretVault* vault,
                    AdapterHostOptions options, LaunchPolicy policy);
  ~AdapterSupervisor();  // Shutdown()

  // Starts the adapters of every enabled system, in the background.
  void StartAll();
  // Brings the system's adapter in line with its stored registration, in
  // the background.
  void Reconcile(const std::string& system);
  // Returns the running adapter for `system` (as registered now), starting
  // or restarting it first when needed. FAILED_PRECONDITION when the system
  // has no adapter or is disabled; UNAVAILABLE when it cannot be started.
  absl::StatusOr<std::shared_ptr<AdapterClient>> For(
      const hub::v1::System& system);
  // Returns the inbound object types the running adapter of `system` (as
  // registered now) declared, or nullopt when the hub has not had its
  // description yet (not started, not answering, or its registration
  // changed since); then the supervisor's thread asks for it. Never blocks
  // on an adapter.
  std::optional<std::vector<std::string>> DeclaredObjectTypes(
      const hub::v1::System& system);
  // Returns the names of the configuration fields the adapter of `system`
  // (its adapter spec as given, registered yet or not) marks secret in its
  // configuration schema. Asks the running adapter when it runs with this
  // spec, else starts one for the question and stops it; remembers the
  // answer per spec. FAILED_PRECONDITION when the system has no adapter;
  // UNAVAILABLE when the adapter cannot be started or described. Blocks on
  // the adapter: call it from a worker thread.
  absl::StatusOr<std::set<std::string>> SecretFields(
      const hub::v1::System& system);
  // Returns the configuration to send to the adapter of `system` (as
  // stored): its config with its secret fields resolved (sealed values
  // opened, env:/file: references read). FAILED_PRECONDITION naming the
  // field when one cannot be resolved.
  absl::StatusOr<AdapterConfig> ConfigFor(const hub::v1::System& system);
  // Returns the state of the adapter of `system`; starts nothing, never
  // blocks on an adapter.
  AdapterState StateOf(const std::string& system);
  // Stops every adapter and the supervisor's thread.
  void Shutdown();

  // What the hub may run and call (RegisterSystem checks specs with it).
  const LaunchPolicy& policy() const { return policy_; }

 private:
  struct Slot {
    std::mutex mu;
    std::string spec;  // serialized AdapterSpec of the running client
    std::shared_ptr<AdapterClient> client;
    std::string last_error;  // of the last failed start
  };
  // What a running adapter declared, for the spec it was started with.
  struct Described {
    std::string spec;
    std::vector<std::string> object_types;
    std::string vendor;
  };
  std::shared_ptr<Slot> SlotFor(const std::string& system);
  // Starts (launch) or connects to (endpoint) the adapter of `system`.
  absl::StatusOr<std::shared_ptr<AdapterClient>> NewClient(
      const hub::v1::System& system);
  void Stop(const std::string& system);
  // Asks the running adapter of `system` to describe itself; true when it
  // answered.
  bool Describe(const hub::v1::System& system,
                const std::shared_ptr<AdapterClient>& client);
  // Describes the adapter of system `name` if it runs as registered now;
  // starts nothing.
  void DescribeRunning(const std::string& name);
  void Loop();

  Store* store_;
  const SecretVault* vault_;
  AdapterHostOptions options_;
  const LaunchPolicy policy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::deque<std::string> pending_;  // "" means every system
  std::map<std::string, Described> described_;
  std::set<std::string> undescribed_;  // running, to describe again
  // Secret field names by serialized AdapterSpec.
  std::map<std::string, std::set<std::string>> secret_fields_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ADAPTER_HOST_ADAPTER_SUPERVISOR_H_
