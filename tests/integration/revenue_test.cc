// The hub's revenue recognition against the real revhubd: RevenueService,
// the recomputation worker that follows the event log, and its durability
// across a crash.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "canonical/money.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "tests/integration/hub_fixture.h"

namespace revhub::testing {
namespace {

using cv1::BusinessEvent;
using cv1::JournalEntry;
using cv1::RevenueSchedule;

// 2025-01-01, 2025-02-01, 2025-03-01, 2025-04-01 00:00 UTC.
constexpr int64_t kJan = 1735689600;
constexpr int64_t kFeb = 1738368000;
constexpr int64_t kMar = 1740787200;
constexpr int64_t kApr = 1743465600;

struct RevenueHub : Hub {
  std::unique_ptr<v1::RevenueService::Stub> revenue;
  std::string customer_id;
  std::string product_id;

  RevenueHub() {
    Connect();
    customer_id = CreateCustomer(*this, "Acme Corp", "cus-1").id();
    v1::UpsertProductRequest p;
    p.mutable_product()->set_name("Platform subscription");
    p.mutable_product()->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
    p.set_idempotency_key("prd-1");
    v1::UpsertProductResponse pr;
    REQUIRE(products->UpsertProduct(Ctx().get(), p, &pr).error_message() == "");
    product_id = pr.product().id();
  }

  void Connect() { revenue = v1::RevenueService::NewStub(process->channel()); }

  // Stops the hub and starts it again with extra revhubd arguments. Returns
  // whether it came up.
  bool RestartWith(std::vector<std::string> args) {
    if (process->running()) process->Stop();
    process = std::make_unique<HubProcess>(dir.path());
    process->set_extra_args(std::move(args));
    if (!process->Start()) return false;
    auto ch = process->channel();
    customers = v1::CustomerService::NewStub(ch);
    products = v1::ProductService::NewStub(ch);
    contracts = v1::ContractService::NewStub(ch);
    invoices = v1::InvoiceService::NewStub(ch);
    payments = v1::PaymentService::NewStub(ch);
    events = v1::EventService::NewStub(ch);
    Connect();
    return true;
  }

