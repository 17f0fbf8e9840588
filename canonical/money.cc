#include "canonical/money.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "canonical/currency.h"
#include "canonical/field_path.h"

namespace revhub {
namespace {

constexpr Nanos Pow10(int n) {
  Nanos r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

Nanos Abs(Nanos v) { return v < 0 ? -v : v; }

std::string ToDigits(Nanos v) {
  // REQUIRES: v >= 0
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

// Divides n by d (d > 0) rounding by mode.
Nanos DivRound(Nanos n, Nanos d, RoundingMode mode) {
  Nanos q = n / d;  // truncates towards zero
  Nanos r = n % d;
  if (r == 0 || mode == RoundingMode::kDown) return q;
  Nanos twice = Abs(r) * 2;
  int sign = n < 0 ? -1 : 1;
  bool away = false;
  if (twice > d) {
    away = true;
  } else if (twice == d) {
    away = mode == RoundingMode::kHalfUp || (q % 2 != 0);
  }
  return away ? q + sign : q;
}

absl::Status CheckParts(int64_t units, int32_t nanos, absl::string_view field) {
  if (nanos <= -kNanosPerUnit || nanos >= kNanosPerUnit) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, absl::StrCat(field, ".nanos"),
        absl::StrCat("must be between -999999999 and 999999999, got ", nanos));
  }
  if ((units > 0 && nanos < 0) || (units < 0 && nanos > 0)) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, field,
        absl::StrCat("units and nanos must have the same sign, got units=",
                     units, " nanos=", nanos));
  }
  return absl::OkStatus();
}

}  // namespace

int MinorUnitExponent(absl::string_view currency_code) {
  const CurrencyInfo* c = FindCurrency(currency_code);
  return c == nullptr ? -1 : c->exponent;
}

