// Orchestration settings (revhubd --orchestration-config FILE): who owns
// which exceptions, the SLA of each category, and how often recognised
// periods are swept for postings.
//
//   {"routing": [{"category": "FINANCE", "owner": "revenue-accounting"},
//                {"kind": "DEAD_LETTER", "system": "netsuite",
//                 "owner": "integration-oncall"},
//                {"category": "METADATA", "owner": "revops-data"}],
//    "default_owner": "finance-ops",
//    "sla": {"FINANCE": "24h", "METADATA": "72h"},
//    "recognition_sweep_interval": "1h",
//    "workers": 8}
//
// Routing: the first rule whose given fields (category, kind, system) all
// match the exception names its owner; none matching, default_owner.
// Durations are Go-style ("90m", "24h", "1.5s"). Every key is optional.
#ifndef REVHUB_HUB_ORCHESTRATION_CONFIG_H_
#define REVHUB_HUB_ORCHESTRATION_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/exception_service.pb.h"

namespace revhub::hub {

struct RoutingRule {
  hub::v1::ExceptionCategory category =
      hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED;  // any when unspecified
  hub::v1::ExceptionKind kind =
      hub::v1::EXCEPTION_KIND_UNSPECIFIED;  // any when unspecified
  std::string system;                       // any when empty
  std::string owner;
};

struct OrchestrationConfig {
  std::vector<RoutingRule> routing;
  std::string default_owner;
  // By ExceptionCategory. Defaults: FINANCE 24h, METADATA 72h.
  std::map<int, absl::Duration> sla = {
      {hub::v1::EXCEPTION_CATEGORY_FINANCE, absl::Hours(24)},
      {hub::v1::EXCEPTION_CATEGORY_METADATA, absl::Hours(72)}};
  absl::Duration recognition_sweep_interval = absl::Hours(1);
  // Threads that run workflow steps (different contracts in parallel).
  int workers = 8;
};

// Parses the JSON text; errors name the key ("routing[1].category: ...").
absl::StatusOr<OrchestrationConfig> ParseOrchestrationConfig(
    absl::string_view json);
// Reads and parses `path`; an empty path gives the defaults.
absl::StatusOr<OrchestrationConfig> LoadOrchestrationConfig(
    const std::string& path);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_CONFIG_H_
