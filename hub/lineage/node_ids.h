// The ids of lineage nodes: "<kind>:<key>", stable, and accepted back as a
// ref by Trace (lineage.h).
//
//   raw:<record_id>                 the bytes a vendor sent
//   record:<record_id>              the raw record
//   entity:<TYPE>:<id>@<version>    an entity version (TYPE: CONTRACT, …)
//   event:<position>                an event of the log
//   schedule:<schedule_id>@<version>
//   je:<journal entry id>
//   workflow:<workflow_id>
//   step:<workflow_id>#<index>
//   posting:<target system>:<vendor id, or external id when none>
//   exception:<exception_id>
#ifndef REVHUB_HUB_LINEAGE_NODE_IDS_H_
#define REVHUB_HUB_LINEAGE_NODE_IDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "revhub/canonical/v1/common.pb.h"
#include "revhub/hub/v1/trace_service.pb.h"

namespace revhub::hub::lineage {

std::string RawNodeId(int64_t record_id);
std::string RecordNodeId(int64_t record_id);
std::string EntityNodeId(canonical::v1::EntityType type, absl::string_view id,
                         int64_t version);
std::string EventNodeId(int64_t position);
std::string ScheduleNodeId(absl::string_view schedule_id, int64_t version);
std::string JournalNodeId(absl::string_view entry_id);
std::string WorkflowNodeId(absl::string_view workflow_id);
std::string StepNodeId(absl::string_view workflow_id, int index);
std::string PostingNodeId(absl::string_view target, absl::string_view key);
std::string ExceptionNodeId(int64_t exception_id);

// A node id taken apart. Which fields are set depends on `kind`: number
// (raw, record, event, exception, step index), type (entity), id (entity,
// schedule, je, workflow, step, posting key), version (entity, schedule),
// system (posting target).
struct ParsedNodeId {
  hub::v1::TraceNodeKind kind = hub::v1::TRACE_NODE_KIND_UNSPECIFIED;
  int64_t number = 0;
  canonical::v1::EntityType type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::string id;
  int64_t version = 0;
  std::string system;
};

// Returns the parts of a node id, or nullopt when `text` is not one.
std::optional<ParsedNodeId> ParseNodeId(absl::string_view text);

// Returns "CONTRACT" for ENTITY_TYPE_CONTRACT.
std::string EntityTypeShortName(canonical::v1::EntityType type);
// Returns the type named "CONTRACT" or "contract", or UNSPECIFIED.
canonical::v1::EntityType EntityTypeFromShortName(absl::string_view name);

}  // namespace revhub::hub::lineage

#endif  // REVHUB_HUB_LINEAGE_NODE_IDS_H_