absl::Status ValidateMoney(const Money& money, absl::string_view field,
                           bool require_minor_unit) {
  if (money.currency_code().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument,
                      absl::StrCat(field, ".currency_code"), "is required");
  }
  const CurrencyInfo* c = FindCurrency(money.currency_code());
  if (c == nullptr) {
    return FieldError(absl::StatusCode::kInvalidArgument,
                      absl::StrCat(field, ".currency_code"),
                      absl::StrCat("unknown ISO 4217 currency \"",
                                   money.currency_code(), "\""));
  }
  auto st = CheckParts(money.units(), money.nanos(), field);
  if (!st.ok()) return st;
  if (require_minor_unit) {
    Nanos step = Pow10(9 - c->exponent);
    if (money.nanos() % step != 0) {
      return FieldError(absl::StatusCode::kInvalidArgument, field,
                        absl::StrCat(FormatMoney(money),
                                     " has digits below the minor unit of ",
                                     c->code, " (", c->exponent, " decimals)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDecimal(const Decimal& value, absl::string_view field) {
  return CheckParts(value.units(), value.nanos(), field);
}

Nanos ToNanos(const Money& money) {
  return static_cast<Nanos>(money.units()) * kNanosPerUnit + money.nanos();
}

Nanos ToNanos(const Decimal& value) {
  return static_cast<Nanos>(value.units()) * kNanosPerUnit + value.nanos();
}

absl::StatusOr<Money> MoneyFromNanos(absl::string_view currency_code,
                                     Nanos amount) {
  Nanos units = amount / kNanosPerUnit;
  if (units > std::numeric_limits<int64_t>::max() ||
      units < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError(
        absl::StrCat("amount does not fit in Money: ", FormatNanos(amount, 0),
                     " ", currency_code));
  }
  Money m;
  m.set_currency_code(std::string(currency_code));
  m.set_units(static_cast<int64_t>(units));
  m.set_nanos(static_cast<int32_t>(amount % kNanosPerUnit));
  return m;
}

absl::StatusOr<Decimal> DecimalFromNanos(Nanos amount) {
  Nanos units = amount / kNanosPerUnit;
  if (units > std::numeric_limits<int64_t>::max() ||
      units < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError("decimal does not fit in 64-bit units");
  }
  Decimal d;
  d.set_units(static_cast<int64_t>(units));
  d.set_nanos(static_cast<int32_t>(amount % kNanosPerUnit));
  return d;
}

absl::StatusOr<Money> Add(const Money& a, const Money& b) {
  if (a.currency_code() != b.currency_code()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot add ", a.currency_code(), " and ", b.currency_code()));
  }
  return MoneyFromNanos(a.currency_code(), ToNanos(a) + ToNanos(b));
}

absl::StatusOr<Money> Subtract(const Money& a, const Money& b) {
  if (a.currency_code() != b.currency_code()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot subtract ", b.currency_code(), " from ", a.currency_code()));
  }
  return MoneyFromNanos(a.currency_code(), ToNanos(a) - ToNanos(b));
}

int Compare(const Money& a, const Money& b) {
  Nanos x = ToNanos(a), y = ToNanos(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool IsZero(const Money& money) {
  return money.units() == 0 && money.nanos() == 0;
}

bool IsNegative(const Money& money) {
  return money.units() < 0 || money.nanos() < 0;
}

absl::StatusOr<Money> ScaleToMinorUnit(const Money& amount, Nanos numerator,
                                       Nanos denominator) {
  if (denominator == 0) return amount;
  const Nanos scaled = ToNanos(amount) * numerator;
  Nanos quotient = scaled / denominator;
  Nanos remainder = scaled % denominator;
  if (denominator < 0) {
    denominator = -denominator;
    remainder = -remainder;
  }
  if (remainder * 2 >= denominator) ++quotient;
  if (remainder * 2 <= -denominator) --quotient;
  return MoneyFromNanos(
      amount.currency_code(),
      RoundNanos(quotient, MinorUnitExponent(amount.currency_code()),
                 RoundingMode::kHalfUp));
}

absl::StatusOr<Money> Multiply(const Money& amount, const Decimal& quantity,
                               RoundingMode mode) {
  // |units| < 2^63 and the product of two nano amounts can exceed 128 bits,
  // so split: (a_u + a_n/1e9)(q_u + q_n/1e9) in nanos =
  //   a_u*q_u*1e9 + a_u*q_n + a_n*q_u + a_n*q_n/1e9.
  Nanos au = amount.units(), an = amount.nanos();
  Nanos qu = quantity.units(), qn = quantity.nanos();
  const Nanos limit = static_cast<Nanos>(std::numeric_limits<int64_t>::max());
  if (Abs(au) > 0 && Abs(qu) > limit / Abs(au)) {
    return absl::OutOfRangeError("product does not fit in Money");
  }
  Nanos whole = au * qu * kNanosPerUnit + au * qn + an * qu;
  Nanos frac = DivRound(an * qn, kNanosPerUnit, mode);
  return MoneyFromNanos(amount.currency_code(), whole + frac);
}

Nanos RoundNanos(Nanos amount, int exponent, RoundingMode mode) {
  if (exponent >= 9) return amount;
  Nanos step = Pow10(9 - exponent);
  return DivRound(amount, step, mode) * step;
}

absl::StatusOr<Money> RoundToMinorUnit(const Money& money, RoundingMode mode) {
  int exp = MinorUnitExponent(money.currency_code());
  if (exp < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown ISO 4217 currency \"", money.currency_code(), "\""));
  }
  return MoneyFromNanos(money.currency_code(),
                        RoundNanos(ToNanos(money), exp, mode));
}

absl::StatusOr<std::vector<Money>> SplitByWeights(
    const Money& total, const std::vector<Nanos>& weights) {
  int exp = MinorUnitExponent(total.currency_code());
  if (exp < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown ISO 4217 currency \"", total.currency_code(), "\""));
  }
  const Nanos step = Pow10(9 - exp);
  const Nanos amount = ToNanos(total);
  if (amount % step != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot split ", FormatMoney(total),
                     ": it is not a whole number of minor units"));
  }
  if (weights.empty()) {
    return absl::InvalidArgumentError("cannot split over no weights");
  }
  Nanos sum = 0;
  for (Nanos w : weights) {
    if (w < 0) return absl::InvalidArgumentError("split weights must be >= 0");
    sum += w;
  }
  if (sum == 0) {
    return absl::InvalidArgumentError("split weights must not all be zero");
  }
  const Nanos minor_total = amount / step;  // signed count of minor units
  const int sign = minor_total < 0 ? -1 : 1;
  const Nanos abs_total = Abs(minor_total);
  std::vector<Nanos> parts(weights.size());
  std::vector<Nanos> remainders(weights.size());
  Nanos allocated = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    // abs_total * w can reach ~2^63 * 2^63: too big for 128 bits only when
    // both are huge; realistic totals (< 1e18 minor units) and weights
    // (< 1e20 nanos) stay far below 2^127.
    Nanos product = abs_total * weights[i];
    parts[i] = product / sum;
    remainders[i] = product % sum;
    allocated += parts[i];
  }
  Nanos left = abs_total - allocated;  // < weights.size()
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return remainders[a] > remainders[b];
  });
  for (size_t k = 0; k < order.size() && left > 0; ++k, --left) {
    parts[order[k]] += 1;
  }
  std::vector<Money> out;
  out.reserve(parts.size());
  for (Nanos p : parts) {
    auto m = MoneyFromNanos(total.currency_code(), sign * p * step);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

std::string FormatNanos(Nanos amount, int min_fraction_digits) {
  std::string sign = amount < 0 ? "-" : "";
  Nanos a = Abs(amount);
  std::string units = ToDigits(a / kNanosPerUnit);
  std::string frac = ToDigits(a % kNanosPerUnit);
  frac.insert(0, 9 - frac.size(), '0');
  while (static_cast<int>(frac.size()) > min_fraction_digits &&
         frac.back() == '0') {
    frac.pop_back();
  }
  if (frac.empty()) return sign + units;
  return sign + units + "." + frac;
}

std::string FormatMoney(const Money& money) {
  int exp = MinorUnitExponent(money.currency_code());
  return FormatNanos(ToNanos(money), exp < 0 ? 2 : exp) + " " +
         money.currency_code();
}

std::string FormatDecimal(const Decimal& value) {
  return FormatNanos(ToNanos(value), 0);
}

absl::StatusOr<Decimal> ParseDecimal(absl::string_view text) {
  absl::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  absl::string_view int_part = s.substr(0, dot);
  absl::string_view frac_part =
      dot == absl::string_view::npos ? absl::string_view() : s.substr(dot + 1);
  auto all_digits = [](absl::string_view v) {
    return std::all_of(v.begin(), v.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((int_part.empty() && frac_part.empty()) || !all_digits(int_part) ||
      !all_digits(frac_part) ||
      (dot != absl::string_view::npos && frac_part.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a decimal number"));
  }
  if (frac_part.size() > 9) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" has more than 9 digits after the decimal point"));
  }
  if (int_part.size() > 18) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is too large"));
  }
  Nanos units = 0;
  for (char c : int_part) units = units * 10 + (c - '0');
  Nanos frac = 0;
  for (char c : frac_part) frac = frac * 10 + (c - '0');
  frac *= Pow10(9 - static_cast<int>(frac_part.size()));
  Nanos total = units * kNanosPerUnit + frac;
  return DecimalFromNanos(negative ? -total : total);
}

absl::StatusOr<Money> ParseMoney(absl::string_view amount,
                                 absl::string_view currency_code) {
  if (FindCurrency(currency_code) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ISO 4217 currency \"", currency_code, "\""));
  }
  auto d = ParseDecimal(amount);
  if (!d.ok()) return d.status();
  return MoneyFromNanos(currency_code, ToNanos(*d));
}

absl::StatusOr<Money> MoneyFromMinorUnits(absl::string_view currency_code,
                                          int64_t minor_units) {
  int exp = MinorUnitExponent(currency_code);
  if (exp < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ISO 4217 currency \"", currency_code, "\""));
  }
  return MoneyFromNanos(currency_code,
                        static_cast<Nanos>(minor_units) * Pow10(9 - exp));
}

}  // namespace revhub
