// Helpers shared by the Stripe mappings: expandable ids, amounts in minor
// units (zero-decimal currencies exact), metadata, the "object" check.
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

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

absl::StatusOr<std::optional<Money>> DecimalMinorUnitsAt(
    const Field& dec, absl::string_view currency) {
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

// Returns Money for a price's unit amount: unit_amount (integer minor units)
// or unit_amount_decimal (decimal minor units, "12.5").
absl::StatusOr<std::optional<Money>> UnitAmount(const Field& price,
                                                absl::string_view amount_key,
                                                absl::string_view currency) {
  ASSIGN_OR_RETURN(std::optional<Money> m,
                   OptionalMinorUnitsAt(price[amount_key], currency));
  if (m) return m;
  return DecimalMinorUnitsAt(price[absl::StrCat(amount_key, "_decimal")],
                             currency);
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

Field PriceOf(const Field& item) {
  return item["price"].present() ? item["price"] : item["plan"];
}

bool IsPlan(const Field& price) {
  return price.present() && price.json().is_object() &&
         price["object"].present() && price["object"].json() == "plan";
}

absl::StatusOr<std::optional<canonical::v1::Interval>> PriceInterval(
    const Field& price) {
  using Out = std::optional<canonical::v1::Interval>;
  if (!price.present() || !price.json().is_object()) return Out();
  Field recurring = IsPlan(price) ? price : price["recurring"];
  if (!recurring.present() || !recurring["interval"].present()) return Out();
  ASSIGN_OR_RETURN(std::string unit, recurring["interval"].String());
  ASSIGN_OR_RETURN(std::optional<int64_t> count,
                   recurring["interval_count"].OptionalInt());
  canonical::v1::Interval interval;
  if (unit == "day") {
    interval.set_unit(canonical::v1::INTERVAL_UNIT_DAY);
  } else if (unit == "week") {
    interval.set_unit(canonical::v1::INTERVAL_UNIT_WEEK);
  } else if (unit == "month") {
    interval.set_unit(canonical::v1::INTERVAL_UNIT_MONTH);
  } else if (unit == "year") {
    interval.set_unit(canonical::v1::INTERVAL_UNIT_YEAR);
  } else {
    return MappingError(recurring["interval"].path(),
                        absl::StrCat("unknown interval \"", unit,
                                     "\" (day, week, month or year)"));
  }
  if (count && (*count < 1 || *count > 1000)) {
    return MappingError(recurring["interval_count"].path(),
                        absl::StrCat("must be at least 1, got ", *count));
  }
  interval.set_count(static_cast<int32_t>(count.value_or(1)));
  return Out(interval);
}

absl::StatusOr<std::optional<Decimal>> InclusivePercent(
    const std::vector<Field>& rates) {
  Nanos total = 0;
  bool any = false;
  for (const Field& rate : rates) {
    if (!rate.present() || !rate.json().is_object()) continue;
    ASSIGN_OR_RETURN(std::optional<bool> inclusive,
                     rate["inclusive"].OptionalBool());
    if (!inclusive.value_or(false)) continue;
    ASSIGN_OR_RETURN(Decimal percent, rate["percentage"].Number());
    total += ToNanos(percent);
    any = true;
  }
  if (!any) return std::optional<Decimal>();
  ASSIGN_OR_RETURN(Decimal out, DecimalFromNanos(total));
  return std::optional<Decimal>(out);
}

absl::StatusOr<Money> NetOfInclusiveTax(const Money& gross,
                                        const Decimal& percent) {
  const Nanos hundred = Nanos{100} * kNanosPerUnit;
  Nanos divisor = hundred + ToNanos(percent);
  if (divisor <= 0) {
    return absl::InvalidArgumentError("an inclusive tax rate of -100% or less");
  }
  Nanos scaled = ToNanos(gross) * hundred;
  // Round half up (away from zero) to whole nanos, then to the minor unit.
  Nanos quotient = scaled / divisor;
  Nanos remainder = scaled % divisor;
  if (remainder * 2 >= divisor) ++quotient;
  if (remainder * 2 <= -divisor) --quotient;
  int exponent = MinorUnitExponent(gross.currency_code());
  return MoneyFromNanos(gross.currency_code(),
                        RoundNanos(quotient, exponent, RoundingMode::kHalfUp));
}

absl::StatusOr<LineTaxes> ReadLineTaxes(const Field& line,
                                        absl::string_view currency) {
  LineTaxes out;
  ASSIGN_OR_RETURN(out.total, MoneyFromMinorUnits(currency, 0));
  out.inclusive = out.total;
  Field list =
      line["tax_amounts"].present() ? line["tax_amounts"] : line["taxes"];
  out.path = list.path();
  ASSIGN_OR_RETURN(std::vector<Field> taxes, list.Elements());
  for (const Field& t : taxes) {
    ASSIGN_OR_RETURN(Money amount, MinorUnitsAt(t["amount"], currency));
    ASSIGN_OR_RETURN(out.total, Add(out.total, amount));
    ASSIGN_OR_RETURN(std::optional<bool> inclusive,
                     t["inclusive"].OptionalBool());
    ASSIGN_OR_RETURN(std::optional<std::string> behavior,
                     t["tax_behavior"].OptionalString());
    if (!inclusive.value_or(false) && behavior.value_or("") != "inclusive")
      continue;
    ASSIGN_OR_RETURN(out.inclusive, Add(out.inclusive, amount));
    if (!out.taxable) {
      ASSIGN_OR_RETURN(out.taxable,
                       OptionalMinorUnitsAt(t["taxable_amount"], currency));
    }
  }
  return out;
}

absl::StatusOr<Money> NetOfLineTax(const Money& gross, const LineTaxes& taxes,
                                   const Money& line_gross,
                                   const Money& discount) {
  if (IsZero(taxes.inclusive)) return gross;
  Nanos tax = ToNanos(taxes.inclusive);
  Nanos taxable = taxes.taxable ? ToNanos(*taxes.taxable)
                                : ToNanos(line_gross) - ToNanos(discount) - tax;
  return ScaleToMinorUnit(gross, taxable, taxable + tax);
}

}  // namespace revhub::adapter::stripe
