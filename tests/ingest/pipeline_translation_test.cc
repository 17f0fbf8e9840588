// The ingest pipeline end to end, translation: Salesforce accounts and
// opportunities become customers and contracts with their business events,
// matching rules join a Stripe customer to its Salesforce account, a record
// that fails is replayed once fixed, and one that arrives before what it
// refers to waits for it.

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/ingest/pipeline_fixture.h"

namespace revhub::testing {
namespace {

using std::chrono::seconds;

TEST_CASE(
    "a Salesforce account and closed-won opportunity become a customer "
    "and an ACTIVE contract with ContractBooked; a later version is an "
    "amendment",
    "[pipeline]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  int64_t account = hub.Ingest("salesforce", "Account",
                               Account("001A00000000001AAA", "Acme GmbH"));
  int64_t product =
      hub.Ingest("salesforce", "Product2",
                 SalesforceProduct2("01t000000000001AAA", "Platform Seat"));
  int64_t opp =
      hub.Ingest("salesforce", "Opportunity",
                 Opportunity("006000000000001AAA", "001A00000000001AAA",
                             "01t000000000001AAA", 3));
  REQUIRE(hub.Settle(account) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(hub.Settle(product) == v1::RECORD_STATUS_APPLIED);
  INFO(hub.Explain(opp));
  REQUIRE(hub.Settle(opp) == v1::RECORD_STATUS_APPLIED);

  cv1::Customer customer =
      hub.CustomerByRef("salesforce", "Account", "001A00000000001AAA");
  CHECK(customer.name() == "Acme GmbH");
  CHECK(customer.version() == 1);

  v1::GetContractRequest get;
  get.mutable_external_ref()->set_system("salesforce");
  get.mutable_external_ref()->set_object_type("Opportunity");
  get.mutable_external_ref()->set_vendor_id("006000000000001AAA");
  v1::GetContractResponse got;
  REQUIRE(hub.contracts->GetContract(Ctx().get(), get, &got).ok());
  const cv1::Contract contract =
      got.contract();  // a copy: `got` is reused below
  CHECK(contract.status() == cv1::CONTRACT_STATUS_ACTIVE);
  CHECK(contract.customer_id() == customer.id());
  CHECK(contract.currency_code() == "EUR");
  REQUIRE(contract.lines_size() == 1);
  CHECK_FALSE(contract.lines(0).product_id().empty());
  CHECK(contract.lines(0).unit_price().units() == 1200);
  CHECK(contract.lines(0).unit_price().nanos() == 500000000);

  auto booked = hub.Events(cv1::EVENT_TYPE_CONTRACT_BOOKED);
  REQUIRE(CountOf(booked, contract.id()) == 1);
  for (const auto& e : booked) {
    if (e.subject().id() != contract.id()) continue;
    CHECK(e.source_system() == "salesforce");
    CHECK(e.correlation_id() == absl::StrCat("record:", opp));
  }

  // The same opportunity, booked again with 5 seats: the adapter says
  // "booked", the hub knows the contract is ACTIVE: an amendment.
  int64_t again =
      hub.Ingest("salesforce", "Opportunity",
                 Opportunity("006000000000001AAA", "001A00000000001AAA",
                             "01t000000000001AAA", 5));
  REQUIRE(hub.Settle(again) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(hub.contracts->GetContract(Ctx().get(), get, &got).ok());
  CHECK(got.contract().version() == 2);
  CHECK(got.contract().lines(0).quantity().units() == 5);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_CONTRACT_AMENDED), contract.id()) ==
        1);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_CONTRACT_BOOKED), contract.id()) ==
        1);

  // Describe goes through the running adapter process.
  auto described = hub.Describe("salesforce");
  CHECK(described.description().adapter_name() == "salesforce");
  CHECK(described.process().pid() > 0);
}

