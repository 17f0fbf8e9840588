#include "hub/api/rpc.h"

namespace revhub::hub {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

std::string PrincipalOf(const grpc::CallbackServerContext* context) {
  const auto& md = context->client_metadata();
  auto it = md.find("x-revhub-principal");
  if (it == md.end() || it->second.empty()) return "anonymous";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace revhub::hub
