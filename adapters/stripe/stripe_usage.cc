// Stripe metered usage -> canonical UsageRecord.
//
//   usage_record                  (legacy metered billing) quantity of one
//                                 subscription item at one instant: the
//                                 usage period is [timestamp, timestamp+1s)
//   billing.meter_event_summary   (billing meters) aggregated_value over
//                                 [start_time, end_time)
//
// The usage record is known by its Stripe id; its contract is the
// subscription (linked by its external ref) and its line the subscription
// item, the line id the subscription mapping gives it. Neither Stripe
// object names the subscription, and a meter event summary names only its
// meter: the record carries `subscription_item` expanded (the subscription
// item object, whose `subscription` names it) or the ids as
// `subscription_item` and `subscription` beside Stripe's fields — what the
// sender knows when it lists usage per subscription item
// (GET /v1/subscription_items/{id}/usage_record_summaries) or meter event
// summaries per customer (GET /v1/billing/meters/{id}/event_summaries).
#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace revhub::adapter::stripe {

namespace cv1 = ::revhub::canonical::v1;

namespace {

// The subscription item a usage object is for, and its subscription.
struct ItemOfUsage {
  std::string item;
  std::string subscription;
  std::string subscription_path;  // the vendor field it came from
};

absl::StatusOr<ItemOfUsage> ItemOf(const Field& o) {
  ItemOfUsage out;
  Field item = o["subscription_item"];
  if (!item.present()) {
    return MappingError(item.path(),
                        "required: the subscription item the usage is for "
                        "(its id, or the subscription item object)");
  }
  ASSIGN_OR_RETURN(out.item, RequiredId(item));
  Field subscription = o["subscription"];
  if (item.json().is_object() && item["subscription"].present()) {
    subscription = item["subscription"];
  }
  ASSIGN_OR_RETURN(std::optional<std::string> sub, ExpandableId(subscription));
  if (!sub) {
    return MappingError(
        subscription.path(),
        absl::StrCat("required: Stripe's object does not name the "
                     "subscription of item ",
                     out.item,
                     "; send subscription_item expanded (with its "
                     "subscription) or add \"subscription\" beside it"));
  }
  out.subscription = *sub;
  out.subscription_path = subscription.path();
  return out;
}

// Adds the usage record with its contract link and event.
void AddUsage(const TranslateContext& ctx, cv1::UsageRecord record,
              const ItemOfUsage& item, const Field& quantity_field,
              const Field& period_field, const Field& item_field,
              const EventInfo* ev, TranslationBuilder& out) {
  record.set_line_id(item.item);
  CanonicalEntity entity;
  const google::protobuf::Timestamp start = record.period().start_time();
  *entity.mutable_usage_record() = std::move(record);
  AddSource(&entity, "quantity", quantity_field);
  AddSource(&entity, "period", period_field);
  AddSource(&entity, "line_id", item_field);
  AddSource(&entity, "contract_id", item.subscription_path);
  const int index = out.AddEntity(std::move(entity));
  out.Link(index, "contract_id", cv1::ENTITY_TYPE_CONTRACT,
           ctx.Ref("subscription", item.subscription));
  out.AddEvent(cv1::EVENT_TYPE_USAGE_REPORTED, index,
               ev && ev->created ? &*ev->created : &start, ev ? ev->id : "");
}

}  // namespace

absl::Status MapUsageRecord(const TranslateContext& ctx, const Field& o,
                            const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "usage_record"));
  cv1::UsageRecord record;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *record.add_external_refs() = ctx.Ref("usage_record", id);
  ASSIGN_OR_RETURN(ItemOfUsage item, ItemOf(o));
  ASSIGN_OR_RETURN(int64_t quantity, o["quantity"].Int());
  if (quantity < 0) {
    return MappingError(o["quantity"].path(),
                        absl::StrCat("must not be negative, got ", quantity));
  }
  record.mutable_quantity()->set_units(quantity);
  ASSIGN_OR_RETURN(std::optional<Timestamp> at, UnixTimeAt(o["timestamp"]));
  if (!at) {
    return MappingError(o["timestamp"].path(), "required field is missing");
  }
  // Usage "for the specified date": an instant, a one-second period.
  *record.mutable_period()->mutable_start_time() = *at;
  *record.mutable_period()->mutable_end_time() =
      *at + google::protobuf::util::TimeUtil::SecondsToDuration(1);
  *record.mutable_effective_at() = *at;
  AddUsage(ctx, std::move(record), item, o["quantity"], o["timestamp"],
           o["subscription_item"], ev, out);
  return absl::OkStatus();
}

absl::Status MapMeterEventSummary(const TranslateContext& ctx, const Field& o,
                                  const EventInfo* ev,
                                  TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "billing.meter_event_summary"));
  cv1::UsageRecord record;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *record.add_external_refs() = ctx.Ref("billing.meter_event_summary", id);
  ASSIGN_OR_RETURN(ItemOfUsage item, ItemOf(o));
  ASSIGN_OR_RETURN(Decimal value, o["aggregated_value"].Number());
  if (ToNanos(value) < 0) {
    return MappingError(
        o["aggregated_value"].path(),
        absl::StrCat("must not be negative, got ", FormatDecimal(value)));
  }
  *record.mutable_quantity() = value;
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, UnixTimeAt(o["start_time"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, UnixTimeAt(o["end_time"]));
  if (!start) {
    return MappingError(o["start_time"].path(), "required field is missing");
  }
  if (!end) {
    return MappingError(o["end_time"].path(), "required field is missing");
  }
  if (end->seconds() <= start->seconds()) {
    return MappingError(o["end_time"].path(),
                        "must be after start_time (end_time is exclusive)");
  }
  *record.mutable_period()->mutable_start_time() = *start;
  *record.mutable_period()->mutable_end_time() = *end;
  *record.mutable_effective_at() = *start;
  AddUsage(ctx, std::move(record), item, o["aggregated_value"], o["start_time"],
           o["subscription_item"], ev, out);
  return absl::OkStatus();
}

}  // namespace revhub::adapter::stripe
