// HttpServer: revhubd's HTTP listener (--http-listen), for what vendors and
// scrapers call over plain HTTP rather than gRPC: POST /webhooks/<system>
// today (hub/sync/webhook_receiver.h).
//
// Routes are registered before Start() by method and path prefix; the
// longest matching prefix wins, other paths answer 404 and other methods on
// a known path 405. Bodies over max_body_bytes are refused with 413 before
// any handler runs; a request is read within read_timeout. cpp-httplib
// (Debian's libcpp-httplib) underneath, with a fixed pool of threads.
//
// Thread-safe: handlers run concurrently on the pool's threads.
#ifndef REVHUB_HUB_HTTP_HTTP_SERVER_H_
#define REVHUB_HUB_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace revhub::hub {

struct HttpRequest {
  std::string method;
  // Path without the query ("/webhooks/stripe").
  std::string path;
  // The path after the route's prefix ("stripe").
  std::string rest;
  // The URL as the client called it, as far as the request tells
  // (X-Forwarded-Proto or http, Host, path and query).
  std::string url;
  // Header names lower-cased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;
  // Returns the first header named `name` (lower case), or nullopt.
  std::optional<std::string> Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  // "host:port"; port 0 picks a free port.
  std::string listen;
  size_t max_body_bytes = 4 << 20;
  absl::Duration read_timeout = absl::Seconds(30);
  int threads = 8;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The address it listens on, with the port actually bound.
  virtual std::string address() const = 0;
  // Stops listening and waits for handlers in flight. Idempotent.
  virtual void Shutdown() = 0;
};

struct HttpRoute {
  std::string method;  // "POST"
  std::string prefix;  // "/webhooks/"
  HttpHandler handler;
};

// Binds and starts serving `routes`. INVALID_ARGUMENT for a malformed
// listen address; UNAVAILABLE when it cannot be bound.
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(
    const HttpServerOptions& options, std::vector<HttpRoute> routes);

// A JSON body {"error": message} with `status`.
HttpResponse HttpError(int status, absl::string_view message);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_HTTP_HTTP_SERVER_H_
