// PrincipalRegistry: the hub's principals, their roles and tokens, kept in
// the store (principal_store.h) and cached in memory for authenticating
// every call without a database read.
//
// Open() loads every principal; each change (Create, Rotate, Disable) is
// written through the store and then the cache is reloaded, so a rotated
// token or a disabled principal is refused from the next call on. A token
// is looked up by its key id (tokens.h) and its secret checked against the
// stored salted hash in constant time. Bootstrap() makes the first
// principal, `admin`, when there is none.
//
// Several hubs on one store: a change made through another hub reaches this
// cache when it is reloaded, which happens
//  - when a token's key id or a certificate's name is not in the cache
//    (a principal created, or a token rotated, elsewhere): at most once per
//    `miss_reload_gap`, so unknown keys cannot make every call read the
//    store;
//  - when the cache is older than `max_age` (a principal disabled or a
//    token rotated elsewhere, whose old key is still cached): so such a
//    change is refused here at most max_age after it was made.
// A reload that fails keeps the cache as it was.
//
// Thread-safety: every method is thread-safe. Changes are serialized by the
// store's writer; the cache is read under a shared lock, and one caller at
// a time reloads it.
#ifndef REVHUB_HUB_AUTH_PRINCIPAL_REGISTRY_H_
#define REVHUB_HUB_AUTH_PRINCIPAL_REGISTRY_H_

#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/principal_service.pb.h"

namespace revhub::hub::auth {

// Who is calling, once authenticated.
struct Caller {
  std::string principal;
  hub::v1::Role role = hub::v1::ROLE_UNSPECIFIED;
  // For an integration principal: the systems it may write; empty: all.
  std::vector<std::string> systems;
};

// Returns OK when `caller` may write records of `system` (ingest, replay):
// any role but integration is judged by the method table alone; an
// integration principal with a systems list must have `system` in it.
// PERMISSION_DENIED names the principal and the system.
absl::Status CheckMayWriteSystem(const Caller& caller,
                                 absl::string_view system);

// A principal with the token made for it (shown once).
struct PrincipalWithToken {
  hub::v1::Principal principal;
  std::string token;
};

struct PrincipalCacheOptions {
  // The cache is reloaded when it is older than this.
  absl::Duration max_age = absl::Seconds(5);
  // At most one reload for an unknown key or name in this long.
  absl::Duration miss_reload_gap = absl::Seconds(1);
};

class PrincipalRegistry {
 public:
  // Loads every principal of `store` (not owned; outlives the registry).
  static absl::StatusOr<std::unique_ptr<PrincipalRegistry>> Open(
      Store* store, PrincipalCacheOptions options = {});

  // Returns the caller `token` (rhk_...) names. UNAUTHENTICATED, saying why
  // (malformed, unknown key id, wrong secret, disabled) without echoing the
  // token.
  absl::StatusOr<Caller> AuthenticateToken(absl::string_view token) const;
  // Returns the caller a verified client certificate's common name names.
  // UNAUTHENTICATED when no principal has that name or it is disabled.
  absl::StatusOr<Caller> AuthenticateName(absl::string_view name) const;

  // Creates principal `name` with `role` (and, for ROLE_INTEGRATION, the
  // systems it may write) and its first token. INVALID_ARGUMENT naming the
  // field; ALREADY_EXISTS when the name is taken.
  absl::StatusOr<PrincipalWithToken> Create(
      absl::string_view name, hub::v1::Role role,
      const std::vector<std::string>& systems);
  // Gives `name` a new token; the old one is refused from now on. NOT_FOUND
  // when there is no such principal.
  absl::StatusOr<PrincipalWithToken> Rotate(absl::string_view name);
  // Disables `name`: its token and certificate are refused. Idempotent.
  // NOT_FOUND when there is no such principal.
  absl::StatusOr<hub::v1::Principal> Disable(absl::string_view name);
  // Returns every principal in name order, without token material.
  std::vector<hub::v1::Principal> List() const;

  // When the store has no principal, creates `admin` (ROLE_ADMIN) and
  // writes its token to `token_path` (mode 0600, replacing the file).
  // Returns whether it did.
  absl::StatusOr<bool> Bootstrap(const std::string& token_path);

 private:
  PrincipalRegistry(Store* store, PrincipalCacheOptions options)
      : store_(store), options_(options) {}
  // Reloads the cache from the store: one reload at a time, so an older
  // read never replaces a newer one.
  absl::Status Reload() const;
  // REQUIRES: reload_mu_ held.
  absl::Status ReloadLocked() const;
  // Reloads the cache when it is older than max_age, unless another caller
  // is reloading it now.
  void RefreshIfOld() const;
  // Reloads the cache for a key id or name it lacks, unless it was reloaded
  // for a miss less than miss_reload_gap ago. Returns whether it reloaded.
  bool ReloadForMiss() const;
  // The cached principal of `key_id` (by_key_id_ false) or of name `key`.
  // REQUIRES: mu_ held (shared).
  const StoredPrincipal* Find(absl::string_view key, bool by_name) const;
  // Applies `change` to the stored principal `name` in one write (NOT_FOUND
  // naming the field when there is none), reloads the cache and returns
  // the principal as stored.
  absl::StatusOr<StoredPrincipal> Change(
      absl::string_view name,
      const std::function<void(absl::Time now, StoredPrincipal*)>& change);

  Store* store_;
  const PrincipalCacheOptions options_;
  // The cache: reloaded by const lookups too, hence mutable.
  mutable std::shared_mutex mu_;
  mutable absl::flat_hash_map<std::string, StoredPrincipal> by_key_id_;
  mutable absl::flat_hash_map<std::string, std::string> key_id_by_name_;
  mutable absl::Time loaded_at_ = absl::InfinitePast();
  // One reload at a time; when the last one for a miss ran.
  mutable std::mutex reload_mu_;
  mutable absl::Time last_miss_reload_ = absl::InfinitePast();
};

}  // namespace revhub::hub::auth

#endif  // REVHUB_HUB_AUTH_PRINCIPAL_REGISTRY_H_
