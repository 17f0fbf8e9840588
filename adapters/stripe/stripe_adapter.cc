// Stripe -> canonical mappings.
//
//   customer                 -> Customer                    (CustomerChanged)
//   product                  -> Product                     (ProductChanged)
//   price, plan              -> Product, known by the price and its product
//                               (ProductChanged)
//   subscription             -> Contract, one line per item (ContractBooked;
//                               from an "updated" event ContractAmended when
//                               items, quantities or discounts changed)
//   subscription_schedule    -> one Contract version per phase (the first
//                               ContractBooked, later phases ContractAmended)
//   invoice                  -> Invoice (InvoiceIssued once finalized)
//   credit_note              -> Invoice of kind CREDIT_NOTE (CreditIssued)
//   payment_intent, charge   -> Payment (PaymentReceived when succeeded)
//   event                    -> the envelope's data.object, with the event's
//                               type deciding the business event
//
// Stripe ids go into ExternalRef(system, object, id); references to other
// objects (customer, product, subscription, invoice) become EntityLinks.
// With config.contract_ref_metadata_key, an invoice or credit note whose
// metadata names a CRM record links its contract to that record instead
// (see LinkContractByMetadata).
// Stripe discounts are invoice-level (coupons): a line's discount_amounts are
// its share, reported in line.discount_amount; line.amount stays Stripe's
// pre-discount amount and Invoice.discount_total carries the whole discount.
#include "adapters/stripe/stripe_adapter.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/sdk/mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

using canonical::v1::Contract;
using canonical::v1::ContractLine;
using canonical::v1::Customer;
using canonical::v1::Invoice;
using canonical::v1::InvoiceLine;
using canonical::v1::Payment;
using canonical::v1::Product;

namespace cv1 = ::revhub::canonical::v1;

// What a webhook envelope says about its data.object.
struct EventInfo {
  std::string id;
  std::string type;               // "customer.subscription.updated"
  std::set<std::string> changed;  // keys of previous_attributes
  std::optional<Timestamp> created;
};

// Returns the id of an expandable field: a string id or an object's "id".
absl::StatusOr<std::optional<std::string>> ExpandableId(const Field& f) {
  if (f.present() && f.json().is_object()) {
    ASSIGN_OR_RETURN(std::string id, f["id"].String());
    return std::optional<std::string>(id);
  }
  return f.OptionalString();
}

absl::StatusOr<std::string> RequiredId(const Field& f) {
  ASSIGN_OR_RETURN(std::optional<std::string> id, ExpandableId(f));
  if (!id) return MappingError(f.path(), "required field is missing");
  return *id;
}

// Sums the "amount" members of an array of objects, in minor units.
absl::StatusOr<std::optional<Money>> SumAmounts(const Field& list,
                                                absl::string_view currency) {
  ASSIGN_OR_RETURN(std::vector<Field> items, list.Elements());
  if (!list.present()) return std::optional<Money>();
  ASSIGN_OR_RETURN(Money total, MoneyFromMinorUnits(currency, 0));
  for (const Field& item : items) {
    ASSIGN_OR_RETURN(Money m, MinorUnitsAt(item["amount"], currency));
    ASSIGN_OR_RETURN(total, Add(total, m));
  }
  return std::optional<Money>(total);
}

// Returns Money for a price's unit amount: unit_amount (integer minor units)
// or unit_amount_decimal (decimal minor units, "12.5").
absl::StatusOr<std::optional<Money>> UnitAmount(const Field& price,
                                                absl::string_view amount_key,
                                                absl::string_view currency) {
  ASSIGN_OR_RETURN(std::optional<Money> m,
                   OptionalMinorUnitsAt(price[amount_key], currency));
  if (m) return m;
  Field dec = price[absl::StrCat(amount_key, "_decimal")];
  ASSIGN_OR_RETURN(std::optional<Decimal> minor, dec.OptionalNumber());
  if (!minor) return std::optional<Money>();
  int exponent = MinorUnitExponent(currency);
  Nanos divisor = 1;
  for (int i = 0; i < exponent; ++i) divisor *= 10;
  Nanos nanos = ToNanos(*minor);
  if (nanos % divisor != 0) {
    return MappingError(dec.path(), "more precise than a billionth of a unit");
  }
  absl::StatusOr<Money> out = MoneyFromNanos(currency, nanos / divisor);
  if (!out.ok()) return MappingError(dec.path(), out.status().message());
  return std::optional<Money>(*out);
}

