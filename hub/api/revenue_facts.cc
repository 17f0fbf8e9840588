#include "hub/api/revenue_facts.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "canonical/validation.h"
#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"

namespace revhub::hub {
namespace {

namespace canon = ::revhub::canonical::v1;
using google::protobuf::util::TimeUtil;

constexpr int kMaxRecords = 1000;
constexpr size_t kMaxIdLength = 256;

// Returns `status` with its field path's leading `from` ("usage_record")
// replaced by `to` ("records[2]"); other statuses unchanged.
absl::Status Reprefix(const absl::Status& status, absl::string_view from,
                      absl::string_view to) {
  const std::string path = FieldPathOf(status);
  if (path != from && !absl::StartsWith(path, absl::StrCat(from, "."))) {
    return status;
  }
  return FieldError(status.code(), absl::StrCat(to, path.substr(from.size())),
                    ReasonOf(status));
}

// The checks of a fact's own fields an API caller must meet (the hub's
// entity rules are canonical/validation.h): an id of its own, no version.
template <typename T>
absl::Status CheckCallerFields(const T& fact, absl::string_view field) {
  if (fact.id().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument,
                      absl::StrCat(field, ".id"),
                      "is required (derive it from the sender's own id, so "
                      "that the same fact sent again is one fact)");
  }
  if (fact.id().size() > kMaxIdLength) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, absl::StrCat(field, ".id"),
        absl::StrCat("must be at most ", kMaxIdLength, " characters"));
  }
  if (fact.version() != 0 || fact.has_recorded_at()) {
    return FieldError(absl::StatusCode::kInvalidArgument,
                      absl::StrCat(field, ".version"),
                      "version and recorded_at are assigned by the hub");
  }
  return absl::OkStatus();
}

// Lists every current entity of T with contract_id = `contract_id`.
template <typename T>
absl::StatusOr<std::vector<T>> ListOfContract(Store& store,
                                              const std::string& contract_id) {
  std::vector<T> out;
  ListEntitiesQuery query;
  query.type = EntityTraits<T>::kType;
  query.filters = {{"contract_id", contract_id}};
  query.page_size = 500;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
    for (const StoredEntity& e : page.entities) {
      ASSIGN_OR_RETURN(T fact, ParseEntity<T>(e));
      out.push_back(std::move(fact));
    }
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  return out;
}

// Returns OK for "YYYY-MM" with a month 01 to 12.
absl::Status CheckPeriod(const std::string& period) {
  if (period.empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "period",
                      "is required (\"YYYY-MM\")");
  }
  bool ok = period.size() == 7 && period[4] == '-';
  for (size_t i = 0; ok && i < period.size(); ++i) {
    ok = i == 4 || std::isdigit(static_cast<unsigned char>(period[i]));
  }
  const int month = ok ? std::stoi(period.substr(5)) : 0;
  if (!ok || month < 1 || month > 12) {
    return FieldError(absl::StatusCode::kInvalidArgument, "period",
                      absl::StrCat("\"", period,
                                   "\" is not a month \"YYYY-MM\" (e.g. "
                                   "2026-10)"));
  }
  return absl::OkStatus();
}

std::string EntityName(const std::string& legal_entity) {
  return legal_entity.empty() ? "every legal entity"
                              : absl::StrCat("legal entity ", legal_entity);
}

std::string Describe(const hub::v1::AccountingPeriod& p) {
  std::string out = absl::StrCat("by ", p.changed_by(), " at ",
                                 TimeUtil::ToString(p.changed_at()));
  if (!p.reason().empty()) absl::StrAppend(&out, " (", p.reason(), ")");
  return out;
}

BusinessEvent PeriodEvent(WriteTxn& txn, canon::EventType type,
                          const std::string& principal) {
  BusinessEvent event;
  event.set_event_id(NewId("evt"));
  event.set_type(type);
  event.set_correlation_id(event.event_id());
  event.set_principal(principal);
  *event.mutable_occurred_at() = ToProto(txn.Now());
  return event;
}

}  // namespace