  // Kills the hub (SIGKILL) and starts it again on the same data.
  void CrashAndRestart() {
    process->Kill();
    Start();
    Connect();
  }
};

cv1::Money Usd(int64_t units, int32_t nanos = 0) {
  cv1::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

// A one-line ratable contract for January to March 2025 at `price` USD.
cv1::Contract Contract(const RevenueHub& hub, int64_t price) {
  cv1::Contract c;
  c.set_customer_id(hub.customer_id);
  c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
  c.set_currency_code("USD");
  c.set_legal_entity("ACME-US");
  *c.mutable_effective_at() = At(kJan);
  auto* line = c.add_lines();
  line->set_line_id("L1");
  line->set_product_id(hub.product_id);
  line->mutable_quantity()->set_units(1);
  *line->mutable_unit_price() = Usd(price);
  *line->mutable_service_period()->mutable_start_time() = At(kJan);
  *line->mutable_service_period()->mutable_end_time() = At(kApr);
  return c;
}

v1::UpsertContractResponse Upsert(RevenueHub& hub, const cv1::Contract& c,
                                  const std::string& key) {
  v1::UpsertContractRequest req;
  *req.mutable_contract() = c;
  req.mutable_contract()->clear_version();
  req.mutable_contract()->clear_recorded_at();
  req.set_idempotency_key(key);
  v1::UpsertContractResponse resp;
  auto st = hub.contracts->UpsertContract(Ctx().get(), req, &resp);
  REQUIRE(st.error_message() == "");
  REQUIRE(resp.changed());
  return resp;
}

absl::StatusOr<RevenueSchedule> TryGetSchedule(
    RevenueHub& hub, const std::string& contract_id,
    const google::protobuf::Timestamp* as_of = nullptr) {
  v1::GetScheduleRequest req;
  req.set_contract_id(contract_id);
  if (as_of != nullptr) *req.mutable_as_of() = *as_of;
  v1::GetScheduleResponse resp;
  auto st = hub.revenue->GetSchedule(Ctx().get(), req, &resp);
  if (!st.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(st.error_code()),
                        st.error_message());
  }
  return resp.schedule();
}

// Waits (at most 20 s) until the contract's schedule reaches `version`.
RevenueSchedule WaitForSchedule(RevenueHub& hub, const std::string& contract_id,
                                int64_t version) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  absl::StatusOr<RevenueSchedule> s;
  while (std::chrono::steady_clock::now() < deadline) {
    s = TryGetSchedule(hub, contract_id);
    if (s.ok() && s->version() >= version) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("schedule of " << contract_id << " did not reach version " << version
                      << "; last: "
                      << (s.ok() ? std::to_string(s->version())
                                 : s.status().ToString()));
  return {};
}

std::vector<BusinessEvent> Events(RevenueHub& hub, cv1::EventType type) {
  std::vector<BusinessEvent> out;
  int64_t from = 1;
  while (true) {
    v1::ListEventsRequest req;
    req.set_from_position(from);
    req.set_page_size(1000);
    if (type != cv1::EVENT_TYPE_UNSPECIFIED) req.add_types(type);
    v1::ListEventsResponse resp;
    REQUIRE(hub.events->ListEvents(Ctx().get(), req, &resp).ok());
    for (const auto& e : resp.events()) out.push_back(e);
    if (resp.next_position() == 0) break;
    from = resp.next_position();
  }
  return out;
}

std::vector<BusinessEvent> ScheduleEvents(RevenueHub& hub,
                                          const std::string& contract_id) {
  std::vector<BusinessEvent> out;
  for (auto& e : Events(hub, cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED)) {
    if (e.revenue_schedule_changed().schedule().contract_id() == contract_id) {
      out.push_back(e);
    }
  }
  return out;
}

int64_t Nanos(const cv1::Money& m) {
  return m.units() * 1000000000 + m.nanos();
}

// Recognised revenue per (obligation, period), all kinds summed.
std::map<std::pair<std::string, std::string>, int64_t> ByCell(
    const RevenueSchedule& s) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const auto& l : s.lines()) {
    out[{l.performance_obligation_id(), l.period()}] += Nanos(l.amount());
  }
  return out;
}

std::map<std::pair<std::string, std::string>, int64_t> Difference(
    const RevenueSchedule& before, const RevenueSchedule& after) {
  auto diff = ByCell(after);
  for (const auto& [cell, amount] : ByCell(before)) diff[cell] -= amount;
  for (auto it = diff.begin(); it != diff.end();) {
    it = it->second == 0 ? diff.erase(it) : std::next(it);
  }
  return diff;
}

std::map<std::pair<std::string, std::string>, int64_t> ChangesOf(
    const BusinessEvent& e) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const auto& l : e.revenue_schedule_changed().changes()) {
    out[{l.performance_obligation_id(), l.period()}] += Nanos(l.amount());
  }
  return out;
}

