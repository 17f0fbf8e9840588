// Stripe invoice and credit note -> canonical Invoice (a credit note is an
// Invoice of kind CREDIT_NOTE), with contract links by subscription or by
// the configured metadata key.
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

using canonical::v1::Invoice;
using canonical::v1::InvoiceLine;
using canonical::v1::Product;

namespace cv1 = ::revhub::canonical::v1;

namespace {

// The subscription an invoice or line bills: legacy top-level "subscription"
// or parent.subscription_details.subscription.
absl::StatusOr<std::optional<std::string>> InvoiceSubscription(const Field& o) {
  ASSIGN_OR_RETURN(std::optional<std::string> legacy,
                   ExpandableId(o["subscription"]));
  if (legacy) return legacy;
  return ExpandableId(o["parent"]["subscription_details"]["subscription"]);
}

// The contract an invoice or credit note attaches to by metadata: when
// config.contract_ref_metadata_key is set and the document carries that key,
// contract_id links to ExternalRef{contract_ref_system,
// contract_ref_object_type, value} (the contract booked from a CRM) instead
// of the Stripe subscription. The key is looked for in the document's own
// metadata, then (invoices) parent.subscription_details.metadata and the
// legacy subscription_details.metadata, then its lines' metadata; lines
// naming different values are an error.
struct ContractRefRule {
  std::string metadata_key;
  std::string system;
  std::string object_type;
};

// Returns the rule configured, none, or an error naming the missing field.
absl::StatusOr<std::optional<ContractRefRule>> ContractRefRuleOf(
    const Config& config) {
  auto value = [&](const char* name) {
    return config.Has(name) ? config.GetString(name) : std::string();
  };
  ContractRefRule rule{value("contract_ref_metadata_key"),
                       value("contract_ref_system"),
                       value("contract_ref_object_type")};
  if (rule.metadata_key.empty()) {
    if (!rule.system.empty() || !rule.object_type.empty()) {
      return MappingError("config.contract_ref_metadata_key",
                          "required when config.contract_ref_system or "
                          "config.contract_ref_object_type is set");
    }
    return std::optional<ContractRefRule>();
  }
  if (rule.system.empty()) {
    return MappingError("config.contract_ref_system",
                        "required when config.contract_ref_metadata_key is "
                        "set: the system that owns the contract");
  }
  if (rule.object_type.empty()) {
    return MappingError("config.contract_ref_object_type",
                        "required when config.contract_ref_metadata_key is "
                        "set: the object type of the contract's record");
  }
  return std::optional<ContractRefRule>(std::move(rule));
}

// The non-empty string value of `key` in a metadata object, if any.
absl::StatusOr<std::optional<std::string>> MetadataValue(
    const Field& metadata, absl::string_view key) {
  if (!metadata.present() || !metadata.json().is_object())
    return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   metadata[key].OptionalString());
  if (value && value->empty()) value.reset();
  return value;
}

// Links entity `index`'s contract_id by the configured metadata key; returns
// whether it did.
absl::StatusOr<bool> LinkContractByMetadata(const TranslateContext& ctx,
                                            const Field& o, bool invoice,
                                            int index,
                                            TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::optional<ContractRefRule> rule,
                   ContractRefRuleOf(ctx.config));
  if (!rule) return false;
  const std::string& key = rule->metadata_key;
  std::vector<Field> documents = {o["metadata"]};
  if (invoice) {
    documents.push_back(o["parent"]["subscription_details"]["metadata"]);
    documents.push_back(o["subscription_details"]["metadata"]);
  }
  std::optional<std::string> value;
  for (const Field& metadata : documents) {
    ASSIGN_OR_RETURN(value, MetadataValue(metadata, key));
    if (value) break;
  }
  if (!value) {
    ASSIGN_OR_RETURN(std::vector<Field> lines, o["lines"]["data"].Elements());
    for (const Field& line : lines) {
      ASSIGN_OR_RETURN(std::optional<std::string> v,
                       MetadataValue(line["metadata"], key));
      if (!v) continue;
      if (value && *v != *value) {
        return MappingError(
            line["metadata"][key].path(),
            absl::StrCat("names contract \"", *v,
                         "\" but an earlier line names \"", *value, "\""));
      }
      value = v;
    }
  }
  if (!value) return false;
  ExternalRef ref;
  ref.set_system(rule->system);
  ref.set_object_type(rule->object_type);
  ref.set_vendor_id(*value);
  out.Link(index, "contract_id", cv1::ENTITY_TYPE_CONTRACT, ref);
  return true;
}

