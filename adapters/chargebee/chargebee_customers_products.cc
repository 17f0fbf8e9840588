// Chargebee customer, item, item_price (Product Catalog 2.0) and plan,
// addon (1.0) -> canonical Customer and Product.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::chargebee {

using canonical::v1::Customer;
using canonical::v1::Product;

namespace cv1 = ::revhub::canonical::v1;

namespace {

// The non-empty string at `f`, or nullopt.
absl::StatusOr<std::optional<std::string>> NonEmpty(const Field& f) {
  ASSIGN_OR_RETURN(std::optional<std::string> s, f.OptionalString());
  if (s && s->empty()) s.reset();
  return s;
}

}  // namespace

absl::Status MapCustomer(const TranslateContext& ctx, const Field& o,
                         const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "customer"));
  Customer c;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *c.add_external_refs() = ctx.Ref("customer", id);
  ASSIGN_OR_RETURN(std::optional<std::string> company, NonEmpty(o["company"]));
  ASSIGN_OR_RETURN(std::optional<std::string> first, NonEmpty(o["first_name"]));
  ASSIGN_OR_RETURN(std::optional<std::string> last, NonEmpty(o["last_name"]));
  ASSIGN_OR_RETURN(std::optional<std::string> email, NonEmpty(o["email"]));
  // The canonical name: the company, else the person, else the email.
  std::vector<std::string> person;
  if (first) person.push_back(*first);
  if (last) person.push_back(*last);
  Field name_field = o["id"];
  if (company) {
    c.set_name(*company);
    name_field = o["company"];
  } else if (!person.empty()) {
    c.set_name(absl::StrJoin(person, " "));
    name_field = first ? o["first_name"] : o["last_name"];
  } else if (email) {
    c.set_name(*email);
    name_field = o["email"];
  } else {
    c.set_name(id);
  }
  if (company && !person.empty())
    (*c.mutable_attributes())["contact_name"] = absl::StrJoin(person, " ");
  if (email) c.set_email(*email);
  if (o["preferred_currency_code"].present()) {
    ASSIGN_OR_RETURN(std::string currency,
                     CurrencyAt(o["preferred_currency_code"]));
    c.set_currency_code(currency);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> vat, NonEmpty(o["vat_number"]));
  if (vat) c.set_tax_id(*vat);
  Field addr = o["billing_address"];
  if (addr.present()) {
    RETURN_IF_ERROR(addr.RequireObject());
    auto* a = c.mutable_billing_address();
    for (const char* key : {"line1", "line2", "line3"}) {
      ASSIGN_OR_RETURN(std::optional<std::string> line, NonEmpty(addr[key]));
      if (line) a->add_lines(*line);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> city, NonEmpty(addr["city"]));
    ASSIGN_OR_RETURN(std::optional<std::string> state_code,
                     NonEmpty(addr["state_code"]));
    ASSIGN_OR_RETURN(std::optional<std::string> state, NonEmpty(addr["state"]));
    ASSIGN_OR_RETURN(std::optional<std::string> zip, NonEmpty(addr["zip"]));
    ASSIGN_OR_RETURN(std::optional<std::string> country,
                     NonEmpty(addr["country"]));
    a->set_city(city.value_or(""));
    a->set_region(state_code ? *state_code : state.value_or(""));
    a->set_postal_code(zip.value_or(""));
    a->set_country_code(country.value_or(""));
  }
  ASSIGN_OR_RETURN(std::optional<bool> deleted, o["deleted"].OptionalBool());
  c.set_status(deleted.value_or(false) ? cv1::CUSTOMER_STATUS_INACTIVE
                                       : cv1::CUSTOMER_STATUS_ACTIVE);
  ASSIGN_OR_RETURN(std::optional<Timestamp> created,
                   UnixTimeAt(o["created_at"]));
  if (created) *c.mutable_effective_at() = *created;
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UpdatedAt(o));
  if (updated) *c.mutable_source_updated_at() = *updated;
  for (const char* key : {"phone", "auto_collection", "taxability"}) {
    ASSIGN_OR_RETURN(std::optional<std::string> v, NonEmpty(o[key]));
    if (v) (*c.mutable_attributes())[key] = *v;
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> net_term_days,
                   o["net_term_days"].OptionalInt());
  if (net_term_days)
    (*c.mutable_attributes())["net_term_days"] = absl::StrCat(*net_term_days);
  PutCustomFields(o, c.mutable_attributes());
  CanonicalEntity e;
  *e.mutable_customer() = std::move(c);
  AddSource(&e, "name", name_field);
  AddSource(&e, "email", o["email"]);
  AddSource(&e, "currency_code", o["preferred_currency_code"]);
  AddSource(&e, "tax_id", o["vat_number"]);
  AddSource(&e, "billing_address", addr);
  AddSource(&e, "status", o["deleted"]);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_CUSTOMER_CHANGED, index, EventTime(ev, created),
               ev ? ev->id : "");
  return absl::OkStatus();
}

