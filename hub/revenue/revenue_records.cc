#include "hub/revenue/revenue_records.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"

namespace revhub::hub {
namespace {

// Returns the sequence number the engine put after the last '-' of
// entry_number ("<contract>-<n>"), or -1.
int64_t Sequence(const canonical::v1::JournalEntry& entry) {
  const std::string& number = entry.entry_number();
  size_t dash = number.rfind('-');
  int64_t n = -1;
  if (dash == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(number).substr(dash + 1), &n)) {
    return -1;
  }
  return n;
}

}  // namespace

std::string ScheduleIdFor(absl::string_view contract_id) {
  return absl::StrCat("rs_", contract_id);
}

absl::StatusOr<canonical::v1::RevenueSchedule> ConfirmSchedule(
    WriteTxn& txn, absl::string_view schedule_id, int64_t expected_version) {
  ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(
                                    canonical::v1::ENTITY_TYPE_REVENUE_SCHEDULE,
                                    schedule_id));
  if (!stored.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("revenue schedule ", schedule_id, " not found"));
  }
  if (stored->version != expected_version) {
    return absl::AbortedError(absl::StrCat(
        "revenue schedule ", schedule_id, " is at version ", stored->version,
        ", expected_version was ", expected_version));
  }
  canonical::v1::RevenueSchedule schedule;
  if (!schedule.ParseFromString(stored->payload)) {
    return absl::DataLossError(absl::StrCat("stored revenue schedule ",
                                            schedule_id, " does not parse"));
  }
  if (schedule.status() == canonical::v1::REVENUE_SCHEDULE_STATUS_FAILED ||
      schedule.status() == canonical::v1::REVENUE_SCHEDULE_STATUS_CONFIRMED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "revenue schedule ", schedule_id, " v", stored->version, " is ",
        canonical::v1::RevenueScheduleStatus_Name(schedule.status())));
  }
  schedule.set_status(canonical::v1::REVENUE_SCHEDULE_STATUS_CONFIRMED);
  schedule.set_version(stored->version + 1);
  *schedule.mutable_recorded_at() = ToProto(txn.Now());
  StoredEntity next;
  next.type = canonical::v1::ENTITY_TYPE_REVENUE_SCHEDULE;
  next.id = std::string(schedule_id);
  next.version = schedule.version();
  next.recorded_at = txn.Now();
  next.payload = schedule.SerializeAsString();
  RETURN_IF_ERROR(
      txn.PutEntityVersion(next, {{"contract_id", schedule.contract_id()}}));
  return schedule;
}

absl::StatusOr<std::vector<canonical::v1::JournalEntry>> ReadLiveJournalEntries(
    Store& store, absl::string_view contract_id) {
  std::vector<canonical::v1::JournalEntry> out;
  ListEntitiesQuery query;
  query.type = canonical::v1::ENTITY_TYPE_JOURNAL_ENTRY;
  query.filters = {{kJournalContractKey, std::string(contract_id)}};
  query.page_size = 500;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
    for (const StoredEntity& stored : page.entities) {
      canonical::v1::JournalEntry entry;
      if (!entry.ParseFromString(stored.payload)) {
        return absl::DataLossError(absl::StrCat("stored journal entry ",
                                                stored.id, " v", stored.version,
                                                " does not parse"));
      }
      out.push_back(std::move(entry));
    }
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  std::sort(out.begin(), out.end(),
            [](const canonical::v1::JournalEntry& a,
               const canonical::v1::JournalEntry& b) {
              return std::make_tuple(Sequence(a), a.id()) <
                     std::make_tuple(Sequence(b), b.id());
            });
  return out;
}

}  // namespace revhub::hub
