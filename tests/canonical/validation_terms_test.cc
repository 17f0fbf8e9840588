// Validation of what vendors send (issue 10): open-ended and auto-renewing
// terms, one-off lines, tax kept out of net amounts, one definition per
// invoice amount.
#include <catch2/catch.hpp>

#include "canonical/field_path.h"
#include "canonical/validation.h"
#include "google/protobuf/text_format.h"
#include "tests/canonical/validation_test_util.h"

namespace revhub {
namespace {

using namespace canonical::v1;  // NOLINT
using testing::Error;
using testing::Parse;

// 2025-01-01, 2025-02-01, 2026-01-01.
constexpr int64_t kJan = 1735689600;
constexpr int64_t kFeb = 1738368000;
constexpr int64_t kNextYear = 1767225600;

// An evergreen subscription: a term with a start and no end, a monthly line
// running as long as the contract.
const char* kEvergreen = R"pb(
  customer_id: "cus_1"
  status: CONTRACT_STATUS_ACTIVE
  currency_code: "EUR"
  renewal_behavior: RENEWAL_BEHAVIOR_EVERGREEN
  renewal_interval { unit: INTERVAL_UNIT_MONTH count: 1 }
  term { start_time { seconds: 1735689600 } }
  lines {
    line_id: "si_1"
    quantity { units: 1 }
    unit_price { currency_code: "EUR" units: 100 }
    included_tax { currency_code: "EUR" units: 20 }
    service_period { start_time { seconds: 1735689600 } }
  }
  lines {
    line_id: "setup"
    quantity { units: 1 }
    unit_price { currency_code: "EUR" units: 500 }
    delivered_at { seconds: 1735689600 }
  }
)pb";

TEST_CASE("open-ended terms", "[validation]") {
  Contract c = Parse<Contract>(kEvergreen);
  CHECK(ValidateContract(c).ok());
  CHECK(IsOpenEnded(c));
  SECTION("unspecified renewal with no end is open-ended") {
    c.clear_renewal_behavior();
    CHECK(IsOpenEnded(c));
    CHECK(ValidateContract(c).ok());
  }
  SECTION("a contract without a term is not open-ended") {
    c.clear_renewal_behavior();
    c.clear_term();
    CHECK_FALSE(IsOpenEnded(c));
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[0].service_period.end_time: is required (only a "
          "line of an open-ended contract runs without an end)");
  }
  SECTION("evergreen with an end is refused") {
    c.mutable_term()->mutable_end_time()->set_seconds(kNextYear);
    const absl::Status st = ValidateContract(c);
    CHECK(FieldPathOf(st) == "contract.term.end_time");
    CHECK(Error(st) ==
          "contract.term.end_time: must be unset for an EVERGREEN contract "
          "(it runs until cancelled; a contract with an end is FIXED or "
          "AUTO_RENEW)");
  }
  SECTION("evergreen needs a start") {
    c.mutable_term()->clear_start_time();
    CHECK(Error(ValidateContract(c)) ==
          "contract.term.start_time: is required (when the EVERGREEN "
          "contract began)");
  }
  SECTION("any term needs a start") {
    c.set_renewal_behavior(RENEWAL_BEHAVIOR_FIXED);
    c.mutable_term()->clear_start_time();
    c.mutable_term()->mutable_end_time()->set_seconds(kNextYear);
    CHECK(Error(ValidateContract(c)) ==
          "contract.term.start_time: is required");
  }
  SECTION("a fixed contract needs an end") {
    c.set_renewal_behavior(RENEWAL_BEHAVIOR_FIXED);
    CHECK(Error(ValidateContract(c)) ==
          "contract.term.end_time: is required for a FIXED contract (an "
          "open-ended contract is EVERGREEN)");
  }
  SECTION("an auto-renew contract needs an end") {
    c.set_renewal_behavior(RENEWAL_BEHAVIOR_AUTO_RENEW);
    CHECK(Error(ValidateContract(c)) ==
          "contract.term.end_time: is required for an AUTO_RENEW contract "
          "(an open-ended contract is EVERGREEN)");
  }
  SECTION("a line without an end needs an open-ended contract") {
    c.set_renewal_behavior(RENEWAL_BEHAVIOR_FIXED);
    c.mutable_term()->mutable_end_time()->set_seconds(kNextYear);
    CHECK_FALSE(IsOpenEnded(c));
    const absl::Status st = ValidateContract(c);
    CHECK(FieldPathOf(st) == "contract.lines[0].service_period.end_time");
    CHECK(Error(st) ==
          "contract.lines[0].service_period.end_time: is required (only a "
          "line of an open-ended contract runs without an end)");
  }
  SECTION("a line without a start is refused") {
    c.mutable_lines(0)->mutable_service_period()->clear_start_time();
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[0].service_period.start_time: is required");
  }
  SECTION("a term that ends before it starts is refused") {
    c.set_renewal_behavior(RENEWAL_BEHAVIOR_FIXED);
    c.mutable_term()->mutable_end_time()->set_seconds(kJan - 86400);
    CHECK(Error(ValidateContract(c))
              .rfind("contract.term.end_time: must be after start_time", 0) ==
          0);
  }
  SECTION("a renewal interval has a unit and a count") {
    c.mutable_renewal_interval()->set_count(0);
    CHECK(Error(ValidateContract(c)) ==
          "contract.renewal_interval.count: must be at least 1, got 0");
    c.mutable_renewal_interval()->set_count(1);
    c.mutable_renewal_interval()->clear_unit();
    CHECK(Error(ValidateContract(c)) ==
          "contract.renewal_interval.unit: is required (DAY, WEEK, MONTH or "
          "YEAR)");
  }
}

TEST_CASE("auto-renew terms", "[validation]") {
  Contract c = Parse<Contract>(kEvergreen);
  c.set_renewal_behavior(RENEWAL_BEHAVIOR_AUTO_RENEW);
  c.mutable_term()->mutable_end_time()->set_seconds(kNextYear);
  c.mutable_lines(0)->mutable_service_period()->mutable_end_time()->set_seconds(
      kNextYear);
  c.mutable_renewal_interval()->set_unit(INTERVAL_UNIT_YEAR);
  CHECK(ValidateContract(c).ok());
  CHECK_FALSE(IsOpenEnded(c));
  c.clear_renewal_interval();
  const absl::Status st = ValidateContract(c);
  CHECK(FieldPathOf(st) == "contract.renewal_interval");
  CHECK(Error(st) ==
        "contract.renewal_interval: is required for an AUTO_RENEW contract "
        "(the length of each renewal term)");
}

TEST_CASE("one-off contract lines and included tax", "[validation]") {
  Contract c = Parse<Contract>(kEvergreen);
  SECTION("a one-off line has no service period") {
    auto* p = c.mutable_lines(1)->mutable_service_period();
    p->mutable_start_time()->set_seconds(kJan);
    p->mutable_end_time()->set_seconds(kFeb);
    const absl::Status st = ValidateContract(c);
    CHECK(FieldPathOf(st) == "contract.lines[1].delivered_at");
    CHECK(Error(st) ==
          "contract.lines[1].delivered_at: a one-off line (delivered_at) has "
          "no service_period; set one or the other");
  }
  SECTION("included tax is in the contract's currency") {
    c.mutable_lines(0)->mutable_included_tax()->set_currency_code("USD");
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[0].included_tax: is in USD but must be in EUR");
  }
  SECTION("included tax is not negative") {
    c.mutable_lines(0)->mutable_included_tax()->set_units(-20);
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[0].included_tax: must not be negative (got -20.00 "
          "EUR)");
  }
}

TEST_CASE("a cancelled contract keeps its cancellation reason",
          "[validation]") {
  Contract c = Parse<Contract>(kEvergreen);
  c.set_status(CONTRACT_STATUS_CANCELLED);
  c.mutable_cancelled_at()->set_seconds(kFeb);
  c.set_cancellation_reason("cancellation_requested");
  const Contract before = c;
  CHECK(ValidateContract(c).ok());
  CHECK(c.cancellation_reason() == "cancellation_requested");
  CHECK(c.SerializeAsString() == before.SerializeAsString());
}

// A VAT-inclusive price of 120.00 at 20%: the adapter nets it to 100.00 and
// 20.00 of tax; an invoice-level discount of 10.00 (net).
const char* kInvoice = R"pb(
  customer_id: "cus_1"
  kind: INVOICE_KIND_INVOICE
  status: INVOICE_STATUS_OPEN
  currency_code: "EUR"
  tax_inclusive: true
  lines {
    contract_line_id: "si_1"
    amount { currency_code: "EUR" units: 100 }
    tax_amount { currency_code: "EUR" units: 20 }
    service_period {
      start_time { seconds: 1735689600 }
      end_time { seconds: 1738368000 }
    }
  }
  lines {
    contract_line_id: "setup"
    amount { currency_code: "EUR" units: 500 }
    delivered_at { seconds: 1735689600 }
  }
  subtotal { currency_code: "EUR" units: 600 }
  discount_total { currency_code: "EUR" units: 10 }
  tax_total { currency_code: "EUR" units: 20 }
  total { currency_code: "EUR" units: 610 }
  amount_paid { currency_code: "EUR" units: 600 }
  amount_credited { currency_code: "EUR" units: 10 }
  amount_remaining { currency_code: "EUR" }
)pb";

