// The `revhub` command line: parses arguments, calls the hub through a
// HubClient, prints the results.
//
// RunCli is the whole program minus main(): it takes the arguments, the
// streams and a way to connect, so tests run it in-process against a
// HubClient of their own and read what it printed.
//
// Exit codes: 0 success; 1 the hub answered with an error; 2 a usage error
// (bad flags, an unreadable or malformed input file), nothing was sent;
// 3 the hub could not be reached (UNAVAILABLE). Errors are printed on the
// error stream as "revhub: CODE: message", CODE being the gRPC status name.
#ifndef REVHUB_HUB_CLI_COMMANDS_H_
#define REVHUB_HUB_CLI_COMMANDS_H_

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hub/cli/client.h"

namespace revhub::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitServerError = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
};

inline constexpr char kDefaultHub[] = "127.0.0.1:50051";

struct CliEnvironment {
  // The hub address used when --hub is not given (main() passes
  // $REVHUB_HUB, or kDefaultHub when it is unset).
  std::string default_hub = kDefaultHub;
  std::istream* in = nullptr;   // read for the file name "-"
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors
  // Returns the client to use, once the global flags are known. Called at
  // most once per run, and only when a command is about to call the hub.
  std::function<std::unique_ptr<HubClient>(const HubClientOptions&)> connect;
};

// Runs one command line; args[0] is the program name. Returns the exit code.
// REQUIRES: env's streams and connect are set.
int RunCli(const std::vector<std::string>& args, const CliEnvironment& env);

// Returns the exit code for a status returned by the hub.
ExitCode ExitCodeForHubStatus(const absl::Status& status);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_COMMANDS_H_
