// The command groups of `revhub`, each defined by one function of one shape:
//
//   void Define<Group>Commands(CLI::App& app, CommandContext& ctx);
//
// which adds the group (`revhub systems …`) to the top-level app, keeps its
// flags in ctx and registers each command's action with ctx.OnParsed. Every
// group reads one item with `show` (`get` is kept as its alias where it
// existed), and every list pages through hub/cli/list_commands.h.
// RunCli (hub/cli/commands.h) defines them in the order declared here, the
// order `revhub --help` lists them.
#ifndef REVHUB_HUB_CLI_COMMAND_GROUPS_H_
#define REVHUB_HUB_CLI_COMMAND_GROUPS_H_

#include "hub/cli/command_context.h"

namespace CLI {
class App;
}

namespace revhub::cli {

// systems register|list|show|disable|describe|check (systems_commands.cc)
void DefineSystemsCommands(CLI::App& app, CommandContext& ctx);
// customers|products|invoices|payments show|list|upsert
// (entity_commands.cc)
void DefineCustomersCommands(CLI::App& app, CommandContext& ctx);
void DefineProductsCommands(CLI::App& app, CommandContext& ctx);
// contracts show|list|upsert (entity_commands.cc) and book|amend|renew|cancel
// (contract_lifecycle_commands.cc)
void DefineContractsCommands(CLI::App& app, CommandContext& ctx);
void DefineInvoicesCommands(CLI::App& app, CommandContext& ctx);
void DefinePaymentsCommands(CLI::App& app, CommandContext& ctx);
// ingest FILE | --batch FILE.ndjson|DIR (ingest_commands.cc)
void DefineIngestCommands(CLI::App& app, CommandContext& ctx);
// records list|get|show|exceptions|replay (records_commands.cc)
void DefineRecordsCommands(CLI::App& app, CommandContext& ctx);
// events tail|ack|consumer (events_commands.cc)
void DefineEventsCommands(CLI::App& app, CommandContext& ctx);
// revenue preview|show|journal (revenue_commands.cc) and the reports
// (revenue_report_commands.cc)
void DefineRevenueCommands(CLI::App& app, CommandContext& ctx);
// usage report, deliveries record|list (fulfilment_commands.cc)
void DefineUsageCommands(CLI::App& app, CommandContext& ctx);
void DefineDeliveriesCommands(CLI::App& app, CommandContext& ctx);
// periods close|reopen|list (periods_commands.cc)
void DefinePeriodsCommands(CLI::App& app, CommandContext& ctx);
// workflows list|show (workflow_commands.cc)
void DefineWorkflowsCommands(CLI::App& app, CommandContext& ctx);
// exceptions list|show|assign|retry|replay|resolve (exception_commands.cc)
void DefineExceptionsCommands(CLI::App& app, CommandContext& ctx);
// Authentication: principals and their tokens (PrincipalService), and
// `certs init` (local, no hub).
void DefinePrincipalsCommands(CLI::App& app, CommandContext& ctx);
void DefineCertsCommands(CLI::App& app, CommandContext& ctx);
// audit list|verify (audit_commands.cc)
void DefineAuditCommands(CLI::App& app, CommandContext& ctx);
// sync run|status (sync_commands.cc)
void DefineSyncCommands(CLI::App& app, CommandContext& ctx);
// trace REF (trace_commands.cc)
void DefineTraceCommands(CLI::App& app, CommandContext& ctx);
// reconcile [run]|show|accept|redeliver (reconcile_commands.cc)
void DefineReconcileCommands(CLI::App& app, CommandContext& ctx);

// Adds book, amend, renew and cancel to the `contracts` group (called by
// DefineContractsCommands).
void DefineContractLifecycleCommands(CLI::App& contracts, CommandContext& ctx);
// Adds `summary` to the `exceptions` group (exception_summary_commands.cc;
// called by DefineExceptionsCommands).
void DefineExceptionSummaryCommand(CLI::App& exceptions, CommandContext& ctx);
// Adds waterfall, rollforward, rpo, balances and contra to the `revenue`
// group (revenue_report_commands.cc; called by DefineRevenueCommands).
void DefineRevenueReportCommands(CLI::App& revenue, CommandContext& ctx);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_COMMAND_GROUPS_H_
