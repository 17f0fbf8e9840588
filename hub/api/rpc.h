// The RPC edge: how an absl::Status leaves as a gRPC status, and who is
// calling. Only hub/api uses gRPC server types; every library below it
// speaks absl::Status.
#ifndef REVHUB_HUB_API_RPC_H_
#define REVHUB_HUB_API_RPC_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"

namespace revhub::hub {

// Returns the gRPC status for an absl::Status: same code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Returns who is calling: the x-revhub-principal metadata when present, else
// "anonymous".
std::string PrincipalOf(const grpc::CallbackServerContext* context);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_RPC_H_
