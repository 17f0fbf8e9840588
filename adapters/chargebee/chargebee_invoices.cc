// Chargebee invoice -> canonical Invoice, credit_note -> Invoice of kind
// CREDIT_NOTE linked to the invoice it credits; their line_items, discounts
// and taxes.
//
// Chargebee amounts: a line's amount is unit_amount x quantity, before its
// discount_amount; with price_type "tax_inclusive" it includes the line's
// tax_amount. Such a line is netted to its amount without tax (the tax
// stays in tax_amount) and the document says tax_inclusive, as the Stripe
// adapter does for inclusive tax rates.
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::chargebee {

using canonical::v1::Invoice;
using canonical::v1::InvoiceLine;

namespace cv1 = ::revhub::canonical::v1;

namespace {

// Returns `amount` without the tax an inclusive line holds: amount * T /
// (T + tax), T the taxable amount (line gross - discount - tax), rounded
// half up to the minor unit. `amount` itself when the line has no tax.
absl::StatusOr<Money> NetOfLineTax(const Money& amount, const Money& gross,
                                   const Money& discount, const Money& tax) {
  if (IsZero(tax)) return amount;
  Nanos t = ToNanos(tax);
  Nanos taxable = ToNanos(gross) - ToNanos(discount) - t;
  return ScaleToMinorUnit(amount, taxable, taxable + t);
}

// Line entity types billed once rather than over a period.
bool IsOneOffEntity(absl::string_view entity_type) {
  return entity_type == "adhoc" || entity_type == "charge_item_price" ||
         entity_type == "plan_setup";
}

// Maps line `l` into `line` of entity `index`; adds its net amount to
// `net_sum`.
absl::Status MapLine(const TranslateContext& ctx, const Field& l,
                     absl::string_view currency, bool inclusive, int index,
                     int i, TranslationBuilder& out, InvoiceLine* line,
                     Nanos& net_sum,
                     google::protobuf::Map<std::string, std::string>* attrs) {
  RETURN_IF_ERROR(l.RequireObject());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  const std::string lp = absl::StrCat("lines[", i, "]");
  AddSource(entity, lp, l);
  ASSIGN_OR_RETURN(std::string line_id, l["id"].String());
  line->set_line_id(line_id);
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   l["description"].OptionalString());
  line->set_description(description.value_or(""));
  ASSIGN_OR_RETURN(*line->mutable_quantity(), QuantityAt(l, "quantity", 1));
  AddSource(entity, lp + ".quantity", l["quantity"]);
  ASSIGN_OR_RETURN(std::optional<Money> gross,
                   AmountAt(l["amount"], l["amount_in_decimal"], currency));
  if (!gross)
    return MappingError(l["amount"].path(), "required field is missing");
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   OptionalMinorUnitsAt(l["discount_amount"], currency));
  if (!discount) {
    ASSIGN_OR_RETURN(discount, MoneyFromMinorUnits(currency, 0));
  }
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   OptionalMinorUnitsAt(l["tax_amount"], currency));
  if (tax) {
    *line->mutable_tax_amount() = *tax;
    AddSource(entity, lp + ".tax_amount", l["tax_amount"]);
  } else {
    ASSIGN_OR_RETURN(tax, MoneyFromMinorUnits(currency, 0));
  }
  ASSIGN_OR_RETURN(
      std::optional<Money> unit,
      AmountAt(l["unit_amount"], l["unit_amount_in_decimal"], currency));
  Money net = *gross;
  if (inclusive) {
    ASSIGN_OR_RETURN(net, NetOfLineTax(*gross, *gross, *discount, *tax));
    if (unit) {
      ASSIGN_OR_RETURN(unit, NetOfLineTax(*unit, *gross, *discount, *tax));
    }
    ASSIGN_OR_RETURN(discount,
                     NetOfLineTax(*discount, *gross, *discount, *tax));
  }
  *line->mutable_amount() = net;
  AddSource(entity, lp + ".amount", l["amount"]);
  net_sum += ToNanos(net);
  *line->mutable_discount_amount() = *discount;
  AddSource(entity, lp + ".discount_amount", l["discount_amount"]);
  if (unit) {
    *line->mutable_unit_amount() = *unit;
    AddSource(entity, lp + ".unit_amount", l["unit_amount"]);
  }

  // When: the billed period, or the instant of a one-off charge.
  ASSIGN_OR_RETURN(std::optional<Timestamp> from, UnixTimeAt(l["date_from"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> to, UnixTimeAt(l["date_to"]));
  ASSIGN_OR_RETURN(std::optional<std::string> entity_type,
                   l["entity_type"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> entity_id,
                   l["entity_id"].OptionalString());
  bool one_off = IsOneOffEntity(entity_type.value_or("")) ||
                 (from && to && from->seconds() == to->seconds());
  if (one_off) {
    if (to) {
      *line->mutable_delivered_at() = *to;
    } else if (from) {
      *line->mutable_delivered_at() = *from;
    }
    AddSource(entity, lp + ".delivered_at", l["date_to"]);
  } else {
    if (from) *line->mutable_service_period()->mutable_start_time() = *from;
    if (to) *line->mutable_service_period()->mutable_end_time() = *to;
    AddSource(entity, lp + ".service_period", l["date_from"]);
  }
  if (entity_type) (*attrs)[lp + ".entity_type"] = *entity_type;
  // The contract line it bills: a subscription's item price (or 1.0 plan,
  // addon), which is the contract line's id.
  ASSIGN_OR_RETURN(std::optional<std::string> subscription,
                   l["subscription_id"].OptionalString());
  std::optional<ExternalRef> product =
      LineProductRef(ctx, entity_type.value_or(""), entity_id.value_or(""));
  if (product) {
    if (subscription && !one_off) line->set_contract_line_id(*entity_id);
    out.Link(index, lp + ".product_id", cv1::ENTITY_TYPE_PRODUCT, *product);
    AddSource(out.result().mutable_entities(index), lp + ".product_id",
              l["entity_id"]);
  }
  return absl::OkStatus();
}

// Sums an array of {amount} objects in minor units; zero when absent.
absl::StatusOr<Money> SumAmounts(const Field& list,
                                 absl::string_view currency) {
  ASSIGN_OR_RETURN(std::vector<Field> items, list.Elements());
  ASSIGN_OR_RETURN(Money total, MoneyFromMinorUnits(currency, 0));
  for (const Field& item : items) {
    ASSIGN_OR_RETURN(Money m, MinorUnitsAt(item["amount"], currency));
    ASSIGN_OR_RETURN(total, Add(total, m));
  }
  return total;
}

// The amounts both documents have: lines, subtotal, tax, total, discounts.
absl::Status MapAmounts(const TranslateContext& ctx, const Field& o,
                        absl::string_view currency, int index,
                        TranslationBuilder& out, Invoice& inv) {
  ASSIGN_OR_RETURN(std::optional<std::string> price_type,
                   o["price_type"].OptionalString());
  bool inclusive = price_type.value_or("tax_exclusive") == "tax_inclusive";
  inv.set_tax_inclusive(inclusive);
  ASSIGN_OR_RETURN(std::vector<Field> lines, o["line_items"].Elements());
  Nanos net_sum = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    RETURN_IF_ERROR(MapLine(ctx, lines[i], currency, inclusive, index,
                            static_cast<int>(i), out, inv.add_lines(), net_sum,
                            inv.mutable_attributes()));
    ASSIGN_OR_RETURN(std::optional<std::string> credited_line,
                     lines[i]["reference_line_item_id"].OptionalString());
    if (credited_line)
      (*inv.mutable_attributes())[absl::StrCat(
          "lines[", i, "].reference_line_item_id")] = *credited_line;
  }
  CanonicalEntity* entity = out.result().mutable_entities(index);
  // Tax: the invoice's "tax", else the sum of its taxes[] (credit notes).
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   OptionalMinorUnitsAt(o["tax"], currency));
  Field tax_field = o["tax"];
  if (!tax) {
    ASSIGN_OR_RETURN(tax, SumAmounts(o["taxes"], currency));
    tax_field = o["taxes"];
  }
  *inv.mutable_tax_total() = *tax;
  AddSource(entity, "tax_total", tax_field);
  ASSIGN_OR_RETURN(Money subtotal, MinorUnitsAt(o["sub_total"], currency));
  if (inclusive && !lines.empty()) {
    ASSIGN_OR_RETURN(subtotal, MoneyFromNanos(currency, net_sum));
  }
  *inv.mutable_subtotal() = subtotal;
  AddSource(entity, "subtotal", o["sub_total"]);
  ASSIGN_OR_RETURN(*inv.mutable_total(), MinorUnitsAt(o["total"], currency));
  AddSource(entity, "total", o["total"]);
  ASSIGN_OR_RETURN(Money discount, SumAmounts(o["discounts"], currency));
  ASSIGN_OR_RETURN(std::optional<Money> round_off,
                   OptionalMinorUnitsAt(o["round_off_amount"], currency));
  if (inclusive) {
    // The discounts include tax: what they took off the net amount is what
    // the lines and the tax leave of the total.
    ASSIGN_OR_RETURN(Money billed, Add(subtotal, *tax));
    ASSIGN_OR_RETURN(discount, Subtract(billed, inv.total()));
  } else if (round_off) {
    // Chargebee's total = sub_total - discounts + tax + round_off_amount:
    // the round-off counts as a (negative) discount, so that the canonical
    // total = subtotal - discount_total + tax_total holds.
    ASSIGN_OR_RETURN(discount, Subtract(discount, *round_off));
  }
  *inv.mutable_discount_total() = discount;
  AddSource(entity, "discount_total", o["discounts"]);
  if (round_off && !IsZero(*round_off))
    (*inv.mutable_attributes())["round_off_amount"] = FormatMoney(*round_off);
  return absl::OkStatus();
}

