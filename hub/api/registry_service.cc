// SystemRegistryService: the systems the hub talks to.
#include <iostream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/entities/matching.h"
#include "hub/ingest/pipeline.h"
#include "hub/observability/log.h"
#include "hub/secrets/secret_vault.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;
using hub::v1::System;

bool IsValidSystemName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return name.back() != '-';
}

absl::Status ValidateSystem(const System& s, const LaunchPolicy* policy) {
  if (!IsValidSystemName(s.name())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "system.name: \"", s.name(),
        "\" must be 1 to 63 characters of a-z, 0-9 and '-', starting with a "
        "letter and not ending with '-'"));
  }
  if (s.kind() == hub::v1::SYSTEM_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "system.kind: is required (CRM, BILLING, ERP, REVREC or OTHER)");
  }
  if (s.adapter().has_launch() && s.adapter().launch().command().empty()) {
    return absl::InvalidArgumentError(
        "system.adapter.launch.command: is required");
  }
  if (s.adapter().target_case() == hub::v1::AdapterSpec::kEndpoint &&
      s.adapter().endpoint().empty()) {
    return absl::InvalidArgumentError(
        "system.adapter.endpoint: must not be empty");
  }
  // What the hub may run and call: commands by name from operator-owned
  // places, allowed env keys, plaintext only to unix or loopback.
  if (policy != nullptr) RETURN_IF_ERROR(policy->CheckSpec(s.adapter()));
  std::set<int> seen;
  for (int i = 0; i < s.authoritative_for_size(); ++i) {
    if (s.authoritative_for(i) == canonical::v1::ENTITY_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "system.authoritative_for[", i, "]: must name an entity type"));
    }
    if (!seen.insert(s.authoritative_for(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("system.authoritative_for[", i, "]: appears twice"));
    }
  }
  // The ingest pipeline: matching rules.
  RETURN_IF_ERROR(ValidateMatchingRules(s));
  // Pulls: one schedule per object type; an interval of at least a second.
  std::set<std::string> types;
  for (int i = 0; i < s.sync_size(); ++i) {
    const hub::v1::SyncSchedule& sync = s.sync(i);
    const std::string at = absl::StrCat("system.sync[", i, "]");
    if (sync.object_type().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".object_type: is required"));
    }
    if (!types.insert(sync.object_type()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".object_type: \"", sync.object_type(), "\" appears twice"));
    }
    const auto& iv = sync.interval();
    if (iv.seconds() < 0 || iv.nanos() < 0 ||
        (iv.seconds() == 0 && iv.nanos() > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".interval: must be zero (on demand only) or at least 1s"));
    }
    if (sync.page_size() < 0 || sync.page_size() > 10000) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".page_size: must be between 0 and 10000"));
    }
    if (s.adapter().target_case() == hub::v1::AdapterSpec::TARGET_NOT_SET) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ": a system without an adapter cannot be pulled"));
    }
  }
  if (s.version() != 0 || s.has_created_at() || s.has_updated_at() ||
      s.state() != hub::v1::SYSTEM_STATE_UNSPECIFIED ||
      !s.updated_by().empty()) {
    return absl::InvalidArgumentError(
        "system.version: version, state, created_at, updated_at and "
        "updated_by are assigned by the hub");
  }
  return absl::OkStatus();
}

// The registration's own content, without what the hub assigns.
System Content(System s) {
  s.clear_secrets();
  s.clear_version();
  s.clear_created_at();
  s.clear_updated_at();
  s.clear_state();
  s.clear_disabled_reason();
  s.clear_updated_by();
  return s;
}

