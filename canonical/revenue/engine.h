// The revenue engine's entry points: what the hub calls.
//
//   PreviewSchedule   contract versions, products, billing and delivery facts
//                     in; the schedule and its journal entries out. Pure: it
//                     reads and writes nothing. RevenueService.PreviewSchedule
//                     is this function; the hub's recomputation after
//                     ContractBooked / ContractAmended / ContractCancelled is
//                     this function on the stored data.
//   ScheduleChanges   the change in recognised revenue per obligation and
//                     period between two schedule versions: the `changes` of
//                     a RevenueScheduleChanged event.
//   JournalEntriesInPeriods  the ListJournalEntries filter.
//
// The module is a thin composition of obligations.h, allocation.h,
// schedule.h and journal.h, whose headers state the rules. Thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_ENGINE_H_
#define REVHUB_CANONICAL_REVENUE_ENGINE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "canonical/revenue/account_mapping.h"
#include "canonical/revenue/journal.h"
#include "canonical/revenue/schedule.h"
#include "revhub/canonical/v1/payment.pb.h"

namespace revhub::revenue {

using canonical::v1::RevenueScheduleLine;

struct RevenueInput {
  // Every version of the contract to account for (at least the latest).
  std::vector<Contract> contract_versions;
  std::vector<Product> products;
  RecognitionEvents
      events;  // invoices, credit notes, usage, activations, milestones
  std::vector<Payment> payments;
};

struct RevenueSettings {
  PeriodConvention convention = PeriodConvention::PERIOD_CONVENTION_BY_DAY;
  AccountMapping accounts;  // empty: journal lines without account numbers
  // Closed accounting periods ("YYYY-MM") of the contract's legal entity
  // (docs/revenue.md, "Period close"): the schedule keeps `previous`'s lines
  // in them, and what a recomputation would change there is a CATCH_UP line
  // in the first open period after it; journal entries dated in a closed
  // period are posted on the first day of the first open period.
  std::vector<std::string> closed_periods;
  // The schedule as last stored (the hub's current version), when there is
  // one.
  std::optional<RevenueSchedule> previous;
  // The journal entries as last stored: an entry already posted in a period
  // that closed since stays there.
  std::vector<JournalEntry> previous_entries;
};

struct RevenueResult {
  RevenueSchedule schedule;
  std::vector<JournalEntry> journal_entries;
};

// Returns the schedule and journal entries of input.contract_versions' latest
// version. Errors: INVALID_ARGUMENT naming the field and rule, or
// FAILED_PRECONDITION for a missing account mapping.
absl::StatusOr<RevenueResult> PreviewSchedule(const RevenueInput& input,
                                              const RevenueSettings& settings);

// Keeps `settings.previous`'s lines in the closed periods and moves what the
// new schedule would change there to CATCH_UP lines in the first open period
// after each (cause: the line that changed, closed_period set); sets
// schedule->closed_periods. PreviewSchedule calls it when periods are
// closed.
absl::Status KeepClosedPeriods(const RevenueSettings& settings,
                               RevenueSchedule* schedule);

// Returns, per (obligation, period) in period then obligation order, `after`
// minus `before` for every pair where that differs; kind is left unset (all
// kinds summed). `before` may be empty (the first version).
std::vector<RevenueScheduleLine> ScheduleChanges(const RevenueSchedule& before,
                                                 const RevenueSchedule& after);

// Returns the entries whose period is within [first, last] ("YYYY-MM", either
// empty for open), in their order. INVALID_ARGUMENT for a malformed period.
absl::StatusOr<std::vector<JournalEntry>> JournalEntriesInPeriods(
    const std::vector<JournalEntry>& entries, absl::string_view first,
    absl::string_view last);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_ENGINE_H_
