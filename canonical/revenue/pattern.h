// Recognition patterns: how an amount earned over a span of time is spread
// over accounting periods, and the rule that makes the parts exact.
//
// A Span is a half-open interval [start, end) with a PeriodConvention. Its
// weight function W(t) is the weight of [start, t):
//   kByDay            days from start's day to t's day: the start day counts,
//                     the end day does not, whatever the time of day
//                     (2024-06-15T12:00 to 2024-10-13T12:00 is 120 days).
//   kByInstant        milliseconds elapsed.
//   kByMonthEven      the span is cut into month slices from its start
//                     (start, start + 1 month, ... the last one may be short);
//                     each slice weighs 1 and counts in the period it starts
//                     in.
//   kMonthlyProRata   a whole calendar month weighs 1, a partial month its days
//                     over the month's days (in units of 1/755160 of a month,
//                     a multiple of 28, 29, 30 and 31, so the weights are
//                     exact integers).
// A span whose total weight is zero (shorter than a day by day) counts whole
// in the period it starts in.
//
// Remainder rule (cumulative truncation): of an amount A (whole minor units)
// the part recognised before t is trunc(A * W(t) / W(end)), truncated towards
// zero. A period's line is the difference of that cumulative figure at its
// end and its start. So revenue to date never runs ahead of the exact pro
// rata figure and trails it by less than one minor unit, each line is within
// one minor unit of its exact share, and the lines sum exactly to A; the
// minor units left over by truncation land in the period where the exact
// cumulative figure crosses the next minor unit (2,258.06 over three equal
// months is 752.68, 752.69, 752.69).
//
// All functions are pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_PATTERN_H_
#define REVHUB_CANONICAL_REVENUE_PATTERN_H_

#include <cstdint>
#include <vector>

#include "canonical/money.h"
#include "canonical/revenue/calendar.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::revenue {

using canonical::v1::PeriodConvention;

// Weights are exact integers; 128 bits so A * W never overflows.
using Weight = Nanos;

inline constexpr int64_t kProRataUnitsPerMonth = 755'160;

struct Span {
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // exclusive
  PeriodConvention convention = PeriodConvention::PERIOD_CONVENTION_BY_DAY;
};

// Returns W(t): the weight of [span.start, t), clamped to [0, W(end)].
Weight WeightBefore(const Span& span, int64_t t);

// Returns W(end), the weight of the whole span.
inline Weight TotalWeight(const Span& span) {
  return WeightBefore(span, span.end_ms);
}

// Returns the last period in which the span has weight (the period of the
// last instant for time-based conventions, of the last slice for
// kByMonthEven).
PeriodIndex LastPeriod(const Span& span);

// Returns trunc(amount * part / whole): the cumulative-truncation rule.
// REQUIRES: whole > 0, 0 <= part <= whole.
inline Nanos CumulativeShare(Nanos amount, Weight part, Weight whole) {
  return amount * part / whole;  // C++ division truncates towards zero
}

// One period's share of an amount.
struct PeriodAmount {
  PeriodIndex period;
  Nanos amount;  // in the unit the caller gave (minor units, usually)
};

// Appends to *out the lines of `amount` spread over `span` by the
// cumulative-truncation rule, restricted to the window [from, until): the
// part of the spread that falls inside it. With the window covering the span
// the lines sum to `amount`; windows that tile the span give lines that sum
// to `amount` too. Periods with a zero line are skipped.
void SpreadAmount(const Span& span, Nanos amount, int64_t from, int64_t until,
                  std::vector<PeriodAmount>* out);

// Returns the part of `amount` spread over `span` that falls before t.
inline Nanos AmountBefore(const Span& span, Nanos amount, int64_t t) {
  const Weight whole = TotalWeight(span);
  if (whole == 0) return t > span.start_ms ? amount : 0;
  return CumulativeShare(amount, WeightBefore(span, t), whole);
}

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_PATTERN_H_
