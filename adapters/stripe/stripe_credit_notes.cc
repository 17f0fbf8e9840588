// Stripe credit note -> canonical Invoice of kind CREDIT_NOTE, linked to the
// invoice it credits. Lines that include tax are netted as invoice lines
// are; how the credit was settled (credited to the invoice before payment,
// refunded, credited to the customer's balance, or out of band) is kept in
// attributes "settled.<how>".
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

using canonical::v1::Invoice;
using canonical::v1::InvoiceLine;

namespace cv1 = ::revhub::canonical::v1;

namespace {

// One credit note line: amount (before discounts, with inclusive tax),
// discount_amount (or discount_amounts[]), taxes, unit_amount.
absl::StatusOr<bool> MapCreditNoteLine(const Field& l,
                                       absl::string_view currency, int index,
                                       int i, TranslationBuilder& out,
                                       InvoiceLine* line, Nanos& net_sum) {
  CanonicalEntity* entity = out.result().mutable_entities(index);
  const std::string lp = absl::StrCat("lines[", i, "]");
  AddSource(entity, lp, l);
  ASSIGN_OR_RETURN(std::string line_id, l["id"].String());
  line->set_line_id(line_id);
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   l["description"].OptionalString());
  line->set_description(description.value_or(""));
  ASSIGN_OR_RETURN(std::optional<int64_t> quantity,
                   l["quantity"].OptionalInt());
  if (quantity) line->mutable_quantity()->set_units(*quantity);
  ASSIGN_OR_RETURN(Money gross, MinorUnitsAt(l["amount"], currency));
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   OptionalMinorUnitsAt(l["discount_amount"], currency));
  if (!discount) {
    ASSIGN_OR_RETURN(discount, SumAmounts(l["discount_amounts"], currency));
  }
  if (!discount) {
    ASSIGN_OR_RETURN(discount, MoneyFromMinorUnits(currency, 0));
  }
  ASSIGN_OR_RETURN(LineTaxes taxes, ReadLineTaxes(l, currency));
  if (l["tax_amounts"].present() || l["taxes"].present()) {
    *line->mutable_tax_amount() = taxes.total;
    AddSource(entity, lp + ".tax_amount", taxes.path);
  }
  Money net = gross;
  ASSIGN_OR_RETURN(std::optional<Money> unit,
                   UnitAmount(l, "unit_amount", currency));
  bool inclusive = !IsZero(taxes.inclusive);
  if (inclusive) {
    ASSIGN_OR_RETURN(std::optional<Money> excluding,
                     OptionalMinorUnitsAt(l["amount_excluding_tax"], currency));
    if (excluding) {
      net = *excluding;
    } else {
      ASSIGN_OR_RETURN(net, NetOfLineTax(gross, taxes, gross, *discount));
    }
    ASSIGN_OR_RETURN(
        std::optional<Money> unit_excluding,
        DecimalMinorUnitsAt(l["unit_amount_excluding_tax"], currency));
    if (unit_excluding) {
      unit = unit_excluding;
    } else if (unit) {
      ASSIGN_OR_RETURN(unit, NetOfLineTax(*unit, taxes, gross, *discount));
    }
    ASSIGN_OR_RETURN(*discount,
                     NetOfLineTax(*discount, taxes, gross, *discount));
  }
  *line->mutable_amount() = net;
  AddSource(entity, lp + ".amount", l["amount"]);
  *line->mutable_discount_amount() = *discount;
  AddSource(entity, lp + ".discount_amount", l["discount_amount"]);
  if (unit) *line->mutable_unit_amount() = *unit;
  net_sum += ToNanos(net);
  return inclusive;
}

}  // namespace

