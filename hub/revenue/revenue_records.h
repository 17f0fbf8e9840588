// How revhubd stores what the revenue worker computes, shared by the worker
// (revenue_worker.h) and RevenueService (revenue_service.cc).
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

// Returns the contract's journal entries of the latest recomputation, in
// posting order (the engine's order, kept in entry_number).
absl::StatusOr<std::vector<canonical::v1::JournalEntry>> ReadLiveJournalEntries(
    Store& store, absl::string_view contract_id);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_REVENUE_REVENUE_RECORDS_H_
