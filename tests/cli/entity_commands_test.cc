// Tests of `revhub customers|products|contracts|invoices|payments
// show|list|upsert`, run in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "canonical/money.h"
#include "hub/cli/entity_format.h"
#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;
using namespace ::revhub::cli::fixtures;  // NOLINT

canon::Customer CustomerNamed(const std::string& id, const std::string& name) {
  canon::Customer customer;
  customer.set_id(id);
  customer.set_version(1);
  customer.set_name(name);
  return customer;
}

TEST_CASE("show (alias get) reads by id, external ref, time or version",
          "[commands]") {
  Harness h;
  hubv1::GetCustomerResponse customer;
  *customer.mutable_customer() = CustomerNamed("cus_1", "Acme Corp");
  h.hub.GetCustomer_answers = {customer, customer, customer};
  hubv1::GetContractResponse contract;
  contract.mutable_contract()->set_id("ctr_1");
  h.hub.GetContract_answers.push_back(contract);

  REQUIRE(h.Run({"customers", "show", "cus_1"}).code == kExitOk);
  CHECK(h.hub.GetCustomer_requests[0].id() == "cus_1");
  CHECK_FALSE(h.hub.GetCustomer_requests[0].has_as_of());
  CHECK(h.hub.GetCustomer_requests[0].version() == 0);

  REQUIRE(h.Run({"customers", "show", "cus_1", "--as-of",
                 "2025-03-01T12:00:00.5+01:00"})
              .code == kExitOk);
  CHECK(h.hub.GetCustomer_requests[1].as_of().seconds() == 1740826800);
  CHECK(h.hub.GetCustomer_requests[1].as_of().nanos() == 500000000);

  Result v = h.Run({"customers", "show", "cus_1", "--version", "4", "--json"});
  REQUIRE(v.code == kExitOk);
  CHECK(h.hub.GetCustomer_requests[2].version() == 4);
  CHECK(nlohmann::json::parse(v.out)["customer"]["name"] == "Acme Corp");

  REQUIRE(h.Run({"contracts", "get", "--ref",
                 "sf-prod:Opportunity:006:with:colons"})
              .code == kExitOk);
  const canon::ExternalRef& ref = h.hub.GetContract_requests[0].external_ref();
  CHECK(ref.system() == "sf-prod");
  CHECK(ref.object_type() == "Opportunity");
  CHECK(ref.vendor_id() == "006:with:colons");
  CHECK(h.hub.GetContract_requests[0].id().empty());
}

TEST_CASE("list sends each entity's filters", "[commands]") {
  Harness h;
  h.hub.ListContracts_answers.push_back(hubv1::ListContractsResponse());
  h.hub.ListInvoices_answers.push_back(hubv1::ListInvoicesResponse());
  h.hub.ListPayments_answers.push_back(hubv1::ListPaymentsResponse());
  h.hub.ListProducts_answers.push_back(hubv1::ListProductsResponse());
  h.hub.ListCustomers_answers.push_back(hubv1::ListCustomersResponse());
  h.hub.ListRecords_answers.push_back(hubv1::ListRecordsResponse());

  Result contracts =
      h.Run({"contracts", "list", "--customer", "cus_1", "--status", "active",
             "--system", "sf-prod", "--legal-entity", "acme-us", "--page-size",
             "50", "--page-token", "abc"});
  REQUIRE(contracts.code == kExitOk);
  CHECK(contracts.out == "no contracts\n");
  const hubv1::ListContractsRequest& c = h.hub.ListContracts_requests[0];
  CHECK(c.customer_id() == "cus_1");
  CHECK(c.status() == canon::CONTRACT_STATUS_ACTIVE);
  CHECK(c.system() == "sf-prod");
  CHECK(c.legal_entity() == "acme-us");
  CHECK(c.page_size() == 50);
  CHECK(c.page_token() == "abc");

  REQUIRE(h.Run({"invoices", "list", "--kind", "credit-note", "--status",
                 "open", "--contract", "ctr_1"})
              .code == kExitOk);
  CHECK(h.hub.ListInvoices_requests[0].kind() ==
        canon::INVOICE_KIND_CREDIT_NOTE);
  CHECK(h.hub.ListInvoices_requests[0].status() == canon::INVOICE_STATUS_OPEN);
  CHECK(h.hub.ListInvoices_requests[0].contract_id() == "ctr_1");

  REQUIRE(h.Run({"payments", "list", "--invoice", "inv_1", "--status",
                 "partially_refunded"})
              .code == kExitOk);
  CHECK(h.hub.ListPayments_requests[0].invoice_id() == "inv_1");
  CHECK(h.hub.ListPayments_requests[0].status() ==
        canon::PAYMENT_STATUS_PARTIALLY_REFUNDED);

  REQUIRE(h.Run({"products", "list", "--revenue-rule", "ratable"}).code ==
          kExitOk);
  CHECK(h.hub.ListProducts_requests[0].revenue_rule() ==
        canon::REVENUE_RULE_RATABLE);

  REQUIRE(h.Run({"customers", "list", "--status", "inactive"}).code == kExitOk);
  CHECK(h.hub.ListCustomers_requests[0].status() ==
        canon::CUSTOMER_STATUS_INACTIVE);

  REQUIRE(h.Run({"records", "list", "--system", "stripe", "--status", "failed",
                 "--object-type", "invoice"})
              .code == kExitOk);
  CHECK(h.hub.ListRecords_requests[0].system() == "stripe");
  CHECK(h.hub.ListRecords_requests[0].status() == hubv1::RECORD_STATUS_FAILED);
  CHECK(h.hub.ListRecords_requests[0].object_type() == "invoice");
}

