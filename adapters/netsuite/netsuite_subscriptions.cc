// NetSuite inbound, SuiteBilling: subscription records (GET
// record/v1/subscription/{id}?expandSubResources=true) to contracts, and
// subscriptionPlan records to the products of their member items (see
// netsuite_mapping.h).
//
// A subscription's lines are its subscriptionLine sublist, each priced by
// the priceInterval items of the same lineNumber. A price interval bills
// recurringAmount (for its whole quantity) every frequency x repeatEvery,
// from its startDate to the next interval's start or the line's end; the
// contract line carries the value of those cycles, per unit. A line with
// several price intervals becomes one contract line per interval
// ("<line>@<start date>"). Without an end the subscription is evergreen: a
// line is priced per cycle and runs open-ended. One-time lines (frequency
// ONETIME) are delivered at their start; usage lines, which have no fixed
// price, and lines not included are left out.
//
// NetSuite end dates are the last day of service: the canonical end is the
// day after.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "adapters/netsuite/netsuite_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/product.pb.h"

namespace revhub::adapter::netsuite {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Contract;
using canonical::v1::ContractLine;
using canonical::v1::Product;

namespace {

// "Pending Activation", "PENDING_ACTIVATION" -> "PENDING_ACTIVATION".
absl::StatusOr<std::string> UpperEnumAt(const Field& field) {
  ASSIGN_OR_RETURN(std::string value, EnumAt(field));
  return absl::StrReplaceAll(absl::AsciiStrToUpper(value), {{" ", "_"}});
}

enum class LineType { kOneTime, kRecurring, kUsage, kUnknown };

// subscriptionLineType: a reference {id: "1"|"2"|"3", refName} or its text.
absl::StatusOr<LineType> LineTypeAt(const Field& field) {
  absl::StatusOr<std::string> type = UpperEnumAt(field);
  if (!type.ok()) return type.status();
  static const std::pair<absl::string_view, LineType> kTypes[] = {
      {"1", LineType::kOneTime},           {"ONE_TIME", LineType::kOneTime},
      {"ONETIME", LineType::kOneTime},     {"2", LineType::kRecurring},
      {"RECURRING", LineType::kRecurring}, {"3", LineType::kUsage},
      {"USAGE", LineType::kUsage}};
  for (const auto& [name, kind] : kTypes) {
    if (*type == name) return kind;
  }
  return LineType::kUnknown;
}

// An integer that NetSuite writes as a number, a numeric string or a
// reference {id: "3"}; `fallback` when absent.
absl::StatusOr<int64_t> IntegerAt(const Field& field, int64_t fallback) {
  if (!field.present()) return fallback;
  if (field.json().is_number_integer()) return field.Int();
  ASSIGN_OR_RETURN(std::string text, EnumAt(field));
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return MappingError(
        field.path(), absl::StrCat("expected an integer, got \"", text, "\""));
  }
  return value;
}

// The length of one billing cycle of a price interval.
struct Cycle {
  int months = 0;
  int days = 0;
};

absl::StatusOr<Cycle> CycleAt(const Field& frequency, int64_t repeat) {
  ASSIGN_OR_RETURN(std::string f, UpperEnumAt(frequency));
  Cycle c;
  if (f == "MONTHLY") {
    c.months = 1;
  } else if (f == "QUARTERLY") {
    c.months = 3;
  } else if (f == "SEMIANNUALLY" || f == "SEMI_ANNUALLY") {
    c.months = 6;
  } else if (f == "ANNUALLY" || f == "YEARLY") {
    c.months = 12;
  } else if (f == "WEEKLY") {
    c.days = 7;
  } else if (f == "DAILY") {
    c.days = 1;
  } else {
    return MappingError(frequency.path(),
                        absl::StrCat("unknown billing frequency \"", f,
                                     "\" (MONTHLY, QUARTERLY, SEMIANNUALLY, "
                                     "ANNUALLY, WEEKLY, DAILY or ONETIME)"));
  }
  c.months *= static_cast<int>(repeat);
  c.days *= static_cast<int>(repeat);
  return c;
}

cv1::Interval ToInterval(const Cycle& c) {
  cv1::Interval i;
  if (c.months > 0 && c.months % 12 == 0) {
    i.set_unit(cv1::INTERVAL_UNIT_YEAR);
    i.set_count(c.months / 12);
  } else if (c.months > 0) {
    i.set_unit(cv1::INTERVAL_UNIT_MONTH);
    i.set_count(c.months);
  } else if (c.days % 7 == 0) {
    i.set_unit(cv1::INTERVAL_UNIT_WEEK);
    i.set_count(c.days / 7);
  } else {
    i.set_unit(cv1::INTERVAL_UNIT_DAY);
    i.set_count(c.days);
  }
  return i;
}

// A subscription term's name ("12 Months", "1 Year") as an interval.
std::optional<cv1::Interval> IntervalNamed(absl::string_view name) {
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToLower(name), ' ', absl::SkipEmpty());
  int count = 0;
  if (words.size() != 2 || !absl::SimpleAtoi(words[0], &count) || count < 1)
    return std::nullopt;
  cv1::Interval i;
  i.set_count(count);
  const std::string& unit = words[1];
  if (absl::StartsWith(unit, "month")) {
    i.set_unit(cv1::INTERVAL_UNIT_MONTH);
  } else if (absl::StartsWith(unit, "year")) {
    i.set_unit(cv1::INTERVAL_UNIT_YEAR);
  } else if (absl::StartsWith(unit, "week")) {
    i.set_unit(cv1::INTERVAL_UNIT_WEEK);
  } else if (absl::StartsWith(unit, "day")) {
    i.set_unit(cv1::INTERVAL_UNIT_DAY);
  } else {
    return std::nullopt;
  }
  return i;
}

