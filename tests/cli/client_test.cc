// Tests of the gRPC HubClient against an in-process gRPC server on a
// loopback port: metadata, deadlines, status codes and stream cancellation.
#include "hub/cli/client.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"

namespace revhub::cli {
namespace {

// A registry that answers GetSystem by the name asked for and remembers the
// authorization metadata it saw.
class TestRegistry final : public hubv1::SystemRegistryService::Service {
 public:
  grpc::Status GetSystem(grpc::ServerContext* context,
                         const hubv1::GetSystemRequest* request,
                         hubv1::GetSystemResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto found = context->client_metadata().find(kAuthorizationMetadataKey);
      principal_ =
          found == context->client_metadata().end()
              ? "<none>"
              : std::string(found->second.data(), found->second.size());
    }
    if (request->name() == "missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "system missing is not registered");
    }
    if (request->name() == "slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    }
    response->mutable_system()->set_name(request->name());
    return grpc::Status::OK;
  }

  std::string principal() {
    std::lock_guard<std::mutex> lock(mu_);
    return principal_;
  }

 private:
  std::mutex mu_;
  std::string principal_;
};

// An event stream that sends positions 1..10, then ends; it stops early when
// the client cancels.
class TestEvents final : public hubv1::EventService::Service {
 public:
  grpc::Status Subscribe(
      grpc::ServerContext* context, const hubv1::SubscribeRequest* request,
      grpc::ServerWriter<hubv1::SubscribeResponse>* writer) override {
    for (int64_t position = std::max<int64_t>(request->from_position(), 1);
         position <= 10 && !context->IsCancelled(); ++position) {
      hubv1::SubscribeResponse response;
      response.mutable_event()->set_position(position);
      if (!writer->Write(response)) break;
    }
    return grpc::Status::OK;
  }
};

class TestServer {
 public:
  TestServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&registry);
    builder.RegisterService(&events);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port_ > 0);
  }
  ~TestServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  TestRegistry registry;
  TestEvents events;

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_CASE("unary calls carry the bearer token and return the answer",
          "[client]") {
  TestServer server;
  HubClientOptions options;
  options.target = server.address();
  options.token = "alice-token";
  std::unique_ptr<HubClient> hub = NewGrpcHubClient(options);

  hubv1::GetSystemRequest request;
  request.set_name("sf-prod");
  absl::StatusOr<hubv1::GetSystemResponse> response = hub->GetSystem(request);
  REQUIRE(response.ok());
  CHECK(response->system().name() == "sf-prod");
  CHECK(server.registry.principal() == "Bearer alice-token");

  options.token.clear();
  REQUIRE(NewGrpcHubClient(options)->GetSystem(request).ok());
  CHECK(server.registry.principal() == "<none>");
}

TEST_CASE("the hub's status arrives with its code and message", "[client]") {
  TestServer server;
  HubClientOptions options;
  options.target = server.address();
  std::unique_ptr<HubClient> hub = NewGrpcHubClient(options);

  hubv1::GetSystemRequest request;
  request.set_name("missing");
  absl::StatusOr<hubv1::GetSystemResponse> response = hub->GetSystem(request);
  CHECK(absl::IsNotFound(response.status()));
  CHECK(response.status().message() == "system missing is not registered");

  // A service the server does not have is UNIMPLEMENTED, not UNAVAILABLE.
  CHECK(absl::IsUnimplemented(
      hub->ListCustomers(hubv1::ListCustomersRequest()).status()));
}

TEST_CASE("a call that outlives its timeout is DEADLINE_EXCEEDED", "[client]") {
  TestServer server;
  HubClientOptions options;
  options.target = server.address();
  options.call_timeout = absl::Milliseconds(200);
  hubv1::GetSystemRequest request;
  request.set_name("slow");
  auto started = std::chrono::steady_clock::now();
  absl::StatusOr<hubv1::GetSystemResponse> response =
      NewGrpcHubClient(options)->GetSystem(request);
  CHECK(absl::IsDeadlineExceeded(response.status()));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
}

TEST_CASE("an unreachable hub is UNAVAILABLE", "[client]") {
  int port = 0;
  {
    // Take a port that was free a moment ago and is closed now.
    TestServer gone;
    port = std::stoi(gone.address().substr(gone.address().rfind(':') + 1));
  }
  HubClientOptions options;
  options.target = "127.0.0.1:" + std::to_string(port);
  options.call_timeout = absl::Seconds(5);
  absl::StatusOr<hubv1::ListSystemsResponse> response =
      NewGrpcHubClient(options)->ListSystems(hubv1::ListSystemsRequest());
  CHECK(absl::IsUnavailable(response.status()));
}

TEST_CASE("Subscribe delivers in order and can be stopped", "[client]") {
  TestServer server;
  HubClientOptions options;
  options.target = server.address();
  std::unique_ptr<HubClient> hub = NewGrpcHubClient(options);

  std::vector<int64_t> seen;
  hubv1::SubscribeRequest request;
  request.set_from_position(4);
  absl::Status all = hub->Subscribe(
      request, [&seen](const hubv1::SubscribeResponse& response) {
        seen.push_back(response.event().position());
        return true;
      });
  CHECK(all.ok());
  CHECK(seen == std::vector<int64_t>{4, 5, 6, 7, 8, 9, 10});

  seen.clear();
  request.set_from_position(1);
  absl::Status stopped = hub->Subscribe(
      request, [&seen](const hubv1::SubscribeResponse& response) {
        seen.push_back(response.event().position());
        return seen.size() < 3;
      });
  CHECK(stopped.ok());
  CHECK(seen == std::vector<int64_t>{1, 2, 3});
}

}  // namespace
}  // namespace revhub::cli
