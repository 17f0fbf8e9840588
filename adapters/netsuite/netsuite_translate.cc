// NetSuite inbound: customer, invoice and creditMemo records read back from
// SuiteTalk REST, translated to the canonical model (see netsuite_mapping.h).
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/netsuite/netsuite_mapping.h"
#include "canonical/currency.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::netsuite {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Customer;
using canonical::v1::Invoice;

absl::StatusOr<std::string> RecordCurrency(const TranslateContext& ctx,
                                           const Field& r) {
  const Field name = r["currency"]["refName"];
  ASSIGN_OR_RETURN(std::optional<std::string> id,
                   r["currency"]["id"].OptionalString());
  if (name.present() && name.json().is_string() &&
      FindCurrency(absl::AsciiStrToUpper(name.json().get<std::string>())) !=
          nullptr) {
    return CurrencyAt(name);
  }
  // A currency record named otherwise ("US Dollar"): config.currency_ids
  // maps ISO codes to NetSuite ids, and back.
  if (id) {
    for (const auto& [code, ns_id] : ctx.config.GetStringMap("currency_ids")) {
      if (ns_id == *id) return code;
    }
  }
  if (name.present()) {
    return MappingError(
        name.path(),
        absl::StrCat("not an ISO 4217 code and currency ", id.value_or("?"),
                     " is not in config.currency_ids"));
  }
  if (ctx.config.Has("default_currency"))
    return ctx.config.GetString("default_currency");
  return MappingError(
      name.path(),
      "required field is missing (and no config.default_currency)");
}

std::string CurrencySourcePath(const Field& r) {
  return r["currency"].present() ? r["currency"].path()
                                 : "config.default_currency";
}

absl::StatusOr<std::string> EnumAt(const Field& field) {
  if (field.present() && field.json().is_object()) {
    ASSIGN_OR_RETURN(std::optional<std::string> id,
                     field["id"].OptionalString());
    if (id) return *id;
    ASSIGN_OR_RETURN(std::optional<std::string> name,
                     field["refName"].OptionalString());
    return name.value_or("");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> text, field.OptionalString());
  return text.value_or("");
}

absl::StatusOr<std::optional<Timestamp>> LastDayAt(const Field& field) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> day, TextTimeAt(field));
  if (day) *day = AddCalendar(*day, 0, 1);
  return day;
}

absl::Status MapCustomer(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Customer c;
  CanonicalEntity e;
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *c.add_external_refs() = ctx.Ref("customer", id);
  ASSIGN_OR_RETURN(std::optional<bool> is_person, r["isPerson"].OptionalBool());
  if (is_person.value_or(false)) {
    ASSIGN_OR_RETURN(std::string first, r["firstName"].String());
    ASSIGN_OR_RETURN(std::string last, r["lastName"].String());
    c.set_name(absl::StrCat(first, " ", last));
    AddSource(&e, "name", r["lastName"]);
  } else {
    ASSIGN_OR_RETURN(std::string company, r["companyName"].String());
    c.set_name(company);
    AddSource(&e, "name", r["companyName"]);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> email,
                   r["email"].OptionalString());
  c.set_email(email.value_or(""));
  if (email) AddSource(&e, "email", r["email"]);
  if (r["currency"]["refName"].present()) {
    ASSIGN_OR_RETURN(std::string currency,
                     CurrencyAt(r["currency"]["refName"]));
    c.set_currency_code(currency);
    AddSource(&e, "currency_code", r["currency"]["refName"]);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> subsidiary,
                   r["subsidiary"]["refName"].OptionalString());
  c.set_legal_entity(subsidiary.value_or(""));
  ASSIGN_OR_RETURN(std::optional<bool> inactive,
                   r["isInactive"].OptionalBool());
  c.set_status(inactive.value_or(false) ? cv1::CUSTOMER_STATUS_INACTIVE
                                        : cv1::CUSTOMER_STATUS_ACTIVE);
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  if (modified) *c.mutable_source_updated_at() = *modified;
  ASSIGN_OR_RETURN(std::optional<Timestamp> created,
                   TextTimeAt(r["dateCreated"]));
  if (created) *c.mutable_effective_at() = *created;
  ASSIGN_OR_RETURN(std::optional<std::string> external_id,
                   r["externalId"].OptionalString());
  if (external_id) (*c.mutable_attributes())["externalId"] = *external_id;
  ASSIGN_OR_RETURN(std::optional<std::string> entity_id,
                   r["entityId"].OptionalString());
  if (entity_id) (*c.mutable_attributes())["entityId"] = *entity_id;
  *e.mutable_customer() = std::move(c);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
               modified ? &*modified : nullptr);
  return absl::OkStatus();
}

