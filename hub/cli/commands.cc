#include "hub/cli/commands.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/command_groups.h"

namespace revhub::cli {
namespace {

constexpr char kDescription[] =
    "revhub: command-line client of the revhub integration hub.\n"
    "Registers systems, reads and changes canonical records, ingests raw\n"
    "vendor payloads and follows the event log, over the hub's gRPC API.";

// One run of the command line: the groups wired into one CLI11 app.
class Cli {
 public:
  explicit Cli(const CliEnvironment& env)
      : env_(env), ctx_(env), app_(kDescription, "revhub") {
    app_.require_subcommand(1);
    app_.fallthrough();
    ctx_.DefineGlobalFlags(app_);
    app_.footer(
        "Exit codes: 0 ok, 1 the hub returned an error, 2 usage error, "
        "3 hub unreachable.");
    DefineSystemsCommands(app_, ctx_);
    DefineCustomersCommands(app_, ctx_);
    DefineProductsCommands(app_, ctx_);
    DefineContractsCommands(app_, ctx_);
    DefineInvoicesCommands(app_, ctx_);
    DefinePaymentsCommands(app_, ctx_);
    DefineIngestCommands(app_, ctx_);
    DefineRecordsCommands(app_, ctx_);
    DefineEventsCommands(app_, ctx_);
    DefineRevenueCommands(app_, ctx_);
    DefineUsageCommands(app_, ctx_);
    DefineDeliveriesCommands(app_, ctx_);
    DefinePeriodsCommands(app_, ctx_);
    DefineWorkflowsCommands(app_, ctx_);
    DefineExceptionsCommands(app_, ctx_);
    DefinePrincipalsCommands(app_, ctx_);
    DefineCertsCommands(app_, ctx_);
    DefineAuditCommands(app_, ctx_);
    DefineSyncCommands(app_, ctx_);
    DefineTraceCommands(app_, ctx_);
    DefineReconcileCommands(app_, ctx_);
  }

  int Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    try {
      app_.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) {  // --help and the like
        app_.exit(e, *env_.out, *env_.err);
        return kExitOk;
      }
      std::string unknown = UnknownCommand(args);
      *env_.err << "revhub: " << (unknown.empty() ? e.what() : unknown) << "\n"
                << "Run with --help for usage.\n";
      return kExitUsage;
    }
    if (!ctx_.has_action()) {
      *env_.err << "revhub: no command given\nRun with --help for usage.\n";
      return kExitUsage;
    }
    absl::Status status = ctx_.ValidateGlobalFlags();
    if (status.ok()) status = ctx_.RunAction();
    env_.out->flush();
    if (status.ok()) return kExitOk;
    *env_.err << "revhub: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << "\n";
    if (IsUsageError(status)) return kExitUsage;
    ExitCode code = ExitCodeForHubStatus(status);
    if (code == kExitUnreachable) {
      *env_.err << "revhub: is a hub running at " << ctx_.hub_address()
                << "? (--hub or REVHUB_HUB say where)\n";
    }
    return code;
  }

 private:
  // Returns "'lst' is not a command of revhub systems (one of: …)" when the
  // command words in args name no command, else "".
  std::string UnknownCommand(const std::vector<std::string>& args) {
    CLI::App* current = &app_;
    std::string path = "revhub";
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& word = args[i];
      if (absl::StartsWith(word, "-")) {
        if (absl::StrContains(word, '=')) continue;
        CLI::Option* option = nullptr;
        for (CLI::App* app = current; app != nullptr && option == nullptr;
             app = app->get_parent()) {
          option = app->get_option_no_throw(word);
        }
        if (option != nullptr && option->get_items_expected_max() > 0) ++i;
        continue;
      }
      std::vector<CLI::App*> commands =
          current->get_subcommands([](CLI::App*) { return true; });
      if (commands.empty()) return "";  // a positional argument
      std::vector<std::string> names;
      for (CLI::App* command : commands) {
        if (command->check_name(word)) {
          current = command;
          names.clear();
          break;
        }
        names.push_back(command->get_name());
      }
      if (!names.empty()) {
        return absl::StrCat("'", word, "' is not a command of ", path,
                            " (one of: ", absl::StrJoin(names, ", "), ")");
      }
      absl::StrAppend(&path, " ", word);
    }
    return "";
  }

  const CliEnvironment& env_;
  CommandContext ctx_;
  // Declared last: its options are bound to flags ctx_ keeps.
  CLI::App app_;
};

}  // namespace

int RunCli(const std::vector<std::string>& args, const CliEnvironment& env) {
  Cli cli(env);
  return cli.Run(args);
}

}  // namespace revhub::cli
