// ContractLifecycleService, WorkflowService and ExceptionService.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/api/services.h"
#include "hub/common/util.h"
#include "hub/entities/entity_ops.h"
#include "hub/exceptions/exceptions.h"
#include "hub/ingest/pipeline.h"
#include "hub/orchestration/orchestrator.h"
#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using cv1::Contract;
using google::protobuf::util::TimeUtil;
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

class ExceptionServiceImpl final
    : public hub::v1::ExceptionService::CallbackService {
 public:
  explicit ExceptionServiceImpl(HubContext* hub) : hub_(hub) {}

  ServerUnaryReactor* ListExceptions(
      CallbackServerContext* context, const hub::v1::ListExceptionsRequest* req,
      hub::v1::ListExceptionsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      const absl::Time now = absl::Now();
      ExceptionQuery q;
      q.system = req->system();
      q.category = req->category();
      q.kind = req->kind();
      q.owner = req->owner();
      q.contract_id = req->contract_id();
      q.workflow_id = req->workflow_id();
      q.include_resolved = req->include_resolved();
      if (req->has_min_age()) {
        if (TimeUtil::DurationToMicroseconds(req->min_age()) < 0) {
          return absl::InvalidArgumentError("min_age: must not be negative");
        }
        q.created_before =
            now - absl::Microseconds(
                      TimeUtil::DurationToMicroseconds(req->min_age()));
      }
      q.page_size = req->page_size() == 0 ? 100 : req->page_size();
      q.page_token = req->page_token();
      // The SLA state depends on the time of the call: filter after.
      while (true) {
        ASSIGN_OR_RETURN(ExceptionPage page, hub_->store->ListExceptions(q));
        for (auto& e : page.exceptions) {
          DescribeAge(now, &e);
          if (req->sla_state() != hub::v1::SLA_STATE_UNSPECIFIED &&
              e.sla_state() != req->sla_state()) {
            continue;
          }
          *resp->add_exceptions() = std::move(e);
        }
        resp->set_next_page_token(page.next_page_token);
        if (resp->exceptions_size() > 0 || page.next_page_token.empty()) break;
        q.page_token = page.next_page_token;
      }
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* GetException(
      CallbackServerContext* context, const hub::v1::GetExceptionRequest* req,
      hub::v1::GetExceptionResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->exception_id() <= 0)
        return absl::InvalidArgumentError("exception_id: must be positive");
      ASSIGN_OR_RETURN(auto e, hub_->store->GetException(req->exception_id()));
      if (!e.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("exception_id: no exception ", req->exception_id()));
      }
      DescribeAge(absl::Now(), &*e);
      if (e->record_id() != 0) {
        ASSIGN_OR_RETURN(auto record,
                         hub_->store->GetRawRecord(e->record_id()));
        if (record.has_value()) *resp->mutable_record() = std::move(*record);
      }
      if (!e->workflow_id().empty()) {
        ASSIGN_OR_RETURN(auto wf, hub_->store->GetWorkflow(e->workflow_id()));
        if (wf.has_value()) *resp->mutable_workflow() = std::move(*wf);
      }
      *resp->mutable_exception() = std::move(*e);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* AssignException(
      CallbackServerContext* context,
      const hub::v1::AssignExceptionRequest* req,
      hub::v1::AssignExceptionResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      RETURN_IF_ERROR(Ready(req->exception_id()));
      ASSIGN_OR_RETURN(
          *resp->mutable_exception(),
          hub_->orchestrator->Assign(req->exception_id(), req->owner(),
                                     req->note(), principal));
      DescribeAge(absl::Now(), resp->mutable_exception());
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* RetryException(
      CallbackServerContext* context, const hub::v1::RetryExceptionRequest* req,
      hub::v1::RetryExceptionResponse* resp) override {
    return Rerun(context, req->exception_id(), req->note(),
                 resp->mutable_exception(), /*replay=*/false);
  }

  ServerUnaryReactor* ReplayException(
      CallbackServerContext* context,
      const hub::v1::ReplayExceptionRequest* req,
      hub::v1::ReplayExceptionResponse* resp) override {
    return Rerun(context, req->exception_id(), req->note(),
                 resp->mutable_exception(), /*replay=*/true);
  }

  ServerUnaryReactor* ResolveException(
      CallbackServerContext* context,
      const hub::v1::ResolveExceptionRequest* req,
      hub::v1::ResolveExceptionResponse* resp) override {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      RETURN_IF_ERROR(Ready(req->exception_id()));
      ASSIGN_OR_RETURN(*resp->mutable_exception(),
                       hub_->orchestrator->Resolve(req->exception_id(),
                                                   req->reason(), principal));
      return absl::OkStatus();
    });
  }

 private:
  // Retry (replay=false) or replay an exception's failed work.
  ServerUnaryReactor* Rerun(CallbackServerContext* context,
                            int64_t exception_id, const std::string& note,
                            hub::v1::Exception* out, bool replay) {
    std::string principal = PrincipalOf(context);
    return RunUnary(hub_, context, [=, this]() -> absl::Status {
      RETURN_IF_ERROR(Ready(exception_id));
      ASSIGN_OR_RETURN(*out, hub_->orchestrator->Retry(exception_id, note,
                                                       principal, replay));
      if (out->record_id() == 0) return absl::OkStatus();
      return ReplayRecord(exception_id, out->record_id(), out);
    });
  }

  // A RECORD_REJECTED exception: runs its record through the ingest
  // pipeline again, whose transaction resolves the exception when the
  // record applies or reopens it when it fails; *out is the exception after.
  // Done here, where both libraries meet, so that orchestration does not
  // depend on the ingest pipeline.
  absl::Status ReplayRecord(int64_t exception_id, int64_t record_id,
                            hub::v1::Exception* out) {
    if (hub_->pipeline == nullptr) {
      return absl::FailedPreconditionError(
          "the ingest pipeline is not running: the record cannot be replayed");
    }
    auto outcome = hub_->pipeline->Replay(record_id);
    ASSIGN_OR_RETURN(auto e, hub_->store->GetException(exception_id));
    if (!e.has_value()) return absl::NotFoundError("exception_id: gone");
    DescribeAge(absl::Now(), &*e);
    if (!outcome.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "record ", record_id,
          " could not be replayed now: ", outcome.status().message()));
    }
    *out = std::move(*e);
    return absl::OkStatus();
  }

  absl::Status Ready(int64_t exception_id) {
    if (exception_id <= 0)
      return absl::InvalidArgumentError("exception_id: must be positive");
    if (hub_->orchestrator == nullptr)
      return absl::UnavailableError("orchestration is not running");
    return absl::OkStatus();
  }

  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewContractLifecycleService(HubContext* hub) {
  return std::make_unique<ContractLifecycleServiceImpl>(hub);
}
std::unique_ptr<grpc::Service> NewWorkflowService(HubContext* hub) {
  return std::make_unique<WorkflowServiceImpl>(hub);
}
std::unique_ptr<grpc::Service> NewExceptionService(HubContext* hub) {
  return std::make_unique<ExceptionServiceImpl>(hub);
}

}  // namespace revhub::hub
