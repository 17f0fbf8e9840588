// The adapter process: gRPC callback server, handshake, health, shutdown,
// and the check that every call comes from the hub that launched it.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"

namespace revhub::adapter {
namespace {

using adapter::v1::AdapterService;
using adapter::v1::CheckRequest;
using adapter::v1::CheckResponse;
using adapter::v1::DescribeRequest;
using adapter::v1::DescribeResponse;
using adapter::v1::TranslateBatchRequest;
using adapter::v1::TranslateBatchResponse;
using adapter::v1::TranslateRequest;
using adapter::v1::TranslateResponse;

constexpr int kMaxBatch = 1000;
constexpr int kMaxMessageBytes = 64 * 1024 * 1024;

// WorkerPool runs RPC work off the gRPC threads.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Submit(std::function<void()> work) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(work));
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> work;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

std::string StructToJson(const google::protobuf::Struct& s) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(s, &out).ok()) return "{}";
  return out;
}

class AdapterServiceImpl final : public AdapterService::CallbackService {
 public:
  AdapterServiceImpl(Adapter* adapter, AdapterInfo info, WorkerPool* pool)
      : adapter_(adapter),
        info_(std::move(info)),
        pool_(pool),
        log_(info_.name, {}) {}

  DescribeResponse BuildDescribe() const {
    DescribeResponse r;
    r.set_adapter_name(info_.name);
    r.set_vendor(info_.vendor);
    r.set_adapter_version(info_.version);
    r.set_canonical_schema_version(kCanonicalSchemaVersion);
    r.set_protocol_version(kProtocolVersion);
    for (const auto& t : info_.inbound) *r.add_inbound_object_types() = t;
    for (const auto& o : info_.outbound) *r.add_outbound_operations() = o;
    r.set_config_schema_json(ConfigJsonSchema(info_.config_fields));
    for (const auto& t : info_.readable) *r.add_readable_object_types() = t;
    for (const auto& l : info_.rate_limits) *r.add_rate_limits() = l;
    r.set_verifies_webhooks(info_.verifies_webhooks);
    r.set_webhook_authentication(info_.webhook_authentication);
    return r;
  }

  // AdapterService::CallbackService
  grpc::ServerUnaryReactor* Describe(grpc::CallbackServerContext* ctx,
                                     const DescribeRequest* /*request*/,
                                     DescribeResponse* response) override {
    *response = BuildDescribe();
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const CheckRequest* request,
                                  CheckResponse* response) override {
    return OnPool(ctx, [this, request, response] {
      DoCheck(*request, response);
      return grpc::Status::OK;
    });
  }

  grpc::ServerUnaryReactor* Translate(grpc::CallbackServerContext* ctx,
                                      const TranslateRequest* request,
                                      TranslateResponse* response) override {
    return OnPool(ctx, [this, request, response] {
      absl::StatusOr<Config> config = RequestConfig(request->config());
      if (!config.ok()) return InvalidConfig(config.status());
      TranslateOne(request->system(), *config, request->record(),
                   response->mutable_result());
      return grpc::Status::OK;
    });
  }

