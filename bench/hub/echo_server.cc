#include "bench/hub/echo_server.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace revhub::bench {
namespace {

// One call: read the request, write the same buffer back and finish.
class EchoReactor : public grpc::ServerGenericBidiReactor {
 public:
  EchoReactor() { StartRead(&buffer_); }

  // grpc::ServerGenericBidiReactor
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "echo: the call carried no request message"));
      return;
    }
    StartWriteAndFinish(&buffer_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer buffer_;
};

}  // namespace

grpc::ServerGenericBidiReactor* EchoServer::Service::CreateReactor(
    grpc::GenericCallbackServerContext* /*ctx*/) {
  return new EchoReactor;
}

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start() {
  std::unique_ptr<EchoServer> echo(new EchoServer);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterCallbackGenericService(&echo->service_);
  echo->server_ = builder.BuildAndStart();
  if (echo->server_ == nullptr || port == 0) {
    return absl::UnavailableError(
        "echo server: gRPC could not listen on 127.0.0.1:0");
  }
  echo->address_ = absl::StrCat("127.0.0.1:", port);
  return echo;
}

EchoServer::~EchoServer() {
  if (server_ != nullptr) server_->Shutdown();
}

std::shared_ptr<grpc::Channel> EchoServer::Channel(int index) const {
  return SeparateChannel(address_, index);
}

std::shared_ptr<grpc::Channel> SeparateChannel(const std::string& address,
                                               int index) {
  grpc::ChannelArguments args;
  // A distinct argument and a local subchannel pool: gRPC would otherwise
  // hand every channel to the same address one shared connection.
  args.SetInt("revhub.bench.connection", index);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

}  // namespace revhub::bench
