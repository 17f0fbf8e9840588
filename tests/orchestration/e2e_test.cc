// Orchestration end to end: a real revhubd runs its workflows through the
// real NetSuite adapter against the NetSuite emulator. What the emulator
// holds at the end is compared with what the hub says should be there:
// each posting exactly once, ledgers netting to the hub's figures, every
// failure an exception with an owner, nothing posted ever edited.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/orchestration/orchestration_harness.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

constexpr char kRejection[] = R"({
  "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
  "title": "Bad Request", "status": 400,
  "o:errorDetails": [{"detail": "The accounting period is closed.",
                      "o:errorCode": "ACCOUNTING_PERIOD_CLOSED",
                      "o:errorPath": "tranDate"}]})";

std::string Account(const std::string& id, const std::string& name) {
  return absl::StrCat(
      R"({"attributes": {"type": "Account"}, "Id": ")", id, R"(", "Name": ")",
      name, R"(", "CurrencyIsoCode": "EUR", "AccountNumber": "AN-)", id,
      R"(", "SystemModstamp": "2024-12-01T10:00:00.000+0000"})");
}

std::string Product2(const std::string& id, const std::string& name) {
  return absl::StrCat(R"({"attributes": {"type": "Product2"}, "Id": ")", id,
                      R"(", "Name": ")", name, R"(", "ProductCode": "SKU-)", id,
                      R"(", "IsActive": true})");
}

// Closed Won, one line of 12,000.00 EUR over the whole of 2025.
std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product) {
  return absl::StrCat(
      R"({"attributes": {"type": "Opportunity"}, "Id": ")", id,
      R"(", "Name": "Platform 2025", "AccountId": ")", account,
      R"(", "StageName": "Closed Won", "IsWon": true, "IsClosed": true,
      "CloseDate": "2024-12-20", "CurrencyIsoCode": "EUR", "Type": "New Business",
      "SystemModstamp": "2024-12-20T16:02:11.000+0000",
      "OpportunityLineItems": {"totalSize": 1, "done": true, "records": [
        {"attributes": {"type": "OpportunityLineItem"}, "Id": "00k)",
      id.substr(3), R"(", "Quantity": 1, "UnitPrice": 12000.00,
         "ServiceDate": "2025-01-01", "EndDate": "2026-01-01",
         "Product2Id": ")",
      product, R"("}]}})");
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

v1::ListExceptionsRequest OpenExceptions(const std::string& contract_id = "") {
  v1::ListExceptionsRequest req;
  req.set_contract_id(contract_id);
  return req;
}

int MaxAttempts(const std::vector<v1::Workflow>& workflows,
                int* steps_retried) {
  int most = 0;
  *steps_retried = 0;
  for (const auto& w : workflows) {
    for (const auto& s : w.steps()) {
      most = std::max(most, s.attempts());
      if (s.attempts() > 1) ++*steps_retried;
    }
  }
  return most;
}

