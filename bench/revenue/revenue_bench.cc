// Schedule lines computed per second per core, for realistic contracts.
//
// The machine this runs on is shared and noisy, so the figure is reported
// twice: as lines per second, and relative to a baseline measured in the
// same run, the cost of copying the very same schedule lines (a lower bound
// for producing them at all). Single-threaded: per second is per core.
//
// A realistic contract: three years of a subscription with seats added
// mid-month, support, a platform fee, onboarding at activation, a setup fee
// billed once and metered usage reported monthly, about 260 lines.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/engine.h"

namespace revhub::revenue {
namespace {

int64_t Day(int y, int m, int d) { return DaysFromCivil(y, m, d) * kMsPerDay; }

RevenueInput RealisticContract(PeriodConvention* convention) {
  *convention = canonical::v1::PERIOD_CONVENTION_BY_DAY;
  RevenueInput in;
  auto product = [&](const char* id, canonical::v1::RevenueRule rule,
                     const char* ssp) {
    Product& p = in.products.emplace_back();
    p.set_id(id);
    p.set_name(id);
    p.set_revenue_rule(rule);
    if (ssp != nullptr)
      *p.mutable_standalone_selling_price() = *ParseMoney(ssp, "USD");
  };
  product("plan", canonical::v1::REVENUE_RULE_RATABLE, "1200");
  product("seat", canonical::v1::REVENUE_RULE_RATABLE, "240");
  product("support", canonical::v1::REVENUE_RULE_RATABLE, "5000");
  product("onboarding", canonical::v1::REVENUE_RULE_POINT_IN_TIME, "8000");
  product("setup", canonical::v1::REVENUE_RULE_RATABLE, "1500");
  product("api", canonical::v1::REVENUE_RULE_USAGE, nullptr);
  Contract& c = in.contract_versions.emplace_back();
  c.set_id("c-bench");
  c.set_version(1);
  c.set_legal_entity("ACME-US");
  c.set_currency_code("USD");
  *c.mutable_effective_at() = FromMs(Day(2024, 3, 14));
  auto line = [&](const char* id, const char* product_id, const char* qty,
                  const char* price, int64_t start, int64_t end) {
    auto* l = c.add_lines();
    l->set_line_id(id);
    l->set_product_id(product_id);
    *l->mutable_quantity() = *ParseDecimal(qty);
    *l->mutable_unit_price() = *ParseMoney(price, "USD");
    if (end > start) {
      *l->mutable_service_period()->mutable_start_time() = FromMs(start);
      *l->mutable_service_period()->mutable_end_time() = FromMs(end);
    }
  };
  const int64_t start = Day(2024, 3, 14);
  const int64_t end = Day(2027, 3, 14);
  line("plan", "plan", "1", "30000", start, end);
  line("seats", "seat", "50", "612.37", start, end);
  line("seats-2", "seat", "15", "598.10", Day(2024, 9, 3), end);
  line("seats-3", "seat", "5", "640.00", Day(2025, 5, 21), end);
  line("support", "support", "1", "13500", start, end);
  line("platform", "plan", "1", "4411.11", start, end);
  line("onboarding", "onboarding", "1", "6000", start, start + kMsPerDay);
  line("setup", "setup", "1", "1000", 0, 0);
  line("api", "api", "0", "0.0025", 0, 0);
  auto* d = c.add_discounts();
  *d->mutable_amount() = *ParseMoney("2500", "USD");
  d->add_line_ids("plan");
  d->add_line_ids("support");
  Invoice& inv = in.events.invoices.emplace_back();
  inv.set_id("inv-setup");
  inv.set_contract_id("c-bench");
  inv.set_currency_code("USD");
  inv.set_kind(canonical::v1::INVOICE_KIND_INVOICE);
  inv.set_status(canonical::v1::INVOICE_STATUS_OPEN);
  *inv.mutable_issued_at() = FromMs(start);
  *inv.mutable_subtotal() = *ParseMoney("1000", "USD");
  inv.add_lines()->set_contract_line_id("setup");
  for (int m = 0; m < 36; ++m) {
    auto& u = in.events.usage.emplace_back();
    u.set_contract_id("c-bench");
    u.set_line_id("api");
    *u.mutable_quantity() = *ParseDecimal(std::to_string(100000 + 977 * m));
    const int64_t s = AddMonths(Day(2024, 4, 1), m);
    *u.mutable_period()->mutable_start_time() = FromMs(s);
    *u.mutable_period()->mutable_end_time() = FromMs(AddMonths(s, 1));
  }
  return in;
}

struct Fixture {
  RevenueInput input;
  ProductCatalog catalog;
  ScheduleSettings settings;
  RevenueSchedule schedule;
  Fixture() {
    input = RealisticContract(&settings.convention);
    for (const Product& p : input.products) catalog[p.id()] = &p;
    schedule = *BuildRevenueSchedule(input.contract_versions, catalog,
                                     input.events, settings);
  }
};

const Fixture& Shared() {
  static const Fixture* f = new Fixture();
  return *f;
}

// Baseline: copying the schedule's lines, the least any producer must do.
void BM_Baseline_CopyLines(benchmark::State& state) {
  const Fixture& f = Shared();
  int64_t lines = 0;
  for (auto _ : state) {
    RevenueSchedule copy;
    *copy.mutable_lines() = f.schedule.lines();
    benchmark::DoNotOptimize(copy);
    lines += copy.lines_size();
  }
  state.counters["lines"] = benchmark::Counter(static_cast<double>(lines),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Baseline_CopyLines);

// The engine: obligations, allocation, recognition, lines as protos.
void BM_BuildRevenueSchedule(benchmark::State& state) {
  const Fixture& f = Shared();
  int64_t lines = 0;
  for (auto _ : state) {
    auto s = BuildRevenueSchedule(f.input.contract_versions, f.catalog,
                                  f.input.events, f.settings);
    benchmark::DoNotOptimize(s);
    lines += s->lines_size();
  }
  state.counters["lines"] = benchmark::Counter(static_cast<double>(lines),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BuildRevenueSchedule);

// What the hub calls: schedule plus journal entries.
void BM_PreviewSchedule(benchmark::State& state) {
  const Fixture& f = Shared();
  RevenueSettings settings;
  settings.convention = f.settings.convention;
  int64_t lines = 0;
  for (auto _ : state) {
    auto r = PreviewSchedule(f.input, settings);
    benchmark::DoNotOptimize(r);
    lines += r->schedule.lines_size();
  }
  state.counters["lines"] = benchmark::Counter(static_cast<double>(lines),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PreviewSchedule);

// Collects each benchmark's lines/s to print them against the baseline.
class RelativeReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      auto it = r.counters.find("lines");
      if (it != r.counters.end()) rates_[r.benchmark_name()] = it->second.value;
    }
  }
  void Summarise() const {
    auto base = rates_.find("BM_Baseline_CopyLines");
    std::printf(
        "\nschedule lines per second per core (contract of %d lines):\n",
        Shared().schedule.lines_size());
    for (const auto& [name, rate] : rates_) {
      std::printf("  %-26s %12.0f lines/s", name.c_str(), rate);
      if (base != rates_.end() && name != base->first && base->second > 0) {
        std::printf("  = %.3f of the copy baseline (%.1fx its cost)",
                    rate / base->second, base->second / rate);
      }
      std::printf("%s\n", rate >= 1e6 ? "" : "  (below 1,000,000)");
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
  revhub::revenue::RelativeReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.Summarise();
  benchmark::Shutdown();
  return 0;
}
