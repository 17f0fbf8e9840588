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

}  // namespace revhub::adapter::stripe