// Checks that the emulator holds exactly the booked contracts' customer,
// invoice and recognition entries, each once, and nothing else.
void CheckExactlyOnce(Harness& h, const std::vector<BookedContract>& booked) {
  int no_eid = 0;
  auto customers = h.emulator().Records("customer", &no_eid);
  CHECK(no_eid == 0);
  auto invoices = h.emulator().Records("invoice", &no_eid);
  CHECK(no_eid == 0);
  auto journals = h.emulator().Records("journalEntry", &no_eid);
  CHECK(no_eid == 0);
  CHECK(h.emulator().Records("creditMemo").empty());
  std::set<std::string> want_customers, want_invoices;
  int want_entries = 0;
  for (const auto& b : booked) {
    INFO("contract " << b.contract.id() << " (" << b.tag << ")");
    want_customers.insert(b.customer.id());
    want_invoices.insert(b.invoice.id());
    REQUIRE(invoices.count(b.invoice.id()) == 1);
    CHECK(Format(ItemsTotal(invoices.at(b.invoice.id()))) ==
          Format(ToNanos(b.invoice.total())));
    LedgerReport ledger = h.CheckLedger(b.contract.id());
    INFO(absl::StrJoin(ledger.problems, "\n"));
    CHECK(ledger.problems.empty());
    CHECK(ledger.live_entries == 12);
    CHECK(ledger.reversals == 0);  // nothing changed after booking
    CHECK(ledger.postings == 12);
    want_entries += ledger.live_entries;
  }
  std::set<std::string> got_customers, got_invoices;
  for (const auto& [eid, rec] : customers) got_customers.insert(eid);
  for (const auto& [eid, rec] : invoices) got_invoices.insert(eid);
  CHECK(got_customers == want_customers);
  CHECK(got_invoices == want_invoices);
  CHECK(static_cast<int>(journals.size()) == want_entries);
  // The counts the closing note quotes: each posting expected, found in
  // NetSuite by its external id, and anything beyond one record each.
  int found = 0;
  for (const auto& eid : want_customers) found += got_customers.count(eid);
  for (const auto& eid : want_invoices) found += got_invoices.count(eid);
  found += std::min(static_cast<int>(journals.size()), want_entries);
  const int expected =
      static_cast<int>(want_customers.size() + want_invoices.size()) +
      want_entries;
  const int records =
      static_cast<int>(customers.size() + invoices.size() + journals.size());
  std::cout << "exactly once: postings expected=" << expected
            << " found=" << found << " duplicates=" << records - found << "\n";
  CHECK(found == expected);
  CHECK(records == found);
}

void CheckAllCompleted(Harness& h) {
  for (const auto& w : h.Workflows()) {
    INFO(h.Explain(w.contract_id()));
    CHECK(w.state() == v1::WORKFLOW_STATE_COMPLETED);
  }
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
                            Product2(product, "Platform"))) ==
          v1::RECORD_STATUS_APPLIED);
  // Salesforce has no revenue rule: finance sets it on the product.
  {
    v1::GetProductRequest get;
    get.mutable_external_ref()->set_system("salesforce");
    get.mutable_external_ref()->set_object_type("Product2");
    get.mutable_external_ref()->set_vendor_id(product);
    v1::GetProductResponse got;
    REQUIRE_GRPC_OK(h.Call(&v1::ProductService::Stub::GetProduct, get, &got));
    cv1::Product p = got.product();
    p.set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
    p.clear_version();
    p.clear_recorded_at();
    h.UpsertProduct(p, "happy-product-rule");
  }
  int64_t opp = h.Ingest("salesforce", "Opportunity",
                         Opportunity(opportunity, account, product));
  REQUIRE(h.Settle(opp) == v1::RECORD_STATUS_APPLIED);
  v1::GetContractRequest get_contract;
  get_contract.mutable_external_ref()->set_system("salesforce");
  get_contract.mutable_external_ref()->set_object_type("Opportunity");
  get_contract.mutable_external_ref()->set_vendor_id(opportunity);
  v1::GetContractResponse contract;
  REQUIRE_GRPC_OK(
      h.Call(&v1::ContractService::Stub::GetContract, get_contract, &contract));
  const std::string contract_id = contract.contract().id();
  const std::string customer_id = contract.contract().customer_id();
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

