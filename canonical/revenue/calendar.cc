#include "canonical/revenue/calendar.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace revhub::revenue {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int year, int month, int day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m),
                   static_cast<int>(d)};
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

PeriodIndex PeriodOf(int64_t ms) {
  const CivilDate d = CivilFromDays(DayOf(ms));
  return static_cast<PeriodIndex>(d.year * 12 + (d.month - 1));
}

int64_t PeriodStartMs(PeriodIndex period) {
  const int year = period >= 0 ? period / 12 : -((-period + 11) / 12);
  const int month = period - year * 12 + 1;
  return DaysFromCivil(year, month, 1) * kMsPerDay;
}

std::string PeriodName(PeriodIndex period) {
  const int year = period >= 0 ? period / 12 : -((-period + 11) / 12);
  const int month = period - year * 12 + 1;
  if (year < 0 || year > 9999) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%04d-%02d", year, month);
    return buf;
  }
  std::string out = "0000-00";
  out[0] = static_cast<char>('0' + year / 1000);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  return out;
}

absl::StatusOr<PeriodIndex> ParsePeriod(absl::string_view text,
                                        absl::string_view field) {
  int year = 0;
  int month = 0;
  if (text.size() != 7 || text[4] != '-' ||
      !absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) || month < 1 || month > 12) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", text, "\" is not a period \"YYYY-MM\""));
  }
  return static_cast<PeriodIndex>(year * 12 + month - 1);
}

int64_t AddMonths(int64_t ms, int months) {
  const int64_t day = DayOf(ms);
  const int64_t time_of_day = ms - day * kMsPerDay;
  const CivilDate d = CivilFromDays(day);
  const int total = d.year * 12 + (d.month - 1) + months;
  const int year = total >= 0 ? total / 12 : -((-total + 11) / 12);
  const int month = total - year * 12 + 1;
  const int dom = std::min(d.day, DaysInMonth(year, month));
  return DaysFromCivil(year, month, dom) * kMsPerDay + time_of_day;
}

int64_t ToMs(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000 + ts.nanos() / 1'000'000;
}

google::protobuf::Timestamp FromMs(int64_t ms) {
  google::protobuf::Timestamp ts;
  int64_t seconds = ms / 1000;
  int64_t rest = ms % 1000;
  if (rest < 0) {
    rest += 1000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest * 1'000'000));
  return ts;
}

std::string FormatInstant(int64_t ms) {
  const int64_t day = DayOf(ms);
  const CivilDate d = CivilFromDays(day);
  const int64_t t = ms - day * kMsPerDay;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year,
                d.month, d.day, static_cast<int>(t / 3'600'000),
                static_cast<int>(t / 60'000 % 60),
                static_cast<int>(t / 1000 % 60), static_cast<int>(t % 1000));
  return buf;
}

}  // namespace revhub::revenue
