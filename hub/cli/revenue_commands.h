// `revhub revenue …`: the RevenueService commands of the command line.
//
//   revhub revenue preview FILE   compute a schedule without storing it. FILE
//                                 (or "-") is a Contract in proto3 JSON, or a
//                                 PreviewScheduleRequest (contract, products,
//                                 invoices, payments, …). Products a bare
//                                 contract's lines name are read from the hub.
//   revhub revenue show CONTRACT [--as-of TIME]
//                                 the stored schedule, current or as of TIME
//   revhub revenue journal CONTRACT [--from YYYY-MM] [--to YYYY-MM]
//                                 the stored journal entries, by period
//
// A schedule prints as a table of periods (rows) by performance obligation
// (columns), with a total per period and per obligation and a grand total;
// amounts are exact (FormatMoney), never through a float. With --json the
// response is printed as proto3 JSON instead.
#ifndef REVHUB_HUB_CLI_REVENUE_COMMANDS_H_
#define REVHUB_HUB_CLI_REVENUE_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/cli/client.h"

namespace revhub::cli {

// What the revenue commands use of the command line that defines them.
struct RevenueCommandHooks {
  std::function<HubClient&()> hub;  // connects on first use
  std::function<bool()> json;       // --json given
  std::ostream* out = nullptr;
  // Reads a file, or standard input for "-"; errors are usage errors.
  std::function<absl::StatusOr<std::string>(const std::string&)> read_input;
  // Marks a status as a usage error (exit 2, nothing sent).
  std::function<absl::Status(absl::Status)> usage_error;
  // Sets what runs once parsing succeeded.
  std::function<void(std::function<absl::Status()>)> set_action;
};

// Adds the `revenue` command group to app.
void DefineRevenueCommands(CLI::App& app, RevenueCommandHooks hooks);

// Returns the schedule as a period-by-obligation table with totals, followed
// by the obligations (allocation, rule, what is pending) and, for a FAILED
// schedule, the recomputation error.
std::string RenderScheduleTable(const canonical::v1::RevenueSchedule& schedule);

// Returns the journal entries as one row per journal line, with debit and
// credit totals.
std::string RenderJournalTable(
    const std::vector<canonical::v1::JournalEntry>& entries);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_REVENUE_COMMANDS_H_
