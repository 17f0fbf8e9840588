// The hub's revenue recomputation worker against a real revhubd: an engine
// error is recorded on the schedule and the worker goes on, a failed
// schedule recovers once its facts are fixed, kill -9 loses and doubles no
// work, and --revenue-config maps accounts per legal entity.
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "tests/api/revenue_fixture.h"

namespace revhub::testing {
namespace {

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