void PutMetadata(const Field& metadata,
                 google::protobuf::Map<std::string, std::string>* attributes) {
  if (!metadata.present() || !metadata.json().is_object()) return;
  for (const auto& [k, v] : metadata.json().items()) {
    if (v.is_string()) (*attributes)["metadata." + k] = v.get<std::string>();
  }
}

absl::Status CheckObject(const Field& obj, absl::string_view expected) {
  RETURN_IF_ERROR(obj.RequireObject());
  ASSIGN_OR_RETURN(std::optional<std::string> object,
                   obj["object"].OptionalString());
  if (object && *object != expected) {
    return MappingError(
        obj["object"].path(),
        absl::StrCat("expected \"", expected, "\", got \"", *object, "\""));
  }
  return absl::OkStatus();
}

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
  int index = out.AddEntity(std::move(e));
  out.AddEvent(
      cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return absl::OkStatus();
}

// Adds a product mapped from Stripe object `o` (a product, price or plan):
// its creation time and metadata, and its ProductChanged event, dated by the
// webhook event when there is one, else by the object's creation.
absl::Status AddProduct(Product p, const Field& o, const EventInfo* ev,
                        TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (created) *p.mutable_effective_at() = *created;
  PutMetadata(o["metadata"], p.mutable_attributes());
  CanonicalEntity e;
  *e.mutable_product() = std::move(p);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(
      cv1::EVENT_TYPE_PRODUCT_CHANGED, index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return absl::OkStatus();
}

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
  if (default_price)
    (*p.mutable_attributes())["default_price"] = *default_price;
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UnixTimeAt(o["updated"]));
  if (updated) *p.mutable_source_updated_at() = *updated;
  return AddProduct(std::move(p), o, ev, out);
}

// price and its legacy form plan ("amount" instead of "unit_amount").
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
  std::optional<std::string> product_name;
  if (o["product"].present() && o["product"].json().is_object()) {
    ASSIGN_OR_RETURN(product_name, o["product"]["name"].OptionalString());
  }
  // A price has no name of its own: the product's, its nickname or its id.
  p.set_name(product_name ? *product_name : nickname ? *nickname : id);
  ASSIGN_OR_RETURN(
      std::optional<Money> unit,
      UnitAmount(o, object == "plan" ? "amount" : "unit_amount", currency));
  if (unit) *p.mutable_standalone_selling_price() = *unit;
  ASSIGN_OR_RETURN(std::optional<bool> active, o["active"].OptionalBool());
  p.set_active(active.value_or(true));
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
  return AddProduct(std::move(p), o, ev, out);
}

