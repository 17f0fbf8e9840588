// The exception queue's rules: which category a kind belongs to, who owns a
// new exception (routing), when its SLA falls due, and its age and SLA state
// at a given time.
#ifndef REVHUB_HUB_ORCHESTRATION_EXCEPTIONS_H_
#define REVHUB_HUB_ORCHESTRATION_EXCEPTIONS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/orchestration/config.h"
#include "hub/store/store.h"

namespace revhub::hub {

// POSTING_REJECTED, AMOUNT_MISMATCH, SCHEDULE_FAILED, DEAD_LETTER: FINANCE;
// METADATA_MISMATCH, RECORD_REJECTED: METADATA.
hub::v1::ExceptionCategory CategoryOf(hub::v1::ExceptionKind kind);

// Returns the owner the routing rules give `e` (its kind and system set).
std::string RouteException(const OrchestrationConfig& config,
                           const hub::v1::Exception& e);

// Opens `e` inside txn: sets category, owner, state OPEN, created_at,
// updated_at, sla_due_at and the first history entry, stores it and
// returns it with its id.
absl::StatusOr<hub::v1::Exception> OpenException(
    WriteTxn& txn, const OrchestrationConfig& config, hub::v1::Exception e,
    absl::string_view principal);

// Appends one action to the exception's trail and sets updated_at.
void RecordAction(hub::v1::Exception* e, absl::Time at,
                  absl::string_view action, absl::string_view principal,
                  absl::string_view note);

// Sets age and sla_state as of `now`.
void DescribeAge(absl::Time now, hub::v1::Exception* e);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_EXCEPTIONS_H_
