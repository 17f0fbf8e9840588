// RevenueService's revenue facts: usage records and deliveries stored as
// entities, and the close of accounting periods. revenue_service.cc admits
// each call and runs these on the work queue; each takes the store, the
// caller (unused by the reads) and the request, and answers into the
// response.
//
// ReportUsage and RecordDelivery validate every fact before anything is
// written (errors name the request's field: "records[2].quantity: must not
// be negative", "delivery.share: must be above 0 and at most 1", a line
// that is not a USAGE or MILESTONE line of the contract's current version),
// then upsert in one transaction (hub/entities UpsertEntityInTxn): a fact
// equal to the stored one is a duplicate (no version, no event), a changed
// one a new version; each new version appends UsageReported,
// ServiceActivated or MilestoneAchieved, which the revenue worker
// recomputes the contract on.
//
// ClosePeriod and ReopenPeriod append a period change (hub/store
// period_store.h) and PeriodClosed / PeriodReopened in one transaction.
// Closing refuses a period after the current month (UTC) and one already
// closed (for the entity, or for every entity); reopening needs a reason
// and a closed period. Who may call which is hub/auth/method_policy.cc.
#ifndef REVHUB_HUB_API_REVENUE_FACTS_H_
#define REVHUB_HUB_API_REVENUE_FACTS_H_

#include "absl/status/status.h"
#include "hub/entities/entity_ops.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::hub {

absl::Status ReportUsage(Store& store, const ChangeContext& who,
                         const hub::v1::ReportUsageRequest& req,
                         hub::v1::ReportUsageResponse* resp);
absl::Status RecordDelivery(Store& store, const ChangeContext& who,
                            const hub::v1::RecordDeliveryRequest& req,
                            hub::v1::RecordDeliveryResponse* resp);
// The contract's usage records (by period start, then id) and deliveries
// (by delivered_at, then id), current versions.
absl::Status ListFulfilment(Store& store, const ChangeContext& who,
                            const hub::v1::ListFulfilmentRequest& req,
                            hub::v1::ListFulfilmentResponse* resp);

// The current month (UTC, the hub's clock) is the last one it closes.
absl::Status ClosePeriod(Store& store, const ChangeContext& who,
                         const hub::v1::ClosePeriodRequest& req,
                         hub::v1::ClosePeriodResponse* resp);
absl::Status ReopenPeriod(Store& store, const ChangeContext& who,
                          const hub::v1::ReopenPeriodRequest& req,
                          hub::v1::ReopenPeriodResponse* resp);
absl::Status ListPeriods(Store& store, const ChangeContext& who,
                         const hub::v1::ListPeriodsRequest& req,
                         hub::v1::ListPeriodsResponse* resp);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_REVENUE_FACTS_H_
