// Stripe subscription and subscription schedule -> canonical Contract.
//
// A subscription runs cycle after cycle until cancelled: without cancel_at
// (or cancel_at_period_end) and ended_at it is an EVERGREEN contract whose
// term has a start and no end, renewing every price interval. cancel_at
// (or, for an ended subscription, ended_at) gives the term its end: FIXED.
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

// One subscription item (or schedule phase item) as a contract line: price,
// quantity, revenue rule and the product link. `price` may be an expanded
// price (or legacy plan) or only a price id; then the product is linked
// through the price, which the hub knows from a price record or from its
// product's default_price.
absl::Status MapContractLine(
    const TranslateContext& ctx, const Field& item, absl::string_view line_id,
    absl::string_view currency, int entity_index, int line_index,
    const Field& default_tax_rates, TranslationBuilder& out, ContractLine* line,
    google::protobuf::Map<std::string, std::string>* attributes) {
  std::string tax_behavior;
  CanonicalEntity* entity = out.result().mutable_entities(entity_index);
  const std::string lp = absl::StrCat("lines[", line_index, "]");
  AddSource(entity, lp, item);
  line->set_line_id(std::string(line_id));
  Field price = PriceOf(item);
  std::string product_path = absl::StrCat(lp, ".product_id");
  if (price.present() && price.json().is_string()) {
    out.Link(entity_index, product_path, cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("price", price.json().get<std::string>()));
    AddSource(entity, product_path, price);
    AddSource(entity, lp + ".unit_price", price);
  } else {
    RETURN_IF_ERROR(price.RequireObject());
    ASSIGN_OR_RETURN(std::string product_id, RequiredId(price["product"]));
    out.Link(entity_index, product_path, cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("product", product_id));
    AddSource(entity, product_path, price["product"]);
    ASSIGN_OR_RETURN(std::string price_currency, CurrencyAt(price["currency"]));
    if (price_currency != currency) {
      return MappingError(price["currency"].path(),
                          absl::StrCat("price is in ", price_currency,
                                       ", the contract in ", currency));
    }
    bool is_plan = IsPlan(price);
    const char* amount_key = is_plan ? "amount" : "unit_amount";
    ASSIGN_OR_RETURN(std::optional<Money> unit,
                     UnitAmount(price, amount_key, currency));
    if (unit) *line->mutable_unit_price() = *unit;
    AddSource(entity, lp + ".unit_price", price[amount_key]);
    ASSIGN_OR_RETURN(std::optional<std::string> nickname,
                     price["nickname"].OptionalString());
    if (nickname) line->set_description(*nickname);
    Field recurring = is_plan ? price : price["recurring"];
    if (recurring.present() && recurring["usage_type"].present()) {
      ASSIGN_OR_RETURN(std::string usage, recurring["usage_type"].String());
      line->set_revenue_rule(usage == "metered" ? cv1::REVENUE_RULE_USAGE
                                                : cv1::REVENUE_RULE_RATABLE);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> behavior,
                     price["tax_behavior"].OptionalString());
    if (behavior) tax_behavior = *behavior;
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> quantity,
                   item["quantity"].OptionalInt());
  line->mutable_quantity()->set_units(quantity.value_or(1));
  AddSource(entity, lp + ".quantity", item["quantity"]);
  // A price that includes tax: the unit price is netted by the inclusive
  // rates the item (or the subscription by default) names, the tax kept in
  // included_tax. Without a rate (Stripe Tax computes it per invoice) the
  // price stays as Stripe has it and the line says so.
  ASSIGN_OR_RETURN(std::vector<Field> rates, item["tax_rates"].Elements());
  if (rates.empty()) {
    ASSIGN_OR_RETURN(rates, default_tax_rates.Elements());
  }
  ASSIGN_OR_RETURN(std::optional<Decimal> inclusive_percent,
                   InclusivePercent(rates));
  if (line->has_unit_price() &&
      (tax_behavior == "inclusive" || inclusive_percent)) {
    if (!inclusive_percent) {
      (*attributes)[absl::StrCat(lp, ".tax_behavior")] =
          "inclusive (rate not on the subscription)";
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(Money net,
                     NetOfInclusiveTax(line->unit_price(), *inclusive_percent));
    ASSIGN_OR_RETURN(Money unit_tax, Subtract(line->unit_price(), net));
    ASSIGN_OR_RETURN(*line->mutable_included_tax(),
                     Multiply(unit_tax, line->quantity()));
    *line->mutable_unit_price() = net;
  }
  return absl::OkStatus();
}

// Applies a coupon (legacy discount.coupon, discounts[].coupon or a
// schedule phase's coupon) to a contract: amount_off as a contract discount,
// percent_off on every line.
absl::Status ApplyDiscounts(const Field& o, absl::string_view currency,
                            int index, TranslationBuilder& out, Contract& c) {
  std::vector<Field> coupons;
  if (o["discount"].present() && o["discount"].json().is_object()) {
    coupons.push_back(o["discount"]["coupon"]);
  }
  if (o["coupon"].present() && o["coupon"].json().is_object()) {
    coupons.push_back(o["coupon"]);
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
      AddSource(out.result().mutable_entities(index),
                absl::StrCat("discounts[", c.discounts_size(), "]"),
                coupon["amount_off"]);
      auto* d = c.add_discounts();
      d->set_description(name.value_or("coupon"));
      ASSIGN_OR_RETURN(*d->mutable_amount(),
                       MinorUnitsAt(coupon["amount_off"], currency));
    } else if (percent) {
      for (int i = 0; i < c.lines_size(); ++i) {
        *c.mutable_lines(i)->mutable_discount_percent() = *percent;
        AddSource(out.result().mutable_entities(index),
                  absl::StrCat("lines[", i, "].discount_percent"),
                  coupon["percent_off"]);
      }
    }
  }
  return absl::OkStatus();
}

