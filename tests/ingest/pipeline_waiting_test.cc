// The ingest pipeline end to end, out of order and in the open: a record
// that refers to one the hub has not received waits (WAITING) and is
// applied by itself, once, when that one arrives (through the pipeline or
// the API), in chains; a wait that outlasts the timeout becomes an
// exception with an owner and the money at stake; an error on a canonical
// field names the vendor field it came from; a skipped record keeps the
// adapter's reason; a misspelt object type is refused at ingest.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "tests/ingest/pipeline_fixture.h"
#include "tests/support/files.h"

namespace revhub::testing {
namespace {

// A finalized Stripe invoice `id` of `customer` for 1,200.00 USD, without a
// subscription, billing January 2026.
std::string StripeInvoice(const std::string& id, const std::string& customer) {
  return absl::Substitute(R"({"id": "$0", "object": "invoice",
    "currency": "usd", "customer": "$1", "status": "open", "number": "N-$0",
    "created": 1767225600, "effective_at": 1767225600, "due_date": 1769904000,
    "status_transitions": {"finalized_at": 1767225600},
    "lines": {"object": "list", "has_more": false, "data": [
      {"id": "il_$0", "object": "line_item", "amount": 120000,
       "currency": "usd", "description": "Platform, January 2026",
       "quantity": 1, "proration": false,
       "period": {"start": 1767225600, "end": 1769904000}}]},
    "subtotal": 120000, "total": 120000, "amount_paid": 0,
    "amount_remaining": 120000})",
                          id, customer);
}

std::string StripeCustomer(const std::string& id, const std::string& email) {
  return absl::Substitute(R"({"id": "$0", "object": "customer",
    "email": "$1", "name": "Out of Order Ltd", "created": 1767225600})",
                          id, email);
}

// A succeeded payment intent of `customer` paying `invoice` in full.
std::string StripePayment(const std::string& id, const std::string& customer,
                          const std::string& invoice) {
  return absl::Substitute(R"({"id": "$0", "object": "payment_intent",
    "customer": "$1", "invoice": "$2", "currency": "usd",
    "status": "succeeded", "amount": 120000, "amount_received": 120000,
    "payment_method_types": ["card"], "created": 1767312000})",
                          id, customer, invoice);
}

// Waits until record `id` is in `status`; returns its last status.
v1::RecordStatus WaitUntil(PipelineHub& hub, int64_t id,
                           v1::RecordStatus status, int timeout_s = 30) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  v1::RecordStatus now = hub.Record(id).status();
  while (now != status && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    now = hub.Record(id).status();
  }
  return now;
}

cv1::Invoice InvoiceByRef(PipelineHub& hub, const std::string& vendor_id) {
  v1::GetInvoiceRequest req;
  req.mutable_external_ref()->set_system("stripe");
  req.mutable_external_ref()->set_object_type("invoice");
  req.mutable_external_ref()->set_vendor_id(vendor_id);
  return CallOk(*hub.invoices, &v1::InvoiceService::Stub::GetInvoice, req)
      .invoice();
}

// The RECORD_REJECTED exceptions of record `id`, resolved ones too.
std::vector<v1::Exception> ExceptionsOf(PipelineHub& hub, int64_t id) {
  v1::ListExceptionsRequest req;
  req.set_kind(v1::EXCEPTION_KIND_RECORD_REJECTED);
  req.set_include_resolved(true);
  req.set_page_size(500);
  const v1::ListExceptionsResponse page =
      CallOk(*hub.exceptions, &v1::ExceptionService::Stub::ListExceptions, req);
  std::vector<v1::Exception> out;
  for (const auto& e : page.exceptions()) {
    if (e.record_id() == id) out.push_back(e);
  }
  return out;
}

