#include "hub/adapter_host/adapter_supervisor.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "hub/observability/log.h"
#include "hub/observability/trace_context.h"
#include "hub/secrets/secret_fields.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using adapter::v1::AdapterService;

// An adapter that runs elsewhere, reached at its registered endpoint.
// `credentials`: plaintext for a unix or loopback endpoint, TLS with the
// pinned certificate as the only root otherwise.
class RemoteAdapter final : public AdapterClient {
 public:
  RemoteAdapter(std::string endpoint,
                std::shared_ptr<grpc::ChannelCredentials> credentials,
                absl::Duration deadline)
      : endpoint_(std::move(endpoint)), deadline_(deadline) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    stub_ = AdapterService::NewStub(
        grpc::CreateCustomChannel(endpoint_, credentials, args));
  }

  // AdapterClient:
  absl::StatusOr<adapter::v1::DescribeResponse> Describe() override {
    adapter::v1::DescribeResponse resp;
    return Call(&AdapterService::Stub::Describe, adapter::v1::DescribeRequest(),
                resp);
  }
  absl::StatusOr<adapter::v1::CheckResponse> Check(
      const adapter::v1::CheckRequest& request) override {
    adapter::v1::CheckResponse resp;
    return Call(&AdapterService::Stub::Check, request, resp);
  }
  absl::StatusOr<adapter::v1::TranslateResponse> Translate(
      const adapter::v1::TranslateRequest& request) override {
    adapter::v1::TranslateResponse resp;
    return Call(&AdapterService::Stub::Translate, request, resp);
  }
  absl::StatusOr<adapter::v1::TranslateBatchResponse> TranslateBatch(
      const adapter::v1::TranslateBatchRequest& request) override {
    adapter::v1::TranslateBatchResponse resp;
    return Call(&AdapterService::Stub::TranslateBatch, request, resp);
  }
  absl::StatusOr<adapter::v1::ApplyResponse> Apply(
      const adapter::v1::ApplyRequest& request) override {
    adapter::v1::ApplyResponse resp;
    return Call(&AdapterService::Stub::Apply, request, resp);
  }
  absl::StatusOr<adapter::v1::ReadResponse> Read(
      const adapter::v1::ReadRequest& request) override {
    adapter::v1::ReadResponse resp;
    return Call(&AdapterService::Stub::Read, request, resp);
  }
  absl::StatusOr<adapter::v1::VerifyWebhookResponse> VerifyWebhook(
      const adapter::v1::VerifyWebhookRequest& request) override {
    adapter::v1::VerifyWebhookResponse resp;
    return Call(&AdapterService::Stub::VerifyWebhook, request, resp);
  }
  hub::v1::AdapterProcess Process() const override {
    hub::v1::AdapterProcess p;
    p.set_address(endpoint_);
    return p;
  }

 private:
  template <typename Method, typename Req, typename Resp>
  absl::StatusOr<Resp> Call(Method method, const Req& req, Resp& resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     absl::ToChronoMilliseconds(deadline_));
    if (const auto* trace = observability::CurrentTrace()) {
      ctx.AddMetadata("traceparent", trace->Traceparent());
    }
    grpc::Status st = ((*stub_).*method)(&ctx, req, &resp);
    if (!st.ok()) {
      return absl::Status(
          static_cast<absl::StatusCode>(st.error_code()),
          absl::StrCat("adapter at ", endpoint_, ": ", st.error_message()));
    }
    return std::move(resp);
  }

  std::string endpoint_;
  absl::Duration deadline_;
  std::unique_ptr<AdapterService::Stub> stub_;
};

}  // namespace

AdapterSupervisor::AdapterSupervisor(Store* store, const SecretVault* vault,
                                     AdapterHostOptions options,
                                     LaunchPolicy policy)
    : store_(store),
      vault_(vault),
      options_(options),
      policy_(std::move(policy)) {
  thread_ = std::thread([this] { Loop(); });
}

AdapterSupervisor::~AdapterSupervisor() { Shutdown(); }

void AdapterSupervisor::StartAll() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back("");
  cv_.notify_one();
}

void AdapterSupervisor::Reconcile(const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(system);
  cv_.notify_one();
}

void AdapterSupervisor::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  // Stop the adapters before the supervisor's thread ends: a child gets
  // SIGKILL when the thread that started it exits (PR_SET_PDEATHSIG), and
  // a stop should be graceful.
  auto stop_all = [this] {
    std::map<std::string, std::shared_ptr<Slot>> slots;
    {
      std::lock_guard<std::mutex> lock(mu_);
      slots.swap(slots_);
    }
    for (auto& [name, slot] : slots) {
      std::lock_guard<std::mutex> lock(slot->mu);
      slot->client.reset();
    }
  };
  stop_all();
  if (thread_.joinable()) thread_.join();
  stop_all();  // one the thread started while we stopped the others
}

std::shared_ptr<AdapterSupervisor::Slot> AdapterSupervisor::SlotFor(
    const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = slots_[system];
  if (slot == nullptr) slot = std::make_shared<Slot>();
  return slot;
}