TEST_CASE("invoice amounts have one definition", "[validation]") {
  Invoice inv = Parse<Invoice>(kInvoice);
  CHECK(ValidateInvoice(inv).ok());
  SECTION("total is subtotal - discount_total + tax_total") {
    inv.mutable_total()->set_units(590);
    const absl::Status st = ValidateInvoice(inv);
    CHECK(FieldPathOf(st) == "invoice.total");
    CHECK(Error(st) ==
          "invoice.total: is 590.00 EUR but subtotal - discount_total + "
          "tax_total is 610.00 EUR (tax-inclusive prices too: subtotal and "
          "discount_total are net, tax_total is added)");
  }
  SECTION("tax exclusive the same") {
    inv.set_tax_inclusive(false);
    inv.mutable_total()->set_units(600);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.total: is 600.00 EUR but subtotal - discount_total + "
          "tax_total is 610.00 EUR");
  }
  SECTION("amount_remaining not negative") {
    inv.mutable_amount_remaining()->set_units(-1);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.amount_remaining: must not be negative (got -1.00 EUR)");
  }
  SECTION("amount_paid not negative") {
    inv.mutable_amount_paid()->set_units(-600);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.amount_paid: must not be negative (got -600.00 EUR)");
  }
  SECTION("amount_credited not negative") {
    inv.mutable_amount_credited()->set_units(-10);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.amount_credited: must not be negative (got -10.00 EUR)");
  }
  SECTION("amount_credited in the invoice's currency") {
    inv.mutable_amount_credited()->set_currency_code("USD");
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.amount_credited: is in USD but must be in EUR");
  }
}

