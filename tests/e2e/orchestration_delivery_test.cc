// Orchestration end to end, the happy path: a Closed Won Salesforce
// opportunity and its Stripe invoice, ingested through the real adapters,
// reach NetSuite (the emulator) through the real NetSuite adapter exactly
// once: the customer, the invoice and one journal entry per recognised
// month, netting to the hub's figures.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/support/salesforce_payloads.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

std::string Account(const std::string& id, const std::string& name) {
  return SalesforceAccount(id, name, "2024-12-01T10:00:00.000+0000");
}

// Closed Won, one line of 12,000.00 EUR over the whole of 2025.
std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product) {
  return SalesforceOpportunity(id, account, "2024-12-20",
                               {.id = "00k" + id.substr(3),
                                .product_id = product,
                                .quantity = 1,
                                .unit_price = "12000.00",
                                .service_date = "2025-01-01",
                                .end_date = "2026-01-01"});
}

// A Stripe invoice (API 2025-03-31 shape) for the opportunity: 12,000.00
// EUR for 2025, the opportunity named in the subscription's metadata.
std::string StripeInvoice(const std::string& id, const std::string& customer,
                          const std::string& product,
                          const std::string& opportunity) {
  return absl::StrCat(R"({"id": ")", id, R"(", "object": "invoice",
  "currency": "eur", "customer": ")",
                      customer, R"(", "status": "open",
  "number": "HAPPY-0001", "created": 1735689600, "effective_at": 1735689600,
  "due_date": 1738368000,
  "status_transitions": {"finalized_at": 1735693200, "paid_at": null, "voided_at": null},
  "billing_reason": "subscription_create", "metadata": {},
  "parent": {"type": "subscription_details", "quote_details": null,
    "subscription_details": {
      "metadata": {"salesforce_opportunity_id": ")",
                      opportunity, R"("},
      "subscription": "sub_Happy01"}},
  "lines": {"object": "list", "has_more": false, "data": [
    {"id": "il_Happy01", "object": "line_item", "amount": 1200000,
     "currency": "eur", "description": "1 x Platform, 12,000.00 a year",
     "quantity": 1, "metadata": {},
     "period": {"start": 1735689600, "end": 1767225600},
     "parent": {"type": "subscription_item_details", "invoice_item_details": null,
       "subscription_item_details": {"invoice_item": null, "proration": false,
         "proration_details": {"credited_items": null},
         "subscription": "sub_Happy01", "subscription_item": "si_Happy01"}},
     "pricing": {"type": "price_details",
       "price_details": {"price": "price_Happy01", "product": ")",
                      product, R"("},
       "unit_amount_decimal": "1200000"},
     "discount_amounts": [], "taxes": []}]},
  "subtotal": 1200000, "total_discount_amounts": [], "total_taxes": [],
  "total": 1200000, "amount_due": 1200000, "amount_paid": 0})");
}

}  // namespace

