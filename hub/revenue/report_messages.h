// The revenue reports (canonical/revenue/reports.h) as revhub.hub.v1
// messages: the request's query checked and read, the rows written as the
// responses. Pure and thread-safe; RevenueService's report handlers
// (hub/api/revenue_reports.cc) read the books and call these.
#ifndef REVHUB_HUB_REVENUE_REPORT_MESSAGES_H_
#define REVHUB_HUB_REVENUE_REPORT_MESSAGES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "canonical/revenue/reports.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::revenue {

// Returns the query the request asks for. INVALID_ARGUMENT naming the field:
// query.period_start and query.period_end are required "YYYY-MM", the end
// not before the start, at most kMaxReportPeriods periods.
absl::StatusOr<ReportQuery> ReadReportQuery(
    const hub::v1::RevenueReportQuery& query);

// Each returns the report over `books` as its response message, or the
// report's INVALID_ARGUMENT (bad query or grouping), or OUT_OF_RANGE for an
// amount too large for Money.
absl::StatusOr<hub::v1::GetWaterfallResponse> WaterfallResponse(
    const hub::v1::GetWaterfallRequest& request,
    const std::vector<ContractBooks>& books);
absl::StatusOr<hub::v1::GetRollForwardResponse> RollForwardResponse(
    const hub::v1::GetRollForwardRequest& request,
    const std::vector<ContractBooks>& books);
absl::StatusOr<hub::v1::GetRemainingObligationsResponse>
RemainingObligationsResponse(
    const hub::v1::GetRemainingObligationsRequest& request,
    const std::vector<ContractBooks>& books);
absl::StatusOr<hub::v1::GetContractBalancesResponse> ContractBalancesResponse(
    const hub::v1::GetContractBalancesRequest& request,
    const std::vector<ContractBooks>& books);
absl::StatusOr<hub::v1::GetContraRevenueResponse> ContraRevenueResponse(
    const hub::v1::GetContraRevenueRequest& request,
    const std::vector<ContractBooks>& books);

}  // namespace revhub::revenue

#endif  // REVHUB_HUB_REVENUE_REPORT_MESSAGES_H_
