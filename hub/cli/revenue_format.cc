#include "hub/cli/revenue_format.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

// Returns the amount in `currency` formatted by FormatMoney, or a note when
// it does not fit Money (never rounded).
std::string FormatTotal(absl::string_view currency, Nanos amount) {
  absl::StatusOr<canon::Money> money = MoneyFromNanos(currency, amount);
  if (!money.ok()) return "(out of range)";
  return FormatMoney(*money);
}

bool IsUnsetOrZero(const canon::Money& money) { return ToNanos(money) == 0; }

// Returns the column label of each obligation: its contract line ids, or
// its id when labels would repeat.
std::vector<std::string> ObligationLabels(const canon::RevenueSchedule& s,
                                          std::vector<std::string>* ids) {
  std::vector<std::string> labels;
  for (const auto& po : s.obligations()) {
    ids->push_back(po.id());
    labels.push_back(po.contract_line_ids_size() > 0
                         ? absl::StrJoin(po.contract_line_ids(), "+")
                         : po.id());
  }
  // Lines of an obligation the schedule does not list still get a column.
  for (const auto& line : s.lines()) {
    if (std::find(ids->begin(), ids->end(), line.performance_obligation_id()) ==
        ids->end()) {
      ids->push_back(line.performance_obligation_id());
      labels.push_back(line.performance_obligation_id());
    }
  }
  std::set<std::string> seen;
  bool repeated = false;
  for (const auto& l : labels) repeated = repeated || !seen.insert(l).second;
  if (repeated) labels = *ids;
  return labels;
}

}  // namespace

std::string RenderScheduleTable(const canon::RevenueSchedule& s) {
  const std::string& currency = s.currency_code();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"schedule", absl::StrCat(s.id(), " v", s.version())},
      {"contract", absl::StrCat(s.contract_id(), " v", s.contract_version())},
      {"legal entity", s.legal_entity().empty() ? "-" : s.legal_entity()},
      {"currency", currency},
      {"status",
       EnumShortName(canon::RevenueScheduleStatus_descriptor(), s.status())},
      {"transaction price", FormatMoneyOrDash(s.transaction_price())},
      {"convention", EnumShortName(canon::PeriodConvention_descriptor(),
                                   s.period_convention())},
      {"modification", EnumShortName(canon::ModificationTreatment_descriptor(),
                                     s.modification_treatment()) +
                           (s.modification_reason().empty()
                                ? ""
                                : absl::StrCat(": ", s.modification_reason()))},
      {"recorded at", FormatTimestamp(s.recorded_at())},
  };
  if (!s.recomputation_error().empty()) {
    fields.push_back({"error", s.recomputation_error()});
  }
  if (s.closed_periods_size() > 0) {
    fields.push_back(
        {"closed periods", absl::StrJoin(s.closed_periods(), ", ")});
  }
  std::string text = RenderFields(fields);

  std::vector<std::string> ids;
  std::vector<std::string> labels = ObligationLabels(s, &ids);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < ids.size(); ++i) column[ids[i]] = i;
  // period -> per column sum (all kinds), and which cells have lines.
  std::map<std::string, std::vector<Nanos>> sums;
  std::map<std::string, std::vector<bool>> present;
  for (const auto& line : s.lines()) {
    auto& row = sums[line.period()];
    auto& has = present[line.period()];
    row.resize(ids.size(), 0);
    has.resize(ids.size(), false);
    size_t c = column[line.performance_obligation_id()];
    row[c] += ToNanos(line.amount());
    has[c] = true;
  }

  text += "\n";
  if (sums.empty()) {
    text += "no schedule lines\n";
  } else {
    std::vector<std::string> headers = {"period"};
    headers.insert(headers.end(), labels.begin(), labels.end());
    headers.push_back("total");
    Table table(headers);
    for (size_t c = 1; c < headers.size(); ++c) table.AlignRight(c);
    std::vector<Nanos> column_totals(ids.size(), 0);
    Nanos grand = 0;
    for (const auto& [period, row] : sums) {
      std::vector<std::string> cells = {period};
      Nanos row_total = 0;
      for (size_t c = 0; c < ids.size(); ++c) {
        cells.push_back(present[period][c] ? FormatTotal(currency, row[c])
                                           : "-");
        row_total += row[c];
        column_totals[c] += row[c];
      }
      grand += row_total;
      cells.push_back(FormatTotal(currency, row_total));
      table.AddRow(std::move(cells));
    }
    std::vector<std::string> totals = {"total"};
    for (Nanos t : column_totals) totals.push_back(FormatTotal(currency, t));
    totals.push_back(FormatTotal(currency, grand));
    table.AddRow(std::move(totals));
    text += table.Render();
  }

  if (s.obligations_size() > 0) {
    text += "\n";
    Table obligations({"column", "obligation", "rule", "allocated", "pending",
                       "why pending"});
    obligations.AlignRight(3);
    obligations.AlignRight(4);
    for (int i = 0; i < s.obligations_size(); ++i) {
      const auto& po = s.obligations(i);
      obligations.AddRow(
          {labels[i], po.id(),
           EnumShortName(canon::RevenueRule_descriptor(), po.revenue_rule()),
           FormatMoneyOrDash(po.allocated_amount()),
           IsUnsetOrZero(po.pending_amount())
               ? "-"
               : FormatMoney(po.pending_amount()),
           po.recognition_pending_reason().empty()
               ? "-"
               : po.recognition_pending_reason()});
    }
    text += obligations.Render();
  }
  return text;
}

