#include "hub/cli/ingest_batch.h"

#include <google/protobuf/struct.pb.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "canonical/status_macros.h"

namespace revhub::cli {
namespace {

namespace fs = std::filesystem;

bool Blank(absl::string_view line) {
  return absl::StripAsciiWhitespace(line).empty();
}

// The records of a batch, read one at a time (a backfill may be larger
// than memory): the non-blank lines of an NDJSON file, or the files of a
// folder. Next() runs on the client's writer thread; Label() on the
// answering one, for records already read.
class BatchSource {
 public:
  // Opens `path` and counts its records. A usage error when it cannot be
  // read or holds none.
  static absl::StatusOr<std::unique_ptr<BatchSource>> Open(
      const std::string& path) {
    std::error_code ec;
    auto source = std::unique_ptr<BatchSource>(new BatchSource(path));
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        if (!entry.is_regular_file(ec)) continue;
        source->files_.push_back(entry.path().string());
      }
      if (ec) {
        return UsageError(absl::NotFoundError(
            absl::StrCat(path, ": cannot list: ", ec.message())));
      }
      std::sort(source->files_.begin(), source->files_.end());
      source->folder_ = true;
      source->total_ = static_cast<int64_t>(source->files_.size());
      if (source->total_ == 0) {
        return UsageError(absl::StrCat(path, ": has no files to send"));
      }
      return source;
    }
    source->in_.open(path, std::ios::binary);
    if (!source->in_) {
      return UsageError(absl::NotFoundError(
          absl::StrCat(path, ": cannot open: ", std::strerror(errno))));
    }
    // Counted first, for the progress bar; the lines are read again as
    // they are sent.
    std::string line;
    while (std::getline(source->in_, line)) {
      if (!Blank(line)) ++source->total_;
    }
    if (source->in_.bad()) {
      return UsageError(
          absl::DataLossError(absl::StrCat(path, ": read failed")));
    }
    if (source->total_ == 0) {
      return UsageError(absl::StrCat(path, ": has no records (no lines)"));
    }
    source->in_.clear();
    source->in_.seekg(0);
    return source;
  }

  int64_t total() const { return total_; }
  bool folder() const { return folder_; }

  // Reads the next record into *payload (and, for a folder, its file's
  // extension's content type into *content_type). False at the end, or
  // when a read failed (error() says so).
  bool Next(std::string* payload, std::string* content_type) {
    if (folder_) {
      if (next_file_ >= files_.size()) return false;
      const std::string& file = files_[next_file_];
      std::ifstream in(file, std::ios::binary);
      if (!in.is_open()) {
        SetError(absl::StrCat(file, ": cannot open: ", std::strerror(errno)));
        return false;
      }
      std::string bytes((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
      if (in.bad()) {
        SetError(absl::StrCat(file, ": read failed"));
        return false;
      }
      *payload = std::move(bytes);
      *content_type = ContentTypeForPath(file);
      ++next_file_;
      return true;
    }
    std::string line;
    while (std::getline(in_, line)) {
      ++line_number_;
      if (Blank(line)) continue;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(line_number_);
      *payload = std::move(line);
      content_type->clear();
      return true;
    }
    if (in_.bad()) SetError(absl::StrCat(path_, ": read failed"));
    return false;
  }

  // "line N" or the file of record `sequence` (from 1). REQUIRES: read.
  std::string Label(int64_t sequence) {
    if (folder_) return files_[static_cast<size_t>(sequence - 1)];
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrCat("line ", lines_[static_cast<size_t>(sequence - 1)]);
  }

  absl::Status error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  explicit BatchSource(std::string path) : path_(std::move(path)) {}

  void SetError(std::string message) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = absl::DataLossError(std::move(message));
  }

  const std::string path_;
  bool folder_ = false;
  int64_t total_ = 0;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  std::ifstream in_;
  int64_t line_number_ = 0;

  std::mutex mu_;
  std::vector<int64_t> lines_;  // line number of each record read
  absl::Status error_;
};

struct Failure {
  std::string label;
  absl::StatusCode code;
  std::string message;
};

struct Tally {
  int64_t answered = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
  std::vector<Failure> failures;
};

std::string Summary(const std::string& path, int64_t total, const Tally& t) {
  std::string out =
      absl::StrCat(t.answered, " of ", total, " records from ", path, ": ",
                   t.accepted, " accepted, ", t.duplicates, " duplicates, ",
                   t.failures.size(), " failed\n");
  for (const Failure& f : t.failures) {
    absl::StrAppend(&out, "  ", f.label, ": ", absl::StatusCodeToString(f.code),
                    ": ", f.message, "\n");
  }
  return out;
}

google::protobuf::Struct SummaryJson(const std::string& path, int64_t total,
                                     const Tally& t) {
  google::protobuf::Struct s;
  auto& f = *s.mutable_fields();
  f["source"].set_string_value(path);
  f["records"].set_number_value(static_cast<double>(total));
  f["answered"].set_number_value(static_cast<double>(t.answered));
  f["accepted"].set_number_value(static_cast<double>(t.accepted));
  f["duplicates"].set_number_value(static_cast<double>(t.duplicates));
  auto* failed = f["failed"].mutable_list_value();
  for (const Failure& e : t.failures) {
    auto& item =
        *failed->add_values()->mutable_struct_value()->mutable_fields();
    item["at"].set_string_value(e.label);
    item["code"].set_string_value(absl::StatusCodeToString(e.code));
    item["message"].set_string_value(e.message);
  }
  return s;
}

}  // namespace