// The contract status of a Stripe subscription status.
cv1::ContractStatus SubscriptionStatus(absl::string_view status) {
  if (status == "canceled" || status == "incomplete_expired")
    return cv1::CONTRACT_STATUS_CANCELLED;
  if (status == "incomplete") return cv1::CONTRACT_STATUS_DRAFT;
  // active, trialing, past_due, unpaid, paused: the contract is in force.
  return cv1::CONTRACT_STATUS_ACTIVE;
}

// "cancellation_requested; feedback: too_expensive; comment: ..." from
// cancellation_details (API 2023-02 and later); empty when there is none.
absl::StatusOr<std::string> CancellationReason(const Field& details) {
  std::vector<std::string> parts;
  ASSIGN_OR_RETURN(std::optional<std::string> reason,
                   details["reason"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> feedback,
                   details["feedback"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> comment,
                   details["comment"].OptionalString());
  if (reason && !reason->empty()) parts.push_back(*reason);
  if (feedback && !feedback->empty())
    parts.push_back(absl::StrCat("feedback: ", *feedback));
  if (comment && !comment->empty())
    parts.push_back(absl::StrCat("comment: ", *comment));
  return absl::StrJoin(parts, "; ");
}

// A currency and the vendor field it came from.
struct CurrencySource {
  std::string code;
  std::string vendor_path;
};

// The currency of a schedule phase: its "currency" (API 2022-08-01 and
// later), else the first expanded price of its items, else
// config.default_currency. Older phases whose items carry price ids only
// need the configuration.
absl::StatusOr<CurrencySource> PhaseCurrency(const TranslateContext& ctx,
                                             const Field& phase,
                                             const std::vector<Field>& items) {
  if (phase["currency"].present()) {
    ASSIGN_OR_RETURN(std::string code, CurrencyAt(phase["currency"]));
    return CurrencySource{code, phase["currency"].path()};
  }
  for (const Field& item : items) {
    Field price = PriceOf(item);
    if (price.present() && price.json().is_object()) {
      ASSIGN_OR_RETURN(std::string code, CurrencyAt(price["currency"]));
      return CurrencySource{code, price["currency"].path()};
    }
  }
  if (ctx.config.Has("default_currency")) {
    return CurrencySource{ctx.config.GetString("default_currency"),
                          "config.default_currency"};
  }
  return MappingError(
      phase["currency"].path(),
      "absent (phases of API versions before 2022-08-01 carry no currency) "
      "and no item's price is expanded: set config.default_currency to the "
      "Stripe account's currency, or send the schedule with "
      "phases.items.price expanded");
}

}  // namespace

absl::Status MapSubscription(const TranslateContext& ctx, const Field& o,
                             const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "subscription"));
  Contract c;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *c.add_external_refs() = ctx.Ref("subscription", id);
  ASSIGN_OR_RETURN(std::optional<ExternalRef> crm_ref,
                   SubscriptionContractRef(ctx, o));
  if (crm_ref) *c.add_external_refs() = *crm_ref;
  ASSIGN_OR_RETURN(std::string customer, RequiredId(o["customer"]));
  ASSIGN_OR_RETURN(std::vector<Field> items, o["items"]["data"].Elements());
  if (items.empty())
    return MappingError(o["items"]["data"].path(),
                        "a subscription needs at least one item");
  ASSIGN_OR_RETURN(std::optional<bool> more_items,
                   o["items"]["has_more"].OptionalBool());
  if (more_items.value_or(false)) {
    return MappingError(
        o["items"]["has_more"].path(),
        "the subscription has more items than the payload carries; send it "
        "with every item (GET /v1/subscription_items?subscription={id})");
  }
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  // currency is on subscriptions since API 2021-ish; before, on the prices.
  Field currency_field =
      o["currency"].present() ? o["currency"] : PriceOf(items[0])["currency"];
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(currency_field));
  c.set_currency_code(currency);
  AddSource(entity, "currency_code", currency_field);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  c.set_status(SubscriptionStatus(status));
  AddSource(entity, "status", o["status"]);
  (*c.mutable_attributes())["stripe_status"] = status;
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(entity, "customer_id", o["customer"]);

  // The term: from start_date, to cancel_at or (once ended) ended_at.
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, UnixTimeAt(o["start_date"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (!start) start = created;
  if (!start)
    return MappingError(o["start_date"].path(), "required field is missing");
  ASSIGN_OR_RETURN(std::optional<Timestamp> cancel_at,
                   UnixTimeAt(o["cancel_at"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> ended_at,
                   UnixTimeAt(o["ended_at"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> canceled_at,
                   UnixTimeAt(o["canceled_at"]));
  ASSIGN_OR_RETURN(std::optional<bool> at_period_end,
                   o["cancel_at_period_end"].OptionalBool());
  std::optional<Timestamp> end;
  Field end_field = o["ended_at"];
  if (ended_at) {
    end = ended_at;
  } else if (cancel_at) {
    end = cancel_at;
    end_field = o["cancel_at"];
  } else if (at_period_end.value_or(false)) {
    // Older API versions leave cancel_at empty: the period end is the end
    // (on the subscription before 2025-03-31, on its items after).
    end_field = o["current_period_end"].present()
                    ? o["current_period_end"]
                    : items[0]["current_period_end"];
    ASSIGN_OR_RETURN(end, UnixTimeAt(end_field));
  }
  *c.mutable_term()->mutable_start_time() = *start;
  *c.mutable_signed_at() = *start;
  *c.mutable_effective_at() = *start;
  AddSource(entity, "term", o["start_date"]);
  if (end) {
    *c.mutable_term()->mutable_end_time() = *end;
    AddSource(entity, "term.end_time", end_field);
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_FIXED);
  } else {
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_EVERGREEN);
    Field price = PriceOf(items[0]);
    ASSIGN_OR_RETURN(std::optional<cv1::Interval> interval,
                     PriceInterval(price));
    if (interval) *c.mutable_renewal_interval() = *interval;
  }

  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(std::string item_id, items[i]["id"].String());
    ContractLine* line = c.add_lines();
    RETURN_IF_ERROR(MapContractLine(ctx, items[i], item_id, currency, index,
                                    static_cast<int>(i), o["default_tax_rates"],
                                    out, line, c.mutable_attributes()));
    *line->add_external_refs() = ctx.Ref("subscription_item", item_id);
    // An item added after the subscription was created starts when it was
    // added; the others run from the subscription's start (which may be
    // backdated before its creation).
    ASSIGN_OR_RETURN(std::optional<Timestamp> item_created,
                     UnixTimeAt(items[i]["created"]));
    Timestamp line_start = *start;
    std::string start_path = o["start_date"].path();
    if (item_created && created &&
        item_created->seconds() > created->seconds() + 60 &&
        item_created->seconds() > start->seconds()) {
      line_start = *item_created;
      start_path = items[i]["created"].path();
    }
    *line->mutable_service_period()->mutable_start_time() = line_start;
    if (end) *line->mutable_service_period()->mutable_end_time() = *end;
    AddSource(out.result().mutable_entities(index),
              absl::StrCat("lines[", i, "].service_period"), start_path);
  }
  RETURN_IF_ERROR(ApplyDiscounts(o, currency, index, out, c));

  if (c.status() == cv1::CONTRACT_STATUS_CANCELLED) {
    // When the cancellation took effect: the end of the subscription, or
    // (not ended yet, or older payloads) when it was cancelled.
    if (ended_at) {
      *c.mutable_cancelled_at() = *ended_at;
      AddSource(out.result().mutable_entities(index), "cancelled_at",
                o["ended_at"]);
    } else if (canceled_at) {
      *c.mutable_cancelled_at() = *canceled_at;
      AddSource(out.result().mutable_entities(index), "cancelled_at",
                o["canceled_at"]);
    }
    ASSIGN_OR_RETURN(std::string reason,
                     CancellationReason(o["cancellation_details"]));
    c.set_cancellation_reason(reason.empty() ? status : reason);
  }
  if (canceled_at) {
    (*c.mutable_attributes())["canceled_at"] = FormatTimestamp(*canceled_at);
  }
  for (const char* key : {"trial_start", "trial_end"}) {
    ASSIGN_OR_RETURN(std::optional<Timestamp> t, UnixTimeAt(o[key]));
    if (t) (*c.mutable_attributes())[key] = FormatTimestamp(*t);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> schedule,
                   ExpandableId(o["schedule"]));
  if (schedule) (*c.mutable_attributes())["schedule"] = *schedule;
  PutMetadata(o["metadata"], c.mutable_attributes());

  EventType type;
  const Timestamp* when =
      ev && ev->created ? &*ev->created : (start ? &*start : nullptr);
  if (c.status() == cv1::CONTRACT_STATUS_CANCELLED) {
    type = cv1::EVENT_TYPE_CONTRACT_CANCELLED;
    // The cancellation happened when it was asked for, whatever the
    // webhook's own time or the contract's start.
    if (canceled_at) {
      when = &*canceled_at;
    } else if (ended_at) {
      when = &*ended_at;
    }
  } else if (c.status() == cv1::CONTRACT_STATUS_DRAFT) {
    type = cv1::EVENT_TYPE_CONTRACT_CHANGED;
  } else if (ev && ev->type == "customer.subscription.updated") {
    static const std::set<std::string> kCommercial = {"items",
                                                      "plan",
                                                      "quantity",
                                                      "discount",
                                                      "discounts",
                                                      "cancel_at",
                                                      "cancel_at_period_end"};
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
  ASSIGN_OR_RETURN(std::optional<Timestamp> canceled_at,
                   UnixTimeAt(o["canceled_at"]));
  ASSIGN_OR_RETURN(std::optional<std::string> end_behavior,
                   o["end_behavior"].OptionalString());
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
    ASSIGN_OR_RETURN(std::optional<ExternalRef> crm_ref,
                     SubscriptionContractRef(ctx, o));
    if (crm_ref) *c.add_external_refs() = *crm_ref;
    int index = out.AddEntity(CanonicalEntity());
    CanonicalEntity* entity = out.result().mutable_entities(index);
    ASSIGN_OR_RETURN(std::vector<Field> items, phase["items"].Elements());
    if (items.empty()) {
      // Before API 2020-08-27 phases listed "plans".
      ASSIGN_OR_RETURN(items, phase["plans"].Elements());
    }
    ASSIGN_OR_RETURN(CurrencySource cur, PhaseCurrency(ctx, phase, items));
    const std::string& currency = cur.code;
    c.set_currency_code(currency);
    AddSource(entity, "currency_code", cur.vendor_path);
    c.set_status(status == "canceled"      ? cv1::CONTRACT_STATUS_CANCELLED
                 : status == "not_started" ? cv1::CONTRACT_STATUS_DRAFT
                                           : cv1::CONTRACT_STATUS_ACTIVE);
    AddSource(entity, "status", o["status"]);
    (*c.mutable_attributes())["stripe_schedule_status"] = status;
    (*c.mutable_attributes())["phase"] = absl::StrCat(p);
    ASSIGN_OR_RETURN(std::optional<std::string> proration,
                     phase["proration_behavior"].OptionalString());
    if (proration) (*c.mutable_attributes())["proration_behavior"] = *proration;
    out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
             ctx.Ref("customer", customer));
    AddSource(entity, "customer_id", o["customer"]);
    ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                     UnixTimeAt(phase["start_date"]));
    ASSIGN_OR_RETURN(std::optional<Timestamp> end,
                     UnixTimeAt(phase["end_date"]));
    // The last phase of a schedule that releases its subscription goes on
    // as that subscription: open-ended when it has no end date.
    bool last = p + 1 == phases.size();
    for (size_t i = 0; i < items.size(); ++i) {
      // Phase items have no id of their own: the line is named by its price.
      Field price = PriceOf(items[i]);
      std::string line_id = price.present() && price.json().is_string()
                                ? price.json().get<std::string>()
                                : absl::StrCat("item-", i);
      if (price.present() && price.json().is_object()) {
        ASSIGN_OR_RETURN(line_id, price["id"].String());
      }
      ContractLine* line = c.add_lines();
      RETURN_IF_ERROR(MapContractLine(
          ctx, items[i], line_id, currency, index, static_cast<int>(i),
          phase["default_tax_rates"], out, line, c.mutable_attributes()));
      if (start) *line->mutable_service_period()->mutable_start_time() = *start;
      if (end) *line->mutable_service_period()->mutable_end_time() = *end;
      AddSource(out.result().mutable_entities(index),
                absl::StrCat("lines[", i, "].service_period"),
                phase["start_date"]);
    }
    RETURN_IF_ERROR(ApplyDiscounts(phase, currency, index, out, c));
    if (start) {
      *c.mutable_effective_at() = *start;
      *c.mutable_term()->mutable_start_time() = *start;
    }
    AddSource(out.result().mutable_entities(index), "term",
              phase["start_date"]);
    if (end) {
      *c.mutable_term()->mutable_end_time() = *end;
      AddSource(out.result().mutable_entities(index), "term.end_time",
                phase["end_date"]);
      c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_FIXED);
    } else if (last && !items.empty()) {
      c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_EVERGREEN);
      ASSIGN_OR_RETURN(std::optional<cv1::Interval> interval,
                       PriceInterval(PriceOf(items[0])));
      if (interval) *c.mutable_renewal_interval() = *interval;
    }
    if (end_behavior) (*c.mutable_attributes())["end_behavior"] = *end_behavior;
    if (status == "canceled") {
      if (canceled_at) *c.mutable_cancelled_at() = *canceled_at;
      c.set_cancellation_reason("subscription schedule canceled");
    }
    if (p > 0)
      c.set_change_reason(
          absl::StrCat("stripe subscription schedule phase ", p));
    *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
    EventType type = status == "not_started" ? cv1::EVENT_TYPE_CONTRACT_CHANGED
                     : status == "canceled" ? cv1::EVENT_TYPE_CONTRACT_CANCELLED
                     : p == 0               ? cv1::EVENT_TYPE_CONTRACT_BOOKED
                                            : cv1::EVENT_TYPE_CONTRACT_AMENDED;
    const Timestamp* when = start ? &*start : nullptr;
    if (status == "canceled" && canceled_at) when = &*canceled_at;
    out.AddEvent(type, index, when, ev ? ev->id : "");
  }
  return absl::OkStatus();
}

}  // namespace revhub::adapter::stripe
