#include "hub/observability/trace_context.h"

#include <random>

#include "absl/strings/str_cat.h"

namespace revhub::observability {
namespace {

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !s.empty();
}

bool AllZero(absl::string_view s) {
  return s.find_first_not_of('0') == absl::string_view::npos;
}

std::string RandomHex(int bytes) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  while (true) {
    out.clear();
    for (int i = 0; i < bytes; ++i) {
      const unsigned v = static_cast<unsigned>(rng() & 0xff);
      out.push_back(kHex[v >> 4]);
      out.push_back(kHex[v & 15]);
    }
    if (!AllZero(out)) return out;
  }
}

}  // namespace

std::string TraceContext::Traceparent() const {
  return absl::StrCat("00-", trace_id, "-", span_id, sampled ? "-01" : "-00");
}

TraceContext TraceContext::Child() const {
  TraceContext c = *this;
  c.span_id = RandomHex(8);
  return c;
}

bool IsValidTraceId(absl::string_view id) {
  return id.size() == 32 && IsLowerHex(id) && !AllZero(id);
}

std::optional<TraceContext> ParseTraceparent(absl::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags
  if (h.size() < 55) return std::nullopt;
  const absl::string_view version = h.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  const absl::string_view trace_id = h.substr(3, 32);
  const absl::string_view span_id = h.substr(36, 16);
  const absl::string_view flags = h.substr(53, 2);
  if (!IsValidTraceId(trace_id) || !IsLowerHex(span_id) || AllZero(span_id) ||
      !IsLowerHex(flags)) {
    return std::nullopt;
  }
  TraceContext c;
  c.trace_id = std::string(trace_id);
  c.span_id = std::string(span_id);
  const int f = (flags[1] >= 'a' ? flags[1] - 'a' + 10 : flags[1] - '0');
  c.sampled = (f & 1) != 0;
  return c;
}

TraceContext NewTrace() {
  TraceContext c;
  c.trace_id = RandomHex(16);
  c.span_id = RandomHex(8);
  c.sampled = true;
  return c;
}

TraceContext ContinueOrStart(absl::string_view traceparent,
                             absl::string_view tracestate) {
  std::optional<TraceContext> parent = ParseTraceparent(traceparent);
  if (!parent.has_value()) return NewTrace();
  TraceContext c = parent->Child();
  if (tracestate.size() <= 512) c.tracestate = std::string(tracestate);
  return c;
}

TraceContext ChildOfTraceId(absl::string_view trace_id) {
  if (!IsValidTraceId(trace_id)) return NewTrace();
  TraceContext c;
  c.trace_id = std::string(trace_id);
  c.span_id = RandomHex(8);
  return c;
}

namespace {
thread_local const TraceContext* g_current = nullptr;
}  // namespace

ScopedTrace::ScopedTrace(TraceContext trace)
    : previous_(g_current), trace_(std::move(trace)) {
  g_current = &trace_;
}

ScopedTrace::~ScopedTrace() { g_current = previous_; }

const TraceContext* CurrentTrace() { return g_current; }

}  // namespace revhub::observability