// One subscription item (or schedule phase item) as a contract line. Links
// the line's product. `price` may be an expanded price or a price id.
absl::Status MapContractLine(const TranslateContext& ctx, const Field& item,
                             absl::string_view line_id,
                             absl::string_view currency, int entity_index,
                             int line_index, TranslationBuilder& out,
                             ContractLine* line) {
  line->set_line_id(std::string(line_id));
  Field price = item["price"];
  if (!price.present()) price = item["plan"];
  std::string product_path = absl::StrCat("lines[", line_index, "].product_id");
  if (price.present() && price.json().is_string()) {
    // Only the price id is known: link the product through the price.
    out.Link(entity_index, product_path, cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("price", price.json().get<std::string>()));
  } else {
    RETURN_IF_ERROR(price.RequireObject());
    ASSIGN_OR_RETURN(std::string product_id, RequiredId(price["product"]));
    out.Link(entity_index, product_path, cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("product", product_id));
    ASSIGN_OR_RETURN(std::string price_currency, CurrencyAt(price["currency"]));
    if (price_currency != currency) {
      return MappingError(price["currency"].path(),
                          absl::StrCat("price is in ", price_currency,
                                       ", the subscription in ", currency));
    }
    bool is_plan =
        price["object"].present() && price["object"].json() == "plan";
    ASSIGN_OR_RETURN(
        std::optional<Money> unit,
        UnitAmount(price, is_plan ? "amount" : "unit_amount", currency));
    if (unit) *line->mutable_unit_price() = *unit;
    ASSIGN_OR_RETURN(std::optional<std::string> nickname,
                     price["nickname"].OptionalString());
    if (nickname) line->set_description(*nickname);
    Field recurring = is_plan ? price : price["recurring"];
    if (recurring.present() && recurring["usage_type"].present()) {
      ASSIGN_OR_RETURN(std::string usage, recurring["usage_type"].String());
      line->set_revenue_rule(usage == "metered" ? cv1::REVENUE_RULE_USAGE
                                                : cv1::REVENUE_RULE_RATABLE);
    }
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> quantity,
                   item["quantity"].OptionalInt());
  line->mutable_quantity()->set_units(quantity.value_or(1));
  ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                   UnixTimeAt(item["current_period_start"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end,
                   UnixTimeAt(item["current_period_end"]));
  if (start) *line->mutable_service_period()->mutable_start_time() = *start;
  if (end) *line->mutable_service_period()->mutable_end_time() = *end;
  return absl::OkStatus();
}

// Applies a coupon (legacy discount.coupon or discounts[].coupon) to a
// contract: amount_off as a contract discount, percent_off on every line.
absl::Status ApplyDiscounts(const Field& o, absl::string_view currency,
                            Contract& c) {
  std::vector<Field> coupons;
  if (o["discount"].present() && o["discount"].json().is_object()) {
    coupons.push_back(o["discount"]["coupon"]);
  }
  ASSIGN_OR_RETURN(std::vector<Field> discounts, o["discounts"].Elements());
  for (const Field& d : discounts) {
    if (d.present() && d.json().is_object()) coupons.push_back(d["coupon"]);
  }
  for (const Field& coupon : coupons) {
    if (!coupon.present() || !coupon.json().is_object()) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> name,
                     coupon["name"].OptionalString());
    ASSIGN_OR_RETURN(std::optional<Decimal> percent,
                     coupon["percent_off"].OptionalNumber());
    if (coupon["amount_off"].present()) {
      ASSIGN_OR_RETURN(std::string coupon_currency,
                       CurrencyAt(coupon["currency"]));
      if (coupon_currency != currency) {
        return MappingError(coupon["currency"].path(),
                            absl::StrCat("coupon is in ", coupon_currency,
                                         ", the contract in ", currency));
      }
      auto* d = c.add_discounts();
      d->set_description(name.value_or("coupon"));
      ASSIGN_OR_RETURN(*d->mutable_amount(),
                       MinorUnitsAt(coupon["amount_off"], currency));
    } else if (percent) {
      for (auto& line : *c.mutable_lines())
        *line.mutable_discount_percent() = *percent;
    }
  }
  return absl::OkStatus();
}

