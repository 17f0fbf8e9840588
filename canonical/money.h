// Exact money arithmetic on revhub.canonical.v1.Money and Decimal.
//
// An amount is held as a signed count of nanos (1e-9 of a unit) in a 128-bit
// integer, so sums and products of realistic amounts never overflow and never
// round. Rounding happens only where a function says so, by the rule it
// names, and splitting an amount always yields parts that sum back to it.
//
// All functions are pure and thread-safe.
#ifndef REVHUB_CANONICAL_MONEY_H_
#define REVHUB_CANONICAL_MONEY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/canonical/v1/money.pb.h"

namespace revhub {

using canonical::v1::Decimal;
using canonical::v1::Money;

// An exact amount in nanos of a unit.
__extension__ typedef __int128 Nanos;

inline constexpr int64_t kNanosPerUnit = 1'000'000'000;

enum class RoundingMode {
  kHalfEven,  // banker's rounding: ties to the even neighbour
  kHalfUp,    // ties away from zero
  kDown,      // towards zero
};

// Returns OK when money is well formed: a known ISO 4217 code, |nanos| < 1e9,
// units and nanos of one sign, and no digits below the currency's minor unit
// when `require_minor_unit` is set. Errors are INVALID_ARGUMENT and name
// `field` ("contract.lines[2].unit_price") and the rule broken.
absl::Status ValidateMoney(const Money& money, absl::string_view field,
                           bool require_minor_unit = false);

// Returns OK when the decimal is well formed (|nanos| < 1e9, same sign).
absl::Status ValidateDecimal(const Decimal& value, absl::string_view field);

// Returns the currency's minor-unit exponent (JPY 0, USD 2, KWD 3), or -1 for
// an unknown code.
int MinorUnitExponent(absl::string_view currency_code);

// Returns the amount in nanos. REQUIRES: money is well formed.
Nanos ToNanos(const Money& money);
Nanos ToNanos(const Decimal& value);

// Returns Money in `currency_code` for an amount in nanos; OUT_OF_RANGE when
// the units do not fit in int64.
absl::StatusOr<Money> MoneyFromNanos(absl::string_view currency_code,
                                     Nanos amount);
absl::StatusOr<Decimal> DecimalFromNanos(Nanos amount);

// Returns a + b; INVALID_ARGUMENT when the currencies differ.
absl::StatusOr<Money> Add(const Money& a, const Money& b);
// Returns a - b; INVALID_ARGUMENT when the currencies differ.
absl::StatusOr<Money> Subtract(const Money& a, const Money& b);

// Returns -1, 0 or 1 as a is less than, equal to or greater than b.
// REQUIRES: same currency.
int Compare(const Money& a, const Money& b);

bool IsZero(const Money& money);
bool IsNegative(const Money& money);

// Returns amount x quantity, rounded to whole nanos by `mode`.
absl::StatusOr<Money> Multiply(const Money& amount, const Decimal& quantity,
                               RoundingMode mode = RoundingMode::kHalfEven);

// Rounds nanos to a multiple of 10^(9 - exponent), i.e. to the minor unit of
// a currency with that exponent.
Nanos RoundNanos(Nanos amount, int exponent, RoundingMode mode);

// Returns amount x numerator / denominator rounded to the currency's minor
// unit, half up (ties away from zero); `amount` itself when denominator is
// 0. For shares of an amount: the part of a tax-inclusive line that is not
// tax is amount x taxable / (taxable + tax). REQUIRES: |amount x numerator|
// fits in Nanos.
absl::StatusOr<Money> ScaleToMinorUnit(const Money& amount, Nanos numerator,
                                       Nanos denominator);

// Returns money rounded to its currency's minor unit by `mode`.
absl::StatusOr<Money> RoundToMinorUnit(
    const Money& money, RoundingMode mode = RoundingMode::kHalfEven);

// Splits `total` into parts proportional to `weights`, each a whole number of
// the currency's minor unit, summing exactly to total (which must itself be
// in whole minor units). Rule: each part is first rounded towards zero; the
// minor units left over go one each to the parts with the largest discarded
// remainders, ties to the earlier part. Weights must be >= 0 with a positive
// sum. Returns the parts in the order of the weights.
absl::StatusOr<std::vector<Money>> SplitByWeights(
    const Money& total, const std::vector<Nanos>& weights);

// Formats as "1234.50 USD": at least the currency's minor-unit digits, more
// when the amount has finer digits.
std::string FormatMoney(const Money& money);
// Formats a decimal as "12.5", "3", "-0.25".
std::string FormatDecimal(const Decimal& value);
// Formats nanos with at least `min_fraction_digits` digits.
std::string FormatNanos(Nanos amount, int min_fraction_digits);

// Parses "1234.5", "-0.01", "12" into Money in `currency_code`.
// INVALID_ARGUMENT for malformed text, more than 9 fraction digits or an
// unknown currency.
absl::StatusOr<Money> ParseMoney(absl::string_view amount,
                                 absl::string_view currency_code);
absl::StatusOr<Decimal> ParseDecimal(absl::string_view text);

// Returns an amount given in minor units (Stripe's "amount": 1999 for
// 19.99 USD, 500 for 500 JPY) as Money.
absl::StatusOr<Money> MoneyFromMinorUnits(absl::string_view currency_code,
                                          int64_t minor_units);

}  // namespace revhub

#endif  // REVHUB_CANONICAL_MONEY_H_
