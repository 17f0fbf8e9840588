// `revhub exceptions summary`: the money at stake and the counts of
// exceptions grouped by owner, category, kind, system, age bucket and SLA
// state, per currency (ExceptionService.SummarizeExceptions).
//
//   revhub exceptions summary [--by owner,category,kind,system,age,sla]
//                             [--system S] [--owner O] [--category C]
//                             [--kind K] [--all] [--csv]
//
// Tables by default, one per dimension asked for (all six without --by);
// --json prints the response; --csv one row per group: dimension, key,
// currency, count, amount (plain decimal, "" without an amount).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"

namespace revhub::cli {
namespace {

const std::vector<std::string>& Dimensions() {
  static const auto* all = new std::vector<std::string>{
      "owner", "category", "kind", "system", "age", "sla"};
  return *all;
}

struct SummaryFlags {
  std::string by, system, owner, category, kind;
  CLI::Option* category_option = nullptr;
  CLI::Option* kind_option = nullptr;
  bool all = false;
  bool csv = false;
};

// Returns the field quoted as RFC 4180 asks when it needs it.
std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The amount as a plain decimal in the currency's minor unit ("1000.00").
std::string PlainAmount(const hubv1::ExceptionSummaryRow& row) {
  if (row.currency().empty()) return "";
  const int exponent = MinorUnitExponent(row.currency());
  return FormatNanos(ToNanos(row.amount_at_stake()),
                     exponent < 0 ? 0 : exponent);
}

std::string AtStake(const hubv1::ExceptionSummaryRow& row) {
  return row.currency().empty() ? "-" : FormatMoney(row.amount_at_stake());
}

// Returns the dimensions --by names, in the order given; all without --by.
absl::StatusOr<std::vector<std::string>> ParseBy(const std::string& by) {
  if (by.empty()) return Dimensions();
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(by, ',')) {
    const std::string d(absl::StripAsciiWhitespace(part));
    if (std::find(Dimensions().begin(), Dimensions().end(), d) ==
        Dimensions().end()) {
      return UsageError(absl::StrCat("--by: '", d, "' is not one of ",
                                     absl::StrJoin(Dimensions(), ", ")));
    }
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  }
  return out;
}

std::string RenderSummary(const hubv1::SummarizeExceptionsResponse& r,
                          const std::vector<std::string>& by,
                          bool include_resolved) {
  std::string out =
      absl::StrCat(r.open_count(),
                   r.open_count() == 1 ? " open exception" : " open exceptions",
                   "; SLA breached: ", r.breached_count(),
                   ", at risk: ", r.at_risk_count(), "\n");
  if (r.totals_size() == 0) {
    return absl::StrCat(
        out, include_resolved ? "no exceptions\n" : "nothing at stake\n");
  }
  std::vector<std::string> totals;
  for (const auto& t : r.totals()) {
    totals.push_back(absl::StrCat(AtStake(t), " (", t.count(), ")"));
  }
  absl::StrAppend(
      &out, include_resolved ? "at stake, resolved included: " : "at stake: ",
      absl::StrJoin(totals, ", "), "\n");
  for (const std::string& dimension : by) {
    std::string header = dimension;
    for (char& c : header) c = static_cast<char>(std::toupper(c));
    Table table({header, "COUNT", "AT STAKE"});
    table.AlignRight(1);
    table.AlignRight(2);
    for (const auto& row : r.rows()) {
      if (row.dimension() != dimension) continue;
      table.AddRow({row.key().empty() ? "(none)" : row.key(),
                    absl::StrCat(row.count()), AtStake(row)});
    }
    absl::StrAppend(&out, "\nby ", dimension, "\n", table.Render());
  }
  return out;
}

std::string RenderCsv(const hubv1::SummarizeExceptionsResponse& r,
                      const std::vector<std::string>& by) {
  std::string out = "dimension,key,currency,count,amount_at_stake\n";
  auto add = [&](const hubv1::ExceptionSummaryRow& row) {
    absl::StrAppend(&out, CsvField(row.dimension()), ",", CsvField(row.key()),
                    ",", row.currency(), ",", row.count(), ",",
                    PlainAmount(row), "\n");
  };
  for (const std::string& dimension : by) {
    for (const auto& row : r.rows()) {
      if (row.dimension() == dimension) add(row);
    }
  }
  for (const auto& row : r.totals()) add(row);
  return out;
}

absl::Status Summarize(const SummaryFlags& f, CommandContext& ctx) {
  if (f.csv && ctx.json()) {
    return UsageError("--csv and --json: give one of them");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> by, ParseBy(f.by));
  hubv1::SummarizeExceptionsRequest request;
  request.set_system(f.system);
  request.set_owner(f.owner);
  RETURN_IF_ERROR(SetExceptionCategoryAndKind(f.category_option, f.category,
                                              f.kind_option, f.kind, request));
  request.set_include_resolved(f.all);
  ASSIGN_OR_RETURN(hubv1::SummarizeExceptionsResponse response,
                   ctx.Hub().SummarizeExceptions(request));
  if (f.csv) {
    ctx.out() << RenderCsv(response, by);
    return absl::OkStatus();
  }
  ctx.Print(response, RenderSummary(response, by, f.all));
  return absl::OkStatus();
}

}  // namespace

void DefineExceptionSummaryCommand(CLI::App& exceptions, CommandContext& ctx) {
  SummaryFlags& f = ctx.NewFlags<SummaryFlags>();
  CLI::App* summary = exceptions.add_subcommand(
      "summary",
      "Money at stake and counts of open exceptions by owner, category, "
      "kind, system, age and SLA state, per currency");
  summary->add_option(
      "--by", f.by,
      "Dimensions to show, comma-separated: owner, category, kind, system, "
      "age, sla (default: all)");
  summary->add_option("--system", f.system, "Only this system's");
  summary->add_option("--owner", f.owner, "Only this owner's");
  f.category_option = summary->add_option(
      "--category", f.category,
      "Only this category (" +
          HyphenatedChoices(hubv1::ExceptionCategory_descriptor()) + ")");
  f.kind_option = summary->add_option(
      "--kind", f.kind,
      "Only this kind (" +
          HyphenatedChoices(hubv1::ExceptionKind_descriptor()) + ")");
  summary->add_flag("--all", f.all, "Resolved exceptions too");
  summary->add_flag("--csv", f.csv,
                    "RFC 4180: dimension, key, currency, count, amount");
  ctx.OnParsed(summary, [&f, &ctx] { return Summarize(f, ctx); });
}

}  // namespace revhub::cli
