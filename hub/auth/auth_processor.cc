#include "hub/auth/auth_processor.h"

#include <atomic>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hub/auth/method_policy.h"

namespace revhub::hub::auth {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

absl::string_view Find(const grpc::AuthMetadataProcessor::InputMetadata& md,
                       absl::string_view key) {
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

std::atomic<const PrincipalRegistry*> active_registry{nullptr};

}  // namespace

void SetActiveRegistry(const PrincipalRegistry* registry) {
  active_registry.store(registry);
}
const PrincipalRegistry* ActiveRegistry() { return active_registry.load(); }

absl::StatusOr<Caller> Authenticate(const PrincipalRegistry& registry,
                                    absl::string_view authorization,
                                    absl::string_view certificate_name) {
  if (!authorization.empty()) {
    // The scheme is case-insensitive (RFC 7235).
    if (authorization.size() < 7 ||
        !absl::EqualsIgnoreCase(authorization.substr(0, 7), "Bearer ")) {
      return absl::UnauthenticatedError(
          "the authorization header is not \"Bearer <token>\"");
    }
    return registry.AuthenticateToken(authorization.substr(7));
  }
  if (!certificate_name.empty()) {
    return registry.AuthenticateName(certificate_name);
  }
  return absl::UnauthenticatedError("no credential");
}

absl::StatusOr<Caller> HubAuthProcessor::Admit(
    absl::string_view method, absl::string_view authorization,
    absl::string_view certificate_name) const {
  const MethodRule* rule = FindMethodRule(method);
  if (rule != nullptr && rule->access == Access::kOpen) return Caller{};
  if (authorization.empty() && certificate_name.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "no credential: ", method,
        " needs an API token (authorization: Bearer <token>) or a client "
        "certificate"));
  }
  absl::StatusOr<Caller> caller =
      Authenticate(*registry_, authorization, certificate_name);
  if (!caller.ok()) return caller.status();
  absl::Status denied;
  if (rule == nullptr) {
    denied = absl::PermissionDeniedError(
        absl::StrCat(method,
                     " is not in the hub's method table, so no role "
                     "may call it (principal \"",
                     caller->principal, "\")"));
  } else if (!RoleMayCall(caller->role, method)) {
    denied = absl::PermissionDeniedError(
        absl::StrCat("principal \"", caller->principal, "\" (role ",
                     RoleName(caller->role), ") may not call ", method));
  }
  if (!denied.ok()) {
    if (denied_) denied_(*caller, method, denied);
    return denied;
  }
  if (admit_) {
    absl::Status admitted = admit_(*caller, method);
    if (!admitted.ok()) return admitted;
  }
  return caller;
}

grpc::Status HubAuthProcessor::Process(const InputMetadata& auth_metadata,
                                       grpc::AuthContext* context,
                                       OutputMetadata* /*consumed*/,
                                       OutputMetadata* /*response_metadata*/) {
  const absl::string_view method = Find(auth_metadata, ":path");
  const absl::string_view authorization = Find(auth_metadata, "authorization");
  std::string certificate_name;
  // Present only when the TLS layer verified the client's certificate
  // against --tls-client-ca.
  for (const grpc::string_ref& cn :
       context->FindPropertyValues("x509_common_name")) {
    certificate_name.assign(cn.data(), cn.size());
  }
  absl::StatusOr<Caller> caller =
      Admit(method, authorization, certificate_name);
  if (!caller.ok()) return ToGrpc(caller.status());
  return grpc::Status::OK;
}

}  // namespace revhub::hub::auth
