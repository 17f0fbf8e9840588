// RevenueService: previews schedules, and reads the schedules and journal
// entries the revenue worker (revenue_worker.h) stored.
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/api/revenue_facts.h"
#include "hub/api/revenue_reports.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/revenue/preview.h"
#include "hub/revenue/revenue_records.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

constexpr char kTokenPrefix[] = "je:";

std::string EncodeOffset(int64_t offset) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, offset));
}

absl::StatusOr<int64_t> DecodeOffset(const std::string& token) {
  std::string raw;
  int64_t offset = 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) ||
      raw.rfind(kTokenPrefix, 0) != 0 ||
      !absl::SimpleAtoi(raw.substr(sizeof(kTokenPrefix) - 1), &offset) ||
      offset < 0) {
    return absl::InvalidArgumentError(
        "page_token: not a token ListJournalEntries returned");
  }
  return offset;
}

class RevenueServiceImpl final
    : public hub::v1::RevenueService::CallbackService {
 public:
  RevenueServiceImpl(HubContext* hub, const revenue::RevenueSettings* settings)
      : hub_(hub), settings_(settings) {}

  // RevenueService:
  ServerUnaryReactor* PreviewSchedule(
      CallbackServerContext* context,
      const hub::v1::PreviewScheduleRequest* req,
      hub::v1::PreviewScheduleResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      hub::v1::PreviewScheduleRequest request = *req;
      if (request.period_convention() ==
          canonical::v1::PERIOD_CONVENTION_UNSPECIFIED) {
        request.set_period_convention(settings_->convention);
      }
      ASSIGN_OR_RETURN(*resp, revenue::PreviewScheduleForRequest(
                                  request, settings_->accounts));
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* GetSchedule(CallbackServerContext* context,
                                  const hub::v1::GetScheduleRequest* req,
                                  hub::v1::GetScheduleResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->contract_id().empty()) {
        return absl::InvalidArgumentError("contract_id: is required");
      }
      VersionSelector which;
      if (req->has_as_of()) which.as_of = FromProto(req->as_of());
      ASSIGN_OR_RETURN(
          auto stored,
          hub_->store->GetEntity(canonical::v1::ENTITY_TYPE_REVENUE_SCHEDULE,
                                 ScheduleIdFor(req->contract_id()), which));
      if (!stored.has_value()) {
        if (req->has_as_of()) {
          return absl::NotFoundError(absl::StrCat(
              "contract \"", req->contract_id(),
              "\" had no revenue schedule at ",
              google::protobuf::util::TimeUtil::ToString(req->as_of())));
        }
        return absl::NotFoundError(absl::StrCat(
            "contract \"", req->contract_id(),
            "\" has no revenue schedule (it is not booked, or its booking "
            "has not been processed yet)"));
      }
      if (!resp->mutable_schedule()->ParseFromString(stored->payload)) {
        return absl::DataLossError(absl::StrCat("stored schedule ", stored->id,
                                                " v", stored->version,
                                                " does not parse"));
      }
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* ListJournalEntries(
      CallbackServerContext* context,
      const hub::v1::ListJournalEntriesRequest* req,
      hub::v1::ListJournalEntriesResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (req->contract_id().empty()) {
        return absl::InvalidArgumentError("contract_id: is required");
      }
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      const int64_t page_size = req->page_size() == 0 ? 100 : req->page_size();
      int64_t offset = 0;
      if (!req->page_token().empty()) {
        ASSIGN_OR_RETURN(offset, DecodeOffset(req->page_token()));
      }
      ASSIGN_OR_RETURN(auto entries, ReadLiveJournalEntries(
                                         *hub_->store, req->contract_id()));
      absl::StatusOr<std::vector<canonical::v1::JournalEntry>> selected =
          revenue::JournalEntriesInPeriods(entries, req->period_start(),
                                           req->period_end());
      if (!selected.ok()) return selected.status();
      if (!req->period_start().empty() && !req->period_end().empty() &&
          req->period_start() > req->period_end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "period_end: \"", req->period_end(), "\" is before period_start \"",
            req->period_start(), "\""));
      }
      const int64_t total = static_cast<int64_t>(selected->size());
      for (int64_t i = offset; i < total && i < offset + page_size; ++i) {
        *resp->add_journal_entries() = std::move((*selected)[i]);
      }
      if (offset + page_size < total) {
        resp->set_next_page_token(EncodeOffset(offset + page_size));
      }
      return absl::OkStatus();
    });
  }

  // Revenue facts and period close: revenue_facts.h.
#define REVHUB_REVENUE_FACT(Method)                                      \
  ServerUnaryReactor* Method(CallbackServerContext* context,             \
                             const hub::v1::Method##Request* req,        \
                             hub::v1::Method##Response* resp) override { \
    ChangeContext who{PrincipalOf(context)};                             \
    return RunUnary(hub_, context, [this, who, req, resp]() {            \
      return hub::Method(*hub_->store, who, *req, resp);                 \
    });                                                                  \
  }
  REVHUB_REVENUE_FACT(ReportUsage)
  REVHUB_REVENUE_FACT(RecordDelivery)
  REVHUB_REVENUE_FACT(ListFulfilment)
  REVHUB_REVENUE_FACT(ClosePeriod)
  REVHUB_REVENUE_FACT(ReopenPeriod)
  REVHUB_REVENUE_FACT(ListPeriods)
#undef REVHUB_REVENUE_FACT
  // The reports (hub/api/revenue_reports.h).
  ServerUnaryReactor* GetWaterfall(
      CallbackServerContext* context, const hub::v1::GetWaterfallRequest* req,
      hub::v1::GetWaterfallResponse* resp) override {
    return RunUnary(hub_, context, [this, context, req, resp] {
      return ServeWaterfall(*hub_->store, context, *req, resp);
    });
  }
  ServerUnaryReactor* GetRollForward(
      CallbackServerContext* context, const hub::v1::GetRollForwardRequest* req,
      hub::v1::GetRollForwardResponse* resp) override {
    return RunUnary(hub_, context, [this, context, req, resp] {
      return ServeRollForward(*hub_->store, context, *req, resp);
    });
  }
  ServerUnaryReactor* GetRemainingObligations(
      CallbackServerContext* context,
      const hub::v1::GetRemainingObligationsRequest* req,
      hub::v1::GetRemainingObligationsResponse* resp) override {
    return RunUnary(hub_, context, [this, context, req, resp] {
      return ServeRemainingObligations(*hub_->store, context, *req, resp);
    });
  }
  ServerUnaryReactor* GetContractBalances(
      CallbackServerContext* context,
      const hub::v1::GetContractBalancesRequest* req,
      hub::v1::GetContractBalancesResponse* resp) override {
    return RunUnary(hub_, context, [this, context, req, resp] {
      return ServeContractBalances(*hub_->store, context, *req, resp);
    });
  }
  ServerUnaryReactor* GetContraRevenue(
      CallbackServerContext* context,
      const hub::v1::GetContraRevenueRequest* req,
      hub::v1::GetContraRevenueResponse* resp) override {
    return RunUnary(hub_, context, [this, context, req, resp] {
      return ServeContraRevenue(*hub_->store, context, *req, resp);
    });
  }

 private:
  HubContext* hub_;
  const revenue::RevenueSettings* settings_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewRevenueService(
    HubContext* hub, const revenue::RevenueSettings* settings) {
  return std::make_unique<RevenueServiceImpl>(hub, settings);
}

}  // namespace revhub::hub
