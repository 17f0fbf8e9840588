// Log: revhubd's structured log lines on stderr.
//
// Each line says when (UTC, microseconds), how bad (level), which part of
// the hub (component), what happened (message), and the identifiers it is
// about when known: trace_id, span_id, system, record_id, workflow_id,
// contract_id, exception_id (any other key is allowed too).
//
// Two formats, chosen once at start (revhubd --log-format):
//   text: 2026-12-01T05:40:47.123456Z INFO pipeline: message system=stripe
//         record_id=12   (values with spaces or quotes are quoted)
//   json: {"time":"2026-12-01T05:40:47.123456Z","level":"info",
//          "component":"pipeline","message":"...","system":"stripe",
//          "record_id":"12"}   one object per line, RFC 8259 escaping.
//
// Thread-safe: a line is written with one write(2) call under a mutex, so
// lines of different threads never interleave.
#ifndef REVHUB_HUB_OBSERVABILITY_LOG_H_
#define REVHUB_HUB_OBSERVABILITY_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace revhub::observability {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Sets the format of every line from now on (default text).
void SetLogFormat(LogFormat format);
// Parses "text" or "json"; false for anything else.
bool ParseLogFormat(absl::string_view text, LogFormat* out);

// Key/value pairs of a line; empty values are left out.
using LogFields = std::vector<std::pair<std::string, std::string>>;

// Writes one line.
void Log(LogLevel level, absl::string_view component, absl::string_view message,
         const LogFields& fields = {});

inline void LogInfo(absl::string_view component, absl::string_view message,
                    const LogFields& fields = {}) {
  Log(LogLevel::kInfo, component, message, fields);
}
inline void LogWarn(absl::string_view component, absl::string_view message,
                    const LogFields& fields = {}) {
  Log(LogLevel::kWarn, component, message, fields);
}
inline void LogError(absl::string_view component, absl::string_view message,
                     const LogFields& fields = {}) {
  Log(LogLevel::kError, component, message, fields);
}

// Returns the line Log() would write at `at` (without the newline), for
// tests.
std::string FormatLogLine(LogFormat format, absl::Time at, LogLevel level,
                          absl::string_view component,
                          absl::string_view message, const LogFields& fields);
// Returns `s` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view s);

}  // namespace revhub::observability

#endif  // REVHUB_HUB_OBSERVABILITY_LOG_H_
