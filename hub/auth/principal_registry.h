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
// Thread-safety: every method is thread-safe. Changes are serialized by the
// store's writer; the cache is read under a shared lock.
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

class PrincipalRegistry {
 public:
  // Loads every principal of `store` (not owned; outlives the registry).
  static absl::StatusOr<std::unique_ptr<PrincipalRegistry>> Open(Store* store);

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
  explicit PrincipalRegistry(Store* store) : store_(store) {}
  // Reloads the cache from the store.
  absl::Status Reload();
  // Applies `change` to the stored principal `name` in one write (NOT_FOUND
  // naming the field when there is none), reloads the cache and returns
  // the principal as stored.
  absl::StatusOr<StoredPrincipal> Change(
      absl::string_view name,
      const std::function<void(absl::Time now, StoredPrincipal*)>& change);

  Store* store_;
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<std::string, StoredPrincipal> by_key_id_;
  absl::flat_hash_map<std::string, std::string> key_id_by_name_;
};

}  // namespace revhub::hub::auth

#endif  // REVHUB_HUB_AUTH_PRINCIPAL_REGISTRY_H_
