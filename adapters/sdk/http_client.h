// A small blocking HTTP client (libcurl) for adapters that call vendor APIs.
//
// An HTTP status is an answer, not an error: SendHttp returns OK with any
// status the server sent. It returns an error only when no answer came:
// DEADLINE_EXCEEDED for a timeout, UNAVAILABLE for a refused, reset or
// dropped connection, RESOURCE_EXHAUSTED when the response body is larger
// than the request's max_response_bytes (the transfer is aborted; nothing of
// the body is kept). Thread-safe: each call uses its own handle.
#ifndef REVHUB_ADAPTERS_SDK_HTTP_CLIENT_H_
#define REVHUB_ADAPTERS_SDK_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::adapter {

// The default cap on a vendor response body: 64 MiB.
inline constexpr int64_t kMaxResponseBytes = int64_t{64} << 20;

// The longest wait a vendor's Retry-After is believed: 1 hour.
inline constexpr std::chrono::milliseconds kMaxRetryAfter{3600 * 1000};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds connect_timeout{5000};
  // The largest response body accepted; a larger one aborts the call.
  int64_t max_response_bytes = kMaxResponseBytes;
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Returns the first header named `name` (any case), or "".
  std::string Header(absl::string_view name) const;
};

// Sends the request. When the calling thread has a trace (ScopedTraceparent)
// and the request sets no `traceparent` header, the trace's is added, so the
// vendor sees the hub's W3C trace context.
absl::StatusOr<HttpResponse> SendHttp(const HttpRequest& request);

// ScopedTraceparent makes `traceparent` (a W3C header value the hub sent
// as gRPC metadata) the calling thread's trace while it lives; "" sets
// none. The SDK sets it around each call it runs for the hub.
class ScopedTraceparent {
 public:
  explicit ScopedTraceparent(std::string traceparent);
  ~ScopedTraceparent();
  ScopedTraceparent(const ScopedTraceparent&) = delete;
  ScopedTraceparent& operator=(const ScopedTraceparent&) = delete;

 private:
  std::string previous_;
};

// Returns the calling thread's traceparent, or "".
const std::string& CurrentTraceparent();

// Returns the wait a response's Retry-After header asks for (delay-seconds
// or an HTTP date), never more than kMaxRetryAfter; `fallback` when the
// header is absent or unreadable.
std::chrono::milliseconds RetryAfterOf(const HttpResponse& response,
                                       std::chrono::milliseconds fallback);

// Returns what a Check call's HTTP status says about the credentials:
// OK for 2xx; UNAUTHENTICATED "<vendor> refused <credential> (HTTP 401)";
// PERMISSION_DENIED "<denied> (HTTP 403)"; UNAVAILABLE for anything else.
absl::Status CredentialCheckStatus(int http_status, absl::string_view vendor,
                                   absl::string_view credential,
                                   absl::string_view denied);

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_SDK_HTTP_CLIENT_H_
