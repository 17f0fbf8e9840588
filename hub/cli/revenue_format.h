// What `revhub revenue …` prints: a revenue schedule as a table of periods
// (rows) by performance obligation (columns), with a total per period and
// per obligation and a grand total, and journal entries with debit and
// credit totals. Amounts are exact (FormatMoney), never through a float.
// Pure: text from messages, no I/O.
#ifndef REVHUB_HUB_CLI_REVENUE_FORMAT_H_
#define REVHUB_HUB_CLI_REVENUE_FORMAT_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"

namespace revhub::cli {

// Returns the schedule as a period-by-obligation table with totals, followed
// by the obligations (allocation, rule, what is pending) and, for a FAILED
// schedule, the recomputation error.
std::string RenderScheduleTable(const canonical::v1::RevenueSchedule& schedule);

// Every schedule line, in the schedule's order, with its kind and what
// caused it (`revhub revenue show --lines`): the trail from a figure to the
// contract version, document, refund, usage record or delivery behind it.
std::string RenderScheduleLines(const canonical::v1::RevenueSchedule& schedule);

// "refund re_1", "contract_version v2", "usage u-1 (moved from closed
// 2026-10)"; "-" when unknown.
std::string DescribeCause(const canonical::v1::RevenueCause& cause);

// Returns the journal entries as one row per journal line, with debit and
// credit totals; "no journal entries" when there are none.
std::string RenderJournalTable(
    const std::vector<canonical::v1::JournalEntry>& entries);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_REVENUE_FORMAT_H_
