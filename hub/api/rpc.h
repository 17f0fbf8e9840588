// The RPC edge: how an absl::Status leaves as a gRPC status, and who is
// calling. Only hub/api (and hub/auth, which authenticates) use gRPC server
// types; every library below it speaks absl::Status.
#ifndef REVHUB_HUB_API_RPC_H_
#define REVHUB_HUB_API_RPC_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "hub/auth/principal_registry.h"
#include "hub/observability/trace_context.h"

namespace revhub::hub {

// Returns the gRPC status for an absl::Status: same code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Returns who is calling: the call's own bearer token (or verified client
// certificate) resolved against the principal registry, as hub/auth's
// processor admitted it before the handler ran (auth_processor.h):
// principal, role and, for an integration principal, the systems it may
// write. gRPC shares one AuthContext among a connection's calls, so the
// caller is never read from it. A call of an open method (health) has
// principal "anonymous" and no role. Takes any server context (a
// handler's, or the one an interceptor sees).
auth::Caller CallerOf(const grpc::ServerContextBase* context);

// Returns the authenticated principal's name (CallerOf(context).principal).
std::string PrincipalOf(const grpc::ServerContextBase* context);

// Returns the call's W3C trace context: the caller's `traceparent` (and
// `tracestate`) metadata continued as a child span when valid, otherwise a
// new trace (an invalid header never fails a call).
observability::TraceContext TraceOf(const grpc::ServerContextBase* context);

// Returns the authenticated caller's role name ("admin", "finance", ...), or
// "" for a call of an open method.
std::string RoleOf(const grpc::ServerContextBase* context);

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