TEST_CASE(
    "matching rules make the same customer from Stripe one customer "
    "with both refs",
    "[pipeline][matching]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "",
               R"(matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                    field: "attributes.metadata.salesforce_account_id"
                    ref_system: "salesforce" ref_object_type: "Account" }
                  matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                    field: "email" }
                  matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                    field: "attributes.metadata.vat" match_field: "tax_id" })");
  REQUIRE(hub.Settle(hub.Ingest("salesforce", "Account",
                                Account("001A00000000009AAA", "Acme GmbH"))) ==
          v1::RECORD_STATUS_APPLIED);
  cv1::Customer sf =
      hub.CustomerByRef("salesforce", "Account", "001A00000000009AAA");

  // By the Salesforce id the Stripe customer carries in its metadata.
  int64_t stripe_record = hub.Ingest(
      "stripe", "customer",
      R"({"id": "cus_Acme01", "object": "customer", "name": "Acme GmbH",
          "email": "ap@acme.example", "currency": "eur", "created": 1740000000,
          "metadata": {"salesforce_account_id": "001A00000000009AAA"}})");
  REQUIRE(hub.Settle(stripe_record) == v1::RECORD_STATUS_APPLIED);
  cv1::Customer st = hub.CustomerByRef("stripe", "customer", "cus_Acme01");
  CHECK(st.id() == sf.id());
  std::set<std::string> refs;
  for (const auto& r : st.external_refs())
    refs.insert(r.system() + "/" + r.object_type() + "/" + r.vendor_id());
  CHECK(refs == std::set<std::string>{"salesforce/Account/001A00000000009AAA",
                                      "stripe/customer/cus_Acme01"});

  // By email (case-insensitive), against a customer created through the API.
  cv1::Customer beta;
  {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Beta Ltd");
    req.mutable_customer()->set_email("Billing@Beta.example");
    v1::UpsertCustomerResponse resp;
    REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &resp).ok());
    beta = resp.customer();
  }
  REQUIRE(hub.Settle(hub.Ingest("stripe", "customer",
                                R"({"id": "cus_Beta01", "object": "customer",
                  "email": "billing@beta.example", "created": 1740000000})")) ==
          v1::RECORD_STATUS_APPLIED);
  CHECK(hub.CustomerByRef("stripe", "customer", "cus_Beta01").id() ==
        beta.id());

  // A vendor attribute against another field: Stripe metadata.vat = tax_id.
  cv1::Customer zeta;
  {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Zeta GmbH");
    req.mutable_customer()->set_tax_id("DE811907980");
    v1::UpsertCustomerResponse resp;
    REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &resp).ok());
    zeta = resp.customer();
  }
  REQUIRE(hub.Settle(hub.Ingest(
              "stripe", "customer",
              R"({"id": "cus_Zeta01", "object": "customer", "name": "Zeta",
                  "metadata": {"vat": " DE811907980 "},
                  "created": 1740000000})")) == v1::RECORD_STATUS_APPLIED);
  CHECK(hub.CustomerByRef("stripe", "customer", "cus_Zeta01").id() ==
        zeta.id());

  // No rule matches: a new customer.
  REQUIRE(hub.Settle(hub.Ingest("stripe", "customer",
                                R"({"id": "cus_Gamma1", "object": "customer",
                  "email": "gamma@gamma.example", "created": 1740000000})")) ==
          v1::RECORD_STATUS_APPLIED);
  CHECK(hub.AllCustomers().size() == 4);
}

