// WorkflowService: workflows with their steps, read from the store.
#include "canonical/status_macros.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

hub::v1::Workflow WithoutPayloads(hub::v1::Workflow wf) {
  for (auto& s : *wf.mutable_steps()) s.clear_payload();
  return wf;
}

class WorkflowServiceImpl final
    : public hub::v1::WorkflowService::CallbackService {
 public:
  explicit WorkflowServiceImpl(HubContext* hub) : hub_(hub) {}

  ServerUnaryReactor* GetWorkflow(CallbackServerContext* context,
                                  const hub::v1::GetWorkflowRequest* req,
                                  hub::v1::GetWorkflowResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->workflow_id().empty())
        return absl::InvalidArgumentError("workflow_id: required");
      ASSIGN_OR_RETURN(auto wf, hub_->store->GetWorkflow(req->workflow_id()));
      if (!wf.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("workflow_id: no workflow ", req->workflow_id()));
      }
      *resp->mutable_workflow() = std::move(*wf);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ListWorkflows(
      CallbackServerContext* context, const hub::v1::ListWorkflowsRequest* req,
      hub::v1::ListWorkflowsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      WorkflowQuery q;
      q.contract_id = req->contract_id();
      q.state = req->state();
      q.kind = req->kind();
      q.page_size = req->page_size() == 0 ? 100 : req->page_size();
      q.page_token = req->page_token();
      ASSIGN_OR_RETURN(WorkflowPage page, hub_->store->ListWorkflows(q));
      for (auto& wf : page.workflows) {
        *resp->add_workflows() = req->omit_payloads()
                                     ? WithoutPayloads(std::move(wf))
                                     : std::move(wf);
      }
      resp->set_next_page_token(page.next_page_token);
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewWorkflowService(HubContext* hub) {
  return std::make_unique<WorkflowServiceImpl>(hub);
}

}  // namespace revhub::hub
