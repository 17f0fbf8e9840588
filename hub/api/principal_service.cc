// PrincipalService: principals and their tokens, through the hub's
// PrincipalRegistry (hub/auth). Only admin reaches these handlers (the
// method table); a token is in a response once and never logged.
#include "canonical/status_macros.h"
#include "hub/api/services.h"
#include "hub/auth/principal_registry.h"
#include "revhub/hub/v1/principal_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class PrincipalServiceImpl final
    : public hub::v1::PrincipalService::CallbackService {
 public:
  explicit PrincipalServiceImpl(HubContext* hub) : hub_(hub) {}

  // PrincipalService:
  ServerUnaryReactor* CreatePrincipal(
      CallbackServerContext* context,
      const hub::v1::CreatePrincipalRequest* req,
      hub::v1::CreatePrincipalResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      std::vector<std::string> systems(req->systems().begin(),
                                       req->systems().end());
      ASSIGN_OR_RETURN(
          auth::PrincipalWithToken made,
          hub_->principals->Create(req->name(), req->role(), systems));
      *resp->mutable_principal() = std::move(made.principal);
      resp->set_token(std::move(made.token));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ListPrincipals(
      CallbackServerContext* context,
      const hub::v1::ListPrincipalsRequest* /*req*/,
      hub::v1::ListPrincipalsResponse* resp) override {
    return RunUnary(hub_, context, [this, resp]() -> absl::Status {
      for (auto& p : hub_->principals->List()) {
        *resp->add_principals() = std::move(p);
      }
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* RotatePrincipalToken(
      CallbackServerContext* context,
      const hub::v1::RotatePrincipalTokenRequest* req,
      hub::v1::RotatePrincipalTokenResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->name().empty()) {
        return absl::InvalidArgumentError("name: is required");
      }
      ASSIGN_OR_RETURN(auth::PrincipalWithToken made,
                       hub_->principals->Rotate(req->name()));
      *resp->mutable_principal() = std::move(made.principal);
      resp->set_token(std::move(made.token));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* DisablePrincipal(
      CallbackServerContext* context,
      const hub::v1::DisablePrincipalRequest* req,
      hub::v1::DisablePrincipalResponse* resp) override {
    auth::Caller caller = CallerOf(context);
    return RunUnary(hub_, context, [this, req, resp, caller]() -> absl::Status {
      if (req->name().empty()) {
        return absl::InvalidArgumentError("name: is required");
      }
      if (req->name() == caller.principal) {
        return absl::FailedPreconditionError(
            "name: a principal cannot disable itself (another admin must)");
      }
      ASSIGN_OR_RETURN(*resp->mutable_principal(),
                       hub_->principals->Disable(req->name()));
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewPrincipalService(HubContext* hub) {
  return std::make_unique<PrincipalServiceImpl>(hub);
}

}  // namespace revhub::hub
