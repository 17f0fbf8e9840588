#include "canonical/validation.h"

#include <catch2/catch.hpp>

#include "canonical/money.h"
#include "google/protobuf/text_format.h"
#include "tests/canonical/validation_test_util.h"

namespace revhub {
namespace {

using namespace canonical::v1;  // NOLINT
using testing::Error;
using testing::Parse;

const char* kContract = R"pb(
  customer_id: "cus_1"
  status: CONTRACT_STATUS_ACTIVE
  currency_code: "USD"
  lines {
    line_id: "L1"
    quantity { units: 10 }
    unit_price { currency_code: "USD" units: 100 }
    service_period {
      start_time { seconds: 1735689600 }
      end_time { seconds: 1767225600 }
    }
  }
  lines {
    line_id: "L2"
    quantity { units: 1 }
    unit_price { currency_code: "USD" units: 5000 }
  }
)pb";

TEST_CASE("a well-formed contract passes", "[validation]") {
  CHECK(ValidateContract(Parse<Contract>(kContract)).ok());
}

TEST_CASE("contract rules name the field and the rule", "[validation]") {
  Contract c = Parse<Contract>(kContract);
  SECTION("unknown currency") {
    c.set_currency_code("XYZ");
    CHECK(
        Error(ValidateContract(c)) ==
        "contract.currency_code: unknown ISO 4217 currency \"XYZ\" (codes are "
        "upper case, e.g. USD)");
  }
  SECTION("negative quantity") {
    c.mutable_lines(0)->mutable_quantity()->set_units(-2);
    CHECK(
        Error(ValidateContract(c)) ==
        "contract.lines[0].quantity: must not be negative (got -2) unless the "
        "line is a downgrade");
  }
  SECTION("a downgrade line may be negative") {
    c.mutable_lines(0)->mutable_quantity()->set_units(-2);
    c.mutable_lines(0)->set_downgrade(true);
    CHECK(ValidateContract(c).ok());
  }
  SECTION("service period end before start") {
    auto* p = c.mutable_lines(0)->mutable_service_period();
    p->mutable_end_time()->set_seconds(1735689600 - 86400);
    CHECK(Error(ValidateContract(c))
              .rfind("contract.lines[0].service_period.end_time: must be after "
                     "start_time",
                     0) == 0);
  }
  SECTION("line in another currency than the contract") {
    c.mutable_lines(1)->mutable_unit_price()->set_currency_code("EUR");
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[1].unit_price: is in EUR but must be in USD");
  }
  SECTION("duplicate line ids") {
    c.mutable_lines(1)->set_line_id("L1");
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[1].line_id: \"L1\" is used by another line");
  }
  SECTION("missing customer") {
    c.clear_customer_id();
    CHECK(Error(ValidateContract(c)) == "contract.customer_id: is required");
  }
  SECTION("missing status") {
    c.clear_status();
    CHECK(Error(ValidateContract(c)).rfind("contract.status: is required", 0) ==
          0);
  }
  SECTION("active contract without lines") {
    c.clear_lines();
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines: an ACTIVE contract needs at least one line");
  }
  SECTION("discount above 100 percent") {
    c.mutable_lines(0)->mutable_discount_percent()->set_units(101);
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[0].discount_percent: must be between 0 and 100, got "
          "101");
  }
  SECTION("discount above the extended price") {
    auto* d = c.mutable_lines(1)->mutable_discount_amount();
    d->set_currency_code("USD");
    d->set_units(6000);
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[1].discount_amount: must not exceed the line's "
          "extended "
          "price 5000.00 USD");
  }
  SECTION("contract discount names a missing line") {
    auto* d = c.add_discounts();
    d->mutable_amount()->set_currency_code("USD");
    d->mutable_amount()->set_units(10);
    d->add_line_ids("L9");
    CHECK(Error(ValidateContract(c)) ==
          "contract.discounts[0].line_ids[0]: no line \"L9\" in the contract");
  }
  SECTION("negative unit price") {
    c.mutable_lines(0)->mutable_unit_price()->set_units(-1);
    CHECK(Error(ValidateContract(c)) ==
          "contract.lines[0].unit_price: must not be negative (got -1.00 USD)");
  }
  SECTION("incomplete external ref") {
    auto* r = c.add_external_refs();
    r->set_system("sf");
    r->set_object_type("Opportunity");
    CHECK(Error(ValidateContract(c)) ==
          "contract.external_refs[0].vendor_id: is required");
  }
}

