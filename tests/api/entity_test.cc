#include <thread>

#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

v1::UpsertContractRequest ContractRequest(const std::string& customer_id) {
  auto req = Text<v1::UpsertContractRequest>(R"pb(
    contract {
      status: CONTRACT_STATUS_ACTIVE
      currency_code: "USD"
      contract_number: "C-1001"
      external_refs {
        system: "sf"
        object_type: "Opportunity"
        vendor_id: "006A"
      }
      lines {
        line_id: "L1"
        quantity { units: 10 }
        unit_price { currency_code: "USD" units: 120 }
        service_period {
          start_time { seconds: 1735689600 }
          end_time { seconds: 1767225600 }
        }
      }
    }
    idempotency_key: "book-1"
  )pb");
  req.mutable_contract()->set_customer_id(customer_id);
  return req;
}

TEST_CASE("upsert creates, changes and keeps every version", "[entities]") {
  Hub hub;
  auto created = CreateCustomer(hub, "Acme Corp", "c-1");
  CHECK(created.id().rfind("cus_", 0) == 0);
  CHECK(created.version() == 1);
  CHECK(created.has_recorded_at());

  v1::UpsertCustomerRequest change;
  *change.mutable_customer() = created;
  change.mutable_customer()->clear_version();
  change.mutable_customer()->clear_recorded_at();
  change.mutable_customer()->set_name("Acme Corporation");
  change.set_idempotency_key("c-2");
  v1::UpsertCustomerResponse changed;
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), change, &changed).ok());
  CHECK(changed.changed());
  CHECK(changed.customer().version() == 2);
  CHECK(changed.customer().name() == "Acme Corporation");

  SECTION("the same content again writes nothing") {
    change.set_idempotency_key("c-3");
    v1::UpsertCustomerResponse same;
    REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), change, &same).ok());
    CHECK_FALSE(same.changed());
    CHECK(same.customer().version() == 2);
    CHECK(same.event_position() == 0);
  }
  SECTION("get by version and as of a recorded time") {
    v1::GetCustomerRequest g;
    g.set_id(created.id());
    g.set_version(1);
    v1::GetCustomerResponse v1resp;
    REQUIRE(hub.customers->GetCustomer(Ctx().get(), g, &v1resp).ok());
    CHECK(v1resp.customer().name() == "Acme Corp");

    v1::GetCustomerRequest at;
    at.set_id(created.id());
    *at.mutable_as_of() = created.recorded_at();
    v1::GetCustomerResponse then;
    REQUIRE(hub.customers->GetCustomer(Ctx().get(), at, &then).ok());
    CHECK(then.customer().version() == 1);

    at.mutable_as_of()->set_seconds(created.recorded_at().seconds() - 60);
    auto st = hub.customers->GetCustomer(Ctx().get(), at, &then);
    CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(st.error_message().find("did not exist at") != std::string::npos);

    v1::GetCustomerRequest now;
    now.set_id(created.id());
    v1::GetCustomerResponse current;
    REQUIRE(hub.customers->GetCustomer(Ctx().get(), now, &current).ok());
    CHECK(current.customer().version() == 2);
  }
  SECTION("versions and as-of reads survive a restart") {
    hub.Restart();
    v1::GetCustomerRequest at;
    at.set_id(created.id());
    *at.mutable_as_of() = created.recorded_at();
    v1::GetCustomerResponse then;
    REQUIRE(hub.customers->GetCustomer(Ctx().get(), at, &then).ok());
    CHECK(then.customer().name() == "Acme Corp");
  }
}

TEST_CASE(
    "idempotency keys replay the first answer and refuse a different request",
    "[entities]") {
  Hub hub;
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name("Globex");
  req.set_idempotency_key("k-1");
  v1::UpsertCustomerResponse first, second;
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &first).ok());
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &second).ok());
  CHECK(second.replayed());
  CHECK_FALSE(first.replayed());
  CHECK(second.customer().id() ==
        first.customer().id());  // one customer, not two
  CHECK(second.event_position() == first.event_position());

  req.mutable_customer()->set_name("Globex Inc");
  v1::UpsertCustomerResponse third;
  auto st = hub.customers->UpsertCustomer(Ctx().get(), req, &third);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() ==
        "idempotency_key: \"k-1\" was already used for a different customer "
        "upsert");

  v1::ListCustomersResponse all;
  REQUIRE(hub.customers
              ->ListCustomers(Ctx().get(), v1::ListCustomersRequest(), &all)
              .ok());
  CHECK(all.customers_size() == 1);
}

