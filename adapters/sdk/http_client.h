// A small blocking HTTP client (libcurl) for adapters that call vendor APIs.
//
// An HTTP status is an answer, not an error: SendHttp returns OK with any
// status the server sent. It returns an error only when no answer came:
// DEADLINE_EXCEEDED for a timeout, UNAVAILABLE for a refused, reset or
// dropped connection. Thread-safe: each call uses its own handle.
#ifndef REVHUB_ADAPTERS_SDK_HTTP_CLIENT_H_
#define REVHUB_ADAPTERS_SDK_HTTP_CLIENT_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::adapter {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds connect_timeout{5000};
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Returns the first header named `name` (any case), or "".
  std::string Header(absl::string_view name) const;
};

absl::StatusOr<HttpResponse> SendHttp(const HttpRequest& request);

// Returns what a Check call's HTTP status says about the credentials:
// OK for 2xx; UNAUTHENTICATED "<vendor> refused <credential> (HTTP 401)";
// PERMISSION_DENIED "<denied> (HTTP 403)"; UNAVAILABLE for anything else.
absl::Status CredentialCheckStatus(int http_status, absl::string_view vendor,
                                   absl::string_view credential,
                                   absl::string_view denied);

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_SDK_HTTP_CLIENT_H_
