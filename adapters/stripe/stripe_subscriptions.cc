// Stripe subscription and subscription schedule -> canonical Contract.
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

using canonical::v1::Contract;
using canonical::v1::ContractLine;

namespace cv1 = ::revhub::canonical::v1;

namespace {

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

}  // namespace

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

}  // namespace revhub::adapter::stripe
