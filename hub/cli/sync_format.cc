#include "hub/cli/sync_format.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hub/cli/format.h"

namespace revhub::cli {

namespace {

// "950ms", "12s", "4m05s", "2h03m", "3d04h".
std::string ShortDuration(int64_t seconds, int32_t nanos) {
  if (seconds <= 0) return absl::StrCat(nanos / 1000000, "ms");
  if (seconds < 60) return absl::StrCat(seconds, "s");
  if (seconds < 3600) {
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  }
  if (seconds < 86400) {
    return absl::StrFormat("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
  }
  return absl::StrFormat("%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
}

std::string Duration(const google::protobuf::Duration& d) {
  return ShortDuration(d.seconds(), d.nanos());
}

std::string Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

std::string RenderSyncProgressBar(const hubv1::RunSyncResponse& p) {
  std::string head = absl::StrCat(p.system(), "/", p.object_type());
  std::string rate = absl::StrFormat("%.0f/s", p.records_per_second());
  if (p.total_estimate() > 0) {
    constexpr int kWidth = 30;
    const int64_t done = std::min(p.records(), p.total_estimate());
    const int filled = static_cast<int>(done * kWidth / p.total_estimate());
    const int percent = static_cast<int>(done * 100 / p.total_estimate());
    return absl::StrFormat(
        "%s [%s%s] %3d%%  %d/%d records  %s  %s%s", head,
        std::string(filled, '#'), std::string(kWidth - filled, '-'), percent,
        p.records(), p.total_estimate(), Plural(p.pages(), "page", "pages"),
        rate,
        p.has_eta() && !p.done() ? absl::StrCat("  ETA ", Duration(p.eta()))
                                 : "");
  }
  return absl::StrFormat("%s  %s  %s  %s", head,
                         Plural(p.records(), "record", "records"),
                         Plural(p.pages(), "page", "pages"), rate);
}

std::string RenderSyncProgressLine(const hubv1::RunSyncResponse& p) {
  std::string line = absl::StrCat(
      p.system(), "/", p.object_type(), ": ",
      Plural(p.pages(), "page", "pages"), ", ",
      Plural(p.records(), "record", "records"), " (", p.new_records(), " new, ",
      p.duplicates(), " already stored), ",
      absl::StrFormat("%.0f/s", p.records_per_second()));
  if (p.retries() > 0) {
    absl::StrAppend(&line, ", ", Plural(p.retries(), "retry", "retries"));
  }
  if (!p.error().empty()) {
    absl::StrAppend(&line, ", failed: ", p.error());
  } else if (p.done()) {
    absl::StrAppend(&line, ", done");
  }
  return absl::StrCat(line, "\n");
}

std::string RenderSyncStatusTable(const hubv1::GetSyncStatusResponse& r) {
  Table table({"SYSTEM", "OBJECT TYPE", "SCHEDULE", "LAST RUN", "CAUGHT UP",
               "LAG", "RECORDS", "ERRORS", "NEXT RUN", "CURSOR"});
  table.AlignRight(6);
  table.AlignRight(7);
  std::string errors;
  for (const hubv1::SyncStatus& s : r.statuses()) {
    std::string schedule = s.running() ? "running"
                           : s.scheduled()
                               ? absl::StrCat("every ", Duration(s.interval()))
                               : "on demand";
    if (s.running() && s.scheduled()) {
      schedule = absl::StrCat("running, every ", Duration(s.interval()));
    }
    table.AddRow(
        {s.system(), s.object_type(), schedule,
         FormatTimestamp(s.last_run_started()),
         FormatTimestamp(s.caught_up_at()),
         s.has_lag() ? Duration(s.lag()) : "-", absl::StrCat(s.records_total()),
         absl::StrCat(s.consecutive_errors()), FormatTimestamp(s.next_run_at()),
         Shorten(OrDash(s.cursor()))});
    if (!s.last_error().empty()) {
      absl::StrAppend(&errors, s.system(), "/", s.object_type(), ": ",
                      s.last_error(), "\n");
    }
  }
  std::string out = table.Render();
  if (!errors.empty()) absl::StrAppend(&out, "\nlast errors:\n", errors);
  return out;
}

}  // namespace revhub::cli