TEST_CASE(
    "an invoice that arrives before its customer waits and is applied by "
    "itself, once, when the customer arrives",
    "[pipeline][waiting]") {
  PipelineHub hub;
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "");
  int64_t invoice =
      hub.Ingest("stripe", "invoice", StripeInvoice("in_ooo_1", "cus_ooo_1"));
  REQUIRE(hub.Settle(invoice) == v1::RECORD_STATUS_WAITING);

  // It says what it waits for, and nothing is open in the exception queue.
  v1::RawRecord waiting = hub.Record(invoice);
  CHECK(waiting.waiting_for_type() == cv1::ENTITY_TYPE_CUSTOMER);
  CHECK(waiting.waiting_for().system() == "stripe");
  CHECK(waiting.waiting_for().object_type() == "customer");
  CHECK(waiting.waiting_for().vendor_id() == "cus_ooo_1");
  CHECK(waiting.has_waiting_since());
  CHECK_THAT(waiting.status_reason(), Catch::Contains("invoice.customer_id"));
  CHECK_THAT(waiting.status_reason(),
             Catch::Contains("stripe/customer/cus_ooo_1"));
  CHECK(hub.Show(invoice).exceptions_size() == 0);
  CHECK(ExceptionsOf(hub, invoice).empty());
  CHECK(hub.CountRecords(v1::RECORD_STATUS_WAITING) == 1);
  // A replay while it waits finds it still waiting, since the same time.
  v1::ReplayOutcome early = hub.Replay(invoice);
  CHECK(early.status() == v1::RECORD_STATUS_WAITING);
  CHECK(early.entities_changed() == 0);
  CHECK(hub.Record(invoice).waiting_since().seconds() ==
        waiting.waiting_since().seconds());
  CHECK(hub.Record(invoice).waiting_since().nanos() ==
        waiting.waiting_since().nanos());

  // The customer arrives: no replay, the invoice is applied.
  int64_t customer = hub.Ingest("stripe", "customer",
                                StripeCustomer("cus_ooo_1", "ap@ooo.example"));
  REQUIRE(hub.Settle(customer) == v1::RECORD_STATUS_APPLIED);
  INFO(hub.Explain(invoice));
  REQUIRE(WaitUntil(hub, invoice, v1::RECORD_STATUS_APPLIED) ==
          v1::RECORD_STATUS_APPLIED);
  v1::RawRecord applied = hub.Record(invoice);
  CHECK(applied.status_reason().empty());
  CHECK_FALSE(applied.has_waiting_for());
  CHECK_FALSE(applied.has_waiting_since());
  CHECK(hub.CountRecords(v1::RECORD_STATUS_WAITING) == 0);

  cv1::Customer c = hub.CustomerByRef("stripe", "customer", "cus_ooo_1");
  cv1::Invoice inv = InvoiceByRef(hub, "in_ooo_1");
  CHECK(inv.customer_id() == c.id());
  CHECK(inv.version() == 1);
  CHECK(inv.total().units() == 1200);

  // Once: the customer changing again, and a replay, apply nothing new.
  int64_t changed = hub.Ingest(
      "stripe", "customer", StripeCustomer("cus_ooo_1", "billing@ooo.example"));
  REQUIRE(hub.Settle(changed) == v1::RECORD_STATUS_APPLIED);
  v1::ReplayOutcome replayed = hub.Replay(invoice);
  CHECK(replayed.status() == v1::RECORD_STATUS_APPLIED);
  CHECK(replayed.entities_changed() == 0);
  CHECK(InvoiceByRef(hub, "in_ooo_1").version() == 1);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_INVOICE_ISSUED), inv.id()) == 1);
  CHECK(ExceptionsOf(hub, invoice).empty());
}

