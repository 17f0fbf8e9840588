#include "hub/http/http_server.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace revhub::hub {

namespace {

absl::StatusOr<std::pair<std::string, int>> SplitListen(
    const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http_listen: \"", listen, "\" is not HOST:PORT (port 0 to 65535)"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, port);
}

class HttplibServer final : public HttpServer {
 public:
  HttplibServer(const HttpServerOptions& options, std::vector<HttpRoute> routes)
      : options_(options), routes_(std::move(routes)) {
    const int threads = options_.threads;
    server_.new_task_queue = [threads] {
      return new httplib::ThreadPool(static_cast<size_t>(threads));
    };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_read_timeout(absl::ToChronoSeconds(options_.read_timeout));
    auto dispatch = [this](const httplib::Request& req,
                           httplib::Response& res) { Dispatch(req, res); };
    server_.Get(".*", dispatch);
    server_.Post(".*", dispatch);
    server_.Put(".*", dispatch);
    server_.Delete(".*", dispatch);
    server_.Patch(".*", dispatch);
    // Requests over the body cap never reach a handler.
    server_.set_error_handler([this](const httplib::Request&,
                                     httplib::Response& res) {
      if (res.status == 413) {
        Write(HttpError(413, absl::StrCat("body: larger than the limit of ",
                                          options_.max_body_bytes, " bytes")),
              res);
      }
    });
  }

  absl::Status Bind() {
    auto hp = SplitListen(options_.listen);
    if (!hp.ok()) return hp.status();
    host_ = hp->first;
    if (hp->second == 0) {
      port_ = server_.bind_to_any_port(host_);
    } else {
      port_ = server_.bind_to_port(host_, hp->second) ? hp->second : -1;
    }
    if (port_ <= 0) {
      return absl::UnavailableError(
          absl::StrCat("http_listen: cannot listen on ", options_.listen));
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }

  ~HttplibServer() override { Shutdown(); }

  std::string address() const override {
    const bool v6 = host_.find(':') != std::string::npos;
    return absl::StrCat(v6 ? "[" : "", host_, v6 ? "]" : "", ":", port_);
  }

  void Shutdown() override {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

 private:
  static void Write(const HttpResponse& r, httplib::Response& res) {
    res.status = r.status;
    for (const auto& [k, v] : r.headers) res.set_header(k, v);
    res.set_content(r.body, r.content_type);
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    const HttpRoute* best = nullptr;
    bool path_known = false;
    for (const auto& route : routes_) {
      if (!absl::StartsWith(req.path, route.prefix)) continue;
      // A catch-all ("/", the page's files) knows no path in particular:
      // another method on an unknown path stays 404.
      if (route.prefix != "/") path_known = true;
      if (route.method != req.method) continue;
      if (best == nullptr || route.prefix.size() > best->prefix.size()) {
        best = &route;
      }
    }
    if (best == nullptr) {
      Write(path_known ? HttpError(405, absl::StrCat("method: ", req.method,
                                                     " is not served here"))
                       : HttpError(404, absl::StrCat("path: ", req.path,
                                                     " is not served here")),
            res);
      return;
    }
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    r.rest = req.path.substr(best->prefix.size());
    r.body = req.body;
    r.remote_address = req.remote_addr;
    for (const auto& [k, v] : req.headers) {
      r.headers.emplace_back(absl::AsciiStrToLower(k), v);
    }
    std::string proto = r.Header("x-forwarded-proto").value_or("http");
    std::string host = r.Header("host").value_or(address());
    r.url = absl::StrCat(proto, "://", host,
                         req.target.empty() ? req.path : req.target);
    Write(best->handler(r), res);
  }

  HttpServerOptions options_;
  std::vector<HttpRoute> routes_;
  httplib::Server server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

std::optional<std::string> HttpRequest::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

HttpResponse HttpError(int status, absl::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"error", std::string(message)}}.dump();
  return r;
}

absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(
    const HttpServerOptions& options, std::vector<HttpRoute> routes) {
  auto server = std::make_unique<HttplibServer>(options, std::move(routes));
  absl::Status st = server->Bind();
  if (!st.ok()) return st;
  return server;
}

}  // namespace revhub::hub
