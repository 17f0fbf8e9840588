#include "tests/support/auth.h"

#include <grpcpp/support/client_interceptor.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <utility>

#include "revhub/hub/v1/principal_service.grpc.pb.h"

namespace revhub::testing {
namespace {

// Adds `authorization: Bearer <token>` to every call's initial metadata,
// unless the call sets its own.
class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string value) : value_(std::move(value)) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      // A call that names its own credential keeps it.
      auto* metadata = methods->GetSendInitialMetadata();
      if (metadata->find("authorization") == metadata->end()) {
        metadata->insert({"authorization", value_});
      }
    }
    methods->Proceed();
  }

 private:
  std::string value_;
};

class BearerInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(const std::string& token)
      : value_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new BearerInterceptor(value_);
  }

 private:
  std::string value_;
};

}  // namespace

std::shared_ptr<grpc::Channel> TokenChannel(
    const std::string& address, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!token.empty()) {
    interceptors.push_back(std::make_unique<BearerInterceptorFactory>(token));
  }
  // Default channel arguments, as grpc::CreateChannel has.
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials, grpc::ChannelArguments(), std::move(interceptors));
}

std::string ReadAdminToken(const std::string& data_dir) {
  std::ifstream file(data_dir + "/admin.token");
  std::string token;
  std::getline(file, token);
  return token;
}

std::string CreatePrincipal(const std::shared_ptr<grpc::Channel>& admin_channel,
                            const std::string& name, hub::v1::Role role,
                            const std::vector<std::string>& systems) {
  auto stub = hub::v1::PrincipalService::NewStub(admin_channel);
  hub::v1::CreatePrincipalRequest req;
  req.set_name(name);
  req.set_role(role);
  for (const std::string& s : systems) req.add_systems(s);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  hub::v1::CreatePrincipalResponse resp;
  const grpc::Status status = stub->CreatePrincipal(&ctx, req, &resp);
  if (!status.ok()) {
    throw std::runtime_error("CreatePrincipal " + name + ": " +
                             std::to_string(status.error_code()) + " " +
                             status.error_message());
  }
  return resp.token();
}

}  // namespace revhub::testing
