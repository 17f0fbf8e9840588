// Tests that the gRPC HubClient reaches WorkflowService,
// ContractLifecycleService and ExceptionService method by method, with the
// token, against an in-process gRPC server on a loopback port.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "hub/cli/client.h"
#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"

namespace revhub::cli {
namespace {

// Remembers which method was called and by whom.
class CallLog {
 public:
  void Record(grpc::ServerContext* context, const std::string& method) {
    auto found = context->client_metadata().find(kAuthorizationMetadataKey);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(
        method + " by " +
        (found == context->client_metadata().end()
             ? std::string("<none>")
             : std::string(found->second.data(), found->second.size())));
  }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> calls_;
};

class Workflows final : public hubv1::WorkflowService::Service {
 public:
  explicit Workflows(CallLog& log) : log_(log) {}
  grpc::Status GetWorkflow(grpc::ServerContext* context,
                           const hubv1::GetWorkflowRequest* request,
                           hubv1::GetWorkflowResponse* response) override {
    log_.Record(context, "GetWorkflow");
    if (request->workflow_id() == "wf_404") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no workflow wf_404");
    }
    response->mutable_workflow()->set_workflow_id(request->workflow_id());
    return grpc::Status::OK;
  }
  grpc::Status ListWorkflows(grpc::ServerContext* context,
                             const hubv1::ListWorkflowsRequest* request,
                             hubv1::ListWorkflowsResponse* response) override {
    log_.Record(context, "ListWorkflows");
    response->add_workflows()->set_contract_id(request->contract_id());
    return grpc::Status::OK;
  }

 private:
  CallLog& log_;
};

class Lifecycle final : public hubv1::ContractLifecycleService::Service {
 public:
  explicit Lifecycle(CallLog& log) : log_(log) {}
  grpc::Status BookContract(grpc::ServerContext* context,
                            const hubv1::BookContractRequest* request,
                            hubv1::BookContractResponse* response) override {
    log_.Record(context, "BookContract");
    response->set_workflow_id("wf_1");
    *response->mutable_contract() = request->contract();
    return grpc::Status::OK;
  }
  grpc::Status AmendContract(grpc::ServerContext* context,
                             const hubv1::AmendContractRequest* request,
                             hubv1::AmendContractResponse* response) override {
    log_.Record(context, "AmendContract");
    if (request->expected_version() == 1) {
      return grpc::Status(grpc::StatusCode::ABORTED,
                          "contract ctr_1 is at version 2, not 1");
    }
    response->set_workflow_id("wf_2");
    return grpc::Status::OK;
  }
  grpc::Status RenewContract(grpc::ServerContext* context,
                             const hubv1::RenewContractRequest* request,
                             hubv1::RenewContractResponse* response) override {
    log_.Record(context, "RenewContract");
    response->set_workflow_id("wf_3");
    response->mutable_contract()->set_renewal_of_contract_id(
        request->contract_id());
    return grpc::Status::OK;
  }
  grpc::Status CancelContract(
      grpc::ServerContext* context, const hubv1::CancelContractRequest* request,
      hubv1::CancelContractResponse* response) override {
    log_.Record(context, "CancelContract");
    response->set_workflow_id("wf_4");
    response->mutable_contract()->set_change_reason(request->reason());
    return grpc::Status::OK;
  }

 private:
  CallLog& log_;
};

class Exceptions final : public hubv1::ExceptionService::Service {
 public:
  explicit Exceptions(CallLog& log) : log_(log) {}
#define REVHUB_ECHO_EXCEPTION(Method)                                         \
  grpc::Status Method(grpc::ServerContext* context,                           \
                      const hubv1::Method##Request* request,                  \
                      hubv1::Method##Response* response) override {           \
    log_.Record(context, #Method);                                            \
    response->mutable_exception()->set_exception_id(request->exception_id()); \
    return grpc::Status::OK;                                                  \
  }
  REVHUB_ECHO_EXCEPTION(GetException)
  REVHUB_ECHO_EXCEPTION(AssignException)
  REVHUB_ECHO_EXCEPTION(RetryException)
  REVHUB_ECHO_EXCEPTION(ReplayException)
  REVHUB_ECHO_EXCEPTION(ResolveException)
#undef REVHUB_ECHO_EXCEPTION
  grpc::Status ListExceptions(
      grpc::ServerContext* context, const hubv1::ListExceptionsRequest* request,
      hubv1::ListExceptionsResponse* response) override {
    log_.Record(context, "ListExceptions");
    response->add_exceptions()->set_owner(request->owner());
    return grpc::Status::OK;
  }

 private:
  CallLog& log_;
};

TEST_CASE("the client reaches every orchestration RPC", "[client]") {
  CallLog log;
  Workflows workflows(log);
  Lifecycle lifecycle(log);
  Exceptions exceptions(log);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&workflows);
  builder.RegisterService(&lifecycle);
  builder.RegisterService(&exceptions);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);

