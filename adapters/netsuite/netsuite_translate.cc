// NetSuite inbound: customer and invoice records read back from SuiteTalk
// REST, translated to the canonical model (see netsuite_mapping.h).
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "adapters/netsuite/netsuite_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::netsuite {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Customer;
using canonical::v1::Invoice;

namespace {

absl::StatusOr<std::string> RecordCurrency(const TranslateContext& ctx,
                                           const Field& r) {
  Field currency = r["currency"]["refName"];
  if (currency.present()) return CurrencyAt(currency);
  if (ctx.config.Has("default_currency"))
    return ctx.config.GetString("default_currency");
  return MappingError(
      currency.path(),
      "required field is missing (and no config.default_currency)");
}

}  // namespace

absl::Status MapCustomer(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Customer c;
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *c.add_external_refs() = ctx.Ref("customer", id);
  ASSIGN_OR_RETURN(std::optional<bool> is_person, r["isPerson"].OptionalBool());
  if (is_person.value_or(false)) {
    ASSIGN_OR_RETURN(std::string first, r["firstName"].String());
    ASSIGN_OR_RETURN(std::string last, r["lastName"].String());
    c.set_name(absl::StrCat(first, " ", last));
  } else {
    ASSIGN_OR_RETURN(std::string company, r["companyName"].String());
    c.set_name(company);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> email,
                   r["email"].OptionalString());
  c.set_email(email.value_or(""));
  if (r["currency"]["refName"].present()) {
    ASSIGN_OR_RETURN(std::string currency,
                     CurrencyAt(r["currency"]["refName"]));
    c.set_currency_code(currency);
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
  CanonicalEntity e;
  *e.mutable_customer() = std::move(c);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
               modified ? &*modified : nullptr);
  return absl::OkStatus();
}

absl::Status MapInvoice(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out) {
  Invoice inv;
  inv.set_kind(cv1::INVOICE_KIND_INVOICE);
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *inv.add_external_refs() = ctx.Ref("invoice", id);
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
  inv.set_status(s == "paid in full" ? cv1::INVOICE_STATUS_PAID
                 : s == "voided"     ? cv1::INVOICE_STATUS_VOID
                 : s.empty()         ? cv1::INVOICE_STATUS_UNSPECIFIED
                                     : cv1::INVOICE_STATUS_OPEN);
  if (status) (*inv.mutable_attributes())["status"] = *status;
  struct Amount {
    const char* key;
    Money* (Invoice::*field)();
  };
  for (const Amount& a :
       {Amount{"subtotal", &Invoice::mutable_subtotal},
        Amount{"taxTotal", &Invoice::mutable_tax_total},
        Amount{"discountTotal", &Invoice::mutable_discount_total},
        Amount{"total", &Invoice::mutable_total},
        Amount{"amountPaid", &Invoice::mutable_amount_paid},
        Amount{"amountRemaining", &Invoice::mutable_amount_remaining}}) {
    if (!r[a.key].present()) continue;
    ASSIGN_OR_RETURN(*(inv.*a.field)(), DecimalMoneyAt(r[a.key], currency));
  }
  if (!r["total"].present())
    return MappingError(r["total"].path(), "required field is missing");
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  ASSIGN_OR_RETURN(std::vector<Field> items, r["item"]["items"].Elements());
  for (size_t i = 0; i < items.size(); ++i) {
    auto* line = inv.add_lines();
    const Field& it = items[i];
    ASSIGN_OR_RETURN(std::optional<int64_t> line_no, it["line"].OptionalInt());
    line->set_line_id(line_no ? absl::StrCat(*line_no) : absl::StrCat(i + 1));
    ASSIGN_OR_RETURN(std::string item_id, it["item"]["id"].String());
    out.Link(index, absl::StrCat("lines[", i, "].product_id"),
             cv1::ENTITY_TYPE_PRODUCT, ctx.Ref("item", item_id));
    ASSIGN_OR_RETURN(*line->mutable_amount(),
                     DecimalMoneyAt(it["amount"], currency));
    ASSIGN_OR_RETURN(std::optional<Decimal> quantity,
                     it["quantity"].OptionalNumber());
    if (quantity) *line->mutable_quantity() = *quantity;
    if (it["rate"].present()) {
      ASSIGN_OR_RETURN(*line->mutable_unit_amount(),
                       DecimalMoneyAt(it["rate"], currency));
    }
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     it["description"].OptionalString());
    line->set_description(description.value_or(""));
  }
  *out.result().mutable_entities(index)->mutable_invoice() = std::move(inv);
  out.AddEvent(cv1::EVENT_TYPE_INVOICE_CHANGED, index,
               modified ? &*modified : nullptr);
  return absl::OkStatus();
}

}  // namespace revhub::adapter::netsuite
