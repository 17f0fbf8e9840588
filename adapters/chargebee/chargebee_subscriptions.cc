// Chargebee subscription -> canonical Contract.
//
// A subscription renews term after term until cancelled: without
// cancelled_at it is an EVERGREEN contract whose term has a start and no
// end, renewing every billing period. cancelled_at (the time a cancellation
// takes effect: scheduled for a non_renewing subscription, past for a
// cancelled one) ends the term: FIXED.
//
// Lines: Product Catalog 2.0 subscription_items[] (item_price_id, quantity,
// unit_price, item_type), or 1.0 plan_id / plan_quantity / plan_unit_price
// and addons[]. A line is known by its item price (or plan, addon) id: one
// subscription holds an item price at most once.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::chargebee {

using canonical::v1::Contract;
using canonical::v1::ContractLine;

namespace cv1 = ::revhub::canonical::v1;

namespace {

// One line to map: where its fields are and what it is.
struct LineSource {
  Field item;             // the object holding the fields
  std::string id;         // item price, plan or addon id
  std::string id_path;    // vendor path of the id
  std::string ref_type;   // "item_price", "plan" or "addon"
  std::string item_type;  // "plan", "addon", "charge"
  std::string qty_key;    // "quantity" or "plan_quantity"
  std::string unit_key;   // "unit_price" or "plan_unit_price"
};

absl::StatusOr<std::vector<LineSource>> LinesOf(const Field& o) {
  std::vector<LineSource> lines;
  ASSIGN_OR_RETURN(std::vector<Field> items,
                   o["subscription_items"].Elements());
  for (const Field& item : items) {
    RETURN_IF_ERROR(item.RequireObject());
    ASSIGN_OR_RETURN(std::string id, item["item_price_id"].String());
    ASSIGN_OR_RETURN(std::optional<std::string> type,
                     item["item_type"].OptionalString());
    lines.push_back({item, id, item["item_price_id"].path(), "item_price",
                     type.value_or("plan"), "quantity", "unit_price"});
  }
  if (!items.empty()) return lines;
  // Product Catalog 1.0.
  if (o["plan_id"].present()) {
    ASSIGN_OR_RETURN(std::string plan, o["plan_id"].String());
    lines.push_back({o, plan, o["plan_id"].path(), "plan", "plan",
                     "plan_quantity", "plan_unit_price"});
  }
  ASSIGN_OR_RETURN(std::vector<Field> addons, o["addons"].Elements());
  for (const Field& addon : addons) {
    ASSIGN_OR_RETURN(std::string id, addon["id"].String());
    lines.push_back({addon, id, addon["id"].path(), "addon", "addon",
                     "quantity", "unit_price"});
  }
  return lines;
}

// The contract status of a Chargebee subscription status.
absl::StatusOr<cv1::ContractStatus> SubscriptionStatus(const Field& f) {
  ASSIGN_OR_RETURN(std::string status, f.String());
  // future (starts later), in_trial, active, non_renewing (cancellation
  // scheduled) and paused: the contract is in force.
  if (status == "future" || status == "in_trial" || status == "active" ||
      status == "non_renewing" || status == "paused")
    return cv1::CONTRACT_STATUS_ACTIVE;
  // transferred: moved to another customer, ended for this one.
  if (status == "cancelled" || status == "transferred")
    return cv1::CONTRACT_STATUS_CANCELLED;
  return MappingError(
      f.path(), absl::StrCat("unknown subscription status \"", status,
                             "\" (future, in_trial, active, non_renewing, "
                             "paused, cancelled or transferred)"));
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
  ASSIGN_OR_RETURN(std::string customer, o["customer_id"].String());
  ASSIGN_OR_RETURN(std::vector<LineSource> sources, LinesOf(o));
  if (sources.empty())
    return MappingError(o["subscription_items"].path(),
                        "a subscription needs at least one item (or, in "
                        "Product Catalog 1.0, a plan_id)");
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency_code"]));
  c.set_currency_code(currency);
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  AddSource(entity, "currency_code", o["currency_code"]);
  ASSIGN_OR_RETURN(cv1::ContractStatus cstatus,
                   SubscriptionStatus(o["status"]));
  c.set_status(cstatus);
  AddSource(entity, "status", o["status"]);
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  (*c.mutable_attributes())["chargebee_status"] = status;
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(entity, "customer_id", o["customer_id"]);

  // The term: from started_at (or, not started yet, start_date; else
  // created_at), to cancelled_at.
  Field start_field = o["started_at"];
  for (const char* key : {"start_date", "created_at"}) {
    if (start_field.present()) break;
    start_field = o[key];
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, UnixTimeAt(start_field));
  if (!start)
    return MappingError(o["started_at"].path(),
                        "required field is missing (nor start_date, nor "
                        "created_at)");
  ASSIGN_OR_RETURN(std::optional<Timestamp> cancelled_at,
                   UnixTimeAt(o["cancelled_at"]));
  *c.mutable_term()->mutable_start_time() = *start;
  *c.mutable_signed_at() = *start;
  *c.mutable_effective_at() = *start;
  AddSource(entity, "term", start_field);
  if (cancelled_at) {
    *c.mutable_term()->mutable_end_time() = *cancelled_at;
    AddSource(entity, "term.end_time", o["cancelled_at"]);
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_FIXED);
  } else {
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_EVERGREEN);
    ASSIGN_OR_RETURN(
        std::optional<cv1::Interval> interval,
        PeriodInterval(o["billing_period"], o["billing_period_unit"]));
    if (interval) {
      *c.mutable_renewal_interval() = *interval;
      AddSource(entity, "renewal_interval", o["billing_period_unit"]);
    }
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UpdatedAt(o));
  if (updated) *c.mutable_source_updated_at() = *updated;

  for (size_t i = 0; i < sources.size(); ++i) {
    const LineSource& s = sources[i];
    const std::string lp = absl::StrCat("lines[", i, "]");
    ContractLine* line = c.add_lines();
    entity = out.result().mutable_entities(index);
    AddSource(entity, lp, s.item.path().empty() ? s.id_path : s.item.path());
    line->set_line_id(s.id);
    // Known across subscriptions as "<subscription id>/<item price id>".
    *line->add_external_refs() =
        ctx.Ref("subscription_item", absl::StrCat(id, "/", s.id));
    out.Link(index, lp + ".product_id", cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref(s.ref_type, s.id));
    entity = out.result().mutable_entities(index);
    AddSource(entity, lp + ".product_id", s.id_path);
    ASSIGN_OR_RETURN(*line->mutable_quantity(),
                     QuantityAt(s.item, s.qty_key, 1));
    AddSource(entity, lp + ".quantity", s.item[s.qty_key]);
    ASSIGN_OR_RETURN(
        std::optional<Money> unit,
        AmountAt(s.item[s.unit_key],
                 s.item[absl::StrCat(s.unit_key, "_in_decimal")], currency));
    if (unit) {
      *line->mutable_unit_price() = *unit;
      AddSource(entity, lp + ".unit_price", s.item[s.unit_key]);
    }
    if (s.item_type == "charge") {
      // A one-time charge: delivered when the subscription starts.
      line->set_revenue_rule(cv1::REVENUE_RULE_POINT_IN_TIME);
      *line->mutable_delivered_at() = *start;
    } else {
      *line->mutable_service_period()->mutable_start_time() = *start;
      if (cancelled_at)
        *line->mutable_service_period()->mutable_end_time() = *cancelled_at;
      AddSource(entity, lp + ".service_period", start_field);
    }
  }

  // Coupons are named, not described, on a subscription: their ids are
  // kept; the invoices carry the discounts they gave.
  std::vector<std::string> coupons;
  ASSIGN_OR_RETURN(std::vector<Field> coupon_list, o["coupons"].Elements());
  for (const Field& coupon : coupon_list) {
    ASSIGN_OR_RETURN(std::string cid, coupon["coupon_id"].String());
    coupons.push_back(cid);
  }
  if (!coupons.empty())
    (*c.mutable_attributes())["coupons"] = absl::StrJoin(coupons, ",");

  ASSIGN_OR_RETURN(std::optional<std::string> cancel_reason,
                   o["cancel_reason_code"].OptionalString());
  if (!cancel_reason) {
    ASSIGN_OR_RETURN(cancel_reason, o["cancel_reason"].OptionalString());
  }
  if (cstatus == cv1::CONTRACT_STATUS_CANCELLED) {
    if (cancelled_at) {
      *c.mutable_cancelled_at() = *cancelled_at;
      AddSource(out.result().mutable_entities(index), "cancelled_at",
                o["cancelled_at"]);
    }
    c.set_cancellation_reason(
        cancel_reason && !cancel_reason->empty() ? *cancel_reason : status);
  } else if (cancel_reason && !cancel_reason->empty()) {
    (*c.mutable_attributes())["cancel_reason"] = *cancel_reason;
  }
  for (const char* key : {"trial_start", "trial_end", "current_term_start",
                          "current_term_end", "next_billing_at"}) {
    ASSIGN_OR_RETURN(std::optional<Timestamp> t, UnixTimeAt(o[key]));
    if (t) (*c.mutable_attributes())[key] = FormatTimestamp(*t);
  }
  PutCustomFields(o, c.mutable_attributes());

  EventType type = cv1::EVENT_TYPE_CONTRACT_BOOKED;
  const Timestamp* when = EventTime(ev, start);
  if (cstatus == cv1::CONTRACT_STATUS_CANCELLED) {
    type = cv1::EVENT_TYPE_CONTRACT_CANCELLED;
    if (cancelled_at) when = &*cancelled_at;
  } else if (ev && ev->event_type == "subscription_changed") {
    // Chargebee sends subscription_changed when the items, quantities,
    // prices or term of a subscription change.
    type = cv1::EVENT_TYPE_CONTRACT_AMENDED;
    c.set_change_reason(absl::StrCat("chargebee ", ev->event_type));
  } else if (ev && ev->event_type != "subscription_created") {
    type = cv1::EVENT_TYPE_CONTRACT_CHANGED;
    c.set_change_reason(absl::StrCat("chargebee ", ev->event_type));
  }
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(type, index, when, ev ? ev->id : "");
  return absl::OkStatus();
}

}  // namespace revhub::adapter::chargebee
