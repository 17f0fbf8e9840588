// Mapping helpers for adapter authors: exact JSON, field access that names
// the vendor field path in every error, and vendor money and time formats.
//
// Numbers are never read through a float. ParseExactJson keeps every
// number with a fraction or exponent as its source text, so "1000.0" and
// "0.1" reach Decimal and Money digit for digit. Integers stay integers.
//
// Every error these helpers return is a mapping error: INVALID_ARGUMENT with
// the field path attached (FieldPathOf reads it back), so the SDK can report
// "lines.data[2].amount: expected an integer, got a string" to the hub.
//
// All functions are thread-safe; Field is a cheap view that must not outlive
// the Json it points into.
#ifndef REVHUB_ADAPTERS_SDK_MAPPING_H_
#define REVHUB_ADAPTERS_SDK_MAPPING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "canonical/field_path.h"
#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "revhub/canonical/v1/money.pb.h"

namespace revhub::adapter {

using Json = nlohmann::json;
using canonical::v1::Decimal;
using canonical::v1::Money;
using google::protobuf::Timestamp;

// Parses JSON text. Numbers with a fraction or exponent are kept exactly as
// written (see IsExactNumber); integers are kept as integers. Errors are
// mapping errors at path "" naming the byte offset.
absl::StatusOr<Json> ParseExactJson(absl::string_view text);
// Serialises compactly; exact numbers are written as their text.
std::string DumpExactJson(const Json& value);
// Returns a JSON node holding a number written as `text` ("1000.50").
// REQUIRES: text is a valid JSON number.
Json ExactNumber(std::string text);
// True for a node made by ParseExactJson from a non-integer number.
bool IsExactNumber(const Json& value);
// Returns a JSON number node for a Decimal, exactly, in the fewest digits.
Json DecimalToJson(const Decimal& value);
// Returns a JSON number node for a Money amount, exactly, with at least the
// currency's minor-unit digits (3601.50 for USD, 1200 for JPY).
Json MoneyAmountToJson(const Money& money);

// Returns INVALID_ARGUMENT "<path>: <reason>" with the path attached
// (canonical/field_path.h FieldError).
absl::Status MappingError(absl::string_view field_path,
                          absl::string_view reason);
// The field path attached by MappingError ("" when none), and the message
// without its "<path>: " prefix: the hub's one pair of helpers.
using ::revhub::FieldPathOf;
using ::revhub::ReasonOf;

// Field is the JSON value at one path of a payload (or its absence).
class Field {
 public:
  // A view of `root`, reported as `path` ("" for the payload itself).
  explicit Field(const Json& root, std::string path = "");

  const std::string& path() const { return path_; }
  // True when the value exists and is not null.
  bool present() const { return value_ != nullptr && !value_->is_null(); }
  // The raw node. REQUIRES: present().
  const Json& json() const { return *value_; }

  // The member `key` (absent when this is not an object or lacks it).
  Field operator[](absl::string_view key) const;
  // Element i of an array (absent when out of range).
  Field At(size_t i) const;

  // Required values: an error when absent, null or of the wrong type.
  absl::StatusOr<std::string> String() const;
  absl::StatusOr<int64_t> Int() const;
  absl::StatusOr<bool> Bool() const;
  // A number (integer, exact decimal) or a numeric string.
  absl::StatusOr<Decimal> Number() const;
  absl::Status RequireObject() const;

  // Optional values: nullopt when absent or null, an error on a wrong type.
  absl::StatusOr<std::optional<std::string>> OptionalString() const;
  absl::StatusOr<std::optional<int64_t>> OptionalInt() const;
  absl::StatusOr<std::optional<bool>> OptionalBool() const;
  absl::StatusOr<std::optional<Decimal>> OptionalNumber() const;

  // The elements of an array; empty when absent or null, an error when the
  // value is not an array.
  absl::StatusOr<std::vector<Field>> Elements() const;

 private:
  Field(const Json* value, std::string path) : value_(value), path_(path) {}
  absl::Status WrongType(absl::string_view expected) const;

  const Json* value_;
  std::string path_;
};

// Returns the ISO 4217 code for a vendor currency field, upper-cased
// ("usd" -> "USD"); a mapping error for an unknown code.
absl::StatusOr<std::string> CurrencyAt(const Field& field);
// Returns Money for an integer amount in minor units (Stripe), exactly.
absl::StatusOr<Money> MinorUnitsAt(const Field& field,
                                   absl::string_view currency_code);
absl::StatusOr<std::optional<Money>> OptionalMinorUnitsAt(
    const Field& field, absl::string_view currency_code);
// Returns Money for a decimal amount in units (Salesforce, NetSuite).
absl::StatusOr<Money> DecimalMoneyAt(const Field& field,
                                     absl::string_view currency_code);
// Returns a timestamp from Unix seconds (Stripe's "created").
absl::StatusOr<std::optional<Timestamp>> UnixTimeAt(const Field& field);
// Returns a timestamp from vendor text: RFC 3339 ("2026-05-01T07:25:37Z"),
// Salesforce ("2026-05-01T07:25:37.000+0000") or a date ("2022-07-07",
// "2020-6-15", taken as midnight UTC).
absl::StatusOr<std::optional<Timestamp>> TextTimeAt(const Field& field);
// Formats a timestamp as RFC 3339 UTC ("2026-05-01T07:25:37Z").
std::string FormatTimestamp(const Timestamp& time);
// Formats the UTC date of a timestamp ("2026-05-01").
std::string FormatDate(const Timestamp& time);
// Returns `time` moved by calendar months and days in UTC, the time of day
// kept. A day of month the target month lacks becomes its last day
// (2025-01-31 + 1 month = 2025-02-28).
Timestamp AddCalendar(const Timestamp& time, int months, int days);
// Returns the whole number of calendar months from `start` to `end`
// (AddCalendar(start, n, 0) == end), or nullopt when there is none.
std::optional<int> WholeMonthsBetween(const Timestamp& start,
                                      const Timestamp& end);

// Records in entity->sources that the canonical field `field_path` of the
// entity ("lines[0].quantity", "term") was translated from the vendor field
// `vendor_path` ("items.data[0].quantity"), so that the hub can name the
// vendor field in an error on the canonical one. A later call for the same
// field_path replaces the earlier one.
void AddSource(adapter::v1::CanonicalEntity* entity,
               absl::string_view field_path, absl::string_view vendor_path);
inline void AddSource(adapter::v1::CanonicalEntity* entity,
                      absl::string_view field_path, const Field& vendor) {
  AddSource(entity, field_path, vendor.path());
}

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_SDK_MAPPING_H_
