// ReconciliationService: the reconciler (hub/reconciliation/reconciler.h)
// behind gRPC.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/reconciliation/reconciler.h"
#include "revhub/hub/v1/reconciliation_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;
namespace v1 = ::revhub::hub::v1;

class ReconciliationServiceImpl final
    : public v1::ReconciliationService::CallbackService {
 public:
  explicit ReconciliationServiceImpl(HubContext* hub)
      : hub_(hub),
        reconciler_(hub->store, hub->adapters,
                    hub->orchestrator != nullptr
                        ? static_cast<const ExceptionRouting*>(
                              &hub->orchestrator->config())
                        : &default_routing_,
                    [hub] {
                      if (hub->orchestrator != nullptr)
                        hub->orchestrator->Notify();
                    }) {}

  ServerUnaryReactor* RunReconciliation(
      CallbackServerContext* context, const v1::RunReconciliationRequest* req,
      v1::RunReconciliationResponse* resp) override {
    return RunUnary(
        hub_, context, [this, context, req, resp]() -> absl::Status {
          ASSIGN_OR_RETURN(*resp->mutable_report(),
                           reconciler_.Run(*req, PrincipalOf(context)));
          return absl::OkStatus();
        });
  }

  ServerUnaryReactor* GetReconciliation(
      CallbackServerContext* context, const v1::GetReconciliationRequest* req,
      v1::GetReconciliationResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(*resp->mutable_report(),
                       reconciler_.Get(req->period(), req->legal_entity()));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ListVariances(CallbackServerContext* context,
                                    const v1::ListVariancesRequest* req,
                                    v1::ListVariancesResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      VarianceQuery q;
      q.period = req->period();
      q.state = req->state();
      q.category = req->category();
      q.page_size = req->page_size() == 0 ? 100 : req->page_size();
      q.page_token = req->page_token();
      ASSIGN_OR_RETURN(VariancePage page, hub_->store->ListVariances(q));
      for (auto& v : page.variances) *resp->add_variances() = std::move(v);
      resp->set_next_page_token(page.next_page_token);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* AcceptVariance(
      CallbackServerContext* context, const v1::AcceptVarianceRequest* req,
      v1::AcceptVarianceResponse* resp) override {
    return RunUnary(
        hub_, context, [this, context, req, resp]() -> absl::Status {
          ASSIGN_OR_RETURN(*resp->mutable_variance(),
                           reconciler_.Accept(req->variance_id(), req->reason(),
                                              PrincipalOf(context)));
          return absl::OkStatus();
        });
  }

  ServerUnaryReactor* RedeliverVariance(
      CallbackServerContext* context, const v1::RedeliverVarianceRequest* req,
      v1::RedeliverVarianceResponse* resp) override {
    return RunUnary(
        hub_, context, [this, context, req, resp]() -> absl::Status {
          ASSIGN_OR_RETURN(
              *resp, reconciler_.Redeliver(req->variance_id(), req->note(),
                                           PrincipalOf(context)));
          return absl::OkStatus();
        });
  }

 private:
  HubContext* hub_;
  ExceptionRouting default_routing_;
  Reconciler reconciler_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewReconciliationService(HubContext* hub) {
  return std::make_unique<ReconciliationServiceImpl>(hub);
}

}  // namespace revhub::hub