TEST_CASE(
    "5xx, 429 with Retry-After, timeouts and resets: every posting lands "
    "exactly once",
    "[orchestration][faults]") {
  HarnessOptions options;
  options.max_attempts = 30;
  Harness h(options);
  h.emulator().AddFault(R"({"mode":"status","status":503,"count":8})");
  h.emulator().AddFault(
      R"({"mode":"status","status":429,"retry_after":"1","count":3})");
  h.emulator().AddFault(R"({"mode":"timeout","delay_ms":1500,"count":3})");
  h.emulator().AddFault(R"({"mode":"reset","count":4})");
  std::vector<BookedContract> booked;
  for (int i = 0; i < 4; ++i) {
    ContractSpec spec;
    spec.tag = absl::StrCat("faults-", i);
    spec.monthly_cents = 100000 + 2500 * i;
    booked.push_back(h.Book(spec));
  }
  REQUIRE(h.WaitQuiet(seconds(180), 4));
  CheckAllCompleted(h);
  CHECK(h.Exceptions(OpenExceptions()).empty());
  CheckExactlyOnce(h, booked);

  int retried = 0;
  int most = MaxAttempts(h.Workflows(), &retried);
  CHECK(most > 1);
  CHECK(retried > 0);
  // Every injected status and reset fault was used up.
  std::map<std::string, int> faults;
  for (const auto& r : h.emulator().Requests()) {
    if (r.contains("fault")) ++faults[r["fault"].get<std::string>()];
  }
  CHECK(faults["status"] == 11);
  CHECK(faults["reset"] == 4);
  // A step answered 429 with Retry-After: 1 is not attempted again sooner.
  Json requests = h.emulator().Requests();
  int throttled = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].value("status", 0) != 429) continue;
    ++throttled;
    const std::string key = requests[i]["idempotency_key"].get<std::string>();
    for (size_t j = i + 1; j < requests.size(); ++j) {
      if (requests[j]["idempotency_key"] != key) continue;
      int64_t waited = requests[j]["received_ms"].get<int64_t>() -
                       requests[i]["received_ms"].get<int64_t>();
      INFO("retry of " << key << " after a 429 came " << waited << " ms later");
      CHECK(waited >= 1000);
      break;
    }
  }
  CHECK(throttled == 3);
  // Every attempt of a step sent the same body.
  for (const char* type : {"invoice", "journalEntry"}) {
    for (const auto& [eid, bodies] :
         BodiesByExternalId(h.emulator().Requests(), type)) {
      INFO(type << " " << eid);
      CHECK(bodies.size() == 1);
    }
  }
  std::cout << "faults: steps retried " << retried << ", most attempts " << most
            << "\n";
}