absl::Status MapInvoiceLine(const TranslateContext& ctx, const Field& l,
                            absl::string_view currency, int index, int i,
                            TranslationBuilder& out, InvoiceLine* line,
                            bool credit_note) {
  ASSIGN_OR_RETURN(std::string line_id, l["id"].String());
  line->set_line_id(line_id);
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   l["description"].OptionalString());
  line->set_description(description.value_or(""));
  ASSIGN_OR_RETURN(Money amount, MinorUnitsAt(l["amount"], currency));
  *line->mutable_amount() = amount;
  ASSIGN_OR_RETURN(std::optional<int64_t> quantity,
                   l["quantity"].OptionalInt());
  if (quantity) line->mutable_quantity()->set_units(*quantity);
  // Tax: legacy tax_amounts[] or taxes[].
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   SumAmounts(l["tax_amounts"], currency));
  if (!tax) {
    ASSIGN_OR_RETURN(tax, SumAmounts(l["taxes"], currency));
  }
  if (tax) *line->mutable_tax_amount() = *tax;
  if (credit_note) {
    ASSIGN_OR_RETURN(std::optional<Money> discount,
                     OptionalMinorUnitsAt(l["discount_amount"], currency));
    if (discount) *line->mutable_discount_amount() = *discount;
    ASSIGN_OR_RETURN(std::optional<Money> unit,
                     UnitAmount(l, "unit_amount", currency));
    if (unit) *line->mutable_unit_amount() = *unit;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   SumAmounts(l["discount_amounts"], currency));
  if (discount) *line->mutable_discount_amount() = *discount;
  Field period = l["period"];
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, UnixTimeAt(period["start"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, UnixTimeAt(period["end"]));
  if (start) *line->mutable_service_period()->mutable_start_time() = *start;
  if (end) *line->mutable_service_period()->mutable_end_time() = *end;
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
  // Product and unit price: legacy price/plan object, or pricing.price_details.
  Field price = l["price"].present() ? l["price"] : l["plan"];
  std::optional<std::string> product;
  if (price.present() && price.json().is_object()) {
    ASSIGN_OR_RETURN(product, ExpandableId(price["product"]));
    bool is_plan =
        price["object"].present() && price["object"].json() == "plan";
    ASSIGN_OR_RETURN(std::string price_currency, CurrencyAt(price["currency"]));
    if (price_currency == currency) {
      ASSIGN_OR_RETURN(
          std::optional<Money> unit,
          UnitAmount(price, is_plan ? "amount" : "unit_amount", currency));
      if (unit) *line->mutable_unit_amount() = *unit;
    }
  } else {
    Field pricing = l["pricing"];
    ASSIGN_OR_RETURN(product,
                     ExpandableId(pricing["price_details"]["product"]));
    ASSIGN_OR_RETURN(std::optional<Money> unit,
                     UnitAmount(pricing, "unit_amount", currency));
    if (unit) *line->mutable_unit_amount() = *unit;
  }
  if (product) {
    out.Link(index, absl::StrCat("lines[", i, "].product_id"),
             cv1::ENTITY_TYPE_PRODUCT, ctx.Ref("product", *product));
  }
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
        absl::StrCat("unknown invoice status \"", status, "\""));
  inv.set_status(st->second);
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   o["number"].OptionalString());
  inv.set_invoice_number(number.value_or(""));
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  ASSIGN_OR_RETURN(bool linked, LinkContractByMetadata(ctx, o, /*invoice=*/true,
                                                       index, out));
  ASSIGN_OR_RETURN(std::optional<std::string> subscription,
                   InvoiceSubscription(o));
  if (subscription && !linked) {
    out.Link(index, "contract_id", cv1::ENTITY_TYPE_CONTRACT,
             ctx.Ref("subscription", *subscription));
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
  for (size_t i = 0; i < lines.size(); ++i) {
    RETURN_IF_ERROR(MapInvoiceLine(ctx, lines[i], currency, index,
                                   static_cast<int>(i), out, inv.add_lines(),
                                   /*credit_note=*/false));
  }
  ASSIGN_OR_RETURN(*inv.mutable_subtotal(),
                   MinorUnitsAt(o["subtotal"], currency));
  ASSIGN_OR_RETURN(*inv.mutable_total(), MinorUnitsAt(o["total"], currency));
  ASSIGN_OR_RETURN(std::optional<Money> paid,
                   OptionalMinorUnitsAt(o["amount_paid"], currency));
  if (paid) *inv.mutable_amount_paid() = *paid;
  ASSIGN_OR_RETURN(std::optional<Money> due_amount,
                   OptionalMinorUnitsAt(o["amount_remaining"], currency));
  if (due_amount) *inv.mutable_amount_remaining() = *due_amount;
  // Tax: legacy "tax" / total_tax_amounts[], or total_taxes[].
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   OptionalMinorUnitsAt(o["tax"], currency));
  if (!tax) {
    ASSIGN_OR_RETURN(tax, SumAmounts(o["total_tax_amounts"], currency));
  }
  if (!tax) {
    ASSIGN_OR_RETURN(tax, SumAmounts(o["total_taxes"], currency));
  }
  if (!tax) {
    ASSIGN_OR_RETURN(tax, MoneyFromMinorUnits(currency, 0));
  }
  *inv.mutable_tax_total() = *tax;
  bool inclusive = false;
  for (const char* key : {"total_tax_amounts", "total_taxes"}) {
    ASSIGN_OR_RETURN(std::vector<Field> taxes, o[key].Elements());
    for (const Field& t : taxes) {
      ASSIGN_OR_RETURN(std::optional<bool> inc, t["inclusive"].OptionalBool());
      ASSIGN_OR_RETURN(std::optional<std::string> behavior,
                       t["tax_behavior"].OptionalString());
      inclusive = inclusive || inc.value_or(false) ||
                  behavior.value_or("") == "inclusive";
    }
  }
  inv.set_tax_inclusive(inclusive);
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   SumAmounts(o["total_discount_amounts"], currency));
  if (!discount) {
    ASSIGN_OR_RETURN(discount, MoneyFromMinorUnits(currency, 0));
  }
  *inv.mutable_discount_total() = *discount;
  ASSIGN_OR_RETURN(std::optional<std::string> billing_reason,
                   o["billing_reason"].OptionalString());
  if (billing_reason)
    (*inv.mutable_attributes())["billing_reason"] = *billing_reason;
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
    return MappingError(
        o["status"].path(),
        absl::StrCat("unknown credit note status \"", status, "\""));
  }
  // An issued credit note is settled against its invoice or refunded.
  cn.set_status(status == "void" ? cv1::INVOICE_STATUS_VOID
                                 : cv1::INVOICE_STATUS_PAID);
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   o["number"].OptionalString());
  cn.set_invoice_number(number.value_or(""));
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  out.Link(index, "credited_invoice_id", cv1::ENTITY_TYPE_INVOICE,
           ctx.Ref("invoice", invoice));
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
  for (size_t i = 0; i < lines.size(); ++i) {
    InvoiceLine* line = cn.add_lines();
    RETURN_IF_ERROR(MapInvoiceLine(ctx, lines[i], currency, index,
                                   static_cast<int>(i), out, line,
                                   /*credit_note=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string> credited_line,
                     lines[i]["invoice_line_item"].OptionalString());
    if (credited_line)
      (*cn.mutable_attributes())[absl::StrCat(
          "lines[", i, "].invoice_line_item")] = *credited_line;
  }
  ASSIGN_OR_RETURN(*cn.mutable_subtotal(),
                   MinorUnitsAt(o["subtotal"], currency));
  ASSIGN_OR_RETURN(*cn.mutable_total(), MinorUnitsAt(o["total"], currency));
  ASSIGN_OR_RETURN(std::optional<Money> discount,
                   OptionalMinorUnitsAt(o["discount_amount"], currency));
  if (!discount) {
    ASSIGN_OR_RETURN(discount, MoneyFromMinorUnits(currency, 0));
  }
  *cn.mutable_discount_total() = *discount;
  ASSIGN_OR_RETURN(std::optional<Money> tax,
                   SumAmounts(o["tax_amounts"], currency));
  if (!tax) {
    ASSIGN_OR_RETURN(tax, SumAmounts(o["total_taxes"], currency));
  }
  if (!tax) {
    ASSIGN_OR_RETURN(tax, MoneyFromMinorUnits(currency, 0));
  }
  *cn.mutable_tax_total() = *tax;
  ASSIGN_OR_RETURN(std::optional<std::string> reason,
                   o["reason"].OptionalString());
  if (reason) (*cn.mutable_attributes())["reason"] = *reason;
  ASSIGN_OR_RETURN(std::optional<std::string> type, o["type"].OptionalString());
  if (type) (*cn.mutable_attributes())["type"] = *type;
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