// Returns how many whole cycles fit in [start, end), or an error naming
// `path` when they do not fit exactly.
absl::StatusOr<int64_t> CyclesIn(const Timestamp& start, const Timestamp& end,
                                 const Cycle& cycle, const std::string& path) {
  const int64_t days = (end.seconds() - start.seconds()) / 86400;
  std::optional<int64_t> cycles;
  if (cycle.months > 0) {
    std::optional<int> months = WholeMonthsBetween(start, end);
    if (months && *months % cycle.months == 0) cycles = *months / cycle.months;
  } else if (cycle.days > 0 && days % cycle.days == 0 &&
             (end.seconds() - start.seconds()) % 86400 == 0) {
    cycles = days / cycle.days;
  }
  if (!cycles || *cycles < 1) {
    return MappingError(
        path, absl::StrCat("the interval from ", FormatDate(start), " to ",
                           FormatDate(end),
                           " (exclusive) is not a whole number of billing "
                           "cycles"));
  }
  return *cycles;
}

// One price interval of a subscription line.
struct PriceInterval {
  Field item;
  Timestamp start;
};

// Maps the price intervals `intervals` of subscription line `sl` onto
// contract lines of `c`, linked in entity `index`.
absl::Status MapSubscriptionLine(const TranslateContext& ctx, const Field& sl,
                                 std::vector<PriceInterval> intervals,
                                 const Timestamp& line_start,
                                 const std::optional<Timestamp>& line_end,
                                 LineType type, int index,
                                 TranslationBuilder& out, Contract& c,
                                 std::optional<Cycle>* evergreen_cycle) {
  ASSIGN_OR_RETURN(std::string item, sl["item"]["id"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> record_id,
                   sl["subscriptionLine"]["id"].OptionalString());
  ASSIGN_OR_RETURN(int64_t line_number, IntegerAt(sl["lineNumber"], 0));
  const std::string base = record_id ? *record_id : absl::StrCat(line_number);
  ASSIGN_OR_RETURN(std::optional<std::string> name,
                   sl["item"]["refName"].OptionalString());
  std::sort(intervals.begin(), intervals.end(),
            [](const PriceInterval& a, const PriceInterval& b) {
              return a.start.seconds() < b.start.seconds();
            });
  CanonicalEntity* e = out.result().mutable_entities(index);
  for (size_t k = 0; k < intervals.size(); ++k) {
    const Field& iv = intervals[k].item;
    Timestamp start = intervals[k].start;
    if (start.seconds() < line_start.seconds()) start = line_start;
    std::optional<Timestamp> end = line_end;
    if (k + 1 < intervals.size()) end = intervals[k + 1].start;
    const int i = c.lines_size();
    const std::string at = absl::StrCat("lines[", i, "]");
    ContractLine* line = c.add_lines();
    line->set_line_id(intervals.size() == 1
                          ? base
                          : absl::StrCat(base, "@", FormatDate(start)));
    if (record_id)
      *line->add_external_refs() = ctx.Ref("subscriptionLine", base);
    line->set_description(name.value_or(""));
    AddSource(e, at, sl.path());
    out.Link(index, absl::StrCat(at, ".product_id"), cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("item", item));
    AddSource(e, absl::StrCat(at, ".product_id"), sl["item"]["id"].path());
    ASSIGN_OR_RETURN(Decimal quantity, iv["quantity"].Number());
    if (ToNanos(quantity) <= 0) {
      return MappingError(iv["quantity"].path(),
                          absl::StrCat("must be positive to price the line "
                                       "(got ",
                                       FormatDecimal(quantity), ")"));
    }
    *line->mutable_quantity() = quantity;
    AddSource(e, absl::StrCat(at, ".quantity"), iv["quantity"].path());
    ASSIGN_OR_RETURN(Money amount,
                     DecimalMoneyAt(iv["recurringAmount"], c.currency_code()));
    ASSIGN_OR_RETURN(std::string frequency, UpperEnumAt(iv["frequency"]));
    Nanos value = ToNanos(amount);
    if (type == LineType::kOneTime || frequency == "ONETIME") {
      *line->mutable_delivered_at() = start;
      AddSource(e, absl::StrCat(at, ".delivered_at"),
                iv["startDate"].present() ? iv["startDate"].path()
                                          : sl["startDate"].path());
    } else {
      ASSIGN_OR_RETURN(int64_t repeat, IntegerAt(iv["repeatEvery"], 1));
      if (repeat < 1) {
        return MappingError(iv["repeatEvery"].path(), "must be at least 1");
      }
      ASSIGN_OR_RETURN(Cycle cycle, CycleAt(iv["frequency"], repeat));
      *line->mutable_service_period()->mutable_start_time() = start;
      AddSource(e, absl::StrCat(at, ".service_period"),
                iv["startDate"].present() ? iv["startDate"].path()
                                          : sl["startDate"].path());
      if (end) {
        ASSIGN_OR_RETURN(int64_t cycles,
                         CyclesIn(start, *end, cycle, iv["frequency"].path()));
        value *= cycles;
        *line->mutable_service_period()->mutable_end_time() = *end;
        AddSource(e, absl::StrCat(at, ".service_period.end_time"),
                  k + 1 < intervals.size()
                      ? intervals[k + 1].item["startDate"].path()
                  : sl["endDate"].present() ? sl["endDate"].path()
                                            : "endDate");
      } else if (!*evergreen_cycle) {
        *evergreen_cycle = cycle;
      }
    }
    // The unit price of the quantity, rounded half to even in nanos.
    const Nanos q = ToNanos(quantity);
    Nanos unit = value * kNanosPerUnit / q;
    const Nanos rest = value * kNanosPerUnit % q;
    if (rest * 2 > q || (rest * 2 == q && unit % 2 != 0)) ++unit;
    ASSIGN_OR_RETURN(*line->mutable_unit_price(),
                     MoneyFromNanos(c.currency_code(), unit));
    AddSource(e, absl::StrCat(at, ".unit_price"), iv["recurringAmount"].path());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MapSubscription(const TranslateContext& ctx, const Field& r,
                             TranslationBuilder& out) {
  Contract c;
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *c.add_external_refs() = ctx.Ref("subscription", id);
  ASSIGN_OR_RETURN(std::string customer, r["customer"]["id"].String());
  ASSIGN_OR_RETURN(std::string currency, RecordCurrency(ctx, r));
  c.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::optional<std::string> name, r["name"].OptionalString());
  c.set_contract_number(name.value_or(""));
  ASSIGN_OR_RETURN(std::optional<std::string> subsidiary,
                   r["subsidiary"]["refName"].OptionalString());
  c.set_legal_entity(subsidiary.value_or(""));
  ASSIGN_OR_RETURN(std::string status, UpperEnumAt(r["status"]));
  c.set_status(status == "ACTIVE" || status == "SUSPENDED"
                   ? cv1::CONTRACT_STATUS_ACTIVE
               : status == "TERMINATED" ? cv1::CONTRACT_STATUS_CANCELLED
               : status == "CLOSED"     ? cv1::CONTRACT_STATUS_EXPIRED
                                        : cv1::CONTRACT_STATUS_DRAFT);
  if (!status.empty()) (*c.mutable_attributes())["status"] = status;

  // The term and what happens at its end.
  ASSIGN_OR_RETURN(std::string start_text, r["startDate"].String());
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, TextTimeAt(r["startDate"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, LastDayAt(r["endDate"]));
  ASSIGN_OR_RETURN(std::optional<std::string> initial_term,
                   r["initialTerm"]["refName"].OptionalString());
  const bool evergreen =
      !end || absl::EqualsIgnoreCase(initial_term.value_or(""), "Evergreen");
  if (evergreen) end.reset();
  if (end && end->seconds() <= start->seconds()) {
    return MappingError(
        r["endDate"].path(),
        absl::StrCat("must not be before startDate ", start_text));
  }
  ASSIGN_OR_RETURN(std::optional<bool> auto_renewal,
                   r["autoRenewal"].OptionalBool());
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* e = out.result().mutable_entities(index);
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  AddSource(e, "customer_id", r["customer"]["id"].path());
  AddSource(e, "currency_code", CurrencySourcePath(r));
  AddSource(e, "status", r["status"].path());
  *c.mutable_term()->mutable_start_time() = *start;
  *c.mutable_effective_at() = *start;
  AddSource(e, "term", r["startDate"].path());
  if (end) {
    *c.mutable_term()->mutable_end_time() = *end;
    AddSource(e, "term.end_time", r["endDate"].path());
  }
  if (evergreen) {
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_EVERGREEN);
    AddSource(
        e, "renewal_behavior",
        r["endDate"].present() ? r["initialTerm"].path() : r["endDate"].path());
  } else if (auto_renewal.value_or(false)) {
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_AUTO_RENEW);
    AddSource(e, "renewal_behavior", r["autoRenewal"].path());
    ASSIGN_OR_RETURN(std::optional<std::string> renewal_term,
                     r["defaultRenewalTerm"]["refName"].OptionalString());
    std::optional<cv1::Interval> interval;
    if (renewal_term) interval = IntervalNamed(*renewal_term);
    if (!interval) {
      // Without a renewal term to read, each renewal is as long as the
      // initial term.
      if (std::optional<int> months = WholeMonthsBetween(*start, *end)) {
        interval = cv1::Interval();
        interval->set_unit(cv1::INTERVAL_UNIT_MONTH);
        interval->set_count(*months);
      }
    }
    if (interval) {
      *c.mutable_renewal_interval() = *interval;
      AddSource(e, "renewal_interval", r["defaultRenewalTerm"].path());
    }
  } else {
    c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_FIXED);
    AddSource(e, "renewal_behavior", r["endDate"].path());
  }

  // The lines.
  ASSIGN_OR_RETURN(std::vector<Field> lines,
                   r["subscriptionLine"]["items"].Elements());
  ASSIGN_OR_RETURN(std::vector<Field> prices,
                   r["priceInterval"]["items"].Elements());
  std::optional<Cycle> evergreen_cycle;
  for (const Field& sl : lines) {
    RETURN_IF_ERROR(sl.RequireObject());
    ASSIGN_OR_RETURN(std::optional<bool> included,
                     sl["isIncluded"].OptionalBool());
    ASSIGN_OR_RETURN(std::string line_status,
                     UpperEnumAt(sl["subscriptionLineStatus"].present()
                                     ? sl["subscriptionLineStatus"]
                                     : sl["status"]));
    ASSIGN_OR_RETURN(LineType type, LineTypeAt(sl["subscriptionLineType"]));
    if (!included.value_or(true) || line_status == "NOT_INCLUDED" ||
        type == LineType::kUsage)
      continue;
    ASSIGN_OR_RETURN(int64_t line_number, IntegerAt(sl["lineNumber"], -1));
    if (line_number < 0) {
      return MappingError(sl["lineNumber"].path(),
                          "required field is missing (it ties the line to "
                          "its priceInterval items)");
    }
    ASSIGN_OR_RETURN(std::optional<Timestamp> line_start,
                     TextTimeAt(sl["startDate"]));
    ASSIGN_OR_RETURN(std::optional<Timestamp> line_end,
                     LastDayAt(sl["endDate"]));
    if (!line_end) line_end = end;
    std::vector<PriceInterval> intervals;
    for (const Field& iv : prices) {
      ASSIGN_OR_RETURN(int64_t n, IntegerAt(iv["lineNumber"], -1));
      if (n != line_number) continue;
      ASSIGN_OR_RETURN(std::optional<Timestamp> iv_start,
                       TextTimeAt(iv["startDate"]));
      intervals.push_back({iv, iv_start     ? *iv_start
                               : line_start ? *line_start
                                            : *start});
    }
    if (intervals.empty()) {
      return MappingError(
          sl.path(),
          absl::StrCat("no priceInterval item has lineNumber ", line_number,
                       ": read the subscription with "
                       "expandSubResources=true"));
    }
    RETURN_IF_ERROR(MapSubscriptionLine(
        ctx, sl, std::move(intervals), line_start ? *line_start : *start,
        line_end, type, index, out, c, &evergreen_cycle));
  }
  if (c.status() == cv1::CONTRACT_STATUS_ACTIVE && c.lines_size() == 0) {
    return MappingError(r["subscriptionLine"].path(),
                        "required: an active subscription is booked with its "
                        "lines (read it with expandSubResources=true)");
  }
  if (evergreen && evergreen_cycle) {
    *c.mutable_renewal_interval() = ToInterval(*evergreen_cycle);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> plan,
                   r["subscriptionPlan"]["refName"].OptionalString());
  if (plan) (*c.mutable_attributes())["subscriptionPlan"] = *plan;
  ASSIGN_OR_RETURN(std::string billing_frequency,
                   UpperEnumAt(r["billingFrequency"]));
  if (!billing_frequency.empty())
    (*c.mutable_attributes())["billingFrequency"] = billing_frequency;
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  if (modified) *c.mutable_source_updated_at() = *modified;
  const bool active = c.status() == cv1::CONTRACT_STATUS_ACTIVE;
  *e->mutable_contract() = std::move(c);
  out.AddEvent(active ? cv1::EVENT_TYPE_CONTRACT_BOOKED
                      : cv1::EVENT_TYPE_CONTRACT_CHANGED,
               index, &*start);
  return absl::OkStatus();
}

