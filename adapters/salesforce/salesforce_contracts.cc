// Salesforce Opportunity, Order and Contract -> canonical Contract versions
// with their lines.
#include "absl/strings/str_cat.h"
#include "adapters/salesforce/salesforce_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Contract;
using canonical::v1::ContractLine;

namespace {

// Maps the line items of an Opportunity (OpportunityLineItems) or an Order
// (OrderItems) onto contract lines, linking each line's product.
absl::Status MapLines(const TranslateContext& ctx, const Field& items,
                      absl::string_view item_type, absl::string_view currency,
                      bool reduction, int index, TranslationBuilder& out,
                      Contract& c) {
  if (!items.present()) return absl::OkStatus();
  RETURN_IF_ERROR(items.RequireObject());
  ASSIGN_OR_RETURN(std::vector<Field> records, items["records"].Elements());
  for (size_t i = 0; i < records.size(); ++i) {
    const Field& li = records[i];
    ContractLine* line = c.add_lines();
    ASSIGN_OR_RETURN(std::string id, li["Id"].String());
    line->set_line_id(id);
    *line->add_external_refs() = ctx.Ref(item_type, id);
    ASSIGN_OR_RETURN(std::optional<std::string> product,
                     li["Product2Id"].OptionalString());
    if (!product) {
      ASSIGN_OR_RETURN(product,
                       li["PricebookEntry"]["Product2Id"].OptionalString());
    }
    if (!product)
      return MappingError(
          li["Product2Id"].path(),
          "required field is missing (nor PricebookEntry.Product2Id)");
    out.Link(index, absl::StrCat("lines[", i, "].product_id"),
             cv1::ENTITY_TYPE_PRODUCT, ctx.Ref("Product2", *product));
    ASSIGN_OR_RETURN(Decimal quantity, li["Quantity"].Number());
    ASSIGN_OR_RETURN(Money unit, DecimalMoneyAt(li["UnitPrice"], currency));
    bool downgrade = reduction || quantity.units() < 0 || quantity.nanos() < 0;
    *line->mutable_quantity() = quantity;
    *line->mutable_unit_price() = unit;
    line->set_downgrade(downgrade);
    ASSIGN_OR_RETURN(std::optional<Decimal> discount,
                     li["Discount"].OptionalNumber());
    if (discount) *line->mutable_discount_percent() = *discount;
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     li["Description"].OptionalString());
    ASSIGN_OR_RETURN(std::optional<std::string> product_name,
                     li["PricebookEntry"]["Product2"]["Name"].OptionalString());
    if (!product_name) {
      ASSIGN_OR_RETURN(product_name, li["Name"].OptionalString());
    }
    line->set_description(description ? *description
                                      : product_name.value_or(""));
    ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                     TextTimeAt(li["ServiceDate"]));
    ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(li["EndDate"]));
    if (start && !end) {
      // ServiceDate is OpportunityLineItem's only standard date: the day the
      // service is delivered. Without an end date (a custom or CPQ field)
      // the line is that one day, [ServiceDate, ServiceDate + 1 day).
      end = *start;
      end->set_seconds(end->seconds() + 86400);
    }
    if (start) *line->mutable_service_period()->mutable_start_time() = *start;
    if (end) *line->mutable_service_period()->mutable_end_time() = *end;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MapOpportunity(const TranslateContext& ctx, const Field& r,
                            TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  ASSIGN_OR_RETURN(std::string stage, r["StageName"].String());
  ASSIGN_OR_RETURN(std::optional<bool> is_won, r["IsWon"].OptionalBool());
  ASSIGN_OR_RETURN(std::optional<bool> is_closed, r["IsClosed"].OptionalBool());
  bool won = is_won.value_or(stage == "Closed Won");
  bool closed =
      is_closed.value_or(stage == "Closed Won" || stage == "Closed Lost");
  if (closed && !won) {
    out.Skip(absl::StrCat("Opportunity ", id, " is closed lost (", stage,
                          "): no contract"));
    return absl::OkStatus();
  }
  Contract c;
  *c.add_external_refs() = ctx.Ref("Opportunity", id);
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  c.set_status(won ? cv1::CONTRACT_STATUS_ACTIVE : cv1::CONTRACT_STATUS_DRAFT);
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  RETURN_IF_ERROR(MapLines(ctx, r["OpportunityLineItems"],
                           "OpportunityLineItem", currency, false, index, out,
                           c));
  ASSIGN_OR_RETURN(std::optional<Timestamp> close, TextTimeAt(r["CloseDate"]));
  if (close) {
    *c.mutable_effective_at() = *close;
    if (won) *c.mutable_signed_at() = *close;
  }
  RETURN_IF_ERROR(SetTimes(r, c, false));
  ASSIGN_OR_RETURN(std::optional<Decimal> amount, r["Amount"].OptionalNumber());
  if (amount) (*c.mutable_attributes())["Amount"] = FormatDecimal(*amount);
  (*c.mutable_attributes())["StageName"] = stage;
  PutIfString(r, "Name", c.mutable_attributes());
  PutIfString(r, "Type", c.mutable_attributes());
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(
      won ? cv1::EVENT_TYPE_CONTRACT_BOOKED : cv1::EVENT_TYPE_CONTRACT_CHANGED,
      index, close ? &*close : nullptr);
  return absl::OkStatus();
}