void AdapterSupervisor::Stop(const std::string& system) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    described_.erase(system);
    undescribed_.erase(system);
    auto it = slots_.find(system);
    if (it == slots_.end()) return;
    slot = it->second;
  }
  std::shared_ptr<AdapterClient> old;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    old = std::move(slot->client);
    slot->spec.clear();
  }
  if (old != nullptr) {
    observability::LogInfo("adapters", "stopping the adapter",
                           {{"system", system}});
  }
  // `old` shuts down here, or when the last call in flight lets go of it.
}

absl::StatusOr<std::shared_ptr<AdapterClient>> AdapterSupervisor::For(
    const hub::v1::System& system) {
  if (system.state() == hub::v1::SYSTEM_STATE_DISABLED) {
    return absl::FailedPreconditionError(
        absl::StrCat("system \"", system.name(), "\" is disabled"));
  }
  const auto& spec = system.adapter();
  if (spec.target_case() == hub::v1::AdapterSpec::TARGET_NOT_SET) {
    return absl::FailedPreconditionError(
        absl::StrCat("system \"", system.name(),
                     "\" has no adapter (register it with adapter.launch or "
                     "adapter.endpoint)"));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the hub is shutting down");
  }
  const std::string wanted = spec.SerializeAsString();
  std::shared_ptr<Slot> slot = SlotFor(system.name());
  std::lock_guard<std::mutex> lock(slot->mu);
  if (slot->client != nullptr && slot->spec == wanted) return slot->client;
  if (slot->client != nullptr) {
    observability::LogInfo("adapters", "the adapter changed; restarting it",
                           {{"system", system.name()}});
    slot->client.reset();
  }
  absl::StatusOr<std::shared_ptr<AdapterClient>> client = NewClient(system);
  if (!client.ok()) {
    slot->last_error = std::string(client.status().message());
    return client.status();
  }
  slot->client = std::move(*client);
  slot->last_error.clear();
  slot->spec = wanted;
  return slot->client;
}

AdapterState AdapterSupervisor::StateOf(const std::string& system) {
  std::shared_ptr<Slot> slot;
  AdapterState out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto d = described_.find(system);
    if (d != described_.end()) out.vendor = d->second.vendor;
    auto it = slots_.find(system);
    if (it == slots_.end()) return out;
    slot = it->second;
  }
  // A slot is locked while its adapter starts: that one is "restarting"
  // rather than waited for.
  std::unique_lock<std::mutex> lock(slot->mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    out.state = "restarting";
    return out;
  }
  if (slot->client == nullptr) {
    out.state = slot->last_error.empty() ? "stopped" : "failed";
    out.last_error = slot->last_error;
    return out;
  }
  const hub::v1::AdapterProcess p = slot->client->Process();
  out.restarts = p.restarts();
  // A hosted adapter has neither pid nor address while it is being
  // restarted; one reached at an endpoint has its address and no pid.
  out.state = p.pid() == 0 && p.address().empty() ? "restarting" : "running";
  return out;
}

absl::StatusOr<std::shared_ptr<AdapterClient>> AdapterSupervisor::NewClient(
    const hub::v1::System& system) {
  const auto& spec = system.adapter();
  // A registration stored before the policy (or under another) is checked
  // again: it starts only what the operator allows now.
  absl::Status allowed = policy_.CheckSpec(spec);
  if (!allowed.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("system \"", system.name(),
                     "\": the adapter is not allowed: ", allowed.message()));
  }
  if (spec.has_launch()) {
    absl::StatusOr<ResolvedCommand> command =
        policy_.Resolve(spec.launch().command());
    if (!command.ok()) return command.status();
    AdapterLaunchSpec launch;
    launch.name = system.name();
    launch.command = command->path;
    launch.args = command->args;
    launch.args.insert(launch.args.end(), spec.launch().args().begin(),
                       spec.launch().args().end());
    ASSIGN_OR_RETURN(launch.env, policy_.Environment(*command, spec.launch()));
    auto host = AdapterHost::Start(launch, options_);
    if (!host.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "system \"", system.name(),
          "\": the adapter does not start: ", host.status().message()));
    }
    // The host is the client; the last user to let go of it shuts it down.
    std::shared_ptr<AdapterClient> client(std::move(*host));
    observability::LogInfo("adapters", "started the adapter",
                           {{"system", system.name()},
                            {"pid", absl::StrCat(client->Process().pid())}});
    return client;
  }
  if (spec.has_tls_endpoint()) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = spec.tls_endpoint().pinned_certificate_pem();
    return std::make_shared<RemoteAdapter>(spec.tls_endpoint().address(),
                                           grpc::SslCredentials(tls),
                                           options_.call_deadline);
  }
  return std::make_shared<RemoteAdapter>(spec.endpoint(),
                                         grpc::InsecureChannelCredentials(),
                                         options_.call_deadline);
}