namespace {

// Adds product `p` mapped from resource `o` (its dates, custom fields) and
// its ProductChanged event, dated by the webhook event when there is one,
// else by the resource's creation; returns the entity's index.
absl::StatusOr<int> AddProduct(Product p, const Field& o, const Field& name,
                               const Field& price, const EventInfo* ev,
                               TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> created,
                   UnixTimeAt(o["created_at"]));
  if (created) *p.mutable_effective_at() = *created;
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UpdatedAt(o));
  if (updated) *p.mutable_source_updated_at() = *updated;
  PutCustomFields(o, p.mutable_attributes());
  CanonicalEntity e;
  *e.mutable_product() = std::move(p);
  if (e.product().name().empty()) {
    AddSource(&e, "id", name);
  } else {
    AddSource(&e, "name", name);
  }
  if (e.product().has_standalone_selling_price())
    AddSource(&e, "standalone_selling_price", price);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_PRODUCT_CHANGED, index, EventTime(ev, created),
               ev ? ev->id : "");
  return index;
}

// The revenue rule of a Chargebee item type: a charge is delivered at a
// point in time, plans and addons over their period; metered items by use.
cv1::RevenueRule RuleOf(absl::string_view type, bool metered) {
  if (metered) return cv1::REVENUE_RULE_USAGE;
  if (type == "charge") return cv1::REVENUE_RULE_POINT_IN_TIME;
  return cv1::REVENUE_RULE_RATABLE;
}

// Sets the selling price (flat fee and per unit prices only: tiered,
// volume and stairstep prices have no one unit price) and the interval.
absl::Status PutPrice(const Field& o, const Field& amount,
                      const Field& amount_decimal, const Field& period,
                      const Field& period_unit, Product& p) {
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency_code"]));
  ASSIGN_OR_RETURN(std::optional<std::string> model,
                   o["pricing_model"].OptionalString());
  if (model) (*p.mutable_attributes())["pricing_model"] = *model;
  if (!model || *model == "flat_fee" || *model == "per_unit") {
    ASSIGN_OR_RETURN(std::optional<Money> price,
                     AmountAt(amount, amount_decimal, currency));
    if (price) *p.mutable_standalone_selling_price() = *price;
  }
  ASSIGN_OR_RETURN(std::optional<cv1::Interval> interval,
                   PeriodInterval(period, period_unit));
  if (interval) {
    int months = interval->unit() == cv1::INTERVAL_UNIT_YEAR    ? 12
                 : interval->unit() == cv1::INTERVAL_UNIT_MONTH ? 1
                                                                : 0;
    if (months > 0 && interval->count() <= 120)
      p.set_ssp_period_months(months * interval->count());
    ASSIGN_OR_RETURN(std::string unit, period_unit.String());
    (*p.mutable_attributes())["billing_interval"] =
        absl::StrCat(interval->count(), " ", unit);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MapItem(const TranslateContext& ctx, const Field& o,
                     const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "item"));
  Product p;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *p.add_external_refs() = ctx.Ref("item", id);
  ASSIGN_OR_RETURN(std::string name, o["name"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> external_name,
                   NonEmpty(o["external_name"]));
  p.set_name(external_name ? *external_name : name);
  p.set_sku(id);
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   o["description"].OptionalString());
  p.set_description(description.value_or(""));
  ASSIGN_OR_RETURN(std::optional<std::string> status,
                   o["status"].OptionalString());
  p.set_active(status.value_or("active") == "active");
  ASSIGN_OR_RETURN(std::string type, o["type"].String());
  ASSIGN_OR_RETURN(std::optional<bool> metered, o["metered"].OptionalBool());
  p.set_revenue_rule(RuleOf(type, metered.value_or(false)));
  (*p.mutable_attributes())["item_type"] = type;
  return AddProduct(std::move(p), o,
                    external_name ? o["external_name"] : o["name"], o["price"],
                    ev, out)
      .status();
}

