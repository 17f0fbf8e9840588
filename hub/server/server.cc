#include "hub/server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "canonical/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/api/audit_interceptor.h"
#include "hub/api/metrics_interceptor.h"
#include "hub/api/services.h"
#include "hub/auth/auth_processor.h"
#include "hub/auth/method_policy.h"
#include "hub/auth/principal_registry.h"
#include "hub/common/rate_limiter.h"
#include "hub/common/work_queue.h"
#include "hub/events/event_bus.h"
#include "hub/http/http_server.h"
#include "hub/ingest/pipeline.h"
#include "hub/ingest/replay_operations.h"
#include "hub/monitor/backlog_monitor.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/log.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/revenue/revenue_config.h"
#include "hub/revenue/revenue_worker.h"
#include "hub/secrets/secret_vault.h"
#include "hub/secrets/secrets_key.h"
#include "hub/server/duties.h"
#include "hub/server/retention.h"
#include "hub/server/store_factory.h"
#include "hub/sync/sync_engine.h"
#include "hub/sync/webhook_receiver.h"
#include "hub/web/json_gateway.h"
#include "hub/web/web_assets.h"

namespace revhub::hub {
namespace {

// Holds an exclusive flock on DATA_DIR/LOCK for the server's life.
class DirLock {
 public:
  static absl::StatusOr<std::unique_ptr<DirLock>> Acquire(
      const std::string& dir) {
    std::string path = dir + "/LOCK";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot open ", path, ": ", strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("data dir ", dir, " is in use by another revhubd (",
                       path, " is locked)"));
    }
    return std::unique_ptr<DirLock>(new DirLock(fd));
  }
  ~DirLock() { ::close(fd_); }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

absl::StatusOr<std::string> ReadPem(const std::string& flag,
                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot read: ", strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": is not a PEM file"));
  }
  return text.str();
}

// Returns the server credentials the options ask for, or why they are
// refused: plaintext only on loopback and only with --insecure-loopback.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const HubOptions& o) {
  const bool tls = !o.tls_cert.empty() || !o.tls_key.empty();
  if (tls && (o.tls_cert.empty() || o.tls_key.empty())) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key: give both (the certificate chain and its "
        "private key)");
  }
  if (!o.tls_client_ca.empty() && !tls) {
    return absl::InvalidArgumentError(
        "--tls-client-ca: needs --tls-cert and --tls-key (client "
        "certificates are verified over TLS)");
  }
  if (o.require_client_cert && o.tls_client_ca.empty()) {
    return absl::InvalidArgumentError(
        "--require-client-cert: needs --tls-client-ca to verify them");
  }
  if (tls && o.insecure_loopback) {
    return absl::InvalidArgumentError(
        "--insecure-loopback: cannot be combined with --tls-cert");
  }
  if (tls) {
    grpc::SslServerCredentialsOptions ssl;
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    ASSIGN_OR_RETURN(pair.cert_chain, ReadPem("--tls-cert", o.tls_cert));
    ASSIGN_OR_RETURN(pair.private_key, ReadPem("--tls-key", o.tls_key));
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    if (!o.tls_client_ca.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_root_certs,
                       ReadPem("--tls-client-ca", o.tls_client_ca));
      ssl.client_certificate_request =
          o.require_client_cert
              ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
              : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    return grpc::SslServerCredentials(ssl);
  }
  if (!o.insecure_loopback) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--listen ", o.listen,
        ": refusing to serve without TLS; give --tls-cert and --tls-key "
        "(see `revhub certs init`), or --insecure-loopback with a loopback "
        "address for development"));
  }
  if (!IsLoopbackListenAddress(o.listen)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--insecure-loopback: --listen ", o.listen,
        " is not a loopback address (127.0.0.0/8, [::1] or localhost); "
        "plaintext is served on loopback only"));
  }
  // Local TCP credentials speak plaintext (insecure clients connect), refuse
  // peers that are not on loopback, and, unlike insecure credentials, take
  // an AuthMetadataProcessor.
  return grpc::experimental::LocalServerCredentials(LOCAL_TCP);
}

// Creates `dir` owner-only (0700) when missing; refuses an existing one that
// group or others may enter.
absl::Status PrepareDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (!ec)
      fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("--data-dir ", dir, ": cannot create: ", ec.message()));
    }
    return absl::OkStatus();
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data-dir ", dir, ": is not a directory"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "--data-dir %s: is accessible by group or others (mode %04o); it "
        "holds the hub's database and secrets: chmod 700 %s",
        dir, st.st_mode & 07777, dir));
  }
  return absl::OkStatus();
}

