// revenue_reports_bench: the roll-forward and the waterfall over 100,000
// contracts' books held in memory, each against a plain scan that sums the
// same journal lines (debit - credit per account role) in the same run.
// The figure that matters is the ratio: the report's journal lines per
// second over the scan's (target >= 0.5, the report at most twice the cost
// of reading the lines once).
//
// The books are the engine's own output: 16 one-year contracts (start month,
// price, and billing up front, quarterly in advance or monthly in arrears
// varied) computed once with PreviewSchedule, then copied under 100,000
// contract ids, 5,000 customers, 3 legal entities and 2 currencies.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/engine.h"
#include "canonical/revenue/reports.h"

namespace revhub::revenue {
namespace {

constexpr int kContracts = 100000;

int64_t Day(int y, int m, int d) { return DaysFromCivil(y, m, d) * kMsPerDay; }

// One year of a plan from the first of `month` (1..12) of 2025, billed
// `bills` times (1 up front, 4 quarterly in advance, 12 monthly in arrears).
ContractBooks Template(int month, int64_t price, int bills,
                       const char* currency) {
  RevenueInput in;
  Product& p = in.products.emplace_back();
  p.set_id("plan");
  p.set_revenue_rule(canonical::v1::REVENUE_RULE_RATABLE);
  Contract& c = in.contract_versions.emplace_back();
  c.set_id("c");
  c.set_version(1);
  c.set_legal_entity("ACME");
  c.set_currency_code(currency);
  const int64_t start = Day(2025, month, 1);
  *c.mutable_effective_at() = FromMs(start);
  auto* l = c.add_lines();
  l->set_line_id("L1");
  l->set_product_id("plan");
  *l->mutable_quantity() = *ParseDecimal("1");
  *l->mutable_unit_price() = *MoneyFromMinorUnits(currency, price * 100);
  *l->mutable_service_period()->mutable_start_time() = FromMs(start);
  *l->mutable_service_period()->mutable_end_time() =
      FromMs(AddMonths(start, 12));
  for (int k = 0; k < bills; ++k) {
    Invoice& inv = in.events.invoices.emplace_back();
    inv.set_id(absl::StrCat("inv", k));
    inv.set_contract_id("c");
    inv.set_currency_code(currency);
    inv.set_kind(canonical::v1::INVOICE_KIND_INVOICE);
    inv.set_status(canonical::v1::INVOICE_STATUS_OPEN);
    const int step = 12 / bills;
    // Monthly bills go out at each month's end (in arrears).
    const int64_t at = bills == 12 ? AddMonths(start, k + 1) - kMsPerDay
                                   : AddMonths(start, k * step);
    *inv.mutable_issued_at() = FromMs(at);
    *inv.mutable_subtotal() =
        *MoneyFromMinorUnits(currency, price * 100 / bills);
    *inv.mutable_tax_total() =
        *MoneyFromMinorUnits(currency, price * 10 / bills);
    Payment& pay = in.payments.emplace_back();
    pay.set_id(absl::StrCat("pay", k));
    pay.set_status(canonical::v1::PAYMENT_STATUS_SUCCEEDED);
    *pay.mutable_received_at() = FromMs(at + 10 * kMsPerDay);
    *pay.mutable_amount() = *MoneyFromMinorUnits(currency, price * 110 / bills);
  }
  RevenueSettings settings;
  auto result = PreviewSchedule(in, settings);
  if (!result.ok()) {
    std::fprintf(stderr, "template: %s\n", result.status().ToString().c_str());
    std::abort();
  }
  ContractBooks b;
  b.currency_code = currency;
  b.schedule = std::move(result->schedule);
  b.entries = std::move(result->journal_entries);
  return b;
}

struct Books {
  std::vector<ContractBooks> books;
  int64_t lines = 0;
  Books() {
    std::vector<ContractBooks> templates;
    const int kBills[] = {1, 4, 12};
    for (int t = 0; t < 16; ++t) {
      templates.push_back(Template(1 + t % 12, 1200 + 370 * t, kBills[t % 3],
                                   t % 4 == 3 ? "EUR" : "USD"));
    }
    books.reserve(kContracts);
    for (int i = 0; i < kContracts; ++i) {
      ContractBooks b = templates[i % templates.size()];
      b.contract_id = absl::StrCat("ctr_", i);
      b.customer_id = absl::StrCat("cus_", i % 5000);
      b.legal_entity = absl::StrCat("ENTITY-", i % 3);
      for (const auto& e : b.entries) lines += e.lines_size();
      books.push_back(std::move(b));
    }
  }
};

const Books& Shared() {
  static const Books* b = new Books();
  return *b;
}

ReportQuery Query(ReportGroupBy group_by) {
  ReportQuery q;
  q.first = *ParsePeriod("2025-01", "bench");
  q.last = *ParsePeriod("2026-12", "bench");
  q.group_by = group_by;
  return q;
}

void Count(benchmark::State& state, int64_t per_iteration) {
  state.counters["lines"] = benchmark::Counter(
      static_cast<double>(per_iteration * state.iterations()),
      benchmark::Counter::kIsRate);
}

// The baseline: every journal line's debit - credit summed per role.
void BM_Baseline_ScanJournal(benchmark::State& state) {
  const Books& b = Shared();
  for (auto _ : state) {
    std::array<Nanos, 16> by_role{};
    for (const ContractBooks& c : b.books) {
      for (const auto& e : c.entries) {
        for (const auto& l : e.lines()) {
          by_role[l.account_role() & 15] +=
              ToNanos(l.debit()) - ToNanos(l.credit());
        }
      }
    }
    benchmark::DoNotOptimize(by_role);
  }
  Count(state, b.lines);
}

void BM_RollForward(benchmark::State& state) {
  const Books& b = Shared();
  const ReportQuery q = Query(static_cast<ReportGroupBy>(state.range(0)));
  for (auto _ : state) {
    auto rows =
        RollForward(q, canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, b.books);
    benchmark::DoNotOptimize(rows);
  }
  Count(state, b.lines);
}

void BM_Waterfall(benchmark::State& state) {
  const Books& b = Shared();
  const ReportQuery q = Query(static_cast<ReportGroupBy>(state.range(0)));
  for (auto _ : state) {
    auto report = Waterfall(q, b.books);
    benchmark::DoNotOptimize(report);
  }
  Count(state, b.lines);
}

// By currency (2 groups) and by customer (10,000 groups x currency).
BENCHMARK(BM_Baseline_ScanJournal)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK(BM_RollForward)
    ->Arg(static_cast<int>(ReportGroupBy::kCurrency))
    ->Arg(static_cast<int>(ReportGroupBy::kCustomer))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK(BM_Waterfall)
    ->Arg(static_cast<int>(ReportGroupBy::kCurrency))
    ->Arg(static_cast<int>(ReportGroupBy::kCustomer))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

// Prints each report's journal lines per second against the scan's.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      auto it = r.counters.find("lines");
      if (it != r.counters.end()) rates_[r.benchmark_name()] = it->second.value;
    }
  }
  void Summarise() const {
    auto base = rates_.find("BM_Baseline_ScanJournal/iterations:5");
    std::printf(
        "\n%d contracts, %lld journal lines (group: 4 = currency, "
        "1 = customer):\n",
        kContracts, static_cast<long long>(Shared().lines));
    for (const auto& [name, rate] : rates_) {
      std::printf("  %-40s %12.0f lines/s", name.c_str(), rate);
      if (base != rates_.end() && name != base->first && base->second > 0) {
        const double ratio = rate / base->second;
        std::printf("  = %.2fx the plain scan%s", ratio,
                    ratio >= 0.5 ? "" : "  (below the 0.5 target)");
      }
      std::printf("\n");
    }
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace
}  // namespace revhub::revenue

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  revhub::revenue::Shared();  // the books, built before any timing
  revhub::revenue::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.Summarise();
  benchmark::Shutdown();
  return 0;
}