TEST_CASE(
    "a Closed Won opportunity and its Stripe invoice reach NetSuite once: "
    "customer, invoice, one live entry per recognised month",
    "[orchestration][happy]") {
  HarnessOptions options;
  options.salesforce = true;
  options.stripe = true;
  Harness h(options);

  const std::string account = "001A0000000HAPPY1";
  const std::string product = "01t0000000HAPPY01";
  const std::string opportunity = "006000000HAPPY001";
  REQUIRE(h.Settle(h.Ingest("salesforce", "Account",
                            Account(account, "Happy Path GmbH"))) ==
          v1::RECORD_STATUS_APPLIED);
  REQUIRE(h.Settle(h.Ingest("salesforce", "Product2",
                            SalesforceProduct2(product, "Platform"))) ==
          v1::RECORD_STATUS_APPLIED);
  // Salesforce has no revenue rule: finance sets it on the product.
  h.SetRevenueRule("salesforce", "Product2", product, cv1::REVENUE_RULE_RATABLE,
                   "happy-product-rule");
  int64_t opp = h.Ingest("salesforce", "Opportunity",
                         Opportunity(opportunity, account, product));
  REQUIRE(h.Settle(opp) == v1::RECORD_STATUS_APPLIED);
  const cv1::Contract booked =
      h.ContractOf("salesforce", "Opportunity", opportunity);
  const std::string contract_id = booked.id();
  const std::string customer_id = booked.customer_id();
  REQUIRE(h.WaitQuiet(seconds(90), 1));
  {
    auto booking = h.Workflows(contract_id);
    INFO(h.Explain());
    REQUIRE(booking.size() == 1);
    CHECK(booking[0].kind() == v1::WORKFLOW_KIND_BOOKING);
    CHECK(booking[0].state() == v1::WORKFLOW_STATE_COMPLETED);
  }

  // The Stripe side: the customer (matched to the account), the product,
  // the invoice naming the opportunity.
  REQUIRE(h.Settle(h.Ingest(
              "stripe", "customer",
              absl::StrCat(R"({"id": "cus_Happy01", "object": "customer",
                 "name": "Happy Path GmbH", "email": "ap@happy.example",
                 "currency": "eur", "created": 1734000000,
                 "metadata": {"salesforce_account_id": ")",
                           account, R"("}})"))) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(h.Settle(h.Ingest("stripe", "product",
                            R"({"id": "prod_Happy01", "object": "product",
                                "name": "Platform", "type": "service",
                                "active": true, "created": 1734000000})")) ==
          v1::RECORD_STATUS_APPLIED);
  int64_t inv_record = h.Ingest(
      "stripe", "invoice",
      StripeInvoice("in_Happy01", "cus_Happy01", "prod_Happy01", opportunity));
  REQUIRE(h.Settle(inv_record) == v1::RECORD_STATUS_APPLIED);
  v1::GetInvoiceRequest get_invoice;
  get_invoice.mutable_external_ref()->set_system("stripe");
  get_invoice.mutable_external_ref()->set_object_type("invoice");
  get_invoice.mutable_external_ref()->set_vendor_id("in_Happy01");
  v1::GetInvoiceResponse invoice;
  REQUIRE_GRPC_OK(
      h.Call(&v1::InvoiceService::Stub::GetInvoice, get_invoice, &invoice));
  CHECK(invoice.invoice().contract_id() == contract_id);
  CHECK(invoice.invoice().customer_id() == customer_id);

  REQUIRE(h.WaitQuiet(seconds(90), 2));
  INFO(h.Explain());
  auto workflows = h.Workflows();
  std::set<v1::WorkflowKind> kinds;
  for (const auto& w : workflows) {
    CHECK(w.contract_id() == contract_id);
    CHECK(w.state() == v1::WORKFLOW_STATE_COMPLETED);
    kinds.insert(w.kind());
  }
  CHECK(kinds.count(v1::WORKFLOW_KIND_BOOKING) == 1);
  CHECK(kinds.count(v1::WORKFLOW_KIND_BILLING) == 1);
  CHECK(h.Exceptions(OpenExceptions()).empty());

  int no_eid = 0;
  auto customers = h.emulator().Records("customer", &no_eid);
  CHECK(no_eid == 0);
  REQUIRE(customers.size() == 1);
  CHECK(customers.begin()->first == customer_id);
  auto invoices = h.emulator().Records("invoice", &no_eid);
  CHECK(no_eid == 0);
  REQUIRE(invoices.size() == 1);
  CHECK(invoices.begin()->first == invoice.invoice().id());
  CHECK(Format(ItemsTotal(invoices.begin()->second)) == "12000.00");
  // The invoice names the customer posted (by NetSuite id or external id).
  const Json& entity = invoices.begin()->second["entity"];
  CHECK((entity.value("externalId", "") == customer_id ||
         entity.value("id", "") ==
             customers.begin()->second["id"].get<std::string>()));
  CHECK(h.emulator().Records("creditMemo").empty());

  LedgerReport ledger = h.CheckLedger(contract_id);
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(ledger.live_entries == 12);
  // The booking posted every month against unbilled receivable; the invoice
  // moved each month's debit to deferred revenue: twelve reversals, twelve
  // second revisions.
  CHECK(ledger.reversals == 12);
  CHECK(ledger.postings == 36);
  std::cout << "happy path: " << ledger.postings << " journal postings, "
            << ledger.reversals << " reversals, revenue "
            << Format(-ledger.emulator_net[AccountIds().at("REVENUE")]) << "\n";
  // Only this contract's recognition entries.
  auto journals = h.emulator().Records("journalEntry", &no_eid);
  CHECK(no_eid == 0);
  CHECK(static_cast<int>(journals.size()) == ledger.postings);
  // Revenue for the year: 12,000.00 credited on the revenue account.
  CHECK(Format(-ledger.emulator_net[AccountIds().at("REVENUE")]) == "12000.00");
  // Nothing posted was edited: one body per external id.
  for (const char* type : {"customer", "invoice", "journalEntry"}) {
    for (const auto& [eid, bodies] :
         BodiesByExternalId(h.emulator().Requests(), type)) {
      INFO(type << " " << eid);
      if (std::string(type) != "customer") CHECK(bodies.size() == 1);
    }
  }
}

}  // namespace revhub::testing::orch
