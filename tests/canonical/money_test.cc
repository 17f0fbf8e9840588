#include "canonical/money.h"

#include <catch2/catch.hpp>
#include <random>

#include "canonical/currency.h"
#include "canonical/field_path.h"
#include "canonical/validation.h"

namespace revhub {
namespace {

Money M(const char* amount, const char* currency) {
  auto m = ParseMoney(amount, currency);
  REQUIRE(m.ok());
  return *m;
}

TEST_CASE("currency table knows minor units", "[money]") {
  CHECK(MinorUnitExponent("USD") == 2);
  CHECK(MinorUnitExponent("JPY") == 0);
  CHECK(MinorUnitExponent("KWD") == 3);
  CHECK(MinorUnitExponent("CLF") == 4);
  CHECK(MinorUnitExponent("usd") == -1);
  CHECK(MinorUnitExponent("XXX") == -1);
  REQUIRE(FindCurrency("EUR") != nullptr);
  CHECK(FindCurrency("EUR")->numeric == 978);
}

TEST_CASE("parse and format are exact", "[money]") {
  CHECK(FormatMoney(M("1234.5", "USD")) == "1234.50 USD");
  CHECK(FormatMoney(M("-0.01", "USD")) == "-0.01 USD");
  CHECK(FormatMoney(M("500", "JPY")) == "500 JPY");
  CHECK(FormatMoney(M("1.234", "KWD")) == "1.234 KWD");
  CHECK(FormatMoney(M("0.000000001", "USD")) == "0.000000001 USD");
  Money m = M("-12.75", "EUR");
  CHECK(m.units() == -12);
  CHECK(m.nanos() == -750000000);
  CHECK_FALSE(ParseMoney("1.2.3", "USD").ok());
  CHECK_FALSE(ParseMoney("abc", "USD").ok());
  CHECK_FALSE(ParseMoney("1.", "USD").ok());
  CHECK_FALSE(ParseMoney("0.0000000001", "USD").ok());
  CHECK_FALSE(ParseMoney("1", "ZZZ").ok());
}

TEST_CASE("add and subtract refuse mixed currencies", "[money]") {
  auto sum = Add(M("0.10", "USD"), M("0.20", "USD"));
  REQUIRE(sum.ok());
  CHECK(FormatMoney(*sum) == "0.30 USD");
  auto diff = Subtract(M("1", "USD"), M("2.5", "USD"));
  REQUIRE(diff.ok());
  CHECK(FormatMoney(*diff) == "-1.50 USD");
  auto bad = Add(M("1", "USD"), M("1", "EUR"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "cannot add USD and EUR");
}

TEST_CASE("multiply by a decimal quantity rounds half even at nanos",
          "[money]") {
  auto q = ParseDecimal("3");
  REQUIRE(q.ok());
  auto r = Multiply(M("19.99", "USD"), *q);
  REQUIRE(r.ok());
  CHECK(FormatMoney(*r) == "59.97 USD");
  auto third = ParseDecimal("0.333333333");
  auto t = Multiply(M("100", "USD"), *third);
  REQUIRE(t.ok());
  CHECK(FormatMoney(*t) == "33.3333333 USD");
  auto neg = Multiply(M("10", "USD"), *ParseDecimal("-1.5"));
  REQUIRE(neg.ok());
  CHECK(FormatMoney(*neg) == "-15.00 USD");
  // Large amounts stay exact up to int64 units, and beyond are refused,
  // never wrapped.
  auto big = Multiply(M("9000000000000000.01", "IDR"), *ParseDecimal("1000"));
  REQUIRE(big.ok());
  CHECK(FormatMoney(*big) == "9000000000000000010.00 IDR");
  auto too_big = Multiply(M("90000000000000000", "IDR"), *ParseDecimal("1000"));
  CHECK(too_big.status().code() == absl::StatusCode::kOutOfRange);
}

TEST_CASE("scaling by a ratio rounds half up to the minor unit", "[money]") {
  auto scaled = [](const char* amount, const char* currency, int64_t num,
                   int64_t den) {
    auto r = ScaleToMinorUnit(M(amount, currency), num, den);
    REQUIRE(r.ok());
    return FormatMoney(*r);
  };
  // 120.00 incl. 20 % tax: 100.00 net.
  CHECK(scaled("120.00", "EUR", 100, 120) == "100.00 EUR");
  // 10.00 x 1/3 = 3.333…: 3.33; x 2/3 = 6.666…: 6.67.
  CHECK(scaled("10.00", "USD", 1, 3) == "3.33 USD");
  CHECK(scaled("10.00", "USD", 2, 3) == "6.67 USD");
  // A tie goes away from zero, on both signs.
  CHECK(scaled("0.05", "USD", 1, 2) == "0.03 USD");
  CHECK(scaled("-0.05", "USD", 1, 2) == "-0.03 USD");
  CHECK(scaled("-0.05", "USD", -1, -2) == "-0.03 USD");
  // Zero-decimal and three-decimal currencies.
  CHECK(scaled("1000", "JPY", 1, 3) == "333 JPY");
  CHECK(scaled("1.000", "KWD", 2, 3) == "0.667 KWD");
  // No denominator: the amount unchanged.
  CHECK(scaled("7.77", "USD", 5, 0) == "7.77 USD");
}

TEST_CASE("rounding to the minor unit", "[money]") {
  CHECK(FormatMoney(*RoundToMinorUnit(M("2.345", "USD"))) == "2.34 USD");
  CHECK(FormatMoney(*RoundToMinorUnit(M("2.355", "USD"))) == "2.36 USD");
  CHECK(FormatMoney(*RoundToMinorUnit(M("2.345", "USD"),
                                      RoundingMode::kHalfUp)) == "2.35 USD");
  CHECK(FormatMoney(*RoundToMinorUnit(M("-2.345", "USD"),
                                      RoundingMode::kHalfUp)) == "-2.35 USD");
  CHECK(FormatMoney(*RoundToMinorUnit(M("2.349", "USD"),
                                      RoundingMode::kDown)) == "2.34 USD");
  CHECK(FormatMoney(*RoundToMinorUnit(M("100.5", "JPY"))) == "100 JPY");
  CHECK(FormatMoney(*RoundToMinorUnit(M("101.5", "JPY"))) == "102 JPY");
  CHECK(FormatMoney(*RoundToMinorUnit(M("1.0005", "KWD"))) == "1.000 KWD");
}

TEST_CASE("split sums back to the whole by largest remainder", "[money]") {
  auto parts = SplitByWeights(M("100", "USD"), {1, 1, 1});
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 3);
  CHECK(FormatMoney((*parts)[0]) == "33.34 USD");
  CHECK(FormatMoney((*parts)[1]) == "33.33 USD");
  CHECK(FormatMoney((*parts)[2]) == "33.33 USD");

  auto yen = SplitByWeights(M("1000", "JPY"), {31, 28, 31});
  REQUIRE(yen.ok());
  // 344.44 / 311.11 / 344.44: the left-over yen goes to the largest
  // remainder, and between equal remainders to the earlier part.
  CHECK(FormatMoney((*yen)[0]) == "345 JPY");
  CHECK(FormatMoney((*yen)[1]) == "311 JPY");
  CHECK(FormatMoney((*yen)[2]) == "344 JPY");

  auto neg = SplitByWeights(M("-0.05", "USD"), {1, 1});
  REQUIRE(neg.ok());
  CHECK(FormatMoney((*neg)[0]) == "-0.03 USD");
  CHECK(FormatMoney((*neg)[1]) == "-0.02 USD");

  CHECK_FALSE(SplitByWeights(M("1.005", "USD"), {1}).ok());
  CHECK_FALSE(SplitByWeights(M("1", "USD"), {0, 0}).ok());
  CHECK_FALSE(SplitByWeights(M("1", "USD"), {}).ok());
  CHECK_FALSE(SplitByWeights(M("1", "USD"), {1, -1}).ok());
}

TEST_CASE("split property: parts are whole minor units and sum exactly",
          "[money][property]") {
  std::mt19937_64 rng(20261124);
  const char* currencies[] = {"USD", "JPY", "KWD", "EUR"};
  for (int round = 0; round < 2000; ++round) {
    const char* cur = currencies[rng() % 4];
    int exp = MinorUnitExponent(cur);
    int64_t minor = static_cast<int64_t>(rng() % 100000000) - 50000000;
    auto total = MoneyFromMinorUnits(cur, minor);
    REQUIRE(total.ok());
    std::vector<Nanos> weights(1 + rng() % 12);
    for (auto& w : weights) w = static_cast<Nanos>(rng() % 1000000);
    weights[0] += 1;
    auto parts = SplitByWeights(*total, weights);
    REQUIRE(parts.ok());
    Nanos sum = 0;
    Nanos step = 1;
    for (int i = 0; i < 9 - exp; ++i) step *= 10;
    for (const Money& p : *parts) {
      CHECK(ToNanos(p) % step == 0);
      sum += ToNanos(p);
    }
    CHECK(sum == ToNanos(*total));
  }
}

TEST_CASE("minor units from vendor integers", "[money]") {
  CHECK(FormatMoney(*MoneyFromMinorUnits("USD", 1999)) == "19.99 USD");
  CHECK(FormatMoney(*MoneyFromMinorUnits("JPY", 500)) == "500 JPY");
  CHECK(FormatMoney(*MoneyFromMinorUnits("KWD", 1005)) == "1.005 KWD");
  CHECK_FALSE(MoneyFromMinorUnits("usd", 1).ok());
}

TEST_CASE("money validation names the field", "[money]") {
  Money m;
  m.set_currency_code("USD");
  m.set_units(1);
  m.set_nanos(-5);
  auto st = ValidateMoney(m, "invoice.total");
  REQUIRE_FALSE(st.ok());
  CHECK(std::string(st.message()) ==
        "invoice.total: units and nanos must have the same sign, got units=1 "
        "nanos=-5");
  m.set_nanos(1000000000);
  CHECK(std::string(ValidateMoney(m, "x").message()).find("x.nanos") == 0);
  Money fine = M("1.005", "USD");
  CHECK(ValidateMoney(fine, "x").ok());
  CHECK_FALSE(ValidateMoney(fine, "x", /*require_minor_unit=*/true).ok());
  Money nocur;
  CHECK(std::string(ValidateMoney(nocur, "p.amount").message()) ==
        "p.amount.currency_code: is required");
}

// Found by the canonical_validation fuzz target: the money checks wrote the
// path into the message but did not attach it, so an entity refused for a
// money field reached the hub's callers with no field path (FieldPathOf "").
TEST_CASE("money errors carry their field path", "[money]") {
  Money bad_code;
  bad_code.set_currency_code("US@");
  CHECK(FieldPathOf(ValidateMoney(bad_code, "x")) == "x.currency_code");
  CHECK(FieldPathOf(ValidateMoney(Money(), "x")) == "x.currency_code");
  Money bad_nanos = M("1", "USD");
  bad_nanos.set_nanos(1000000000);
  CHECK(FieldPathOf(ValidateMoney(bad_nanos, "x")) == "x.nanos");
  bad_nanos.set_nanos(-5);
  CHECK(FieldPathOf(ValidateMoney(bad_nanos, "x")) == "x");
  CHECK(FieldPathOf(ValidateMoney(M("1.005", "USD"), "x",
                                  /*require_minor_unit=*/true)) == "x");
  Decimal d;
  d.set_units(-1);
  d.set_nanos(5);
  CHECK(FieldPathOf(ValidateDecimal(d, "q")) == "q");

  canonical::v1::Invoice inv;
  inv.set_customer_id("cus_1");
  inv.set_kind(canonical::v1::INVOICE_KIND_INVOICE);
  inv.set_status(canonical::v1::INVOICE_STATUS_OPEN);
  inv.set_currency_code("USD");
  inv.mutable_amount_remaining()->set_currency_code("US@");
  const absl::Status st = ValidateInvoice(inv);
  REQUIRE_FALSE(st.ok());
  CHECK(FieldPathOf(st) == "invoice.amount_remaining.currency_code");
  CHECK(ReasonOf(st) == "unknown ISO 4217 currency \"US@\"");
}

}  // namespace
}  // namespace revhub
