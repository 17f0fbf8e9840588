// PipelineService: a system's adapter (Describe, Check), records with their
// exceptions, and replay.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "canonical/status_macros.h"
#include "hub/entities/entity_ops.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/ingest/pipeline.h"
#include "hub/api/services.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// The RecordException view of a rejected record's entry in the exception
// queue: exception_id is the queue's id; the reason is the error without
// the "field_path: " it starts with.
hub::v1::RecordException AsRecordException(const hub::v1::Exception& e) {
  hub::v1::RecordException out;
  out.set_exception_id(e.exception_id());
  out.set_system(e.system());
  out.set_record_id(e.record_id());
  out.set_field_path(e.field_path());
  absl::string_view reason = e.error();
  if (!e.field_path().empty()) {
    absl::ConsumePrefix(&reason, absl::StrCat(e.field_path(), ": "));
  }
  out.set_reason(std::string(reason));
  *out.mutable_recorded_at() = e.created_at();
  if (e.has_resolved_at()) *out.mutable_resolved_at() = e.resolved_at();
  return out;
}

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
      if (system.has_value()) *check.mutable_config() = system->config();
      ASSIGN_OR_RETURN(*resp->mutable_check(), adapter->Check(check));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ShowRecord(CallbackServerContext* context,
                                 const hub::v1::ShowRecordRequest* req,
                                 hub::v1::ShowRecordResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(hub::v1::RawRecord r,
                       FindRawRecord(*hub_->store, req->record_id()));
      r.clear_payload();
      *resp->mutable_record() = std::move(r);
      ExceptionQuery q;
      q.kind = hub::v1::EXCEPTION_KIND_RECORD_REJECTED;
      q.record_id = req->record_id();
      q.include_resolved = true;
      q.page_size = 500;
      ASSIGN_OR_RETURN(ExceptionPage page, hub_->store->ListExceptions(q));
      for (const auto& e : page.exceptions) {
        *resp->add_exceptions() = AsRecordException(e);
      }
      return absl::OkStatus();
    });
  }

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
      q.page_size = req->page_size() == 0 ? 100 : req->page_size();
      q.page_token = req->page_token();
      ASSIGN_OR_RETURN(ExceptionPage page, hub_->store->ListExceptions(q));
      for (const auto& e : page.exceptions) {
        *resp->add_exceptions() = AsRecordException(e);
      }
      resp->set_next_page_token(page.next_page_token);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ReplayRecord(
      CallbackServerContext* context, const hub::v1::ReplayRecordRequest* req,
      hub::v1::ReplayRecordResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->record_id() <= 0) {
        return absl::InvalidArgumentError("record_id: must be positive");
      }
      ASSIGN_OR_RETURN(*resp->mutable_outcome(),
                       hub_->pipeline->Replay(req->record_id()));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ReplayFailedRecords(
      CallbackServerContext* context,
      const hub::v1::ReplayFailedRecordsRequest* req,
      hub::v1::ReplayFailedRecordsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->system().empty()) {
        return absl::InvalidArgumentError("system: is required");
      }
      if (req->limit() < 0 || req->limit() > 100000) {
        return absl::InvalidArgumentError(
            "limit: must be between 0 and 100000");
      }
      ASSIGN_OR_RETURN(auto system, hub_->store->GetSystem(req->system()));
      if (!system.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("system: \"", req->system(), "\" is not registered"));
      }
      ASSIGN_OR_RETURN(
          auto outcomes,
          hub_->pipeline->ReplayFailed(
              req->system(), req->limit() == 0 ? 1000 : req->limit()));
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
