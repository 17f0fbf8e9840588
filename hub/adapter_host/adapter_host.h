// AdapterHost: runs one adapter process for the hub and keeps it running.
//
// Start() launches the adapter from its launch spec (an absolute command
// path, args, the adapter's whole environment) as a child process. Each
// launch gets its own folder, created 0700 (<run_dir>/<name>-<n>, or a
// mkdtemp folder under $XDG_RUNTIME_DIR or /tmp when that socket path would
// be longer than a unix socket address allows), and a fresh random token:
// the adapter is run with `--listen=unix:<folder>/adapter.sock` and the
// token in REVHUB_ADAPTER_TOKEN (never on its command line), and every call
// the host makes, health checks included, carries
// `authorization: Bearer <token>`; the adapter refuses calls without it
// (docs/adapter-guide.md). The host reads the one-line handshake the
// adapter prints on stdout ("REVHUB-ADAPTER|1|unix|<socket>"; it must name
// the socket the host asked for), connects a gRPC channel and waits until
// grpc.health.v1 says SERVING. The folder is removed when the process is
// gone. The command is checked (CheckExecutable, launch_policy.h) before
// every launch.
//
// A supervisor thread then health-checks the process every
// health_interval. When the process exits, or fails unhealthy_threshold
// health checks in a row (a hang), it is killed (SIGKILL) and started again
// after an exponential backoff (initial_backoff doubling up to
// max_backoff; reset once a process has stayed up for stable_after).
//
// Every call carries a deadline (call_deadline unless the caller's is
// shorter). A call that fails because the process went away (UNAVAILABLE)
// is retried on the restarted process until the deadline: Translate is a
// pure function of its input and Apply is idempotent per idempotency key,
// so a retry never duplicates work. Other errors are returned as they are.
//
// Shutdown() (also run by the destructor) closes the adapter's stdin, sends
// SIGTERM, and after shutdown_grace SIGKILL; it returns when the process is
// reaped. The child also gets SIGKILL if the hub process dies
// (PR_SET_PDEATHSIG), so adapters never outlive the hub.
//
// AdapterHost is an AdapterClient (adapter_client.h), the one interface the
// hub calls adapters through.
//
// Thread-safe: calls may come from any number of threads. Does not depend on
// the hub's store.
#ifndef REVHUB_HUB_ADAPTER_HOST_ADAPTER_HOST_H_
#define REVHUB_HUB_ADAPTER_HOST_ADAPTER_HOST_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/adapter_host/adapter_client.h"
#include "revhub/adapter/v1/adapter_service.pb.h"

namespace revhub::hub {

struct AdapterLaunchSpec {
  // Absolute path of the executable (see LaunchPolicy::Resolve).
  std::string command;
  // Arguments; the host adds --listen=unix:<socket>.
  std::vector<std::string> args;
  // The adapter's whole environment: nothing is inherited from the hub's.
  // The host adds REVHUB_ADAPTER_TOKEN.
  std::map<std::string, std::string> env;
  // When set, the adapter's stderr is appended to this file instead of
  // going to the hub's stderr.
  std::string stderr_path;
  // Names the launch folders (<run_dir>/<name>-<n>), e.g. the system.
  std::string name = "adapter";
};

struct AdapterHostOptions {
  absl::Duration handshake_timeout = absl::Seconds(10);
  absl::Duration call_deadline = absl::Seconds(30);
  absl::Duration health_interval = absl::Milliseconds(500);
  absl::Duration health_timeout = absl::Seconds(1);
  int unhealthy_threshold = 3;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration stable_after = absl::Seconds(10);
  absl::Duration shutdown_grace = absl::Seconds(3);
  // Folder (made 0700 when missing) of the per-launch folders; empty: a
  // mkdtemp folder under $XDG_RUNTIME_DIR or /tmp for each launch.
  std::string run_dir;
};

// AdapterHandshake is the parsed handshake line.
struct AdapterHandshake {
  int protocol_version = 0;
  std::string network;  // "tcp" or "unix"
  std::string address;  // "127.0.0.1:PORT" or a socket path
};

// Parses "REVHUB-ADAPTER|<version>|<tcp|unix>|<address>"; INVALID_ARGUMENT
// naming the broken part, FAILED_PRECONDITION for a protocol version this
// host does not speak.
absl::StatusOr<AdapterHandshake> ParseHandshake(absl::string_view line);

// An AdapterClient for an adapter process the hub runs and supervises.
class AdapterHost : public AdapterClient {
 public:
  // Starts the adapter and waits for it to be healthy. Errors: the command
  // cannot be run, exits before the handshake, prints a bad handshake, or is
  // not healthy within handshake_timeout.
  static absl::StatusOr<std::unique_ptr<AdapterHost>> Start(
      AdapterLaunchSpec spec, AdapterHostOptions options = {});

  ~AdapterHost() override = default;

  // AdapterClient (Describe, Check, Translate, TranslateBatch and Apply are
  // implemented by the running process, retried across restarts as above):
  // the current pid, restarts and address.
  hub::v1::AdapterProcess Process() const override;

  // The running process's pid (0 while restarting).
  virtual pid_t pid() const = 0;
  // How many times the process was restarted.
  virtual int restarts() const = 0;
  // The address from the current process's handshake.
  virtual std::string address() const = 0;

  // Stops the adapter for good. Calls made afterwards fail with UNAVAILABLE.
  virtual void Shutdown() = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ADAPTER_HOST_ADAPTER_HOST_H_
