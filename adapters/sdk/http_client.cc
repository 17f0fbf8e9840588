#include "adapters/sdk/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace revhub::adapter {
namespace {

// Where a body goes, and how much of it is allowed.
struct BodySink {
  std::string* body;
  int64_t max_bytes;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (static_cast<int64_t>(sink->body->size() + size * n) > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  sink->body->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    response->headers.emplace_back(std::move(name), std::move(value));
  } else if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();  // a new response (after 100 Continue)
  }
  return size * n;
}

}  // namespace

std::string HttpResponse::Header(absl::string_view name) const {
  std::string lower = absl::AsciiStrToLower(name);
  for (const auto& [k, v] : headers) {
    if (k == lower) return v;
  }
  return "";
}

namespace {
thread_local std::string g_traceparent;
}  // namespace

ScopedTraceparent::ScopedTraceparent(std::string traceparent)
    : previous_(std::move(g_traceparent)) {
  // A header value only: one line of visible ASCII.
  bool ok = traceparent.size() <= 256;
  for (char c : traceparent) ok = ok && c > ' ' && c < 0x7f;
  g_traceparent = ok ? std::move(traceparent) : std::string();
}

ScopedTraceparent::~ScopedTraceparent() {
  g_traceparent = std::move(previous_);
}

const std::string& CurrentTraceparent() { return g_traceparent; }

absl::StatusOr<HttpResponse> SendHttp(const HttpRequest& request) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  HttpResponse response;
  curl_slist* headers = nullptr;
  bool has_traceparent = false;
  for (const auto& [k, v] : request.headers) {
    if (absl::EqualsIgnoreCase(k, "traceparent")) has_traceparent = true;
  }
  if (!has_traceparent && !CurrentTraceparent().empty()) {
    headers = curl_slist_append(
        headers, absl::StrCat("traceparent: ", CurrentTraceparent()).c_str());
  }
  for (const auto& [k, v] : request.headers) {
    headers = curl_slist_append(headers, absl::StrCat(k, ": ", v).c_str());
  }
  // No "Expect: 100-continue" round trip.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" ||
      request.method == "PUT" || request.method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  BodySink sink{&response.body, request.max_response_bytes};
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  // A Content-Length over the limit is refused before the body is read.
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.max_response_bytes));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return absl::ResourceExhaustedError(absl::StrCat(
        request.method, " ", request.url, ": the response body is larger than ",
        "the limit of ", request.max_response_bytes, " bytes; not read"));
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(absl::StrCat(
        request.method, " timed out after ", request.timeout.count(), " ms"));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(request.method, " failed: ", curl_easy_strerror(rc)));
  }
  response.status = static_cast<int>(status);
  return response;
}

std::chrono::milliseconds RetryAfterOf(const HttpResponse& response,
                                       std::chrono::milliseconds fallback) {
  const std::string header = response.Header("retry-after");
  if (header.empty()) return std::min(fallback, kMaxRetryAfter);
  std::chrono::milliseconds wait = fallback;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(header, &seconds)) {
    if (seconds < 0) return std::min(fallback, kMaxRetryAfter);
    // Any delay past the cap is the cap (and never overflows).
    if (seconds > kMaxRetryAfter.count() / 1000) return kMaxRetryAfter;
    wait = std::chrono::seconds(seconds);
  } else {
    time_t at = curl_getdate(header.c_str(), nullptr);
    if (at < 0) return std::min(fallback, kMaxRetryAfter);
    const int64_t delta = static_cast<int64_t>(at) - time(nullptr);
    if (delta > kMaxRetryAfter.count() / 1000) return kMaxRetryAfter;
    wait = std::chrono::seconds(std::max<int64_t>(delta, 0));
  }
  return std::min(wait, kMaxRetryAfter);
}

absl::Status CredentialCheckStatus(int http_status, absl::string_view vendor,
                                   absl::string_view credential,
                                   absl::string_view denied) {
  if (http_status == 401) {
    return absl::UnauthenticatedError(
        absl::StrCat(vendor, " refused ", credential, " (HTTP 401)"));
  }
  if (http_status == 403) {
    return absl::PermissionDeniedError(absl::StrCat(denied, " (HTTP 403)"));
  }
  if (http_status / 100 != 2) {
    return absl::UnavailableError(
        absl::StrCat(vendor, " answered HTTP ", http_status));
  }
  return absl::OkStatus();
}

}  // namespace revhub::adapter