TEST_CASE("--all-pages follows page tokens into one list", "[commands]") {
  Harness h;
  hubv1::ListCustomersResponse first;
  *first.add_customers() = CustomerNamed("cus_1", "Acme");
  first.set_next_page_token("t1");
  hubv1::ListCustomersResponse second;
  *second.add_customers() = CustomerNamed("cus_2", "Beta");
  second.set_next_page_token("t2");
  hubv1::ListCustomersResponse last;
  *last.add_customers() = CustomerNamed("cus_3", "Gamma");

  SECTION("human: one table") {
    h.hub.ListCustomers_answers = {first, second, last};
    Result r = h.Run({"customers", "list", "--all-pages", "--page-size", "1"});
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.ListCustomers_requests.size() == 3);
    CHECK(h.hub.ListCustomers_requests[0].page_token().empty());
    CHECK(h.hub.ListCustomers_requests[1].page_token() == "t1");
    CHECK(h.hub.ListCustomers_requests[2].page_token() == "t2");
    CHECK(h.hub.ListCustomers_requests[2].page_size() == 1);
    CHECK_THAT(r.out, Catch::StartsWith("ID     VERSION  NAME   STATUS"));
    CHECK_THAT(r.out, Catch::Contains("\ncus_3        1  Gamma  -"));
    CHECK_THAT(r.out, !Catch::Contains("more:"));
  }
  SECTION("json: one object with every item") {
    h.hub.ListCustomers_answers = {first, second, last};
    Result r = h.Run({"customers", "list", "--all-pages", "--json"});
    REQUIRE(r.code == kExitOk);
    nlohmann::json json = nlohmann::json::parse(r.out);
    REQUIRE(json["customers"].size() == 3);
    CHECK(json["customers"][2]["id"] == "cus_3");
    CHECK(json["nextPageToken"] == "");
  }
  SECTION("one page tells how to get the next") {
    h.hub.ListCustomers_answers = {first, first};
    Result r = h.Run({"customers", "list"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.ListCustomers_requests.size() == 1);
    CHECK_THAT(r.out,
               Catch::EndsWith("\nmore: --page-token t1 (or --all-pages)\n"));
    Result json = h.Run({"customers", "list", "--json"});
    CHECK(nlohmann::json::parse(json.out)["nextPageToken"] == "t1");
  }
  SECTION("a hub error on a later page is reported") {
    h.hub.ListCustomers_answers = {
        first, absl::InvalidArgumentError("page_token: is not valid")};
    Result r = h.Run({"customers", "list", "--all-pages"});
    CHECK(r.code == kExitServerError);
    CHECK(r.out.empty());
    CHECK(r.err == "revhub: INVALID_ARGUMENT: page_token: is not valid\n");
  }
}

