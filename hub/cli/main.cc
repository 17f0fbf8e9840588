// revhub: the command-line client of the revhub hub. See commands.h.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "hub/cli/client.h"
#include "hub/cli/commands.h"

int main(int argc, char** argv) {
  revhub::cli::CliEnvironment env;
  if (const char* hub = std::getenv("REVHUB_HUB"); hub != nullptr && *hub) {
    env.default_hub = hub;
  }
  auto from_env = [](const char* name, std::string* value) {
    if (const char* v = std::getenv(name); v != nullptr && *v) *value = v;
  };
  from_env("REVHUB_TOKEN", &env.default_token);
  from_env("REVHUB_CA", &env.default_ca);
  from_env("REVHUB_CERT", &env.default_cert);
  from_env("REVHUB_KEY", &env.default_key);
  env.in = &std::cin;
  env.out = &std::cout;
  env.out_is_terminal = isatty(STDOUT_FILENO) != 0;
  env.err = &std::cerr;
  env.connect = [](const revhub::cli::HubClientOptions& options) {
    return revhub::cli::NewGrpcHubClient(options);
  };
  std::vector<std::string> args(argv, argv + argc);
  return revhub::cli::RunCli(args, env);
}
