// HubServer: revhubd's gRPC server over one data folder.
//
// StartHubServer() creates the data folder owner-only (0700; an existing
// one open to group or others is refused) and takes its lock so no second
// hub can open it, opens the secrets key (hub/secrets),
// reads the revenue and orchestration configurations, opens (or creates)
// the store under the data folder, starts the adapters and, through
// Duties (duties.h), each single-writer duty whose lease it holds (the
// revenue worker, the ingest pipeline, the orchestrator, sync schedules,
// retention: on SQLite all of them, before it returns), and serves every
// revhub.hub.v1 service plus server reflection and grpc.health.v1 on the
// given address. Every call is authenticated and authorized by hub/auth's
// processor before its handler runs; the transport is TLS (optionally
// verifying client certificates), or plaintext on a loopback address only
// when `insecure_loopback` asks for it. On first start with no principal it
// creates `admin` and writes its token to DATA_DIR/admin.token (0600).
// Shutdown() reports NOT_SERVING on grpc.health.v1, stops the duties and
// releases their leases, stops accepting calls, lets calls in flight
// finish (cancelling streams), then closes the store.
#ifndef REVHUB_HUB_SERVER_SERVER_H_
#define REVHUB_HUB_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace revhub::hub {

struct HubOptions {
  // "host:port"; port 0 picks a free port.
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "data";
  // Where everything is stored (store_factory.h): empty for SQLite in
  // data_dir, a file path for SQLite there, or a postgres:// URL for
  // PostgreSQL, which several hubs may share.
  std::string store;
  // File of the secrets key that encrypts secret configuration fields
  // (hub/secrets/secrets_key.h); empty: secret values are refused, only
  // env:/file: references are accepted.
  std::string secrets_key_file;
  // The key the stored secrets were encrypted with before: revhubd
  // re-encrypts them with secrets_key_file at start (key rotation).
  std::string previous_secrets_key_file;
  int worker_threads = 16;

  // JSON file of account mapping and period convention (revenue_config.h);
  // empty: the defaults.
  std::string revenue_config;
  // JSON file of exception routing and SLAs (for the ingest pipeline's
  // exceptions too) and the recognition sweep (hub/orchestration/config.h);
  // empty: the defaults.
  std::string orchestration_config;
  // The ingest pipeline's records per TranslateBatch call.
  int pipeline_batch_size = 100;
  // How long the ingest pipeline lets a record wait for the record it
  // refers to before it becomes FAILED with an exception.
  absl::Duration pipeline_waiting_timeout = absl::Hours(24);

  // Transport security (docs/security.md). PEM files: the server's
  // certificate chain and key; with tls_client_ca, client certificates are
  // verified against it when presented (demanded with
  // require_client_cert), and a verified certificate's common name names
  // the calling principal.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  bool require_client_cert = false;
  // Serve plaintext. Allowed only with a loopback `listen` address
  // (127.0.0.0/8, ::1, localhost) and no TLS file.
  bool insecure_loopback = false;
  // Called for every authenticated, authorized call before its handler
  // (auth::AdmitCallFn); empty: every call admitted.
  std::function<absl::Status(const std::string& principal,
                             const std::string& method)>
      admit_call;

  // Adapters (hub/adapter_host/launch_policy.h): the folders a launch
  // command name resolves in (empty: revhubd's own folder), the allow-list
  // file (empty: none), the registration env keys allowed (empty: the
  // defaults). Launch folders go under <data_dir>/run/adapters.
  std::vector<std::string> adapter_dirs;
  std::string adapter_allowlist;
  std::vector<std::string> adapter_env_allow;
  // Overload and limits (docs/security.md, "Overload and limits").
  // Unary calls that may wait for a worker; more are refused with
  // RESOURCE_EXHAUSTED and retry-after-ms.
  int max_queued_calls = 256;
  // Calls per second each principal may make (token bucket); 0: no limit.
  double rate_limit_per_principal = 0;
  // Calls a principal may make at once; 0: the rate, at least 1.
  double rate_limit_burst = 0;
  // Messages of one IngestStream read and not yet answered: the hub stops
  // reading the stream until its answers are sent (flow control).
  int ingest_stream_max_in_flight = 256;
  // HTTP/2 streams (calls) in flight per client connection.
  int max_concurrent_streams = 100;
  // Memory gRPC may use for its buffers and calls (grpc::ResourceQuota).
  int64_t grpc_memory_bytes = int64_t{1} << 30;
  // Threads gRPC may start (grpc::ResourceQuota).
  int grpc_max_threads = 256;
  // Largest request or response message (an Ingest payload is up to 16 MiB).
  int max_message_bytes = 20 << 20;
  // The server pings a connection idle this long, and closes it when the
  // ping is not answered within 20 s.
  absl::Duration keepalive_time = absl::Minutes(5);
  // A connection without any call for this long is closed (clients
  // reconnect on their next call).
  absl::Duration max_connection_idle = absl::Minutes(15);
  // Idempotency records older than this are swept: a request repeated
  // later is a new request.
  absl::Duration idempotency_retention = absl::Hours(24 * 30);
  // How often the sweep runs.
  absl::Duration idempotency_sweep_interval = absl::Hours(1);

  // Connectors (docs/connectors.md). "host:port" of the HTTP listener for
  // vendor webhooks (POST /webhooks/<system>); empty: none. It serves
  // plain HTTP: put it behind a TLS-terminating proxy anywhere but
  // loopback.
  std::string http_listen;
  // The largest webhook body accepted (413 beyond).
  size_t webhook_max_body_bytes = 4 << 20;
  // Scheduled pulls: how often schedules are looked at, the backoff of a
  // failing page, and how many pulls run at once.
  absl::Duration sync_tick = absl::Milliseconds(500);
  absl::Duration sync_initial_backoff = absl::Milliseconds(200);
  absl::Duration sync_max_backoff = absl::Minutes(5);
  int sync_max_concurrent_pulls = 4;

  // Several hubs on one store (docs/deploy.md): how often the leases of
  // the single-writer duties are tried and checked (hub/server/duties.h).
  absl::Duration lease_poll = absl::Seconds(1);

  // Observability (docs/observability.md): how often the backlog is
  // sampled into the two-hour history of PipelineService.GetBacklog.
  absl::Duration backlog_sample_interval = absl::Seconds(15);
};

// Returns whether `listen` ("host:port") names a loopback address:
// 127.0.0.0/8, ::1 (as "[::1]:port") or localhost.
bool IsLoopbackListenAddress(const std::string& listen);

class HubServer {
 public:
  virtual ~HubServer() = default;

  // Returns the address it listens on, with the port actually bound.
  virtual std::string address() const = 0;
  // The HTTP listener's address, with its port; "" without --http-listen.
  virtual std::string http_address() const = 0;

  // Stops serving: new calls are refused, calls in flight get `grace` to
  // finish before they are cancelled. Idempotent.
  virtual void Shutdown(absl::Duration grace) = 0;

  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
};

absl::StatusOr<std::unique_ptr<HubServer>> StartHubServer(
    const HubOptions& options);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SERVER_SERVER_H_
