// `revhub reconcile …`: reconciliation across CRM, billing, the hub and the
// ERP (ReconciliationService).
//
//   revhub reconcile --period YYYY-MM [--legal-entity X] [--system S]...
//                    [--json|--csv]           run now and print the report
//   revhub reconcile run --period YYYY-MM …   the same
//   revhub reconcile show --period YYYY-MM [--legal-entity X] [--csv]
//   revhub reconcile accept VARIANCE_ID --reason R
//   revhub reconcile redeliver VARIANCE_ID [--note N]
//
// The report prints what each side holds (sides), the open variances by
// category and currency (totals), then each variance: id, category, state,
// amount at stake, contract or entity, description and the records on each
// side. --csv prints the variances only, one row each, RFC 4180.
#include <CLI/CLI.hpp>
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

struct ReconcileFlags {
  std::string period, legal_entity, variance_id, reason, note;
  std::vector<std::string> systems;
  bool csv = false;
};

std::string Word(absl::string_view enum_name, absl::string_view prefix) {
  return std::string(enum_name.substr(prefix.size()));
}

std::string CategoryWord(hubv1::VarianceCategory c) {
  return Word(hubv1::VarianceCategory_Name(c), "VARIANCE_CATEGORY_");
}

std::string StateWord(hubv1::VarianceState s) {
  return Word(hubv1::VarianceState_Name(s), "VARIANCE_STATE_");
}

std::string RefsText(const hubv1::Variance& v) {
  std::vector<std::string> refs;
  for (const auto& r : v.refs())
    refs.push_back(absl::StrCat(r.side(), ":", r.trace_ref()));
  return absl::StrJoin(refs, " ");
}

std::string Subject(const hubv1::Variance& v) {
  if (!v.contract_id().empty() && v.contract_id() != v.entity().id())
    return absl::StrCat(v.contract_id(), " / ", v.entity().id());
  return v.entity().id().empty() ? v.contract_id() : v.entity().id();
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A plain decimal amount, for CSV.
std::string Plain(const canonical::v1::Money& m) {
  return m.currency_code().empty() ? "" : FormatNanos(ToNanos(m), 2);
}

std::string RenderVariances(
    const google::protobuf::RepeatedPtrField<hubv1::Variance>& variances) {
  Table t({"variance", "category", "state", "at stake", "contract / entity",
           "owner", "description", "refs"});
  t.AlignRight(3);
  for (const auto& v : variances) {
    t.AddRow({v.variance_id(), CategoryWord(v.category()), StateWord(v.state()),
              FormatMoneyOrDash(v.amount_at_stake()), Subject(v),
              v.owner().empty() ? "-" : v.owner(), v.description(),
              RefsText(v)});
  }
  return t.Render();
}

std::string RenderReport(const hubv1::ReconciliationReport& r) {
  std::string out = RenderFields(
      {{"run", r.run_id()},
       {"period", r.period()},
       {"legal entity",
        r.legal_entity().empty() ? "(every one)" : r.legal_entity()},
       {"systems", absl::StrJoin(r.systems(), ", ")},
       {"finished", FormatTimestamp(r.finished_at())}});
  Table sides({"side", "system", "measure", "count", "amount"});
  sides.AlignRight(3);
  sides.AlignRight(4);
  for (const auto& s : r.sides()) {
    sides.AddRow({s.side(), s.system(), s.measure(), absl::StrCat(s.count()),
                  FormatMoneyOrDash(s.amount())});
  }
  absl::StrAppend(&out, "\nSides\n", sides.Render());
  Table totals({"category", "currency", "open", "at stake"});
  totals.AlignRight(2);
  totals.AlignRight(3);
  for (const auto& t : r.totals()) {
    totals.AddRow({CategoryWord(t.category()), t.currency(),
                   absl::StrCat(t.count()), FormatMoneyOrDash(t.amount())});
  }
  absl::StrAppend(&out, "\nOpen variances by category\n",
                  totals.rows() == 0 ? "(none)\n" : totals.Render());
  absl::StrAppend(
      &out, "\nVariances\n",
      r.variances().empty() ? "(none)\n" : RenderVariances(r.variances()));
  return out;
}

std::string ReportCsv(const hubv1::ReconciliationReport& r) {
  std::string out =
      "period,variance_id,category,state,currency,amount_at_stake,hub_amount,"
      "other_amount,contract_id,entity_id,owner,exception_id,description,"
      "refs\r\n";
  for (const auto& v : r.variances()) {
    std::vector<std::string> cells = {r.period(),
                                      v.variance_id(),
                                      CategoryWord(v.category()),
                                      StateWord(v.state()),
                                      v.amount_at_stake().currency_code(),
                                      Plain(v.amount_at_stake()),
                                      Plain(v.hub_amount()),
                                      Plain(v.other_amount()),
                                      v.contract_id(),
                                      v.entity().id(),
                                      v.owner(),
                                      absl::StrCat(v.exception_id()),
                                      v.description(),
                                      RefsText(v)};
    for (auto& c : cells) c = CsvField(c);
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\r\n");
  }
  return out;
}

void Emit(const ReconcileFlags& f, CommandContext& ctx,
          const google::protobuf::Message& response,
          const hubv1::ReconciliationReport& report) {
  if (f.csv) {
    ctx.out() << ReportCsv(report);
    return;
  }
  ctx.Print(response, RenderReport(report));
}

absl::Status Run(const ReconcileFlags& f, CommandContext& ctx) {
  if (f.period.empty()) return UsageError("--period: required (YYYY-MM)");
  hubv1::RunReconciliationRequest req;
  req.set_period(f.period);
  req.set_legal_entity(f.legal_entity);
  for (const auto& s : f.systems) req.add_systems(s);
  ASSIGN_OR_RETURN(hubv1::RunReconciliationResponse resp,
                   ctx.Hub().RunReconciliation(req));
  Emit(f, ctx, resp, resp.report());
  return absl::OkStatus();
}

absl::Status Show(const ReconcileFlags& f, CommandContext& ctx) {
  hubv1::GetReconciliationRequest req;
  req.set_period(f.period);
  req.set_legal_entity(f.legal_entity);
  ASSIGN_OR_RETURN(hubv1::GetReconciliationResponse resp,
                   ctx.Hub().GetReconciliation(req));
  Emit(f, ctx, resp, resp.report());
  return absl::OkStatus();
}

absl::Status Accept(const ReconcileFlags& f, CommandContext& ctx) {
  hubv1::AcceptVarianceRequest req;
  req.set_variance_id(f.variance_id);
  req.set_reason(f.reason);
  ASSIGN_OR_RETURN(hubv1::AcceptVarianceResponse resp,
                   ctx.Hub().AcceptVariance(req));
  google::protobuf::RepeatedPtrField<hubv1::Variance> one;
  *one.Add() = resp.variance();
  ctx.Print(resp, RenderVariances(one));
  return absl::OkStatus();
}

absl::Status Redeliver(const ReconcileFlags& f, CommandContext& ctx) {
  hubv1::RedeliverVarianceRequest req;
  req.set_variance_id(f.variance_id);
  req.set_note(f.note);
  ASSIGN_OR_RETURN(hubv1::RedeliverVarianceResponse resp,
                   ctx.Hub().RedeliverVariance(req));
  google::protobuf::RepeatedPtrField<hubv1::Variance> one;
  *one.Add() = resp.variance();
  ctx.Print(resp, absl::StrCat(RenderVariances(one), "\nworkflows: ",
                               absl::StrJoin(resp.workflow_ids(), ", "), "\n"));
  return absl::OkStatus();
}

void AddRunFlags(CLI::App* cmd, ReconcileFlags& f) {
  cmd->add_option("--period", f.period, "The month, YYYY-MM");
  cmd->add_option("--legal-entity", f.legal_entity,
                  "Only this legal entity (default: every one)");
  cmd->add_option("--system", f.systems,
                  "A system to compare (repeat; default: every registered "
                  "one)")
      ->expected(1)
      ->take_all();
  cmd->add_flag("--csv", f.csv, "The variances as CSV (RFC 4180)");
}

}  // namespace