// Returns whether a full gRPC method ("/pkg.Service/Method") changes
// anything: the `mutates` column of hub/auth's method table, the one place
// that decides what the audit interceptor records. A method without a row
// is refused before it runs; were one to run, it would be recorded.
bool MethodMutates(std::string_view method) {
  const auth::MethodRule* rule =
      auth::FindMethodRule(absl::string_view(method.data(), method.size()));
  return rule == nullptr || rule->mutates;
}

// Returns d in milliseconds for a gRPC channel argument (an int).
int ClampedMillis(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1,
                                              std::numeric_limits<int>::max()));
}

// Sets gRPC's own limits from the options: memory and threads
// (ResourceQuota), streams per connection, message sizes, keepalive and
// idle connections.
void ApplyLimits(const HubOptions& options, grpc::ServerBuilder& builder) {
  grpc::ResourceQuota quota("revhubd");
  quota.Resize(static_cast<size_t>(options.grpc_memory_bytes));
  quota.SetMaxThreads(options.grpc_max_threads);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             ClampedMillis(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             ClampedMillis(options.max_connection_idle));
}

class HubServerImpl : public HubServer {
 public:
  ~HubServerImpl() override { Shutdown(absl::Seconds(5)); }

  absl::Status Init(const HubOptions& options) {
    RETURN_IF_ERROR(PrepareDataDir(options.data_dir));
    ASSIGN_OR_RETURN(lock_, DirLock::Acquire(options.data_dir));
    // A transport the options do not allow stops the hub before anything.
    ASSIGN_OR_RETURN(auto credentials, MakeCredentials(options));
    std::optional<SecretsKey> key;
    std::optional<SecretsKey> previous_key;
    if (!options.secrets_key_file.empty()) {
      ASSIGN_OR_RETURN(key, LoadSecretsKeyFile(options.secrets_key_file,
                                               "--secrets-key-file"));
    }
    if (!options.previous_secrets_key_file.empty()) {
      ASSIGN_OR_RETURN(previous_key,
                       LoadSecretsKeyFile(options.previous_secrets_key_file,
                                          "--previous-secrets-key-file"));
    }
    // A bad configuration stops the hub before it serves anything.
    ASSIGN_OR_RETURN(revenue_settings_,
                     LoadRevenueConfig(options.revenue_config));
    ASSIGN_OR_RETURN(OrchestrationConfig orchestration,
                     LoadOrchestrationConfig(options.orchestration_config));
    ASSIGN_OR_RETURN(store_, OpenStore(options));
    // Every stored secret must open with the key given; values encrypted
    // with the previous key are re-encrypted now.
    ASSIGN_OR_RETURN(secrets_, SecretVault::Open(store_.get(), key,
                                                 std::move(previous_key)));
    if (secrets_->resealed() > 0) {
      observability::LogInfo(
          "secrets",
          absl::StrCat("re-encrypted ", secrets_->resealed(),
                       " secret configuration values with secrets key ",
                       key->id));
    }
    work_ = std::make_unique<WorkQueue>(
        options.worker_threads, static_cast<size_t>(options.max_queued_calls));
    limiter_ = std::make_unique<RateLimiter>(RateLimit{
        options.rate_limit_per_principal,
        options.rate_limit_burst > 0 ? options.rate_limit_burst
                                     : options.rate_limit_per_principal});
    events_ =
        std::make_unique<EventBus>(work_.get(), store_->LastEventPosition());
    store_->SetEventListener(
        [bus = events_.get()](int64_t p) { bus->Published(p); });
    context_ = HubContext{store_.get(), work_.get(), events_.get()};
    context_.secrets = secrets_.get();
    context_.limiter = limiter_.get();
    context_.ingest_stream_max_in_flight = options.ingest_stream_max_in_flight;
    // Adapters from registrations, and the ingest pipeline's worker, which
    // routes the exceptions of rejected records like orchestration's.
    LaunchPolicyOptions policy_options;
    policy_options.adapter_dirs = options.adapter_dirs;
    policy_options.allowlist_file = options.adapter_allowlist;
    policy_options.env_allow = options.adapter_env_allow;
    ASSIGN_OR_RETURN(LaunchPolicy policy,
                     LaunchPolicy::Create(std::move(policy_options)));
    AdapterHostOptions host_options;
    host_options.run_dir = options.data_dir + "/run/adapters";
    // The launch folders' parents are the hub's alone.
    std::error_code ec;
    std::filesystem::create_directories(host_options.run_dir, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          host_options.run_dir, ": cannot create: ", ec.message()));
    }
    std::filesystem::permissions(options.data_dir + "/run",
                                 std::filesystem::perms::owner_all, ec);
    std::filesystem::permissions(host_options.run_dir,
                                 std::filesystem::perms::owner_all, ec);
    adapters_ = std::make_unique<AdapterSupervisor>(
        store_.get(), secrets_.get(), host_options, std::move(policy));
    PipelineOptions pipeline_options;
    pipeline_options.batch_size = options.pipeline_batch_size;
    pipeline_options.waiting_timeout = options.pipeline_waiting_timeout;
    pipeline_options.exception_routing =
        static_cast<const ExceptionRouting&>(orchestration);
    pipeline_ = std::make_unique<Pipeline>(store_.get(), adapters_.get(),
                                           pipeline_options);
    context_.adapters = adapters_.get();
    context_.pipeline = pipeline_.get();
    // A replay operation whose hub died is continued by another within a
    // lease poll.
    replays_ = std::make_unique<ReplayOperations>(store_.get(), pipeline_.get(),
                                                  options.lease_poll);
    context_.replays = replays_.get();
    store_->SetRawRecordListener(
        [p = pipeline_.get()](bool requeued) { p->Notify(requeued); });
    orchestrator_ = std::make_unique<Orchestrator>(
        store_.get(), events_.get(), adapters_.get(), std::move(orchestration));
    context_.orchestrator = orchestrator_.get();
    // Pulls from vendors, and their webhooks.
    SyncEngineOptions sync_options;
    sync_options.tick = options.sync_tick;
    sync_options.initial_backoff = options.sync_initial_backoff;
    sync_options.max_backoff = options.sync_max_backoff;
    sync_options.max_concurrent_pulls = options.sync_max_concurrent_pulls;
    sync_ = std::make_unique<SyncEngine>(store_.get(), adapters_.get(),
                                         sync_options);
    context_.sync = sync_.get();
    webhooks_ = std::make_unique<WebhookReceiver>(store_.get(), adapters_.get(),
                                                  sync_.get());
    // The backlog: GetBacklog's history and /metrics' stored state.
    backlog_ = std::make_unique<BacklogMonitor>(
        store_.get(), adapters_.get(), options.backlog_sample_interval);
    context_.backlog = backlog_.get();
    // Principals: the first start makes `admin` and writes its token.
    ASSIGN_OR_RETURN(principals_, auth::PrincipalRegistry::Open(store_.get()));
    const std::string token_path = options.data_dir + "/admin.token";
    ASSIGN_OR_RETURN(bool bootstrapped, principals_->Bootstrap(token_path));
    if (bootstrapped) {
      observability::LogInfo(
          "auth", absl::StrCat("created principal \"admin\" (role admin); its "
                               "token is in ",
                               token_path, " (mode 0600)"));
    }
    context_.principals = principals_.get();
    auth::SetActiveRegistry(principals_.get());
    auth::AdmitCallFn admit;
    if (options.admit_call) {
      admit = [fn = options.admit_call](const auth::Caller& caller,
                                        absl::string_view method) {
        return fn(caller.principal, std::string(method));
      };
    }
    // A refused mutating call is audited too: the audit interceptor never
    // sees it, since the call ends before any handler.
    auth::DeniedCallFn denied = [store = store_.get()](
                                    const auth::Caller& caller,
                                    absl::string_view method,
                                    const absl::Status& status) {
      if (!MethodMutates(std::string_view(method.data(), method.size()))) {
        return;
      }
      const absl::Status appended = AppendRefusedCallAudit(
          store, caller.principal, auth::RoleName(caller.role),
          std::string_view(method.data(), method.size()), status);
      if (!appended.ok()) {
        observability::LogError(
            "audit", absl::StrCat("audit row for refused ", method,
                                  " not written: ", appended.message()));
      }
    };
    auth_ = std::make_shared<auth::HubAuthProcessor>(
        principals_.get(), std::move(admit), std::move(denied));
    credentials->SetAuthMetadataProcessor(auth_);

    services_.push_back(NewSystemRegistryService(&context_));
    services_.push_back(NewCustomerService(&context_));
    services_.push_back(NewProductService(&context_));
    services_.push_back(NewContractService(&context_));
    services_.push_back(NewInvoiceService(&context_));
    services_.push_back(NewPaymentService(&context_));
    services_.push_back(NewIngestService(&context_));
    services_.push_back(NewEventService(&context_));
    services_.push_back(NewRevenueService(&context_, &revenue_settings_));
    services_.push_back(NewPipelineService(&context_));
    services_.push_back(NewContractLifecycleService(&context_));
    services_.push_back(NewWorkflowService(&context_));
    services_.push_back(NewExceptionService(&context_));
    services_.push_back(NewPrincipalService(&context_));
    services_.push_back(NewAuditService(&context_));
    services_.push_back(NewSyncService(&context_));
    services_.push_back(NewTraceService(&context_));
    services_.push_back(NewReconciliationService(&context_));

    // Links the health protocol's descriptor into the binary, so reflection
    // can describe the built-in health service.
    (void)grpc::health::v1::HealthCheckRequest::descriptor();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(options.listen, credentials, &port);
    ApplyLimits(options, builder);
    for (auto& s : services_) builder.RegisterService(s.get());
    // One audit row per mutating call, whatever its outcome.
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(NewMetricsInterceptorFactory());
    interceptors.push_back(
        NewAuditInterceptorFactory(store_.get(), MethodMutates));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options.listen));
    }
    std::string host = options.listen.substr(0, options.listen.rfind(':'));
    address_ = absl::StrCat(host, ":", port);
    server_->GetHealthCheckService()->SetServingStatus(true);
    // The revenue worker follows the event log on its own thread.
    revenue_worker_ = std::make_unique<RevenueWorker>(
        store_.get(), events_.get(), &revenue_settings_);
    sweeper_ = std::make_unique<RetentionSweeper>(
        store_.get(), options.idempotency_retention,
        options.idempotency_sweep_interval);
    adapters_->StartAll();
    StartDuties(options.lease_poll);
    replays_->Start();
    backlog_->Start();
    observability::Metrics().SetStateSource(
        [b = backlog_.get()]() -> observability::StateSamples {
          absl::StatusOr<observability::StateSamples> s = b->MetricSamples();
          if (!s.ok()) {
            observability::LogWarn(
                "metrics", "stored state not read for /metrics",
                {{"error", std::string(s.status().message())}});
            return {};
          }
          return *std::move(s);
        });
    if (!options.http_listen.empty()) {
      HttpServerOptions http_options;
      http_options.listen = options.http_listen;
      http_options.max_body_bytes = options.webhook_max_body_bytes;
      std::vector<HttpRoute> routes;
      routes.push_back(
          {"POST", "/webhooks/", [w = webhooks_.get()](const HttpRequest& r) {
             return w->Handle(r);
           }});
      // Aggregates only, no ids and no money per contract: served without
      // a token, like any scrape target (docs/observability.md).
      routes.push_back({"GET", "/metrics", [](const HttpRequest& r) {
                          HttpResponse out;
                          if (r.path != "/metrics") {
                            return HttpError(404, "not found");
                          }
                          out.content_type = "text/plain; version=0.0.4";
                          out.body = observability::Metrics().registry.Scrape();
                          return out;
                        }});
      routes.push_back({"GET", "/healthz", [](const HttpRequest&) {
                          HttpResponse r;
                          r.content_type = "text/plain";
                          r.body = "ok\n";
                          return r;
                        }});
      AddControlTowerRoutes(routes);
      ASSIGN_OR_RETURN(http_, StartHttpServer(http_options, std::move(routes)));
    }
    return absl::OkStatus();
  }

  // The single-writer duties, each started once this hub holds its lease
  // (duties.h); the first poll runs now, so a lone hub has started them all
  // when this returns.
  void StartDuties(absl::Duration poll) {
    std::vector<Duty> duties;
    duties.push_back({"revenue", [w = revenue_worker_.get()] { w->Start(); },
                      [w = revenue_worker_.get()] { w->Stop(); }});
    duties.push_back({"pipeline", [p = pipeline_.get()] { p->Start(); },
                      [p = pipeline_.get()] { p->Shutdown(); }});
    duties.push_back({"orchestrator", [o = orchestrator_.get()] { o->Start(); },
                      [o = orchestrator_.get()] { o->Stop(); }});
    duties.push_back({"sync-schedules", [e = sync_.get()] { e->Start(); },
                      [e = sync_.get()] { e->Shutdown(); }});
    duties.push_back({"retention", [r = sweeper_.get()] { r->Start(); },
                      [r = sweeper_.get()] { r->Stop(); }});
    DutiesOptions duty_options;
    duty_options.poll = poll;
    duties_ = std::make_unique<Duties>(store_.get(), std::move(duties),
                                       std::move(duty_options));
    duties_->Start();
  }

  // The control-tower page and the JSON gateway it talks through: the
  // hub's own gRPC server over an in-process channel, each call admitted
  // by the same processor as a gRPC call (hub/web/json_gateway.h).
  void AddControlTowerRoutes(std::vector<HttpRoute>& routes) {
    web::JsonGatewayOptions gateway;
    gateway.channel = server_->InProcessChannel(grpc::ChannelArguments());
    gateway.admit = [auth = auth_](absl::string_view method,
                                   absl::string_view authorization) {
      return auth->Admit(method, authorization, "").status();
    };
    for (const auth::MethodRule& rule : auth::AllMethodRules()) {
      gateway.methods.push_back(rule.method);
    }
    gateway_ = std::make_unique<web::JsonGateway>(std::move(gateway));
    routes.push_back(
        {"POST", "/api/",
         [g = gateway_.get()](const HttpRequest& r) { return g->Call(r); }});
    routes.push_back({"GET", "/api", [g = gateway_.get()](const HttpRequest&) {
                        return g->Describe();
                      }});
    routes.push_back({"GET", "/", web::ServeWebAsset});
  }

  std::string address() const override { return address_; }
  std::string http_address() const override {
    return http_ != nullptr ? http_->address() : "";
  }

  void Shutdown(absl::Duration grace) override {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    // A load balancer stops sending calls here before anything stops.
    if (server_ != nullptr) {
      server_->GetHealthCheckService()->SetServingStatus(false);
    }
    // The duties stop (no new workflow step starts, the steps under way
    // finish; the revenue worker finishes the event in progress; the
    // pipeline's worker its batch), then their leases go to another hub.
    if (duties_ != nullptr) duties_->Stop();
    // Each stop is idempotent: those of duties never taken run here.
    if (orchestrator_ != nullptr) orchestrator_->Stop();
    if (revenue_worker_ != nullptr) revenue_worker_->Stop();
    if (sweeper_ != nullptr) sweeper_->Stop();
    observability::Metrics().SetStateSource(nullptr);
    if (backlog_ != nullptr) backlog_->Stop();
    // No new webhook; those in flight are answered. Pulls store the page
    // in hand and stop; RunSync streams end.
    if (http_ != nullptr) http_->Shutdown();
    if (sync_ != nullptr) sync_->Shutdown();
    if (server_ != nullptr) {
      // Event streams never end on their own: end them first, so the grace
      // period is spent on unary calls in flight.
      events_->Close();
      server_->Shutdown(std::chrono::system_clock::now() +
                        absl::ToChronoMicroseconds(grace));
      server_->Wait();
    }
    // A replay operation stops after its batch and stays RUNNING, to be
    // continued at the next start.
    if (replays_ != nullptr) replays_->Stop();
    if (pipeline_ != nullptr) pipeline_->Shutdown();
    if (adapters_ != nullptr) adapters_->Shutdown();
    work_.reset();  // runs what is queued, then joins
    auth::SetActiveRegistry(nullptr);
    store_.reset();  // finishes queued writes, checkpoints, closes
    lock_.reset();
  }

  void Wait() override {
    if (server_ != nullptr) server_->Wait();
    std::lock_guard<std::mutex> lock(shutdown_mu_);
  }

 private:
  std::unique_ptr<DirLock> lock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::unique_ptr<SecretVault> secrets_;
  std::unique_ptr<WorkQueue> work_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RetentionSweeper> sweeper_;
  std::unique_ptr<Duties> duties_;
  std::unique_ptr<EventBus> events_;
  HubContext context_{};
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<AdapterSupervisor> adapters_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<ReplayOperations> replays_;
  revenue::RevenueSettings revenue_settings_;
  std::unique_ptr<RevenueWorker> revenue_worker_;
  std::unique_ptr<Orchestrator> orchestrator_;
  std::unique_ptr<SyncEngine> sync_;
  std::unique_ptr<WebhookReceiver> webhooks_;
  std::shared_ptr<auth::HubAuthProcessor> auth_;
  std::unique_ptr<web::JsonGateway> gateway_;
  std::unique_ptr<BacklogMonitor> backlog_;
  std::unique_ptr<HttpServer> http_;
  std::mutex shutdown_mu_;
  bool shut_down_ = false;
};

}  // namespace

bool IsLoopbackListenAddress(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

absl::StatusOr<std::unique_ptr<HubServer>> StartHubServer(
    const HubOptions& options) {
  auto server = std::make_unique<HubServerImpl>();
  RETURN_IF_ERROR(server->Init(options));
  return std::unique_ptr<HubServer>(std::move(server));
}

}  // namespace revhub::hub