TEST_CASE(
    "a payment that waits for an invoice that waits for its customer heals "
    "in a chain; a customer upserted through the API releases records too",
    "[pipeline][waiting]") {
  PipelineHub hub;
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "");
  int64_t payment =
      hub.Ingest("stripe", "payment_intent",
                 StripePayment("pi_ooo_2", "cus_ooo_2", "in_ooo_2"));
  int64_t invoice =
      hub.Ingest("stripe", "invoice", StripeInvoice("in_ooo_2", "cus_ooo_2"));
  REQUIRE(hub.Settle(payment) == v1::RECORD_STATUS_WAITING);
  REQUIRE(hub.Settle(invoice) == v1::RECORD_STATUS_WAITING);
  CHECK(hub.Record(payment).waiting_for().vendor_id() == "cus_ooo_2");
  CHECK(hub.Record(invoice).waiting_for().vendor_id() == "cus_ooo_2");

  // The customer arrives. The payment (the older record) is retried first
  // and then waits for the invoice, which the invoice's own apply
  // releases.
  REQUIRE(
      hub.Settle(hub.Ingest("stripe", "customer",
                            StripeCustomer("cus_ooo_2", "ap@two.example"))) ==
      v1::RECORD_STATUS_APPLIED);
  INFO(hub.Explain(payment));
  REQUIRE(WaitUntil(hub, invoice, v1::RECORD_STATUS_APPLIED) ==
          v1::RECORD_STATUS_APPLIED);
  REQUIRE(WaitUntil(hub, payment, v1::RECORD_STATUS_APPLIED) ==
          v1::RECORD_STATUS_APPLIED);
  cv1::Invoice inv = InvoiceByRef(hub, "in_ooo_2");
  v1::GetPaymentRequest get;
  get.mutable_external_ref()->set_system("stripe");
  get.mutable_external_ref()->set_object_type("payment_intent");
  get.mutable_external_ref()->set_vendor_id("pi_ooo_2");
  cv1::Payment pay =
      CallOk(*hub.payments, &v1::PaymentService::Stub::GetPayment, get)
          .payment();
  CHECK(pay.customer_id() == inv.customer_id());
  REQUIRE(pay.allocations_size() == 1);
  CHECK(pay.allocations(0).invoice_id() == inv.id());
  CHECK(pay.version() == 1);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_PAYMENT_RECEIVED), pay.id()) == 1);
  CHECK(ExceptionsOf(hub, payment).empty());
  CHECK(ExceptionsOf(hub, invoice).empty());

  // An invoice whose customer is then created through CustomerService with
  // the Stripe ref: the upsert releases it the same way.
  int64_t third =
      hub.Ingest("stripe", "invoice", StripeInvoice("in_ooo_3", "cus_ooo_3"));
  REQUIRE(hub.Settle(third) == v1::RECORD_STATUS_WAITING);
  v1::UpsertCustomerRequest upsert;
  upsert.mutable_customer()->set_name("Typed In Ltd");
  auto* ref = upsert.mutable_customer()->add_external_refs();
  ref->set_system("stripe");
  ref->set_object_type("customer");
  ref->set_vendor_id("cus_ooo_3");
  cv1::Customer typed =
      CallOk(*hub.customers, &v1::CustomerService::Stub::UpsertCustomer, upsert)
          .customer();
  REQUIRE(WaitUntil(hub, third, v1::RECORD_STATUS_APPLIED) ==
          v1::RECORD_STATUS_APPLIED);
  CHECK(InvoiceByRef(hub, "in_ooo_3").customer_id() == typed.id());
}

