// The `revhub` command line: parses arguments, calls the hub through a
// HubClient, prints the results.
//
// RunCli is the whole program minus main(): it takes the arguments, the
// streams and a way to connect, so tests run it in-process against a
// HubClient of their own and read what it printed. The commands themselves
// are the groups of hub/cli/command_groups.h; what they share (global flags,
// the client, output, exit codes) is hub/cli/command_context.h.
//
// Exit codes: 0 success; 1 the hub answered with an error; 2 a usage error
// (bad flags, an unreadable or malformed input file), nothing was sent;
// 3 the hub could not be reached (UNAVAILABLE). Errors are printed on the
// error stream as "revhub: CODE: message", CODE being the gRPC status name.
#ifndef REVHUB_HUB_CLI_COMMANDS_H_
#define REVHUB_HUB_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"
#include "hub/cli/command_context.h"

namespace revhub::cli {

// Runs one command line; args[0] is the program name. Returns the exit code.
// REQUIRES: env's streams and connect are set.
int RunCli(const std::vector<std::string>& args, const CliEnvironment& env);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_COMMANDS_H_
