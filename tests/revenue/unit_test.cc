// Unit tests of the revenue modules' stated rules.
#include <catch2/catch.hpp>

#include "canonical/revenue/allocation.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/engine.h"
#include "canonical/revenue/modification.h"
#include "canonical/revenue/pattern.h"
#include "canonical/revenue/schedule_builder.h"

namespace revhub::revenue {
namespace {

int64_t Day(int y, int m, int d) { return DaysFromCivil(y, m, d) * kMsPerDay; }

Nanos Sum(const std::vector<PeriodAmount>& v) {
  Nanos s = 0;
  for (const auto& p : v) s += p.amount;
  return s;
}

TEST_CASE("civil dates round-trip and months clamp", "[revenue][unit]") {
  for (int64_t d = -800; d < 200000; d += 37) {
    const CivilDate c = CivilFromDays(d);
    CHECK(DaysFromCivil(c.year, c.month, c.day) == d);
  }
  CHECK(AddMonths(Day(2024, 1, 31), 1) == Day(2024, 2, 29));
  CHECK(AddMonths(Day(2023, 1, 31), 1) == Day(2023, 2, 28));
  CHECK(AddMonths(Day(2024, 12, 15), 1) == Day(2025, 1, 15));
  CHECK(PeriodName(PeriodOf(Day(2024, 6, 15))) == "2024-06");
  CHECK(PeriodStartMs(PeriodOf(Day(2024, 12, 31)) + 1) == Day(2025, 1, 1));
  CHECK_FALSE(ParsePeriod("2024-13", "p").ok());
  CHECK(*ParsePeriod("2024-02", "p") == PeriodOf(Day(2024, 2, 10)));
}

TEST_CASE("the remainder rule is cumulative truncation", "[revenue][unit]") {
  // 100 minor units over three equal months: 33, 33, 34.
  const Span span{Day(2024, 1, 1), Day(2024, 4, 1),
                  canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN};
  std::vector<PeriodAmount> out;
  SpreadAmount(span, 100, span.start_ms, span.end_ms, &out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].amount == 33);
  CHECK(out[1].amount == 33);
  CHECK(out[2].amount == 34);
  // Negative amounts truncate towards zero the same way.
  out.clear();
  SpreadAmount(span, -100, span.start_ms, span.end_ms, &out);
  CHECK(out[0].amount == -33);
  CHECK(out[2].amount == -34);
  // Revenue to date never runs ahead of the exact pro rata figure.
  const Span days{Day(2024, 1, 7), Day(2025, 3, 3),
                  canonical::v1::PERIOD_CONVENTION_BY_DAY};
  const Nanos amount = 123457;
  out.clear();
  SpreadAmount(days, amount, days.start_ms, days.end_ms, &out);
  Nanos to_date = 0;
  for (const auto& p : out) {
    to_date += p.amount;
    const Weight w = WeightBefore(days, PeriodStartMs(p.period + 1));
    const Weight whole = TotalWeight(days);
    // to_date * whole <= amount * w < (to_date + 1) * whole
    CHECK(to_date * whole <= amount * w);
    CHECK(amount * w < (to_date + 1) * whole);
  }
  CHECK(to_date == amount);
}

TEST_CASE("windows that tile a span give the same total", "[revenue][unit]") {
  for (auto conv : {canonical::v1::PERIOD_CONVENTION_BY_DAY,
                    canonical::v1::PERIOD_CONVENTION_BY_INSTANT,
                    canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN,
                    canonical::v1::PERIOD_CONVENTION_MONTHLY_PRO_RATA}) {
    const Span span{Day(2023, 11, 17) + 3600000, Day(2025, 2, 9), conv};
    const int64_t cut = Day(2024, 5, 20) + 7200000;
    std::vector<PeriodAmount> whole, left, right;
    SpreadAmount(span, 999999, span.start_ms, span.end_ms, &whole);
    SpreadAmount(span, 999999, span.start_ms, cut, &left);
    SpreadAmount(span, 999999, cut, span.end_ms, &right);
    CHECK(Sum(whole) == 999999);
    CHECK(Sum(left) + Sum(right) == 999999);
    CHECK(Sum(left) == AmountBefore(span, 999999, cut));
  }
}

TEST_CASE("month-even slices count from the start date", "[revenue][unit]") {
  const Span span{Day(2024, 1, 31), Day(2024, 4, 30),
                  canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN};
  // Slices start Jan 31, Feb 29, Mar 31: three, in Jan, Feb, Mar.
  CHECK(TotalWeight(span) == 3);
  CHECK(PeriodName(LastPeriod(span)) == "2024-03");
}

// Issue 10: total = subtotal - discount_total + tax_total whatever
// tax_inclusive says (the amounts are net; tax_inclusive only records how
// the vendor priced). 120 including 20% VAT is net 100, tax 20.
TEST_CASE("document amounts read total one way, tax inclusive or not",
          "[revenue][unit]") {
  Invoice doc;
  doc.set_currency_code("EUR");
  *doc.mutable_subtotal() = *ParseMoney("110", "EUR");
  *doc.mutable_discount_total() = *ParseMoney("10", "EUR");
  *doc.mutable_tax_total() = *ParseMoney("20", "EUR");
  for (bool inclusive : {false, true}) {
    doc.set_tax_inclusive(inclusive);
    auto a = ReadDocumentAmounts(doc, "EUR", "invoices[0]");
    REQUIRE(a.ok());
    CHECK(a->total == ToNanos(*ParseMoney("120", "EUR")));
    CHECK(a->tax == ToNanos(*ParseMoney("20", "EUR")));
    CHECK(a->net == ToNanos(*ParseMoney("100", "EUR")));
  }
  // A given total is taken as it is; the tax comes out of it.
  *doc.mutable_total() = *ParseMoney("120", "EUR");
  auto a = ReadDocumentAmounts(doc, "EUR", "invoices[0]");
  REQUIRE(a.ok());
  CHECK(a->net == ToNanos(*ParseMoney("100", "EUR")));
  *doc.mutable_tax_total() = *ParseMoney("130", "EUR");
  CHECK(ReadDocumentAmounts(doc, "EUR", "invoices[0]").status().message() ==
        "invoices[0].tax_total: exceeds the document's total");
}

TEST_CASE("billed parts earn up to a cancellation, the rest at it",
          "[revenue][unit]") {
  using schedule_internal::EarnBilled;
  using schedule_internal::Earning;
  using schedule_internal::kDawn;
  using schedule_internal::kNever;
  using schedule_internal::PieceBefore;
  // March by day: 31 days, 10000 minor units.
  Earning e;
  e.is_span = true;
  e.span = Span{Day(2024, 3, 1), Day(2024, 4, 1),
                canonical::v1::PERIOD_CONVENTION_BY_DAY};
  auto total = [](const std::vector<schedule_internal::Piece>& ps, int64_t t) {
    Nanos s = 0;
    for (const auto& p : ps) s += PieceBefore(p, t);
    return s;
  };
  const auto whole = EarnBilled(e, 10000, kNever, kDawn);
  CHECK(total(whole, Day(2024, 3, 16)) == 4838);  // 15 of 31 days
  CHECK(total(whole, kNever) == 10000);
  const auto cut = EarnBilled(e, 10000, Day(2024, 3, 16), kDawn);
  CHECK(total(cut, Day(2024, 3, 16)) == 4838);
  CHECK(total(cut, Day(2024, 3, 16) + 1) == 10000);  // 5162 at the cut
  // A credit dated after some of its period: what the period recognised
  // before the date is one CREDIT point at the date.
  const auto credit = EarnBilled(e, -3100, kNever, Day(2024, 3, 11));
  REQUIRE_FALSE(credit.empty());
  CHECK(credit[0].at == Day(2024, 3, 11));
  CHECK(credit[0].amount == -1000);  // 10 of 31 days of -3100
  CHECK(credit[0].kind == canonical::v1::REVENUE_SCHEDULE_LINE_KIND_CREDIT);
  CHECK(total(credit, Day(2024, 3, 11)) == 0);
  CHECK(total(credit, kNever) == -3100);
  // A credit after the cancellation takes it all back at its date.
  const auto late = EarnBilled(e, -5161, Day(2024, 3, 16), Day(2024, 4, 2));
  REQUIRE(late.size() == 1);
  CHECK(late[0].at == Day(2024, 4, 2));
  CHECK(late[0].amount == -5161);
}

TEST_CASE("modification treatment follows the facts", "[revenue][unit]") {
  ObligationFacts kept{"A", LineChange::kUnchanged, false, true, true, false};
  ObligationFacts added_at_ssp{"B",  LineChange::kAdded, true, true, true,
                               false};
  ObligationFacts added_below{"B",  LineChange::kAdded, false, true, true,
                              false};
  ObligationFacts changed_series{"A",  LineChange::kChanged, false, true, true,
                                 false};
  ObligationFacts changed_single{"M",  LineChange::kChanged, false, true, false,
                                 false};
  ObligationFacts usage{"U", LineChange::kChanged, false, true, true, true};

  CHECK(ClassifyModification({kept}, false).treatment ==
        canonical::v1::MODIFICATION_TREATMENT_NONE);
  CHECK(ClassifyModification({kept, added_at_ssp}, false).treatment ==
        canonical::v1::MODIFICATION_TREATMENT_SEPARATE_CONTRACT);
  // A discount change makes it more than an addition at SSP.
  CHECK(ClassifyModification({kept, added_at_ssp}, true).treatment ==
        canonical::v1::MODIFICATION_TREATMENT_PROSPECTIVE);
  CHECK(ClassifyModification({kept, added_below}, false).treatment ==
        canonical::v1::MODIFICATION_TREATMENT_PROSPECTIVE);
  CHECK(ClassifyModification({changed_series}, false).treatment ==
        canonical::v1::MODIFICATION_TREATMENT_PROSPECTIVE);
  const auto d = ClassifyModification({changed_single}, false);
  CHECK(d.treatment ==
        canonical::v1::MODIFICATION_TREATMENT_CUMULATIVE_CATCH_UP);
  CHECK(d.reason.find("M") != std::string::npos);
  CHECK(
      ClassifyModification({changed_series, changed_single}, false).treatment ==
      canonical::v1::MODIFICATION_TREATMENT_MIXED);
  const auto u = ClassifyModification({usage, changed_series}, false);
  CHECK(u.per_line[0] == ObligationTreatment::kKeep);
}

TEST_CASE("schedule changes are per obligation and period", "[revenue][unit]") {
  RevenueSchedule before, after;
  before.set_currency_code("USD");
  after.set_currency_code("USD");
  auto add = [](RevenueSchedule* s, const char* po, const char* period,
                int64_t cents) {
    auto* l = s->add_lines();
    l->set_performance_obligation_id(po);
    l->set_period(period);
    *l->mutable_amount() = *MoneyFromMinorUnits("USD", cents);
  };
  add(&before, "po1", "2024-01", 1000);
  add(&before, "po1", "2024-02", 1000);
  add(&after, "po1", "2024-01", 1000);
  add(&after, "po1", "2024-02", 700);
  add(&after, "po1", "2024-02", 100);  // a second kind in the same period
  add(&after, "po2", "2024-03", 500);
  const auto changes = ScheduleChanges(before, after);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].period() == "2024-02");
  CHECK(FormatMoney(changes[0].amount()) == "-2.00 USD");
  CHECK(changes[1].performance_obligation_id() == "po2");
  CHECK(FormatMoney(changes[1].amount()) == "5.00 USD");
  CHECK(ScheduleChanges(after, after).empty());
}