// Links contract_id to the subscription the document bills, when it names
// one.
absl::Status LinkSubscription(const TranslateContext& ctx, const Field& o,
                              int index, TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::optional<std::string> subscription,
                   o["subscription_id"].OptionalString());
  if (!subscription || subscription->empty()) return absl::OkStatus();
  out.Link(index, "contract_id", cv1::ENTITY_TYPE_CONTRACT,
           ctx.Ref("subscription", *subscription));
  AddSource(out.result().mutable_entities(index), "contract_id",
            o["subscription_id"]);
  return absl::OkStatus();
}

}  // namespace

absl::Status MapInvoice(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "invoice"));
  Invoice inv;
  inv.set_kind(cv1::INVOICE_KIND_INVOICE);
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *inv.add_external_refs() = ctx.Ref("invoice", id);
  inv.set_invoice_number(id);  // Chargebee's invoice id is its number
  ASSIGN_OR_RETURN(std::string customer, o["customer_id"].String());
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency_code"]));
  inv.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  static const auto* const kStatus =
      new std::map<std::string, cv1::InvoiceStatus>{
          {"pending", cv1::INVOICE_STATUS_DRAFT},
          {"posted", cv1::INVOICE_STATUS_OPEN},
          {"payment_due", cv1::INVOICE_STATUS_OPEN},
          {"not_paid", cv1::INVOICE_STATUS_OPEN},
          {"paid", cv1::INVOICE_STATUS_PAID},
          {"voided", cv1::INVOICE_STATUS_VOID}};
  auto st = kStatus->find(status);
  if (st == kStatus->end())
    return MappingError(o["status"].path(),
                        absl::StrCat("unknown invoice status \"", status,
                                     "\" (pending, posted, payment_due, "
                                     "not_paid, paid or voided)"));
  inv.set_status(st->second);
  (*inv.mutable_attributes())["chargebee_status"] = status;
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  AddSource(entity, "currency_code", o["currency_code"]);
  AddSource(entity, "status", o["status"]);
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(out.result().mutable_entities(index), "customer_id",
            o["customer_id"]);
  RETURN_IF_ERROR(LinkSubscription(ctx, o, index, out));

  ASSIGN_OR_RETURN(std::optional<Timestamp> date, UnixTimeAt(o["date"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> generated,
                   UnixTimeAt(o["generated_at"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> due, UnixTimeAt(o["due_date"]));
  if (status != "pending") {
    if (generated) {
      *inv.mutable_issued_at() = *generated;
    } else if (date) {
      *inv.mutable_issued_at() = *date;
    }
  }
  if (due) *inv.mutable_due_at() = *due;
  if (date) *inv.mutable_effective_at() = *date;
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UpdatedAt(o));
  if (updated) *inv.mutable_source_updated_at() = *updated;

  RETURN_IF_ERROR(MapAmounts(ctx, o, currency, index, out, inv));
  entity = out.result().mutable_entities(index);
  ASSIGN_OR_RETURN(std::optional<Money> paid,
                   OptionalMinorUnitsAt(o["amount_paid"], currency));
  if (paid) *inv.mutable_amount_paid() = *paid;
  AddSource(entity, "amount_paid", o["amount_paid"]);
  // amount_due: total - amount_paid - credits applied - adjustments.
  ASSIGN_OR_RETURN(std::optional<Money> due_amount,
                   OptionalMinorUnitsAt(o["amount_due"], currency));
  if (due_amount) *inv.mutable_amount_remaining() = *due_amount;
  AddSource(entity, "amount_remaining", o["amount_due"]);
  // Credits: refundable credit notes applied, and adjustment credit notes.
  std::optional<Money> credited;
  for (const char* key : {"credits_applied", "amount_adjusted"}) {
    ASSIGN_OR_RETURN(std::optional<Money> part,
                     OptionalMinorUnitsAt(o[key], currency));
    if (!part) continue;
    if (credited) {
      ASSIGN_OR_RETURN(credited, Add(*credited, *part));
    } else {
      credited = part;
    }
  }
  if (credited) {
    *inv.mutable_amount_credited() = *credited;
    AddSource(entity, "amount_credited", o["credits_applied"]);
  }
  ASSIGN_OR_RETURN(std::optional<Money> written_off,
                   OptionalMinorUnitsAt(o["write_off_amount"], currency));
  if (written_off && !IsZero(*written_off))
    (*inv.mutable_attributes())["write_off_amount"] = FormatMoney(*written_off);
  ASSIGN_OR_RETURN(std::optional<bool> recurring,
                   o["recurring"].OptionalBool());
  if (recurring)
    (*inv.mutable_attributes())["recurring"] = *recurring ? "true" : "false";
  ASSIGN_OR_RETURN(std::optional<std::string> po,
                   o["po_number"].OptionalString());
  if (po && !po->empty()) (*inv.mutable_attributes())["po_number"] = *po;
  ASSIGN_OR_RETURN(std::vector<Field> payments,
                   o["linked_payments"].Elements());
  for (size_t p = 0; p < payments.size(); ++p) {
    ASSIGN_OR_RETURN(std::string txn, payments[p]["txn_id"].String());
    (*inv.mutable_attributes())[absl::StrCat("linked_payments[", p, "]")] = txn;
  }
  *out.result().mutable_entities(index)->mutable_invoice() = std::move(inv);

  EventType type = cv1::EVENT_TYPE_INVOICE_CHANGED;
  if (ev) {
    if (ev->event_type == "invoice_generated" ||
        ev->event_type == "invoice_generated_with_backdating")
      type = cv1::EVENT_TYPE_INVOICE_ISSUED;
  } else if (status != "pending" && status != "voided") {
    type = cv1::EVENT_TYPE_INVOICE_ISSUED;
  }
  const Timestamp* when = EventTime(ev, generated ? generated : date);
  out.AddEvent(type, index, when, ev ? ev->id : "");
  return absl::OkStatus();
}

absl::Status MapCreditNote(const TranslateContext& ctx, const Field& o,
                           const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "credit_note"));
  Invoice cn;
  cn.set_kind(cv1::INVOICE_KIND_CREDIT_NOTE);
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *cn.add_external_refs() = ctx.Ref("credit_note", id);
  cn.set_invoice_number(id);
  ASSIGN_OR_RETURN(std::string customer, o["customer_id"].String());
  ASSIGN_OR_RETURN(std::string invoice, o["reference_invoice_id"].String());
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency_code"]));
  cn.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  // adjusted (set off against its invoice), refunded, refund_due (credit
  // the customer holds): issued and settled one way or another, as a
  // Stripe credit note is; voided: void.
  if (status != "adjusted" && status != "refunded" && status != "refund_due" &&
      status != "voided") {
    return MappingError(o["status"].path(),
                        absl::StrCat("unknown credit note status \"", status,
                                     "\" (adjusted, refunded, refund_due or "
                                     "voided)"));
  }
  cn.set_status(status == "voided" ? cv1::INVOICE_STATUS_VOID
                                   : cv1::INVOICE_STATUS_PAID);
  (*cn.mutable_attributes())["chargebee_status"] = status;
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  AddSource(entity, "currency_code", o["currency_code"]);
  AddSource(entity, "status", o["status"]);
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(out.result().mutable_entities(index), "customer_id",
            o["customer_id"]);
  out.Link(index, "credited_invoice_id", cv1::ENTITY_TYPE_INVOICE,
           ctx.Ref("invoice", invoice));
  AddSource(out.result().mutable_entities(index), "credited_invoice_id",
            o["reference_invoice_id"]);
  RETURN_IF_ERROR(LinkSubscription(ctx, o, index, out));
  ASSIGN_OR_RETURN(std::optional<Timestamp> date, UnixTimeAt(o["date"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> generated,
                   UnixTimeAt(o["generated_at"]));
  const std::optional<Timestamp>& issued = generated ? generated : date;
  if (issued) *cn.mutable_issued_at() = *issued;
  if (date) *cn.mutable_effective_at() = *date;
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UpdatedAt(o));
  if (updated) *cn.mutable_source_updated_at() = *updated;
  RETURN_IF_ERROR(MapAmounts(ctx, o, currency, index, out, cn));

  // How the credit was settled.
  for (const char* key :
       {"amount_allocated", "amount_refunded", "amount_available"}) {
    ASSIGN_OR_RETURN(std::optional<Money> part,
                     OptionalMinorUnitsAt(o[key], currency));
    if (!part) continue;
    std::string how(key);
    (*cn.mutable_attributes())["settled." + how.substr(7)] = FormatMoney(*part);
  }
  for (const char* key : {"type", "reason_code", "create_reason_code"}) {
    ASSIGN_OR_RETURN(std::optional<std::string> v, o[key].OptionalString());
    if (v && !v->empty()) (*cn.mutable_attributes())[key] = *v;
  }
  ASSIGN_OR_RETURN(std::vector<Field> refunds, o["linked_refunds"].Elements());
  for (size_t r = 0; r < refunds.size(); ++r) {
    ASSIGN_OR_RETURN(std::string txn, refunds[r]["txn_id"].String());
    (*cn.mutable_attributes())[absl::StrCat("linked_refunds[", r, "]")] = txn;
  }
  *out.result().mutable_entities(index)->mutable_invoice() = std::move(cn);
  out.AddEvent(status == "voided" ? cv1::EVENT_TYPE_INVOICE_CHANGED
                                  : cv1::EVENT_TYPE_CREDIT_ISSUED,
               index, EventTime(ev, issued), ev ? ev->id : "");
  return absl::OkStatus();
}

}  // namespace revhub::adapter::chargebee
