// ContractLifecycleService: book, amend, renew and cancel a contract; each
// stores the change and starts its workflow in one transaction.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/services.h"
#include "hub/common/util.h"
#include "hub/entities/entity_ops.h"
#include "hub/orchestration/orchestrator.h"
#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using cv1::Contract;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

absl::Status CheckKey(const std::string& key) {
  if (key.size() > 256) {
    return absl::InvalidArgumentError(
        "idempotency_key: must be at most 256 characters");
  }
  return absl::OkStatus();
}

// Runs one lifecycle change: `write` stores the contract and starts the
// workflow inside the transaction; the idempotency key (if any) makes a
// repeat answer the first answer.
template <typename Request, typename Response>
absl::Status RunLifecycle(
    HubContext* hub, const char* scope, const Request& req, Response* resp,
    const std::function<absl::Status(WriteTxn&, Response*)>& write) {
  RETURN_IF_ERROR(CheckKey(req.idempotency_key()));
  const std::string hash = Sha256Hex(DeterministicBytes(req));
  absl::Status written = hub->store->Write([&](WriteTxn& txn) {
    bool replayed = false;
    return RunIdempotent(txn, scope, req.idempotency_key(), hash, "request",
                         resp, &replayed, [&] { return write(txn, resp); });
  });
  if (!written.ok()) return written;
  if (hub->orchestrator != nullptr) hub->orchestrator->Notify();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Contract>> CurrentContract(WriteTxn& txn,
                                                        const std::string& id) {
  if (id.empty()) return std::optional<Contract>();
  ASSIGN_OR_RETURN(auto stored,
                   txn.GetCurrentEntity(cv1::ENTITY_TYPE_CONTRACT, id));
  if (!stored.has_value()) return std::optional<Contract>();
  ASSIGN_OR_RETURN(Contract c, ParseEntity<Contract>(*stored));
  return std::optional<Contract>(std::move(c));
}

// Stores `contract` and starts the workflow of `kind` for its new version.
absl::StatusOr<std::pair<std::string, Contract>> WriteAndStart(
    WriteTxn& txn, const Contract& contract, std::optional<int64_t> expected,
    hub::v1::WorkflowKind kind, const char* rpc, const std::string& principal,
    bool credit_unused) {
  RETURN_IF_ERROR(EntityTraits<Contract>::Validate(contract));
  UpsertArgs args;
  args.expected_version = expected;
  args.ctx.principal = principal;
  ASSIGN_OR_RETURN(auto result, UpsertEntityInTxn(txn, contract, args));
  if (!result.changed) {
    return absl::FailedPreconditionError(
        absl::StrCat("contract: the contract already is as given (version ",
                     result.entity.version(), "); nothing to ", rpc));
  }
  WorkflowStart start;
  start.kind = kind;
  start.contract_id = result.entity.id();
  start.contract_version = result.entity.version();
  start.trigger_event_position = result.event_position;
  start.trigger = absl::StrCat(rpc, " by ", principal);
  start.trigger_key =
      ContractTriggerKey(kind, result.entity.id(), result.entity.version());
  start.principal = principal;
  start.credit_unused_portion = credit_unused;
  ASSIGN_OR_RETURN(hub::v1::Workflow wf, StartWorkflowInTxn(txn, start));
  return std::make_pair(wf.workflow_id(), std::move(result.entity));
}

absl::Status RequireClean(const Contract& c) {
  if (c.version() != 0 || c.has_recorded_at()) {
    return absl::InvalidArgumentError(
        "contract.version: version and recorded_at are assigned by the hub; "
        "use expected_version to guard a change");
  }
  return absl::OkStatus();
}

class ContractLifecycleServiceImpl final
    : public hub::v1::ContractLifecycleService::CallbackService {
 public:
  explicit ContractLifecycleServiceImpl(HubContext* hub) : hub_(hub) {}

  ServerUnaryReactor* BookContract(
      CallbackServerContext* context, const hub::v1::BookContractRequest* req,
      hub::v1::BookContractResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      Contract c = req->contract();
      RETURN_IF_ERROR(RequireClean(c));
      if (c.status() != cv1::CONTRACT_STATUS_UNSPECIFIED &&
          c.status() != cv1::CONTRACT_STATUS_ACTIVE) {
        return absl::InvalidArgumentError(
            "contract.status: a booked contract is ACTIVE (or leave it "
            "unset)");
      }
      c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
      if (!c.renewal_of_contract_id().empty()) {
        return absl::InvalidArgumentError(
            "contract.renewal_of_contract_id: book a renewal with "
            "RenewContract");
      }
      using Resp = hub::v1::BookContractResponse;
      return RunLifecycle<hub::v1::BookContractRequest, Resp>(
          hub_, "lifecycle.book", *req, resp,
          [&](WriteTxn& txn, Resp* out) -> absl::Status {
            ASSIGN_OR_RETURN(auto current, CurrentContract(txn, c.id()));
            if (current.has_value() &&
                current->status() != cv1::CONTRACT_STATUS_DRAFT) {
              return absl::FailedPreconditionError(
                  absl::StrCat("contract.id: ", c.id(), " is already ",
                               cv1::ContractStatus_Name(current->status()),
                               "; change it with AmendContract"));
            }
            ASSIGN_OR_RETURN(auto started,
                             WriteAndStart(txn, c, std::nullopt,
                                           hub::v1::WORKFLOW_KIND_BOOKING,
                                           "BookContract", principal, false));
            out->set_workflow_id(started.first);
            *out->mutable_contract() = std::move(started.second);
            return absl::OkStatus();
          });
    });
  }

  ServerUnaryReactor* AmendContract(
      CallbackServerContext* context, const hub::v1::AmendContractRequest* req,
      hub::v1::AmendContractResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      Contract c = req->contract();
      RETURN_IF_ERROR(RequireClean(c));
      if (c.id().empty()) {
        return absl::InvalidArgumentError(
            "contract.id: required (the contract to amend)");
      }
      if (c.status() != cv1::CONTRACT_STATUS_UNSPECIFIED &&
          c.status() != cv1::CONTRACT_STATUS_ACTIVE) {
        return absl::InvalidArgumentError(
            "contract.status: an amended contract stays ACTIVE (cancel with "
            "CancelContract)");
      }
      c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
      if (req->expected_version() < 0) {
        return absl::InvalidArgumentError(
            "expected_version: must not be negative");
      }
      using Resp = hub::v1::AmendContractResponse;
      return RunLifecycle<hub::v1::AmendContractRequest, Resp>(
          hub_, "lifecycle.amend", *req, resp,
          [&](WriteTxn& txn, Resp* out) -> absl::Status {
            ASSIGN_OR_RETURN(auto current, CurrentContract(txn, c.id()));
            if (!current.has_value()) {
              return absl::NotFoundError(
                  absl::StrCat("contract.id: no contract ", c.id()));
            }
            if (current->status() != cv1::CONTRACT_STATUS_ACTIVE) {
              return absl::FailedPreconditionError(
                  absl::StrCat("contract.id: ", c.id(), " is ",
                               cv1::ContractStatus_Name(current->status()),
                               "; only an ACTIVE contract can be amended"));
            }
            std::optional<int64_t> expected;
            if (req->expected_version() > 0) expected = req->expected_version();
            ASSIGN_OR_RETURN(auto started,
                             WriteAndStart(txn, c, expected,
                                           hub::v1::WORKFLOW_KIND_AMENDMENT,
                                           "AmendContract", principal, false));
            out->set_workflow_id(started.first);
            *out->mutable_contract() = std::move(started.second);
            return absl::OkStatus();
          });
    });
  }

  ServerUnaryReactor* RenewContract(
      CallbackServerContext* context, const hub::v1::RenewContractRequest* req,
      hub::v1::RenewContractResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      if (req->contract_id().empty()) {
        return absl::InvalidArgumentError(
            "contract_id: required (the contract renewed)");
      }
      Contract c = req->renewal();
      RETURN_IF_ERROR(RequireClean(c));
      if (c.id() == req->contract_id()) {
        return absl::InvalidArgumentError(
            "renewal.id: the renewal is a new contract; leave id empty or "
            "give a new one");
      }
      using Resp = hub::v1::RenewContractResponse;
      return RunLifecycle<hub::v1::RenewContractRequest, Resp>(
          hub_, "lifecycle.renew", *req, resp,
          [&](WriteTxn& txn, Resp* out) -> absl::Status {
            ASSIGN_OR_RETURN(auto renewed,
                             CurrentContract(txn, req->contract_id()));
            if (!renewed.has_value()) {
              return absl::NotFoundError(absl::StrCat(
                  "contract_id: no contract ", req->contract_id()));
            }
            if (renewed->status() != cv1::CONTRACT_STATUS_ACTIVE &&
                renewed->status() != cv1::CONTRACT_STATUS_EXPIRED) {
              return absl::FailedPreconditionError(absl::StrCat(
                  "contract_id: ", req->contract_id(), " is ",
                  cv1::ContractStatus_Name(renewed->status()),
                  "; only an ACTIVE or EXPIRED contract can be renewed"));
            }
            Contract renewal = c;
            if (renewal.customer_id().empty())
              renewal.set_customer_id(renewed->customer_id());
            if (renewal.currency_code().empty())
              renewal.set_currency_code(renewed->currency_code());
            if (renewal.legal_entity().empty())
              renewal.set_legal_entity(renewed->legal_entity());
            renewal.set_renewal_of_contract_id(req->contract_id());
            renewal.set_status(cv1::CONTRACT_STATUS_ACTIVE);
            ASSIGN_OR_RETURN(auto current, CurrentContract(txn, renewal.id()));
            if (current.has_value() &&
                current->status() != cv1::CONTRACT_STATUS_DRAFT) {
              return absl::FailedPreconditionError(
                  absl::StrCat("renewal.id: ", renewal.id(), " is already ",
                               cv1::ContractStatus_Name(current->status())));
            }
            ASSIGN_OR_RETURN(auto started,
                             WriteAndStart(txn, renewal, std::nullopt,
                                           hub::v1::WORKFLOW_KIND_RENEWAL,
                                           "RenewContract", principal, false));
            out->set_workflow_id(started.first);
            *out->mutable_contract() = std::move(started.second);
            return absl::OkStatus();
          });
    });
  }

  ServerUnaryReactor* CancelContract(
      CallbackServerContext* context, const hub::v1::CancelContractRequest* req,
      hub::v1::CancelContractResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      if (req->contract_id().empty())
        return absl::InvalidArgumentError("contract_id: required");
      if (!req->has_cancelled_at())
        return absl::InvalidArgumentError(
            "cancelled_at: required (when the cancellation takes effect)");
      if (req->reason().empty())
        return absl::InvalidArgumentError("reason: required");
      if (req->expected_version() < 0) {
        return absl::InvalidArgumentError(
            "expected_version: must not be negative");
      }
      const bool credit =
          req->credit() == hub::v1::CANCELLATION_CREDIT_UNUSED_PORTION;
      using Resp = hub::v1::CancelContractResponse;
      return RunLifecycle<hub::v1::CancelContractRequest, Resp>(
          hub_, "lifecycle.cancel", *req, resp,
          [&](WriteTxn& txn, Resp* out) -> absl::Status {
            ASSIGN_OR_RETURN(auto current,
                             CurrentContract(txn, req->contract_id()));
            if (!current.has_value()) {
              return absl::NotFoundError(absl::StrCat(
                  "contract_id: no contract ", req->contract_id()));
            }
            if (current->status() != cv1::CONTRACT_STATUS_ACTIVE) {
              return absl::FailedPreconditionError(
                  absl::StrCat("contract_id: ", req->contract_id(), " is ",
                               cv1::ContractStatus_Name(current->status()),
                               "; only an ACTIVE contract can be cancelled"));
            }
            Contract c = *current;
            c.clear_version();
            c.clear_recorded_at();
            c.set_status(cv1::CONTRACT_STATUS_CANCELLED);
            *c.mutable_cancelled_at() = req->cancelled_at();
            c.set_change_reason(req->reason());
            (*c.mutable_attributes())["cancellation_credit"] =
                credit ? "UNUSED_PORTION" : "NONE";
            std::optional<int64_t> expected;
            if (req->expected_version() > 0) expected = req->expected_version();
            ASSIGN_OR_RETURN(
                auto started,
                WriteAndStart(txn, c, expected,
                              hub::v1::WORKFLOW_KIND_CANCELLATION,
                              "CancelContract", principal, credit));
            out->set_workflow_id(started.first);
            *out->mutable_contract() = std::move(started.second);
            return absl::OkStatus();
          });
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewContractLifecycleService(HubContext* hub) {
  return std::make_unique<ContractLifecycleServiceImpl>(hub);
}

}  // namespace revhub::hub
