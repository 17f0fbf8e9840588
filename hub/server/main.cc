// revhubd: the revhub integration hub.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <thread>

#include "absl/time/time.h"
#include "hub/server/server.h"

int main(int argc, char** argv) {
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
  CLI11_PARSE(app, argc, argv);
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
    std::cerr << "revhubd: " << server.status().message() << std::endl;
    return 1;
  }
  std::cout << "revhubd listening on " << (*server)->address() << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "revhubd: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": draining calls in flight and stopping" << std::endl;
    (*server)->Shutdown(absl::Seconds(10));
  });
  (*server)->Wait();
  waiter.join();
  server->reset();
  std::cerr << "revhubd: stopped" << std::endl;
  return 0;
}