std::string ContentTypeForPath(absl::string_view path) {
  std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".json")) return "application/json";
  if (absl::EndsWith(lower, ".xml")) return "application/xml";
  if (absl::EndsWith(lower, ".csv")) return "text/csv";
  if (absl::EndsWith(lower, ".txt")) return "text/plain";
  return "";
}

std::string RenderIngestProgressBar(int64_t done, int64_t total,
                                    int64_t accepted, int64_t duplicates,
                                    int64_t failed, double per_second) {
  constexpr int kWidth = 30;
  const int64_t shown = std::min(done, total);
  const int filled =
      total > 0 ? static_cast<int>(shown * kWidth / total) : kWidth;
  const int percent = total > 0 ? static_cast<int>(shown * 100 / total) : 100;
  return absl::StrFormat(
      "[%s%s] %3d%%  %d/%d records  %d accepted  %d duplicates  %d failed  "
      "%.0f/s",
      std::string(filled, '#'), std::string(kWidth - filled, '-'), percent,
      shown, total, accepted, duplicates, failed, per_second);
}

absl::Status IngestBatch(const IngestBatchOptions& options,
                         CommandContext& ctx) {
  ASSIGN_OR_RETURN(std::unique_ptr<BatchSource> source,
                   BatchSource::Open(options.path));
  const int64_t total = source->total();
  const bool bar = ctx.out_is_terminal() && !ctx.json();
  const auto start = std::chrono::steady_clock::now();
  auto rate = [&](int64_t n) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    return s > 0 ? static_cast<double>(n) / s : 0.0;
  };
  Tally tally;
  int64_t next_line_at = total / 10;  // plain progress: every tenth
  auto last_draw = start - std::chrono::seconds(1);

  absl::Status stream = ctx.Hub().IngestStream(
      [&](hubv1::IngestStreamRequest& message) {
        hubv1::IngestRequest& record = *message.mutable_record();
        std::string content_type;
        if (!source->Next(record.mutable_payload(), &content_type)) {
          return false;
        }
        record.set_system(options.system);
        record.set_object_type(options.object_type);
        record.set_content_type(
            options.content_type.empty() ? content_type : options.content_type);
        return true;
      },
      [&](const hubv1::IngestStreamResponse& answer) {
        ++tally.answered;
        if (answer.has_stored()) {
          ++(answer.stored().duplicate() ? tally.duplicates : tally.accepted);
        } else {
          tally.failures.push_back(
              {source->Label(answer.sequence()),
               static_cast<absl::StatusCode>(answer.error().code()),
               answer.error().message()});
        }
        if (ctx.json()) return;
        const int64_t failed = static_cast<int64_t>(tally.failures.size());
        if (bar) {
          const auto now = std::chrono::steady_clock::now();
          if (now - last_draw < std::chrono::milliseconds(100) &&
              tally.answered < total) {
            return;
          }
          last_draw = now;
          ctx.out() << "\r"
                    << RenderIngestProgressBar(tally.answered, total,
                                               tally.accepted, tally.duplicates,
                                               failed, rate(tally.answered))
                    << "\033[K" << std::flush;
        } else if (tally.answered >= next_line_at && tally.answered < total) {
          next_line_at = tally.answered + std::max<int64_t>(1, total / 10);
          ctx.out() << tally.answered << " of " << total
                    << " records answered: " << tally.accepted << " accepted, "
                    << tally.duplicates << " duplicates, " << failed
                    << " failed ("
                    << absl::StrFormat("%.0f/s", rate(tally.answered)) << ")\n";
        }
      });
  if (bar) ctx.out() << "\n";
  if (ctx.json()) {
    ctx.Print(SummaryJson(options.path, total, tally), "");
  } else {
    ctx.out() << Summary(options.path, total, tally);
  }

  const absl::Status read = source->error();
  if (!stream.ok()) {
    ctx.out() << total - tally.answered
              << " records not answered; sending the batch again is safe "
                 "(records already stored are answered as duplicates)\n";
    return stream;
  }
  if (!read.ok()) {
    return tally.answered == 0 ? UsageError(read) : read;
  }
  if (!tally.failures.empty()) {
    return absl::Status(tally.failures.front().code,
                        absl::StrCat(tally.failures.size(), " of ", total,
                                     " records failed (listed above)"));
  }
  return absl::OkStatus();
}

}  // namespace revhub::cli
