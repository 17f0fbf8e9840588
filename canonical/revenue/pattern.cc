#include "canonical/revenue/pattern.h"

#include <algorithm>

namespace revhub::revenue {
namespace {

Weight ProRataDays(int64_t from_day, int64_t to_day) {
  if (to_day <= from_day) return 0;
  const CivilDate a = CivilFromDays(from_day);
  const CivilDate b = CivilFromDays(to_day);
  const int64_t ma = a.year * 12LL + a.month - 1;
  const int64_t mb = b.year * 12LL + b.month - 1;
  const int64_t unit_a = kProRataUnitsPerMonth / DaysInMonth(a.year, a.month);
  if (ma == mb) return static_cast<Weight>(b.day - a.day) * unit_a;
  const int64_t unit_b = kProRataUnitsPerMonth / DaysInMonth(b.year, b.month);
  const Weight first =
      static_cast<Weight>(DaysInMonth(a.year, a.month) - a.day + 1) * unit_a;
  const Weight middle =
      static_cast<Weight>(mb - ma - 1) * kProRataUnitsPerMonth;
  const Weight last = static_cast<Weight>(b.day - 1) * unit_b;
  return first + middle + last;
}

// Number of month slices of the span that start before t (t <= end).
int64_t SlicesBefore(int64_t start, int64_t t) {
  if (t <= start) return 0;
  const int64_t months =
      static_cast<int64_t>(PeriodOf(t)) - static_cast<int64_t>(PeriodOf(start));
  const int k = static_cast<int>(months);
  return AddMonths(start, k) < t ? k + 1 : k;
}

}  // namespace

Weight WeightBefore(const Span& span, int64_t t) {
  if (t <= span.start_ms) return 0;
  if (t > span.end_ms) t = span.end_ms;
  if (t <= span.start_ms) return 0;
  switch (span.convention) {
    case PeriodConvention::PERIOD_CONVENTION_BY_INSTANT:
      return t - span.start_ms;
    case PeriodConvention::PERIOD_CONVENTION_BY_MONTH_EVEN:
      return SlicesBefore(span.start_ms, t);
    case PeriodConvention::PERIOD_CONVENTION_MONTHLY_PRO_RATA:
      return ProRataDays(DayOf(span.start_ms), DayOf(t));
    case PeriodConvention::PERIOD_CONVENTION_BY_DAY:
    default:
      return DayOf(t) - DayOf(span.start_ms);
  }
}

PeriodIndex LastPeriod(const Span& span) {
  switch (span.convention) {
    case PeriodConvention::PERIOD_CONVENTION_BY_INSTANT:
      return PeriodOf(std::max(span.start_ms, span.end_ms - 1));
    case PeriodConvention::PERIOD_CONVENTION_BY_MONTH_EVEN: {
      const int64_t n = SlicesBefore(span.start_ms, span.end_ms);
      return PeriodOf(span.start_ms) +
             static_cast<PeriodIndex>(std::max<int64_t>(n - 1, 0));
    }
    default: {
      const int64_t last_day =
          std::max(DayOf(span.start_ms), DayOf(span.end_ms) - 1);
      return PeriodOf(last_day * kMsPerDay);
    }
  }
}

void SpreadAmount(const Span& span, Nanos amount, int64_t from, int64_t until,
                  std::vector<PeriodAmount>* out) {
  from = std::max(from, span.start_ms);
  if (until <= from) return;
  const Weight whole = TotalWeight(span);
  if (whole == 0) {
    // Shorter than one unit of the convention: whole in its first period.
    if (span.start_ms >= from && span.start_ms < until && amount != 0) {
      out->push_back({PeriodOf(span.start_ms), amount});
    }
    return;
  }
  const PeriodIndex first = PeriodOf(from);
  PeriodIndex last = LastPeriod(span);
  if (until < span.end_ms) last = std::min(last, PeriodOf(until - 1));
  Nanos before = CumulativeShare(amount, WeightBefore(span, from), whole);
  for (PeriodIndex p = first; p <= last; ++p) {
    const int64_t boundary = p == last ? std::min(until, span.end_ms)
                                       : std::min(PeriodStartMs(p + 1), until);
    const Nanos to_date =
        CumulativeShare(amount, WeightBefore(span, boundary), whole);
    if (to_date != before) out->push_back({p, to_date - before});
    before = to_date;
  }
}

}  // namespace revhub::revenue
