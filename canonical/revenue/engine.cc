#include "canonical/revenue/engine.h"

#include <limits>
#include <map>
#include <tuple>

#include "canonical/revenue/calendar.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {

absl::StatusOr<RevenueResult> PreviewSchedule(const RevenueInput& input,
                                              const RevenueSettings& settings) {
  ProductCatalog catalog;
  for (const Product& p : input.products) catalog[p.id()] = &p;
  ScheduleSettings schedule_settings;
  schedule_settings.convention = settings.convention;
  RevenueResult result;
  ASSIGN_OR_RETURN(result.schedule,
                   BuildRevenueSchedule(input.contract_versions, catalog,
                                        input.events, schedule_settings));
  ASSIGN_OR_RETURN(result.journal_entries,
                   BuildJournalEntries(result.schedule, input.events.invoices,
                                       input.payments, settings.accounts));
  return result;
}

std::vector<RevenueScheduleLine> ScheduleChanges(const RevenueSchedule& before,
                                                 const RevenueSchedule& after) {
  // (period, obligation) -> (amount in nanos, a line for the period bounds).
  struct Cell {
    Nanos delta = 0;
    const RevenueScheduleLine* sample = nullptr;
  };
  std::map<std::tuple<std::string, std::string>, Cell> cells;
  for (const auto& l : after.lines()) {
    Cell& c = cells[{l.period(), l.performance_obligation_id()}];
    c.delta += ToNanos(l.amount());
    c.sample = &l;
  }
  for (const auto& l : before.lines()) {
    Cell& c = cells[{l.period(), l.performance_obligation_id()}];
    c.delta -= ToNanos(l.amount());
    if (c.sample == nullptr) c.sample = &l;
  }
  const std::string& ccy = after.currency_code().empty()
                               ? before.currency_code()
                               : after.currency_code();
  std::vector<RevenueScheduleLine> out;
  for (const auto& [key, cell] : cells) {
    if (cell.delta == 0) continue;
    RevenueScheduleLine line;
    line.set_performance_obligation_id(std::get<1>(key));
    line.set_period(std::get<0>(key));
    *line.mutable_period_start() = cell.sample->period_start();
    *line.mutable_period_end() = cell.sample->period_end();
    auto money = MoneyFromNanos(ccy, cell.delta);
    if (money.ok()) *line.mutable_amount() = *money;
    out.push_back(std::move(line));
  }
  return out;
}

absl::StatusOr<std::vector<JournalEntry>> JournalEntriesInPeriods(
    const std::vector<JournalEntry>& entries, absl::string_view first,
    absl::string_view last) {
  PeriodIndex lo = std::numeric_limits<PeriodIndex>::min();
  PeriodIndex hi = std::numeric_limits<PeriodIndex>::max();
  if (!first.empty()) {
    ASSIGN_OR_RETURN(lo, ParsePeriod(first, "period_start"));
  }
  if (!last.empty()) {
    ASSIGN_OR_RETURN(hi, ParsePeriod(last, "period_end"));
  }
  if (lo > hi) {
    return absl::InvalidArgumentError(
        "period_end: must not be before period_start");
  }
  std::vector<JournalEntry> out;
  for (const JournalEntry& e : entries) {
    ASSIGN_OR_RETURN(PeriodIndex p,
                     ParsePeriod(e.period(), "journal_entry.period"));
    if (p >= lo && p <= hi) out.push_back(e);
  }
  return out;
}

}  // namespace revhub::revenue
