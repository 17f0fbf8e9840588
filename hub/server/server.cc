#include "hub/server/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/api/services.h"
#include "hub/common/rate_limiter.h"
#include "hub/common/work_queue.h"
#include "hub/events/event_bus.h"
#include "hub/ingest/pipeline.h"
#include "hub/ingest/replay_operations.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/revenue/revenue_config.h"
#include "hub/revenue/revenue_worker.h"
#include "hub/server/retention.h"
#include "hub/store/sqlite/sqlite_store.h"

namespace revhub::hub {
namespace {

// Holds an exclusive flock on DATA_DIR/LOCK for the server's life.
class DirLock {
 public:
  static absl::StatusOr<std::unique_ptr<DirLock>> Acquire(
      const std::string& dir) {
    std::string path = dir + "/LOCK";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "--data-dir ", options.data_dir, ": cannot create: ", ec.message()));
    }
    ASSIGN_OR_RETURN(lock_, DirLock::Acquire(options.data_dir));
    // A bad configuration stops the hub before it serves anything.
    ASSIGN_OR_RETURN(revenue_settings_,
                     LoadRevenueConfig(options.revenue_config));
    ASSIGN_OR_RETURN(OrchestrationConfig orchestration,
                     LoadOrchestrationConfig(options.orchestration_config));
    SqliteStoreOptions store_options;
    store_options.path = options.data_dir + "/revhub.db";
    ASSIGN_OR_RETURN(store_, OpenSqliteStore(store_options));
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
    context_.limiter = limiter_.get();
    // Adapters from registrations, and the ingest pipeline's worker, which
    // routes the exceptions of rejected records like orchestration's.
    adapters_ =
        std::make_unique<AdapterSupervisor>(store_.get(), AdapterHostOptions{});
    PipelineOptions pipeline_options;
    pipeline_options.batch_size = options.pipeline_batch_size;
    pipeline_options.waiting_timeout = options.pipeline_waiting_timeout;
    pipeline_options.exception_routing =
        static_cast<const ExceptionRouting&>(orchestration);
    pipeline_ = std::make_unique<Pipeline>(store_.get(), adapters_.get(),
                                           pipeline_options);
    context_.adapters = adapters_.get();
    context_.pipeline = pipeline_.get();
    replays_ =
        std::make_unique<ReplayOperations>(store_.get(), pipeline_.get());
    context_.replays = replays_.get();
    store_->SetRawRecordListener([p = pipeline_.get()] { p->Notify(); });
    orchestrator_ = std::make_unique<Orchestrator>(
        store_.get(), events_.get(), adapters_.get(), std::move(orchestration));
    context_.orchestrator = orchestrator_.get();

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

    // Links the health protocol's descriptor into the binary, so reflection
    // can describe the built-in health service.
    (void)grpc::health::v1::HealthCheckRequest::descriptor();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                             &port);
    ApplyLimits(options, builder);
    for (auto& s : services_) builder.RegisterService(s.get());
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
    revenue_worker_->Start();
    adapters_->StartAll();
    pipeline_->Start();
    replays_->Start();
    orchestrator_->Start();
    sweeper_ = std::make_unique<RetentionSweeper>(
        store_.get(), options.idempotency_retention,
        options.idempotency_sweep_interval);
    sweeper_->Start();
    return absl::OkStatus();
  }

  std::string address() const override { return address_; }

  void Shutdown(absl::Duration grace) override {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    // No new workflow step starts; the steps under way finish.
    if (orchestrator_ != nullptr) orchestrator_->Stop();
    // The revenue worker finishes the event in progress, before the store
    // closes.
    if (revenue_worker_ != nullptr) revenue_worker_->Stop();
    if (sweeper_ != nullptr) sweeper_->Stop();
    if (server_ != nullptr) {
      server_->GetHealthCheckService()->SetServingStatus(false);
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
    work_.reset();   // runs what is queued, then joins
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
  std::unique_ptr<WorkQueue> work_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RetentionSweeper> sweeper_;
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
  std::mutex shutdown_mu_;
  bool shut_down_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HubServer>> StartHubServer(
    const HubOptions& options) {
  auto server = std::make_unique<HubServerImpl>();
  RETURN_IF_ERROR(server->Init(options));
  return std::unique_ptr<HubServer>(std::move(server));
}

}  // namespace revhub::hub