// An item price: the selling price and interval of its item. The item is
// linked by id: the hub updates the item's product (waiting for it when it
// has not arrived), keeping the item's name and description.
absl::Status MapItemPrice(const TranslateContext& ctx, const Field& o,
                          const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "item_price"));
  Product p;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  ASSIGN_OR_RETURN(std::string item_id, o["item_id"].String());
  *p.add_external_refs() = ctx.Ref("item_price", id);
  *p.add_external_refs() = ctx.Ref("item", item_id);
  ASSIGN_OR_RETURN(std::optional<std::string> item_type,
                   o["item_type"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<bool> metered,
                   o["metered"].OptionalBool());  // not on every version
  p.set_revenue_rule(RuleOf(item_type.value_or(""), metered.value_or(false)));
  RETURN_IF_ERROR(PutPrice(o, o["price"], o["price_in_decimal"], o["period"],
                           o["period_unit"], p));
  ASSIGN_OR_RETURN(std::string name, o["name"].String());
  (*p.mutable_attributes())["item_price_id"] = id;
  (*p.mutable_attributes())["item_price_name"] = name;
  ASSIGN_OR_RETURN(std::optional<std::string> status,
                   o["status"].OptionalString());
  if (status) (*p.mutable_attributes())["item_price_status"] = *status;
  ASSIGN_OR_RETURN(int index, AddProduct(std::move(p), o, o["item_id"],
                                         o["price"], ev, out));
  out.Link(index, "id", cv1::ENTITY_TYPE_PRODUCT, ctx.Ref("item", item_id));
  return absl::OkStatus();
}

absl::Status MapPlan(const TranslateContext& ctx, const Field& o,
                     absl::string_view resource, const EventInfo* ev,
                     TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, resource));
  Product p;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *p.add_external_refs() = ctx.Ref(resource, id);
  ASSIGN_OR_RETURN(std::string name, o["name"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> invoice_name,
                   NonEmpty(o["invoice_name"]));
  p.set_name(invoice_name ? *invoice_name : name);
  p.set_sku(id);
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   o["description"].OptionalString());
  p.set_description(description.value_or(""));
  ASSIGN_OR_RETURN(std::optional<std::string> status,
                   o["status"].OptionalString());
  p.set_active(status.value_or("active") == "active");
  // An addon charged once ("charge_type": "non_recurring") is delivered at
  // a point in time; plans and recurring addons over their period.
  ASSIGN_OR_RETURN(std::optional<std::string> charge_type,
                   o["charge_type"].OptionalString());
  p.set_revenue_rule(
      RuleOf(charge_type.value_or("") == "non_recurring" ? "charge" : resource,
             false));
  RETURN_IF_ERROR(PutPrice(o, o["price"], o["price_in_decimal"], o["period"],
                           o["period_unit"], p));
  return AddProduct(std::move(p), o,
                    invoice_name ? o["invoice_name"] : o["name"], o["price"],
                    ev, out)
      .status();
}

}  // namespace revhub::adapter::chargebee
