// hub/observability: the Prometheus text exposition (names, escaping,
// HELP/TYPE lines, histogram buckets), updates from many threads, the
// structured log lines (text and JSON) and the W3C traceparent parser.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "hub/observability/log.h"
#include "hub/observability/metrics.h"
#include "hub/observability/trace_context.h"

namespace revhub::observability {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out = absl::StrSplit(text, '\n');
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

TEST_CASE("a counter and a gauge are exposed with HELP, TYPE and labels",
          "[observability][metrics]") {
  Registry r;
  auto& requests =
      r.AddCounter("demo_requests_total",
                   "Requests by path.\nSecond line \\ here.", {"path", "code"});
  requests.WithLabels({"/a", "OK"}).Inc();
  requests.WithLabels({"/a", "OK"}).Inc(2);
  requests.WithLabels({"C:\\dir \"x\"\nnext", "NOT_FOUND"}).Inc();
  auto& depth = r.AddGauge("demo_depth", "Depth.", {});
  depth.WithLabels({}).Set(2.5);
  depth.WithLabels({}).Add(-1);
  const std::vector<std::string> lines = Lines(r.Scrape());
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] ==
        "# HELP demo_requests_total Requests by path.\\nSecond line \\\\ "
        "here.");
  CHECK(lines[1] == "# TYPE demo_requests_total counter");
  CHECK(lines[2] == "demo_requests_total{path=\"/a\",code=\"OK\"} 3");
  CHECK(lines[3] ==
        "demo_requests_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\","
        "code=\"NOT_FOUND\"} 1");
  CHECK(lines[4] == "# HELP demo_depth Depth.");
  CHECK(lines[5] == "# TYPE demo_depth gauge");
  CHECK(lines[6] == "demo_depth 1.5");
}

TEST_CASE("a histogram has cumulative buckets, +Inf, _sum and _count",
          "[observability][metrics]") {
  Registry r;
  auto& h = r.AddHistogram("demo_seconds", "Latency.", {"m"}, {0.1, 1});
  h.WithLabels({"x"}).Observe(0.05);
  h.WithLabels({"x"}).Observe(0.1);  // le is inclusive
  h.WithLabels({"x"}).Observe(0.5);
  h.WithLabels({"x"}).Observe(7);
  const std::vector<std::string> lines = Lines(r.Scrape());
  REQUIRE(lines.size() == 7);
  CHECK(lines[1] == "# TYPE demo_seconds histogram");
  CHECK(lines[2] == "demo_seconds_bucket{m=\"x\",le=\"0.1\"} 2");
  CHECK(lines[3] == "demo_seconds_bucket{m=\"x\",le=\"1\"} 3");
  CHECK(lines[4] == "demo_seconds_bucket{m=\"x\",le=\"+Inf\"} 4");
  CHECK(lines[5] == "demo_seconds_sum{m=\"x\"} 7.65");
  CHECK(lines[6] == "demo_seconds_count{m=\"x\"} 4");
}

TEST_CASE("collected families read their samples at scrape time",
          "[observability][metrics]") {
  Registry r;
  int calls = 0;
  r.AddCollected("demo_backlog", "Backlog.", {"stage"}, false, [&calls] {
    ++calls;
    return std::vector<CollectedSample>{{{"b"}, 2}, {{"a"}, 1}};
  });
  const std::string text = r.Scrape();
  CHECK(calls == 1);
  CHECK(text ==
        "# HELP demo_backlog Backlog.\n# TYPE demo_backlog gauge\n"
        "demo_backlog{stage=\"a\"} 1\ndemo_backlog{stage=\"b\"} 2\n");
}

