// JsonGateway: the hub's gRPC API as JSON over HTTP, on revhubd's HTTP port
// (--http-listen), for the control-tower page and for scripts that would
// rather speak JSON than gRPC.
//
//   POST /api/<package.Service>/<Method>   body: the request message as
//        proto3 JSON (lowerCamelCase or the proto's own field names; an
//        empty body is the empty request); answer: the response message as
//        proto3 JSON (lowerCamelCase, every field printed), or
//        {"error": "...", "code": "NOT_FOUND"} with the HTTP status that
//        matches the gRPC code.
//   GET  /api                              the methods served, with their
//        request and response types.
//
// It is not a second implementation: each call is authenticated and
// authorized by the same processor as a gRPC call (the `authorization:
// Bearer <token>` header, the one method table, the admission hook), then
// made through an in-process channel to the hub's own gRPC server, so the
// same handlers, interceptors (audit) and limits answer it. `traceparent`
// and `tracestate` headers are passed on as gRPC metadata. Only unary
// methods of revhub.hub.v1 are served; a streaming method is refused with
// 400 naming it.
//
// Thread-safe: Handle runs on the HTTP server's threads concurrently.
#ifndef REVHUB_HUB_WEB_JSON_GATEWAY_H_
#define REVHUB_HUB_WEB_JSON_GATEWAY_H_

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/http/http_server.h"

namespace revhub::hub::web {

// Authenticates and authorizes a call of `method` ("/pkg.Service/Method")
// with the request's `authorization` header value (empty when absent):
// OK, or the status the gRPC processor would answer (UNAUTHENTICATED,
// PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...).
using AdmitFn = std::function<absl::Status(absl::string_view method,
                                           absl::string_view authorization)>;

struct JsonGatewayOptions {
  // A channel to the hub's own gRPC server (in-process).
  std::shared_ptr<grpc::Channel> channel;
  AdmitFn admit;
  // Each call's deadline.
  absl::Duration deadline = absl::Seconds(60);
  // The only package served.
  std::string package = "revhub.hub.v1";
  // The methods the hub serves ("/pkg.Service/Method"), for Describe.
  std::vector<std::string> methods;
};

class JsonGateway {
 public:
  explicit JsonGateway(JsonGatewayOptions options)
      : options_(std::move(options)) {}

  // POST /api/<Service>/<Method>: request.rest is "<Service>/<Method>".
  HttpResponse Call(const HttpRequest& request) const;
  // GET /api: {"methods": [{"method": "/pkg.S/M", "request": "...",
  // "response": "...", "streaming": bool, "served": bool}]}.
  HttpResponse Describe() const;

 private:
  JsonGatewayOptions options_;
};

// The HTTP status that answers a gRPC status code (as grpc-gateway maps
// them: INVALID_ARGUMENT 400, NOT_FOUND 404, PERMISSION_DENIED 403, ...).
int HttpStatusOf(absl::StatusCode code);

}  // namespace revhub::hub::web

#endif  // REVHUB_HUB_WEB_JSON_GATEWAY_H_
