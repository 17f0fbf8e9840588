// RevenueService against a real revhubd: the stored schedule recomputed as
// a contract is booked, amended and cancelled; journal entries from
// invoices and payments, listed by period; previews that store nothing.
#include <chrono>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "canonical/money.h"
#include "tests/api/revenue_fixture.h"

namespace revhub::testing {
namespace {

namespace {
// The obligation of the schedule's first line.
std::string cell_of_jan(const RevenueSchedule& s) {
  return s.lines(0).performance_obligation_id();
}
}  // namespace

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

  SECTION("a cancellation stops recognition at cancelled_at") {
    cv1::Contract cancelled = amended;
    cancelled.set_status(cv1::CONTRACT_STATUS_CANCELLED);
    *cancelled.mutable_cancelled_at() = At(kMar);
    *cancelled.mutable_effective_at() = At(kMar);
    Upsert(hub, cancelled, "cancel");
    RevenueSchedule v3s = WaitForSchedule(hub, id, 3);
    CHECK(v3s.contract_version() == 3);
    // Nothing billed: nothing is kept beyond what was recognised, and March
    // is no longer recognised.
    auto before = ByCell(v2s);
    auto after = ByCell(v3s);
    for (const auto& [cell, amount] : after) CHECK(cell.second != "2025-03");
    CHECK(after.at({cell_of_jan(v2s), "2025-01"}) ==
          before.at({cell_of_jan(v2s), "2025-01"}));
    CHECK(v3s.modifications(v3s.modifications_size() - 1).cause().kind() ==
          cv1::REVENUE_CAUSE_KIND_CANCELLATION);
    events = ScheduleEvents(hub, id);
    REQUIRE(events.size() == 3);
    CHECK(events[2].revenue_schedule_changed().changes_size() > 0);
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

TEST_CASE("a refund through the API takes revenue back once", "[revenue]") {
  RevenueHub hub;
  auto booked = Upsert(hub, Contract(hub, 900), "book");
  const std::string id = booked.contract().id();
  WaitForSchedule(hub, id, 1);
  v1::UpsertInvoiceRequest inv;
  auto* invoice = inv.mutable_invoice();
  invoice->set_customer_id(hub.customer_id);
  invoice->set_contract_id(id);
  invoice->set_kind(cv1::INVOICE_KIND_INVOICE);
  invoice->set_status(cv1::INVOICE_STATUS_PAID);
  invoice->set_currency_code("USD");
  *invoice->mutable_issued_at() = At(kJan);
  *invoice->mutable_subtotal() = Usd(900);
  *invoice->mutable_total() = Usd(900);
  auto* line = invoice->add_lines();
  line->set_contract_line_id("L1");
  *line->mutable_amount() = Usd(900);
  inv.set_idempotency_key("inv-1");
  v1::UpsertInvoiceResponse inv_resp;
  REQUIRE(hub.invoices->UpsertInvoice(Ctx().get(), inv, &inv_resp)
              .error_message() == "");
  WaitForSchedule(hub, id, 2);

  // Paid in January; 90 refunded on February 1 (no credit note).
  v1::UpsertPaymentRequest pay;
  auto* p = pay.mutable_payment();
  p->set_customer_id(hub.customer_id);
  p->set_status(cv1::PAYMENT_STATUS_PARTIALLY_REFUNDED);
  *p->mutable_amount() = Usd(900);
  *p->mutable_received_at() = At(kJan + 86400);
  auto* a = p->add_allocations();
  a->set_invoice_id(inv_resp.invoice().id());
  *a->mutable_amount() = Usd(900);
  *p->mutable_refunded_amount() = Usd(90);
  auto* r = p->add_refunds();
  r->set_id("re_1");
  *r->mutable_amount() = Usd(90);
  *r->mutable_refunded_at() = At(kFeb);
  r->set_status(cv1::REFUND_STATUS_SUCCEEDED);
  pay.set_idempotency_key("pay-1");
  v1::UpsertPaymentResponse pay_resp;
  REQUIRE(hub.payments->UpsertPayment(Ctx().get(), pay, &pay_resp)
              .error_message() == "");
  RevenueSchedule s = WaitForSchedule(hub, id, 3);
  // January recognised 310 of 900: the refund takes 90 x 310/900 = 31 of it
  // (REFUND in February, caused by re_1) and 59 off February and March.
  int64_t refund = 0;
  int64_t total = 0;
  for (const auto& l : s.lines()) {
    total += Nanos(l.amount());
    if (l.kind() == cv1::REVENUE_SCHEDULE_LINE_KIND_REFUND) {
      refund += Nanos(l.amount());
      CHECK(l.period() == "2025-02");
      CHECK(l.cause().kind() == cv1::REVENUE_CAUSE_KIND_REFUND);
      CHECK(l.cause().id() == "re_1");
    }
  }
  CHECK(refund == -31 * 1000000000LL);
  CHECK(total == 810 * 1000000000LL);
  // Its own contra revenue account (default chart 4060) in February's
  // recognition entry; the refund entry returns the cash.
  auto feb = ListJournal(hub, id, "2025-02", "2025-02");
  bool contra = false;
  bool cash_back = false;
  for (const auto& e : feb) {
    for (const auto& l : e.lines()) {
      if (l.account_role() == cv1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND) {
        contra = true;
        CHECK(l.account() == "4060");
        CHECK(FormatMoney(l.debit()) == "31.00 USD");
      }
      if (e.source_kind() == "refund" &&
          l.account_role() == cv1::ACCOUNT_ROLE_CASH) {
        cash_back = true;
        CHECK(FormatMoney(l.credit()) == "90.00 USD");
      }
    }
  }
  CHECK(contra);
  CHECK(cash_back);
  // The same payment again (a redelivery) changes nothing.
  pay.mutable_payment()->set_id(pay_resp.payment().id());
  pay.set_idempotency_key("pay-1-again");
  REQUIRE(hub.payments->UpsertPayment(Ctx().get(), pay, &pay_resp)
              .error_message() == "");
  auto other = Upsert(hub, Contract(hub, 90), "book-other");
  WaitForSchedule(hub, other.contract().id(), 1);
  auto again = TryGetSchedule(hub, id);
  REQUIRE(again.ok());
  CHECK(again->version() == 3);

  // The refund given again on another payment (the payment stored twice) is
  // refused with the field, and the worker goes on.
  pay.mutable_payment()->clear_id();
  pay.set_idempotency_key("pay-2");
  REQUIRE(hub.payments->UpsertPayment(Ctx().get(), pay, &pay_resp)
              .error_message() == "");
  RevenueSchedule failed = WaitForSchedule(hub, id, 4);
  CHECK(failed.status() == cv1::REVENUE_SCHEDULE_STATUS_FAILED);
  CHECK(absl::StrContains(failed.recomputation_error(),
                          "refunds[0].id: \"re_1\" is already a refund"));
  auto third = Upsert(hub, Contract(hub, 30), "book-third");
  WaitForSchedule(hub, third.contract().id(), 1);
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

}  // namespace
}  // namespace revhub::testing