  grpc::ServerUnaryReactor* TranslateBatch(
      grpc::CallbackServerContext* ctx, const TranslateBatchRequest* request,
      TranslateBatchResponse* response) override {
    if (request->records_size() > kMaxBatch) {
      auto* reactor = ctx->DefaultReactor();
      reactor->Finish(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("records: at most ", kMaxBatch, " per batch, got ",
                       request->records_size())));
      return reactor;
    }
    return OnPool(ctx, [this, request, response] {
      absl::StatusOr<Config> config = RequestConfig(request->config());
      if (!config.ok()) return InvalidConfig(config.status());
      for (const VendorRecord& record : request->records()) {
        TranslateOne(request->system(), *config, record,
                     response->add_results());
      }
      return grpc::Status::OK;
    });
  }

  grpc::ServerUnaryReactor* Apply(grpc::CallbackServerContext* ctx,
                                  const ApplyRequest* request,
                                  ApplyResponse* response) override {
    return OnPool(ctx, [this, request, response] {
      DoApply(*request, response);
      return grpc::Status::OK;
    });
  }

  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* ctx,
                                 const ReadRequest* request,
                                 ReadResponse* response) override {
    return OnPool(ctx, [this, request, response] {
      DoRead(*request, response);
      return grpc::Status::OK;
    });
  }

  grpc::ServerUnaryReactor* VerifyWebhook(
      grpc::CallbackServerContext* ctx, const VerifyWebhookRequest* request,
      VerifyWebhookResponse* response) override {
    return OnPool(ctx, [this, request, response] {
      DoVerifyWebhook(*request, response);
      return grpc::Status::OK;
    });
  }

 private:
  // Runs work() on the adapter's pool (vendor calls block) and finishes the
  // call with the status it returns.
  template <typename Work>
  grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx,
                                   Work work) {
    auto* reactor = ctx->DefaultReactor();
    // The hub's trace goes on to the vendor's HTTP calls this work makes.
    std::string traceparent;
    auto it = ctx->client_metadata().find("traceparent");
    if (it != ctx->client_metadata().end()) {
      traceparent.assign(it->second.data(), it->second.size());
    }
    pool_->Submit([reactor, work = std::move(work),
                   traceparent = std::move(traceparent)]() mutable {
      ScopedTraceparent trace(std::move(traceparent));
      reactor->Finish(work());
    });
    return reactor;
  }

  // Returns a request's configuration, checked against the declared fields.
  absl::StatusOr<Config> RequestConfig(const google::protobuf::Struct& raw) {
    std::vector<FieldError> errors;
    return Config::Parse(StructToJson(raw), info_.config_fields, &errors);
  }

  static grpc::Status InvalidConfig(const absl::Status& status) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        std::string(status.message()));
  }

  void DoCheck(const CheckRequest& request, CheckResponse* response) {
    std::vector<FieldError> errors;
    absl::StatusOr<Config> config = Config::Parse(
        StructToJson(request.config()), info_.config_fields, &errors);
    if (!config.ok()) {
      response->set_outcome(adapter::v1::CHECK_OUTCOME_INVALID_CONFIG);
      response->set_reason(std::string(config.status().message()));
      for (auto& e : errors) *response->add_config_errors() = e;
      return;
    }
    Logger log(info_.name, config->secret_values());
    absl::Status status;
    try {
      status = adapter_->Check(CheckContext{request.system(), *config, log});
    } catch (const std::exception& e) {
      status = absl::InternalError(absl::StrCat("check failed: ", e.what()));
    }
    response->set_reason(log.Redact(status.message()));
    switch (status.code()) {
      case absl::StatusCode::kOk:
        response->set_outcome(adapter::v1::CHECK_OUTCOME_OK);
        response->set_reachable(true);
        response->set_authenticated(true);
        response->set_reason("reachable and authenticated");
        break;
      case absl::StatusCode::kUnauthenticated:
      case absl::StatusCode::kPermissionDenied:
        response->set_outcome(adapter::v1::CHECK_OUTCOME_UNAUTHENTICATED);
        response->set_reachable(true);
        break;
      case absl::StatusCode::kInvalidArgument: {
        response->set_outcome(adapter::v1::CHECK_OUTCOME_INVALID_CONFIG);
        FieldError* e = response->add_config_errors();
        e->set_field_path(FieldPathOf(status));
        e->set_reason(log.Redact(ReasonOf(status)));
        break;
      }
      default:
        response->set_outcome(adapter::v1::CHECK_OUTCOME_UNREACHABLE);
        break;
    }
    log.Info(absl::StrCat("check for system ", request.system(), ": ",
                          response->reason()));
  }

  void TranslateOne(const std::string& system, const Config& config,
                    const VendorRecord& record, TranslationResult* result) {
    Logger log(info_.name, config.secret_values());
    result->set_record_key(record.record_key());
    absl::Status status;
    bool known_type = false;
    for (const auto& t : info_.inbound) {
      known_type = known_type || t.object_type() == record.object_type();
    }
    if (!known_type) {
      std::vector<std::string> declared;
      for (const auto& t : info_.inbound) declared.push_back(t.object_type());
      status =
          MappingError("object_type",
                       absl::StrCat("this adapter does not translate \"",
                                    record.object_type(), "\"; it translates ",
                                    absl::StrJoin(declared, ", ")));
    } else if (!record.content_type().empty() &&
               !absl::StartsWith(record.content_type(), "application/json")) {
      status = MappingError("content_type",
                            absl::StrCat("expected application/json, got ",
                                         record.content_type()));
    } else {
      TranslationBuilder builder(result);
      TranslateContext ctx{system, record, config, log};
      try {
        status = adapter_->Translate(ctx, builder);
      } catch (const std::exception& e) {
        status = MappingError("", absl::StrCat("mapping failed: ", e.what()));
      }
    }
    if (!status.ok()) {
      result->clear_entities();
      result->clear_events();
      result->clear_skip_reason();
      result->set_outcome(adapter::v1::TRANSLATION_OUTCOME_FAILED);
      FieldError* e = result->add_errors();
      e->set_field_path(FieldPathOf(status));
      e->set_reason(log.Redact(ReasonOf(status)));
      log.Warn(absl::StrCat("record ", record.record_key(), " (",
                            record.object_type(),
                            ") failed: ", status.message()));
      return;
    }
    if (result->outcome() != adapter::v1::TRANSLATION_OUTCOME_SKIPPED) {
      result->set_outcome(result->entities_size() > 0
                              ? adapter::v1::TRANSLATION_OUTCOME_TRANSLATED
                              : adapter::v1::TRANSLATION_OUTCOME_SKIPPED);
      if (result->entities_size() == 0 && result->skip_reason().empty()) {
        result->set_skip_reason(
            "the record holds nothing for the canonical model");
      }
    }
  }

  void DoApply(const ApplyRequest& request, ApplyResponse* response) {
    std::vector<FieldError> errors;
    absl::StatusOr<Config> config = Config::Parse(
        StructToJson(request.config()), info_.config_fields, &errors);
    if (!config.ok()) {
      *response = Rejected(config.status().message(),
                           errors.empty() ? "config" : errors[0].field_path());
      return;
    }
    Logger log(info_.name, config->secret_values());
    if (request.idempotency_key().empty()) {
      *response = Rejected("idempotency_key is required", "idempotency_key");
      return;
    }
    try {
      *response = adapter_->Apply(
          ApplyContext{request.system(), *config, request, log});
    } catch (const std::exception& e) {
      *response = Retry(absl::StrCat("adapter error: ", e.what()),
                        std::chrono::seconds(1));
    }
    response->set_reason(log.Redact(response->reason()));
    log.Info(absl::StrCat("apply ", request.idempotency_key(), ": ",
                          adapter::v1::ApplyOutcome_Name(response->outcome()),
                          response->reason().empty() ? "" : " ",
                          response->reason()));
  }

  void DoRead(const ReadRequest& request, ReadResponse* response) {
    std::vector<FieldError> errors;
    absl::StatusOr<Config> config = Config::Parse(
        StructToJson(request.config()), info_.config_fields, &errors);
    if (!config.ok()) {
      *response = ReadFailed(config.status().message());
      return;
    }
    Logger log(info_.name, config->secret_values());
    bool readable = false;
    std::vector<std::string> declared;
    for (const auto& t : info_.readable) {
      readable = readable || t.object_type() == request.object_type();
      declared.push_back(t.object_type());
    }
    if (!readable) {
      *response = ReadFailed(absl::StrCat(
          "object_type: this adapter does not read \"", request.object_type(),
          "\"",
          declared.empty()
              ? std::string("; it reads nothing")
              : absl::StrCat("; it reads ", absl::StrJoin(declared, ", "))));
      return;
    }
    try {
      *response =
          adapter_->Read(ReadContext{request.system(), *config, request, log});
    } catch (const std::exception& e) {
      *response = ReadRetry(absl::StrCat("adapter error: ", e.what()),
                            std::chrono::seconds(1));
    }
    if (response->outcome() == adapter::v1::READ_OUTCOME_UNSPECIFIED) {
      response->set_outcome(adapter::v1::READ_OUTCOME_OK);
    }
    response->set_reason(log.Redact(response->reason()));
    if (response->outcome() != adapter::v1::READ_OUTCOME_OK) {
      log.Warn(absl::StrCat("read ", request.object_type(), ": ",
                            adapter::v1::ReadOutcome_Name(response->outcome()),
                            " ", response->reason()));
    }
  }

  void DoVerifyWebhook(const VerifyWebhookRequest& request,
                       VerifyWebhookResponse* response) {
    std::vector<FieldError> errors;
    absl::StatusOr<Config> config = Config::Parse(
        StructToJson(request.config()), info_.config_fields, &errors);
    if (!config.ok()) {
      *response =
          WebhookRefused(absl::StrCat("the system's configuration is invalid: ",
                                      config.status().message()));
      return;
    }
    Logger log(info_.name, config->secret_values());
    try {
      *response = adapter_->VerifyWebhook(
          WebhookContext{request.system(), *config, request, log});
    } catch (const std::exception& e) {
      *response =
          WebhookRefused(absl::StrCat("unreadable delivery: ", e.what()));
    }
    if (response->verdict() == adapter::v1::WEBHOOK_VERDICT_UNSPECIFIED) {
      response->set_verdict(adapter::v1::WEBHOOK_VERDICT_REFUSED);
      if (response->reason().empty()) response->set_reason("no verdict");
    }
    response->set_reason(log.Redact(response->reason()));
    if (response->verdict() != adapter::v1::WEBHOOK_VERDICT_ACCEPTED) {
      log.Warn(absl::StrCat("webhook for system ", request.system(),
                            " refused: ", response->reason()));
    }
  }

  Adapter* adapter_;
  AdapterInfo info_;
  WorkerPool* pool_;
  Logger log_;
};