// Returns the names of the registration's top-level fields that differ
// between `before` and `after` (what the hub assigns left out), with
// "config.KEY" for each configuration key added, removed or changed and
// "state" when a disabled system is enabled again. A secret field counts as
// the configuration key it was given as: "config.KEY" when it was set,
// cleared or its value changed (by fingerprint). Never a value.
std::vector<std::string> ChangedFields(
    const System& before, const System& after,
    const std::vector<SystemSecret>& secrets_before,
    const std::vector<SystemSecret>& secrets_after) {
  using google::protobuf::util::MessageDifferencer;
  std::vector<std::string> out;
  System a = Content(before);
  System b = Content(after);
  const auto* d = System::descriptor();
  const auto* r = System::GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->name() == "config") continue;
    System a_only, b_only;
    r->SwapFields(&a, &a_only, {f});
    r->SwapFields(&b, &b_only, {f});
    if (!MessageDifferencer::Equals(a_only, b_only)) out.push_back(f->name());
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : before.config().fields()) keys.insert(k);
  for (const auto& [k, v] : after.config().fields()) keys.insert(k);
  std::map<std::string, const SystemSecret*> sealed_before, sealed_after;
  for (const SystemSecret& s : secrets_before) {
    sealed_before[s.field] = &s;
    keys.insert(s.field);
  }
  for (const SystemSecret& s : secrets_after) {
    sealed_after[s.field] = &s;
    keys.insert(s.field);
  }
  for (const std::string& k : keys) {
    auto x = before.config().fields().find(k);
    auto y = after.config().fields().find(k);
    const bool in_before = x != before.config().fields().end();
    const bool in_after = y != after.config().fields().end();
    bool changed =
        in_before != in_after ||
        (in_before && !MessageDifferencer::Equals(x->second, y->second));
    auto sx = sealed_before.find(k);
    auto sy = sealed_after.find(k);
    const bool sealed_x = sx != sealed_before.end();
    const bool sealed_y = sy != sealed_after.end();
    if (sealed_x != sealed_y ||
        (sealed_x && !SecretVault::Same({*sx->second}, {*sy->second}))) {
      changed = true;
    }
    if (changed) out.push_back(absl::StrCat("config.", k));
  }
  if (before.state() != after.state()) out.push_back("state");
  return out;
}

// Returns an event of the registry made by `principal` inside txn.
BusinessEvent RegistryEvent(WriteTxn& txn, EventType type,
                            const std::string& principal) {
  BusinessEvent event;
  event.set_event_id(NewId("evt"));
  event.set_type(type);
  event.set_correlation_id(event.event_id());
  event.set_principal(principal);
  *event.mutable_occurred_at() = ToProto(txn.Now());
  return event;
}

