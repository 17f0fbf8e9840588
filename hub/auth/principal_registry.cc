#include "hub/auth/principal_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/auth/method_policy.h"
#include "hub/auth/tokens.h"

namespace revhub::hub::auth {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status CheckName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("name: is required");
  if (name.size() > 128) {
    return absl::InvalidArgumentError("name: longer than 128 characters");
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' &&
        c != '@') {
      return absl::InvalidArgumentError(absl::StrCat(
          "name: \"", name,
          "\" may hold only letters, digits and the characters . - _ @"));
    }
  }
  return absl::OkStatus();
}

Caller CallerOf(const hub::v1::Principal& p) {
  return Caller{
      p.name(), p.role(),
      std::vector<std::string>(p.systems().begin(), p.systems().end())};
}

void SetToken(const NewToken& t, absl::Time now, StoredPrincipal* p) {
  p->principal.set_key_id(t.key_id);
  *p->principal.mutable_token_created_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  p->token_salt = t.salt;
  p->token_hash = t.hash;
}

}  // namespace

absl::Status CheckMayWriteSystem(const Caller& caller,
                                 absl::string_view system) {
  if (caller.role != hub::v1::ROLE_INTEGRATION || caller.systems.empty()) {
    return absl::OkStatus();
  }
  if (std::find(caller.systems.begin(), caller.systems.end(), system) !=
      caller.systems.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "principal \"", caller.principal, "\" may not write records of system \"",
      system, "\" (it may write only its listed systems)"));
}

absl::StatusOr<std::unique_ptr<PrincipalRegistry>> PrincipalRegistry::Open(
    Store* store, PrincipalCacheOptions options) {
  std::unique_ptr<PrincipalRegistry> r(new PrincipalRegistry(store, options));
  RETURN_IF_ERROR(r->Reload());
  return r;
}

absl::Status PrincipalRegistry::Reload() const {
  std::lock_guard reload(reload_mu_);
  return ReloadLocked();
}

absl::Status PrincipalRegistry::ReloadLocked() const {
  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(std::vector<StoredPrincipal> all, store_->ListPrincipals());
  absl::flat_hash_map<std::string, StoredPrincipal> by_key_id;
  absl::flat_hash_map<std::string, std::string> key_id_by_name;
  for (StoredPrincipal& p : all) {
    key_id_by_name[p.principal.name()] = p.principal.key_id();
    std::string key_id = p.principal.key_id();
    by_key_id.emplace(std::move(key_id), std::move(p));
  }
  std::unique_lock lock(mu_);
  by_key_id_ = std::move(by_key_id);
  key_id_by_name_ = std::move(key_id_by_name);
  loaded_at_ = now;
  return absl::OkStatus();
}

void PrincipalRegistry::RefreshIfOld() const {
  {
    std::shared_lock lock(mu_);
    if (absl::Now() - loaded_at_ < options_.max_age) return;
  }
  // Callers that find a reload under way go on with the cache as it is.
  std::unique_lock reload(reload_mu_, std::try_to_lock);
  if (!reload.owns_lock()) return;
  {
    std::shared_lock lock(mu_);
    if (absl::Now() - loaded_at_ < options_.max_age) return;
  }
  ReloadLocked().IgnoreError();  // kept as it was; tried at the next call
}

bool PrincipalRegistry::ReloadForMiss() const {
  std::lock_guard reload(reload_mu_);
  const absl::Time now = absl::Now();
  if (now - last_miss_reload_ < options_.miss_reload_gap) return false;
  last_miss_reload_ = now;
  return ReloadLocked().ok();
}

const StoredPrincipal* PrincipalRegistry::Find(absl::string_view key,
                                               bool by_name) const {
  if (by_name) {
    auto k = key_id_by_name_.find(key);
    if (k == key_id_by_name_.end()) return nullptr;
    key = k->second;
  }
  auto it = by_key_id_.find(key);
  return it == by_key_id_.end() ? nullptr : &it->second;
}

absl::StatusOr<Caller> PrincipalRegistry::AuthenticateToken(
    absl::string_view token) const {
  absl::StatusOr<ParsedToken> parsed = ParseToken(token);
  if (!parsed.ok()) {
    return absl::UnauthenticatedError(parsed.status().message());
  }
  RefreshIfOld();
  bool known;
  {
    std::shared_lock lock(mu_);
    known = Find(parsed->key_id, /*by_name=*/false) != nullptr;
  }
  // A key made through another hub since the last reload.
  if (!known) ReloadForMiss();
  std::shared_lock lock(mu_);
  const StoredPrincipal* p = Find(parsed->key_id, /*by_name=*/false);
  if (p == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat("the token's key id ", parsed->key_id,
                     " is unknown (rotated, or never issued by this hub)"));
  }
  if (!SecretMatches(parsed->secret, p->token_salt, p->token_hash)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the token with key id ", parsed->key_id, " has a wrong secret"));
  }
  if (p->principal.disabled()) {
    return absl::UnauthenticatedError(
        absl::StrCat("principal \"", p->principal.name(), "\" is disabled"));
  }
  return CallerOf(p->principal);
}

