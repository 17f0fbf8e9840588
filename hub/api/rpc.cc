#include "hub/api/rpc.h"

namespace revhub::hub {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

namespace {

std::string Metadata(const grpc::ServerContextBase* context, const char* key) {
  const auto& md = context->client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

std::string PrincipalOf(const grpc::ServerContextBase* context) {
  std::string principal = Metadata(context, "x-revhub-principal");
  return principal.empty() ? "anonymous" : principal;
}

std::string RoleOf(const grpc::ServerContextBase* context) {
  return Metadata(context, "x-revhub-role");
}

}  // namespace revhub::hub
