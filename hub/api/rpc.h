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
// "anonymous". Takes any server context (a handler's, or the one an
// interceptor sees).
std::string PrincipalOf(const grpc::ServerContextBase* context);

// Returns the caller's role: the x-revhub-role metadata when present, else
// "" (unknown). Until callers are authenticated, both are what the caller
// says.
std::string RoleOf(const grpc::ServerContextBase* context);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_RPC_H_
