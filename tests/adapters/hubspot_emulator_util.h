// Helpers of the Node HubSpot adapter's Read and VerifyWebhook tests
// (hubspot_node_read_test.cc): the HubSpot emulator (build/bin/
// hubspot-emulator) as a child process with a client for its control API,
// the Node adapter started directly with a gRPC stub on its port, and a
// loopback receiver that keeps the webhook deliveries it gets.
//
// Thread-safety: construction and destruction belong to one thread; the
// receiver's deliveries are guarded by its mutex.
#ifndef REVHUB_TESTS_ADAPTERS_HUBSPOT_EMULATOR_UTIL_H_
#define REVHUB_TESTS_ADAPTERS_HUBSPOT_EMULATOR_UTIL_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"
#include "tests/adapters/hubspot_node_util.h"
#include "tests/adapters/test_util.h"

namespace revhub::testing::hubspot {

// The emulator, running while this object lives. `flags` are its command
// line flags ("--token=...", "--search-cap=10").
class HubSpotEmulator {
 public:
  explicit HubSpotEmulator(const std::vector<std::string>& flags) {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::string bin = BinPath("hubspot-emulator");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      std::vector<char*> argv = {const_cast<char*>(bin.c_str())};
      for (const auto& f : flags) argv.push_back(const_cast<char*>(f.c_str()));
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    std::string line = ReadLine(out[0]);
    close(out[0]);
    REQUIRE(line.rfind("HUBSPOT-EMULATOR|127.0.0.1:", 0) == 0);
    port_ = std::stoi(line.substr(line.rfind(':') + 1));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(60, 0);
  }
  ~HubSpotEmulator() {
    close(stdin_fd_);
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  json Get(const std::string& path) {
    auto res = client_->Get(path);
    REQUIRE(res);
    INFO(path << ": " << res->body);
    REQUIRE(res->status == 200);
    return json::parse(res->body);
  }
  // POSTs a control request; returns the answer's body (null when empty).
  json Post(const std::string& path, const json& body) {
    auto res = client_->Post(path, body.dump(), "application/json");
    REQUIRE(res);
    INFO(path << ": " << res->body);
    REQUIRE(res->status / 100 == 2);
    return res->body.empty() ? json() : json::parse(res->body);
  }
  void ClearFaults() { REQUIRE(client_->Delete("/__control/faults")); }
  json Objects(const std::string& type) {
    return Get("/__control/objects?type=" + type);
  }
  json Requests() { return Get("/__control/requests"); }

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

// The Node adapter started by hand (no hub token: it serves loopback),
// with a stub for every AdapterService call.
class NodeAdapter {
 public:
  NodeAdapter() {
    pid_ = Spawn(&stdin_fd_, &stdout_fd_);
    std::string line = ReadLine(stdout_fd_);
    REQUIRE(line.rfind("REVHUB-ADAPTER|1|tcp|", 0) == 0);
    std::string address = line.substr(line.rfind('|') + 1);
    stub_ = adapter::v1::AdapterService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }
  ~NodeAdapter() {
    close(stdin_fd_);
    kill(pid_, SIGTERM);
    WaitExit(pid_);
    close(stdout_fd_);
  }
  adapter::v1::AdapterService::Stub& stub() { return *stub_; }

  adapter::v1::ReadResponse Read(const json& config,
                                 const std::string& object_type,
                                 const std::string& cursor, int page_size) {
    adapter::v1::ReadRequest req;
    req.set_system("hubspot-test");
    *req.mutable_config() = ConfigStruct(config.dump());
    req.set_object_type(object_type);
    req.set_cursor(cursor);
    req.set_page_size(page_size);
    adapter::v1::ReadResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    grpc::Status s = stub_->Read(&ctx, req, &resp);
    INFO(s.error_message());
    REQUIRE(s.ok());
    return resp;
  }
  adapter::v1::VerifyWebhookResponse Verify(
      const adapter::v1::VerifyWebhookRequest& req) {
    adapter::v1::VerifyWebhookResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->VerifyWebhook(&ctx, req, &resp);
    INFO(s.error_message());
    REQUIRE(s.ok());
    return resp;
  }
  adapter::v1::TranslationResult Translate(const adapter::v1::VendorRecord& r,
                                           const json& config) {
    adapter::v1::TranslateRequest req;
    req.set_system("hubspot-test");
    *req.mutable_config() = ConfigStruct(config.dump());
    *req.mutable_record() = r;
    adapter::v1::TranslateResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->Translate(&ctx, req, &resp);
    REQUIRE(s.ok());
    return resp.result();
  }

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::unique_ptr<adapter::v1::AdapterService::Stub> stub_;
};

// A loopback HTTP server standing in for the hub's webhook endpoint: it
// answers 200 and keeps every request as a VerifyWebhookRequest.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    server_.Post(".*",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   adapter::v1::VerifyWebhookRequest got;
                   got.set_method(req.method);
                   got.set_url(base_url() + req.target);
                   for (const auto& [name, value] : req.headers) {
                     auto* h = got.add_headers();
                     std::string lower = name;
                     for (char& c : lower)
                       c = static_cast<char>(std::tolower(c));
                     h->set_name(lower);
                     h->set_value(value);
                   }
                   got.set_body(req.body);
                   *got.mutable_received_at() =
                       google::protobuf::util::TimeUtil::GetCurrentTime();
                   std::lock_guard<std::mutex> lock(mu_);
                   received_.push_back(std::move(got));
                   res.status = 200;
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  // The last delivery. REQUIRES: one arrived.
  adapter::v1::VerifyWebhookRequest Last() {
    std::lock_guard<std::mutex> lock(mu_);
    REQUIRE_FALSE(received_.empty());
    return received_.back();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<adapter::v1::VerifyWebhookRequest> received_;
};

}  // namespace revhub::testing::hubspot

#endif  // REVHUB_TESTS_ADAPTERS_HUBSPOT_EMULATOR_UTIL_H_
