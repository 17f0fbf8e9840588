// Calendar arithmetic for revenue recognition: instants, civil days and
// accounting periods.
//
// Instants are milliseconds since the Unix epoch, UTC (a Timestamp's digits
// below the millisecond are dropped). Accounting periods are calendar months
// in UTC, numbered as year * 12 + (month - 1), so consecutive months are
// consecutive integers and "2024-06" is 24293. All functions are pure and
// thread-safe; dates are proleptic Gregorian.
#ifndef REVHUB_CANONICAL_REVENUE_CALENDAR_H_
#define REVHUB_CANONICAL_REVENUE_CALENDAR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"

namespace revhub::revenue {

inline constexpr int64_t kMsPerDay = 86'400'000;

// A calendar month, year * 12 + (month - 1).
using PeriodIndex = int32_t;

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Returns days since 1970-01-01 for a civil date.
int64_t DaysFromCivil(int year, int month, int day);
// Returns the civil date of a day number.
CivilDate CivilFromDays(int64_t days);
// Returns 28..31.
int DaysInMonth(int year, int month);

// Returns the day number (floor) of an instant.
inline int64_t DayOf(int64_t ms) {
  return ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
}

// Returns the accounting period containing the instant.
PeriodIndex PeriodOf(int64_t ms);
// Returns the first instant of the period; its exclusive end is
// PeriodStartMs(p + 1).
int64_t PeriodStartMs(PeriodIndex period);
// Returns "YYYY-MM".
std::string PeriodName(PeriodIndex period);
// Parses "YYYY-MM"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<PeriodIndex> ParsePeriod(absl::string_view text,
                                        absl::string_view field);

// Returns the instant `months` calendar months after `ms`, keeping the time
// of day and clamping the day to the target month's length (Jan 31 + 1 month
// is Feb 28 or 29).
int64_t AddMonths(int64_t ms, int months);

int64_t ToMs(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp FromMs(int64_t ms);
// Returns "2024-06-15T12:00:00.000Z".
std::string FormatInstant(int64_t ms);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_CALENDAR_H_
