// The RevenueService messages (revhub.hub.v1) mapped onto the engine, so the
// hub's handlers are one call each and hold no accounting logic.
//
//   PreviewSchedule     request -> RevenueInput -> PreviewSchedule() ->
//                       response. Nothing is stored.
//   ListJournalEntries  filtering of stored entries by period range is
//                       JournalEntriesInPeriods() (engine.h); paging is the
//                       hub's.
//   GetSchedule         reads a stored version; no computation.
//
// Pure and thread-safe.
#ifndef REVHUB_HUB_REVENUE_PREVIEW_H_
#define REVHUB_HUB_REVENUE_PREVIEW_H_

#include "absl/status/statusor.h"
#include "canonical/revenue/engine.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::revenue {

// Returns the engine input of a PreviewSchedule request: the contract and
// its previous versions, products, invoices, payments, usage, activations
// and milestones, copied.
RevenueInput InputFromPreviewRequest(
    const hub::v1::PreviewScheduleRequest& request);

// Returns the PreviewSchedule response for a request. `accounts` is the
// hub's account mapping (may be empty); the request's period_convention
// overrides nothing else. Errors as PreviewSchedule(); INVALID_ARGUMENT
// "contract: required" when the request has no contract.
absl::StatusOr<hub::v1::PreviewScheduleResponse> PreviewScheduleForRequest(
    const hub::v1::PreviewScheduleRequest& request,
    const AccountMapping& accounts);

}  // namespace revhub::revenue

#endif  // REVHUB_HUB_REVENUE_PREVIEW_H_