TEST_CASE(
    "a record that waits longer than the timeout becomes an exception with "
    "its owner and the money at stake",
    "[pipeline][waiting][timeout]") {
  TempDir config_dir;
  const std::string config = config_dir.path() + "/orchestration.json";
  WriteFile(config, R"({"routing": [{"kind": "RECORD_REJECTED",
    "system": "stripe", "owner": "billing-ops"}],
    "default_owner": "finance-ops"})");
  PipelineHub hub(
      {"--pipeline-waiting-timeout", "2s", "--orchestration-config", config});
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "");
  int64_t invoice =
      hub.Ingest("stripe", "invoice", StripeInvoice("in_late_1", "cus_late_1"));
  REQUIRE(hub.Settle(invoice) == v1::RECORD_STATUS_WAITING);
  REQUIRE(WaitUntil(hub, invoice, v1::RECORD_STATUS_FAILED) ==
          v1::RECORD_STATUS_FAILED);
  CHECK_FALSE(hub.Record(invoice).has_waiting_for());

  std::vector<v1::Exception> found = ExceptionsOf(hub, invoice);
  REQUIRE(found.size() == 1);
  const v1::Exception& e = found[0];
  CHECK(e.state() == v1::EXCEPTION_STATE_OPEN);
  CHECK(e.owner() == "billing-ops");
  CHECK(e.system() == "stripe");
  CHECK(e.field_path() == "invoice.customer_id");
  CHECK_THAT(e.error(), Catch::Contains("stripe/customer/cus_late_1"));
  CHECK_THAT(e.error(), Catch::Contains("within 2s"));
  CHECK(e.amount_at_stake().currency_code() == "USD");
  CHECK(e.amount_at_stake().units() == 1200);
  CHECK(e.amount_at_stake().nanos() == 0);
  REQUIRE(hub.Show(invoice).exceptions_size() == 1);
  CHECK(hub.Show(invoice).exceptions(0).field_path() == "invoice.customer_id");

  // The customer arriving late does not apply a FAILED record by itself;
  // a replay then does, and resolves the exception.
  REQUIRE(
      hub.Settle(hub.Ingest("stripe", "customer",
                            StripeCustomer("cus_late_1", "ap@late.example"))) ==
      v1::RECORD_STATUS_APPLIED);
  CHECK(hub.Record(invoice).status() == v1::RECORD_STATUS_FAILED);
  v1::ReplayOutcome replayed = hub.Replay(invoice);
  CHECK(replayed.status() == v1::RECORD_STATUS_APPLIED);
  CHECK(replayed.entities_changed() == 1);
  found = ExceptionsOf(hub, invoice);
  REQUIRE(found.size() == 1);
  CHECK(found[0].state() == v1::EXCEPTION_STATE_RESOLVED);
}

// The test adapter (tests/ingest/field_sources_adapter.cc) as system
// "orders".
void RegisterOrders(PipelineHub& hub) {
  v1::RegisterSystemRequest reg =
      AdapterSystem("orders", v1::SYSTEM_KIND_CRM, "unused", "");
  reg.mutable_system()->mutable_adapter()->mutable_launch()->set_command(
      "revhub-test-adapter-sources");
  Register(*hub.registry, reg);
}

std::string Order(const std::string& id, const std::string& account,
                  const std::string& quantity) {
  return absl::Substitute(R"({"id": "$0", "account": "$1", "currency": "eur",
    "items": {"data": [
      {"id": "it_1", "quantity": 3, "unit_price": "10.00"},
      {"id": "it_2", "quantity": $2, "unit_price": "25.50"}]}})",
                          id, account, quantity);
}