absl::StatusOr<Caller> PrincipalRegistry::AuthenticateName(
    absl::string_view name) const {
  RefreshIfOld();
  bool known;
  {
    std::shared_lock lock(mu_);
    known = Find(name, /*by_name=*/true) != nullptr;
  }
  if (!known) ReloadForMiss();
  std::shared_lock lock(mu_);
  const StoredPrincipal* p = Find(name, /*by_name=*/true);
  if (p == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate names \"", name,
                     "\", which is not a principal of this hub"));
  }
  if (p->principal.disabled()) {
    return absl::UnauthenticatedError(
        absl::StrCat("principal \"", name, "\" is disabled"));
  }
  return CallerOf(p->principal);
}

absl::StatusOr<PrincipalWithToken> PrincipalRegistry::Create(
    absl::string_view name, hub::v1::Role role,
    const std::vector<std::string>& systems) {
  RETURN_IF_ERROR(CheckName(name));
  if (std::find(AllRoles().begin(), AllRoles().end(), role) ==
      AllRoles().end()) {
    return absl::InvalidArgumentError(
        "role: is required (admin, platform, integration, finance, auditor "
        "or adapter)");
  }
  if (!systems.empty() && role != hub::v1::ROLE_INTEGRATION) {
    return absl::InvalidArgumentError(
        "systems: only an integration principal is limited to systems");
  }
  for (size_t i = 0; i < systems.size(); ++i) {
    if (systems[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("systems[", i, "]: is empty"));
    }
  }
  ASSIGN_OR_RETURN(NewToken token, MakeToken());
  StoredPrincipal stored;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto existing, txn.GetPrincipal(name));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(
          absl::StrCat("name: principal \"", name, "\" already exists"));
    }
    stored.principal.set_name(std::string(name));
    stored.principal.set_role(role);
    for (const std::string& s : systems) stored.principal.add_systems(s);
    *stored.principal.mutable_created_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(txn.Now()));
    SetToken(token, txn.Now(), &stored);
    return txn.PutPrincipal(stored);
  }));
  RETURN_IF_ERROR(Reload());
  return PrincipalWithToken{stored.principal, token.token};
}

absl::StatusOr<StoredPrincipal> PrincipalRegistry::Change(
    absl::string_view name,
    const std::function<void(absl::Time now, StoredPrincipal*)>& change) {
  StoredPrincipal stored;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto existing, txn.GetPrincipal(name));
    if (!existing.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("name: no principal \"", name, "\""));
    }
    stored = std::move(*existing);
    change(txn.Now(), &stored);
    return txn.PutPrincipal(stored);
  }));
  RETURN_IF_ERROR(Reload());
  return stored;
}

absl::StatusOr<PrincipalWithToken> PrincipalRegistry::Rotate(
    absl::string_view name) {
  ASSIGN_OR_RETURN(NewToken token, MakeToken());
  ASSIGN_OR_RETURN(StoredPrincipal stored,
                   Change(name, [&](absl::Time now, StoredPrincipal* p) {
                     SetToken(token, now, p);
                   }));
  return PrincipalWithToken{stored.principal, token.token};
}

absl::StatusOr<hub::v1::Principal> PrincipalRegistry::Disable(
    absl::string_view name) {
  ASSIGN_OR_RETURN(StoredPrincipal stored,
                   Change(name, [](absl::Time, StoredPrincipal* p) {
                     p->principal.set_disabled(true);
                   }));
  return stored.principal;
}

std::vector<hub::v1::Principal> PrincipalRegistry::List() const {
  std::vector<hub::v1::Principal> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [key_id, p] : by_key_id_) out.push_back(p.principal);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return out;
}

absl::StatusOr<bool> PrincipalRegistry::Bootstrap(
    const std::string& token_path) {
  {
    std::shared_lock lock(mu_);
    if (!by_key_id_.empty()) return false;
  }
  ASSIGN_OR_RETURN(PrincipalWithToken admin,
                   Create("admin", hub::v1::ROLE_ADMIN, {}));
  int fd = ::open(token_path.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot write the admin token to ", token_path, ": ", strerror(errno)));
  }
  // O_CREAT's mode does not apply to a file that was already there.
  const std::string text = admin.token + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    return absl::UnavailableError(absl::StrCat(
        "cannot write the admin token to ", token_path, ": ", strerror(err)));
  }
  return true;
}

}  // namespace revhub::hub::auth
