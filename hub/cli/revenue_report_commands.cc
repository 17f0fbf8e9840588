// `revhub revenue waterfall|rollforward|rpo|balances|contra`: the month-end
// reports (RevenueService.GetWaterfall, GetRollForward,
// GetRemainingObligations, GetContractBalances, GetContraRevenue).
//
//   --from YYYY-MM --to YYYY-MM   the periods (required)
//   --as-of TIME                  the stored books current then
//   --group-by contract|customer|product|entity|currency
//   --contract C --customer C --product P --legal-entity E --currency X
//   --account deferred|unbilled   (rollforward)
//   --csv                         RFC 4180: a header row, plain decimal
//                                 amounts and a currency column, no totals
//   --json                        the response as proto3 JSON
//
// The table has one row per report row, amounts by FormatMoney, and a
// totals row per currency.
#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct ReportFlags {
  std::string from, to, as_of, group_by, contract, customer, product,
      legal_entity, currency, account;
  bool csv = false;
};

absl::StatusOr<hubv1::RevenueReportQuery> QueryOf(const ReportFlags& f) {
  hubv1::RevenueReportQuery q;
  q.set_period_start(f.from);
  q.set_period_end(f.to);
  if (!f.as_of.empty()) {
    absl::StatusOr<google::protobuf::Timestamp> at =
        ParseTimestamp(f.as_of, "--as-of");
    if (!at.ok()) return UsageError(at.status());
    *q.mutable_as_of() = *at;
  }
  static const std::map<std::string, hubv1::ReportGroupBy> kGroups = {
      {"contract", hubv1::REPORT_GROUP_BY_CONTRACT},
      {"customer", hubv1::REPORT_GROUP_BY_CUSTOMER},
      {"product", hubv1::REPORT_GROUP_BY_PRODUCT},
      {"entity", hubv1::REPORT_GROUP_BY_LEGAL_ENTITY},
      {"legal-entity", hubv1::REPORT_GROUP_BY_LEGAL_ENTITY},
      {"currency", hubv1::REPORT_GROUP_BY_CURRENCY}};
  if (!f.group_by.empty()) {
    auto it = kGroups.find(f.group_by);
    if (it == kGroups.end()) {
      return UsageError(absl::StrCat(
          "--group-by: '", f.group_by,
          "' is not one of contract, customer, product, entity, currency"));
    }
    q.set_group_by(it->second);
  }
  q.set_contract_id(f.contract);
  q.set_customer_id(f.customer);
  q.set_product_id(f.product);
  q.set_legal_entity(f.legal_entity);
  q.set_currency_code(f.currency);
  return q;
}

// An amount as plain decimal digits, at least the currency's minor unit.
std::string Plain(const canon::Money& m) {
  const int exponent = MinorUnitExponent(m.currency_code());
  return FormatNanos(ToNanos(m), exponent < 0 ? 0 : exponent);
}

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

// A report rendered as a table or as CSV: text cells, then amounts (one
// currency per row). Totals per currency sum the amount columns `summed`
// says (the others are left empty in the totals row).
class Report {
 public:
  Report(std::vector<std::string> labels, std::vector<std::string> amounts)
      : labels_(std::move(labels)), amounts_(std::move(amounts)) {}

  void Add(std::vector<std::string> labels, const std::string& currency,
           std::vector<canon::Money> amounts) {
    rows_.push_back({std::move(labels), currency, std::move(amounts)});
  }
  // Sets the totals row of a currency (labels of the first label column).
  void Total(const std::string& currency, std::vector<Nanos> amounts) {
    totals_[currency] = std::move(amounts);
  }
  // Adds every row's amounts into the totals.
  void SumTotals() {
    for (const Row& r : rows_) {
      auto& t = totals_[r.currency];
      t.resize(r.amounts.size(), 0);
      for (size_t i = 0; i < r.amounts.size(); ++i) {
        t[i] += ToNanos(r.amounts[i]);
      }
    }
  }

  std::string Csv() const {
    std::vector<std::string> header = labels_;
    header.push_back("currency");
    header.insert(header.end(), amounts_.begin(), amounts_.end());
    std::string out;
    auto line = [&out](const std::vector<std::string>& cells) {
      std::vector<std::string> quoted;
      for (const auto& c : cells) quoted.push_back(CsvField(c));
      absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\r\n");
    };
    line(header);
    for (const Row& r : rows_) {
      std::vector<std::string> cells = r.labels;
      cells.push_back(r.currency);
      for (const auto& m : r.amounts) cells.push_back(Plain(m));
      line(cells);
    }
    return out;
  }