namespace {

// The invoice a creditMemo credits: createdFrom when it is an invoice, else
// the one invoice the apply sublist applies it to. Returns the reference to
// the invoice ({id, refName}), nullopt when there is no single one;
// `applied` lists the ids of every document it is applied to.
absl::StatusOr<std::optional<Field>> CreditedInvoice(
    const Field& r, std::vector<std::string>* applied) {
  const Field from = r["createdFrom"];
  ASSIGN_OR_RETURN(std::optional<std::string> from_id,
                   from["id"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> from_name,
                   from["refName"].OptionalString());
  ASSIGN_OR_RETURN(std::vector<Field> lines, r["apply"]["items"].Elements());
  std::optional<Field> only;
  bool several = false;
  for (const Field& line : lines) {
    ASSIGN_OR_RETURN(std::optional<bool> apply, line["apply"].OptionalBool());
    if (!apply.value_or(true)) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> doc,
                     line["doc"]["id"].OptionalString());
    if (!doc) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> type,
                     line["type"].OptionalString());
    applied->push_back(*doc);
    if (type && !absl::StartsWithIgnoreCase(*type, "invoice")) continue;
    if (only) {
      ASSIGN_OR_RETURN(std::string first, (*only)["id"].String());
      several = several || first != *doc;
    } else {
      only = line["doc"];
    }
  }
  // createdFrom names the source transaction ("Invoice #INV10042"); a
  // credit memo may also come from a return authorization.
  if (from_id &&
      (!from_name || absl::StartsWithIgnoreCase(*from_name, "invoice"))) {
    return std::optional<Field>(from);
  }
  if (only && !several) return only;
  return std::optional<Field>();
}