// HubTokenCheck lets through only calls that carry the launch token the hub
// passed in REVHUB_ADAPTER_TOKEN, as `authorization: Bearer <token>`; any
// other call (health checks included) ends UNAUTHENTICATED before a handler
// runs.
class HubTokenCheck final : public grpc::AuthMetadataProcessor {
  // Compares in time that depends only on the lengths.
  static bool SameBytes(grpc::string_ref got, const std::string& want) {
    if (got.size() != want.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < want.size(); ++i) diff |= got.data()[i] ^ want[i];
    return diff == 0;
  }

 public:
  explicit HubTokenCheck(std::string token)
      : expected_("Bearer " + std::move(token)) {}

  // grpc::AuthMetadataProcessor
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* /*context*/,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* /*response_metadata*/) override {
    auto it = auth_metadata.find("authorization");
    if (it != auth_metadata.end() && SameBytes(it->second, expected_)) {
      consumed_auth_metadata->emplace("authorization", expected_);
      return grpc::Status::OK;
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this adapter answers only the hub that launched it");
  }

 private:
  const std::string expected_;
};

// Shutdown is the process-wide stop signal.
struct Shutdown {
  std::mutex mu;
  std::condition_variable cv;
  bool requested = false;
  std::string why;
  void Request(std::string reason) {
    std::lock_guard<std::mutex> lock(mu);
    if (!requested) why = std::move(reason);
    requested = true;
    cv.notify_all();
  }
};

}  // namespace