TEST_CASE(
    "a business rejection blocks its workflow only; a replay after the fix "
    "posts it once",
    "[orchestration][faults][rejection]") {
  Harness h;
  // The contract ids are known before booking: the DRAFT comes first.
  ContractSpec rejected_spec;
  rejected_spec.tag = "rejected";
  ContractSpec other_spec;
  other_spec.tag = "unaffected";
  // Period closed for March of every contract booked here.
  h.emulator().AddFault(absl::StrCat(
      R"({"mode":"status","status":400,"method":"PUT",)",
      R"("path_contains":"_recognition_2025-03","body":)", kRejection, "}"));
  BookedContract rejected = h.Book(rejected_spec);
  REQUIRE(h.WaitWorkflow(
      rejected.workflow_id,
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_BLOCKED;
      },
      seconds(60)));
  // The fault now only hits the first contract's March: the second books
  // while the first is blocked.
  h.emulator().ClearFaults();
  h.emulator().AddFault(absl::StrCat(
      R"({"mode":"status","status":400,"method":"PUT","path_contains":")",
      "je_", rejected.contract.id(), R"(_recognition_2025-03","body":)",
      kRejection, "}"));
  BookedContract other = h.Book(other_spec);
  REQUIRE(h.WaitQuiet(seconds(90), 2));
  INFO(h.Explain());
  CHECK(h.GetWorkflow(other.workflow_id).state() ==
        v1::WORKFLOW_STATE_COMPLETED);
  v1::Workflow blocked = h.GetWorkflow(rejected.workflow_id);
  REQUIRE(blocked.state() == v1::WORKFLOW_STATE_BLOCKED);

  auto open = h.Exceptions(OpenExceptions(rejected.contract.id()));
  REQUIRE(open.size() == 1);
  const v1::Exception& ex = open[0];
  CHECK(ex.kind() == v1::EXCEPTION_KIND_POSTING_REJECTED);
  CHECK(ex.category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(ex.owner() == "revenue-accounting");
  CHECK(ex.state() == v1::EXCEPTION_STATE_OPEN);
  // FINANCE's SLA in the harness's configuration: 24 h.
  CHECK(ex.sla_state() == v1::SLA_STATE_WITHIN);
  CHECK(ex.sla_due_at().seconds() - ex.created_at().seconds() == 24 * 3600);
  CHECK(ex.system() == "netsuite");
  CHECK(ex.workflow_id() == rejected.workflow_id);
  CHECK(ex.step_name() == "post_journal_entry");
  CHECK(absl::StrContains(ex.vendor_code(), "ACCOUNTING_PERIOD_CLOSED"));
  CHECK(absl::StrContains(ex.error(), "accounting period is closed"));
  const std::string march =
      absl::StrCat("je_", rejected.contract.id(), "_recognition_2025-03");
  CHECK(ex.entity().id() == march);
  // The money at stake is the entry's debits.
  Nanos debits = 0;
  for (const auto& je : h.RecognitionEntries(rejected.contract.id())) {
    if (je.id() != march) continue;
    for (const auto& l : je.lines()) debits += ToNanos(l.debit());
  }
  REQUIRE(debits > 0);
  CHECK(Format(ToNanos(ex.amount_at_stake())) == Format(debits));
  CHECK(ex.amount_at_stake().currency_code() == "USD");
  CHECK(h.Exceptions(OpenExceptions(other.contract.id())).empty());
  // The step failed once: a rejection is not retried.
  for (const auto& s : blocked.steps()) {
    if (s.entity().id() != march) continue;
    CHECK(s.state() == v1::STEP_STATE_FAILED);
    CHECK(s.attempts() == 1);
    CHECK(s.exception_id() == ex.exception_id());
  }
  CHECK(h.emulator().Records("journalEntry").count(march) == 0);

  // The period is reopened in NetSuite; finance replays.
  h.emulator().ClearFaults();
  v1::ReplayExceptionRequest replay;
  replay.set_exception_id(ex.exception_id());
  replay.set_note("period reopened");
  v1::ReplayExceptionResponse replayed;
  grpc::Status st =
      h.Call(&v1::ExceptionService::Stub::ReplayException, replay, &replayed);
  REQUIRE_GRPC_OK(st);
  REQUIRE(h.WaitWorkflow(
      rejected.workflow_id,
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_COMPLETED;
      },
      seconds(60)));
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  v1::ListExceptionsRequest all = OpenExceptions(rejected.contract.id());
  all.set_include_resolved(true);
  auto after = h.Exceptions(all);
  REQUIRE(after.size() == 1);
  CHECK(after[0].state() == v1::EXCEPTION_STATE_RESOLVED);
  CHECK(after[0].sla_state() == v1::SLA_STATE_MET);
  CheckAllCompleted(h);
  CheckExactlyOnce(h, {rejected, other});
}

TEST_CASE(
    "a legal entity NetSuite cannot map is METADATA_MISMATCH for revops-data",
    "[orchestration][faults][metadata]") {
  HarnessOptions options;
  options.default_subsidiary_id = "";
  Harness h(options);
  ContractSpec spec;
  spec.tag = "unmapped";
  spec.legal_entity = "acme-zz";
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  INFO(h.Explain());
  CHECK(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_BLOCKED);
  auto open = h.Exceptions(OpenExceptions(b.contract.id()));
  REQUIRE(open.size() == 1);
  CHECK(open[0].kind() == v1::EXCEPTION_KIND_METADATA_MISMATCH);
  CHECK(open[0].category() == v1::EXCEPTION_CATEGORY_METADATA);
  CHECK(open[0].owner() == "revops-data");
  // METADATA's SLA in the harness's configuration: 72 h.
  CHECK(open[0].sla_state() == v1::SLA_STATE_WITHIN);
  CHECK(open[0].sla_due_at().seconds() - open[0].created_at().seconds() ==
        72 * 3600);
  CHECK(open[0].field_path() == "entity.journal_entry.legal_entity");
  CHECK(absl::StrContains(open[0].error(), "acme-zz"));
  CHECK(open[0].vendor_code().empty());
  // Customer and invoice went; no journal entry reached NetSuite.
  CHECK(h.emulator().Records("customer").count(b.customer.id()) == 1);
  CHECK(h.emulator().Records("invoice").count(b.invoice.id()) == 1);
  CHECK(h.emulator().Records("journalEntry").empty());
  for (const auto& r : h.emulator().Requests()) {
    CHECK_FALSE(
        absl::StrContains(r["path"].get<std::string>(), "journalEntry"));
  }
}

