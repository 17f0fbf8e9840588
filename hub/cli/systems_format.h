// What `revhub systems …` prints: a system's registration (detail and
// table), its adapter's description and check; and the --match syntax of
// `systems register`. Pure: text from messages and values from text, no I/O.
#ifndef REVHUB_HUB_CLI_SYSTEMS_FORMAT_H_
#define REVHUB_HUB_CLI_SYSTEMS_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/cli/client.h"

namespace revhub::cli {

// Returns the registration, one "label: value" line per field, then its
// configuration and matching rules.
std::string RenderSystem(const hubv1::System& system);
// Returns one row per system.
std::string RenderSystemTable(const hubv1::ListSystemsResponse& page);
// Returns what the adapter is (its Describe) and its process.
std::string RenderAdapterDescription(
    const hubv1::DescribeSystemAdapterResponse& response);
// Returns the outcome of the adapter's check and its configuration errors.
std::string RenderAdapterCheck(const std::string& system,
                               const hubv1::CheckSystemAdapterResponse& check);

// Parses one --match rule: "customer:FIELD" (field to the same field),
// "customer:FIELD=OTHER_FIELD", or "customer:FIELD=SYSTEM/OBJECT_TYPE" (the
// field holds the vendor id of a record of SYSTEM). INVALID_ARGUMENT naming
// --match otherwise.
absl::StatusOr<hubv1::MatchingRule> ParseMatchingRule(const std::string& text);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_SYSTEMS_FORMAT_H_
