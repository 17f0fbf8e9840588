// Salesforce Account and Product2 -> canonical Customer and Product (with
// the revenue rule the configuration gives it, salesforce_terms.cc).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/salesforce/salesforce_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Customer;
using canonical::v1::Product;

absl::Status MapAccount(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out) {
  Customer c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *c.add_external_refs() = ctx.Ref("Account", id);
  ASSIGN_OR_RETURN(std::string name, r["Name"].String());
  c.set_name(name);
  ASSIGN_OR_RETURN(std::optional<std::string> street,
                   r["BillingStreet"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> city,
                   r["BillingCity"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> state_code,
                   r["BillingStateCode"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> state,
                   r["BillingState"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> zip,
                   r["BillingPostalCode"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> country,
                   r["BillingCountryCode"].OptionalString());
  if (street || city || state || zip || country) {
    auto* a = c.mutable_billing_address();
    if (street) {
      for (absl::string_view line :
           absl::StrSplit(*street, '\n', absl::SkipEmpty())) {
        a->add_lines(std::string(line));
      }
    }
    a->set_city(city.value_or(""));
    a->set_region(state_code ? *state_code : state.value_or(""));
    a->set_postal_code(zip.value_or(""));
    a->set_country_code(country.value_or(""));
  }
  if (r["CurrencyIsoCode"].present()) {
    ASSIGN_OR_RETURN(std::string currency, CurrencyAt(r["CurrencyIsoCode"]));
    c.set_currency_code(currency);
  }
  ASSIGN_OR_RETURN(std::optional<bool> deleted, r["IsDeleted"].OptionalBool());
  c.set_status(deleted.value_or(false) ? cv1::CUSTOMER_STATUS_INACTIVE
                                       : cv1::CUSTOMER_STATUS_ACTIVE);
  RETURN_IF_ERROR(SetTimes(r, c, true));
  for (const char* key :
       {"AccountNumber", "Type", "Industry", "Phone", "Website", "ParentId"}) {
    PutIfString(r, key, c.mutable_attributes());
  }
  CanonicalEntity e;
  *e.mutable_customer() = std::move(c);
  AddSource(&e, "name", r["Name"]);
  if (r["CurrencyIsoCode"].present())
    AddSource(&e, "currency_code", r["CurrencyIsoCode"]);
  if (country)
    AddSource(&e, "billing_address.country_code", r["BillingCountryCode"]);
  int index = out.AddEntity(std::move(e));
  const auto& cust = out.result().entities(index).customer();
  out.AddEvent(
      cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
      cust.has_source_updated_at() ? &cust.source_updated_at() : nullptr);
  return absl::OkStatus();
}

absl::Status MapProduct2(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Product p;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *p.add_external_refs() = ctx.Ref("Product2", id);
  ASSIGN_OR_RETURN(std::string name, r["Name"].String());
  p.set_name(name);
  ASSIGN_OR_RETURN(std::optional<std::string> code,
                   r["ProductCode"].OptionalString());
  p.set_sku(code.value_or(""));
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   r["Description"].OptionalString());
  p.set_description(description.value_or(""));
  ASSIGN_OR_RETURN(std::optional<bool> active, r["IsActive"].OptionalBool());
  p.set_active(active.value_or(true));
  PutIfString(r, "Family", p.mutable_attributes());
  PutIfString(r, "QuantityUnitOfMeasure", p.mutable_attributes());
  RETURN_IF_ERROR(SetTimes(r, p, true));
  const RuleChoice rule = Product2Rule(ctx.config, r);
  p.set_revenue_rule(rule.rule);
  CanonicalEntity e;
  *e.mutable_product() = std::move(p);
  AddSource(&e, "name", r["Name"]);
  if (rule.rule != cv1::REVENUE_RULE_UNSPECIFIED)
    AddSource(&e, "revenue_rule", rule.vendor_path);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_PRODUCT_CHANGED, index, nullptr);
  return absl::OkStatus();
}

}  // namespace revhub::adapter::salesforce
