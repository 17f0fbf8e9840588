// LaunchPolicy: which programs the hub may run as adapters, with which
// environment, and which remote adapters it may call.
//
// A registration names its adapter's command by a bare name, never a path.
// The name resolves only in places the operator owns:
//   - the allow-list file (--adapter-allowlist), a JSON object of
//     name -> {"command": "/abs/path", "args": [...], "env": {...}}, whose
//     args come before the registration's and whose env is set as given;
//   - the adapter folders (--adapter-dir, in order), where the name is an
//     executable file. By default the one folder is the one revhubd's own
//     executable is in, where the build and an install put the
//     revhub-adapter-* programs.
// The allow-list wins over the folders. The resolved file must be a regular
// executable file that neither group nor others may write; that is checked
// when a registration is accepted and again at every launch.
//
// The adapter's environment is built, never inherited: a base taken from
// the hub's own environment (PATH, HOME, TZ, LANG, LC_*, the proxy
// variables, SSL_CERT_FILE and SSL_CERT_DIR), then the allow-list entry's
// env, then the registration's env, whose keys must match an allowed
// pattern (--adapter-env-allow; a pattern is a name or a prefix ending in
// '*') and must not be one the loader or a runtime reads to load code
// (LD_*, DYLD_*, NODE_OPTIONS, GCONV_PATH, ...), whatever the patterns say.
//
// A remote adapter (adapter.endpoint) is reached as "unix:/path" or on a
// loopback host:port (127.0.0.0/8, [::1], localhost) in plaintext; any other
// host only through adapter.tls_endpoint, over TLS where the registration's
// pinned certificate is the only trust root.
//
// Immutable after Create; thread-safe.
#ifndef REVHUB_HUB_ADAPTER_HOST_LAUNCH_POLICY_H_
#define REVHUB_HUB_ADAPTER_HOST_LAUNCH_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

struct LaunchPolicyOptions {
  // Folders searched for a command name, in order. Empty: the folder of
  // the running executable (/proc/self/exe).
  std::vector<std::string> adapter_dirs;
  // The allow-list JSON file; empty: none.
  std::string allowlist_file;
  // Patterns of the registration env keys an adapter may get ("NAME" or
  // "PREFIX*"). Empty: kDefaultEnvAllow.
  std::vector<std::string> env_allow;
};

// The default --adapter-env-allow patterns: the configuration variables of
// adapters written for revhub.
inline constexpr const char* kDefaultEnvAllow[] = {"REVHUB_*", "ADAPTER_*"};

// The environment variable that carries the per-launch token to an adapter.
inline constexpr char kAdapterTokenEnv[] = "REVHUB_ADAPTER_TOKEN";

// A command name as the operator configured it.
struct ResolvedCommand {
  std::string path;               // absolute
  std::vector<std::string> args;  // before the registration's args
  std::map<std::string, std::string> env;
};

class LaunchPolicy {
 public:
  // Reads the allow-list file. INVALID_ARGUMENT naming the flag when a
  // folder or the file is unreadable or malformed.
  static absl::StatusOr<LaunchPolicy> Create(LaunchPolicyOptions options);

  // Checks a registration's adapter spec; INVALID_ARGUMENT naming the field
  // (system.adapter.launch.command, system.adapter.launch.env[KEY],
  // system.adapter.endpoint, system.adapter.tls_endpoint.*) and the reason.
  absl::Status CheckSpec(const hub::v1::AdapterSpec& spec) const;

  // Returns where a bare command name resolves; INVALID_ARGUMENT naming
  // system.adapter.launch.command and listing the places looked in.
  absl::StatusOr<ResolvedCommand> Resolve(absl::string_view name) const;

  // Returns the adapter's whole environment for a registration's launch
  // spec (resolved: the allow-list entry's env is included).
  absl::StatusOr<std::map<std::string, std::string>> Environment(
      const ResolvedCommand& command,
      const hub::v1::AdapterLaunch& launch) const;

  const std::vector<std::string>& adapter_dirs() const { return dirs_; }

 private:
  absl::Status CheckEnvKey(const std::string& key) const;
  std::string WhereLooked() const;

  std::vector<std::string> dirs_;
  std::string allowlist_file_;
  std::map<std::string, ResolvedCommand> allowlist_;
  std::vector<std::string> env_allow_;
};

// OK when `path` is an absolute path to a regular file its owner may
// execute and neither group nor others may write; FAILED_PRECONDITION
// saying what is wrong otherwise.
absl::Status CheckExecutable(const std::string& path);

// True for the keys no adapter ever gets from a registration: those the
// dynamic loader, libc or a language runtime read to load code.
bool IsForbiddenEnvKey(absl::string_view key);

// True for "unix:/path" and host:port on a loopback host.
bool IsLocalEndpoint(absl::string_view endpoint);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ADAPTER_HOST_LAUNCH_POLICY_H_