absl::Status MapCreditNote(const TranslateContext& ctx, const Field& o,
                           const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "credit_note"));
  Invoice cn;
  cn.set_kind(cv1::INVOICE_KIND_CREDIT_NOTE);
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *cn.add_external_refs() = ctx.Ref("credit_note", id);
  ASSIGN_OR_RETURN(std::string customer, RequiredId(o["customer"]));
  ASSIGN_OR_RETURN(std::string invoice, RequiredId(o["invoice"]));
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
  cn.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  if (status != "issued" && status != "void") {
    return MappingError(o["status"].path(),
                        absl::StrCat("unknown credit note status \"", status,
                                     "\" (issued or void)"));
  }
  // An issued credit note is settled against its invoice or refunded.
  cn.set_status(status == "void" ? cv1::INVOICE_STATUS_VOID
                                 : cv1::INVOICE_STATUS_PAID);
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   o["number"].OptionalString());
  cn.set_invoice_number(number.value_or(""));
  ASSIGN_OR_RETURN(std::optional<bool> has_more,
                   o["lines"]["has_more"].OptionalBool());
  if (has_more.value_or(false)) {
    return MappingError(
        o["lines"]["has_more"].path(),
        "the credit note has more lines than the payload carries; send it "
        "with every line (GET /v1/credit_notes/{id}/lines)");
  }
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  AddSource(entity, "currency_code", o["currency"]);
  AddSource(entity, "status", o["status"]);
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(entity, "customer_id", o["customer"]);
  out.Link(index, "credited_invoice_id", cv1::ENTITY_TYPE_INVOICE,
           ctx.Ref("invoice", invoice));
  AddSource(entity, "credited_invoice_id", o["invoice"]);
  ASSIGN_OR_RETURN(bool linked,
                   LinkContractByMetadata(ctx, o,
                                          /*invoice=*/false, index, out));
  (void)linked;  // a credit note without the key has no contract link
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> effective,
                   UnixTimeAt(o["effective_at"]));
  if (created) *cn.mutable_issued_at() = *created;
  if (effective) {
    *cn.mutable_effective_at() = *effective;
  } else if (created) {
    *cn.mutable_effective_at() = *created;
  }
  ASSIGN_OR_RETURN(std::vector<Field> lines, o["lines"]["data"].Elements());
  Nanos net_sum = 0;
  bool inclusive = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    InvoiceLine* line = cn.add_lines();
    ASSIGN_OR_RETURN(
        bool line_inclusive,
        MapCreditNoteLine(lines[i], currency, index, static_cast<int>(i), out,
                          line, net_sum));
    inclusive = inclusive || line_inclusive;
    ASSIGN_OR_RETURN(std::optional<std::string> credited_line,
                     lines[i]["invoice_line_item"].OptionalString());
    if (credited_line)
      (*cn.mutable_attributes())[absl::StrCat(
          "lines[", i, "].invoice_line_item")] = *credited_line;
  }
  entity = out.result().mutable_entities(index);
  // Tax: tax_amounts[] (legacy) or total_taxes[] (2025-03-31).
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   SumAmounts(o["tax_amounts"], currency));
  Field tax_field = o["tax_amounts"];
  if (!tax) {
    ASSIGN_OR_RETURN(tax, SumAmounts(o["total_taxes"], currency));
    tax_field = o["total_taxes"];
  }
  if (!tax) {
    ASSIGN_OR_RETURN(tax, MoneyFromMinorUnits(currency, 0));
  }
  *cn.mutable_tax_total() = *tax;
  AddSource(entity, "tax_total", tax_field);
  cn.set_tax_inclusive(inclusive);
  ASSIGN_OR_RETURN(*cn.mutable_total(), MinorUnitsAt(o["total"], currency));
  AddSource(entity, "total", o["total"]);
  ASSIGN_OR_RETURN(Money subtotal, MinorUnitsAt(o["subtotal"], currency));
  Field subtotal_field = o["subtotal"];
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   OptionalMinorUnitsAt(o["discount_amount"], currency));
  if (!discount) {
    ASSIGN_OR_RETURN(discount, MoneyFromMinorUnits(currency, 0));
  }
  if (inclusive) {
    ASSIGN_OR_RETURN(subtotal, MoneyFromNanos(currency, net_sum));
    if (o["subtotal_excluding_tax"].present())
      subtotal_field = o["subtotal_excluding_tax"];
    ASSIGN_OR_RETURN(Money billed, Add(subtotal, *tax));
    ASSIGN_OR_RETURN(*discount, Subtract(billed, cn.total()));
  }
  *cn.mutable_subtotal() = subtotal;
  AddSource(entity, "subtotal", subtotal_field);
  *cn.mutable_discount_total() = *discount;
  AddSource(entity, "discount_total", o["discount_amount"]);

  // How the credit was settled.
  for (const char* key :
       {"pre_payment_amount", "post_payment_amount", "out_of_band_amount"}) {
    ASSIGN_OR_RETURN(std::optional<Money> part,
                     OptionalMinorUnitsAt(o[key], currency));
    if (!part) continue;
    std::string how(key);
    how.resize(how.size() - std::string("_amount").size());
    (*cn.mutable_attributes())["settled." + how] = FormatMoney(*part);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> refund,
                   ExpandableId(o["refund"]));
  // The refunds issued with it (credit_note.refund; refunds[].refund from
  // API 2024-10-28): its revenue effect is theirs, counted once.
  if (refund) {
    (*cn.mutable_attributes())["refund"] = *refund;
    cn.add_refund_ids(*refund);
  }
  ASSIGN_OR_RETURN(std::vector<Field> refunds, o["refunds"].Elements());
  for (size_t r = 0; r < refunds.size(); ++r) {
    ASSIGN_OR_RETURN(std::optional<std::string> ref,
                     ExpandableId(refunds[r]["refund"]));
    if (!ref) continue;
    (*cn.mutable_attributes())[absl::StrCat("refunds[", r, "]")] = *ref;
    bool seen = false;
    for (const std::string& id : cn.refund_ids()) seen = seen || id == *ref;
    if (!seen) cn.add_refund_ids(*ref);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> balance,
                   ExpandableId(o["customer_balance_transaction"]));
  if (balance)
    (*cn.mutable_attributes())["customer_balance_transaction"] = *balance;
  ASSIGN_OR_RETURN(std::optional<std::string> reason,
                   o["reason"].OptionalString());
  if (reason) (*cn.mutable_attributes())["reason"] = *reason;
  ASSIGN_OR_RETURN(std::optional<std::string> type, o["type"].OptionalString());
  if (type) (*cn.mutable_attributes())["type"] = *type;
  PutMetadata(o["metadata"], cn.mutable_attributes());
  *out.result().mutable_entities(index)->mutable_invoice() = std::move(cn);
  out.AddEvent(
      status == "void" ? cv1::EVENT_TYPE_INVOICE_CHANGED
                       : cv1::EVENT_TYPE_CREDIT_ISSUED,
      index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return absl::OkStatus();
}

}  // namespace revhub::adapter::stripe