TEST_CASE("journal entries filter by period range", "[revenue][unit]") {
  std::vector<JournalEntry> entries(3);
  entries[0].set_period("2024-01");
  entries[1].set_period("2024-02");
  entries[2].set_period("2024-03");
  auto mid = JournalEntriesInPeriods(entries, "2024-02", "2024-02");
  REQUIRE(mid.ok());
  CHECK(mid->size() == 1);
  CHECK(JournalEntriesInPeriods(entries, "", "")->size() == 3);
  CHECK(JournalEntriesInPeriods(entries, "2024-02", "")->size() == 2);
  CHECK_FALSE(JournalEntriesInPeriods(entries, "2024-3", "").ok());
  CHECK_FALSE(JournalEntriesInPeriods(entries, "2024-03", "2024-01").ok());
}

TEST_CASE("account mapping falls back to the default entity",
          "[revenue][unit]") {
  AccountMapping m;
  CHECK(*m.AccountFor("X", canonical::v1::ACCOUNT_ROLE_CASH) == "");
  m.Set("", canonical::v1::ACCOUNT_ROLE_CASH, "1000")
      .Set("EU", canonical::v1::ACCOUNT_ROLE_CASH, "1010");
  CHECK(*m.AccountFor("EU", canonical::v1::ACCOUNT_ROLE_CASH) == "1010");
  CHECK(*m.AccountFor("US", canonical::v1::ACCOUNT_ROLE_CASH) == "1000");
  const auto missing = m.AccountFor("US", canonical::v1::ACCOUNT_ROLE_REVENUE);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace revhub::revenue

#include "hub/revenue/preview.h"

namespace revhub::revenue {
namespace {

TEST_CASE("PreviewSchedule request maps onto the engine", "[revenue][unit]") {
  hub::v1::PreviewScheduleRequest request;
  CHECK_FALSE(PreviewScheduleForRequest(request, AccountMapping()).ok());
  auto* p = request.add_products();
  p->set_id("plan");
  p->set_revenue_rule(canonical::v1::REVENUE_RULE_RATABLE);
  auto* c = request.mutable_contract();
  c->set_id("c9");
  c->set_version(2);
  c->set_currency_code("USD");
  *c->mutable_effective_at() = FromMs(Day(2024, 7, 1));
  auto* l = c->add_lines();
  l->set_line_id("L1");
  l->set_product_id("plan");
  *l->mutable_quantity() = *ParseDecimal("1");
  *l->mutable_unit_price() = *ParseMoney("1200", "USD");
  *l->mutable_service_period()->mutable_start_time() = FromMs(Day(2024, 1, 1));
  *l->mutable_service_period()->mutable_end_time() = FromMs(Day(2025, 1, 1));
  auto* v1 = request.add_previous_versions();
  *v1 = *c;
  v1->set_version(1);
  *v1->mutable_lines(0)->mutable_unit_price() = *ParseMoney("600", "USD");
  request.set_period_convention(canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN);
  auto response = PreviewScheduleForRequest(request, AccountMapping());
  REQUIRE(response.ok());
  const auto& s = response->schedule();
  CHECK(s.contract_version() == 2);
  CHECK(s.modifications_size() == 2);
  CHECK(s.modification_treatment() ==
        canonical::v1::MODIFICATION_TREATMENT_PROSPECTIVE);
  CHECK(FormatMoney(s.transaction_price()) == "1200.00 USD");
  // 300 recognised Jan-Jun at 50 a month, then 900 over six months.
  CHECK(s.lines(0).period() == "2024-01");
  CHECK(FormatMoney(s.lines(0).amount()) == "50.00 USD");
  CHECK(FormatMoney(s.lines(6).amount()) == "150.00 USD");
  CHECK(s.period_convention() ==
        canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN);
}

}  // namespace
}  // namespace revhub::revenue
