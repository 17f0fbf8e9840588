#include "hub/revenue/preview.h"

#include "canonical/status_macros.h"

namespace revhub::revenue {

RevenueInput InputFromPreviewRequest(
    const hub::v1::PreviewScheduleRequest& request) {
  RevenueInput in;
  in.contract_versions.assign(request.previous_versions().begin(),
                              request.previous_versions().end());
  in.contract_versions.push_back(request.contract());
  in.products.assign(request.products().begin(), request.products().end());
  in.events.invoices.assign(request.invoices().begin(),
                            request.invoices().end());
  in.events.usage.assign(request.usage().begin(), request.usage().end());
  in.events.activations.assign(request.activations().begin(),
                               request.activations().end());
  in.events.milestones.assign(request.milestones().begin(),
                              request.milestones().end());
  in.payments.assign(request.payments().begin(), request.payments().end());
  return in;
}

absl::StatusOr<hub::v1::PreviewScheduleResponse> PreviewScheduleForRequest(
    const hub::v1::PreviewScheduleRequest& request,
    const AccountMapping& accounts) {
  if (!request.has_contract())
    return absl::InvalidArgumentError("contract: required");
  RevenueSettings settings;
  settings.accounts = accounts;
  if (request.period_convention() !=
      canonical::v1::PERIOD_CONVENTION_UNSPECIFIED) {
    settings.convention = request.period_convention();
  }
  ASSIGN_OR_RETURN(RevenueResult result,
                   PreviewSchedule(InputFromPreviewRequest(request), settings));
  hub::v1::PreviewScheduleResponse response;
  *response.mutable_schedule() = std::move(result.schedule);
  for (JournalEntry& e : result.journal_entries) {
    *response.add_journal_entries() = std::move(e);
  }
  return response;
}

}  // namespace revhub::revenue