// An invoice, or with `credit_memo` a creditMemo, as a canonical Invoice.
absl::Status MapTransaction(const TranslateContext& ctx, const Field& r,
                            TranslationBuilder& out, bool credit_memo) {
  Invoice inv;
  inv.set_kind(credit_memo ? cv1::INVOICE_KIND_CREDIT_NOTE
                           : cv1::INVOICE_KIND_INVOICE);
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *inv.add_external_refs() =
      ctx.Ref(credit_memo ? "creditMemo" : "invoice", id);
  ASSIGN_OR_RETURN(std::string customer, r["entity"]["id"].String());
  ASSIGN_OR_RETURN(std::string currency, RecordCurrency(ctx, r));
  inv.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::optional<std::string> tran_id,
                   r["tranId"].OptionalString());
  inv.set_invoice_number(tran_id.value_or(""));
  ASSIGN_OR_RETURN(std::optional<Timestamp> tran_date,
                   TextTimeAt(r["tranDate"]));
  if (tran_date) {
    *inv.mutable_issued_at() = *tran_date;
    *inv.mutable_effective_at() = *tran_date;
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> due, TextTimeAt(r["dueDate"]));
  if (due) *inv.mutable_due_at() = *due;
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  if (modified) *inv.mutable_source_updated_at() = *modified;
  ASSIGN_OR_RETURN(std::optional<std::string> status,
                   r["status"]["refName"].OptionalString());
  std::string s = absl::AsciiStrToLower(status.value_or(""));
  inv.set_status(s == "paid in full" || s == "fully applied"
                     ? cv1::INVOICE_STATUS_PAID
                 : s == "voided" ? cv1::INVOICE_STATUS_VOID
                 : s.empty()     ? cv1::INVOICE_STATUS_UNSPECIFIED
                                 : cv1::INVOICE_STATUS_OPEN);
  if (status) (*inv.mutable_attributes())["status"] = *status;
  ASSIGN_OR_RETURN(std::optional<std::string> external_id,
                   r["externalId"].OptionalString());
  if (external_id) (*inv.mutable_attributes())["externalId"] = *external_id;
  CanonicalEntity entity;
  struct Amount {
    const char* key;
    Money* (Invoice::*field)();
    const char* canonical;
  };
  // amountRemaining is what the customer still owes on an invoice; on a
  // credit memo, unapplied is the credit not yet applied to any invoice.
  for (const Amount& a :
       {Amount{"subtotal", &Invoice::mutable_subtotal, "subtotal"},
        Amount{"taxTotal", &Invoice::mutable_tax_total, "tax_total"},
        Amount{"discountTotal", &Invoice::mutable_discount_total,
               "discount_total"},
        Amount{"total", &Invoice::mutable_total, "total"},
        Amount{"amountPaid", &Invoice::mutable_amount_paid, "amount_paid"},
        Amount{"amountRemaining", &Invoice::mutable_amount_remaining,
               "amount_remaining"},
        Amount{credit_memo ? "unapplied" : "",
               &Invoice::mutable_amount_remaining, "amount_remaining"}}) {
    if (*a.key == '\0' || !r[a.key].present()) continue;
    ASSIGN_OR_RETURN(*(inv.*a.field)(), DecimalMoneyAt(r[a.key], currency));
    AddSource(&entity, a.canonical, r[a.key]);
  }
  if (!r["total"].present())
    return MappingError(r["total"].path(), "required field is missing");
  if (credit_memo && r["applied"].present()) {
    ASSIGN_OR_RETURN(Decimal applied, r["applied"].Number());
    (*inv.mutable_attributes())["applied"] = FormatDecimal(applied);
  }
  AddSource(&entity, "customer_id", r["entity"]["id"]);
  AddSource(&entity, "currency_code", CurrencySourcePath(r));
  int index = out.AddEntity(std::move(entity));
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  CanonicalEntity* e = out.result().mutable_entities(index);
  if (credit_memo) {
    std::vector<std::string> applied;
    ASSIGN_OR_RETURN(std::optional<Field> credited,
                     CreditedInvoice(r, &applied));
    if (credited) {
      ASSIGN_OR_RETURN(std::string invoice_id, (*credited)["id"].String());
      out.Link(index, "credited_invoice_id", cv1::ENTITY_TYPE_INVOICE,
               ctx.Ref("invoice", invoice_id));
      AddSource(e, "credited_invoice_id", (*credited)["id"]);
    }
    if (!applied.empty())
      (*inv.mutable_attributes())["appliedTo"] = absl::StrJoin(applied, ",");
  }
  ASSIGN_OR_RETURN(std::vector<Field> items, r["item"]["items"].Elements());
  for (size_t i = 0; i < items.size(); ++i) {
    auto* line = inv.add_lines();
    const Field& it = items[i];
    const std::string at = absl::StrCat("lines[", i, "]");
    AddSource(e, at, it.path());
    ASSIGN_OR_RETURN(std::optional<int64_t> line_no, it["line"].OptionalInt());
    line->set_line_id(line_no ? absl::StrCat(*line_no) : absl::StrCat(i + 1));
    ASSIGN_OR_RETURN(std::string item_id, it["item"]["id"].String());
    out.Link(index, absl::StrCat(at, ".product_id"), cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("item", item_id));
    ASSIGN_OR_RETURN(*line->mutable_amount(),
                     DecimalMoneyAt(it["amount"], currency));
    AddSource(e, absl::StrCat(at, ".amount"), it["amount"]);
    ASSIGN_OR_RETURN(std::optional<Decimal> quantity,
                     it["quantity"].OptionalNumber());
    if (quantity) {
      *line->mutable_quantity() = *quantity;
      AddSource(e, absl::StrCat(at, ".quantity"), it["quantity"]);
    }
    if (it["rate"].present()) {
      ASSIGN_OR_RETURN(*line->mutable_unit_amount(),
                       DecimalMoneyAt(it["rate"], currency));
      AddSource(e, absl::StrCat(at, ".unit_amount"), it["rate"]);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     it["description"].OptionalString());
    line->set_description(description.value_or(""));
  }
  *e->mutable_invoice() = std::move(inv);
  out.AddEvent(cv1::EVENT_TYPE_INVOICE_CHANGED, index,
               modified ? &*modified : nullptr);
  return absl::OkStatus();
}

}  // namespace

absl::Status MapInvoice(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out) {
  return MapTransaction(ctx, r, out, false);
}

absl::Status MapCreditMemo(const TranslateContext& ctx, const Field& r,
                           TranslationBuilder& out) {
  return MapTransaction(ctx, r, out, true);
}

}  // namespace revhub::adapter::netsuite
