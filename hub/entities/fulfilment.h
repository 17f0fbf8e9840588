// Usage records and deliveries: the revenue facts the hub stores
// (fulfilment.proto), and the engine's events they stand for.
//
// A UsageRecord is a UsageReported with the record's id; a Delivery of kind
// ACTIVATION is a ServiceActivated of its one line (with the quantity it
// delivers), of kind MILESTONE a MilestoneAchieved. The entity services, the
// ingest pipeline and the revenue worker all convert with these functions,
// so the event appended when a fact is stored and what the engine is given
// on every recomputation are the same message.
//
// Pure functions, except CheckFulfilmentLine, which reads inside a write
// transaction. Thread-safe.
#ifndef REVHUB_HUB_ENTITIES_FULFILMENT_H_
#define REVHUB_HUB_ENTITIES_FULFILMENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/canonical/v1/fulfilment.pb.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::hub {

// Returns the engine's usage report of a stored record (usage_record_id set).
canonical::v1::UsageReported UsageReportedOf(
    const canonical::v1::UsageRecord& record);
// Returns the activation a delivery of kind ACTIVATION stands for: its one
// line, the quantity when set, delivery_id.
canonical::v1::ServiceActivated ServiceActivatedOf(
    const canonical::v1::Delivery& delivery);
// Returns the milestone a delivery of kind MILESTONE stands for.
canonical::v1::MilestoneAchieved MilestoneAchievedOf(
    const canonical::v1::Delivery& delivery);

// What a fact requires of the contract line it names.
enum class LineUse {
  kUsage,       // a USAGE line
  kActivation,  // a POINT_IN_TIME or RATABLE line; `quantity` at most its own
  kMilestone,   // a MILESTONE line
};

// Returns OK when contract `contract_id` exists (its current version) and
// has line `line_id` whose revenue rule (the line's, else its product's)
// fits `use`; for kActivation with `quantity` (nullptr: none), that the
// quantity is at most the line's. Errors are INVALID_ARGUMENT naming
// `<prefix>.contract_id`, `<prefix>.line_id` or `<prefix>.quantity`.
absl::Status CheckFulfilmentLine(WriteTxn& txn, absl::string_view prefix,
                                 const std::string& contract_id,
                                 const std::string& line_id, LineUse use,
                                 const canonical::v1::Decimal* quantity);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ENTITIES_FULFILMENT_H_