TEST_CASE("expected_version guards concurrent changes", "[entities]") {
  Hub hub;
  auto c = CreateCustomer(hub, "Initech", "i-1");
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_id(c.id());
  req.mutable_customer()->set_name("Initech LLC");
  req.set_expected_version(3);
  v1::UpsertCustomerResponse resp;
  auto st = hub.customers->UpsertCustomer(Ctx().get(), req, &resp);
  CHECK(st.error_code() == grpc::StatusCode::ABORTED);
  CHECK(st.error_message() ==
        "customer " + c.id() + " is at version 1, expected_version was 3");
  req.set_expected_version(1);
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &resp).ok());
  CHECK(resp.customer().version() == 2);

  v1::UpsertCustomerRequest create_only;
  create_only.mutable_customer()->set_name("New");
  create_only.mutable_customer()->add_external_refs()->set_system("sf");
  create_only.mutable_customer()->mutable_external_refs(0)->set_object_type(
      "Account");
  create_only.mutable_customer()->mutable_external_refs(0)->set_vendor_id(
      "001X");
  create_only.set_expected_version(0);
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), create_only, &resp).ok());
  st = hub.customers->UpsertCustomer(Ctx().get(), create_only, &resp);
  CHECK(st.error_code() == grpc::StatusCode::ABORTED);  // exists now

  v1::UpsertCustomerRequest unknown;
  unknown.mutable_customer()->set_id("cus_nope");
  unknown.mutable_customer()->set_name("X");
  st = hub.customers->UpsertCustomer(Ctx().get(), unknown, &resp);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(st.error_message().rfind("customer.id: no customer \"cus_nope\"", 0) ==
        0);
}

TEST_CASE("external refs resolve to one entity and merge across systems",
          "[entities]") {
  Hub hub;
  auto req = Text<v1::UpsertCustomerRequest>(R"pb(
    customer {
      name: "Umbrella"
      external_refs { system: "sf" object_type: "Account" vendor_id: "001U" }
    }
  )pb");
  v1::UpsertCustomerResponse a, b;
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &a).ok());
  // The same customer as Stripe knows it, linked through the Salesforce ref.
  auto req2 = Text<v1::UpsertCustomerRequest>(R"pb(
    customer {
      name: "Umbrella"
      email: "ar@umbrella.example"
      external_refs { system: "sf" object_type: "Account" vendor_id: "001U" }
      external_refs {
        system: "stripe"
        object_type: "customer"
        vendor_id: "cus_U"
      }
    }
  )pb");
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req2, &b).ok());
  CHECK(b.customer().id() == a.customer().id());
  CHECK(b.customer().external_refs_size() == 2);

  v1::GetCustomerRequest by_ref;
  by_ref.mutable_external_ref()->set_system("stripe");
  by_ref.mutable_external_ref()->set_object_type("customer");
  by_ref.mutable_external_ref()->set_vendor_id("cus_U");
  v1::GetCustomerResponse got;
  REQUIRE(hub.customers->GetCustomer(Ctx().get(), by_ref, &got).ok());
  CHECK(got.customer().id() == a.customer().id());

  // A later Stripe-only change keeps the Salesforce ref.
  auto req3 = Text<v1::UpsertCustomerRequest>(R"pb(
    customer {
      name: "Umbrella Corp"
      external_refs {
        system: "stripe"
        object_type: "customer"
        vendor_id: "cus_U"
      }
    }
  )pb");
  v1::UpsertCustomerResponse c;
  REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req3, &c).ok());
  CHECK(c.customer().id() == a.customer().id());
  CHECK(c.customer().external_refs_size() == 2);

  v1::ListCustomersRequest by_system;
  by_system.set_system("stripe");
  v1::ListCustomersResponse listed;
  REQUIRE(hub.customers->ListCustomers(Ctx().get(), by_system, &listed).ok());
  CHECK(listed.customers_size() == 1);
}