absl::StatusOr<std::set<std::string>> AdapterSupervisor::SecretFields(
    const hub::v1::System& system) {
  if (system.adapter().target_case() == hub::v1::AdapterSpec::TARGET_NOT_SET) {
    return absl::FailedPreconditionError(
        absl::StrCat("system \"", system.name(), "\" has no adapter"));
  }
  const std::string spec = system.adapter().SerializeAsString();
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the hub is shutting down");
    auto known = secret_fields_.find(spec);
    if (known != secret_fields_.end()) return known->second;
    auto it = slots_.find(system.name());
    if (it != slots_.end()) slot = it->second;
  }
  // The running adapter when it runs with this spec; else one of its own,
  // stopped when `client` lets go of it.
  std::shared_ptr<AdapterClient> client;
  if (slot != nullptr) {
    std::lock_guard<std::mutex> lock(slot->mu);
    if (slot->spec == spec) client = slot->client;
  }
  if (client == nullptr) {
    ASSIGN_OR_RETURN(client, NewClient(system));
  }
  auto description = client->Describe();
  if (!description.ok()) {
    return absl::UnavailableError(absl::StrCat("system \"", system.name(),
                                               "\": the adapter does not "
                                               "describe itself: ",
                                               description.status().message()));
  }
  ASSIGN_OR_RETURN(auto fields,
                   SecretFieldsOfSchema(description->config_schema_json()));
  std::lock_guard<std::mutex> lock(mu_);
  secret_fields_[spec] = fields;
  return fields;
}

absl::StatusOr<AdapterConfig> AdapterSupervisor::ConfigFor(
    const hub::v1::System& system) {
  AdapterConfig out;
  out.config = system.config();
  ASSIGN_OR_RETURN(auto secrets, store_->GetSystemSecrets(system.name()));
  ASSIGN_OR_RETURN(out.secret_values,
                   vault_->Resolve(system.name(), secrets, &out.config));
  return out;
}

std::optional<std::vector<std::string>> AdapterSupervisor::DeclaredObjectTypes(
    const hub::v1::System& system) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = described_.find(system.name());
  if (it == described_.end() ||
      it->second.spec != system.adapter().SerializeAsString()) {
    // The supervisor's thread asks for it within a second.
    if (system.adapter().target_case() !=
        hub::v1::AdapterSpec::TARGET_NOT_SET) {
      undescribed_.insert(system.name());
    }
    return std::nullopt;
  }
  return it->second.object_types;
}

bool AdapterSupervisor::Describe(const hub::v1::System& system,
                                 const std::shared_ptr<AdapterClient>& client) {
  auto description = client->Describe();
  std::lock_guard<std::mutex> lock(mu_);
  if (!description.ok()) {
    undescribed_.insert(system.name());
    return false;
  }
  Described& d = described_[system.name()];
  d.spec = system.adapter().SerializeAsString();
  d.object_types.clear();
  d.vendor = description->vendor();
  for (const auto& t : description->inbound_object_types()) {
    d.object_types.push_back(t.object_type());
  }
  auto secret = SecretFieldsOfSchema(description->config_schema_json());
  if (secret.ok()) secret_fields_[d.spec] = std::move(*secret);
  undescribed_.erase(system.name());
  return true;
}

void AdapterSupervisor::DescribeRunning(const std::string& name) {
  auto system = store_->GetSystem(name);
  if (!system.ok() || !system->has_value()) return;
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return;
    slot = it->second;
  }
  std::shared_ptr<AdapterClient> client;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    if (slot->spec != (*system)->adapter().SerializeAsString()) return;
    client = slot->client;
  }
  if (client != nullptr) Describe(**system, client);
}

void AdapterSupervisor::Loop() {
  while (true) {
    std::string name;
    std::set<std::string> to_describe;
    bool woken = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      woken = cv_.wait_for(lock, std::chrono::seconds(1),
                           [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      if (woken) {
        name = std::move(pending_.front());
        pending_.pop_front();
      } else {
        // Once a second: the running adapters whose description is missing.
        to_describe.swap(undescribed_);
      }
    }
    if (!woken) {
      for (const std::string& s : to_describe) DescribeRunning(s);
      continue;
    }
    std::vector<hub::v1::System> systems;
    if (name.empty()) {
      std::string after;
      while (true) {
        auto page = store_->ListSystems(after, 200);
        if (!page.ok() || page->empty()) break;
        after = page->back().name();
        for (auto& s : *page) systems.push_back(std::move(s));
      }
    } else {
      auto s = store_->GetSystem(name);
      if (!s.ok()) continue;
      if (!s->has_value()) {
        Stop(name);
        continue;
      }
      systems.push_back(**s);
    }
    for (const hub::v1::System& s : systems) {
      if (s.state() == hub::v1::SYSTEM_STATE_DISABLED ||
          s.adapter().target_case() == hub::v1::AdapterSpec::TARGET_NOT_SET) {
        Stop(s.name());
        continue;
      }
      auto client = For(s);
      if (!client.ok()) {
        observability::LogWarn("adapters",
                               std::string(client.status().message()),
                               {{"system", s.name()}});
        continue;
      }
      if (!DeclaredObjectTypes(s).has_value()) Describe(s, *client);
    }
  }
}

}  // namespace revhub::hub