std::string DescribeCause(const canon::RevenueCause& c) {
  if (c.kind() == canon::REVENUE_CAUSE_KIND_UNSPECIFIED) return "-";
  std::string text =
      EnumShortName(canon::RevenueCauseKind_descriptor(), c.kind());
  if (!c.id().empty()) absl::StrAppend(&text, " ", c.id());
  if (c.contract_version() > 0)
    absl::StrAppend(&text, " v", c.contract_version());
  if (!c.closed_period().empty())
    absl::StrAppend(&text, " (moved from closed ", c.closed_period(), ")");
  return text;
}

std::string RenderScheduleLines(const canon::RevenueSchedule& s) {
  if (s.lines_size() == 0) return "no schedule lines\n";
  std::vector<std::string> ids;
  std::vector<std::string> labels = ObligationLabels(s, &ids);
  std::map<std::string, std::string> label_of;
  for (size_t i = 0; i < ids.size(); ++i) label_of[ids[i]] = labels[i];
  Table table({"period", "line", "kind", "amount", "cause"});
  table.AlignRight(3);
  Nanos total = 0;
  for (const auto& l : s.lines()) {
    total += ToNanos(l.amount());
    table.AddRow(
        {l.period(), label_of[l.performance_obligation_id()],
         EnumShortName(canon::RevenueScheduleLineKind_descriptor(), l.kind()),
         FormatMoney(l.amount()), DescribeCause(l.cause())});
  }
  table.AddRow({"total", "", "", FormatTotal(s.currency_code(), total), ""});
  return table.Render();
}

std::string RenderJournalTable(
    const std::vector<canon::JournalEntry>& entries) {
  if (entries.empty()) return "no journal entries\n";
  Table table({"entry", "period", "date", "source", "role", "account", "debit",
               "credit"});
  table.AlignRight(6);
  table.AlignRight(7);
  std::string currency;
  Nanos debit = 0, credit = 0;
  for (const auto& e : entries) {
    for (const auto& l : e.lines()) {
      if (currency.empty()) {
        currency = l.debit().currency_code().empty()
                       ? l.credit().currency_code()
                       : l.debit().currency_code();
      }
      debit += ToNanos(l.debit());
      credit += ToNanos(l.credit());
      table.AddRow(
          {e.id(), e.period(), FormatTimestamp(e.posting_date()).substr(0, 10),
           e.source_kind(),
           EnumShortName(canon::AccountRole_descriptor(), l.account_role()),
           l.account().empty() ? "-" : l.account(),
           IsUnsetOrZero(l.debit()) ? "-" : FormatMoney(l.debit()),
           IsUnsetOrZero(l.credit()) ? "-" : FormatMoney(l.credit())});
    }
  }
  table.AddRow({"total", "", "", "", "", "", FormatTotal(currency, debit),
                FormatTotal(currency, credit)});
  return table.Render();
}

}  // namespace revhub::cli
