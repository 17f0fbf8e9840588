// Property tests over random contracts (fixed seeds): whatever the contract,
// lines sum exactly to allocations, allocations to the transaction price,
// journals balance, the contract position is never both an asset and a
// liability and neither is negative, and the order of the inputs (including
// events at the same instant) does not change the result.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/engine.h"
#include "report_checks.h"

namespace revhub::revenue {
namespace {

using canonical::v1::Contract;

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int Int(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(int percent) { return Int(1, 100) <= percent; }

  Money Amount(int64_t max_minor) {
    return *MoneyFromMinorUnits(
        currency_, std::uniform_int_distribution<int64_t>(0, max_minor)(rng_));
  }
  int64_t DayMs(int from_day, int to_day) {
    // Days from 2023-01-01, sometimes at noon.
    return (DaysFromCivil(2023, 1, 1) + Int(from_day, to_day)) * kMsPerDay +
           (Chance(20) ? 12 * 3600000LL : 0);
  }
  google::protobuf::Timestamp Ts(int64_t ms) { return FromMs(ms); }

  RevenueInput Contract(RevenueSettings* settings) {
    static const char* kCurrencies[] = {"USD", "JPY", "KWD", "EUR"};
    currency_ = kCurrencies[Int(0, 3)];
    static const PeriodConvention kConventions[] = {
        canonical::v1::PERIOD_CONVENTION_BY_DAY,
        canonical::v1::PERIOD_CONVENTION_BY_INSTANT,
        canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN,
        canonical::v1::PERIOD_CONVENTION_MONTHLY_PRO_RATA};
    settings->convention = kConventions[Int(0, 3)];
    RevenueInput in;
    const int n_products = Int(1, 4);
    for (int i = 0; i < n_products; ++i) {
      Product& p = in.products.emplace_back();
      p.set_id(absl::StrCat("p", i));
      p.set_name(p.id());
      const int r = Int(0, 9);
      p.set_revenue_rule(r < 6   ? canonical::v1::REVENUE_RULE_RATABLE
                         : r < 8 ? canonical::v1::REVENUE_RULE_POINT_IN_TIME
                                 : canonical::v1::REVENUE_RULE_USAGE);
      if (Chance(70)) *p.mutable_standalone_selling_price() = Amount(500000);
      if (Chance(20)) p.set_ssp_period_months(Int(1, 12));
      p.set_ssp_highly_variable(Chance(10));
    }
    ::revhub::canonical::v1::Contract& c = in.contract_versions.emplace_back();
    c.set_id("c1");
    c.set_version(1);
    c.set_legal_entity("ACME");
    c.set_currency_code(currency_);
    c.set_status(canonical::v1::CONTRACT_STATUS_ACTIVE);
    *c.mutable_effective_at() = Ts(DayMs(0, 0));
    const int n_lines = Int(1, 6);
    Nanos positive = 0;
    for (int i = 0; i < n_lines; ++i) {
      auto* l = c.add_lines();
      l->set_line_id(absl::StrCat("L", i));
      const Product& p = in.products[Int(0, n_products - 1)];
      l->set_product_id(p.id());
      const bool downgrade = i > 0 && Chance(10);
      l->set_downgrade(downgrade);
      *l->mutable_quantity() =
          *ParseDecimal(downgrade ? "-1" : std::to_string(Int(0, 5)));
      *l->mutable_unit_price() = Amount(Chance(10) ? 0 : 300000);
      if (!downgrade)
        positive +=
            ToNanos(l->unit_price()) * ToNanos(l->quantity()) / kNanosPerUnit;
      if (Chance(85) || p.revenue_rule() == canonical::v1::REVENUE_RULE_USAGE) {
        const int64_t start = DayMs(0, 400);
        int64_t end =
            start + (Chance(10) ? kMsPerDay : Int(1, 900) * kMsPerDay);
        if (Chance(10)) end = start + Int(1, 20) * 3600000LL;  // under a day
        *l->mutable_service_period()->mutable_start_time() = Ts(start);
        *l->mutable_service_period()->mutable_end_time() = Ts(end);
      }
    }
    if (Chance(30) && positive > 0) {
      auto* d = c.add_discounts();
      // At most a tenth of the positive prices, in whole minor units.
      *d->mutable_amount() = *MoneyFromNanos(currency_, 0);
      const int exp = MinorUnitExponent(currency_);
      Nanos step = 1;
      for (int e = 0; e < 9 - exp; ++e) step *= 10;
      const Nanos cap = positive / 10 / step;
      if (cap > 0) {
        *d->mutable_amount() =
            *MoneyFromNanos(currency_, std::uniform_int_distribution<int64_t>(
                                           0, static_cast<int64_t>(cap))(rng_) *
                                           step);
      }
    }
    // Usage, invoices, payments, credit notes, amendments.
    for (const auto& l : c.lines()) {
      for (const Product& p : in.products) {
        if (p.id() != l.product_id() ||
            p.revenue_rule() != canonical::v1::REVENUE_RULE_USAGE)
          continue;
        const int reports = Int(0, 3);
        for (int k = 0; k < reports; ++k) {
          auto& u = in.events.usage.emplace_back();
          u.set_contract_id("c1");
          u.set_line_id(l.line_id());
          *u.mutable_quantity() = *ParseDecimal(std::to_string(Int(0, 1000)));
          const int64_t s = DayMs(0, 500);
          *u.mutable_period()->mutable_start_time() = Ts(s);
          *u.mutable_period()->mutable_end_time() =
              Ts(s + Int(1, 40) * kMsPerDay);
        }
      }
    }
    for (const auto& l : c.lines()) {
      if (Chance(30)) {
        auto& a = in.events.activations.emplace_back();
        a.set_contract_id("c1");
        a.add_line_ids(l.line_id());
        *a.mutable_activated_at() = Ts(DayMs(0, 300));
      }
      const int milestones = Int(0, 3);
      for (int k = 0; k < milestones; ++k) {
        auto& m = in.events.milestones.emplace_back();
        m.set_contract_id("c1");
        m.set_line_id(l.line_id());
        m.set_name(absl::StrCat("m", k));
        *m.mutable_achieved_at() = Ts(DayMs(0, 400));
        *m.mutable_share() = *ParseDecimal(absl::StrCat("0.", Int(1, 60)));
      }
    }
    if (Chance(25) && positive > 0) {
      // A credit of at most a twentieth of the positive prices.
      Invoice& cn = in.events.invoices.emplace_back();
      cn.set_id("cn1");
      cn.set_contract_id("c1");
      cn.set_currency_code(currency_);
      cn.set_kind(canonical::v1::INVOICE_KIND_CREDIT_NOTE);
      cn.set_status(Chance(20) ? canonical::v1::INVOICE_STATUS_VOID
                               : canonical::v1::INVOICE_STATUS_OPEN);
      *cn.mutable_issued_at() = Ts(DayMs(0, 500));
      const int exp = MinorUnitExponent(currency_);
      Nanos step = 1;
      for (int e = 0; e < 9 - exp; ++e) step *= 10;
      const Nanos cap = positive / 20 / step;
      *cn.mutable_subtotal() =
          *MoneyFromNanos(currency_, std::uniform_int_distribution<int64_t>(
                                         0, static_cast<int64_t>(cap))(rng_) *
                                         step);
    }
    const int n_invoices = Int(0, 3);
    for (int k = 0; k < n_invoices; ++k) {
      Invoice& inv = in.events.invoices.emplace_back();
      inv.set_id(absl::StrCat("inv", k));
      inv.set_contract_id("c1");
      inv.set_currency_code(currency_);
      inv.set_kind(canonical::v1::INVOICE_KIND_INVOICE);
      inv.set_status(Chance(15) ? canonical::v1::INVOICE_STATUS_VOID
                                : canonical::v1::INVOICE_STATUS_OPEN);
      const int64_t at = DayMs(0, 300);
      *inv.mutable_issued_at() = Ts(at);
      if (inv.status() == canonical::v1::INVOICE_STATUS_VOID) {
        *inv.mutable_effective_at() = Ts(at + Int(0, 30) * kMsPerDay);
        // Half of the voids drop the sale; the rest are reissued.
        inv.set_void_reason(Chance(50)
                                ? canonical::v1::VOID_REASON_SALE_CANCELLED
                                : canonical::v1::VOID_REASON_REISSUED);
      }
      *inv.mutable_subtotal() = Amount(400000);
      if (Chance(50)) *inv.mutable_tax_total() = Amount(30000);
      for (const auto& l : c.lines()) {
        if (Chance(60)) inv.add_lines()->set_contract_line_id(l.line_id());
      }
      if (inv.status() != canonical::v1::INVOICE_STATUS_VOID && Chance(70)) {
        Payment& p = in.payments.emplace_back();
        p.set_id(absl::StrCat("pay", k));
        p.set_status(canonical::v1::PAYMENT_STATUS_SUCCEEDED);
        // Paid the same instant as issued half the time: equal-time events.
        *p.mutable_received_at() =
            Ts(Chance(50) ? at : at + Int(1, 60) * kMsPerDay);
        const Nanos total =
            ToNanos(inv.subtotal()) +
            (inv.has_tax_total() ? ToNanos(inv.tax_total()) : 0);
        *p.mutable_amount() = *MoneyFromNanos(currency_, total);
        if (Chance(20)) {
          p.set_status(canonical::v1::PAYMENT_STATUS_PARTIALLY_REFUNDED);
          *p.mutable_refunded_amount() =
              *MoneyFromNanos(currency_, total / 2 - total / 2 % 1000000000);
          *p.mutable_effective_at() =
              Ts(ToMs(p.received_at()) + Int(0, 90) * kMsPerDay);
        } else if (Chance(20)) {
          // Refunds one by one, the first perhaps issued with the credit
          // note.
          const Nanos part = total / 4 - total / 4 % 1000000000;
          for (int r = 0; r < Int(1, 2) && part > 0; ++r) {
            auto* refund = p.add_refunds();
            refund->set_id(absl::StrCat("re_", k, "_", r));
            *refund->mutable_amount() = *MoneyFromNanos(currency_, part);
            *refund->mutable_refunded_at() =
                Ts(ToMs(p.received_at()) + Int(0, 120) * kMsPerDay);
            refund->set_status(Chance(90)
                                   ? canonical::v1::REFUND_STATUS_SUCCEEDED
                                   : canonical::v1::REFUND_STATUS_PENDING);
            if (r == 0 && Chance(50)) {
              for (Invoice& doc : in.events.invoices) {
                if (doc.id() == "cn1") {
                  refund->set_credit_note_id("cn1");
                  doc.add_refund_ids(refund->id());
                }
              }
            }
          }
        }
        if (Chance(10)) {
          // A dispute of the whole payment, then won, lost or still open.
          auto* d = p.add_disputes();
          d->set_id(absl::StrCat("dp_", k));
          *d->mutable_amount() = p.amount();
          const int64_t opened = ToMs(p.received_at()) + Int(1, 60) * kMsPerDay;
          *d->mutable_opened_at() = Ts(opened);
          const int outcome = Int(0, 2);
          d->set_status(outcome == 0   ? canonical::v1::DISPUTE_STATUS_OPEN
                        : outcome == 1 ? canonical::v1::DISPUTE_STATUS_WON
                                       : canonical::v1::DISPUTE_STATUS_LOST);
          if (outcome > 0)
            *d->mutable_closed_at() = Ts(opened + Int(1, 75) * kMsPerDay);
        }
      }
    }
    if (Chance(40)) {
      // An amendment: prices, periods and lines change.
      ::revhub::canonical::v1::Contract v2 = c;
      v2.set_version(2);
      *v2.mutable_effective_at() = Ts(DayMs(10, 400));
      for (auto& l : *v2.mutable_lines()) {
        if (!l.downgrade() && Chance(40))
          *l.mutable_unit_price() = Amount(300000);
      }
      if (Chance(50)) {
        auto* l = v2.add_lines();
        l->set_line_id("L_added");
        l->set_product_id(in.products[0].id());
        *l->mutable_quantity() = *ParseDecimal("1");
        *l->mutable_unit_price() = Amount(200000);
        const int64_t s = ToMs(v2.effective_at());
        *l->mutable_service_period()->mutable_start_time() = Ts(s);
        *l->mutable_service_period()->mutable_end_time() =
            Ts(s + Int(1, 400) * kMsPerDay);
      }
      if (v2.lines_size() > 1 && Chance(30)) v2.mutable_lines()->RemoveLast();
      // A line cut short: its service ends at the modification date.
      for (auto& l : *v2.mutable_lines()) {
        if (l.has_service_period() && l.service_period().has_end_time() &&
            ToMs(l.service_period().start_time()) < ToMs(v2.effective_at()) &&
            ToMs(v2.effective_at()) < ToMs(l.service_period().end_time()) &&
            Chance(15)) {
          *l.mutable_service_period()->mutable_end_time() = v2.effective_at();
        }
      }
      // A cancellation, perhaps taking effect later than the version.
      if (Chance(25)) {
        v2.set_status(canonical::v1::CONTRACT_STATUS_CANCELLED);
        *v2.mutable_cancelled_at() =
            Ts(ToMs(v2.effective_at()) + Int(0, 60) * kMsPerDay);
      }
      in.contract_versions.push_back(v2);
    }
    return in;
  }

  template <typename T>
  void Shuffle(std::vector<T>* v) {
    std::shuffle(v->begin(), v->end(), rng_);
  }

 private:
  std::mt19937_64 rng_;
  std::string currency_ = "USD";
};

std::string Fingerprint(const RevenueResult& r) {
  std::string s = r.schedule.SerializeAsString();
  for (const auto& e : r.journal_entries) s += e.SerializeAsString();
  return s;
}

TEST_CASE("properties hold for random contracts", "[revenue][property]") {
  int computed = 0;
  int rejected = 0;
  int lines = 0;
  std::vector<ContractBooks> books;  // for the reports' tie-out
  for (uint64_t seed = 1; seed <= 600; ++seed) {
    Generator gen(seed);
    RevenueSettings settings;
    RevenueInput input = gen.Contract(&settings);
    INFO("seed " << seed);
    auto result = PreviewSchedule(input, settings);
    if (!result.ok()) {
      // Only input the engine must refuse: a credit beyond the contract, an
      // amendment that leaves no line for its price, a discount beyond its
      // lines; every refusal names a field.
      ++rejected;
      if (std::getenv("REVHUB_SHOW_REFUSALS"))
        std::cout << "refused seed " << seed << ": " << result.status() << "\n";
      CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(std::string(result.status().message()).find(':') !=
            std::string::npos);
      continue;
    }
    ++computed;
    const RevenueSchedule& s = result->schedule;
    books.push_back({absl::StrCat("c", seed), absl::StrCat("cust", seed % 7),
                     absl::StrCat("LE", seed % 3), s.currency_code(), s,
                     result->journal_entries});
    lines += s.lines_size();
    // Lines sum exactly to each obligation's allocation (less pending).
    Nanos allocated = 0;
    for (const auto& po : s.obligations()) {
      Nanos sum = 0;
      for (const auto& l : s.lines()) {
        if (l.performance_obligation_id() == po.id())
          sum += ToNanos(l.amount());
      }
      CHECK(sum ==
            ToNanos(po.allocated_amount()) - ToNanos(po.pending_amount()));
      allocated += ToNanos(po.allocated_amount());
      // Every line is a whole number of minor units.
      const int exp = MinorUnitExponent(s.currency_code());
      for (const auto& l : s.lines()) {
        CHECK(RoundNanos(ToNanos(l.amount()), exp, RoundingMode::kDown) ==
              ToNanos(l.amount()));
      }
    }
    CHECK(allocated == ToNanos(s.transaction_price()));
    // Before any modification or usage, the allocations are the contract's
    // transaction price.
    if (input.contract_versions.size() == 1 && input.events.usage.empty()) {
      bool credited = false;
      for (const auto& inv : input.events.invoices) {
        credited |= inv.kind() == canonical::v1::INVOICE_KIND_CREDIT_NOTE;
      }
      // A refund, a lost dispute and a void of a cancelled sale, like a
      // credit note, lower the transaction price.
      for (const auto& p : input.payments) {
        credited |= p.has_refunded_amount() && !IsZero(p.refunded_amount());
        credited |= p.refunds_size() > 0 || p.disputes_size() > 0;
      }
      for (const auto& inv : input.events.invoices)
        credited |=
            inv.void_reason() == canonical::v1::VOID_REASON_SALE_CANCELLED;
      ProductCatalog catalog;
      for (const Product& p : input.products) catalog[p.id()] = &p;
      auto obs = IdentifyObligations(input.contract_versions[0], catalog);
      REQUIRE(obs.ok());
      auto price = TransactionPrice(input.contract_versions[0], *obs);
      REQUIRE(price.ok());
      if (!credited) CHECK(allocated == *price);
    }
    // Journals balance, and the contract position is one-sided.
    CHECK(CheckBalanced(result->journal_entries).ok());
    // The ledger's revenue (net of contra-revenue) is the schedule's.
    {
      Nanos scheduled = 0;
      for (const auto& l : s.lines()) scheduled += ToNanos(l.amount());
      Nanos ledger = 0;
      for (const auto& e : result->journal_entries) {
        for (const auto& l : e.lines()) {
          const auto role = l.account_role();
          if (role == canonical::v1::ACCOUNT_ROLE_REVENUE ||
              role == canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE ||
              role == canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND ||
              role == canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_VOID ||
              role == canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE) {
            ledger += ToNanos(l.credit()) - ToNanos(l.debit());
          }
        }
      }
      CHECK(ledger == scheduled);
    }
    for (const auto& [period, b] : BalancesByPeriod(result->journal_entries)) {
      const Nanos deferred =
          -b.Get(canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE);
      const Nanos unbilled =
          b.Get(canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE);
      CHECK(deferred >= 0);
      CHECK(unbilled >= 0);
      CHECK((deferred == 0 || unbilled == 0));
    }
    // Closed periods: a change after the close leaves the closed periods as
    // they were and moves the difference to open ones; each obligation
    // still earns what it earns without the close.
    if (seed % 4 == 0 && !input.events.invoices.empty() && s.lines_size() > 0) {
      RevenueInput before_close = input;
      before_close.events.invoices.pop_back();
      auto then = PreviewSchedule(before_close, settings);
      if (then.ok() && then->schedule.lines_size() > 0) {
        RevenueSettings closed = settings;
        const std::string first = then->schedule.lines(0).period();
        const std::string last =
            then->schedule.lines(then->schedule.lines_size() / 2).period();
        // Every period from the first with revenue to the middle one.
        for (PeriodIndex p = *ParsePeriod(first, "first");
             p <= *ParsePeriod(last, "last"); ++p) {
          closed.closed_periods.push_back(PeriodName(p));
        }
        closed.previous = then->schedule;
        closed.previous_entries = then->journal_entries;
        auto after = PreviewSchedule(input, closed);
        REQUIRE(after.ok());
        std::map<std::pair<std::string, std::string>, Nanos> kept, now;
        std::map<std::string, Nanos> by_ob_closed, by_ob_open;
        for (const auto& l : then->schedule.lines()) {
          if (l.period() >= first && l.period() <= last)
            kept[{l.performance_obligation_id(), l.period()}] +=
                ToNanos(l.amount());
        }
        for (const auto& l : after->schedule.lines()) {
          by_ob_closed[l.performance_obligation_id()] += ToNanos(l.amount());
          if (l.period() >= first && l.period() <= last)
            now[{l.performance_obligation_id(), l.period()}] +=
                ToNanos(l.amount());
        }
        for (const auto& l : s.lines())
          by_ob_open[l.performance_obligation_id()] += ToNanos(l.amount());
        CHECK(now == kept);
        CHECK(by_ob_closed == by_ob_open);
        CHECK(CheckBalanced(after->journal_entries).ok());
        for (const auto& e : after->journal_entries) {
          if (e.period() < first || e.period() > last ||
              e.source_kind() == "recognition")
            continue;
          // Posted in a closed period only if it was posted there before.
          bool before = false;
          for (const auto& b : then->journal_entries)
            before = before || (b.id() == e.id() && b.period() == e.period());
          CHECK(before);
        }
      }
    }
    // The order of the inputs does not matter.
    RevenueInput shuffled = input;
    gen.Shuffle(&shuffled.contract_versions);
    gen.Shuffle(&shuffled.products);
    gen.Shuffle(&shuffled.events.invoices);
    gen.Shuffle(&shuffled.events.usage);
    gen.Shuffle(&shuffled.payments);
    gen.Shuffle(&shuffled.events.activations);
    gen.Shuffle(&shuffled.events.milestones);
    auto again = PreviewSchedule(shuffled, settings);
    REQUIRE(again.ok());
    CHECK(Fingerprint(*again) == Fingerprint(*result));
  }
  std::cout << "random contracts: " << computed << " computed, " << rejected
            << " refused, " << lines << " schedule lines checked\n";
  // Every report over these contracts ties to their journal entries.
  CheckReportsTieToJournal(books);
  CHECK(computed > 400);
  CHECK(lines > 10000);
}

TEST_CASE("equal-time billing events give the same journals in any order",
          "[revenue][property]") {
  // Invoice, credit note, payment and refund all at the same instant.
  RevenueInput in;
  Product& p = in.products.emplace_back();
  p.set_id("plan");
  p.set_revenue_rule(canonical::v1::REVENUE_RULE_RATABLE);
  ::revhub::canonical::v1::Contract& c = in.contract_versions.emplace_back();
  c.set_id("c1");
  c.set_version(1);
  c.set_currency_code("USD");
  auto* l = c.add_lines();
  l->set_line_id("L1");
  l->set_product_id("plan");
  *l->mutable_quantity() = *ParseDecimal("1");
  *l->mutable_unit_price() = *ParseMoney("1200", "USD");
  const int64_t t = DaysFromCivil(2024, 1, 1) * kMsPerDay;
  *l->mutable_service_period()->mutable_start_time() = FromMs(t);
  *l->mutable_service_period()->mutable_end_time() =
      FromMs(DaysFromCivil(2025, 1, 1) * kMsPerDay);
  for (int k = 0; k < 3; ++k) {
    Invoice& inv = in.events.invoices.emplace_back();
    inv.set_id(absl::StrCat("i", k));
    inv.set_currency_code("USD");
    inv.set_status(canonical::v1::INVOICE_STATUS_OPEN);
    inv.set_kind(k == 2 ? canonical::v1::INVOICE_KIND_CREDIT_NOTE
                        : canonical::v1::INVOICE_KIND_INVOICE);
    *inv.mutable_issued_at() = FromMs(t);
    *inv.mutable_subtotal() = *ParseMoney(k == 2 ? "100" : "600", "USD");
  }
  Payment& pay = in.payments.emplace_back();
  pay.set_id("p1");
  pay.set_status(canonical::v1::PAYMENT_STATUS_PARTIALLY_REFUNDED);
  *pay.mutable_amount() = *ParseMoney("600", "USD");
  *pay.mutable_refunded_amount() = *ParseMoney("100", "USD");
  *pay.mutable_received_at() = FromMs(t);
  RevenueSettings settings;
  auto first = PreviewSchedule(in, settings);
  REQUIRE(first.ok());
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(in.events.invoices.begin(), in.events.invoices.end(), rng);
    auto again = PreviewSchedule(in, settings);
    REQUIRE(again.ok());
    CHECK(Fingerprint(*again) == Fingerprint(*first));
  }
}

}  // namespace
}  // namespace revhub::revenue
