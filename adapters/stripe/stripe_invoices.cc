// Stripe invoice -> canonical Invoice, with its lines, discounts, taxes and
// the amounts as docs/adapter-guide.md's Stripe table defines them.
//
// Shapes read, by the fields present (every API version from 2020-08-27):
//   line price           price / plan (expanded)   |  pricing.price_details
//   line proration       proration                 | parent.*_details.proration
//   line subscription    subscription_item, type   |
//   parent.subscription_item_details line tax tax_amounts[].inclusive   |
//   taxes[].tax_behavior invoice tax          tax, total_tax_amounts    |
//   total_taxes invoice subscription subscription              |
//   parent.subscription_details
// A line that includes tax (inclusive rates, VAT) is netted to its amount
// without tax; the tax stays in tax_amount and the invoice says
// tax_inclusive.
#include <map>
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

// Whether a line bills a one-off charge: a line whose period is an instant,
// or an invoice item (not a subscription's) — legacy type "invoiceitem"
// with no subscription, or parent.invoice_item_details without one.
absl::StatusOr<bool> IsOneOff(const Field& l,
                              const std::optional<Timestamp>& start,
                              const std::optional<Timestamp>& end) {
  if (start && end && start->seconds() == end->seconds()) return true;
  ASSIGN_OR_RETURN(std::optional<std::string> type, l["type"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> subscription,
                   ExpandableId(l["subscription"]));
  if (type && *type == "invoiceitem" && !subscription) return true;
  Field parent = l["parent"];
  ASSIGN_OR_RETURN(std::optional<std::string> parent_type,
                   parent["type"].OptionalString());
  if (parent_type && *parent_type == "invoice_item_details") {
    ASSIGN_OR_RETURN(
        std::optional<std::string> item_subscription,
        ExpandableId(parent["invoice_item_details"]["subscription"]));
    if (!item_subscription && !subscription) return true;
  }
  return false;
}

// What the lines add up to, for the invoice's amounts.
struct LineTotals {
  Nanos net = 0;
  bool inclusive = false;
};

absl::Status MapInvoiceLine(const TranslateContext& ctx, const Field& l,
                            absl::string_view currency, int index, int i,
                            TranslationBuilder& out, InvoiceLine* line,
                            LineTotals& totals) {
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
  if (quantity) {
    line->mutable_quantity()->set_units(*quantity);
  } else if (l["quantity_decimal"].present()) {
    ASSIGN_OR_RETURN(*line->mutable_quantity(), l["quantity_decimal"].Number());
  }
  AddSource(entity, lp + ".quantity", l["quantity"]);

  // Amounts: Stripe's amount is before discounts and includes inclusive
  // tax; discount_amounts are the line's share of the discounts.
  ASSIGN_OR_RETURN(Money gross, MinorUnitsAt(l["amount"], currency));
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   SumAmounts(l["discount_amounts"], currency));
  if (!discount) {
    ASSIGN_OR_RETURN(discount, MoneyFromMinorUnits(currency, 0));
  }
  ASSIGN_OR_RETURN(LineTaxes taxes, ReadLineTaxes(l, currency));
  bool has_taxes = l["tax_amounts"].present() || l["taxes"].present();
  if (has_taxes) {
    *line->mutable_tax_amount() = taxes.total;
    AddSource(entity, lp + ".tax_amount", taxes.path);
  }
  Money net = gross;
  if (!IsZero(taxes.inclusive)) {
    totals.inclusive = true;
    ASSIGN_OR_RETURN(std::optional<Money> excluding,
                     OptionalMinorUnitsAt(l["amount_excluding_tax"], currency));
    if (excluding) {
      net = *excluding;
    } else {
      ASSIGN_OR_RETURN(net, NetOfLineTax(gross, taxes, gross, *discount));
    }
    ASSIGN_OR_RETURN(*discount,
                     NetOfLineTax(*discount, taxes, gross, *discount));
  }
  *line->mutable_amount() = net;
  AddSource(entity, lp + ".amount", l["amount"]);
  totals.net += ToNanos(net);
  if (l["discount_amounts"].present()) {
    *line->mutable_discount_amount() = *discount;
    AddSource(entity, lp + ".discount_amount", l["discount_amounts"]);
  }

  // When: a billed period, or the instant of a one-off charge.
  Field period = l["period"];
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, UnixTimeAt(period["start"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, UnixTimeAt(period["end"]));
  ASSIGN_OR_RETURN(bool one_off, IsOneOff(l, start, end));
  if (one_off) {
    // Delivered when its period ends (the same instant when it has none).
    if (end) {
      *line->mutable_delivered_at() = *end;
    } else if (start) {
      *line->mutable_delivered_at() = *start;
    }
    AddSource(entity, lp + ".delivered_at", period["end"]);
  } else {
    if (start) *line->mutable_service_period()->mutable_start_time() = *start;
    if (end) *line->mutable_service_period()->mutable_end_time() = *end;
    AddSource(entity, lp + ".service_period", period);
  }

  // Proration flag: legacy "proration" or parent.*_details.proration.
  ASSIGN_OR_RETURN(std::optional<bool> proration,
                   l["proration"].OptionalBool());
  Field parent = l["parent"];
  for (const char* details :
       {"subscription_item_details", "invoice_item_details"}) {
    if (proration) break;
    ASSIGN_OR_RETURN(proration, parent[details]["proration"].OptionalBool());
  }
  line->set_proration(proration.value_or(false));
  ASSIGN_OR_RETURN(std::optional<std::string> item,
                   ExpandableId(l["subscription_item"]));
  if (!item) {
    ASSIGN_OR_RETURN(
        item,
        ExpandableId(parent["subscription_item_details"]["subscription_item"]));
  }
  if (item) line->set_contract_line_id(*item);

  // Product and unit price: legacy price/plan object, or
  // pricing.price_details (2025-03-31) with pricing.unit_amount_decimal.
  Field price = PriceOf(l);
  std::optional<std::string> product;
  std::optional<std::string> price_id;
  std::optional<Money> unit;
  std::string product_path;
  if (price.present() && price.json().is_object()) {
    ASSIGN_OR_RETURN(product, ExpandableId(price["product"]));
    ASSIGN_OR_RETURN(price_id, price["id"].OptionalString());
    product_path = price["product"].path();
    ASSIGN_OR_RETURN(std::string price_currency, CurrencyAt(price["currency"]));
    if (price_currency == currency) {
      ASSIGN_OR_RETURN(
          unit, UnitAmount(price, IsPlan(price) ? "amount" : "unit_amount",
                           currency));
    }
    ASSIGN_OR_RETURN(std::optional<std::string> behavior,
                     price["tax_behavior"].OptionalString());
    if (behavior && *behavior == "inclusive") totals.inclusive = true;
  } else {
    Field details = l["pricing"]["price_details"];
    ASSIGN_OR_RETURN(product, ExpandableId(details["product"]));
    ASSIGN_OR_RETURN(price_id, ExpandableId(details["price"]));
    product_path = details["product"].path();
    ASSIGN_OR_RETURN(unit, UnitAmount(l["pricing"], "unit_amount", currency));
  }
  if (unit) {
    if (!IsZero(taxes.inclusive)) {
      // Stripe's own figure when it has one (API 2022-08-01 to 2025-02-24).
      ASSIGN_OR_RETURN(
          std::optional<Money> excluding,
          DecimalMinorUnitsAt(l["unit_amount_excluding_tax"], currency));
      if (excluding) {
        unit = excluding;
      } else {
        ASSIGN_OR_RETURN(unit, NetOfLineTax(*unit, taxes, gross, *discount));
      }
    }
    *line->mutable_unit_amount() = *unit;
  }
  if (product) {
    out.Link(index, lp + ".product_id", cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("product", *product));
    AddSource(entity, lp + ".product_id", product_path);
  } else if (price_id) {
    out.Link(index, lp + ".product_id", cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("price", *price_id));
    AddSource(entity, lp + ".product_id", price.path());
  }
  return absl::OkStatus();
}

// Sums an array of {amount} objects, or zero when the array is absent.
absl::StatusOr<Money> SumOrZero(const Field& list, absl::string_view currency) {
  ASSIGN_OR_RETURN(std::optional<Money> sum, SumAmounts(list, currency));
  if (sum) return *sum;
  return MoneyFromMinorUnits(currency, 0);
}

}  // namespace

