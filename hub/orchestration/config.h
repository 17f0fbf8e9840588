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

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/exceptions/exceptions.h"

namespace revhub::hub {

// The routing and SLAs (ExceptionRouting, hub/exceptions/exceptions.h) are
// shared with the ingest pipeline, which opens RECORD_REJECTED exceptions.
struct OrchestrationConfig : ExceptionRouting {
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