void DefineReconcileCommands(CLI::App& app, CommandContext& ctx) {
  ReconcileFlags& f = ctx.NewFlags<ReconcileFlags>();
  CLI::App* reconcile = app.add_subcommand(
      "reconcile",
      "Reconcile a period across CRM, billing, the hub and the ERP (read "
      "back)");
  reconcile->require_subcommand(0, 1);
  AddRunFlags(reconcile, f);
  // `revhub reconcile --period P` runs; with a subcommand, that one does.
  reconcile->callback([reconcile, &f, &ctx] {
    if (reconcile->get_subcommands().empty())
      ctx.SetAction([&f, &ctx] { return Run(f, ctx); });
  });

  CLI::App* run = reconcile->add_subcommand("run", "Run a reconciliation now");
  AddRunFlags(run, f);
  ctx.OnParsed(run, [&f, &ctx] { return Run(f, ctx); });

  CLI::App* show = reconcile->add_subcommand(
      "show", "The latest report of a period, variances as they stand now");
  show->add_option("--period", f.period, "The month, YYYY-MM")->required();
  show->add_option("--legal-entity", f.legal_entity, "The legal entity");
  show->add_flag("--csv", f.csv, "The variances as CSV (RFC 4180)");
  ctx.OnParsed(show, [&f, &ctx] { return Show(f, ctx); });

  CLI::App* accept = reconcile->add_subcommand(
      "accept", "Accept an explained variance (resolves its exception)");
  accept->add_option("VARIANCE_ID", f.variance_id, "The variance")->required();
  accept->add_option("--reason", f.reason, "Why the difference is right")
      ->required();
  ctx.OnParsed(accept, [&f, &ctx] { return Accept(f, ctx); });

  CLI::App* redeliver = reconcile->add_subcommand(
      "redeliver",
      "Deliver again what the ERP lacks (a MISSING_IN_ERP variance)");
  redeliver->add_option("VARIANCE_ID", f.variance_id, "The variance")
      ->required();
  redeliver->add_option("--note", f.note, "Kept with the action");
  ctx.OnParsed(redeliver, [&f, &ctx] { return Redeliver(f, ctx); });
}

}  // namespace revhub::cli