absl::Status ReportUsage(Store& store, const ChangeContext& who,
                         const hub::v1::ReportUsageRequest& req,
                         hub::v1::ReportUsageResponse* resp) {
  if (req.records_size() == 0 || req.records_size() > kMaxRecords) {
    return FieldError(absl::StatusCode::kInvalidArgument, "records",
                      absl::StrCat("must hold 1 to ", kMaxRecords,
                                   " records, got ", req.records_size()));
  }
  for (int i = 0; i < req.records_size(); ++i) {
    const std::string field = absl::StrCat("records[", i, "]");
    RETURN_IF_ERROR(CheckCallerFields(req.records(i), field));
    RETURN_IF_ERROR(
        Reprefix(ValidateUsageRecord(req.records(i)), "usage_record", field));
  }
  UpsertArgs args;
  args.ctx = who;
  return store.Write([&](WriteTxn& txn) -> absl::Status {
    resp->Clear();
    for (int i = 0; i < req.records_size(); ++i) {
      absl::StatusOr<UpsertResult<canon::UsageRecord>> result =
          UpsertEntityInTxn(txn, req.records(i), args);
      if (!result.ok()) {
        return Reprefix(result.status(), "usage_record",
                        absl::StrCat("records[", i, "]"));
      }
      if (!result->changed) resp->set_duplicates(resp->duplicates() + 1);
      *resp->add_records() = std::move(result->entity);
    }
    return absl::OkStatus();
  });
}

absl::Status RecordDelivery(Store& store, const ChangeContext& who,
                            const hub::v1::RecordDeliveryRequest& req,
                            hub::v1::RecordDeliveryResponse* resp) {
  if (!req.has_delivery()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "delivery",
                      "is required");
  }
  RETURN_IF_ERROR(CheckCallerFields(req.delivery(), "delivery"));
  RETURN_IF_ERROR(ValidateDelivery(req.delivery()));
  UpsertArgs args;
  args.ctx = who;
  return store.Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UpsertResult<canon::Delivery> result,
                     UpsertEntityInTxn(txn, req.delivery(), args));
    *resp->mutable_delivery() = std::move(result.entity);
    resp->set_duplicate(!result.changed);
    return absl::OkStatus();
  });
}

absl::Status ListFulfilment(Store& store, const ChangeContext&,
                            const hub::v1::ListFulfilmentRequest& req,
                            hub::v1::ListFulfilmentResponse* resp) {
  if (req.contract_id().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "contract_id",
                      "is required");
  }
  ASSIGN_OR_RETURN(
      auto usage, ListOfContract<canon::UsageRecord>(store, req.contract_id()));
  ASSIGN_OR_RETURN(auto deliveries,
                   ListOfContract<canon::Delivery>(store, req.contract_id()));
  std::stable_sort(usage.begin(), usage.end(),
                   [](const auto& a, const auto& b) {
                     return a.period().start_time() < b.period().start_time();
                   });
  std::stable_sort(deliveries.begin(), deliveries.end(),
                   [](const auto& a, const auto& b) {
                     return a.delivered_at() < b.delivered_at();
                   });
  for (auto& u : usage) *resp->add_usage() = std::move(u);
  for (auto& d : deliveries) *resp->add_deliveries() = std::move(d);
  return absl::OkStatus();
}

