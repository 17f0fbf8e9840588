// The revenue API suite's fixture: a real revhubd with a customer and a
// ratable product, and the calls and schedule arithmetic the revenue tests
// share.
//
// Thread-safety: everything here belongs to the test's thread (Catch2
// assertions).
#ifndef REVHUB_TESTS_API_REVENUE_FIXTURE_H_
#define REVHUB_TESTS_API_REVENUE_FIXTURE_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {

using cv1::BusinessEvent;
using cv1::JournalEntry;
using cv1::RevenueSchedule;

// 2025-01-01, 2025-02-01, 2025-03-01, 2025-04-01 00:00 UTC.
inline constexpr int64_t kJan = 1735689600;
inline constexpr int64_t kFeb = 1738368000;
inline constexpr int64_t kMar = 1740787200;
inline constexpr int64_t kApr = 1743465600;

// A hub with customer "Acme Corp" and the ratable product "Platform
// subscription" (restarts: see Hub).
struct RevenueHub : Hub {
  std::string customer_id;
  std::string product_id;

  RevenueHub();
};

cv1::Money Usd(int64_t units, int32_t nanos = 0);
google::protobuf::Timestamp At(int64_t seconds);

// A one-line ratable contract for January to March 2025 at `price` USD.
cv1::Contract Contract(const RevenueHub& hub, int64_t price);

// Upserts `c` (version and recorded_at cleared) with idempotency key `key`;
// REQUIREs that it succeeds and changes the contract.
v1::UpsertContractResponse Upsert(RevenueHub& hub, const cv1::Contract& c,
                                  const std::string& key);

// The contract's schedule (as of `as_of` when given), or the RPC's error.
absl::StatusOr<RevenueSchedule> TryGetSchedule(
    RevenueHub& hub, const std::string& contract_id,
    const google::protobuf::Timestamp* as_of = nullptr);

// Waits (at most 20 s) until the contract's schedule reaches `version`.
RevenueSchedule WaitForSchedule(RevenueHub& hub, const std::string& contract_id,
                                int64_t version);

// Every event of `type` (every event for EVENT_TYPE_UNSPECIFIED).
std::vector<BusinessEvent> Events(RevenueHub& hub, cv1::EventType type);
// The REVENUE_SCHEDULE_CHANGED events of one contract.
std::vector<BusinessEvent> ScheduleEvents(RevenueHub& hub,
                                          const std::string& contract_id);

int64_t Nanos(const cv1::Money& m);

// Recognised revenue per (obligation, period), all kinds summed.
std::map<std::pair<std::string, std::string>, int64_t> ByCell(
    const RevenueSchedule& s);
// ByCell(after) - ByCell(before), zero cells left out.
std::map<std::pair<std::string, std::string>, int64_t> Difference(
    const RevenueSchedule& before, const RevenueSchedule& after);
// A REVENUE_SCHEDULE_CHANGED event's changes per (obligation, period).
std::map<std::pair<std::string, std::string>, int64_t> ChangesOf(
    const BusinessEvent& e);

// The contract's journal entries in periods first..last (all when empty),
// read `page_size` at a time (the server's default when 0); CHECKs that no
// page is larger.
std::vector<JournalEntry> ListJournal(RevenueHub& hub,
                                      const std::string& contract_id,
                                      const std::string& first = "",
                                      const std::string& last = "",
                                      int page_size = 0);

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_API_REVENUE_FIXTURE_H_
