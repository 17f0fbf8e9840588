// gRPC helpers for tests: a client context with a deadline, a call that
// REQUIREs success, text-format protos, and a REQUIRE that shows a failed
// status's code and message.
//
// Thread-safety: the functions keep no state; CallOk, Text and
// REQUIRE_GRPC_OK use
// Catch2 assertions and so belong on the test's thread.
#ifndef REVHUB_TESTS_SUPPORT_RPC_H_
#define REVHUB_TESTS_SUPPORT_RPC_H_

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "google/protobuf/text_format.h"

namespace revhub::testing {

// A client context with a 10 s deadline.
inline std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

// Calls `method` of `stub` with `request` under a 10 s deadline; REQUIREs
// an OK status (REQUIRE_GRPC_OK) and returns the response.
template <typename Stub, typename Request, typename Response>
Response CallOk(Stub& stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*,
                                             const Request&, Response*),
                const Request& request);

// The message of type T that `text` (protobuf text format) describes;
// FAILs the test when it does not parse.
template <typename T>
T Text(const std::string& text) {
  T msg;
  if (!google::protobuf::TextFormat::ParseFromString(text, &msg)) {
    FAIL("bad text proto: " << text);
  }
  return msg;
}

}  // namespace revhub::testing

// REQUIREs an OK gRPC status; a failure shows its code and message.
#define REQUIRE_GRPC_OK(status)                                 \
  do {                                                          \
    const grpc::Status& require_status_ = (status);             \
    INFO("gRPC status " << require_status_.error_code() << ": " \
                        << require_status_.error_message());    \
    REQUIRE(require_status_.ok());                              \
  } while (0)

namespace revhub::testing {

template <typename Stub, typename Request, typename Response>
Response CallOk(Stub& stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*,
                                             const Request&, Response*),
                const Request& request) {
  Response response;
  REQUIRE_GRPC_OK((stub.*method)(Ctx().get(), request, &response));
  return response;
}

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_RPC_H_