absl::Status MapInvoice(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "invoice"));
  Invoice inv;
  inv.set_kind(cv1::INVOICE_KIND_INVOICE);
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *inv.add_external_refs() = ctx.Ref("invoice", id);
  ASSIGN_OR_RETURN(std::string customer, RequiredId(o["customer"]));
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
  inv.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  static const std::map<std::string, cv1::InvoiceStatus> kStatus = {
      {"draft", cv1::INVOICE_STATUS_DRAFT},
      {"open", cv1::INVOICE_STATUS_OPEN},
      {"paid", cv1::INVOICE_STATUS_PAID},
      {"void", cv1::INVOICE_STATUS_VOID},
      {"uncollectible", cv1::INVOICE_STATUS_UNCOLLECTIBLE}};
  auto st = kStatus.find(status);
  if (st == kStatus.end())
    return MappingError(
        o["status"].path(),
        absl::StrCat("unknown invoice status \"", status,
                     "\" (draft, open, paid, void or uncollectible)"));
  inv.set_status(st->second);
  ASSIGN_OR_RETURN(std::optional<bool> has_more,
                   o["lines"]["has_more"].OptionalBool());
  if (has_more.value_or(false)) {
    return MappingError(
        o["lines"]["has_more"].path(),
        "the invoice has more lines than the payload carries (Stripe embeds "
        "the first page); send it with every line "
        "(GET /v1/invoices/{id}/lines) so that its amounts add up");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   o["number"].OptionalString());
  inv.set_invoice_number(number.value_or(""));
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  AddSource(entity, "currency_code", o["currency"]);
  AddSource(entity, "status", o["status"]);
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(entity, "customer_id", o["customer"]);
  ASSIGN_OR_RETURN(bool linked, LinkContractByMetadata(ctx, o, /*invoice=*/true,
                                                       index, out));
  ASSIGN_OR_RETURN(std::optional<std::string> subscription,
                   InvoiceSubscription(o));
  if (subscription && !linked) {
    out.Link(index, "contract_id", cv1::ENTITY_TYPE_CONTRACT,
             ctx.Ref("subscription", *subscription));
    AddSource(out.result().mutable_entities(index), "contract_id",
              o["subscription"].present()
                  ? o["subscription"].path()
                  : o["parent"]["subscription_details"]["subscription"].path());
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> finalized,
                   UnixTimeAt(o["status_transitions"]["finalized_at"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> due, UnixTimeAt(o["due_date"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> effective,
                   UnixTimeAt(o["effective_at"]));
  if (finalized) {
    *inv.mutable_issued_at() = *finalized;
  } else if (effective) {
    *inv.mutable_issued_at() = *effective;
  }
  if (due) *inv.mutable_due_at() = *due;
  if (effective) {
    *inv.mutable_effective_at() = *effective;
  } else if (created) {
    *inv.mutable_effective_at() = *created;
  }

  ASSIGN_OR_RETURN(std::vector<Field> lines, o["lines"]["data"].Elements());
  LineTotals totals;
  for (size_t i = 0; i < lines.size(); ++i) {
    RETURN_IF_ERROR(MapInvoiceLine(ctx, lines[i], currency, index,
                                   static_cast<int>(i), out, inv.add_lines(),
                                   totals));
  }
  entity = out.result().mutable_entities(index);

  // Tax: legacy "tax" / total_tax_amounts[], or total_taxes[] (2025-03-31).
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   OptionalMinorUnitsAt(o["tax"], currency));
  Field tax_field = o["tax"];
  for (const char* key : {"total_tax_amounts", "total_taxes"}) {
    if (tax) break;
    ASSIGN_OR_RETURN(tax, SumAmounts(o[key], currency));
    tax_field = o[key];
    ASSIGN_OR_RETURN(std::vector<Field> list, o[key].Elements());
    for (const Field& t : list) {
      ASSIGN_OR_RETURN(std::optional<bool> inc, t["inclusive"].OptionalBool());
      ASSIGN_OR_RETURN(std::optional<std::string> behavior,
                       t["tax_behavior"].OptionalString());
      if (inc.value_or(false) || behavior.value_or("") == "inclusive")
        totals.inclusive = true;
    }
  }
  if (!tax) {
    ASSIGN_OR_RETURN(tax, MoneyFromMinorUnits(currency, 0));
  }
  *inv.mutable_tax_total() = *tax;
  AddSource(entity, "tax_total", tax_field);
  inv.set_tax_inclusive(totals.inclusive);

  // subtotal: the lines, net of inclusive tax (Stripe's
  // subtotal_excluding_tax, 2022-08-01 and later, says the same).
  ASSIGN_OR_RETURN(Money subtotal, MinorUnitsAt(o["subtotal"], currency));
  Field subtotal_field = o["subtotal"];
  if (totals.inclusive) {
    ASSIGN_OR_RETURN(
        std::optional<Money> excluding,
        OptionalMinorUnitsAt(o["subtotal_excluding_tax"], currency));
    if (!lines.empty()) {
      ASSIGN_OR_RETURN(subtotal, MoneyFromNanos(currency, totals.net));
    } else if (excluding) {
      subtotal = *excluding;
    }
    if (excluding) subtotal_field = o["subtotal_excluding_tax"];
  }
  *inv.mutable_subtotal() = subtotal;
  AddSource(entity, "subtotal", subtotal_field);
  ASSIGN_OR_RETURN(*inv.mutable_total(), MinorUnitsAt(o["total"], currency));
  AddSource(entity, "total", o["total"]);
  // Invoice discounts, exclusive of tax. With inclusive tax Stripe's
  // discount amounts include tax: what the discounts took off the net
  // amount is what the lines and tax leave of the total.
  ASSIGN_OR_RETURN(Money discount,
                   SumOrZero(o["total_discount_amounts"], currency));
  if (totals.inclusive) {
    ASSIGN_OR_RETURN(Money billed, Add(subtotal, *tax));
    ASSIGN_OR_RETURN(discount, Subtract(billed, inv.total()));
  }
  *inv.mutable_discount_total() = discount;
  AddSource(entity, "discount_total", o["total_discount_amounts"]);
  ASSIGN_OR_RETURN(std::optional<Money> paid,
                   OptionalMinorUnitsAt(o["amount_paid"], currency));
  if (paid) *inv.mutable_amount_paid() = *paid;
  AddSource(entity, "amount_paid", o["amount_paid"]);
  // The open balance: Stripe's amount_remaining (not amount_due, which
  // stays the billed amount once paid).
  ASSIGN_OR_RETURN(std::optional<Money> remaining,
                   OptionalMinorUnitsAt(o["amount_remaining"], currency));
  ASSIGN_OR_RETURN(std::optional<Money> amount_due,
                   OptionalMinorUnitsAt(o["amount_due"], currency));
  Field remaining_field = o["amount_remaining"];
  if (!remaining && amount_due) {
    // Stripe defines amount_remaining as amount_due - amount_paid.
    ASSIGN_OR_RETURN(Money zero, MoneyFromMinorUnits(currency, 0));
    ASSIGN_OR_RETURN(remaining, Subtract(*amount_due, paid ? *paid : zero));
    remaining_field = o["amount_due"];
  }
  if (remaining) *inv.mutable_amount_remaining() = *remaining;
  AddSource(entity, "amount_remaining", remaining_field);
  // Credit notes issued against it, before and after payment.
  std::optional<Money> credited;
  for (const char* key : {"pre_payment_credit_notes_amount",
                          "post_payment_credit_notes_amount"}) {
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
    AddSource(entity, "amount_credited", o["pre_payment_credit_notes_amount"]);
  }

  ASSIGN_OR_RETURN(std::optional<std::string> billing_reason,
                   o["billing_reason"].OptionalString());
  if (billing_reason)
    (*inv.mutable_attributes())["billing_reason"] = *billing_reason;
  if (amount_due && remaining && Compare(*amount_due, *remaining) != 0) {
    (*inv.mutable_attributes())["amount_due"] = FormatMoney(*amount_due);
  }
  if (ev && !ev->api_version.empty())
    (*inv.mutable_attributes())["api_version"] = ev->api_version;
  PutMetadata(o["metadata"], inv.mutable_attributes());
  *out.result().mutable_entities(index)->mutable_invoice() = std::move(inv);

  EventType type = cv1::EVENT_TYPE_INVOICE_CHANGED;
  if (ev) {
    if (ev->type == "invoice.finalized") type = cv1::EVENT_TYPE_INVOICE_ISSUED;
  } else if (status == "open" || status == "paid" ||
             status == "uncollectible") {
    type = cv1::EVENT_TYPE_INVOICE_ISSUED;
  }
  const Timestamp* when = ev && ev->created ? &*ev->created
                          : finalized       ? &*finalized
                          : created         ? &*created
                                            : nullptr;
  out.AddEvent(type, index, when, ev ? ev->id : "");
  return absl::OkStatus();
}

}  // namespace revhub::adapter::stripe
