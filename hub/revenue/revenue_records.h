// How revhubd stores what the revenue worker computes, shared by the worker
// (revenue_worker.h), RevenueService (revenue_service.cc) and orchestration.
//
// Schedule versions have one writer, the revenue library: the worker writes
// every recomputation, and ConfirmSchedule below is the one status change
// anyone else (orchestration's confirm_schedule step) makes.
//
//   REVENUE_SCHEDULE  one entity per contract, id ScheduleIdFor(contract),
//                     a new version per recomputation. Index: contract_id.
//   JOURNAL_ENTRY     one entity per entry id the engine gives
//                     ("je_<contract>_<kind>_<source>"), a new version when
//                     a recomputation changes it. Index: contract_id while
//                     the latest recomputation produced it; an entry it no
//                     longer produces gets a version without lines, indexed
//                     withdrawn_from_contract_id instead.
#ifndef REVHUB_HUB_REVENUE_REVENUE_RECORDS_H_
#define REVHUB_HUB_REVENUE_REVENUE_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::hub {

inline constexpr char kRevenueConsumer[] = "revenue-engine";
inline constexpr char kJournalContractKey[] = "contract_id";
inline constexpr char kJournalWithdrawnKey[] = "withdrawn_from_contract_id";

// Returns the hub id of a contract's revenue schedule.
std::string ScheduleIdFor(absl::string_view contract_id);

// Confirms the schedule `schedule_id` inside txn: writes its next version
// (expected_version + 1, recorded now) with status CONFIRMED and returns
// it. No event is appended. NOT_FOUND when there is no schedule; ABORTED
// when its current version is not expected_version; FAILED_PRECONDITION
// when it is FAILED or already CONFIRMED.
absl::StatusOr<canonical::v1::RevenueSchedule> ConfirmSchedule(
    WriteTxn& txn, absl::string_view schedule_id, int64_t expected_version);

// Returns the contract's journal entries of the latest recomputation, in
// posting order (the engine's order, kept in entry_number).
absl::StatusOr<std::vector<canonical::v1::JournalEntry>> ReadLiveJournalEntries(
    Store& store, absl::string_view contract_id);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_REVENUE_REVENUE_RECORDS_H_
