// PipelineService: a system's adapter (Describe, Check), records with their
// exceptions, and replay. A record's exceptions are its RECORD_REJECTED
// exceptions in the one exception queue, shown as RecordException views
// (hub/ingest/record_exceptions.h) whose exception_id is the queue's: one
// entry per failed attempt, newest first in ListRecordExceptions and
// oldest first in ShowRecord.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/ingest/pipeline.h"
#include "hub/ingest/record_exceptions.h"
#include "hub/ingest/replay_operations.h"
#include "hub/monitor/backlog_monitor.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class PipelineServiceImpl final
    : public hub::v1::PipelineService::CallbackService {
 public:
  explicit PipelineServiceImpl(HubContext* hub) : hub_(hub) {}

  // PipelineService:
  ServerUnaryReactor* DescribeSystemAdapter(
      CallbackServerContext* context,
      const hub::v1::DescribeSystemAdapterRequest* req,
      hub::v1::DescribeSystemAdapterResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(auto adapter, AdapterOf(req->system()));
      ASSIGN_OR_RETURN(*resp->mutable_description(), adapter->Describe());
      *resp->mutable_process() = adapter->Process();
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* CheckSystemAdapter(
      CallbackServerContext* context,
      const hub::v1::CheckSystemAdapterRequest* req,
      hub::v1::CheckSystemAdapterResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(auto adapter, AdapterOf(req->system()));
      ASSIGN_OR_RETURN(auto system, hub_->store->GetSystem(req->system()));
      adapter::v1::CheckRequest check;
      check.set_system(req->system());
      AdapterConfig config;
      if (system.has_value()) {
        ASSIGN_OR_RETURN(config, hub_->adapters->ConfigFor(*system));
      }
      *check.mutable_config() = config.config;
      auto checked = adapter->Check(check);
      if (!checked.ok()) {
        return absl::Status(
            checked.status().code(),
            config.Redact(std::string(checked.status().message())));
      }
      // What the adapter says goes back without the secrets it was given.
      checked->set_reason(config.Redact(checked->reason()));
      for (auto& e : *checked->mutable_config_errors())
        e.set_reason(config.Redact(e.reason()));
      *resp->mutable_check() = std::move(*checked);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ShowRecord(CallbackServerContext* context,
                                 const hub::v1::ShowRecordRequest* req,
                                 hub::v1::ShowRecordResponse* resp) override {
    return RunUnary(
        hub_, context, [this, context, req, resp]() -> absl::Status {
          ASSIGN_OR_RETURN(hub::v1::RawRecord r,
                           FindRawRecord(*hub_->store, req->record_id()));
          r.clear_payload();
          *resp->mutable_record() = std::move(r);
          // Its exceptions in the exception queue, oldest first.
          ExceptionQuery q;
          q.kind = hub::v1::EXCEPTION_KIND_RECORD_REJECTED;
          q.record_id = req->record_id();
          q.include_resolved = true;
          q.page_size = 500;
          while (true) {
            RETURN_IF_ERROR(CallAlive(context));
            ASSIGN_OR_RETURN(ExceptionPage page,
                             hub_->store->ListExceptions(q));
            for (const hub::v1::Exception& e : page.exceptions) {
              for (auto& view : RecordExceptionsOf(e))
                *resp->add_exceptions() = std::move(view);
            }
            if (page.next_page_token.empty()) break;
            q.page_token = page.next_page_token;
          }
          return absl::OkStatus();
        });
  }

  // A page holds the attempts of up to page_size exceptions.
  ServerUnaryReactor* ListRecordExceptions(
      CallbackServerContext* context,
      const hub::v1::ListRecordExceptionsRequest* req,
      hub::v1::ListRecordExceptionsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      ExceptionQuery q;
      q.kind = hub::v1::EXCEPTION_KIND_RECORD_REJECTED;
      q.system = req->system();
      q.include_resolved = !req->open_only();
      q.newest_first = true;
      q.page_size = req->page_size() == 0 ? 100 : req->page_size();
      q.page_token = req->page_token();
      ASSIGN_OR_RETURN(ExceptionPage page, hub_->store->ListExceptions(q));
      for (const hub::v1::Exception& e : page.exceptions) {
        std::vector<hub::v1::RecordException> views = RecordExceptionsOf(e);
        for (auto it = views.rbegin(); it != views.rend(); ++it)
          *resp->add_exceptions() = std::move(*it);
      }
      resp->set_next_page_token(page.next_page_token);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ReplayRecord(
      CallbackServerContext* context, const hub::v1::ReplayRecordRequest* req,
      hub::v1::ReplayRecordResponse* resp) override {
    auth::Caller caller = CallerOf(context);
    return RunUnary(hub_, context, [this, req, resp, caller]() -> absl::Status {
      if (req->record_id() <= 0) {
        return absl::InvalidArgumentError("record_id: must be positive");
      }
      ASSIGN_OR_RETURN(hub::v1::RawRecord record,
                       FindRawRecord(*hub_->store, req->record_id()));
      RETURN_IF_ERROR(auth::CheckMayWriteSystem(caller, record.system()));
      ASSIGN_OR_RETURN(*resp->mutable_outcome(),
                       hub_->pipeline->Replay(req->record_id()));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ReplayFailedRecords(
      CallbackServerContext* context,
      const hub::v1::ReplayFailedRecordsRequest* req,
      hub::v1::ReplayFailedRecordsResponse* resp) override {
    auth::Caller caller = CallerOf(context);
    return RunUnary(
        hub_, context, [this, context, req, resp, caller]() -> absl::Status {
          if (req->system().empty()) {
            return absl::InvalidArgumentError("system: is required");
          }
          RETURN_IF_ERROR(auth::CheckMayWriteSystem(caller, req->system()));
          if (req->limit() < 0 || req->limit() > 100000) {
            return absl::InvalidArgumentError(
                "limit: must be between 0 and 100000");
          }
          ASSIGN_OR_RETURN(auto system, hub_->store->GetSystem(req->system()));
          if (!system.has_value()) {
            return absl::NotFoundError(absl::StrCat("system: \"", req->system(),
                                                    "\" is not registered"));
          }
          ASSIGN_OR_RETURN(
              auto outcomes,
              hub_->pipeline->ReplayFailed(
                  req->system(), req->limit() == 0 ? 1000 : req->limit(),
                  [context] { return CallAlive(context); }));
          for (auto& o : outcomes) {
            if (o.status() == hub::v1::RECORD_STATUS_APPLIED ||
                o.status() == hub::v1::RECORD_STATUS_SKIPPED) {
              resp->set_applied(resp->applied() + 1);
            } else if (o.status() == hub::v1::RECORD_STATUS_FAILED) {
              resp->set_failed(resp->failed() + 1);
            }
            *resp->add_outcomes() = std::move(o);
          }
          return absl::OkStatus();
        });
  }

  ServerUnaryReactor* StartReplay(CallbackServerContext* context,
                                  const hub::v1::StartReplayRequest* req,
                                  hub::v1::StartReplayResponse* resp) override {
    auth::Caller caller = CallerOf(context);
    return RunUnary(
        hub_, context, [this, context, req, resp, caller]() -> absl::Status {
          if (!req->resume_operation_id().empty()) {
            if (!req->system().empty() || req->limit() != 0) {
              return absl::InvalidArgumentError(
                  "resume_operation_id: resumes the operation as it was "
                  "started; "
                  "system and limit must be unset");
            }
            ASSIGN_OR_RETURN(*resp->mutable_operation(),
                             hub_->replays->Resume(req->resume_operation_id()));
            return absl::OkStatus();
          }
          RETURN_IF_ERROR(auth::CheckMayWriteSystem(caller, req->system()));
          ASSIGN_OR_RETURN(
              *resp->mutable_operation(),
              hub_->replays->StartReplay(req->system(), req->limit(),
                                         PrincipalOf(context)));
          return absl::OkStatus();
        });
  }

  ServerUnaryReactor* GetOperation(
      CallbackServerContext* context, const hub::v1::GetOperationRequest* req,
      hub::v1::GetOperationResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->operation_id().empty()) {
        return absl::InvalidArgumentError("operation_id: is required");
      }
      ASSIGN_OR_RETURN(auto op, hub_->store->GetOperation(req->operation_id()));
      if (!op.has_value()) {
        return absl::NotFoundError(absl::StrCat("operation_id: no operation \"",
                                                req->operation_id(), "\""));
      }
      *resp->mutable_operation() = std::move(*op);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ListOperations(
      CallbackServerContext* context, const hub::v1::ListOperationsRequest* req,
      hub::v1::ListOperationsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      ASSIGN_OR_RETURN(OperationPage page,
                       hub_->store->ListOperations(
                           req->page_size() == 0 ? 100 : req->page_size(),
                           req->page_token()));
      for (auto& op : page.operations) *resp->add_operations() = std::move(op);
      resp->set_next_page_token(page.next_page_token);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* CancelOperation(
      CallbackServerContext* context,
      const hub::v1::CancelOperationRequest* req,
      hub::v1::CancelOperationResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(*resp->mutable_operation(),
                       hub_->replays->Cancel(req->operation_id()));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* GetBacklog(CallbackServerContext* context,
                                 const hub::v1::GetBacklogRequest* /*req*/,
                                 hub::v1::GetBacklogResponse* resp) override {
    return RunUnary(hub_, context, [this, resp]() -> absl::Status {
      if (hub_->backlog == nullptr) {
        return absl::UnavailableError("the backlog monitor is not running");
      }
      ASSIGN_OR_RETURN(*resp, hub_->backlog->Backlog());
      return absl::OkStatus();
    });
  }

 private:
  absl::StatusOr<std::shared_ptr<AdapterClient>> AdapterOf(
      const std::string& name) {
    if (name.empty()) return absl::InvalidArgumentError("system: is required");
    ASSIGN_OR_RETURN(auto system, hub_->store->GetSystem(name));
    if (!system.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("system: \"", name, "\" is not registered"));
    }
    return hub_->adapters->For(*system);
  }

  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewPipelineService(HubContext* hub) {
  return std::make_unique<PipelineServiceImpl>(hub);
}

}  // namespace revhub::hub