TEST_CASE(
    "a broken field fails the record with an exception and a replay after "
    "the fix applies it once; a missing reference waits and applies by "
    "itself",
    "[pipeline][replay]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  // A vendor field of the wrong type.
  int64_t broken = hub.Ingest(
      "salesforce", "Account",
      R"({"attributes": {"type": "Account"}, "Id": "001B00000000001AAA",
          "Name": 42})");
  REQUIRE(hub.Settle(broken) == v1::RECORD_STATUS_FAILED);
  auto shown = hub.Show(broken);
  REQUIRE(shown.exceptions_size() == 1);
  CHECK(shown.exceptions(0).field_path() == "Name");
  CHECK(shown.exceptions(0).system() == "salesforce");
  CHECK(shown.exceptions(0).record_id() == broken);
  CHECK_THAT(shown.exceptions(0).reason(), Catch::Contains("string"));
  CHECK_FALSE(shown.exceptions(0).has_resolved_at());
  // The raw record is kept as received.
  CHECK(hub.Record(broken).payload().find("\"Name\": 42") != std::string::npos);

  // Not JSON at all.
  int64_t garbage = hub.Ingest("salesforce", "Account", "{\"Id\": \"001");
  REQUIRE(hub.Settle(garbage) == v1::RECORD_STATUS_FAILED);
  REQUIRE(hub.Show(garbage).exceptions_size() == 1);
  CHECK_FALSE(hub.Show(garbage).exceptions(0).reason().empty());

  // An opportunity whose product the hub does not know yet waits for it,
  // naming the canonical field and the product, with no exception.
  REQUIRE(hub.Settle(hub.Ingest("salesforce", "Account",
                                Account("001C00000000001AAA", "Gamma AG"))) ==
          v1::RECORD_STATUS_APPLIED);
  int64_t opp =
      hub.Ingest("salesforce", "Opportunity",
                 Opportunity("006C00000000001AAA", "001C00000000001AAA",
                             "01tC00000000001AAA", 2));
  REQUIRE(hub.Settle(opp) == v1::RECORD_STATUS_WAITING);
  v1::RawRecord waiting = hub.Record(opp);
  CHECK_THAT(waiting.status_reason(),
             Catch::Contains("contract.lines[0].product_id"));
  CHECK_THAT(waiting.status_reason(),
             Catch::Contains("salesforce/Product2/01tC00000000001AAA"));
  CHECK(waiting.waiting_for_type() == cv1::ENTITY_TYPE_PRODUCT);
  CHECK(waiting.waiting_for().vendor_id() == "01tC00000000001AAA");
  CHECK(hub.Show(opp).exceptions_size() == 0);
  // Other records went on.
  int64_t other = hub.Ingest("salesforce", "Account",
                             Account("001C00000000002AAA", "Delta SA"));
  REQUIRE(hub.Settle(other) == v1::RECORD_STATUS_APPLIED);

  // The missing product arrives; the contract is applied without a replay.
  REQUIRE(hub.Settle(
              hub.Ingest("salesforce", "Product2",
                         SalesforceProduct2("01tC00000000001AAA", "Seat"))) ==
          v1::RECORD_STATUS_APPLIED);
  INFO(hub.Explain(opp));
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (hub.Record(opp).status() != v1::RECORD_STATUS_APPLIED &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(hub.Record(opp).status() == v1::RECORD_STATUS_APPLIED);
  CHECK(hub.Show(opp).exceptions_size() == 0);
  v1::ReplayOutcome first = hub.Replay(opp);
  CHECK(first.status() == v1::RECORD_STATUS_APPLIED);
  CHECK(first.entities_changed() == 0);

  // A second replay, and replaying everything FAILED, duplicate nothing.
  v1::ReplayOutcome second = hub.Replay(opp);
  CHECK(second.status() == v1::RECORD_STATUS_APPLIED);
  CHECK(second.entities_changed() == 0);
  v1::ReplayFailedRecordsRequest all;
  all.set_system("salesforce");
  v1::ReplayFailedRecordsResponse all_resp;
  REQUIRE(hub.pipeline->ReplayFailedRecords(Ctx().get(), all, &all_resp).ok());
  // Only the broken account and the garbage are FAILED.
  CHECK(all_resp.outcomes_size() == 2);
  CHECK(all_resp.failed() == 2);
  CHECK(hub.Show(broken).exceptions_size() == 2);

  v1::ListContractsRequest list;
  v1::ListContractsResponse contracts;
  REQUIRE(hub.contracts->ListContracts(Ctx().get(), list, &contracts).ok());
  REQUIRE(contracts.contracts_size() == 1);
  CHECK(contracts.contracts(0).version() == 1);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_CONTRACT_BOOKED),
                contracts.contracts(0).id()) == 1);
}

}  // namespace
}  // namespace revhub::testing