absl::Status ClosePeriod(Store& store, const ChangeContext& who,
                         const hub::v1::ClosePeriodRequest& req,
                         hub::v1::ClosePeriodResponse* resp) {
  RETURN_IF_ERROR(CheckPeriod(req.period()));
  const std::string current =
      absl::FormatTime("%Y-%m", absl::Now(), absl::UTCTimeZone());
  if (req.period() > current) {
    return FieldError(
        absl::StatusCode::kFailedPrecondition, "period",
        absl::StrCat(req.period(), " has not begun: the current month is ",
                     current,
                     " (UTC), and a period is closed once it has "
                     "begun, usually after it ended"));
  }
  return store.Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto own, txn.GetPeriod(req.period(), req.legal_entity()));
    if (own.has_value() && own->closed()) {
      return FieldError(
          absl::StatusCode::kFailedPrecondition, "period",
          absl::StrCat(req.period(), " is already closed for ",
                       EntityName(req.legal_entity()), " ", Describe(*own)));
    }
    if (!req.legal_entity().empty()) {
      ASSIGN_OR_RETURN(auto all, txn.GetPeriod(req.period(), ""));
      if (all.has_value() && all->closed()) {
        return FieldError(absl::StatusCode::kFailedPrecondition, "period",
                          absl::StrCat(req.period(),
                                       " is already closed for every legal "
                                       "entity ",
                                       Describe(*all)));
      }
    }
    hub::v1::AccountingPeriod change;
    change.set_period(req.period());
    change.set_legal_entity(req.legal_entity());
    change.set_closed(true);
    change.set_changed_by(who.principal);
    change.set_reason(req.reason());
    ASSIGN_OR_RETURN(*resp->mutable_period(), txn.AppendPeriodChange(change));
    BusinessEvent event =
        PeriodEvent(txn, canon::EVENT_TYPE_PERIOD_CLOSED, who.principal);
    auto* closed = event.mutable_period_closed();
    closed->set_period(req.period());
    closed->set_legal_entity(req.legal_entity());
    closed->set_reason(req.reason());
    return txn.AppendEvent(std::move(event)).status();
  });
}

absl::Status ReopenPeriod(Store& store, const ChangeContext& who,
                          const hub::v1::ReopenPeriodRequest& req,
                          hub::v1::ReopenPeriodResponse* resp) {
  RETURN_IF_ERROR(CheckPeriod(req.period()));
  if (req.reason().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "reason",
                      "is required: reopening a closed period is audited "
                      "and says why");
  }
  return store.Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto own, txn.GetPeriod(req.period(), req.legal_entity()));
    if (!own.has_value() || !own->closed()) {
      std::string hint;
      if (!req.legal_entity().empty()) {
        ASSIGN_OR_RETURN(auto all, txn.GetPeriod(req.period(), ""));
        if (all.has_value() && all->closed()) {
          hint =
              " (it is closed for every legal entity: reopen it without "
              "--legal-entity)";
        }
      }
      return FieldError(absl::StatusCode::kFailedPrecondition, "period",
                        absl::StrCat(req.period(), " is not closed for ",
                                     EntityName(req.legal_entity()), hint));
    }
    hub::v1::AccountingPeriod change;
    change.set_period(req.period());
    change.set_legal_entity(req.legal_entity());
    change.set_closed(false);
    change.set_changed_by(who.principal);
    change.set_reason(req.reason());
    ASSIGN_OR_RETURN(*resp->mutable_period(), txn.AppendPeriodChange(change));
    BusinessEvent event =
        PeriodEvent(txn, canon::EVENT_TYPE_PERIOD_REOPENED, who.principal);
    auto* reopened = event.mutable_period_reopened();
    reopened->set_period(req.period());
    reopened->set_legal_entity(req.legal_entity());
    reopened->set_reason(req.reason());
    return txn.AppendEvent(std::move(event)).status();
  });
}

absl::Status ListPeriods(Store& store, const ChangeContext&,
                         const hub::v1::ListPeriodsRequest& req,
                         hub::v1::ListPeriodsResponse* resp) {
  ASSIGN_OR_RETURN(auto periods, store.ListPeriods(req.legal_entity()));
  for (auto& p : periods) *resp->add_periods() = std::move(p);
  return absl::OkStatus();
}

}  // namespace revhub::hub