std::vector<JournalEntry> ListJournal(RevenueHub& hub,
                                      const std::string& contract_id,
                                      const std::string& first = "",
                                      const std::string& last = "",
                                      int page_size = 0) {
  std::vector<JournalEntry> out;
  v1::ListJournalEntriesRequest req;
  req.set_contract_id(contract_id);
  req.set_period_start(first);
  req.set_period_end(last);
  req.set_page_size(page_size);
  for (int pages = 0; pages < 1000; ++pages) {
    v1::ListJournalEntriesResponse resp;
    auto st = hub.revenue->ListJournalEntries(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    if (page_size > 0) CHECK(resp.journal_entries_size() <= page_size);
    for (const auto& e : resp.journal_entries()) out.push_back(e);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

TEST_CASE("booking, amending and cancelling recompute the stored schedule",
          "[revenue]") {
  RevenueHub hub;
  auto booked = Upsert(hub, Contract(hub, 900), "book");
  const std::string id = booked.contract().id();

  RevenueSchedule v1s = WaitForSchedule(hub, id, 1);
  CHECK(v1s.id() == "rs_" + id);
  CHECK(v1s.version() == 1);
  CHECK(v1s.contract_version() == 1);
  // 900 over 90 days by day: 31, 28 and 31 days at 10.00.
  REQUIRE(v1s.lines_size() == 3);
  CHECK(v1s.lines(0).period() == "2025-01");
  CHECK(FormatMoney(v1s.lines(0).amount()) == "310.00 USD");
  CHECK(FormatMoney(v1s.lines(1).amount()) == "280.00 USD");
  CHECK(FormatMoney(v1s.lines(2).amount()) == "310.00 USD");

  auto events = ScheduleEvents(hub, id);
  REQUIRE(events.size() == 1);
  const BusinessEvent& first = events[0];
  CHECK(first.subject().entity_type() == cv1::ENTITY_TYPE_REVENUE_SCHEDULE);
  CHECK(first.subject().version() == 1);
  CHECK(first.principal() == "system:revenue-engine");
  CHECK(first.revenue_schedule_changed().previous_version() == 0);
  // The first version's changes are the whole schedule.
  CHECK(ChangesOf(first) == ByCell(v1s));
  // Caused by the ContractBooked event.
  auto booked_events = Events(hub, cv1::EVENT_TYPE_CONTRACT_BOOKED);
  REQUIRE(booked_events.size() == 1);
  CHECK(first.causation_id() == booked_events[0].event_id());

  // Amend from February: the price rises to 1,200.
  cv1::Contract amended = booked.contract();
  *amended.mutable_lines(0)->mutable_unit_price() = Usd(1200);
  *amended.mutable_effective_at() = At(kFeb);
  amended.set_change_reason("upsell");
  Upsert(hub, amended, "amend");
  RevenueSchedule v2s = WaitForSchedule(hub, id, 2);
  CHECK(v2s.contract_version() == 2);
  CHECK(v2s.modifications_size() == 2);
  // January keeps what it recognised; the rest of 1,200 follows.
  int64_t total = 0;
  for (const auto& l : v2s.lines()) total += Nanos(l.amount());
  CHECK(total == 1200 * 1000000000LL);
  CHECK(FormatMoney(v2s.lines(0).amount()) == "310.00 USD");

  events = ScheduleEvents(hub, id);
  REQUIRE(events.size() == 2);
  CHECK(events[1].revenue_schedule_changed().previous_version() == 1);
  auto changes = ChangesOf(events[1]);
  CHECK(changes == Difference(v1s, v2s));
  CHECK_FALSE(changes.empty());
  int64_t changed = 0;
  for (const auto& [cell, amount] : changes) {
    CHECK(cell.second != "2025-01");
    changed += amount;
  }
  CHECK(changed == 300 * 1000000000LL);

  SECTION("as_of reads the version current then") {
    auto then = TryGetSchedule(hub, id, &v1s.recorded_at());
    REQUIRE(then.ok());
    CHECK(then->version() == 1);
    CHECK(ByCell(*then) == ByCell(v1s));
    auto now = TryGetSchedule(hub, id, &v2s.recorded_at());
    REQUIRE(now.ok());
    CHECK(now->version() == 2);
    auto before = v1s.recorded_at();
    before.set_seconds(before.seconds() - 60);
    auto none = TryGetSchedule(hub, id, &before);
    CHECK(absl::IsNotFound(none.status()));
    CHECK(
        absl::StrContains(none.status().message(), "had no revenue schedule"));
  }

  SECTION("cancellation without refund leaves the schedule as it is") {
    cv1::Contract cancelled = amended;
    cancelled.set_status(cv1::CONTRACT_STATUS_CANCELLED);
    *cancelled.mutable_cancelled_at() = At(kMar);
    *cancelled.mutable_effective_at() = At(kMar);
    Upsert(hub, cancelled, "cancel");
    RevenueSchedule v3s = WaitForSchedule(hub, id, 3);
    CHECK(v3s.contract_version() == 3);
    CHECK(v3s.modification_treatment() == cv1::MODIFICATION_TREATMENT_NONE);
    CHECK(ByCell(v3s) == ByCell(v2s));
    events = ScheduleEvents(hub, id);
    REQUIRE(events.size() == 3);
    CHECK(events[2].revenue_schedule_changed().changes_size() == 0);
    auto cancelled_events = Events(hub, cv1::EVENT_TYPE_CONTRACT_CANCELLED);
    REQUIRE(cancelled_events.size() == 1);
    CHECK(events[2].causation_id() == cancelled_events[0].event_id());
  }

  SECTION("a contract never booked has no schedule") {
    cv1::Contract draft = Contract(hub, 100);
    draft.set_status(cv1::CONTRACT_STATUS_DRAFT);
    auto d = Upsert(hub, draft, "draft");
    // A later booking proves the worker got past the draft.
    auto other = Upsert(hub, Contract(hub, 90), "book-other");
    WaitForSchedule(hub, other.contract().id(), 1);
    auto none = TryGetSchedule(hub, d.contract().id());
    CHECK(absl::IsNotFound(none.status()));
    CHECK(
        absl::StrContains(none.status().message(), "has no revenue schedule"));
  }
}

TEST_CASE("invoices and payments give journal entries, listed by period",
          "[revenue]") {
  RevenueHub hub;
  auto booked = Upsert(hub, Contract(hub, 900), "book");
  const std::string id = booked.contract().id();
  WaitForSchedule(hub, id, 1);
  // Before billing: recognition entries only, and no receivable.
  auto unbilled = ListJournal(hub, id);
  REQUIRE(unbilled.size() == 3);
  for (const auto& e : unbilled) CHECK(e.source_kind() == "recognition");

  v1::UpsertInvoiceRequest inv;
  auto* invoice = inv.mutable_invoice();
  invoice->set_customer_id(hub.customer_id);
  invoice->set_contract_id(id);
  invoice->set_kind(cv1::INVOICE_KIND_INVOICE);
  invoice->set_status(cv1::INVOICE_STATUS_OPEN);
  invoice->set_currency_code("USD");
  *invoice->mutable_issued_at() = At(kJan + 86400 * 14);
  *invoice->mutable_subtotal() = Usd(900);
  *invoice->mutable_tax_total() = Usd(90);
  *invoice->mutable_total() = Usd(990);
  auto* line = invoice->add_lines();
  line->set_contract_line_id("L1");
  *line->mutable_amount() = Usd(900);
  inv.set_idempotency_key("inv-1");
  v1::UpsertInvoiceResponse inv_resp;
  REQUIRE(hub.invoices->UpsertInvoice(Ctx().get(), inv, &inv_resp)
              .error_message() == "");
  RevenueSchedule v2s = WaitForSchedule(hub, id, 2);
  // The schedule did not change: a new version for the new journal entries,
  // with no changes per period.
  auto events = ScheduleEvents(hub, id);
  REQUIRE(events.size() == 2);
  CHECK(events[1].revenue_schedule_changed().changes_size() == 0);
  auto issued = Events(hub, cv1::EVENT_TYPE_INVOICE_ISSUED);
  REQUIRE(issued.size() == 1);
  CHECK(events[1].causation_id() == issued[0].event_id());

  auto all = ListJournal(hub, id);
  REQUIRE(all.size() == 4);
  CHECK(all[0].source_kind() == "invoice");
  CHECK(all[0].period() == "2025-01");
  CHECK(all[1].source_kind() == "recognition");
  std::set<std::string> ids;
  for (const auto& e : all) {
    ids.insert(e.id());
    int64_t debit = 0, credit = 0;
    for (const auto& l : e.lines()) {
      debit += Nanos(l.debit());
      credit += Nanos(l.credit());
      // The default chart, as no --revenue-config was given.
      CHECK_FALSE(l.account().empty());
      if (l.account_role() == cv1::ACCOUNT_ROLE_RECEIVABLE) {
        CHECK(l.account() == "1100");
      }
    }
    CHECK(debit == credit);
    CHECK(debit > 0);
  }
  CHECK(ids.size() == all.size());
  // Invoice: Dr receivable 990, Cr tax 90, Cr deferred revenue 900.
  bool receivable_seen = false;
  for (const auto& l : all[0].lines()) {
    if (l.account_role() == cv1::ACCOUNT_ROLE_RECEIVABLE) {
      receivable_seen = true;
      CHECK(FormatMoney(l.debit()) == "990.00 USD");
    }
  }
  CHECK(receivable_seen);

  SECTION("a period range") {
    auto feb = ListJournal(hub, id, "2025-02", "2025-02");
    REQUIRE(feb.size() == 1);
    CHECK(feb[0].period() == "2025-02");
    CHECK(feb[0].source_kind() == "recognition");
    auto from_feb = ListJournal(hub, id, "2025-02", "");
    CHECK(from_feb.size() == 2);
    auto to_jan = ListJournal(hub, id, "", "2025-01");
    CHECK(to_jan.size() == 2);
    CHECK(ListJournal(hub, id, "2026-01", "").empty());
  }
  SECTION("pages of one give the same entries in the same order") {
    auto paged = ListJournal(hub, id, "", "", 1);
    REQUIRE(paged.size() == all.size());
    for (size_t i = 0; i < all.size(); ++i) CHECK(paged[i].id() == all[i].id());
  }
  SECTION("bad requests name the field") {
    v1::ListJournalEntriesRequest req;
    v1::ListJournalEntriesResponse resp;
    auto st = hub.revenue->ListJournalEntries(Ctx().get(), req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "contract_id: is required");
    req.set_contract_id(id);
    req.set_period_start("2025-13");
    st = hub.revenue->ListJournalEntries(Ctx().get(), req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    req.set_period_start("2025-03");
    req.set_period_end("2025-01");
    st = hub.revenue->ListJournalEntries(Ctx().get(), req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(st.error_message(), "period_end"));
    req.set_period_end("");
    req.set_page_token("nonsense");
    st = hub.revenue->ListJournalEntries(Ctx().get(), req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(st.error_message(), "page_token"));
  }
  SECTION("a payment adds a cash entry") {
    v1::UpsertPaymentRequest pay;
    auto* p = pay.mutable_payment();
    p->set_customer_id(hub.customer_id);
    p->set_status(cv1::PAYMENT_STATUS_SUCCEEDED);
    *p->mutable_amount() = Usd(990);
    *p->mutable_received_at() = At(kFeb + 86400 * 2);
    auto* a = p->add_allocations();
    a->set_invoice_id(inv_resp.invoice().id());
    *a->mutable_amount() = Usd(990);
    pay.set_idempotency_key("pay-1");
    v1::UpsertPaymentResponse pay_resp;
    REQUIRE(hub.payments->UpsertPayment(Ctx().get(), pay, &pay_resp)
                .error_message() == "");
    WaitForSchedule(hub, id, 3);
    auto feb = ListJournal(hub, id, "2025-02", "2025-02");
    REQUIRE(feb.size() == 2);
    CHECK(feb[0].source_kind() == "payment");
    CHECK(feb[1].source_kind() == "recognition");
  }
}

TEST_CASE("PreviewSchedule computes without storing anything", "[revenue]") {
  RevenueHub hub;
  const size_t events_before = Events(hub, cv1::EVENT_TYPE_UNSPECIFIED).size();
  v1::PreviewScheduleRequest req;
  *req.mutable_contract() = Contract(hub, 900);
  req.mutable_contract()->set_id("ctr_preview");
  req.mutable_contract()->set_version(1);
  cv1::Product product;
  product.set_id(hub.product_id);
  product.set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
  *req.add_products() = product;
  v1::PreviewScheduleResponse resp;
  auto st = hub.revenue->PreviewSchedule(Ctx().get(), req, &resp);
  REQUIRE(st.error_message() == "");
  REQUIRE(resp.schedule().lines_size() == 3);
  CHECK(FormatMoney(resp.schedule().lines(1).amount()) == "280.00 USD");
  REQUIRE(resp.journal_entries_size() == 3);
  // The hub's account mapping applies to previews too.
  CHECK(resp.journal_entries(0).lines(0).account() != "");

  // Nothing stored: no event, no schedule.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(Events(hub, cv1::EVENT_TYPE_UNSPECIFIED).size() == events_before);
  CHECK(absl::IsNotFound(TryGetSchedule(hub, "ctr_preview").status()));

  SECTION("errors name the field") {
    v1::PreviewScheduleRequest empty;
    st = hub.revenue->PreviewSchedule(Ctx().get(), empty, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "contract: required");
  }
}

TEST_CASE("an engine error is recorded on the schedule and the worker goes on",
          "[revenue]") {
  RevenueHub hub;
  auto booked = Upsert(hub, Contract(hub, 900), "book");
  const std::string id = booked.contract().id();
  RevenueSchedule good = WaitForSchedule(hub, id, 1);

  // A contract keeps one currency: the engine refuses this amendment.
  cv1::Contract bad = booked.contract();
  bad.set_currency_code("EUR");
  bad.mutable_lines(0)->mutable_unit_price()->set_currency_code("EUR");
  *bad.mutable_effective_at() = At(kFeb);
  Upsert(hub, bad, "bad");
  RevenueSchedule failed = WaitForSchedule(hub, id, 2);
  CHECK(failed.status() == cv1::REVENUE_SCHEDULE_STATUS_FAILED);
  CHECK(absl::StrContains(failed.recomputation_error(), "v2"));
  CHECK(absl::StrContains(failed.recomputation_error(), "currency_code"));
  CHECK(failed.contract_version() == 2);
  // The last good lines stay; no RevenueScheduleChanged for the failure.
  CHECK(ByCell(failed) == ByCell(good));
  CHECK(ScheduleEvents(hub, id).size() == 1);

  // The worker moved on: another contract is booked and scheduled.
  auto other = Upsert(hub, Contract(hub, 90), "book-other");
  RevenueSchedule next = WaitForSchedule(hub, other.contract().id(), 1);
  CHECK(next.status() != cv1::REVENUE_SCHEDULE_STATUS_FAILED);
  CHECK(ScheduleEvents(hub, other.contract().id()).size() == 1);

  // The bad version stays in the contract's history, so a later amendment
  // fails too: a new FAILED version naming it; the same failure again (an
  // invoice recomputes the contract) adds nothing.
  cv1::Contract later = bad;
  *later.mutable_effective_at() = At(kMar);
  later.set_change_reason("later");
  Upsert(hub, later, "later");
  RevenueSchedule v3 = WaitForSchedule(hub, id, 3);
  CHECK(v3.status() == cv1::REVENUE_SCHEDULE_STATUS_FAILED);
  CHECK(absl::StrContains(v3.recomputation_error(), " v3: "));
  CHECK(ByCell(v3) == ByCell(good));

  v1::UpsertInvoiceRequest inv;
  auto* invoice = inv.mutable_invoice();
  invoice->set_customer_id(hub.customer_id);
  invoice->set_contract_id(id);
  invoice->set_kind(cv1::INVOICE_KIND_INVOICE);
  invoice->set_status(cv1::INVOICE_STATUS_OPEN);
  invoice->set_currency_code("EUR");
  *invoice->mutable_issued_at() = At(kMar);
  inv.set_idempotency_key("inv-1");
  v1::UpsertInvoiceResponse inv_resp;
  REQUIRE(hub.invoices->UpsertInvoice(Ctx().get(), inv, &inv_resp)
              .error_message() == "");
  // Proof the worker got past the invoice: a booking after it is scheduled.
  auto third = Upsert(hub, Contract(hub, 30), "book-third");
  WaitForSchedule(hub, third.contract().id(), 1);
  auto still = TryGetSchedule(hub, id);
  REQUIRE(still.ok());
  CHECK(still->version() == 3);
  CHECK(ScheduleEvents(hub, id).size() == 1);
}

TEST_CASE("a failed schedule recovers once the facts are fixed", "[revenue]") {
  RevenueHub hub;
  // A product without a revenue rule: the engine cannot recognise its line.
  v1::UpsertProductRequest p;
  p.mutable_product()->set_name("Unclassified");
  p.set_idempotency_key("prd-bare");
  v1::UpsertProductResponse bare;
  REQUIRE(hub.products->UpsertProduct(Ctx().get(), p, &bare).ok());
  cv1::Contract c = Contract(hub, 900);
  c.mutable_lines(0)->set_product_id(bare.product().id());
  auto booked = Upsert(hub, c, "book");
  const std::string id = booked.contract().id();
  RevenueSchedule failed = WaitForSchedule(hub, id, 1);
  CHECK(failed.status() == cv1::REVENUE_SCHEDULE_STATUS_FAILED);
  CHECK(absl::StrContains(failed.recomputation_error(), "revenue_rule"));
  CHECK(failed.lines_size() == 0);
  CHECK(ListJournal(hub, id).empty());
  CHECK(ScheduleEvents(hub, id).empty());

  // The product gets its rule: the contracts that sell it are recomputed,
  // without waiting for an event of their own.
  p.mutable_product()->set_id(bare.product().id());
  p.mutable_product()->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
  p.set_idempotency_key("prd-fixed");
  REQUIRE(hub.products->UpsertProduct(Ctx().get(), p, &bare).ok());
  RevenueSchedule good = WaitForSchedule(hub, id, 2);
  CHECK(good.status() == cv1::REVENUE_SCHEDULE_STATUS_DRAFT);
  CHECK(good.recomputation_error().empty());
  CHECK(good.lines_size() == 3);
  auto events = ScheduleEvents(hub, id);
  REQUIRE(events.size() == 1);
  CHECK(events[0].revenue_schedule_changed().previous_version() == 1);
  // Against the failed version, which had no lines: the whole schedule.
  CHECK(ChangesOf(events[0]) == ByCell(good));
  CHECK(ListJournal(hub, id).size() == 3);
}

TEST_CASE("the worker survives kill -9 without losing or doubling work",
          "[revenue][crash]") {
  RevenueHub hub;
  std::vector<std::string> ids;
  std::map<std::string, int64_t> contract_events;
  // Each round books or amends a contract and kills the hub after a delay
  // that lands before, during or after the recomputation.
  const int delays_ms[] = {0, 0, 1, 0, 2, 5, 0, 10, 30, 0, 3, 60};
  int round = 0;
  for (int delay : delays_ms) {
    ++round;
    if (round % 3 == 1) {
      auto r = Upsert(hub, Contract(hub, 900 + round),
                      "book-" + std::to_string(round));
      ids.push_back(r.contract().id());
      contract_events[r.contract().id()] = 1;
    } else {
      const std::string& id = ids.back();
      v1::GetContractRequest g;
      g.set_id(id);
      v1::GetContractResponse cur;
      REQUIRE(hub.contracts->GetContract(Ctx().get(), g, &cur).ok());
      cv1::Contract amended = cur.contract();
      *amended.mutable_lines(0)->mutable_unit_price() = Usd(1000 + round);
      *amended.mutable_effective_at() = At(kFeb + round * 86400);
      Upsert(hub, amended, "amend-" + std::to_string(round));
      ++contract_events[id];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    hub.CrashAndRestart();
  }
  for (const auto& [id, count] : contract_events) {
    RevenueSchedule s = WaitForSchedule(hub, id, count);
    // Exactly one version and one event per contract event.
    CHECK(s.version() == count);
    auto events = ScheduleEvents(hub, id);
    REQUIRE(static_cast<int64_t>(events.size()) == count);
    for (int64_t v = 1; v <= count; ++v) {
      CHECK(events[v - 1].subject().version() == v);
      CHECK(events[v - 1].revenue_schedule_changed().schedule().version() == v);
    }
  }
  // A booking and its invoice, killed at once: each is computed from the
  // facts of its own moment, so two versions whatever the worker's timing.
  for (int i = 0; i < 3; ++i) {
    auto r =
        Upsert(hub, Contract(hub, 600), "book-billed-" + std::to_string(i));
    const std::string id = r.contract().id();
    v1::UpsertInvoiceRequest inv;
    auto* invoice = inv.mutable_invoice();
    invoice->set_customer_id(hub.customer_id);
    invoice->set_contract_id(id);
    invoice->set_kind(cv1::INVOICE_KIND_INVOICE);
    invoice->set_status(cv1::INVOICE_STATUS_OPEN);
    invoice->set_currency_code("USD");
    *invoice->mutable_issued_at() = At(kJan);
    *invoice->mutable_subtotal() = Usd(600);
    *invoice->mutable_total() = Usd(600);
    inv.set_idempotency_key("inv-" + std::to_string(i));
    v1::UpsertInvoiceResponse inv_resp;
    REQUIRE(hub.invoices->UpsertInvoice(Ctx().get(), inv, &inv_resp).ok());
    hub.CrashAndRestart();
    RevenueSchedule s = WaitForSchedule(hub, id, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(TryGetSchedule(hub, id)->version() == 2);
    auto events = ScheduleEvents(hub, id);
    REQUIRE(events.size() == 2);
    CHECK(events[0].revenue_schedule_changed().changes_size() == 3);
    CHECK(events[1].revenue_schedule_changed().changes_size() == 0);
    CHECK(ListJournal(hub, id).size() == 4);
  }

  // Settled: a clean restart changes nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const size_t total =
      Events(hub, cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED).size();
  hub.CrashAndRestart();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(Events(hub, cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED).size() == total);
  v1::GetConsumerRequest creq;
  creq.set_consumer("revenue-engine");
  v1::GetConsumerResponse cresp;
  REQUIRE(hub.events->GetConsumer(Ctx().get(), creq, &cresp).ok());
  CHECK(cresp.consumer().acknowledged_position() ==
        Events(hub, cv1::EVENT_TYPE_UNSPECIFIED).back().position());
}

TEST_CASE("--revenue-config maps accounts per legal entity", "[revenue]") {
  TempDir config_dir;
  const std::string path = config_dir.path() + "/revenue.json";
  std::ofstream(path) << R"({
    "accounts": {
      "ACME-US": {"RECEIVABLE": "1200", "REVENUE": "4100"},
      "":        {"CASH": "1010"}
    }
  })";
  RevenueHub hub;
  REQUIRE(hub.RestartWith({"--revenue-config", path}));

  auto booked = Upsert(hub, Contract(hub, 900), "book");
  WaitForSchedule(hub, booked.contract().id(), 1);
  auto entries = ListJournal(hub, booked.contract().id());
  REQUIRE(!entries.empty());
  std::map<int, std::string> accounts;
  for (const auto& e : entries) {
    for (const auto& l : e.lines()) accounts[l.account_role()] = l.account();
  }
  CHECK(accounts[cv1::ACCOUNT_ROLE_REVENUE] == "4100");
  // Roles the file leaves out keep the default chart (recognised before
  // billing: a contract asset).
  CHECK(accounts[cv1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE] == "1250");

  SECTION("a bad file stops the hub from starting") {
    std::ofstream(path) << R"({"accounts": {"ACME-US": {"RECEVABLE": "1"}}})";
    CHECK_FALSE(hub.RestartWith({"--revenue-config", path}));
    // The same data with the file fixed serves again.
    std::ofstream(path) << R"({"accounts": {"ACME-US": {"RECEIVABLE": "1"}}})";
    REQUIRE(hub.RestartWith({"--revenue-config", path}));
    CHECK(TryGetSchedule(hub, booked.contract().id()).ok());
  }
}

}  // namespace
}  // namespace revhub::testing