absl::Status MapOrder(const TranslateContext& ctx, const Field& r,
                      TranslationBuilder& out) {
  Contract c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> contract_id,
                   r["ContractId"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> opportunity_id,
                   r["OpportunityId"].OptionalString());
  if (contract_id) *c.add_external_refs() = ctx.Ref("Contract", *contract_id);
  if (opportunity_id)
    *c.add_external_refs() = ctx.Ref("Opportunity", *opportunity_id);
  *c.add_external_refs() = ctx.Ref("Order", id);
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, r["Status"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> status_code,
                   r["StatusCode"].OptionalString());
  bool activated =
      status == "Activated" || status_code.value_or("") == "Activated";
  c.set_status(activated ? cv1::CONTRACT_STATUS_ACTIVE
                         : cv1::CONTRACT_STATUS_DRAFT);
  ASSIGN_OR_RETURN(std::optional<bool> reduction,
                   r["IsReductionOrder"].OptionalBool());
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  RETURN_IF_ERROR(MapLines(ctx, r["OrderItems"], "OrderItem", currency,
                           reduction.value_or(false), index, out, c));
  ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                   TextTimeAt(r["EffectiveDate"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(r["EndDate"]));
  if (start) {
    *c.mutable_effective_at() = *start;
    *c.mutable_term()->mutable_start_time() = *start;
  }
  if (end) *c.mutable_term()->mutable_end_time() = *end;
  ASSIGN_OR_RETURN(std::optional<Timestamp> activated_at,
                   TextTimeAt(r["ActivatedDate"]));
  if (activated_at) *c.mutable_signed_at() = *activated_at;
  RETURN_IF_ERROR(SetTimes(r, c, false));
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   r["OrderNumber"].OptionalString());
  c.set_change_reason(
      absl::StrCat(reduction.value_or(false) ? "reduction order " : "order ",
                   number.value_or(id)));
  ASSIGN_OR_RETURN(std::optional<Decimal> total,
                   r["TotalAmount"].OptionalNumber());
  if (total) (*c.mutable_attributes())["TotalAmount"] = FormatDecimal(*total);
  (*c.mutable_attributes())["OrderStatus"] = status;
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(activated ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                         : cv1::EVENT_TYPE_CONTRACT_CHANGED,
               index,
               activated_at ? &*activated_at : (start ? &*start : nullptr));
  return absl::OkStatus();
}

absl::Status MapContract(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Contract c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *c.add_external_refs() = ctx.Ref("Contract", id);
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, r["Status"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> status_code,
                   r["StatusCode"].OptionalString());
  std::string code = status_code.value_or(status);
  c.set_status(code == "Activated"    ? cv1::CONTRACT_STATUS_ACTIVE
               : code == "Expired"    ? cv1::CONTRACT_STATUS_EXPIRED
               : code == "Terminated" ? cv1::CONTRACT_STATUS_CANCELLED
                                      : cv1::CONTRACT_STATUS_DRAFT);
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   r["ContractNumber"].OptionalString());
  c.set_contract_number(number.value_or(""));
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, TextTimeAt(r["StartDate"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(r["EndDate"]));
  if (start) {
    *c.mutable_term()->mutable_start_time() = *start;
    *c.mutable_effective_at() = *start;
  }
  if (end) *c.mutable_term()->mutable_end_time() = *end;
  ASSIGN_OR_RETURN(std::optional<Timestamp> activated_at,
                   TextTimeAt(r["ActivatedDate"]));
  if (activated_at) *c.mutable_signed_at() = *activated_at;
  RETURN_IF_ERROR(SetTimes(r, c, false));
  (*c.mutable_attributes())["Status"] = status;
  ASSIGN_OR_RETURN(std::vector<Field> orders,
                   r["Orders"]["records"].Elements());
  for (size_t i = 0; i < orders.size(); ++i) {
    ASSIGN_OR_RETURN(std::string order_id, orders[i]["Id"].String());
    (*c.mutable_attributes())[absl::StrCat("Orders[", i, "]")] = order_id;
  }
  c.set_change_reason(
      absl::StrCat("contract ", number.value_or(id), " ", status));
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  bool active = c.status() == cv1::CONTRACT_STATUS_ACTIVE;
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(active ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                      : cv1::EVENT_TYPE_CONTRACT_CHANGED,
               index, activated_at ? &*activated_at : nullptr);
  return absl::OkStatus();
}

}  // namespace revhub::adapter::salesforce