TEST_CASE(
    "a fault that never ends is a DEAD_LETTER; fixed and retried, it posts "
    "once",
    "[orchestration][faults][dead-letter]") {
  HarnessOptions options;
  options.max_attempts = 3;
  Harness h(options);
  h.emulator().AddFault(
      R"({"mode":"status","status":503,"method":"PUT","path_contains":"/invoice/"})");
  ContractSpec spec;
  spec.tag = "dead";
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  INFO(h.Explain());
  v1::Workflow w = h.GetWorkflow(b.workflow_id);
  CHECK(w.state() == v1::WORKFLOW_STATE_BLOCKED);
  bool found = false;
  for (const auto& s : w.steps()) {
    if (s.name() != "post_invoice") continue;
    found = true;
    CHECK(s.state() == v1::STEP_STATE_DEAD_LETTERED);
    CHECK(s.attempts() == 3);
    CHECK(s.last_error_code() == "HTTP 503");
  }
  CHECK(found);
  auto open = h.Exceptions(OpenExceptions(b.contract.id()));
  REQUIRE(open.size() == 1);
  CHECK(open[0].kind() == v1::EXCEPTION_KIND_DEAD_LETTER);
  CHECK(open[0].category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(open[0].owner() == "revenue-accounting");
  CHECK(open[0].attempts() == 3);
  CHECK(Format(ToNanos(open[0].amount_at_stake())) ==
        Format(ToNanos(b.invoice.total())));
  int puts = 0;
  for (const auto& r : h.emulator().Requests())
    puts += absl::StrContains(r["path"].get<std::string>(), "/invoice/");
  CHECK(puts == 3);

  h.emulator().ClearFaults();
  v1::RetryExceptionRequest retry;
  retry.set_exception_id(open[0].exception_id());
  v1::RetryExceptionResponse retried;
  grpc::Status st =
      h.Call(&v1::ExceptionService::Stub::RetryException, retry, &retried);
  REQUIRE_GRPC_OK(st);
  REQUIRE(h.WaitWorkflow(
      b.workflow_id,
      [](const v1::Workflow& wf) {
        return wf.state() == v1::WORKFLOW_STATE_COMPLETED;
      },
      seconds(60)));
  v1::ListExceptionsRequest all = OpenExceptions(b.contract.id());
  all.set_include_resolved(true);
  auto after = h.Exceptions(all);
  REQUIRE(after.size() == 1);
  CHECK(after[0].state() == v1::EXCEPTION_STATE_RESOLVED);
  CheckExactlyOnce(h, {b});
  // The retry used the step's idempotency key again.
  std::set<std::string> keys;
  for (const auto& r : h.emulator().Requests()) {
    if (absl::StrContains(r["path"].get<std::string>(), "/invoice/"))
      keys.insert(r["idempotency_key"].get<std::string>());
  }
  CHECK(keys.size() == 1);
}

TEST_CASE(
    "an amendment waits for the booking of its contract; its postings come "
    "after every booking posting",
    "[orchestration][ordering]") {
  HarnessOptions options;
  options.max_attempts = 100;  // the outage below must not dead-letter
  Harness h(options);
  ContractSpec spec;
  spec.tag = "ordered";
  // The contract's invoice (the only one here) is refused with 503 for
  // eight seconds, whatever the number of retries: the booking is held.
  h.emulator().AddFault(
      R"({"mode":"status","status":503,"method":"PUT","path_contains":"/invoice/","for_ms":8000})");
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitWorkflow(
      b.workflow_id,
      [](const v1::Workflow& w) {
        for (const auto& s : w.steps()) {
          if (s.name() == "post_invoice" && s.attempts() >= 1) return true;
        }
        return false;
      },
      seconds(30)));
  REQUIRE(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_RUNNING);

  v1::AmendContractRequest amend;
  *amend.mutable_contract() = b.contract;
  amend.mutable_contract()->mutable_lines(0)->mutable_quantity()->set_units(2);
  amend.mutable_contract()->set_change_reason("two platforms");
  amend.mutable_contract()->clear_version();
  amend.mutable_contract()->clear_recorded_at();
  amend.set_expected_version(b.contract.version());
  amend.set_idempotency_key("ordered-amend");
  v1::AmendContractResponse amended;
  grpc::Status st = h.Call(&v1::ContractLifecycleService::Stub::AmendContract,
                           amend, &amended);
  REQUIRE_GRPC_OK(st);
  // PENDING behind the booking (the scheduler notes which one it waits for
  // on its next pass), while the booking still runs.
  const std::string booking_id = b.workflow_id;
  bool waits = h.WaitWorkflow(
      amended.workflow_id(),
      [&](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_PENDING &&
               w.blocked_by_workflow_id() == booking_id;
      },
      seconds(5));
  INFO(h.Explain());
  v1::Workflow pending = h.GetWorkflow(amended.workflow_id());
  CHECK(waits);
  CHECK(pending.kind() == v1::WORKFLOW_KIND_AMENDMENT);
  CHECK(pending.state() == v1::WORKFLOW_STATE_PENDING);
  CHECK(pending.blocked_by_workflow_id() == b.workflow_id);
  CHECK(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_RUNNING);

  REQUIRE(h.WaitQuiet(seconds(90), 2));
  v1::Workflow booking = h.GetWorkflow(b.workflow_id);
  v1::Workflow amendment = h.GetWorkflow(amended.workflow_id());
  CHECK(booking.state() == v1::WORKFLOW_STATE_COMPLETED);
  CHECK(amendment.state() == v1::WORKFLOW_STATE_COMPLETED);
  // The amendment started after the booking completed.
  for (const auto& s : amendment.steps()) {
    if (!s.has_started_at()) continue;
    CHECK(s.started_at().seconds() * 1000000000LL + s.started_at().nanos() >=
          booking.completed_at().seconds() * 1000000000LL +
              booking.completed_at().nanos());
  }
  // In NetSuite's request log, every booking posting precedes every
  // amendment posting (told apart by the steps' idempotency keys).
  std::set<std::string> booking_keys, amendment_keys;
  for (const auto& s : booking.steps())
    if (!s.idempotency_key().empty()) booking_keys.insert(s.idempotency_key());
  for (const auto& s : amendment.steps())
    if (!s.idempotency_key().empty())
      amendment_keys.insert(s.idempotency_key());
  int last_booking = -1, first_amendment = -1, amendment_posts = 0, index = 0;
  for (const auto& r : h.emulator().Requests()) {
    std::string key = r["idempotency_key"].get<std::string>();
    if (booking_keys.count(key)) last_booking = index;
    if (amendment_keys.count(key)) {
      ++amendment_posts;
      if (first_amendment < 0) first_amendment = index;
    }
    ++index;
  }
  CHECK(last_booking >= 0);
  CHECK(amendment_posts > 0);  // doubling the quantity changed every month
  CHECK(first_amendment > last_booking);
  LedgerReport ledger = h.CheckLedger(b.contract.id());
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(ledger.reversals > 0);
  CHECK(h.Exceptions(OpenExceptions()).empty());
}

