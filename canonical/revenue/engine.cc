#include "canonical/revenue/engine.h"

#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
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
  ASSIGN_OR_RETURN(
      result.schedule,
      BuildRevenueSchedule(input.contract_versions, catalog, input.events,
                           schedule_settings, input.payments));
  ClosedBooks books;
  if (!settings.closed_periods.empty()) {
    RETURN_IF_ERROR(KeepClosedPeriods(settings, &result.schedule));
    books.closed = settings.closed_periods;
    for (const JournalEntry& e : settings.previous_entries) {
      if (e.lines_size() > 0) books.posted[e.id()] = e.period();
    }
  }
  ASSIGN_OR_RETURN(
      result.journal_entries,
      BuildJournalEntries(result.schedule, input.events.invoices,
                          input.payments, settings.accounts, books));
  // One entry per id: the hub stores entries by id.
  std::set<std::string> ids;
  for (const JournalEntry& e : result.journal_entries) {
    if (!ids.insert(e.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "journal entry ", e.id(),
          ": two billing facts of the contract share its source id \"",
          e.source_id(), "\""));
    }
  }
  return result;
}

absl::Status KeepClosedPeriods(const RevenueSettings& settings,
                               RevenueSchedule* schedule) {
  std::set<PeriodIndex> closed;
  for (size_t i = 0; i < settings.closed_periods.size(); ++i) {
    ASSIGN_OR_RETURN(PeriodIndex p,
                     ParsePeriod(settings.closed_periods[i],
                                 absl::StrCat("closed_periods[", i, "]")));
    closed.insert(p);
  }
  schedule->clear_closed_periods();
  for (PeriodIndex p : closed) schedule->add_closed_periods(PeriodName(p));
  const std::string& ccy = schedule->currency_code();
  // Obligation order, for sorting the lines again.
  std::map<std::string, int> order;
  for (int i = 0; i < schedule->obligations_size(); ++i)
    order[schedule->obligations(i).id()] = i;
  std::vector<RevenueScheduleLine> lines;
  // (obligation, closed period) -> the change the recomputation would make
  // there, and a line of the new schedule that caused it.
  struct Moved {
    Nanos delta = 0;
    RevenueScheduleLine cause_line;
    bool has_cause = false;
    bool new_cause = false;
  };
  std::map<std::pair<std::string, PeriodIndex>, Moved> moved;
  const auto same = [](const RevenueScheduleLine& a,
                       const RevenueScheduleLine& b) {
    return a.performance_obligation_id() == b.performance_obligation_id() &&
           a.period() == b.period() && a.kind() == b.kind() &&
           a.cause().SerializeAsString() == b.cause().SerializeAsString() &&
           ToNanos(a.amount()) == ToNanos(b.amount());
  };
  std::vector<const RevenueScheduleLine*> kept_before;
  if (settings.previous.has_value()) {
    for (const auto& l : settings.previous->lines()) {
      ASSIGN_OR_RETURN(PeriodIndex p,
                       ParsePeriod(l.period(), "previous.lines"));
      if (!closed.contains(p)) continue;
      kept_before.push_back(&l);
      lines.push_back(l);
      if (!order.contains(l.performance_obligation_id()))
        order[l.performance_obligation_id()] = static_cast<int>(order.size());
      moved[{l.performance_obligation_id(), p}].delta -= ToNanos(l.amount());
    }
  }
  for (const auto& l : schedule->lines()) {
    ASSIGN_OR_RETURN(PeriodIndex p, ParsePeriod(l.period(), "schedule.lines"));
    if (!closed.contains(p)) {
      lines.push_back(l);
      continue;
    }
    Moved& m = moved[{l.performance_obligation_id(), p}];
    m.delta += ToNanos(l.amount());
    // The cause of the change: a line with a cause the period did not have
    // (a credit note, a refund, a usage record), else the first that
    // changed.
    bool unchanged = false;
    bool new_cause = true;
    for (const RevenueScheduleLine* b : kept_before) {
      unchanged = unchanged || same(*b, l);
      if (b->performance_obligation_id() == l.performance_obligation_id() &&
          b->period() == l.period() && b->kind() == l.kind() &&
          b->cause().SerializeAsString() == l.cause().SerializeAsString()) {
        new_cause = false;
      }
    }
    if (!unchanged && (!m.has_cause || (new_cause && !m.new_cause))) {
      m.cause_line = l;
      m.has_cause = true;
      m.new_cause = new_cause;
    }
  }
  // A change with no line of its own in the closed period (what it had
  // moved elsewhere) is caused by what the obligation has now that it did
  // not have before.
  const auto new_cause_of =
      [&](const std::string& obligation) -> const RevenueScheduleLine* {
    for (const auto& l : schedule->lines()) {
      if (l.performance_obligation_id() != obligation) continue;
      bool known = false;
      if (settings.previous.has_value()) {
        for (const auto& b : settings.previous->lines()) {
          known = known || (b.performance_obligation_id() == obligation &&
                            b.kind() == l.kind() &&
                            b.cause().SerializeAsString() ==
                                l.cause().SerializeAsString());
        }
      }
      if (!known) return &l;
    }
    return nullptr;
  };
  for (auto& [key, m] : moved) {
    if (m.delta == 0) continue;
    if (!m.has_cause) {
      if (const RevenueScheduleLine* l = new_cause_of(key.first)) {
        m.cause_line = *l;
        m.has_cause = true;
      }
    }
    PeriodIndex open = key.second + 1;
    while (closed.contains(open)) ++open;
    RevenueScheduleLine l;
    l.set_performance_obligation_id(key.first);
    l.set_period(PeriodName(open));
    *l.mutable_period_start() = FromMs(PeriodStartMs(open));
    *l.mutable_period_end() = FromMs(PeriodStartMs(open + 1));
    ASSIGN_OR_RETURN(*l.mutable_amount(), MoneyFromNanos(ccy, m.delta));
    l.set_kind(canonical::v1::REVENUE_SCHEDULE_LINE_KIND_CATCH_UP);
    if (m.has_cause) *l.mutable_cause() = m.cause_line.cause();
    l.mutable_cause()->set_closed_period(PeriodName(key.second));
    lines.push_back(std::move(l));
  }
  std::stable_sort(
      lines.begin(), lines.end(),
      [&](const RevenueScheduleLine& a, const RevenueScheduleLine& b) {
        return std::make_tuple(a.period(), order[a.performance_obligation_id()],
                               static_cast<int>(a.kind())) <
               std::make_tuple(b.period(), order[b.performance_obligation_id()],
                               static_cast<int>(b.kind()));
      });
  schedule->clear_lines();
  for (auto& l : lines) *schedule->add_lines() = std::move(l);
  return absl::OkStatus();
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