  std::string Render(const std::string& empty) const {
    if (rows_.empty()) return empty + "\n";
    std::vector<std::string> header = labels_;
    header.insert(header.end(), amounts_.begin(), amounts_.end());
    Table table(header);
    for (size_t i = labels_.size(); i < header.size(); ++i) {
      table.AlignRight(i);
    }
    for (const Row& r : rows_) {
      std::vector<std::string> cells = r.labels;
      for (const auto& m : r.amounts) cells.push_back(FormatMoney(m));
      table.AddRow(std::move(cells));
    }
    for (const auto& [currency, sums] : totals_) {
      std::vector<std::string> cells(labels_.size(), "");
      cells[0] = "total";
      for (Nanos n : sums) {
        absl::StatusOr<canon::Money> m = MoneyFromNanos(currency, n);
        cells.push_back(m.ok() ? FormatMoney(*m) : "-");
      }
      cells.resize(header.size(), "");
      table.AddRow(std::move(cells));
    }
    return table.Render();
  }

 private:
  struct Row {
    std::vector<std::string> labels;
    std::string currency;
    std::vector<canon::Money> amounts;
  };
  std::vector<std::string> labels_;
  std::vector<std::string> amounts_;
  std::vector<Row> rows_;
  std::map<std::string, std::vector<Nanos>> totals_;
};

void Emit(const ReportFlags& f, CommandContext& ctx,
          const google::protobuf::Message& response, const Report& report,
          const std::string& empty) {
  if (f.csv) {
    ctx.out() << report.Csv();
    return;
  }
  ctx.Print(response, report.Render(empty));
}

absl::Status Waterfall(const ReportFlags& f, CommandContext& ctx) {
  hubv1::GetWaterfallRequest req;
  ASSIGN_OR_RETURN(*req.mutable_query(), QueryOf(f));
  ASSIGN_OR_RETURN(hubv1::GetWaterfallResponse resp,
                   ctx.Hub().GetWaterfall(req));
  std::vector<std::string> amounts = {"billed"};
  for (const auto& p : resp.periods()) amounts.push_back(p);
  amounts.push_back("remaining");
  Report report({"group", "billed in"}, amounts);
  for (const auto& r : resp.rows()) {
    std::vector<canon::Money> m = {r.billed()};
    for (const auto& a : r.recognised()) m.push_back(a.amount());
    m.push_back(r.remaining());
    report.Add({r.group(), r.billed_period()}, r.currency_code(), m);
  }
  report.SumTotals();
  Emit(f, ctx, resp, report, "no billings or revenue in these periods");
  return absl::OkStatus();
}

absl::Status RollForward(const ReportFlags& f, CommandContext& ctx) {
  hubv1::GetRollForwardRequest req;
  ASSIGN_OR_RETURN(*req.mutable_query(), QueryOf(f));
  if (f.account == "unbilled") {
    req.set_account(hubv1::ROLL_FORWARD_ACCOUNT_UNBILLED_RECEIVABLE);
  } else if (f.account.empty() || f.account == "deferred") {
    req.set_account(hubv1::ROLL_FORWARD_ACCOUNT_DEFERRED_REVENUE);
  } else {
    return UsageError(absl::StrCat("--account: '", f.account,
                                   "' is not one of deferred, unbilled"));
  }
  ASSIGN_OR_RETURN(hubv1::GetRollForwardResponse resp,
                   ctx.Hub().GetRollForward(req));
  Report report({"group", "period"},
                {"opening", "billings", "recognised", "credit notes", "refunds",
                 "voids", "disputes", "closing"});
  // Totals: the openings of the first period, every movement, the
  // closings of the last.
  std::map<std::string, std::vector<Nanos>> totals;
  for (const auto& r : resp.rows()) {
    std::vector<canon::Money> m = {
        r.opening(), r.billings(), r.recognised(), r.credit_notes(),
        r.refunds(), r.voids(),    r.disputes(),   r.closing()};
    report.Add({r.group(), r.period()}, r.currency_code(), m);
    auto& t = totals[r.currency_code()];
    t.resize(m.size(), 0);
    if (r.period() == f.from) t[0] += ToNanos(r.opening());
    for (size_t i = 1; i + 1 < m.size(); ++i) t[i] += ToNanos(m[i]);
    if (r.period() == f.to) t.back() += ToNanos(r.closing());
  }
  for (auto& [currency, t] : totals) report.Total(currency, std::move(t));
  Emit(f, ctx, resp, report, "no balance in these periods");
  return absl::OkStatus();
}

