// The CLI's pipeline commands: `systems describe|check NAME`,
// `records show ID`, `records exceptions`, `records replay (ID | --system
// NAME --failed)`. They call PipelineService through the HubClient and print
// through the hooks the main command line hands them.
#ifndef REVHUB_HUB_CLI_PIPELINE_COMMANDS_H_
#define REVHUB_HUB_CLI_PIPELINE_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "hub/cli/client.h"

namespace CLI {
class App;
}

namespace revhub::cli {

// What the pipeline commands need from the main command line.
struct CommandHooks {
  // The connected client (connects on first use).
  std::function<HubClient&()> hub;
  // Prints a result: JSON with --json, else the human text.
  std::function<void(const google::protobuf::Message&, const std::string&)>
      print;
  // Sets what runs once parsing succeeded.
  std::function<void(std::function<absl::Status()>)> set_action;
};

class PipelineCommands {
 public:
  // Adds --match to `systems register`.
  void DefineRegisterOptions(CLI::App* reg);
  // Adds the --match rules to the system; INVALID_ARGUMENT naming --match
  // when one is malformed.
  absl::Status AddMatchingRules(hubv1::System* system) const;
  // Adds `describe` and `check` under `systems`.
  void DefineSystemCommands(CLI::App* systems, CommandHooks hooks);
  // Adds `show`, `exceptions` and `replay` under `records`.
  void DefineRecordCommands(CLI::App* records, CommandHooks hooks);

 private:
  absl::Status Describe();
  absl::Status Check();
  absl::Status Show();
  absl::Status Exceptions();
  absl::Status Replay();

  CommandHooks hooks_;
  std::string system_;
  int64_t record_id_ = 0;
  bool failed_ = false;
  bool open_only_ = false;
  int limit_ = 0;
  std::vector<std::string> match_;
};

// Parses one --match rule: "customer:FIELD" (field to the same field),
// "customer:FIELD=OTHER_FIELD", or "customer:FIELD=SYSTEM/OBJECT_TYPE" (the
// field holds the vendor id of a record of SYSTEM).
absl::StatusOr<hubv1::MatchingRule> ParseMatchingRule(const std::string& text);

// Human renderings, exposed for tests.
std::string RenderAdapterDescription(
    const hubv1::DescribeSystemAdapterResponse& response);
std::string RenderAdapterCheck(const std::string& system,
                               const hubv1::CheckSystemAdapterResponse& check);
std::string RenderRecordWithExceptions(
    const hubv1::ShowRecordResponse& response);
std::string RenderReplayOutcome(const hubv1::ReplayOutcome& outcome);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_PIPELINE_COMMANDS_H_
