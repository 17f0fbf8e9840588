// revhubd: the revhub integration hub.
#include <malloc.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "hub/observability/log.h"
#include "hub/server/server.h"

namespace {

// A CLI11 check that its text is a positive duration such as 24h or 30s.
std::string PositiveDuration(const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return "must be a positive duration such as 24h, 90m or 30s";
  }
  return "";
}

// Adds a duration flag parsed into `*out` (shown with its default).
void AddDuration(CLI::App& app, const std::string& name, absl::Duration* out,
                 const std::string& help) {
  app.add_option_function<std::string>(
         name, [out](const std::string& t) { absl::ParseDuration(t, out); },
         help)
      ->default_str(absl::FormatDuration(*out))
      ->check(PositiveDuration);
}

// glibc gives each thread that allocates its own arena (up to 8 per core),
// and a hub with many gRPC and work-queue threads keeps freed memory in all
// of them: RSS grew several times over what was in use under load (a hub
// at 145 MB came down to 52 MB with two arenas; overload_bench prints the
// hub's RSS).
// MALLOC_ARENA_MAX in the environment still decides when it is set.
void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
}

}  // namespace

int main(int argc, char** argv) {
  LimitMallocArenas();
  revhub::hub::HubOptions options;
  CLI::App app{
      "revhubd: keeps the canonical model of customers, contracts, invoices "
      "and "
      "revenue, and serves the revhub.hub.v1 gRPC APIs over it."};
  app.add_option(
         "--listen", options.listen,
         "Address to serve gRPC on, HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir,
                 "Folder of the embedded SQLite database (created if missing)")
      ->capture_default_str();
  app.add_option("--store", options.store,
                 "Where the hub stores everything: empty for SQLite in "
                 "--data-dir, a file path for SQLite in that file, or "
                 "postgres://USER:PASSWORD@HOST:PORT/DB for PostgreSQL, "
                 "which several hubs may share (docs/storage.md)");
  // Secrets (docs/security.md)
  app.add_option("--secrets-key-file", options.secrets_key_file,
                 "File of the key that encrypts secret configuration fields "
                 "at rest: 32 random bytes as hex or base64, readable by its "
                 "owner only (openssl rand -hex 32 > FILE; chmod 600 FILE). "
                 "Without it, only env:/file: references are accepted");
  app.add_option("--previous-secrets-key-file",
                 options.previous_secrets_key_file,
                 "The key the stored secrets are encrypted with now: they "
                 "are re-encrypted with --secrets-key-file at start (key "
                 "rotation)");
  app.add_option("--worker-threads", options.worker_threads,
                 "Threads that run request work")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  // Revenue recognition
  app.add_option("--revenue-config", options.revenue_config,
                 "JSON file of ledger accounts per legal entity and the "
                 "period convention (docs/revenue.md); default chart when "
                 "unset")
      ->check(CLI::ExistingFile);
  app.add_option("--pipeline-batch-size", options.pipeline_batch_size,
                 "Raw records the pipeline sends to an adapter per "
                 "TranslateBatch call")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  std::string waiting_timeout = "24h";
  app.add_option("--pipeline-waiting-timeout", waiting_timeout,
                 "How long a record may wait for the record it refers to "
                 "(an invoice for its customer) before it fails with an "
                 "exception, e.g. 24h, 90m, 30s")
      ->capture_default_str()
      ->check([](const std::string& text) -> std::string {
        absl::Duration d;
        if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
          return "must be a positive duration such as 24h, 90m or 30s";
        }
        return "";
      });
  // Orchestration
  app.add_option("--orchestration-config", options.orchestration_config,
                 "JSON file: exception routing rules, SLAs per category and "
                 "the recognition sweep interval (docs/orchestration.md)")
      ->check(CLI::ExistingFile);
  // Transport security (docs/security.md)
  app.add_option("--tls-cert", options.tls_cert,
                 "PEM certificate chain the server presents (TLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-client-ca", options.tls_client_ca,
                 "PEM CA certificates that client certificates are verified "
                 "against (mTLS); a verified certificate's common name names "
                 "the calling principal")
      ->check(CLI::ExistingFile);
  app.add_flag("--require-client-cert", options.require_client_cert,
               "Refuse TLS clients without a certificate signed by "
               "--tls-client-ca");
  app.add_flag("--insecure-loopback", options.insecure_loopback,
               "Serve plaintext; allowed only with a loopback --listen "
               "address (development and tests). Calls still need a token");

  // Adapters: what registrations may run (docs/security.md)
  app.add_option("--adapter-dir", options.adapter_dirs,
                 "Folder whose executables registrations may name as their "
                 "adapter.launch.command (repeatable; default: the folder "
                 "revhubd is in)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--adapter-allowlist", options.adapter_allowlist,
                 "JSON file: adapter name -> {\"command\": absolute path, "
                 "\"args\": [...], \"env\": {...}}, names registrations "
                 "may use besides those in --adapter-dir")
      ->check(CLI::ExistingFile);
  app.add_option("--adapter-env-allow", options.adapter_env_allow,
                 "Registration env keys passed to adapters: a name or a "
                 "prefix ending in '*' (repeatable; default: REVHUB_* and "
                 "ADAPTER_*). LD_*, DYLD_*, NODE_OPTIONS and other keys that "
                 "load code are never passed");
  // Overload and limits (docs/security.md)
  app.add_option("--max-queued-calls", options.max_queued_calls,
                 "Calls that may wait for a worker; more are answered "
                 "RESOURCE_EXHAUSTED with retry-after-ms")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--rate-limit-per-principal", options.rate_limit_per_principal,
                 "Calls per second each principal may make (token bucket); "
                 "0 turns the limit off")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--rate-limit-burst", options.rate_limit_burst,
                 "Calls a principal may make at once; 0 means the rate")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--ingest-stream-max-in-flight",
                 options.ingest_stream_max_in_flight,
                 "Messages of one IngestStream read and not yet answered; "
                 "the hub stops reading the stream until answers go out")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  app.add_option("--max-concurrent-streams", options.max_concurrent_streams,
                 "Calls in flight per client connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--grpc-memory-bytes", options.grpc_memory_bytes,
                 "Memory gRPC may use for calls and buffers (ResourceQuota)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{16} << 20, int64_t{1} << 40));
  app.add_option("--grpc-max-threads", options.grpc_max_threads,
                 "Threads gRPC may start (ResourceQuota)")
      ->capture_default_str()
      ->check(CLI::Range(4, 100000));
  app.add_option("--max-message-bytes", options.max_message_bytes,
                 "Largest request or response message; an Ingest payload is "
                 "up to 16 MiB")
      ->capture_default_str()
      ->check(CLI::Range(1 << 20, 1 << 30));
  AddDuration(app, "--keepalive-time", &options.keepalive_time,
              "Ping a connection idle this long; close it when the ping is "
              "not answered in 20s");
  AddDuration(app, "--max-connection-idle", &options.max_connection_idle,
              "Close a connection without any call for this long");
  AddDuration(app, "--idempotency-retention", &options.idempotency_retention,
              "Keep idempotency records this long; a request repeated later "
              "is a new request (e.g. 720h)");
  AddDuration(app, "--idempotency-sweep-interval",
              &options.idempotency_sweep_interval,
              "How often idempotency records past retention are deleted");
  // Connectors (docs/connectors.md)
  app.add_option("--http-listen", options.http_listen,
                 "Address to serve HTTP on, HOST:PORT (port 0 picks a free "
                 "one): vendor webhooks at POST /webhooks/<system>. Plain "
                 "HTTP: put a TLS-terminating proxy in front of it anywhere "
                 "but loopback");
  app.add_option("--webhook-max-body-bytes", options.webhook_max_body_bytes,
                 "Largest webhook body accepted; larger ones get 413")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{64} << 20));
  app.add_option("--sync-max-concurrent-pulls",
                 options.sync_max_concurrent_pulls,
                 "Pulls from vendors that run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  AddDuration(app, "--sync-max-backoff", &options.sync_max_backoff,
              "Longest wait between attempts at a failing page of a pull");
  // Several hubs on one store (docs/deploy.md)
  AddDuration(app, "--lease-poll", &options.lease_poll,
              "How often the leases of the single-writer duties (pipeline, "
              "revenue, orchestrator, sync-schedules, retention) are tried "
              "and checked: a dead hub's duties move to another within one "
              "poll of its lease being dropped");
  // Observability (docs/observability.md)
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "Log lines on stderr: text (time, level, component, "
                 "message, key=value) or json (one object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  AddDuration(app, "--backlog-sample-interval",
              &options.backlog_sample_interval,
              "How often the backlog is sampled into the two-hour history "
              "of PipelineService.GetBacklog");
  CLI11_PARSE(app, argc, argv);
  {
    revhub::observability::LogFormat format;
    revhub::observability::ParseLogFormat(log_format, &format);  // checked
    revhub::observability::SetLogFormat(format);
  }
  // Checked above.
  absl::ParseDuration(waiting_timeout, &options.pipeline_waiting_timeout);

  // SIGTERM and SIGINT are taken by a thread with sigwait, so no handler
  // runs in an arbitrary thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = revhub::hub::StartHubServer(options);
  if (!server.ok()) {
    revhub::observability::LogError("revhubd",
                                    std::string(server.status().message()));
    return 1;
  }
  if (!(*server)->http_address().empty()) {
    std::cout << "revhubd http listening on " << (*server)->http_address()
              << std::endl;
  }
  std::cout << "revhubd listening on " << (*server)->address() << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    revhub::observability::LogInfo(
        "revhubd", absl::StrCat(sig == SIGTERM ? "SIGTERM" : "SIGINT",
                                ": draining calls in flight and stopping"));
    (*server)->Shutdown(absl::Seconds(10));
  });
  (*server)->Wait();
  waiter.join();
  server->reset();
  revhub::observability::LogInfo("revhubd", "stopped");
  return 0;
}