absl::Status MapSubscription(const TranslateContext& ctx, const Field& o,
                             const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "subscription"));
  Contract c;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *c.add_external_refs() = ctx.Ref("subscription", id);
  ASSIGN_OR_RETURN(std::string customer, RequiredId(o["customer"]));
  ASSIGN_OR_RETURN(std::vector<Field> items, o["items"]["data"].Elements());
  if (items.empty())
    return MappingError(o["items"]["data"].path(),
                        "a subscription needs at least one item");
  std::string currency;
  if (o["currency"].present()) {
    ASSIGN_OR_RETURN(currency, CurrencyAt(o["currency"]));
  } else {
    Field price =
        items[0]["price"].present() ? items[0]["price"] : items[0]["plan"];
    ASSIGN_OR_RETURN(currency, CurrencyAt(price["currency"]));
  }
  c.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  if (status == "canceled" || status == "incomplete_expired") {
    c.set_status(cv1::CONTRACT_STATUS_CANCELLED);
  } else if (status == "incomplete") {
    c.set_status(cv1::CONTRACT_STATUS_DRAFT);
  } else {
    c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
  }
  (*c.mutable_attributes())["stripe_status"] = status;
  CanonicalEntity placeholder;
  int index = out.AddEntity(std::move(placeholder));
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  ASSIGN_OR_RETURN(std::optional<Timestamp> sub_start,
                   UnixTimeAt(o["current_period_start"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> sub_end,
                   UnixTimeAt(o["current_period_end"]));
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(std::string item_id, items[i]["id"].String());
    ContractLine* line = c.add_lines();
    RETURN_IF_ERROR(MapContractLine(ctx, items[i], item_id, currency, index,
                                    static_cast<int>(i), out, line));
    *line->add_external_refs() = ctx.Ref("subscription_item", item_id);
    if (!line->has_service_period() && sub_start && sub_end) {
      *line->mutable_service_period()->mutable_start_time() = *sub_start;
      *line->mutable_service_period()->mutable_end_time() = *sub_end;
    }
  }
  RETURN_IF_ERROR(ApplyDiscounts(o, currency, c));
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, UnixTimeAt(o["start_date"]));
  if (start) {
    *c.mutable_term()->mutable_start_time() = *start;
    *c.mutable_signed_at() = *start;
    *c.mutable_effective_at() = *start;
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> cancel_at,
                   UnixTimeAt(o["cancel_at"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> ended_at,
                   UnixTimeAt(o["ended_at"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> canceled_at,
                   UnixTimeAt(o["canceled_at"]));
  if (ended_at) {
    *c.mutable_term()->mutable_end_time() = *ended_at;
  } else if (cancel_at) {
    *c.mutable_term()->mutable_end_time() = *cancel_at;
  }
  if (c.status() == cv1::CONTRACT_STATUS_CANCELLED && canceled_at) {
    *c.mutable_cancelled_at() = *canceled_at;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> schedule,
                   ExpandableId(o["schedule"]));
  if (schedule) (*c.mutable_attributes())["schedule"] = *schedule;
  PutMetadata(o["metadata"], c.mutable_attributes());

  EventType type;
  if (c.status() == cv1::CONTRACT_STATUS_CANCELLED) {
    type = cv1::EVENT_TYPE_CONTRACT_CANCELLED;
  } else if (c.status() == cv1::CONTRACT_STATUS_DRAFT) {
    type = cv1::EVENT_TYPE_CONTRACT_CHANGED;
  } else if (ev && ev->type == "customer.subscription.updated") {
    static const std::set<std::string> kCommercial = {
        "items", "plan", "quantity", "discount", "discounts", "cancel_at"};
    bool commercial = false;
    for (const auto& k : ev->changed)
      commercial = commercial || kCommercial.count(k);
    type = commercial ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                      : cv1::EVENT_TYPE_CONTRACT_CHANGED;
    c.set_change_reason(absl::StrCat("stripe ", ev->type, ": ",
                                     absl::StrJoin(ev->changed, ", ")));
  } else {
    type = cv1::EVENT_TYPE_CONTRACT_BOOKED;
  }
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  const Timestamp* when =
      ev && ev->created ? &*ev->created : (start ? &*start : nullptr);
  out.AddEvent(type, index, when, ev ? ev->id : "");
  return absl::OkStatus();
}

absl::Status MapSubscriptionSchedule(const TranslateContext& ctx,
                                     const Field& o, const EventInfo* ev,
                                     TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "subscription_schedule"));
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  ASSIGN_OR_RETURN(std::string customer, RequiredId(o["customer"]));
  ASSIGN_OR_RETURN(std::optional<std::string> subscription,
                   ExpandableId(o["subscription"]));
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  ASSIGN_OR_RETURN(std::vector<Field> phases, o["phases"].Elements());
  if (phases.empty())
    return MappingError(o["phases"].path(),
                        "a schedule needs at least one phase");
  for (size_t p = 0; p < phases.size(); ++p) {
    const Field& phase = phases[p];
    Contract c;
    *c.add_external_refs() = ctx.Ref("subscription_schedule", id);
    if (subscription)
      *c.add_external_refs() = ctx.Ref("subscription", *subscription);
    ASSIGN_OR_RETURN(std::string currency, CurrencyAt(phase["currency"]));
    c.set_currency_code(currency);
    c.set_status(status == "canceled"      ? cv1::CONTRACT_STATUS_CANCELLED
                 : status == "not_started" ? cv1::CONTRACT_STATUS_DRAFT
                                           : cv1::CONTRACT_STATUS_ACTIVE);
    (*c.mutable_attributes())["stripe_schedule_status"] = status;
    (*c.mutable_attributes())["phase"] = absl::StrCat(p);
    ASSIGN_OR_RETURN(std::optional<std::string> proration,
                     phase["proration_behavior"].OptionalString());
    if (proration) (*c.mutable_attributes())["proration_behavior"] = *proration;
    int index = out.AddEntity(CanonicalEntity());
    out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
             ctx.Ref("customer", customer));
    ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                     UnixTimeAt(phase["start_date"]));
    ASSIGN_OR_RETURN(std::optional<Timestamp> end,
                     UnixTimeAt(phase["end_date"]));
    ASSIGN_OR_RETURN(std::vector<Field> items, phase["items"].Elements());
    for (size_t i = 0; i < items.size(); ++i) {
      // Phase items have no id of their own: the line is named by its price.
      Field price = items[i]["price"];
      std::string line_id = price.present() && price.json().is_string()
                                ? price.json().get<std::string>()
                                : absl::StrCat("item-", i);
      if (price.present() && price.json().is_object()) {
        ASSIGN_OR_RETURN(line_id, price["id"].String());
      }
      ContractLine* line = c.add_lines();
      RETURN_IF_ERROR(MapContractLine(ctx, items[i], line_id, currency, index,
                                      static_cast<int>(i), out, line));
      if (start) *line->mutable_service_period()->mutable_start_time() = *start;
      if (end) *line->mutable_service_period()->mutable_end_time() = *end;
    }
    if (start) {
      *c.mutable_effective_at() = *start;
      *c.mutable_term()->mutable_start_time() = *start;
    }
    if (end) *c.mutable_term()->mutable_end_time() = *end;
    if (p > 0)
      c.set_change_reason(
          absl::StrCat("stripe subscription schedule phase ", p));
    *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
    EventType type = status == "not_started" ? cv1::EVENT_TYPE_CONTRACT_CHANGED
                     : status == "canceled" ? cv1::EVENT_TYPE_CONTRACT_CANCELLED
                     : p == 0               ? cv1::EVENT_TYPE_CONTRACT_BOOKED
                                            : cv1::EVENT_TYPE_CONTRACT_AMENDED;
    out.AddEvent(type, index, start ? &*start : nullptr, ev ? ev->id : "");
  }
  return absl::OkStatus();
}

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
                   OptionalMinorUnitsAt(o["amount_due"], currency));
  if (due_amount) *inv.mutable_amount_due() = *due_amount;
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

