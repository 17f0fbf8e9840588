// Stripe customer, product, price and plan -> canonical Customer and Product.
#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

using canonical::v1::Customer;
using canonical::v1::Product;

namespace cv1 = ::revhub::canonical::v1;

absl::Status MapCustomer(const TranslateContext& ctx, const Field& o,
                         const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "customer"));
  Customer c;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *c.add_external_refs() = ctx.Ref("customer", id);
  ASSIGN_OR_RETURN(std::optional<std::string> name, o["name"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> email,
                   o["email"].OptionalString());
  // Stripe's name is optional; the canonical name is not.
  c.set_name(name ? *name : email ? *email : id);
  if (email) c.set_email(*email);
  if (o["currency"].present()) {
    ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
    c.set_currency_code(currency);
  }
  Field addr = o["address"];
  if (addr.present()) {
    RETURN_IF_ERROR(addr.RequireObject());
    auto* a = c.mutable_billing_address();
    for (const char* key : {"line1", "line2"}) {
      ASSIGN_OR_RETURN(std::optional<std::string> line,
                       addr[key].OptionalString());
      if (line && !line->empty()) a->add_lines(*line);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> city,
                     addr["city"].OptionalString());
    ASSIGN_OR_RETURN(std::optional<std::string> state,
                     addr["state"].OptionalString());
    ASSIGN_OR_RETURN(std::optional<std::string> zip,
                     addr["postal_code"].OptionalString());
    ASSIGN_OR_RETURN(std::optional<std::string> country,
                     addr["country"].OptionalString());
    a->set_city(city.value_or(""));
    a->set_region(state.value_or(""));
    a->set_postal_code(zip.value_or(""));
    a->set_country_code(country.value_or(""));
  }
  ASSIGN_OR_RETURN(std::optional<bool> deleted, o["deleted"].OptionalBool());
  c.set_status(deleted.value_or(false) ? cv1::CUSTOMER_STATUS_INACTIVE
                                       : cv1::CUSTOMER_STATUS_ACTIVE);
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (created) *c.mutable_effective_at() = *created;
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   o["description"].OptionalString());
  if (description) (*c.mutable_attributes())["description"] = *description;
  PutMetadata(o["metadata"], c.mutable_attributes());
  CanonicalEntity e;
  *e.mutable_customer() = std::move(c);
  AddSource(&e, "name", name ? o["name"] : email ? o["email"] : o["id"]);
  AddSource(&e, "email", o["email"]);
  AddSource(&e, "currency_code", o["currency"]);
  AddSource(&e, "billing_address", o["address"]);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(
      cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return absl::OkStatus();
}

namespace {

// Adds a product mapped from Stripe object `o` (a product, price or plan):
// its creation time and metadata, and its ProductChanged event, dated by the
// webhook event when there is one, else by the object's creation.
// Adds product `p` and its ProductChanged event; returns the entity's index.
absl::StatusOr<int> AddProduct(Product p, const Field& o, const Field& name,
                               const EventInfo* ev, TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (created) *p.mutable_effective_at() = *created;
  PutMetadata(o["metadata"], p.mutable_attributes());
  CanonicalEntity e;
  *e.mutable_product() = std::move(p);
  AddSource(&e, "name", name);
  if (e.product().has_standalone_selling_price())
    AddSource(&e, "standalone_selling_price",
              o["object"].present() && o["object"].json() == "plan"
                  ? o["amount"]
                  : o["unit_amount"]);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(
      cv1::EVENT_TYPE_PRODUCT_CHANGED, index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return index;
}

}  // namespace

absl::Status MapProduct(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "product"));
  Product p;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *p.add_external_refs() = ctx.Ref("product", id);
  ASSIGN_OR_RETURN(std::string name, o["name"].String());
  p.set_name(name);
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   o["description"].OptionalString());
  p.set_description(description.value_or(""));
  ASSIGN_OR_RETURN(std::optional<bool> active, o["active"].OptionalBool());
  p.set_active(active.value_or(true));
  ASSIGN_OR_RETURN(std::optional<std::string> type, o["type"].OptionalString());
  // Stripe "service" products are delivered over time, "good" at a point.
  if (type) {
    p.set_revenue_rule(*type == "good" ? cv1::REVENUE_RULE_POINT_IN_TIME
                                       : cv1::REVENUE_RULE_RATABLE);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> default_price,
                   ExpandableId(o["default_price"]));
  if (default_price) {
    (*p.mutable_attributes())["default_price"] = *default_price;
    // The product is known by its default price too: a subscription
    // schedule item naming only that price finds its product.
    *p.add_external_refs() = ctx.Ref("price", *default_price);
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UnixTimeAt(o["updated"]));
  if (updated) *p.mutable_source_updated_at() = *updated;
  return AddProduct(std::move(p), o, o["name"], ev, out).status();
}

