// CommandContext: what every command group of `revhub` shares, defined once.
//
// It holds the global flags (--hub, --json, --timeout, --token, --ca,
// --cert, --key), the
// connection to the hub (made on first use, with those flags), the input and
// output streams, the marking of usage errors, and the one action a parsed
// command line runs. A command group is a function
//
//   void Define<Group>Commands(CLI::App& app, CommandContext& ctx);
//
// (hub/cli/command_groups.h) that adds its subcommands to app, keeps its
// flags in ctx.NewFlags<T>() and registers each command's action with
// ctx.OnParsed.
//
// Exit codes: 0 success; 1 the hub answered with an error; 2 a usage error
// (bad flags, an unreadable or malformed input file), nothing was sent;
// 3 the hub could not be reached (UNAVAILABLE).
//
// One CommandContext serves one run of the command line; it is not
// thread-safe (the CLI runs on one thread).
#ifndef REVHUB_HUB_CLI_COMMAND_CONTEXT_H_
#define REVHUB_HUB_CLI_COMMAND_CONTEXT_H_

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "hub/cli/client.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace revhub::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitServerError = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
};

inline constexpr char kDefaultHub[] = "127.0.0.1:50051";

// Where a run of the command line reads, writes and connects.
struct CliEnvironment {
  // The hub address used when --hub is not given (main() passes
  // $REVHUB_HUB, or kDefaultHub when it is unset).
  std::string default_hub = kDefaultHub;
  // Used when --token, --ca, --cert, --key are not given (main() passes
  // $REVHUB_TOKEN, $REVHUB_CA, $REVHUB_CERT, $REVHUB_KEY).
  std::string default_token;
  std::string default_ca;
  std::string default_cert;
  std::string default_key;
  std::istream* in = nullptr;   // read for the file name "-"
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors
  // Whether `out` is a terminal: progress is drawn as a bar, else printed
  // as plain lines.
  bool out_is_terminal = false;
  // Returns the client to use, once the global flags are known. Called at
  // most once per run, and only when a command is about to call the hub.
  std::function<std::unique_ptr<HubClient>(const HubClientOptions&)> connect;
};

// Returns the exit code for a status returned by the hub.
ExitCode ExitCodeForHubStatus(const absl::Status& status);

// Returns status marked as a usage error: found before anything was sent.
absl::Status UsageError(absl::Status status);
// Returns INVALID_ARGUMENT(message) marked as a usage error.
absl::Status UsageError(absl::string_view message);
// Returns whether status was marked by UsageError.
bool IsUsageError(const absl::Status& status);

// Parses proto3 JSON into message strictly (unknown fields are errors, so a
// misspelt field is not silently dropped). INVALID_ARGUMENT with the
// parser's message otherwise.
absl::Status ParseJsonStrict(const std::string& json,
                             google::protobuf::Message& message);

class CommandContext {
 public:
  // REQUIRES: env's streams and connect are set, and env outlives this.
  explicit CommandContext(const CliEnvironment& env);

  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  // Adds --hub, --json, --timeout, --token, --ca, --cert and --key to the
  // top-level app.
  void DefineGlobalFlags(CLI::App& app);
  // Returns a usage error when a global flag has an invalid value.
  absl::Status ValidateGlobalFlags();

  // Returns a new T that lives as long as this context: a command group
  // keeps its flags in it so that CLI11 can bind options to them.
  template <typename T>
  T& NewFlags() {
    auto flags = std::make_shared<T>();
    owned_.push_back(flags);
    return *flags;
  }

  // Makes `action` what runs when `command` is the command parsed.
  void OnParsed(CLI::App* command, std::function<absl::Status()> action);
  // Sets what runs once parsing succeeded (for a command callback that
  // validates first).
  void SetAction(std::function<absl::Status()> action);
  bool has_action() const { return action_ != nullptr; }
  // Runs the action. REQUIRES: has_action().
  absl::Status RunAction() { return action_(); }

  // Returns the connected client; connects on first use. The files of
  // --ca/--cert/--key are read by ValidateGlobalFlags.
  HubClient& Hub();
  // The hub address the command line connects to (--hub or the default).
  const std::string& hub_address() const { return hub_; }
  // Whether --json was given.
  bool json() const { return json_; }
  // Whether --timeout was given.
  bool timeout_given() const;

  std::ostream& out() { return *env_.out; }
  bool out_is_terminal() const { return env_.out_is_terminal; }
  // Prints message as JSON (--json) or the human text.
  void Print(const google::protobuf::Message& message,
             const std::string& human);

  // Returns a whole file, or standard input for "-"; failures are usage
  // errors naming the file.
  absl::StatusOr<std::string> ReadInput(const std::string& path);
  // Parses json with ParseJsonStrict; a failure is a usage error
  // "SOURCE: not a valid TYPE in JSON: …".
  absl::Status ParseJsonInto(const std::string& json, absl::string_view source,
                             google::protobuf::Message& message);

 private:
  const CliEnvironment& env_;
  std::string hub_;
  bool json_ = false;
  double timeout_seconds_ = 30;
  CLI::Option* timeout_option_ = nullptr;
  std::string token_;
  std::string ca_;
  std::string cert_;
  std::string key_;
  // The PEM contents of ca_, cert_, key_ (read when validated).
  std::string ca_pem_;
  std::string cert_pem_;
  std::string key_pem_;
  std::unique_ptr<HubClient> client_;
  std::function<absl::Status()> action_;
  std::vector<std::shared_ptr<void>> owned_;
};

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_COMMAND_CONTEXT_H_