// payment_intent and charge.
absl::Status MapPayment(const TranslateContext& ctx, const Field& o,
                        absl::string_view object, const EventInfo* ev,
                        TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, object));
  Payment pay;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *pay.add_external_refs() = ctx.Ref(object, id);
  ASSIGN_OR_RETURN(std::optional<std::string> customer,
                   ExpandableId(o["customer"]));
  ASSIGN_OR_RETURN(std::optional<std::string> invoice,
                   ExpandableId(o["invoice"]));
  if (!customer) {
    out.Skip(absl::StrCat(object, " ", id,
                          " has no customer: a guest payment is not a "
                          "customer's payment in the canonical model"));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  Money amount;
  cv1::PaymentStatus pstatus = cv1::PAYMENT_STATUS_PENDING;
  if (object == "payment_intent") {
    if (status == "succeeded") {
      pstatus = cv1::PAYMENT_STATUS_SUCCEEDED;
      ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount_received"], currency));
    } else {
      if (status == "canceled") pstatus = cv1::PAYMENT_STATUS_FAILED;
      ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount"], currency));
    }
    ASSIGN_OR_RETURN(std::vector<Field> methods,
                     o["payment_method_types"].Elements());
    if (!methods.empty()) {
      ASSIGN_OR_RETURN(std::string method, methods[0].String());
      pay.set_method(method);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> charge,
                     ExpandableId(o["latest_charge"]));
    if (charge) *pay.add_external_refs() = ctx.Ref("charge", *charge);
  } else {
    ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount"], currency));
    ASSIGN_OR_RETURN(Money refunded,
                     MinorUnitsAt(o["amount_refunded"], currency));
    *pay.mutable_refunded_amount() = refunded;
    if (status == "succeeded") {
      pstatus = IsZero(refunded) ? cv1::PAYMENT_STATUS_SUCCEEDED
                : Compare(refunded, amount) >= 0
                    ? cv1::PAYMENT_STATUS_REFUNDED
                    : cv1::PAYMENT_STATUS_PARTIALLY_REFUNDED;
    } else if (status == "failed") {
      pstatus = cv1::PAYMENT_STATUS_FAILED;
    }
    ASSIGN_OR_RETURN(std::optional<std::string> method,
                     o["payment_method_details"]["type"].OptionalString());
    pay.set_method(method.value_or(""));
    ASSIGN_OR_RETURN(std::optional<std::string> intent,
                     ExpandableId(o["payment_intent"]));
    if (intent) *pay.add_external_refs() = ctx.Ref("payment_intent", *intent);
  }
  *pay.mutable_amount() = amount;
  pay.set_status(pstatus);
  (*pay.mutable_attributes())["stripe_status"] = status;
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (created) {
    *pay.mutable_received_at() = *created;
    *pay.mutable_effective_at() = *created;
  }
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", *customer));
  if (invoice) {
    auto* alloc = pay.add_allocations();
    *alloc->mutable_amount() = amount;
    out.Link(index, "allocations[0].invoice_id", cv1::ENTITY_TYPE_INVOICE,
             ctx.Ref("invoice", *invoice));
  }
  PutMetadata(o["metadata"], pay.mutable_attributes());
  *out.result().mutable_entities(index)->mutable_payment() = std::move(pay);
  out.AddEvent(
      pstatus == cv1::PAYMENT_STATUS_SUCCEEDED
          ? cv1::EVENT_TYPE_PAYMENT_RECEIVED
          : cv1::EVENT_TYPE_PAYMENT_CHANGED,
      index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return absl::OkStatus();
}

absl::Status MapObject(const TranslateContext& ctx, absl::string_view object,
                       const Field& o, const EventInfo* ev,
                       TranslationBuilder& out) {
  if (object == "customer") return MapCustomer(ctx, o, ev, out);
  if (object == "product") return MapProduct(ctx, o, ev, out);
  if (object == "price" || object == "plan")
    return MapPrice(ctx, o, object, ev, out);
  if (object == "subscription") return MapSubscription(ctx, o, ev, out);
  if (object == "subscription_schedule")
    return MapSubscriptionSchedule(ctx, o, ev, out);
  if (object == "invoice") return MapInvoice(ctx, o, ev, out);
  if (object == "credit_note") return MapCreditNote(ctx, o, ev, out);
  if (object == "payment_intent" || object == "charge")
    return MapPayment(ctx, o, object, ev, out);
  out.Skip(absl::StrCat("Stripe object \"", object,
                        "\" has no canonical counterpart"));
  return absl::OkStatus();
}

absl::Status MapEvent(const TranslateContext& ctx, const Field& root,
                      TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(root, "event"));
  EventInfo ev;
  ASSIGN_OR_RETURN(ev.id, root["id"].String());
  ASSIGN_OR_RETURN(ev.type, root["type"].String());
  ASSIGN_OR_RETURN(ev.created, UnixTimeAt(root["created"]));
  Field data = root["data"];
  RETURN_IF_ERROR(data.RequireObject());
  Field obj = data["object"];
  RETURN_IF_ERROR(obj.RequireObject());
  Field prev = data["previous_attributes"];
  if (prev.present()) {
    RETURN_IF_ERROR(prev.RequireObject());
    for (const auto& [k, v] : prev.json().items()) ev.changed.insert(k);
  }
  ASSIGN_OR_RETURN(std::string object, obj["object"].String());
  return MapObject(ctx, object, obj, &ev, out);
}