TEST_CASE(
    "cancellation credits the unused half, reverses and reposts the changed "
    "months, edits nothing; the figures net",
    "[orchestration][cancellation]") {
  Harness h;
  ContractSpec spec;
  spec.tag = "cancelled";
  BookedContract b = h.Book(spec);  // 12 x 1,000.00 USD in 2025, upfront
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  REQUIRE(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_COMPLETED);
  REQUIRE(h.CheckLedger(b.contract.id()).problems.empty());

  v1::CancelContractRequest cancel;
  cancel.set_contract_id(b.contract.id());
  *cancel.mutable_cancelled_at() = Day("2025-07-01");
  cancel.set_reason("customer downsized");
  cancel.set_credit(v1::CANCELLATION_CREDIT_UNUSED_PORTION);
  cancel.set_idempotency_key("cancel-cancelled");
  v1::CancelContractResponse cancelled;
  grpc::Status st = h.Call(&v1::ContractLifecycleService::Stub::CancelContract,
                           cancel, &cancelled);
  REQUIRE_GRPC_OK(st);
  REQUIRE(h.WaitQuiet(seconds(90), 2));
  INFO(h.Explain());
  v1::Workflow w = h.GetWorkflow(cancelled.workflow_id());
  CHECK(w.kind() == v1::WORKFLOW_KIND_CANCELLATION);
  CHECK(w.state() == v1::WORKFLOW_STATE_COMPLETED);
  REQUIRE(w.steps_size() > 0);
  CHECK(w.steps(0).name() == "issue_credit_note");
  CheckAllCompleted(h);
  CHECK(h.Exceptions(OpenExceptions()).empty());

  // The credit note: one, for the invoice, at the cancellation.
  v1::ListInvoicesRequest list;
  list.set_contract_id(b.contract.id());
  list.set_kind(cv1::INVOICE_KIND_CREDIT_NOTE);
  list.set_page_size(100);
  v1::ListInvoicesResponse notes;
  REQUIRE_GRPC_OK(
      h.Call(&v1::InvoiceService::Stub::ListInvoices, list, &notes));
  REQUIRE(notes.invoices_size() == 1);
  const cv1::Invoice cn = notes.invoices(0);
  const std::string cn_id = cn.id();
  // The hub assigns its id; it is known by the external ref
  // (revhub, cancellation_credit, <invoice id>) (docs/orchestration.md).
  bool keyed = false;
  for (const auto& ref : cn.external_refs()) {
    keyed = keyed || (ref.system() == "revhub" &&
                      ref.object_type() == "cancellation_credit" &&
                      ref.vendor_id() == b.invoice.id());
  }
  CHECK(keyed);
  CHECK(cn.credited_invoice_id() == b.invoice.id());
  CHECK(cn.issued_at().seconds() == Day("2025-07-01").seconds());
  // 184 of 365 days are after 2025-07-01: 12,000.00 x 184 / 365, rounded
  // down to the cent.
  CHECK(Format(ToNanos(cn.total())) == "6049.31");

  auto memos = h.emulator().Records("creditMemo");
  REQUIRE(memos.size() == 1);
  REQUIRE(memos.count(cn_id) == 1);
  CHECK(Format(ItemsTotal(memos.at(cn_id))) == Format(ToNanos(cn.total())));
  {
    // The memo is created from the invoice posted.
    const Json& from = memos.at(cn_id)["createdFrom"];
    Json posted = h.emulator().Records("invoice").at(b.invoice.id());
    CHECK((from.value("externalId", "") == b.invoice.id() ||
           from.value("id", "") == posted["id"].get<std::string>()));
  }
  auto invoices = h.emulator().Records("invoice");
  REQUIRE(invoices.size() == 1);
  Nanos billed_net =
      ItemsTotal(invoices.at(b.invoice.id())) - ItemsTotal(memos.at(cn_id));
  CHECK(Format(billed_net) ==
        Format(ToNanos(b.invoice.total()) - ToNanos(cn.total())));

  // Recognition: the changed months reversed and reposted; the ledger nets
  // to the hub's entries.
  LedgerReport ledger = h.CheckLedger(b.contract.id());
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(ledger.reversals > 0);
  auto revenue_of = [](const std::map<std::string, Nanos>& net) {
    Nanos r = 0;
    for (const char* role : {"REVENUE", "CONTRA_REVENUE"}) {
      auto it = net.find(AccountIds().at(role));
      if (it != net.end()) r -= it->second;  // credit - debit
    }
    return r;
  };
  Nanos recognised_in_netsuite = revenue_of(ledger.emulator_net);
  Nanos recognised_in_hub = revenue_of(ledger.hub_net);
  std::cout << "cancellation: invoice " << Format(ToNanos(b.invoice.total()))
            << " - credit memo " << cn_id << " " << Format(ToNanos(cn.total()))
            << " = billed " << Format(billed_net) << "; revenue in NetSuite "
            << Format(recognised_in_netsuite) << ", in the hub "
            << Format(recognised_in_hub) << "\n";
  CHECK(Format(recognised_in_netsuite) == Format(recognised_in_hub));
  CHECK(Format(recognised_in_hub) == Format(billed_net));

  // Never edited: every external id was PUT with one body only.
  Json requests = h.emulator().Requests();
  for (const char* type :
       {"customer", "invoice", "creditMemo", "journalEntry"}) {
    for (const auto& [eid, bodies] : BodiesByExternalId(requests, type)) {
      INFO(type << " " << eid);
      CHECK(bodies.size() == 1);
    }
  }
}