TEST_CASE(
    "an error on a canonical field names the vendor field it was translated "
    "from",
    "[pipeline][sources]") {
  PipelineHub hub;
  RegisterOrders(hub);
  REQUIRE(hub.Settle(hub.Ingest("orders", "account",
                                R"({"id": "acc_1", "name": "Acme"})")) ==
          v1::RECORD_STATUS_APPLIED);

  // Validation: a negative quantity on the second line.
  int64_t bad = hub.Ingest("orders", "order", Order("ord_1", "acc_1", "-2"));
  REQUIRE(hub.Settle(bad) == v1::RECORD_STATUS_FAILED);
  v1::ShowRecordResponse shown = hub.Show(bad);
  REQUIRE(shown.exceptions_size() == 1);
  const v1::RecordException& e = shown.exceptions(0);
  CHECK(e.field_path() == "contract.lines[1].quantity");
  CHECK(e.vendor_field_path() == "items.data[1].quantity");
  CHECK_THAT(e.reason(), Catch::Contains("must not be negative"));
  CHECK_THAT(e.reason(),
             Catch::EndsWith("(orders field items.data[1].quantity)"));
  v1::GetExceptionRequest get;
  get.set_exception_id(e.exception_id());
  v1::GetExceptionResponse got =
      CallOk(*hub.exceptions, &v1::ExceptionService::Stub::GetException, get);
  CHECK(got.exception().vendor_field_path() == "items.data[1].quantity");
  CHECK(got.exception().field_path() == "contract.lines[1].quantity");

  // A link to an account the hub has not received: the wait names the
  // vendor field of the link.
  int64_t early = hub.Ingest("orders", "order", Order("ord_2", "acc_2", "1"));
  REQUIRE(hub.Settle(early) == v1::RECORD_STATUS_WAITING);
  CHECK_THAT(hub.Record(early).status_reason(),
             Catch::Contains("contract.customer_id"));
  CHECK_THAT(hub.Record(early).status_reason(),
             Catch::Contains("(orders field account)"));
  REQUIRE(hub.Settle(hub.Ingest("orders", "account",
                                R"({"id": "acc_2", "name": "Bolt"})")) ==
          v1::RECORD_STATUS_APPLIED);
  CHECK(WaitUntil(hub, early, v1::RECORD_STATUS_APPLIED) ==
        v1::RECORD_STATUS_APPLIED);
}

TEST_CASE("a skipped record keeps the adapter's reason", "[pipeline]") {
  PipelineHub hub;
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "");
  // A guest payment: no customer.
  int64_t guest = hub.Ingest("stripe", "payment_intent",
                             R"({"id": "pi_guest_1", "object": "payment_intent",
    "currency": "usd", "status": "succeeded", "amount": 500,
    "amount_received": 500, "created": 1767312000})");
  REQUIRE(hub.Settle(guest) == v1::RECORD_STATUS_SKIPPED);
  CHECK_THAT(hub.Record(guest).status_reason(),
             Catch::Contains("pi_guest_1 has no customer"));
  v1::ListRecordsRequest list;
  list.set_status(v1::RECORD_STATUS_SKIPPED);
  v1::ListRecordsResponse listed =
      CallOk(*hub.ingest, &v1::IngestService::Stub::ListRecords, list);
  REQUIRE(listed.records_size() == 1);
  CHECK_THAT(listed.records(0).status_reason(),
             Catch::Contains("has no customer"));
}

TEST_CASE(
    "a misspelt object type is refused at ingest with the types the adapter "
    "declares",
    "[pipeline][ingest]") {
  PipelineHub hub;
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "");
  // Until the hub has the adapter's description, records are stored as
  // received; then the misspelt type is refused.
  std::vector<int64_t> accepted;
  grpc::Status refused;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
    v1::IngestRequest req;
    req.set_system("stripe");
    req.set_object_type("invoices");
    req.set_payload(StripeInvoice(absl::StrCat("in_typo_", i), "cus_typo"));
    v1::IngestResponse resp;
    refused = hub.ingest->Ingest(Ctx().get(), req, &resp);
    if (!refused.ok()) break;
    accepted.push_back(resp.record_id());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(refused.error_message(),
             Catch::StartsWith("object_type: \"invoices\" is not a type"));
  CHECK_THAT(refused.error_message(), Catch::Contains("system \"stripe\""));
  CHECK_THAT(refused.error_message(), Catch::Contains("invoice, "));
  CHECK_THAT(refused.error_message(), Catch::Contains("customer"));
  CHECK_THAT(refused.error_message(), Catch::Contains("event"));
  // Nothing accepted before is lost: each is stored (and fails on the
  // adapter's own check of the type).
  for (int64_t id : accepted) {
    CHECK(hub.Record(id).object_type() == "invoices");
    CHECK(hub.Settle(id) == v1::RECORD_STATUS_FAILED);
  }
  // The declared type goes in.
  hub.Ingest("stripe", "invoice", StripeInvoice("in_typo_ok", "cus_typo"));
}

}  // namespace
}  // namespace revhub::testing
