// Checks that every report (canonical/revenue/reports.h) over a set of
// contracts' books ties to their journal entries to the minor unit. Used by
// the property test over random contracts (property_test.cc).
#ifndef REVHUB_TESTS_REVENUE_REPORT_CHECKS_H_
#define REVHUB_TESTS_REVENUE_REPORT_CHECKS_H_

#include <vector>

#include "canonical/revenue/reports.h"

namespace revhub::revenue {

// Runs each report over `books` for a few ranges and groupings and CHECKs
// its totals against sums of the journal lines computed here.
void CheckReportsTieToJournal(const std::vector<ContractBooks>& books);

}  // namespace revhub::revenue

#endif  // REVHUB_TESTS_REVENUE_REPORT_CHECKS_H_
