// Salesforce Opportunity, Order and Contract -> canonical Contract versions
// with their lines (salesforce_lines.cc) and terms (salesforce_terms.cc).
#include "absl/strings/str_cat.h"
#include "adapters/salesforce/salesforce_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Contract;

namespace {

// Adds the contract entity, linked to the record's AccountId, with the
// sources of its customer and currency; returns its index.
absl::StatusOr<int> AddContract(const TranslateContext& ctx, const Field& r,
                                TranslationBuilder& out, Contract& c) {
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  CanonicalEntity* e = out.result().mutable_entities(index);
  AddSource(e, "customer_id", r["AccountId"].path());
  AddSource(e, "currency_code",
            r["CurrencyIsoCode"].present() ? r["CurrencyIsoCode"].path()
                                           : "config.default_currency");
  return index;
}

// The earliest start and latest end of the lines' service periods, as the
// term of an opportunity whose configuration names no term fields.
void TermFromLines(const Contract& c, const Field& items, Term& term) {
  for (const auto& line : c.lines()) {
    if (!line.has_service_period() || !line.service_period().has_end_time())
      continue;
    const auto& p = line.service_period();
    if (!term.start || p.start_time().seconds() < term.start->seconds())
      term.start = p.start_time();
    if (!term.end || p.end_time().seconds() > term.end->seconds())
      term.end = p.end_time();
  }
  term.start_path = term.end_path = items.path();
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
  c.set_status(won ? cv1::CONTRACT_STATUS_ACTIVE : cv1::CONTRACT_STATUS_DRAFT);
  ASSIGN_OR_RETURN(int index, AddContract(ctx, r, out, c));
  CanonicalEntity* e = out.result().mutable_entities(index);
  AddSource(e, "status", r["StageName"].path());
  ASSIGN_OR_RETURN(Term term, OpportunityTerm(ctx, r));
  ASSIGN_OR_RETURN(std::optional<Timestamp> close, TextTimeAt(r["CloseDate"]));
  LineSet lines;
  lines.item_type = "OpportunityLineItem";
  lines.currency = c.currency_code();
  lines.term = &term;
  lines.delivered_by_default = close;
  lines.delivered_by_default_path = r["CloseDate"].path();
  RETURN_IF_ERROR(
      MapLines(ctx, r["OpportunityLineItems"], lines, index, out, c));
  if (!term.start) {
    TermFromLines(c, r["OpportunityLineItems"], term);
    RETURN_IF_ERROR(SetRenewal(ctx, r, term));
  }
  ApplyTerm(term, c, e);
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
  *e->mutable_contract() = std::move(c);
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
  ASSIGN_OR_RETURN(int index, AddContract(ctx, r, out, c));
  CanonicalEntity* e = out.result().mutable_entities(index);
  ASSIGN_OR_RETURN(std::string status, r["Status"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> status_code,
                   r["StatusCode"].OptionalString());
  bool activated =
      status == "Activated" || status_code.value_or("") == "Activated";
  c.set_status(activated ? cv1::CONTRACT_STATUS_ACTIVE
                         : cv1::CONTRACT_STATUS_DRAFT);
  AddSource(e, "status", r["Status"].path());
  ASSIGN_OR_RETURN(std::optional<bool> reduction,
                   r["IsReductionOrder"].OptionalBool());
  ASSIGN_OR_RETURN(Term term, OrderTerm(ctx, r));
  LineSet lines;
  lines.item_type = "OrderItem";
  lines.currency = c.currency_code();
  lines.reduction = reduction.value_or(false);
  lines.term = &term;
  RETURN_IF_ERROR(MapLines(ctx, r["OrderItems"], lines, index, out, c));
  ApplyTerm(term, c, e);
  if (term.start) *c.mutable_effective_at() = *term.start;
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
  *e->mutable_contract() = std::move(c);
  out.AddEvent(
      activated ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                : cv1::EVENT_TYPE_CONTRACT_CHANGED,
      index,
      activated_at ? &*activated_at : (term.start ? &*term.start : nullptr));
  return absl::OkStatus();
}

absl::Status MapContract(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Contract c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *c.add_external_refs() = ctx.Ref("Contract", id);
  ASSIGN_OR_RETURN(int index, AddContract(ctx, r, out, c));
  CanonicalEntity* e = out.result().mutable_entities(index);
  ASSIGN_OR_RETURN(std::string status, r["Status"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> status_code,
                   r["StatusCode"].OptionalString());
  std::string code = status_code.value_or(status);
  c.set_status(code == "Activated"    ? cv1::CONTRACT_STATUS_ACTIVE
               : code == "Expired"    ? cv1::CONTRACT_STATUS_EXPIRED
               : code == "Terminated" ? cv1::CONTRACT_STATUS_CANCELLED
                                      : cv1::CONTRACT_STATUS_DRAFT);
  AddSource(e, "status", r["Status"].path());
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   r["ContractNumber"].OptionalString());
  c.set_contract_number(number.value_or(""));
  ASSIGN_OR_RETURN(Term term, ContractTerm(ctx, r));
  // The lines: the OrderItems of the contract's orders (the shape of GET
  // /services/data/vXX.X/commerce/sale/{contractId}), each order's dates
  // falling back to the contract's.
  ASSIGN_OR_RETURN(std::vector<Field> orders,
                   r["Orders"]["records"].Elements());
  for (size_t i = 0; i < orders.size(); ++i) {
    const Field& order = orders[i];
    RETURN_IF_ERROR(order.RequireObject());
    ASSIGN_OR_RETURN(std::string order_id, order["Id"].String());
    (*c.mutable_attributes())[absl::StrCat("Orders[", i, "]")] = order_id;
    ASSIGN_OR_RETURN(std::optional<bool> reduction,
                     order["IsReductionOrder"].OptionalBool());
    // The order's dates where it has them, else the contract's.
    ASSIGN_OR_RETURN(Term order_term, OrderTerm(ctx, order));
    Term lines_term = term;
    if (order_term.start) {
      lines_term.start = order_term.start;
      lines_term.start_path = order_term.start_path;
    }
    if (order_term.end) {
      lines_term.end = order_term.end;
      lines_term.end_path = order_term.end_path;
    }
    LineSet lines;
    lines.item_type = "OrderItem";
    lines.currency = c.currency_code();
    lines.reduction = reduction.value_or(false);
    lines.term = &lines_term;
    RETURN_IF_ERROR(MapLines(ctx, order["OrderItems"], lines, index, out, c));
  }
  if (c.status() == cv1::CONTRACT_STATUS_ACTIVE && c.lines_size() == 0) {
    return MappingError(
        r["Orders"].path(),
        "required: an Activated contract is booked with its lines, the "
        "OrderItems of its Orders (GET /services/data/vXX.X/commerce/sale/"
        "{contractId}); none were sent");
  }
  ApplyTerm(term, c, e);
  if (term.start) *c.mutable_effective_at() = *term.start;
  ASSIGN_OR_RETURN(std::optional<Timestamp> signed_at,
                   TextTimeAt(r["CustomerSignedDate"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> activated_at,
                   TextTimeAt(r["ActivatedDate"]));
  if (!signed_at) signed_at = activated_at;
  if (signed_at) *c.mutable_signed_at() = *signed_at;
  RETURN_IF_ERROR(SetTimes(r, c, false));
  (*c.mutable_attributes())["Status"] = status;
  c.set_change_reason(
      absl::StrCat("contract ", number.value_or(id), " ", status));
  bool active = c.status() == cv1::CONTRACT_STATUS_ACTIVE;
  *e->mutable_contract() = std::move(c);
  out.AddEvent(active ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                      : cv1::EVENT_TYPE_CONTRACT_CHANGED,
               index, activated_at ? &*activated_at : nullptr);
  return absl::OkStatus();
}

}  // namespace revhub::adapter::salesforce