TEST_CASE("contracts, invoices and payments with references and filters",
          "[entities]") {
  Hub hub;
  auto acme = CreateCustomer(hub, "Acme", "a");
  auto other = CreateCustomer(hub, "Other", "o");
  v1::UpsertContractResponse booked;
  auto creq = ContractRequest(acme.id());
  auto st = hub.contracts->UpsertContract(Ctx().get(), creq, &booked);
  REQUIRE(st.error_message() == "");
  CHECK(booked.contract().id().rfind("ctr_", 0) == 0);

  auto ireq = Text<v1::UpsertInvoiceRequest>(R"pb(
    invoice {
      kind: INVOICE_KIND_INVOICE
      status: INVOICE_STATUS_OPEN
      currency_code: "USD"
      lines {
        amount { currency_code: "USD" units: 1200 }
        contract_line_id: "L1"
      }
      subtotal { currency_code: "USD" units: 1200 }
      total { currency_code: "USD" units: 1200 }
    }
    idempotency_key: "inv-1"
  )pb");
  ireq.mutable_invoice()->set_customer_id(acme.id());
  ireq.mutable_invoice()->set_contract_id(booked.contract().id());
  v1::UpsertInvoiceResponse inv;
  REQUIRE(hub.invoices->UpsertInvoice(Ctx().get(), ireq, &inv).ok());

  SECTION("an invoice must match its contract's currency and customer") {
    auto bad = ireq;
    bad.set_idempotency_key("inv-2");
    bad.mutable_invoice()->set_customer_id(other.id());
    v1::UpsertInvoiceResponse r;
    st = hub.invoices->UpsertInvoice(Ctx().get(), bad, &r);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "invoice.customer_id: is " + other.id() +
                                    " but contract " + booked.contract().id() +
                                    " belongs to " + acme.id());
  }
  SECTION("references must exist") {
    auto bad = creq;
    bad.set_idempotency_key("book-2");
    bad.mutable_contract()->clear_external_refs();
    bad.mutable_contract()->set_customer_id("cus_missing");
    v1::UpsertContractResponse r;
    st = hub.contracts->UpsertContract(Ctx().get(), bad, &r);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "contract.customer_id: no customer with id \"cus_missing\"");
  }
  SECTION("payments allocate to invoices and list by invoice") {
    auto preq = Text<v1::UpsertPaymentRequest>(R"pb(
      payment {
        amount { currency_code: "USD" units: 1200 }
        status: PAYMENT_STATUS_SUCCEEDED
      }
    )pb");
    preq.mutable_payment()->set_customer_id(acme.id());
    auto* a = preq.mutable_payment()->add_allocations();
    a->set_invoice_id(inv.invoice().id());
    a->mutable_amount()->set_currency_code("USD");
    a->mutable_amount()->set_units(1200);
    v1::UpsertPaymentResponse pay;
    REQUIRE(hub.payments->UpsertPayment(Ctx().get(), preq, &pay).ok());
    v1::ListPaymentsRequest by_invoice;
    by_invoice.set_invoice_id(inv.invoice().id());
    v1::ListPaymentsResponse found;
    REQUIRE(hub.payments->ListPayments(Ctx().get(), by_invoice, &found).ok());
    REQUIRE(found.payments_size() == 1);
    CHECK(found.payments(0).id() == pay.payment().id());
  }
  SECTION("list filters and pages") {
    for (int i = 0; i < 5; ++i) {
      auto r = ContractRequest(i % 2 ? other.id() : acme.id());
      r.mutable_contract()->clear_external_refs();
      r.set_idempotency_key("bulk-" + std::to_string(i));
      if (i == 4) r.mutable_contract()->set_status(cv1::CONTRACT_STATUS_DRAFT);
      v1::UpsertContractResponse ignored;
      REQUIRE(hub.contracts->UpsertContract(Ctx().get(), r, &ignored).ok());
    }
    v1::ListContractsRequest l;
    l.set_customer_id(acme.id());
    l.set_status(cv1::CONTRACT_STATUS_ACTIVE);
    v1::ListContractsResponse active;
    REQUIRE(hub.contracts->ListContracts(Ctx().get(), l, &active).ok());
    CHECK(active.contracts_size() == 3);  // the booked one and bulk-0, bulk-2

    v1::ListContractsRequest paged;
    paged.set_page_size(2);
    int seen = 0;
    std::set<std::string> ids;
    do {
      v1::ListContractsResponse page;
      REQUIRE(hub.contracts->ListContracts(Ctx().get(), paged, &page).ok());
      for (const auto& c : page.contracts()) ids.insert(c.id());
      seen += page.contracts_size();
      paged.set_page_token(page.next_page_token());
    } while (!paged.page_token().empty());
    CHECK(seen == 6);
    CHECK(ids.size() == 6);

    paged.set_page_size(501);
    v1::ListContractsResponse r;
    st = hub.contracts->ListContracts(Ctx().get(), paged, &r);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "page_size: must be between 0 and 500, got 501");
  }
}