class StripeAdapter final : public Adapter {
 public:
  // Adapter
  AdapterInfo Info() const override {
    AdapterInfo info;
    info.name = "stripe";
    info.vendor = "Stripe Billing";
    info.version = "1.0.0";
    auto add = [&info](const char* type, const char* description,
                       std::vector<EntityType> produces) {
      InboundObjectType t;
      t.set_object_type(type);
      t.set_description(description);
      for (EntityType e : produces) t.add_produces(e);
      info.inbound.push_back(t);
    };
    add("customer", "Customer -> Customer", {cv1::ENTITY_TYPE_CUSTOMER});
    add("product", "Product -> Product", {cv1::ENTITY_TYPE_PRODUCT});
    add("price",
        "Price -> Product (standalone selling price, billing interval)",
        {cv1::ENTITY_TYPE_PRODUCT});
    add("plan", "Legacy plan -> Product", {cv1::ENTITY_TYPE_PRODUCT});
    add("subscription", "Subscription with items -> Contract with lines",
        {cv1::ENTITY_TYPE_CONTRACT});
    add("subscription_schedule",
        "Subscription schedule -> one Contract version per phase",
        {cv1::ENTITY_TYPE_CONTRACT});
    add("invoice", "Invoice with lines, discounts, tax, prorations -> Invoice",
        {cv1::ENTITY_TYPE_INVOICE});
    add("credit_note", "Credit note -> Invoice of kind CREDIT_NOTE",
        {cv1::ENTITY_TYPE_INVOICE});
    add("payment_intent", "PaymentIntent -> Payment",
        {cv1::ENTITY_TYPE_PAYMENT});
    add("charge", "Charge -> Payment", {cv1::ENTITY_TYPE_PAYMENT});
    add("event",
        "Webhook event envelope (type, data.object, previous_attributes)",
        {cv1::ENTITY_TYPE_CUSTOMER, cv1::ENTITY_TYPE_PRODUCT,
         cv1::ENTITY_TYPE_CONTRACT, cv1::ENTITY_TYPE_INVOICE,
         cv1::ENTITY_TYPE_PAYMENT});
    info.config_fields = {
        {"api_base", ConfigType::kUrl, false, false,
         "Stripe API base URL, used by Check", "\"https://api.stripe.com\""},
        {"secret_key", ConfigType::kString, false, true,
         "Restricted or secret API key (sk_... / rk_...), used by Check", ""},
        {"webhook_secret", ConfigType::kString, false, true,
         "Webhook signing secret (whsec_...), for the hub's webhook endpoint",
         ""},
        {"request_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout of one HTTP request", "10000"},
        {"contract_ref_metadata_key", ConfigType::kString, false, false,
         "Metadata key of invoices and credit notes (or their subscription "
         "details or lines) naming the contract's record in another system, "
         "e.g. salesforce_opportunity_id",
         ""},
        {"contract_ref_system", ConfigType::kString, false, false,
         "The system named by contract_ref_metadata_key's value, e.g. "
         "salesforce (required with the key)",
         ""},
        {"contract_ref_object_type", ConfigType::kString, false, false,
         "The object type of that record, e.g. Opportunity (required with "
         "the key)",
         ""},
    };
    return info;
  }

