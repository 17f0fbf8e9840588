// The exception queue's rules: which category a kind belongs to, who owns a
// new exception (routing), when its SLA falls due, its history, and its age
// and SLA state at a given time.
//
// A library of its own because two writers open exceptions: the ingest
// pipeline (RECORD_REJECTED, in the transaction that fails a record) and
// orchestration (the failures of workflow steps); neither depends on the
// other. The routing comes from the orchestration configuration file
// (hub/orchestration/config.h), which revhubd reads once and hands to both.
//
// Pure functions over a WriteTxn or a proto; thread-safe.
#ifndef REVHUB_HUB_EXCEPTIONS_EXCEPTIONS_H_
#define REVHUB_HUB_EXCEPTIONS_EXCEPTIONS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/store/store.h"
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

// Who owns a new exception and by when it should be worked.
struct ExceptionRouting {
  // The first rule whose given fields all match names the owner.
  std::vector<RoutingRule> routing;
  // The owner when no rule matches.
  std::string default_owner;
  // By ExceptionCategory. Defaults: FINANCE 24h, METADATA 72h.
  std::map<int, absl::Duration> sla = {
      {hub::v1::EXCEPTION_CATEGORY_FINANCE, absl::Hours(24)},
      {hub::v1::EXCEPTION_CATEGORY_METADATA, absl::Hours(72)}};
};

// POSTING_REJECTED, AMOUNT_MISMATCH, SCHEDULE_FAILED, DEAD_LETTER: FINANCE;
// METADATA_MISMATCH, RECORD_REJECTED: METADATA.
hub::v1::ExceptionCategory CategoryOf(hub::v1::ExceptionKind kind);

// Returns the owner the routing rules give `e` (its kind and system set).
std::string RouteException(const ExceptionRouting& routing,
                           const hub::v1::Exception& e);

// Opens `e` inside txn: sets category, owner, state OPEN, created_at,
// updated_at, sla_due_at and the first history entry, stores it and
// returns it with its id.
absl::StatusOr<hub::v1::Exception> OpenException(
    WriteTxn& txn, const ExceptionRouting& routing, hub::v1::Exception e,
    absl::string_view principal);

// Appends one action to the exception's trail and sets updated_at.
void RecordAction(hub::v1::Exception* e, absl::Time at,
                  absl::string_view action, absl::string_view principal,
                  absl::string_view note);

// Marks `e` RESOLVED at `at` with `resolution`, and records the action
// "resolved" by `principal`.
void MarkResolved(hub::v1::Exception* e, absl::Time at,
                  absl::string_view principal, absl::string_view resolution);

// Sets age and sla_state as of `now`.
void DescribeAge(absl::Time now, hub::v1::Exception* e);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_EXCEPTIONS_EXCEPTIONS_H_