TEST_CASE("upsert sends the entity JSON with key and version", "[commands]") {
  Harness h;
  TempFile file("customer.json", R"({
    "name": "Acme Corp",
    "currencyCode": "USD",
    "status": "CUSTOMER_STATUS_ACTIVE",
    "external_refs": [{"system": "sf-prod", "objectType": "Account",
                       "vendorId": "001A"}]
  })");
  hubv1::UpsertCustomerResponse answer;
  *answer.mutable_customer() = CustomerNamed("cus_9", "Acme Corp");
  answer.set_changed(true);
  answer.set_event_position(12);
  h.hub.UpsertCustomer_answers = {answer, answer};

  Result r = h.Run({"customers", "upsert", file.path(), "--idempotency-key",
                    "k-1", "--expected-version", "0", "--source-system",
                    "sf-prod", "--correlation-id", "corr-1"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const hubv1::UpsertCustomerRequest& sent = h.hub.UpsertCustomer_requests[0];
  CHECK(sent.customer().name() == "Acme Corp");
  CHECK(sent.customer().currency_code() == "USD");
  CHECK(sent.customer().status() == canon::CUSTOMER_STATUS_ACTIVE);
  CHECK(sent.customer().external_refs(0).vendor_id() == "001A");
  CHECK(sent.idempotency_key() == "k-1");
  CHECK(sent.has_expected_version());
  CHECK(sent.expected_version() == 0);
  CHECK(sent.source_system() == "sf-prod");
  CHECK(sent.correlation_id() == "corr-1");
  CHECK_THAT(r.out,
             Catch::StartsWith("customer cus_9 version 1 (changed), event 12\n"
                               "\nid:"));

  // Without --expected-version the field is absent, not 0.
  h.stdin_text = R"({"name": "Acme Corp"})";
  REQUIRE(
      h.Run({"customers", "upsert", "-", "--idempotency-key", "k-2"}).code ==
      kExitOk);
  CHECK_FALSE(h.hub.UpsertCustomer_requests[1].has_expected_version());
  CHECK(h.hub.UpsertCustomer_requests[1].customer().name() == "Acme Corp");
}

TEST_CASE("upsert refuses JSON that is not the entity", "[commands]") {
  Harness h;
  TempFile file("contract.json", R"({"customerId": "cus_1", "colour": "red"})");
  Result r =
      h.Run({"contracts", "upsert", file.path(), "--idempotency-key", "k"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err,
             Catch::StartsWith("revhub: INVALID_ARGUMENT: " + file.path() +
                               ": not a valid revhub.canonical.v1.Contract "
                               "in JSON"));
  CHECK(h.hub.calls == 0);
}

TEST_CASE("contract upsert keeps money exact", "[commands]") {
  Harness h;
  TempFile file("contract.json", R"({
    "customerId": "cus_1", "currencyCode": "USD",
    "lines": [{"lineId": "l1", "quantity": {"units": "3"},
               "unitPrice": {"currencyCode": "USD",
                             "units": "90071992547409", "nanos": 930000000}}]
  })");
  hubv1::UpsertContractResponse answer;
  answer.mutable_contract()->set_id("ctr_1");
  answer.set_replayed(true);
  h.hub.UpsertContract_answers.push_back(answer);
  Result r =
      h.Run({"contracts", "upsert", file.path(), "--idempotency-key", "k"});
  REQUIRE(r.code == kExitOk);
  const canon::Money& price =
      h.hub.UpsertContract_requests[0].contract().lines(0).unit_price();
  CHECK(FormatMoney(price) == "90071992547409.93 USD");
  CHECK_THAT(r.out, Catch::StartsWith(
                        "contract ctr_1 version 0 (replayed: earlier answer)"));
}

TEST_CASE("Invoice list shows exact totals, right-aligned", "[format]") {
  hubv1::ListInvoicesResponse page;
  canon::Invoice* first = page.add_invoices();
  first->set_id("inv_1");
  first->set_version(2);
  first->set_invoice_number("INV-0001");
  first->set_kind(canon::INVOICE_KIND_INVOICE);
  first->set_status(canon::INVOICE_STATUS_OPEN);
  first->set_customer_id("cus_1");
  *first->mutable_total() = MoneyOf("12000", "USD");
  *first->mutable_amount_remaining() = MoneyOf("11999.99", "USD");
  *first->mutable_issued_at() = At(1735689600);
  canon::Invoice* second = page.add_invoices();
  second->set_id("inv_2");
  second->set_version(1);
  second->set_kind(canon::INVOICE_KIND_CREDIT_NOTE);
  second->set_status(canon::INVOICE_STATUS_DRAFT);
  second->set_customer_id("cus_1");
  *second->mutable_total() = MoneyOf("7", "JPY");
  CHECK(RenderInvoiceTable(page) ==
        "ID     VERSION  NUMBER    KIND         STATUS  CUSTOMER         TOTAL"
        "    AMOUNT DUE  ISSUED\n"
        "inv_1        2  INV-0001  invoice      open    cus_1     12000.00 USD"
        "  11999.99 USD  2025-01-01T00:00:00Z\n"
        "inv_2        1  -         credit_note  draft   cus_1            7 JPY"
        "             -  -\n");
}

TEST_CASE("Contract detail lists its lines with exact prices", "[format]") {
  canon::Contract contract;
  contract.set_id("ctr_1");
  contract.set_version(3);
  contract.set_customer_id("cus_1");
  contract.set_status(canon::CONTRACT_STATUS_ACTIVE);
  contract.set_currency_code("EUR");
  canon::ContractLine* line = contract.add_lines();
  line->set_line_id("l1");
  line->set_product_id("prd_1");
  line->mutable_quantity()->set_units(12);
  *line->mutable_unit_price() = MoneyOf("99.99", "EUR");
  line->mutable_discount_percent()->set_units(10);
  *line->mutable_service_period()->mutable_start_time() = At(1735689600);
  *line->mutable_service_period()->mutable_end_time() = At(1767225600);
  std::string text = RenderContract(contract);
  CHECK_THAT(text, Catch::Contains("status:            active\n"));
  CHECK_THAT(text, Catch::Contains(
                       "  l1    prd_1          12   99.99 EUR       10%  -"
                       "     2025-01-01T00:00:00Z .. 2026-01-01T00:00:00Z\n"));
}

}  // namespace
}  // namespace revhub::cli