TEST_CASE("updates from many threads are all counted",
          "[observability][metrics]") {
  Registry r;
  auto& c = r.AddCounter("demo_total", "n", {"t"});
  auto& h = r.AddHistogram("demo_h", "n", {}, LatencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&c, &h, t] {
      for (int i = 0; i < 10000; ++i) {
        c.WithLabels({std::to_string(t % 2)}).Inc();
        h.WithLabels({}).Observe(0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.WithLabels({"0"}).Value() + c.WithLabels({"1"}).Value() == 80000);
  CHECK(h.WithLabels({}).Count() == 80000);
  CHECK(h.WithLabels({}).CumulativeCount(LatencyBuckets().size()) == 80000);
}

TEST_CASE("values print exactly; names are checked",
          "[observability][metrics]") {
  CHECK(FormatValue(3) == "3");
  CHECK(FormatValue(-0.25) == "-0.25");
  CHECK(FormatValue(1e20) == "1e+20");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(std::nan("")) == "NaN");
  CHECK(IsValidMetricName("revhub_grpc_requests_total"));
  CHECK(IsValidMetricName("a:b_c"));
  CHECK_FALSE(IsValidMetricName("1abc"));
  CHECK_FALSE(IsValidMetricName("a-b"));
  CHECK(IsValidLabelName("method"));
  CHECK_FALSE(IsValidLabelName("__name"));
  CHECK_FALSE(IsValidLabelName("a:b"));
}

TEST_CASE("log lines: JSON objects with escaped fields, readable text",
          "[observability][log]") {
  const absl::Time at = absl::FromUnixMicros(1764567647123456);
  const std::string json = FormatLogLine(
      LogFormat::kJson, at, LogLevel::kWarn, "pipeline",
      "bad \"value\"\n\ttab \x01",
      {{"system", "stripe"}, {"record_id", "12"}, {"trace_id", ""}});
  const nlohmann::json j = nlohmann::json::parse(json);
  CHECK(j["time"] == "2025-12-01T05:40:47.123456Z");
  CHECK(j["level"] == "warn");
  CHECK(j["component"] == "pipeline");
  CHECK(j["message"] == "bad \"value\"\n\ttab \x01");
  CHECK(j["system"] == "stripe");
  CHECK(j["record_id"] == "12");
  CHECK_FALSE(j.contains("trace_id"));  // empty values are left out
  const std::string text =
      FormatLogLine(LogFormat::kText, at, LogLevel::kInfo, "adapters",
                    "started the adapter", {{"system", "net suite"}});
  CHECK(text ==
        "2025-12-01T05:40:47.123456Z INFO adapters: started the adapter "
        "system=\"net suite\"");
  LogFormat f;
  CHECK(ParseLogFormat("json", &f));
  CHECK(f == LogFormat::kJson);
  CHECK_FALSE(ParseLogFormat("yaml", &f));
}

TEST_CASE("traceparent: valid headers continue, others start a new trace",
          "[observability][trace]") {
  const std::string good =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto parsed = ParseTraceparent(good);
  REQUIRE(parsed.has_value());
  CHECK(parsed->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(parsed->span_id == "00f067aa0ba902b7");
  CHECK(parsed->sampled);
  CHECK(parsed->Traceparent() == good);
  CHECK_FALSE(ParseTraceparent(
                  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                  ->sampled);
  // A later version may add fields after a dash.
  CHECK(ParseTraceparent(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz")
            .has_value());
  for (const char* bad :
       {"", "garbage",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
    INFO(bad);
    CHECK_FALSE(ParseTraceparent(bad).has_value());
  }
  const TraceContext child = ContinueOrStart(good, "vendor=1");
  CHECK(child.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(child.span_id != "00f067aa0ba902b7");
  CHECK(child.tracestate == "vendor=1");
  const TraceContext fresh = ContinueOrStart("00-zz", "");
  CHECK(IsValidTraceId(fresh.trace_id));
  CHECK(fresh.trace_id != "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(std::regex_match(fresh.Traceparent(),
                         std::regex("00-[0-9a-f]{32}-[0-9a-f]{16}-01")));
  CHECK(CurrentTrace() == nullptr);
  {
    ScopedTrace scoped(child);
    REQUIRE(CurrentTrace() != nullptr);
    CHECK(CurrentTrace()->trace_id == child.trace_id);
  }
  CHECK(CurrentTrace() == nullptr);
}

}  // namespace
}  // namespace revhub::observability