class SystemRegistryServiceImpl final
    : public hub::v1::SystemRegistryService::CallbackService {
 public:
  explicit SystemRegistryServiceImpl(HubContext* hub) : hub_(hub) {}

  // SystemRegistryService:
  ServerUnaryReactor* RegisterSystem(
      CallbackServerContext* context, const hub::v1::RegisterSystemRequest* req,
      hub::v1::RegisterSystemResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(
        hub_, context, [this, req, resp, principal]() -> absl::Status {
          RETURN_IF_ERROR(ValidateSystem(
              req->system(),
              hub_->adapters != nullptr ? &hub_->adapters->policy() : nullptr));
          // Secrets: the adapter's secret fields leave the config here; only
          // their sealed values or references are stored.
          System next = req->system();
          next.clear_secrets();
          const std::set<std::string> secret_fields = SecretFieldsOf(next);
          ASSIGN_OR_RETURN(SecretChanges changes,
                           hub_->secrets->Take(next.name(), secret_fields,
                                               next.mutable_config()));
          absl::Status st = hub_->store->Write([&](WriteTxn& txn)
                                                   -> absl::Status {
            ASSIGN_OR_RETURN(auto existing, txn.GetSystem(next.name()));
            ASSIGN_OR_RETURN(auto stored, txn.GetSystemSecrets(next.name()));
            const std::vector<SystemSecret> secrets =
                SecretVault::Merge(stored, changes, secret_fields);
            if (existing.has_value()) {
              const bool same =
                  google::protobuf::util::MessageDifferencer::Equals(
                      Content(*existing), Content(next)) &&
                  SecretVault::Same(stored, secrets);
              if (same && existing->state() == hub::v1::SYSTEM_STATE_ENABLED) {
                *resp->mutable_system() = *existing;
                *resp->mutable_system()->mutable_secrets() =
                    SecretVault::States(stored);
                resp->set_unchanged(true);
                return absl::OkStatus();
              }
              if (!req->replace_existing()) {
                return absl::AlreadyExistsError(absl::StrCat(
                    "system.name: \"", next.name(),
                    "\" is already registered (version ", existing->version(),
                    "); set replace_existing to change it"));
              }
              next.set_version(existing->version() + 1);
              *next.mutable_created_at() = existing->created_at();
            } else {
              next.set_version(1);
              *next.mutable_created_at() = ToProto(txn.Now());
            }
            next.set_state(hub::v1::SYSTEM_STATE_ENABLED);
            *next.mutable_updated_at() = ToProto(txn.Now());
            next.set_updated_by(principal);
            RETURN_IF_ERROR(txn.PutSystem(next));
            RETURN_IF_ERROR(txn.PutSystemSecrets(next.name(), secrets));
            if (existing.has_value()) {
              BusinessEvent event = RegistryEvent(
                  txn, canonical::v1::EVENT_TYPE_SYSTEM_CHANGED, principal);
              auto* changed = event.mutable_system_changed();
              changed->set_system(next.name());
              changed->set_version(next.version());
              changed->set_previous_version(existing->version());
              for (std::string& f :
                   ChangedFields(*existing, next, stored, secrets)) {
                changed->add_changed_fields(std::move(f));
              }
              RETURN_IF_ERROR(txn.AppendEvent(std::move(event)).status());
            } else {
              BusinessEvent event = RegistryEvent(
                  txn, canonical::v1::EVENT_TYPE_SYSTEM_REGISTERED, principal);
              event.mutable_system_registered()->set_system(next.name());
              event.mutable_system_registered()->set_version(next.version());
              RETURN_IF_ERROR(txn.AppendEvent(std::move(event)).status());
            }
            *resp->mutable_system() = next;
            *resp->mutable_system()->mutable_secrets() =
                SecretVault::States(secrets);
            return absl::OkStatus();
          });
          // The ingest pipeline: (re)start the adapter, retry waiting records.
          if (st.ok() && !resp->unchanged()) SystemChanged(next.name());
          return st;
        });
  }

  ServerUnaryReactor* GetSystem(CallbackServerContext* context,
                                const hub::v1::GetSystemRequest* req,
                                hub::v1::GetSystemResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->name().empty())
        return absl::InvalidArgumentError("name: is required");
      ASSIGN_OR_RETURN(auto s, hub_->store->GetSystem(req->name()));
      if (!s.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("system \"", req->name(), "\" is not registered"));
      }
      *resp->mutable_system() = *s;
      RETURN_IF_ERROR(AddSecretStates(resp->mutable_system()));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ListSystems(CallbackServerContext* context,
                                  const hub::v1::ListSystemsRequest* req,
                                  hub::v1::ListSystemsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      const int page_size = req->page_size() == 0 ? 100 : req->page_size();
      std::string after = req->page_token();
      std::vector<System> matched;
      bool more = true;
      while (static_cast<int>(matched.size()) <= page_size && more) {
        ASSIGN_OR_RETURN(auto batch, hub_->store->ListSystems(after, 200));
        more = batch.size() == 200;
        for (System& s : batch) {
          after = s.name();
          if (req->kind() != hub::v1::SYSTEM_KIND_UNSPECIFIED &&
              s.kind() != req->kind())
            continue;
          if (!req->include_disabled() &&
              s.state() == hub::v1::SYSTEM_STATE_DISABLED)
            continue;
          matched.push_back(std::move(s));
          if (static_cast<int>(matched.size()) > page_size) break;
        }
      }
      if (static_cast<int>(matched.size()) > page_size) {
        matched.pop_back();
        resp->set_next_page_token(matched.back().name());
      }
      for (System& s : matched) {
        RETURN_IF_ERROR(AddSecretStates(&s));
        *resp->add_systems() = std::move(s);
      }
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* DisableSystem(
      CallbackServerContext* context, const hub::v1::DisableSystemRequest* req,
      hub::v1::DisableSystemResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(
        hub_, context, [this, req, resp, principal]() -> absl::Status {
          if (req->name().empty())
            return absl::InvalidArgumentError("name: is required");
          if (req->reason().empty()) {
            return absl::InvalidArgumentError(
                "reason: is required (it goes in the audit trail)");
          }
          absl::Status st =
              hub_->store->Write([&](WriteTxn& txn) -> absl::Status {
                ASSIGN_OR_RETURN(auto existing, txn.GetSystem(req->name()));
                if (!existing.has_value()) {
                  return absl::NotFoundError(absl::StrCat(
                      "system \"", req->name(), "\" is not registered"));
                }
                System next = *existing;
                if (next.state() != hub::v1::SYSTEM_STATE_DISABLED) {
                  next.set_state(hub::v1::SYSTEM_STATE_DISABLED);
                  next.set_disabled_reason(req->reason());
                  next.set_version(next.version() + 1);
                  *next.mutable_updated_at() = ToProto(txn.Now());
                  next.set_updated_by(principal);
                  RETURN_IF_ERROR(txn.PutSystem(next));
                  BusinessEvent event = RegistryEvent(
                      txn, canonical::v1::EVENT_TYPE_SYSTEM_DISABLED,
                      principal);
                  auto* disabled = event.mutable_system_disabled();
                  disabled->set_system(next.name());
                  disabled->set_version(next.version());
                  disabled->set_reason(req->reason());
                  RETURN_IF_ERROR(txn.AppendEvent(std::move(event)).status());
                }
                *resp->mutable_system() = next;
                ASSIGN_OR_RETURN(auto secrets,
                                 txn.GetSystemSecrets(next.name()));
                *resp->mutable_system()->mutable_secrets() =
                    SecretVault::States(secrets);
                return absl::OkStatus();
              });
          // The ingest pipeline: stop the adapter.
          if (st.ok()) SystemChanged(req->name());
          return st;
        });
  }

 private:
  // Returns the fields of `system`'s configuration the adapter marks
  // secret. When the adapter cannot be described (no adapter, or it does
  // not start or answer), none: SecretVault::Take then takes the fields
  // whose names look secret.
  std::set<std::string> SecretFieldsOf(const System& system) {
    if (hub_->adapters == nullptr ||
        system.adapter().target_case() == hub::v1::AdapterSpec::TARGET_NOT_SET)
      return {};
    auto fields = hub_->adapters->SecretFields(system);
    if (!fields.ok()) {
      observability::LogWarn(
          "registry",
          absl::StrCat("the adapter's configuration schema is not known (",
                       fields.status().message(),
                       "); fields whose names look secret are kept as "
                       "secrets"),
          {{"system", system.name()}});
      return {};
    }
    return *fields;
  }

  // Sets the state of `system`'s secret fields.
  absl::Status AddSecretStates(System* system) {
    ASSIGN_OR_RETURN(auto secrets,
                     hub_->store->GetSystemSecrets(system->name()));
    *system->mutable_secrets() = SecretVault::States(secrets);
    return absl::OkStatus();
  }

  // The ingest pipeline: a registration changed.
  void SystemChanged(const std::string& name) {
    if (hub_->adapters != nullptr) hub_->adapters->Reconcile(name);
    if (hub_->pipeline != nullptr) hub_->pipeline->RetryNow(name);
  }

  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewSystemRegistryService(HubContext* hub) {
  return std::make_unique<SystemRegistryServiceImpl>(hub);
}

}  // namespace revhub::hub