TEST_CASE("one-off invoice lines", "[validation]") {
  Invoice inv = Parse<Invoice>(kInvoice);
  SECTION("a one-off line with a service period is refused") {
    auto* p = inv.mutable_lines(1)->mutable_service_period();
    p->mutable_start_time()->set_seconds(kJan);
    p->mutable_end_time()->set_seconds(kFeb);
    const absl::Status st = ValidateInvoice(inv);
    CHECK(FieldPathOf(st) == "invoice.lines[1].delivered_at");
    CHECK(Error(st) ==
          "invoice.lines[1].delivered_at: a one-off line (delivered_at) has "
          "no service_period; set one or the other");
  }
  SECTION("a period that ends where it starts is still refused") {
    inv.mutable_lines(1)->clear_delivered_at();
    auto* p = inv.mutable_lines(1)->mutable_service_period();
    p->mutable_start_time()->set_seconds(kJan);
    p->mutable_end_time()->set_seconds(kJan);
    const absl::Status st = ValidateInvoice(inv);
    CHECK(FieldPathOf(st) == "invoice.lines[1].service_period.end_time");
    CHECK(Error(st) ==
          "invoice.lines[1].service_period.end_time: must be after "
          "start_time (the period is half-open; a one-off charge has "
          "delivered_at instead), got 2025-01-01T00:00:00Z <= "
          "2025-01-01T00:00:00Z");
  }
  SECTION("an invoice line's period needs an end") {
    inv.mutable_lines(0)->mutable_service_period()->clear_end_time();
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.lines[0].service_period.end_time: is required");
  }
}

}  // namespace
}  // namespace revhub