  HubClientOptions options;
  options.target = "127.0.0.1:" + std::to_string(port);
  options.token = "carol-token";
  std::unique_ptr<HubClient> hub = NewGrpcHubClient(options);

  hubv1::GetWorkflowRequest get_wf;
  get_wf.set_workflow_id("wf_9");
  CHECK(hub->GetWorkflow(get_wf)->workflow().workflow_id() == "wf_9");
  get_wf.set_workflow_id("wf_404");
  absl::StatusOr<hubv1::GetWorkflowResponse> missing = hub->GetWorkflow(get_wf);
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(missing.status().message() == "no workflow wf_404");
  hubv1::ListWorkflowsRequest list_wf;
  list_wf.set_contract_id("ctr_1");
  CHECK(hub->ListWorkflows(list_wf)->workflows(0).contract_id() == "ctr_1");

  hubv1::BookContractRequest book;
  book.mutable_contract()->set_customer_id("cus_1");
  absl::StatusOr<hubv1::BookContractResponse> booked = hub->BookContract(book);
  REQUIRE(booked.ok());
  CHECK(booked->workflow_id() == "wf_1");
  CHECK(booked->contract().customer_id() == "cus_1");
  hubv1::AmendContractRequest amend;
  amend.set_expected_version(1);
  CHECK(absl::IsAborted(hub->AmendContract(amend).status()));
  amend.set_expected_version(2);
  CHECK(hub->AmendContract(amend)->workflow_id() == "wf_2");
  hubv1::RenewContractRequest renew;
  renew.set_contract_id("ctr_1");
  CHECK(hub->RenewContract(renew)->contract().renewal_of_contract_id() ==
        "ctr_1");
  hubv1::CancelContractRequest cancel;
  cancel.set_reason("churn");
  CHECK(hub->CancelContract(cancel)->contract().change_reason() == "churn");

  hubv1::ListExceptionsRequest list_ex;
  list_ex.set_owner("finance-ops");
  CHECK(hub->ListExceptions(list_ex)->exceptions(0).owner() == "finance-ops");
  hubv1::GetExceptionRequest get_ex;
  get_ex.set_exception_id(5);
  CHECK(hub->GetException(get_ex)->exception().exception_id() == 5);
  hubv1::AssignExceptionRequest assign;
  assign.set_exception_id(6);
  CHECK(hub->AssignException(assign)->exception().exception_id() == 6);
  hubv1::RetryExceptionRequest retry;
  retry.set_exception_id(7);
  CHECK(hub->RetryException(retry)->exception().exception_id() == 7);
  hubv1::ReplayExceptionRequest replay;
  replay.set_exception_id(8);
  CHECK(hub->ReplayException(replay)->exception().exception_id() == 8);
  hubv1::ResolveExceptionRequest resolve;
  resolve.set_exception_id(9);
  CHECK(hub->ResolveException(resolve)->exception().exception_id() == 9);

  CHECK(log.calls() == std::vector<std::string>{
                           "GetWorkflow by Bearer carol-token",
                           "GetWorkflow by Bearer carol-token",
                           "ListWorkflows by Bearer carol-token",
                           "BookContract by Bearer carol-token",
                           "AmendContract by Bearer carol-token",
                           "AmendContract by Bearer carol-token",
                           "RenewContract by Bearer carol-token",
                           "CancelContract by Bearer carol-token",
                           "ListExceptions by Bearer carol-token",
                           "GetException by Bearer carol-token",
                           "AssignException by Bearer carol-token",
                           "RetryException by Bearer carol-token",
                           "ReplayException by Bearer carol-token",
                           "ResolveException by Bearer carol-token",
                       });
  server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace revhub::cli
