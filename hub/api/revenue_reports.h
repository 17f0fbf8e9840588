// RevenueService's reports (GetWaterfall, GetRollForward,
// GetRemainingObligations, GetContractBalances, GetContraRevenue): the
// books of every contract the query selects are read from the store as they
// were at query.as_of (else now), then computed by canonical/revenue/
// reports.h. Each runs on the work queue (RunUnary) and stops with CANCELLED
// or DEADLINE_EXCEEDED, checked between contracts, once the caller gave up.
#ifndef REVHUB_HUB_API_REVENUE_REPORTS_H_
#define REVHUB_HUB_API_REVENUE_REPORTS_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::hub {

// Each fills *response from the stored books, or returns the query's
// INVALID_ARGUMENT (naming the field) before reading anything.
absl::Status ServeWaterfall(Store& store,
                            const grpc::CallbackServerContext* context,
                            const hub::v1::GetWaterfallRequest& request,
                            hub::v1::GetWaterfallResponse* response);
absl::Status ServeRollForward(Store& store,
                              const grpc::CallbackServerContext* context,
                              const hub::v1::GetRollForwardRequest& request,
                              hub::v1::GetRollForwardResponse* response);
absl::Status ServeRemainingObligations(
    Store& store, const grpc::CallbackServerContext* context,
    const hub::v1::GetRemainingObligationsRequest& request,
    hub::v1::GetRemainingObligationsResponse* response);
absl::Status ServeContractBalances(
    Store& store, const grpc::CallbackServerContext* context,
    const hub::v1::GetContractBalancesRequest& request,
    hub::v1::GetContractBalancesResponse* response);
absl::Status ServeContraRevenue(Store& store,
                                const grpc::CallbackServerContext* context,
                                const hub::v1::GetContraRevenueRequest& request,
                                hub::v1::GetContraRevenueResponse* response);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_REVENUE_REPORTS_H_
