// Helpers shared by the Chargebee mappings: the "object" check, custom
// fields, periods, amounts in minor units or multi-decimal units,
// quantities, and the contract ref of a subscription.
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::chargebee {

namespace cv1 = ::revhub::canonical::v1;

const std::vector<std::string>& TranslatedResources() {
  static const auto* const kResources = new std::vector<std::string>{
      "customer",     "item",    "item_price",  "plan",       "addon",
      "subscription", "invoice", "credit_note", "transaction"};
  return *kResources;
}

absl::Status CheckObject(const Field& o, absl::string_view expected) {
  RETURN_IF_ERROR(o.RequireObject());
  ASSIGN_OR_RETURN(std::optional<std::string> object,
                   o["object"].OptionalString());
  if (object && *object != expected) {
    return MappingError(
        o["object"].path(),
        absl::StrCat("expected \"", expected, "\", got \"", *object, "\""));
  }
  return absl::OkStatus();
}

const Timestamp* EventTime(const EventInfo* ev,
                           const std::optional<Timestamp>& fallback) {
  if (ev && ev->occurred_at) return &*ev->occurred_at;
  return fallback ? &*fallback : nullptr;
}

namespace {

// The text of a scalar JSON value (string, number, boolean); empty for
// objects and arrays.
std::optional<std::string> ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
  if (v.is_number() || IsExactNumber(v)) return DumpExactJson(v);
  return std::nullopt;
}

}  // namespace

void PutCustomFields(const Field& o,
                     google::protobuf::Map<std::string, std::string>* attrs) {
  if (!o.present() || !o.json().is_object()) return;
  for (const auto& [k, v] : o.json().items()) {
    if (!absl::StartsWith(k, "cf_")) continue;
    std::optional<std::string> text = ScalarText(v);
    if (text) (*attrs)[k] = *text;
  }
  Field meta = o["meta_data"];
  if (!meta.present() || !meta.json().is_object()) return;
  for (const auto& [k, v] : meta.json().items()) {
    std::optional<std::string> text = ScalarText(v);
    if (text) (*attrs)["meta_data." + k] = *text;
  }
}

absl::StatusOr<std::optional<Timestamp>> UpdatedAt(const Field& o) {
  return UnixTimeAt(o["updated_at"]);
}

absl::StatusOr<std::optional<canonical::v1::Interval>> PeriodInterval(
    const Field& count, const Field& unit) {
  using Out = std::optional<canonical::v1::Interval>;
  ASSIGN_OR_RETURN(std::optional<std::string> name, unit.OptionalString());
  if (!name) return Out();
  canonical::v1::Interval interval;
  if (*name == "day") {
    interval.set_unit(cv1::INTERVAL_UNIT_DAY);
  } else if (*name == "week") {
    interval.set_unit(cv1::INTERVAL_UNIT_WEEK);
  } else if (*name == "month") {
    interval.set_unit(cv1::INTERVAL_UNIT_MONTH);
  } else if (*name == "year") {
    interval.set_unit(cv1::INTERVAL_UNIT_YEAR);
  } else {
    return MappingError(unit.path(),
                        absl::StrCat("unknown period unit \"", *name,
                                     "\" (day, week, month or year)"));
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> n, count.OptionalInt());
  if (n && (*n < 1 || *n > 1000)) {
    return MappingError(count.path(),
                        absl::StrCat("must be from 1 to 1000, got ", *n));
  }
  interval.set_count(static_cast<int32_t>(n.value_or(1)));
  return Out(interval);
}

absl::StatusOr<std::optional<Money>> AmountAt(const Field& minor,
                                              const Field& decimal,
                                              absl::string_view currency) {
  if (minor.present()) {
    ASSIGN_OR_RETURN(Money m, MinorUnitsAt(minor, currency));
    return std::optional<Money>(m);
  }
  if (!decimal.present()) return std::optional<Money>();
  ASSIGN_OR_RETURN(Money m, DecimalMoneyAt(decimal, currency));
  return std::optional<Money>(m);
}

absl::StatusOr<Decimal> QuantityAt(const Field& item,
                                   absl::string_view quantity_key,
                                   std::optional<int64_t> fallback) {
  Decimal q;
  ASSIGN_OR_RETURN(std::optional<int64_t> units,
                   item[quantity_key].OptionalInt());
  if (units) {
    q.set_units(*units);
    return q;
  }
  Field dec = item[absl::StrCat(quantity_key, "_in_decimal")];
  if (dec.present()) return dec.Number();
  if (fallback) {
    q.set_units(*fallback);
    return q;
  }
  return MappingError(item[quantity_key].path(), "required field is missing");
}

absl::StatusOr<std::optional<ExternalRef>> SubscriptionContractRef(
    const TranslateContext& ctx, const Field& o) {
  using Out = std::optional<ExternalRef>;
  auto value = [&](const char* name) {
    return ctx.config.Has(name) ? ctx.config.GetString(name) : std::string();
  };
  std::string field = value("contract_ref_field");
  std::string system = value("contract_ref_system");
  std::string object_type = value("contract_ref_object_type");
  if (field.empty()) {
    if (!system.empty() || !object_type.empty()) {
      return MappingError("config.contract_ref_field",
                          "required when config.contract_ref_system or "
                          "config.contract_ref_object_type is set");
    }
    return Out();
  }
  if (system.empty()) {
    return MappingError("config.contract_ref_system",
                        "required when config.contract_ref_field is set: "
                        "the system that owns the contract");
  }
  if (object_type.empty()) {
    return MappingError("config.contract_ref_object_type",
                        "required when config.contract_ref_field is set: "
                        "the object type of the contract's record");
  }
  // A custom field (cf_...) sits on the resource; anything else is a
  // meta_data key.
  Field source =
      absl::StartsWith(field, "cf_") ? o[field] : o["meta_data"][field];
  if (!source.present()) return Out();
  std::optional<std::string> text = ScalarText(source.json());
  if (!text) {
    return MappingError(source.path(), "expected a string or a number");
  }
  if (text->empty()) return Out();
  ExternalRef ref;
  ref.set_system(system);
  ref.set_object_type(object_type);
  ref.set_vendor_id(*text);
  return Out(std::move(ref));
}

std::optional<ExternalRef> LineProductRef(const TranslateContext& ctx,
                                          absl::string_view entity_type,
                                          absl::string_view entity_id) {
  if (entity_id.empty()) return std::nullopt;
  if (absl::EndsWith(entity_type, "_item_price")) {
    return ctx.Ref("item_price", entity_id);
  }
  if (entity_type == "plan" || entity_type == "plan_setup") {
    return ctx.Ref("plan", entity_id);
  }
  if (entity_type == "addon") return ctx.Ref("addon", entity_id);
  return std::nullopt;  // adhoc: a one-off charge of no catalogue entry
}

}  // namespace revhub::adapter::chargebee
