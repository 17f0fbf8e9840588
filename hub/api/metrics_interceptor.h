// The metrics interceptor: counts every gRPC call by full method and status
// code (revhub_grpc_requests_total) and observes its latency, from the
// call's start to its status (revhub_grpc_request_duration_seconds), in
// the process-wide metrics (hub/observability/hub_metrics.h).
//
// Calls refused by the authentication processor end before any interceptor
// and are not counted. Cheap on the call's path: the method's children are
// looked up once per call (a sharded lock, never a global one), then
// updated with atomics.
#ifndef REVHUB_HUB_API_METRICS_INTERCEPTOR_H_
#define REVHUB_HUB_API_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

namespace revhub::hub {

// Returns the factory to register with grpc::ServerBuilder.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory();

// Returns the name of a gRPC status code ("OK", "INVALID_ARGUMENT").
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_METRICS_INTERCEPTOR_H_
