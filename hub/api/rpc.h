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

// Returns OK while the call is wanted: CANCELLED once the client cancelled
// it, DEADLINE_EXCEEDED once its deadline has passed. Long handlers check it
// between pages and batches and stop when it is not OK.
absl::Status CallAlive(const grpc::CallbackServerContext* context);

// Finishes a unary call with `status`; a status carrying a retry delay
// (hub/common/rate_limiter.h RetryAfterOf) adds it as the trailing metadata
// `retry-after-ms` (decimal milliseconds).
void FinishUnary(grpc::CallbackServerContext* context,
                 grpc::ServerUnaryReactor* reactor, const absl::Status& status);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_RPC_H_
