#include "hub/observability/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace revhub::observability {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::mutex g_write_mu;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string Upper(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// A text value quoted when it has a space, a quote, '=' or a control
// character (JSON's escaping then).
std::string TextValue(absl::string_view v) {
  bool plain = !v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' ||
        static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  return plain ? std::string(v) : JsonQuote(v);
}

}  // namespace

void SetLogFormat(LogFormat format) { g_format.store(format); }

bool ParseLogFormat(absl::string_view text, LogFormat* out) {
  if (text == "text") {
    *out = LogFormat::kText;
  } else if (text == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatLogLine(LogFormat format, absl::Time at, LogLevel level,
                          absl::string_view component,
                          absl::string_view message, const LogFields& fields) {
  const std::string time =
      absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", at, absl::UTCTimeZone());
  std::string out;
  if (format == LogFormat::kJson) {
    absl::StrAppend(&out, "{\"time\":", JsonQuote(time),
                    ",\"level\":", JsonQuote(LevelName(level)),
                    ",\"component\":", JsonQuote(component),
                    ",\"message\":", JsonQuote(message));
    for (const auto& [key, value] : fields) {
      if (value.empty() || key == "time" || key == "level" ||
          key == "component" || key == "message") {
        continue;
      }
      absl::StrAppend(&out, ",", JsonQuote(key), ":", JsonQuote(value));
    }
    out.push_back('}');
    return out;
  }
  absl::StrAppend(&out, time, " ", Upper(LevelName(level)), " ", component,
                  ": ");
  // A message is one line.
  for (char c : message) out.push_back(c == '\n' ? ' ' : c);
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    absl::StrAppend(&out, " ", key, "=", TextValue(value));
  }
  return out;
}

void Log(LogLevel level, absl::string_view component, absl::string_view message,
         const LogFields& fields) {
  std::string line = FormatLogLine(g_format.load(), absl::Now(), level,
                                   component, message, fields);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(g_write_mu);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(2, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace revhub::observability
