#include "hub/observability/hub_metrics.h"

#include <memory>
#include <mutex>

#include "absl/time/clock.h"

namespace revhub::observability {
namespace {

// The state source and the samples of the scrape in progress: each
// collected family of one scrape reads the same StateSamples.
struct StateCache {
  std::mutex mu;
  std::function<StateSamples()> source;
  StateSamples samples;
  absl::Time read_at = absl::InfinitePast();
};

StateCache& Cache() {
  static StateCache* cache = new StateCache;
  return *cache;
}

}  // namespace

HubMetrics::HubMetrics()
    : grpc_requests(registry.AddCounter(
          "revhub_grpc_requests_total",
          "gRPC calls served, by full method and status code.",
          {"method", "code"})),
      grpc_duration(registry.AddHistogram(
          "revhub_grpc_request_duration_seconds",
          "Time from a gRPC call's start to its status, by full method.",
          {"method"}, LatencyBuckets())),
      records_ingested(registry.AddCounter(
          "revhub_records_received_total",
          "Raw records stored (ingest calls, pulls and webhooks), by system.",
          {"system"})),
      records_processed(registry.AddCounter(
          "revhub_records_processed_total",
          "Raw records the pipeline finished a pass on, by system and "
          "outcome (applied, skipped, waiting, failed).",
          {"system", "outcome"})),
      translate_duration(registry.AddHistogram(
          "revhub_translate_duration_seconds",
          "Adapter Translate and TranslateBatch calls of the pipeline, by "
          "system.",
          {"system"}, LatencyBuckets())),
      apply_duration(registry.AddHistogram(
          "revhub_apply_duration_seconds",
          "Applying one translated record to the canonical model (its "
          "transaction), by system.",
          {"system"}, LatencyBuckets())),
      vendor_calls(registry.AddCounter(
          "revhub_vendor_calls_total",
          "Calls to a vendor through its adapter, by system, operation "
          "(pull, post) and outcome (ok, error, rejected, retry).",
          {"system", "operation", "outcome"})),
      webhooks(registry.AddCounter(
          "revhub_webhooks_total",
          "Webhook deliveries received, by system and outcome (accepted, "
          "duplicate, refused).",
          {"system", "outcome"})),
      duties_held(registry.AddGauge(
          "revhub_duty_held",
          "1 while this hub holds the lease of a single-writer duty "
          "(pipeline, revenue, orchestrator, sync-schedules, retention), "
          "else 0.",
          {"duty"})),
      ingest_stream_in_flight(
          registry
              .AddGauge("revhub_ingest_stream_in_flight",
                        "IngestStream messages read and not yet answered, "
                        "over every open stream.",
                        {})
              .WithLabels({})),
      ingest_stream_in_flight_max(
          registry
              .AddGauge("revhub_ingest_stream_in_flight_max",
                        "The most IngestStream messages one stream has had "
                        "read and not yet answered since the hub started "
                        "(at most --ingest-stream-max-in-flight).",
                        {})
              .WithLabels({})) {
  auto collected = [this](const char* name, const char* help,
                          std::vector<std::string> labels,
                          std::vector<CollectedSample> StateSamples::*field) {
    registry.AddCollected(name, help, std::move(labels), /*counter=*/false,
                          [this, field] { return State().*field; });
  };
  collected("revhub_records", "Raw records stored, by system and status.",
            {"system", "status"}, &StateSamples::records);
  collected("revhub_backlog",
            "Work waiting, by stage: records_received, records_waiting, "
            "records_failed, workflows_pending, workflows_running, "
            "workflows_blocked, exceptions_open.",
            {"stage"}, &StateSamples::backlog);
  collected("revhub_backlog_oldest_age_seconds",
            "Age of the oldest item waiting, by stage (records, workflows).",
            {"stage"}, &StateSamples::oldest_age);
  collected("revhub_consumer_lag_events",
            "Events in the log not yet acknowledged, by consumer.",
            {"consumer"}, &StateSamples::consumer_lag);
  collected("revhub_exceptions_open",
            "Exceptions not resolved, by category and owner.",
            {"category", "owner"}, &StateSamples::exceptions_open);
  collected("revhub_exceptions_amount_at_stake",
            "Money at stake in exceptions not resolved, in whole units of "
            "the currency, by category, owner and currency.",
            {"category", "owner", "currency"}, &StateSamples::money_at_stake);
  collected("revhub_exceptions_sla",
            "Exceptions not resolved by SLA state (WITHIN, AT_RISK, "
            "BREACHED, NONE), by category.",
            {"category", "sla"}, &StateSamples::exceptions_sla);
  collected("revhub_adapter_up",
            "1 when the system's adapter is running, 0 otherwise.", {"system"},
            &StateSamples::adapter_up);
  registry.AddCollected(
      "revhub_adapter_restarts_total",
      "Adapter processes restarted after a crash, by system (since the "
      "process was started by this hub).",
      {"system"}, /*counter=*/true,
      [this] { return State().adapter_restarts; });
}

void HubMetrics::SetStateSource(std::function<StateSamples()> source) {
  StateCache& c = Cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.source = std::move(source);
  c.samples = StateSamples{};
  c.read_at = absl::InfinitePast();
}

StateSamples HubMetrics::State() {
  // One read serves every collected family of a scrape (they are called
  // one after the other), and scrapes within a second.
  StateCache& c = Cache();
  std::lock_guard<std::mutex> lock(c.mu);
  const absl::Time now = absl::Now();
  if (c.source && now - c.read_at >= absl::Seconds(1)) {
    c.samples = c.source();
    c.read_at = now;
  }
  return c.samples;
}

HubMetrics& Metrics() {
  static HubMetrics* metrics = new HubMetrics;
  return *metrics;
}

}  // namespace revhub::observability