absl::Status Rpo(const ReportFlags& f, CommandContext& ctx) {
  hubv1::GetRemainingObligationsRequest req;
  ASSIGN_OR_RETURN(*req.mutable_query(), QueryOf(f));
  ASSIGN_OR_RETURN(hubv1::GetRemainingObligationsResponse resp,
                   ctx.Hub().GetRemainingObligations(req));
  Report report({"group"}, {"total", "within 12 months", "later"});
  for (const auto& r : resp.rows()) {
    report.Add({r.group()}, r.currency_code(),
               {r.total(), r.within_12_months(), r.later()});
  }
  report.SumTotals();
  if (!f.csv && !ctx.json()) {
    ctx.out() << "remaining performance obligations after "
              << resp.as_of_period() << ":\n";
  }
  Emit(f, ctx, resp, report, "none");
  return absl::OkStatus();
}

absl::Status Balances(const ReportFlags& f, CommandContext& ctx) {
  hubv1::GetContractBalancesRequest req;
  ASSIGN_OR_RETURN(*req.mutable_query(), QueryOf(f));
  ASSIGN_OR_RETURN(hubv1::GetContractBalancesResponse resp,
                   ctx.Hub().GetContractBalances(req));
  Report report({"contract", "customer", "legal entity", "period"},
                {"contract asset", "contract liability", "receivable"});
  // Totals: the balances at the end of the last period.
  std::map<std::string, std::vector<Nanos>> totals;
  for (const auto& r : resp.rows()) {
    report.Add({r.contract_id(), r.customer_id(), r.legal_entity(), r.period()},
               r.currency_code(),
               {r.contract_asset(), r.contract_liability(), r.receivable()});
    auto& t = totals[r.currency_code()];
    t.resize(3, 0);
    if (r.period() != f.to) continue;
    t[0] += ToNanos(r.contract_asset());
    t[1] += ToNanos(r.contract_liability());
    t[2] += ToNanos(r.receivable());
  }
  for (auto& [currency, t] : totals) report.Total(currency, std::move(t));
  Emit(f, ctx, resp, report, "no balances in these periods");
  return absl::OkStatus();
}

absl::Status Contra(const ReportFlags& f, CommandContext& ctx) {
  hubv1::GetContraRevenueRequest req;
  ASSIGN_OR_RETURN(*req.mutable_query(), QueryOf(f));
  ASSIGN_OR_RETURN(hubv1::GetContraRevenueResponse resp,
                   ctx.Hub().GetContraRevenue(req));
  Report report({"group", "period"},
                {"credit notes", "refunds", "voids", "disputes", "total"});
  for (const auto& r : resp.rows()) {
    report.Add(
        {r.group(), r.period()}, r.currency_code(),
        {r.credit_notes(), r.refunds(), r.voids(), r.disputes(), r.total()});
  }
  report.SumTotals();
  Emit(f, ctx, resp, report, "no contra revenue in these periods");
  return absl::OkStatus();
}

}  // namespace

void DefineRevenueReportCommands(CLI::App& revenue, CommandContext& ctx) {
  ReportFlags& f = ctx.NewFlags<ReportFlags>();
  auto define = [&](const char* name, const char* help,
                    absl::Status (*run)(const ReportFlags&, CommandContext&)) {
    CLI::App* c = revenue.add_subcommand(name, help);
    c->add_option("--from", f.from, "First period, YYYY-MM")->required();
    c->add_option("--to", f.to, "Last period, YYYY-MM")->required();
    c->add_option("--as-of", f.as_of,
                  "The stored books current at this recorded time "
                  "(RFC 3339)");
    c->add_option("--group-by", f.group_by,
                  "contract (default), customer, product, entity or "
                  "currency");
    c->add_option("--contract", f.contract, "Only this contract");
    c->add_option("--customer", f.customer, "Only this customer's contracts");
    c->add_option("--product", f.product, "Only contracts selling it");
    c->add_option("--legal-entity", f.legal_entity, "Only this legal entity");
    c->add_option("--currency", f.currency, "Only this currency");
    c->add_flag("--csv", f.csv,
                "Print CSV (RFC 4180): plain amounts and a currency column");
    ctx.OnParsed(c, [&f, &ctx, run]() -> absl::Status {
      if (f.csv && ctx.json()) {
        return UsageError("--csv and --json: give one of them");
      }
      return run(f, ctx);
    });
    return c;
  };
  define("waterfall",
         "Net billings per billing period and the revenue each recognises "
         "per period",
         Waterfall);
  CLI::App* rollforward =
      define("rollforward",
             "Deferred revenue (or the contract asset) per period: opening, "
             "movements by source, closing",
             RollForward);
  rollforward->add_option("--account", f.account,
                          "deferred (default) or unbilled");
  define("rpo",
         "Remaining performance obligations after --to: within 12 months "
         "and later",
         Rpo);
  define("balances",
         "Each contract's asset, liability and receivable at each period end",
         Balances);
  define("contra", "Contra revenue per period by category", Contra);
}

}  // namespace revhub::cli
