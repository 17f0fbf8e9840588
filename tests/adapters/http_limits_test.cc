// The SDK's HTTP client against a local server (cpp-httplib): a vendor
// response body over the limit is refused, announced by Content-Length or
// streamed without one; a vendor's Retry-After is believed up to one hour.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/http_client.h"

namespace revhub::adapter {
namespace {

using std::chrono::milliseconds;

// A loopback HTTP server for one test.
class LocalServer {
 public:
  LocalServer() {
    server_.Get("/small", [](const httplib::Request&, httplib::Response& r) {
      r.set_content(std::string(1000, 's'), "text/plain");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& r) {
      r.set_content(std::string(3 << 20, 'b'), "text/plain");
    });
    // Chunked: no Content-Length, so the limit applies while reading.
    server_.Get("/stream", [](const httplib::Request&, httplib::Response& r) {
      r.set_chunked_content_provider(
          "text/plain", [](size_t offset, httplib::DataSink& sink) {
            if (offset >= (size_t{3} << 20)) {
              sink.done();
              return true;
            }
            std::string chunk(64 * 1024, 'c');
            return sink.write(chunk.data(), chunk.size());
          });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would leave it running: wait for it.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_CASE("a vendor response over the size limit is refused", "[sdk]") {
  LocalServer server;
  HttpRequest req;
  req.max_response_bytes = 1 << 20;
  SECTION("under the limit it is read") {
    req.url = server.Url("/small");
    auto resp = SendHttp(req);
    REQUIRE(resp.ok());
    CHECK(resp->body.size() == 1000);
  }
  SECTION("announced by Content-Length") {
    req.url = server.Url("/big");
    auto resp = SendHttp(req);
    REQUIRE_FALSE(resp.ok());
    CHECK(resp.status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(resp.status().message() ==
          absl::StrCat("GET ", req.url,
                       ": the response body is larger than "
                       "the limit of 1048576 bytes; not read"));
  }
  SECTION("streamed without a length") {
    req.url = server.Url("/stream");
    auto resp = SendHttp(req);
    REQUIRE_FALSE(resp.ok());
    CHECK(resp.status().code() == absl::StatusCode::kResourceExhausted);
  }
  SECTION("the default limit is 64 MiB") {
    CHECK(HttpRequest().max_response_bytes == int64_t{64} << 20);
  }
}

TEST_CASE("a vendor's Retry-After is believed up to one hour", "[sdk]") {
  auto with = [](const std::string& value) {
    HttpResponse r;
    r.headers.emplace_back("retry-after", value);
    return r;
  };
  const milliseconds fallback(1500);
  CHECK(RetryAfterOf(HttpResponse(), fallback) == fallback);
  CHECK(RetryAfterOf(with("30"), fallback) == milliseconds(30000));
  CHECK(RetryAfterOf(with("3600"), fallback) == kMaxRetryAfter);
  CHECK(RetryAfterOf(with("86400"), fallback) == kMaxRetryAfter);
  CHECK(RetryAfterOf(with("99999999999999999"), fallback) == kMaxRetryAfter);
  CHECK(RetryAfterOf(with("-5"), fallback) == fallback);
  CHECK(RetryAfterOf(with("soon"), fallback) == fallback);
  // An HTTP date far in the future is the cap; one in the past is now.
  CHECK(RetryAfterOf(with("Fri, 31 Dec 2100 23:59:59 GMT"), fallback) ==
        kMaxRetryAfter);
  CHECK(RetryAfterOf(with("Wed, 21 Oct 2015 07:28:00 GMT"), fallback) ==
        milliseconds(0));
  // An adapter's RETRY outcome carries at most the cap too.
  ApplyResponse r = Retry("slow down", std::chrono::hours(48));
  CHECK(r.retry_after().seconds() == 3600);
}

}  // namespace
}  // namespace revhub::adapter
