#include "hub/api/rpc.h"

#include "hub/auth/auth_processor.h"
#include "hub/auth/method_policy.h"

namespace revhub::hub {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

auth::Caller CallerOf(const grpc::CallbackServerContext* context) {
  auth::Caller anonymous;
  anonymous.principal = "anonymous";
  const auth::PrincipalRegistry* registry = auth::ActiveRegistry();
  if (registry == nullptr) return anonymous;
  std::string authorization;
  const auto& md = context->client_metadata();
  if (auto it = md.find("authorization"); it != md.end()) {
    authorization.assign(it->second.data(), it->second.size());
  }
  std::string certificate_name;
  if (std::shared_ptr<const grpc::AuthContext> auth = context->auth_context()) {
    for (const auto& cn : auth->FindPropertyValues("x509_common_name")) {
      certificate_name.assign(cn.data(), cn.size());
    }
  }
  // The processor admitted this very call with these credentials.
  absl::StatusOr<auth::Caller> caller =
      auth::Authenticate(*registry, authorization, certificate_name);
  return caller.ok() ? *std::move(caller) : anonymous;
}

std::string PrincipalOf(const grpc::CallbackServerContext* context) {
  return CallerOf(context).principal;
}

}  // namespace revhub::hub