int RunAdapterMain(std::unique_ptr<Adapter> adapter, int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  bool describe_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--listen=")) {
      listen = arg.substr(9);
    } else if (arg == "--describe") {
      describe_only = true;
    } else {
      std::cerr << "unknown flag " << arg
                << " (flags: --listen=HOST:PORT|unix:/PATH, --describe)\n";
      return 2;
    }
  }
  AdapterInfo info = adapter->Info();
  Logger log(info.name, {});
  WorkerPool pool(4);
  AdapterServiceImpl service(adapter.get(), info, &pool);
  if (describe_only) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    (void)google::protobuf::util::MessageToJsonString(service.BuildDescribe(),
                                                      &json, options);
    std::cout << json << std::flush;
    return 0;
  }

  // Block the stop signals in every thread; one thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The hub passes a per-launch token in the environment; it is taken out
  // so nothing the adapter runs inherits it.
  const char* token_env = getenv("REVHUB_ADAPTER_TOKEN");
  std::string token = token_env != nullptr ? token_env : "";
  unsetenv("REVHUB_ADAPTER_TOKEN");
  const bool on_unix = absl::StartsWith(listen, "unix:");
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!token.empty()) {
    credentials =
        grpc::experimental::LocalServerCredentials(on_unix ? UDS : LOCAL_TCP);
    credentials->SetAuthMetadataProcessor(
        std::make_shared<HubTokenCheck>(token));
  } else {
    credentials = grpc::InsecureServerCredentials();
    log.Warn(
        "REVHUB_ADAPTER_TOKEN is not set: serving without authentication, "
        "for development only; a hub always sets it");
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || (!on_unix && port == 0)) {
    log.Error(absl::StrCat("cannot listen on ", listen));
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  std::string address =
      on_unix ? listen.substr(5)
              : absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  // The handshake: the only line the adapter ever writes on stdout.
  std::cout << kHandshakePrefix << "|" << kProtocolVersion << "|"
            << (on_unix ? "unix" : "tcp") << "|" << address << "\n"
            << std::flush;
  log.Info(absl::StrCat("serving ", info.name, " ", info.version, " on ",
                        address, token.empty() ? "" : " (hub token required)"));

  Shutdown shutdown;
  std::thread signal_thread([&signals, &shutdown] {
    int sig = 0;
    sigwait(&signals, &sig);
    shutdown.Request(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  signal_thread.detach();
  struct stat st {};
  if (fstat(STDIN_FILENO, &st) == 0 &&
      (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    std::thread stdin_thread([&shutdown] {
      char buf[256];
      while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
      }
      shutdown.Request("stdin closed");
    });
    stdin_thread.detach();
  }
  {
    std::unique_lock<std::mutex> lock(shutdown.mu);
    shutdown.cv.wait(lock, [&shutdown] { return shutdown.requested; });
  }
  log.Info(absl::StrCat("stopping (", shutdown.why, ")"));
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  log.Info("stopped");
  std::cout.flush();
  // Detached threads may still be blocked in sigwait/read: leave at once.
  std::_Exit(0);
}

}  // namespace revhub::adapter