TEST_CASE("every validation rule reaches the caller with its field path",
          "[entities]") {
  Hub hub;
  auto acme = CreateCustomer(hub, "Acme", "a");
  auto refuse = [&](auto mutate) {
    auto req = ContractRequest(acme.id());
    req.mutable_contract()->clear_external_refs();
    mutate(req.mutable_contract());
    v1::UpsertContractResponse r;
    auto st = hub.contracts->UpsertContract(Ctx().get(), req, &r);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    return st.error_message();
  };
  CHECK(refuse([](cv1::Contract* c) { c->set_currency_code("EURO"); }) ==
        "contract.currency_code: unknown ISO 4217 currency \"EURO\" (codes are "
        "upper case, e.g. USD)");
  CHECK(refuse([](cv1::Contract* c) {
          c->mutable_lines(0)->mutable_quantity()->set_units(-1);
        }) ==
        "contract.lines[0].quantity: must not be negative (got -1) unless the "
        "line is a downgrade");
  CHECK(refuse([](cv1::Contract* c) {
          c->mutable_lines(0)
              ->mutable_service_period()
              ->mutable_end_time()
              ->set_seconds(1700000000);
        })
            .rfind("contract.lines[0].service_period.end_time: must be after "
                   "start_time",
                   0) == 0);
  CHECK(refuse([](cv1::Contract* c) {
          c->mutable_lines(0)->mutable_unit_price()->set_currency_code("GBP");
        }) == "contract.lines[0].unit_price: is in GBP but must be in USD");
  CHECK(refuse([](cv1::Contract* c) { c->set_version(7); })
            .rfind("contract.version: version and recorded_at are assigned by "
                   "the hub",
                   0) == 0);

  // Nothing refused was stored, and what was accepted before is intact.
  v1::ListContractsResponse all;
  REQUIRE(hub.contracts
              ->ListContracts(Ctx().get(), v1::ListContractsRequest(), &all)
              .ok());
  CHECK(all.contracts_size() == 0);
  v1::GetCustomerRequest g;
  g.set_id(acme.id());
  v1::GetCustomerResponse still;
  REQUIRE(hub.customers->GetCustomer(Ctx().get(), g, &still).ok());
}

TEST_CASE("concurrent upserts of distinct customers all land", "[entities]") {
  Hub hub;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        v1::UpsertCustomerRequest req;
        req.mutable_customer()->set_name("C" + std::to_string(t) + "-" +
                                         std::to_string(i));
        req.set_idempotency_key("k" + std::to_string(t) + "-" +
                                std::to_string(i));
        v1::UpsertCustomerResponse resp;
        if (!hub.customers->UpsertCustomer(Ctx().get(), req, &resp).ok())
          failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  v1::ListCustomersRequest l;
  l.set_page_size(500);
  v1::ListCustomersResponse all;
  REQUIRE(hub.customers->ListCustomers(Ctx().get(), l, &all).ok());
  CHECK(all.customers_size() == 200);
}

}  // namespace
}  // namespace revhub::testing
