// MonitorReader: aggregates over stored state for the backlog, /metrics and
// the exception summary, computed by SQL aggregation over indexed columns,
// never by loading every row.
//
// Thread-safe; reads committed data.
#ifndef REVHUB_HUB_STORE_MONITOR_STORE_H_
#define REVHUB_HUB_STORE_MONITOR_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/exception_service.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"
#include "revhub/hub/v1/workflow_service.pb.h"

namespace revhub::hub {

// Raw records of one system in one status.
struct RecordStatusCount {
  std::string system;
  hub::v1::RecordStatus status = hub::v1::RECORD_STATUS_UNSPECIFIED;
  int64_t count = 0;
  absl::Time oldest_received_at = absl::InfinitePast();
};

// Workflows in one state; oldest_updated_at is the least recent change.
struct WorkflowStateCount {
  hub::v1::WorkflowState state = hub::v1::WORKFLOW_STATE_UNSPECIFIED;
  int64_t count = 0;
  absl::Time oldest_updated_at = absl::InfinitePast();
};

// Filters of SummarizeExceptions; every filter given must match.
struct ExceptionSummaryQuery {
  std::string system;
  std::string owner;
  hub::v1::ExceptionCategory category = hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED;
  hub::v1::ExceptionKind kind = hub::v1::EXCEPTION_KIND_UNSPECIFIED;
  bool include_resolved = false;
  // Ages and SLA states are measured at `now`.
  absl::Time now;
};

// One group of exceptions: dimension is "owner", "category", "kind",
// "system", "age", "sla", "state" ("OPEN" or "RESOLVED") or "total"; key the
// group's value (enum names without their prefix, age buckets "<1h", "1h-1d",
// "1-3d", "3-7d", ">7d";
// "" for "total"); currency "" for exceptions without an amount. The
// amount is the exact sum, units and nanos normalized (same sign).
struct ExceptionSummaryGroup {
  std::string dimension;
  std::string key;
  std::string currency;
  int64_t count = 0;
  int64_t units = 0;
  int32_t nanos = 0;
};

class MonitorReader {
 public:
  virtual ~MonitorReader() = default;

  // Returns the count of raw records per (system, status), with the oldest
  // received time of each group.
  virtual absl::StatusOr<std::vector<RecordStatusCount>>
  CountRecordsByStatus() = 0;
  // Returns the count of workflows per state (COMPLETED included).
  virtual absl::StatusOr<std::vector<WorkflowStateCount>>
  CountWorkflowsByState() = 0;
  // Returns each consumer's name and acknowledged position.
  virtual absl::StatusOr<std::vector<std::pair<std::string, int64_t>>>
  ConsumerPositions() = 0;
  // Returns the exception groups of every dimension, and "total" per
  // currency, ordered by dimension, then key, then currency.
  virtual absl::StatusOr<std::vector<ExceptionSummaryGroup>>
  SummarizeExceptions(const ExceptionSummaryQuery& query) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_MONITOR_STORE_H_
