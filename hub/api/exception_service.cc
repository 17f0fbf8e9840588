// ExceptionService: the exception queue. Retry and replay of a rejected
// record go to the ingest pipeline; of a workflow step, to the orchestrator.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/api/services.h"
#include "hub/common/util.h"
#include "hub/entities/entity_ops.h"
#include "hub/exceptions/exceptions.h"
#include "hub/ingest/pipeline.h"
#include "hub/orchestration/orchestrator.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"

namespace revhub::hub {
namespace {

using google::protobuf::util::TimeUtil;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class ExceptionServiceImpl final
    : public hub::v1::ExceptionService::CallbackService {
 public:
  explicit ExceptionServiceImpl(HubContext* hub) : hub_(hub) {}

  ServerUnaryReactor* ListExceptions(
      CallbackServerContext* context, const hub::v1::ListExceptionsRequest* req,
      hub::v1::ListExceptionsResponse* resp) override {
    return RunUnary(
        hub_, context, [this, context, req, resp]() -> absl::Status {
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
              return absl::InvalidArgumentError(
                  "min_age: must not be negative");
            }
            q.created_before =
                now - absl::Microseconds(
                          TimeUtil::DurationToMicroseconds(req->min_age()));
          }
          q.page_size = req->page_size() == 0 ? 100 : req->page_size();
          q.page_token = req->page_token();
          // The SLA state depends on the time of the call: filter after.
          while (true) {
            RETURN_IF_ERROR(CallAlive(context));
            ASSIGN_OR_RETURN(ExceptionPage page,
                             hub_->store->ListExceptions(q));
            for (auto& e : page.exceptions) {
              DescribeAge(now, &e);
              if (req->sla_state() != hub::v1::SLA_STATE_UNSPECIFIED &&
                  e.sla_state() != req->sla_state()) {
                continue;
              }
              *resp->add_exceptions() = std::move(e);
            }
            resp->set_next_page_token(page.next_page_token);
            if (resp->exceptions_size() > 0 || page.next_page_token.empty())
              break;
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
        if (record.has_value()) {
          // A large payload is read with IngestService.ReadRecordPayload.
          if (record->size_bytes() > kInlinePayloadBytes) {
            record->clear_payload();
          }
          *resp->mutable_record() = std::move(*record);
        }
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

  ServerUnaryReactor* SummarizeExceptions(
      CallbackServerContext* context,
      const hub::v1::SummarizeExceptionsRequest* req,
      hub::v1::SummarizeExceptionsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (!hub::v1::ExceptionCategory_IsValid(req->category())) {
        return absl::InvalidArgumentError(
            absl::StrCat("category: ", req->category(), " is not a category"));
      }
      if (!hub::v1::ExceptionKind_IsValid(req->kind())) {
        return absl::InvalidArgumentError(
            absl::StrCat("kind: ", req->kind(), " is not a kind"));
      }
      ExceptionSummaryQuery q;
      q.system = req->system();
      q.owner = req->owner();
      q.category = req->category();
      q.kind = req->kind();
      q.include_resolved = req->include_resolved();
      q.now = absl::Now();
      ASSIGN_OR_RETURN(auto groups, hub_->store->SummarizeExceptions(q));
      // Rows in the order of the dimensions as the page shows them.
      static const char* kOrder[] = {"owner",  "category", "kind",
                                     "system", "age",      "sla"};
      for (const char* dimension : kOrder) {
        for (const ExceptionSummaryGroup& g : groups) {
          if (g.dimension != dimension) continue;
          *resp->add_rows() = SummaryRow(g);
          if (g.dimension == "sla" && g.key == "BREACHED") {
            resp->set_breached_count(resp->breached_count() + g.count);
          } else if (g.dimension == "sla" && g.key == "AT_RISK") {
            resp->set_at_risk_count(resp->at_risk_count() + g.count);
          }
        }
      }
      for (const ExceptionSummaryGroup& g : groups) {
        if (g.dimension == "total") *resp->add_totals() = SummaryRow(g);
        if (g.dimension == "state" && g.key == "OPEN") {
          resp->set_open_count(resp->open_count() + g.count);
        }
      }
      return absl::OkStatus();
    });
  }

 private:
  static hub::v1::ExceptionSummaryRow SummaryRow(
      const ExceptionSummaryGroup& g) {
    hub::v1::ExceptionSummaryRow row;
    row.set_dimension(g.dimension);
    row.set_key(g.key);
    row.set_currency(g.currency);
    row.set_count(g.count);
    if (!g.currency.empty()) {
      auto* m = row.mutable_amount_at_stake();
      m->set_currency_code(g.currency);
      m->set_units(g.units);
      m->set_nanos(g.nanos);
    }
    return row;
  }

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

std::unique_ptr<grpc::Service> NewExceptionService(HubContext* hub) {
  return std::make_unique<ExceptionServiceImpl>(hub);
}

}  // namespace revhub::hub