// price and its legacy form plan ("amount" instead of "unit_amount"):
// the product's standalone selling price, revenue rule and billing
// interval, and the price id as one more ref of the product.
absl::Status MapPrice(const TranslateContext& ctx, const Field& o,
                      absl::string_view object, const EventInfo* ev,
                      TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, object));
  Product p;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *p.add_external_refs() = ctx.Ref(object, id);
  ASSIGN_OR_RETURN(std::string product_id, RequiredId(o["product"]));
  *p.add_external_refs() = ctx.Ref("product", product_id);
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
  ASSIGN_OR_RETURN(std::optional<std::string> nickname,
                   o["nickname"].OptionalString());
  if (nickname) (*p.mutable_attributes())["price_nickname"] = *nickname;
  // A price is not its product: it names the product only when it carries
  // it expanded. Otherwise the name stays empty and the hub keeps the
  // product's own name, description, SKU, state and attributes, taking
  // only the price's facts below (a product update without a name).
  bool expanded = o["product"].present() && o["product"].json().is_object();
  if (expanded) {
    Field product = o["product"];
    ASSIGN_OR_RETURN(std::string name, product["name"].String());
    p.set_name(name);
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     product["description"].OptionalString());
    p.set_description(description.value_or(""));
    ASSIGN_OR_RETURN(std::optional<bool> active,
                     product["active"].OptionalBool());
    p.set_active(active.value_or(true));
  }
  ASSIGN_OR_RETURN(
      std::optional<Money> unit,
      UnitAmount(o, object == "plan" ? "amount" : "unit_amount", currency));
  if (unit) *p.mutable_standalone_selling_price() = *unit;
  ASSIGN_OR_RETURN(std::optional<bool> price_active,
                   o["active"].OptionalBool());
  (*p.mutable_attributes())["price_active"] =
      price_active.value_or(true) ? "true" : "false";
  Field recurring = object == "plan" ? o : o["recurring"];
  if (recurring.present() && recurring["interval"].present()) {
    ASSIGN_OR_RETURN(std::string interval, recurring["interval"].String());
    ASSIGN_OR_RETURN(std::optional<int64_t> count,
                     recurring["interval_count"].OptionalInt());
    ASSIGN_OR_RETURN(std::optional<std::string> usage,
                     recurring["usage_type"].OptionalString());
    p.set_revenue_rule(usage && *usage == "metered"
                           ? cv1::REVENUE_RULE_USAGE
                           : cv1::REVENUE_RULE_RATABLE);
    int64_t months = interval == "year" ? 12 : interval == "month" ? 1 : 0;
    int64_t n = count.value_or(1);
    if (months > 0 && n > 0 && n <= 120)
      p.set_ssp_period_months(static_cast<int32_t>(months * n));
    (*p.mutable_attributes())["billing_interval"] =
        absl::StrCat(n, " ", interval);
  } else {
    p.set_revenue_rule(cv1::REVENUE_RULE_POINT_IN_TIME);
  }
  (*p.mutable_attributes())["price_id"] = id;
  const ExternalRef product_ref = ctx.Ref("product", product_id);
  ASSIGN_OR_RETURN(
      int index,
      AddProduct(std::move(p), o,
                 expanded ? o["product"]["name"] : o["product"], ev, out));
  // Without the product expanded, the price only updates a product the hub
  // must already hold: the link makes the record wait for that product
  // (WAITING, applied by itself once it arrives) instead of failing.
  if (!expanded) {
    out.Link(index, "id", cv1::ENTITY_TYPE_PRODUCT, product_ref);
  }
  return absl::OkStatus();
}

}  // namespace revhub::adapter::stripe