TEST_CASE("customer rules", "[validation]") {
  Customer c;
  CHECK(Error(ValidateCustomer(c)) == "customer.name: is required");
  c.set_name("Acme");
  CHECK(ValidateCustomer(c).ok());
  c.set_email("not-an-address");
  CHECK(Error(ValidateCustomer(c)) ==
        "customer.email: \"not-an-address\" is not an address");
  c.set_email("ap@acme.example");
  c.set_currency_code("usd");
  CHECK(Error(ValidateCustomer(c))
            .rfind("customer.currency_code: unknown ISO 4217", 0) == 0);
  c.set_currency_code("USD");
  c.mutable_billing_address()->set_country_code("usa");
  CHECK(Error(ValidateCustomer(c))
            .rfind("customer.billing_address.country_code", 0) == 0);
}

TEST_CASE("invoice arithmetic must add up", "[validation]") {
  Invoice inv = Parse<Invoice>(R"pb(
    customer_id: "cus_1"
    kind: INVOICE_KIND_INVOICE
    status: INVOICE_STATUS_OPEN
    currency_code: "USD"
    lines { amount { currency_code: "USD" units: 100 } }
    lines { amount { currency_code: "USD" units: 50 nanos: 500000000 } }
    subtotal { currency_code: "USD" units: 150 nanos: 500000000 }
    tax_total { currency_code: "USD" units: 15 }
    total { currency_code: "USD" units: 165 nanos: 500000000 }
  )pb");
  CHECK(ValidateInvoice(inv).ok());
  SECTION("subtotal differs from the lines") {
    inv.mutable_subtotal()->set_units(151);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.subtotal: is 151.50 USD but the lines sum to 150.50 USD");
  }
  SECTION("total differs") {
    inv.mutable_total()->set_units(160);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.total: is 160.50 USD but subtotal - discount_total + "
          "tax_total "
          "is 165.50 USD");
  }
  // Issue 10 gave total one definition: tax-inclusive prices are netted by
  // the adapters, so tax_total is added whatever tax_inclusive says.
  SECTION("tax inclusive totals add tax too") {
    inv.set_tax_inclusive(true);
    CHECK(ValidateInvoice(inv).ok());
    inv.mutable_total()->set_units(150);
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.total: is 150.50 USD but subtotal - discount_total + "
          "tax_total is 165.50 USD (tax-inclusive prices too: subtotal and "
          "discount_total are net, tax_total is added)");
  }
  SECTION("kind required") {
    inv.clear_kind();
    CHECK(Error(ValidateInvoice(inv)).rfind("invoice.kind: is required", 0) ==
          0);
  }
  SECTION("line in another currency") {
    inv.mutable_lines(1)->mutable_amount()->set_currency_code("EUR");
    CHECK(Error(ValidateInvoice(inv)) ==
          "invoice.lines[1].amount: is in EUR but must be in USD");
  }
}

TEST_CASE("payment rules", "[validation]") {
  Payment p = Parse<Payment>(R"pb(
    customer_id: "cus_1"
    amount { currency_code: "JPY" units: 5000 }
    allocations {
      invoice_id: "inv_1"
      amount { currency_code: "JPY" units: 3000 }
    }
  )pb");
  CHECK(ValidatePayment(p).ok());
  p.add_allocations()->set_invoice_id("inv_2");
  p.mutable_allocations(1)->mutable_amount()->set_currency_code("JPY");
  p.mutable_allocations(1)->mutable_amount()->set_units(2500);
  CHECK(Error(ValidatePayment(p)) ==
        "payment.allocations: allocate 5500 JPY, more than the payment's 5000 "
        "JPY");
  p.mutable_amount()->set_units(-1);
  CHECK(Error(ValidatePayment(p)) ==
        "payment.amount: must be positive, got -1 JPY");
}

TEST_CASE("journal entries must balance per currency", "[validation]") {
  JournalEntry e = Parse<JournalEntry>(R"pb(
    legal_entity: "us-inc"
    lines {
      account_role: ACCOUNT_ROLE_RECEIVABLE
      debit { currency_code: "USD" units: 110 }
    }
    lines {
      account_role: ACCOUNT_ROLE_DEFERRED_REVENUE
      credit { currency_code: "USD" units: 100 }
    }
    lines {
      account_role: ACCOUNT_ROLE_TAX_PAYABLE
      credit { currency_code: "USD" units: 10 }
    }
  )pb");
  CHECK(ValidateJournalEntry(e).ok());
  e.mutable_lines(2)->mutable_credit()->set_units(9);
  CHECK(
      Error(ValidateJournalEntry(e)) ==
      "journal_entry.lines: unbalanced in USD: debits 110.00, credits 109.00");
  e.mutable_lines(2)->mutable_debit()->set_currency_code("USD");
  e.mutable_lines(2)->mutable_debit()->set_units(1);
  CHECK(Error(ValidateJournalEntry(e)) ==
        "journal_entry.lines[2]: needs exactly one of debit and credit");
  e.clear_legal_entity();
  CHECK(Error(ValidateJournalEntry(e)) ==
        "journal_entry.legal_entity: is required");
}

}  // namespace
}  // namespace revhub