  absl::Status Translate(const TranslateContext& ctx,
                         TranslationBuilder& out) override {
    ASSIGN_OR_RETURN(Json doc, ParseExactJson(ctx.record.payload()));
    Field root(doc);
    const std::string& type = ctx.record.object_type();
    if (type == "event") return MapEvent(ctx, root, out);
    return MapObject(ctx, type, root, nullptr, out);
  }

  absl::Status Check(const CheckContext& ctx) override;
};

}  // namespace
}  // namespace revhub::adapter

#include "adapters/sdk/http_client.h"

namespace revhub::adapter {
namespace {

absl::Status StripeAdapter::Check(const CheckContext& ctx) {
  if (!ctx.config.Has("secret_key")) {
    return MappingError("config.secret_key", "required to reach Stripe");
  }
  HttpRequest req;
  req.url = ctx.config.GetString("api_base") + "/v1/balance";
  req.headers.emplace_back("Authorization",
                           "Bearer " + ctx.config.GetString("secret_key"));
  req.timeout =
      std::chrono::milliseconds(ctx.config.GetInt("request_timeout_ms"));
  ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
  return CredentialCheckStatus(resp.status, "Stripe", "the API key",
                               "the API key may not read the balance");
}

}  // namespace

std::unique_ptr<Adapter> NewStripeAdapter() {
  return std::make_unique<StripeAdapter>();
}

}  // namespace revhub::adapter