TEST_CASE(
    "an invoice changed after it was posted is an AMOUNT_MISMATCH, never an "
    "edit; resolved, the workflow goes on",
    "[orchestration][amount-mismatch]") {
  Harness h;
  ContractSpec spec;
  spec.tag = "mismatch";
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  REQUIRE(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_COMPLETED);

  // The billing system reissues the invoice 1,000.00 lower.
  cv1::Invoice changed = b.invoice;
  changed.clear_version();
  changed.clear_recorded_at();
  const cv1::Money lower = Cents("USD", 1100000);
  *changed.mutable_lines(0)->mutable_amount() = lower;
  *changed.mutable_lines(0)->mutable_unit_amount() = lower;
  *changed.mutable_subtotal() = lower;
  *changed.mutable_total() = lower;
  *changed.mutable_amount_due() = lower;
  h.UpsertInvoice(changed, "mismatch-reissue");
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  INFO(h.Explain());
  auto open = h.Exceptions(OpenExceptions(b.contract.id()));
  REQUIRE(open.size() == 1);
  const v1::Exception& ex = open[0];
  CHECK(ex.kind() == v1::EXCEPTION_KIND_AMOUNT_MISMATCH);
  CHECK(ex.category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(ex.owner() == "revenue-accounting");
  CHECK(ex.entity().id() == b.invoice.id());
  // The amount at stake is the difference.
  Nanos stake = ToNanos(ex.amount_at_stake());
  CHECK(Format(stake < 0 ? -stake : stake) == "1000.00");
  v1::Workflow billing = h.GetWorkflow(ex.workflow_id());
  CHECK(billing.state() == v1::WORKFLOW_STATE_BLOCKED);
  // NetSuite still has the invoice as posted: one body, the old total.
  auto invoices = h.emulator().Records("invoice");
  REQUIRE(invoices.size() == 1);
  CHECK(Format(ItemsTotal(invoices.at(b.invoice.id()))) == "12000.00");
  for (const auto& [eid, bodies] :
       BodiesByExternalId(h.emulator().Requests(), "invoice")) {
    INFO("invoice " << eid);
    CHECK(bodies.size() == 1);
  }

  // A credit memo will be raised by hand: resolved, the workflow goes on.
  v1::ResolveExceptionRequest resolve;
  resolve.set_exception_id(ex.exception_id());
  resolve.set_reason("credit memo CM-77 raised in NetSuite by hand");
  v1::ResolveExceptionResponse resolved;
  REQUIRE_GRPC_OK(h.Call(&v1::ExceptionService::Stub::ResolveException, resolve,
                         &resolved));
  CHECK(resolved.exception().state() == v1::EXCEPTION_STATE_RESOLVED);
  CHECK(resolved.exception().resolution() ==
        "credit memo CM-77 raised in NetSuite by hand");
  REQUIRE(h.WaitWorkflow(
      ex.workflow_id(),
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_COMPLETED;
      },
      seconds(60)));
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  const v1::Workflow finished = h.GetWorkflow(ex.workflow_id());
  for (const auto& s : finished.steps()) {
    if (s.exception_id() == ex.exception_id())
      CHECK(s.state() == v1::STEP_STATE_SKIPPED);
  }
  CheckAllCompleted(h);
  CHECK(h.Exceptions(OpenExceptions()).empty());
  // Recognition follows the hub (what changed reversed and reposted).
  LedgerReport ledger = h.CheckLedger(b.contract.id());
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(h.emulator().Records("invoice").size() == 1);
}

}  // namespace revhub::testing::orch
