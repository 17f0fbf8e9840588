// TraceContext: the W3C Trace Context (https://www.w3.org/TR/trace-context/)
// that follows one payload through the hub: from the gRPC call or webhook
// that brought it, through records, events, workflows and exceptions, to
// the adapters (gRPC metadata `traceparent`) and the vendors' HTTP calls
// (header `traceparent`).
//
// A traceparent is "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>",
// lower-case hex, neither id all zeros. Parse() accepts exactly that for
// version 00, and for a later version the same first four fields (with
// more after a '-'), as the specification asks; anything else is invalid,
// and the caller starts a new trace instead (a bad header never fails a
// call).
#ifndef REVHUB_HUB_OBSERVABILITY_TRACE_CONTEXT_H_
#define REVHUB_HUB_OBSERVABILITY_TRACE_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace revhub::observability {

struct TraceContext {
  std::string trace_id;  // 32 lower-case hex digits
  std::string span_id;   // 16 lower-case hex digits
  bool sampled = true;
  std::string tracestate;  // passed on as given (at most 512 bytes kept)

  // Returns "00-<trace_id>-<span_id>-<01|00>".
  std::string Traceparent() const;
  // Returns a context of the same trace with a new span id (a child span).
  TraceContext Child() const;
};

// Returns the context a traceparent header gives, or nullopt when it is
// not a valid one.
std::optional<TraceContext> ParseTraceparent(absl::string_view header);

// Returns a new trace: random 16-byte trace id, 8-byte span id, sampled.
TraceContext NewTrace();

// Returns the context of `traceparent` (with `tracestate`) when valid, as a
// child span; otherwise a new trace.
TraceContext ContinueOrStart(absl::string_view traceparent,
                             absl::string_view tracestate);

// Returns whether `id` is a valid trace id (32 lower-case hex, not all 0).
bool IsValidTraceId(absl::string_view id);

// Returns a child span of trace `trace_id` (a stored record's, event's or
// workflow's), or a new trace when it is not a valid trace id.
TraceContext ChildOfTraceId(absl::string_view trace_id);

// ScopedTrace makes `trace` the calling thread's current trace for its
// life (restoring the previous one after): the calls the thread makes to
// adapters carry it as `traceparent` metadata.
class ScopedTrace {
 public:
  explicit ScopedTrace(TraceContext trace);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  const TraceContext* previous_;
  TraceContext trace_;
};

// Returns the calling thread's current trace, or null.
const TraceContext* CurrentTrace();

}  // namespace revhub::observability

#endif  // REVHUB_HUB_OBSERVABILITY_TRACE_CONTEXT_H_
