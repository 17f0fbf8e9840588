#include "case_runner.h"

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "canonical/revenue/calendar.h"
#include "canonical/validation.h"

namespace revhub::revenue::testing {

using canonical::v1::AccountRole;

std::vector<std::string> RunCase(const Case& c) {
  std::vector<std::string> failures;
  auto fail = [&](int line, const std::string& what) {
    failures.push_back(absl::StrCat(c.file, ":", line, ": ", what));
  };
  RevenueSettings settings = c.settings;
  if (c.before_close.has_value()) {
    RevenueSettings then = c.settings;
    then.closed_periods = c.closed_before;
    auto before = PreviewSchedule(*c.before_close, then);
    if (!before.ok()) {
      fail(c.line_number, absl::StrCat("the schedule before the close: ",
                                       before.status().ToString()));
      return failures;
    }
    settings.previous = before->schedule;
    settings.previous_entries = before->journal_entries;
  }
  auto result = PreviewSchedule(c.input, settings);
  const std::string currency =
      c.input.contract_versions.empty()
          ? "USD"
          : c.input.contract_versions.front().currency_code();
  for (const Expectation& e : c.expectations) {
    if (!e.words.empty() && e.words[0] == "error") {
      // The whole text after `error`, spaces included.
      const std::string want = absl::StrJoin(
          std::vector<std::string>(e.words.begin() + 1, e.words.end()), " ");
      if (result.ok()) {
        fail(e.line_number, absl::StrCat("expected an error containing \"",
                                         want, "\", got OK"));
      } else if (std::string(result.status().message()).find(want) ==
                 std::string::npos) {
        fail(e.line_number, absl::StrCat("error \"", result.status().message(),
                                         "\" does not contain \"", want, "\""));
      }
    }
  }
  if (!result.ok()) {
    bool expected = false;
    for (const Expectation& e : c.expectations)
      expected |= e.words[0] == "error";
    if (!expected)
      fail(c.line_number,
           absl::StrCat("engine failed: ", result.status().ToString()));
    return failures;
  }
  const RevenueSchedule& s = result->schedule;
  // Invariants every case keeps.
  {
    Nanos total = 0;
    for (const auto& po : s.obligations()) {
      Nanos lines = 0;
      for (const auto& l : s.lines()) {
        if (l.performance_obligation_id() == po.id())
          lines += ToNanos(l.amount());
      }
      if (lines !=
          ToNanos(po.allocated_amount()) - ToNanos(po.pending_amount())) {
        fail(c.line_number, absl::StrCat("lines of ", po.id(), " sum to ",
                                         FormatNanos(lines, 2),
                                         ", not its allocation less pending ",
                                         FormatMoney(po.allocated_amount())));
      }
      total += ToNanos(po.allocated_amount());
    }
    if (total != ToNanos(s.transaction_price())) {
      fail(c.line_number, "allocations do not sum to the transaction price");
    }
    const absl::Status balanced = CheckBalanced(result->journal_entries);
    if (!balanced.ok()) fail(c.line_number, std::string(balanced.message()));
  }
  const auto balances = BalancesByPeriod(result->journal_entries);
  auto po_id = [&](const std::string& line) {
    return absl::StrCat("po_c1_", line);
  };
  auto want_money = [&](const Expectation& e, const std::string& text,
                        Nanos* out) -> bool {
    auto m = ParseMoney(text, currency);
    if (!m.ok()) {
      fail(e.line_number, absl::StrCat("bad amount ", text));
      return false;
    }
    *out = ToNanos(*m);
    return true;
  };
  auto check = [&](const Expectation& e, Nanos got, Nanos want,
                   const std::string& what) {
    if (got != want) {
      fail(e.line_number, absl::StrCat(what, ": got ", FormatNanos(got, 2),
                                       ", want ", FormatNanos(want, 2)));
    }
  };
  for (const Expectation& e : c.expectations) {
    const auto& w = e.words;
    const std::string& kind = w.at(0);
    Nanos want = 0;
    if (kind == "error") continue;
    if (kind == "valid") {
      // expect valid: every version and invoice passes canonical validation.
      for (const Contract& v : c.input.contract_versions) {
        const absl::Status st = ValidateContract(v);
        if (!st.ok())
          fail(e.line_number,
               absl::StrCat("version ", v.version(), ": ", st.message()));
      }
      for (const Invoice& inv : c.input.events.invoices) {
        const absl::Status st = ValidateInvoice(inv);
        if (!st.ok())
          fail(e.line_number,
               absl::StrCat("invoice ", inv.id(), ": ", st.message()));
      }
    } else if (kind == "price") {
      if (want_money(e, w.at(1), &want))
        check(e, ToNanos(s.transaction_price()), want, "price");
    } else if (kind == "allocation" || kind == "pending") {
      if (!want_money(e, w.at(2), &want)) continue;
      bool found = false;
      for (const auto& po : s.obligations()) {
        if (po.id() != po_id(w.at(1))) continue;
        found = true;
        check(e,
              ToNanos(kind == "allocation" ? po.allocated_amount()
                                           : po.pending_amount()),
              want, absl::StrCat(kind, " of ", w.at(1)));
      }
      if (!found)
        fail(e.line_number, absl::StrCat("no obligation for line ", w.at(1)));
    } else if (kind == "revenue" || kind == "revenue_year") {
      const bool by_line = w.size() == 4;
      if (!want_money(e, w.back(), &want)) continue;
      Nanos got = 0;
      for (const auto& l : s.lines()) {
        const bool in_period = kind == "revenue"
                                   ? l.period() == w.at(1)
                                   : l.period().substr(0, 4) == w.at(1);
        if (in_period &&
            (!by_line || l.performance_obligation_id() == po_id(w.at(2)))) {
          got += ToNanos(l.amount());
        }
      }
      check(e, got, want,
            absl::StrCat("revenue ", w.at(1), by_line ? " " + w.at(2) : ""));
    } else if (kind == "balance" || kind == "net_contract_asset") {
      if (!want_money(e, w.back(), &want)) continue;
      RoleBalances b;
      auto it = balances.upper_bound(w.at(1));
      if (it != balances.begin()) b = std::prev(it)->second;
      Nanos got = 0;
      if (kind == "net_contract_asset") {
        got = b.Get(canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE) +
              b.Get(canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE);
      } else {
        auto role = RoleNamed(w.at(2));
        if (!role) {
          fail(e.line_number, absl::StrCat("unknown role ", w.at(2)));
          continue;
        }
        got = b.Get(*role) * (CreditNatured(*role) ? -1 : 1);
      }
      check(
          e, got, want,
          absl::StrCat(kind, " ", w.at(1), w.size() > 3 ? " " + w.at(2) : ""));
    } else if (kind == "treatment") {
      const std::string& want_name = w.back();
      int index = s.modifications_size() - 1;
      if (w.size() == 3) index = std::stoi(w.at(1));
      if (index < 0 || index >= s.modifications_size()) {
        fail(e.line_number, "no such modification");
        continue;
      }
      const std::string got = canonical::v1::ModificationTreatment_Name(
          s.modifications(index).treatment());
      if (got != absl::StrCat("MODIFICATION_TREATMENT_",
                              absl::AsciiStrToUpper(want_name))) {
        fail(e.line_number, absl::StrCat("treatment: got ", got, " (",
                                         s.modifications(index).reason(),
                                         "), want ", want_name));
      }
    } else if (kind == "line") {
      // expect line PERIOD LINE KIND AMOUNT [cause=KIND:ID] [closed=PERIOD]:
      // the lines of that kind (and cause) sum to AMOUNT.
      if (w.size() < 5 || !want_money(e, w.at(4), &want)) continue;
      std::string cause_kind, cause_id, closed;
      for (size_t k = 5; k < w.size(); ++k) {
        if (absl::StartsWith(w[k], "cause=")) {
          std::vector<std::string> parts =
              absl::StrSplit(w[k].substr(6), absl::MaxSplits(':', 1));
          cause_kind = parts.at(0);
          cause_id = parts.size() > 1 ? parts[1] : "";
        } else if (absl::StartsWith(w[k], "closed=")) {
          closed = w[k].substr(7);
        }
      }
      Nanos got = 0;
      for (const auto& l : s.lines()) {
        if (l.period() != w.at(1) ||
            l.performance_obligation_id() != po_id(w.at(2)) ||
            l.kind() != static_cast<canonical::v1::RevenueScheduleLineKind>(
                            canonical::v1::RevenueScheduleLineKind_descriptor()
                                ->FindValueByName(absl::StrCat(
                                    "REVENUE_SCHEDULE_LINE_KIND_",
                                    absl::AsciiStrToUpper(w.at(3))))
                                ->number())) {
          continue;
        }
        if (!cause_kind.empty() &&
            (canonical::v1::RevenueCauseKind_Name(l.cause().kind()) !=
                 absl::StrCat("REVENUE_CAUSE_KIND_",
                              absl::AsciiStrToUpper(cause_kind)) ||
             (!cause_id.empty() && l.cause().id() != cause_id))) {
          continue;
        }
        if (!closed.empty() && l.cause().closed_period() != closed) continue;
        got += ToNanos(l.amount());
      }
      check(e, got, want,
            absl::StrCat("line ", w.at(1), " ", w.at(2), " ", w.at(3)));
    } else if (kind == "posted") {
      // expect posted SOURCE_KIND SOURCE_ID PERIOD
      std::string got = "(none)";
      for (const auto& je : result->journal_entries) {
        if (je.source_kind() == w.at(1) && je.source_id() == w.at(2))
          got = je.period();
      }
      if (got != w.at(3)) {
        fail(e.line_number, absl::StrCat("posted ", w.at(1), " ", w.at(2),
                                         ": got ", got, ", want ", w.at(3)));
      }
    } else if (kind == "entries") {
      // expect entries SOURCE_KIND COUNT
      int count = 0;
      for (const auto& je : result->journal_entries)
        count += je.source_kind() == w.at(1);
      if (count != std::stoi(w.at(2))) {
        fail(e.line_number, absl::StrCat("entries ", w.at(1), ": got ", count,
                                         ", want ", w.at(2)));
      }
    } else if (kind == "account") {
      // expect account ROLE ACCOUNT: every line of the role posts there.
      auto role = RoleNamed(w.at(1));
      int seen = 0;
      for (const auto& je : result->journal_entries) {
        for (const auto& l : je.lines()) {
          if (role && l.account_role() == *role) {
            ++seen;
            if (l.account() != w.at(2)) {
              fail(e.line_number,
                   absl::StrCat("account of ", w.at(1), ": got ", l.account()));
            }
          }
        }
      }
      if (seen == 0)
        fail(e.line_number, absl::StrCat("no line posts to ", w.at(1)));
    } else {
      fail(e.line_number, absl::StrCat("unknown expectation `", kind, "`"));
    }
  }
  return failures;
}

std::string SectionText(const std::string& markdown, const std::string& id) {
  const std::string heading = absl::StrCat("### ", id, ".");
  size_t start = markdown.find(heading);
  if (start == std::string::npos) {
    // Sections without a numbered heading: "## C." style.
    const std::string h2 = absl::StrCat("## ", id, ".");
    start = markdown.find(h2);
    if (start == std::string::npos) return "";
  }
  size_t end = markdown.find("\n#", start + 1);
  return markdown.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
}

std::vector<std::string> FiguresMissingFromSource(const Expectation& e,
                                                  const std::string& section,
                                                  const std::string& currency) {
  std::vector<std::string> missing;
  if (e.derived) return missing;
  static const std::vector<std::string> kWithFigures = {
      "price",        "allocation", "revenue",
      "revenue_year", "balance",    "net_contract_asset"};
  if (std::find(kWithFigures.begin(), kWithFigures.end(), e.words.at(0)) ==
      kWithFigures.end()) {
    return missing;
  }
  // Every number printed in the section, by absolute value.
  std::vector<Nanos> printed;
  for (size_t i = 0; i < section.size();) {
    if (!std::isdigit(static_cast<unsigned char>(section[i]))) {
      ++i;
      continue;
    }
    std::string digits;
    while (i < section.size() &&
           (std::isdigit(static_cast<unsigned char>(section[i])) ||
            section[i] == ',' || section[i] == '.')) {
      if (section[i] != ',') digits.push_back(section[i]);
      ++i;
    }
    while (!digits.empty() && digits.back() == '.') digits.pop_back();
    auto m = ParseMoney(digits, currency);
    if (m.ok()) printed.push_back(ToNanos(*m));
  }
  const std::string& figure = e.words.back();
  auto m = ParseMoney(figure, currency);
  if (!m.ok()) return {figure};
  Nanos v = ToNanos(*m);
  if (v < 0) v = -v;
  if (std::find(printed.begin(), printed.end(), v) == printed.end())
    missing.push_back(figure);
  return missing;
}

}  // namespace revhub::revenue::testing