absl::Status MapSubscriptionPlan(const TranslateContext& ctx, const Field& r,
                                 TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> plan_name,
                   r["itemId"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<bool> inactive,
                   r["isInactive"].OptionalBool());
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  ASSIGN_OR_RETURN(std::vector<Field> members, r["member"]["items"].Elements());
  for (const Field& m : members) {
    RETURN_IF_ERROR(m.RequireObject());
    Product p;
    CanonicalEntity e;
    ASSIGN_OR_RETURN(std::string item, m["item"]["id"].String());
    *p.add_external_refs() = ctx.Ref("item", item);
    ASSIGN_OR_RETURN(std::string name, m["item"]["refName"].String());
    p.set_name(name);
    AddSource(&e, "name", m["item"]["refName"]);
    ASSIGN_OR_RETURN(LineType type, LineTypeAt(m["subscriptionLineType"]));
    p.set_revenue_rule(
        type == LineType::kRecurring ? cv1::REVENUE_RULE_RATABLE
        : type == LineType::kOneTime ? cv1::REVENUE_RULE_POINT_IN_TIME
        : type == LineType::kUsage   ? cv1::REVENUE_RULE_USAGE
                                     : cv1::REVENUE_RULE_UNSPECIFIED);
    if (p.revenue_rule() != cv1::REVENUE_RULE_UNSPECIFIED)
      AddSource(&e, "revenue_rule", m["subscriptionLineType"]);
    p.set_active(!inactive.value_or(false));
    if (modified) *p.mutable_source_updated_at() = *modified;
    (*p.mutable_attributes())["subscriptionPlan"] = id;
    if (plan_name)
      (*p.mutable_attributes())["subscriptionPlanName"] = *plan_name;
    ASSIGN_OR_RETURN(std::optional<bool> required,
                     m["isRequired"].OptionalBool());
    if (required)
      (*p.mutable_attributes())["isRequired"] = *required ? "true" : "false";
    *e.mutable_product() = std::move(p);
    int index = out.AddEntity(std::move(e));
    out.AddEvent(cv1::EVENT_TYPE_PRODUCT_CHANGED, index,
                 modified ? &*modified : nullptr);
  }
  if (members.empty()) {
    out.Skip(absl::StrCat("subscription plan ", id,
                          " has no member items (read it with "
                          "expandSubResources=true)"));
  }
  return absl::OkStatus();
}

}  // namespace revhub::adapter::netsuite
