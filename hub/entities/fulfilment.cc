#include "hub/entities/fulfilment.h"

#include "absl/strings/str_cat.h"
#include "canonical/field_path.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/product.pb.h"

namespace revhub::hub {
namespace {

using namespace canonical::v1;  // NOLINT: the canonical model's names

const char* RuleName(RevenueRule rule) {
  switch (rule) {
    case REVENUE_RULE_RATABLE:
      return "RATABLE";
    case REVENUE_RULE_POINT_IN_TIME:
      return "POINT_IN_TIME";
    case REVENUE_RULE_USAGE:
      return "USAGE";
    case REVENUE_RULE_MILESTONE:
      return "MILESTONE";
    default:
      return "without a revenue rule";
  }
}

}  // namespace

UsageReported UsageReportedOf(const UsageRecord& record) {
  UsageReported out;
  out.set_contract_id(record.contract_id());
  out.set_line_id(record.line_id());
  *out.mutable_quantity() = record.quantity();
  *out.mutable_period() = record.period();
  out.set_usage_record_id(record.id());
  return out;
}

ServiceActivated ServiceActivatedOf(const Delivery& delivery) {
  ServiceActivated out;
  out.set_contract_id(delivery.contract_id());
  out.add_line_ids(delivery.line_id());
  *out.mutable_activated_at() = delivery.delivered_at();
  if (delivery.has_quantity()) *out.mutable_quantity() = delivery.quantity();
  out.set_delivery_id(delivery.id());
  return out;
}

MilestoneAchieved MilestoneAchievedOf(const Delivery& delivery) {
  MilestoneAchieved out;
  out.set_contract_id(delivery.contract_id());
  out.set_line_id(delivery.line_id());
  out.set_name(delivery.milestone());
  *out.mutable_achieved_at() = delivery.delivered_at();
  *out.mutable_share() = delivery.share();
  out.set_delivery_id(delivery.id());
  return out;
}

absl::Status CheckFulfilmentLine(WriteTxn& txn, absl::string_view prefix,
                                 const std::string& contract_id,
                                 const std::string& line_id, LineUse use,
                                 const Decimal* quantity) {
  ASSIGN_OR_RETURN(auto stored,
                   txn.GetCurrentEntity(ENTITY_TYPE_CONTRACT, contract_id));
  if (!stored.has_value()) {
    return FieldError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(prefix, ".contract_id"),
        absl::StrCat("no contract with id \"", contract_id, "\""));
  }
  Contract contract;
  if (!contract.ParseFromString(stored->payload)) {
    return absl::DataLossError(absl::StrCat("stored contract ", contract_id,
                                            " v", stored->version,
                                            " does not parse"));
  }
  const ContractLine* line = nullptr;
  for (const ContractLine& l : contract.lines()) {
    if (l.line_id() == line_id) line = &l;
  }
  const std::string line_field = absl::StrCat(prefix, ".line_id");
  if (line == nullptr) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, line_field,
        absl::StrCat("contract ", contract_id, " v", contract.version(),
                     " has no line \"", line_id, "\""));
  }
  RevenueRule rule = line->revenue_rule();
  if (rule == REVENUE_RULE_UNSPECIFIED && !line->product_id().empty()) {
    ASSIGN_OR_RETURN(auto product, txn.GetCurrentEntity(ENTITY_TYPE_PRODUCT,
                                                        line->product_id()));
    Product p;
    if (product.has_value() && p.ParseFromString(product->payload)) {
      rule = p.revenue_rule();
    }
  }
  auto wrong_rule = [&](absl::string_view wanted) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, line_field,
        absl::StrCat("line \"", line_id, "\" of contract ", contract_id, " is ",
                     RuleName(rule), ", not ", wanted));
  };
  switch (use) {
    case LineUse::kUsage:
      if (rule != REVENUE_RULE_USAGE) return wrong_rule("a USAGE line");
      break;
    case LineUse::kMilestone:
      if (rule != REVENUE_RULE_MILESTONE) return wrong_rule("a MILESTONE line");
      break;
    case LineUse::kActivation:
      if (rule == REVENUE_RULE_USAGE || rule == REVENUE_RULE_MILESTONE) {
        return wrong_rule(
            "a line an activation delivers (POINT_IN_TIME or RATABLE)");
      }
      if (quantity != nullptr && line->has_quantity() &&
          ToNanos(*quantity) > ToNanos(line->quantity())) {
        return FieldError(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat(prefix, ".quantity"),
            absl::StrCat("must be at most the line's quantity ",
                         FormatDecimal(line->quantity()), " (got ",
                         FormatDecimal(*quantity), ")"));
      }
      break;
  }
  return absl::OkStatus();
}

}  // namespace revhub::hub
