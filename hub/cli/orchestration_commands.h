// `revhub workflows …`, `revhub exceptions …` and `revhub contracts
// book|amend|renew|cancel`: the orchestration commands of the command line,
// over WorkflowService, ExceptionService and ContractLifecycleService.
//
//   revhub workflows list [--contract ID] [--state S] [--kind K] [--limit N]
//   revhub workflows show WF_ID [--payloads]
//   revhub exceptions list [--system S] [--category C] [--kind K]
//                          [--owner O] [--contract C] [--workflow W]
//                          [--min-age 2h] [--sla S] [--all]
//   revhub exceptions show ID
//   revhub exceptions assign ID OWNER [--note TEXT]
//   revhub exceptions retry ID [--note TEXT]
//   revhub exceptions replay ID [--note TEXT]
//   revhub exceptions resolve ID --reason TEXT
//   revhub contracts book FILE [--idempotency-key K]
//   revhub contracts amend FILE [--expected-version N] [--idempotency-key K]
//   revhub contracts renew CONTRACT_ID FILE [--idempotency-key K]
//   revhub contracts cancel CONTRACT_ID --at TIME --reason TEXT
//                          [--credit none|unused] [--expected-version N]
//                          [--idempotency-key K]
//
// FILE is a revhub.canonical.v1.Contract in proto3 JSON, or "-" for
// standard input; unknown fields are errors. Amounts print exactly
// (FormatMoney), never through a float; ages print as "3h12m". With --json
// the hub's response is printed as proto3 JSON instead (a list command
// prints every page it fetched as one response).
//
// Errors found before anything is sent (a malformed flag or file, a missing
// --reason) are usage errors naming the flag or the field. What is printed
// is built by hub/cli/orchestration_format.h.
#ifndef REVHUB_HUB_CLI_ORCHESTRATION_COMMANDS_H_
#define REVHUB_HUB_CLI_ORCHESTRATION_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/cli/client.h"

namespace revhub::cli {

// What the orchestration commands use of the command line that defines them.
struct OrchestrationCommandHooks {
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

// Adds the `workflows` and `exceptions` command groups to app, and `book`,
// `amend`, `renew` and `cancel` to its `contracts` group.
// REQUIRES: app has a `contracts` subcommand.
void DefineOrchestrationCommands(CLI::App& app,
                                 OrchestrationCommandHooks hooks);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_ORCHESTRATION_COMMANDS_H_
