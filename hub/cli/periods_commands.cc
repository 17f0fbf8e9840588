// `revhub periods …`: accounting period close (RevenueService ClosePeriod,
// ReopenPeriod, ListPeriods).
//
//   revhub periods close YYYY-MM [--legal-entity X] [--reason R]
//   revhub periods reopen YYYY-MM [--legal-entity X] --reason R   (admin)
//   revhub periods list [--legal-entity X]
//
// Without --legal-entity a period is closed (or reopened) for every legal
// entity. What they print is built by hub/cli/fulfilment_format.h; --json
// prints the responses instead.
#include <CLI/CLI.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/fulfilment_format.h"

namespace revhub::cli {
namespace {

struct PeriodFlags {
  std::string period, legal_entity, reason;
};

std::string PeriodTable(const hubv1::AccountingPeriod& p) {
  google::protobuf::RepeatedPtrField<hubv1::AccountingPeriod> one;
  *one.Add() = p;
  return RenderPeriodTable(one);
}

absl::Status Close(const PeriodFlags& f, CommandContext& ctx) {
  hubv1::ClosePeriodRequest request;
  request.set_period(f.period);
  request.set_legal_entity(f.legal_entity);
  request.set_reason(f.reason);
  ASSIGN_OR_RETURN(hubv1::ClosePeriodResponse response,
                   ctx.Hub().ClosePeriod(request));
  ctx.Print(response, PeriodTable(response.period()));
  return absl::OkStatus();
}

absl::Status Reopen(const PeriodFlags& f, CommandContext& ctx) {
  hubv1::ReopenPeriodRequest request;
  request.set_period(f.period);
  request.set_legal_entity(f.legal_entity);
  request.set_reason(f.reason);
  ASSIGN_OR_RETURN(hubv1::ReopenPeriodResponse response,
                   ctx.Hub().ReopenPeriod(request));
  ctx.Print(response, PeriodTable(response.period()));
  return absl::OkStatus();
}

absl::Status List(const PeriodFlags& f, CommandContext& ctx) {
  hubv1::ListPeriodsRequest request;
  request.set_legal_entity(f.legal_entity);
  ASSIGN_OR_RETURN(hubv1::ListPeriodsResponse response,
                   ctx.Hub().ListPeriods(request));
  ctx.Print(response, RenderPeriodTable(response.periods()));
  return absl::OkStatus();
}

}  // namespace

void DefinePeriodsCommands(CLI::App& app, CommandContext& ctx) {
  PeriodFlags& f = ctx.NewFlags<PeriodFlags>();
  CLI::App* periods = app.add_subcommand(
      "periods",
      "Accounting period close: lock a month, reopen it, list closed ones");
  periods->require_subcommand(1);

  CLI::App* close = periods->add_subcommand(
      "close",
      "Lock a period: later changes to it are recognised in the first open "
      "period");
  close->add_option("PERIOD", f.period, "The month, YYYY-MM")->required();
  close->add_option("--legal-entity", f.legal_entity,
                    "Only this legal entity (default: every one)");
  close->add_option("--reason", f.reason, "Why (kept with the close)");
  ctx.OnParsed(close, [&f, &ctx] { return Close(f, ctx); });

  CLI::App* reopen = periods->add_subcommand(
      "reopen", "Open a closed period again (admin; audited)");
  reopen->add_option("PERIOD", f.period, "The month, YYYY-MM")->required();
  reopen->add_option("--legal-entity", f.legal_entity,
                     "The legal entity it was closed for (default: every "
                     "one)");
  reopen->add_option("--reason", f.reason, "Why it is reopened")->required();
  ctx.OnParsed(reopen, [&f, &ctx] { return Reopen(f, ctx); });

  CLI::App* list = periods->add_subcommand(
      "list", "Closed and reopened periods, with who, when and why");
  list->add_option("--legal-entity", f.legal_entity,
                   "This legal entity's, and those of every entity");
  ctx.OnParsed(list, [&f, &ctx] { return List(f, ctx); });
}

}  // namespace revhub::cli
