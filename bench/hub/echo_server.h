// EchoServer: the floor a unary gRPC call sets, measured beside the hub.
//
// A gRPC server inside the benchmark's own process, on 127.0.0.1:0, that
// answers every call, whatever its method, with the bytes of the request it
// received. It has no service definition (grpc::CallbackGenericService), so
// a bench sends it the very message it sends revhubd (an IngestRequest, an
// UpsertCustomerRequest) and gets the same bytes back: what is left of a
// revhubd call once the transport is taken away is what the hub does.
//
// A client calls it with grpc::TemplatedGenericStub<Req, Req> and any method
// name (EchoServer::kMethod), e.g.
//   grpc::TemplatedGenericStub<v1::IngestRequest, v1::IngestRequest> stub(
//       echo->Channel());
//   stub.UnaryCall(&ctx, EchoServer::kMethod, {}, &req, &copy, on_done);
//
// Thread-safety: Start() and the destructor belong to one thread; the
// server answers calls on gRPC's own threads.
#ifndef REVHUB_BENCH_HUB_ECHO_SERVER_H_
#define REVHUB_BENCH_HUB_ECHO_SERVER_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace revhub::bench {

class EchoServer {
 public:
  // The method name benches call; the server answers any other name too.
  static constexpr char kMethod[] = "/revhub.bench.Echo/Echo";

  // Starts a server on 127.0.0.1:0. Returns UNAVAILABLE when gRPC cannot
  // bind. The caller owns the server; destroying it shuts it down (calls
  // in flight are cancelled).
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start();
  ~EchoServer();

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  // A new channel to the server with its own connection (channels made by
  // separate calls share no HTTP/2 connection). `index` tells them apart.
  std::shared_ptr<grpc::Channel> Channel(int index = 0) const;

 private:
  EchoServer() = default;

  // Answers a call with its first message: reads it, writes it back, ends
  // the call OK (INVALID_ARGUMENT when the client sent none).
  class Service : public grpc::CallbackGenericService {
   public:
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* ctx) override;
  };

  Service service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

// A channel to `address` with its own connection; `index` tells channels to
// the same address apart (gRPC otherwise shares one subchannel among them).
std::shared_ptr<grpc::Channel> SeparateChannel(const std::string& address,
                                               int index);

}  // namespace revhub::bench

#endif  // REVHUB_BENCH_HUB_ECHO_SERVER_H_
