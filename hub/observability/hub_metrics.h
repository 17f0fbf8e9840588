// HubMetrics: the metric families revhubd exposes at GET /metrics, in one
// process-wide registry (as Prometheus's client libraries have one default
// registry). The parts of the hub update the event counters and latency
// histograms below directly; state kept in the store (backlog, records by
// status, exceptions and money at stake) is read at scrape time through the
// source set with SetStateSource().
//
// Only aggregates: no label carries an id of a record, contract, workflow
// or exception, and no money per contract (docs/observability.md).
//
// Thread-safe.
#ifndef REVHUB_HUB_OBSERVABILITY_HUB_METRICS_H_
#define REVHUB_HUB_OBSERVABILITY_HUB_METRICS_H_

#include <functional>
#include <string>
#include <vector>

#include "hub/observability/metrics.h"

namespace revhub::observability {

// Samples of the stored state, each in its family's label order.
struct StateSamples {
  // revhub_records{system,status}
  std::vector<CollectedSample> records;
  // revhub_backlog{stage}
  std::vector<CollectedSample> backlog;
  // revhub_backlog_oldest_age_seconds{stage}
  std::vector<CollectedSample> oldest_age;
  // revhub_consumer_lag_events{consumer}
  std::vector<CollectedSample> consumer_lag;
  // revhub_exceptions_open{category,owner}
  std::vector<CollectedSample> exceptions_open;
  // revhub_exceptions_amount_at_stake{category,owner,currency}
  std::vector<CollectedSample> money_at_stake;
  // revhub_exceptions_sla{category,sla}
  std::vector<CollectedSample> exceptions_sla;
  // revhub_adapter_up{system}
  std::vector<CollectedSample> adapter_up;
  // revhub_adapter_restarts_total{system} (a counter)
  std::vector<CollectedSample> adapter_restarts;
};

struct HubMetrics {
  HubMetrics();

  Registry registry;
  // gRPC: every call by full method and status code name, and its latency.
  Family<Counter>& grpc_requests;
  Family<Histogram>& grpc_duration;
  // Ingest: raw records stored, and the pipeline's outcomes per record
  // (applied, skipped, waiting, failed).
  Family<Counter>& records_ingested;
  Family<Counter>& records_processed;
  // Adapter calls of the pipeline: translate (per batch), apply (per
  // record, the canonical model's transaction).
  Family<Histogram>& translate_duration;
  Family<Histogram>& apply_duration;
  // Calls to vendors: pull pages and webhooks by outcome, and postings
  // (workflow steps) by outcome.
  Family<Counter>& vendor_calls;
  // Webhook deliveries by outcome.
  Family<Counter>& webhooks;
  // Single-writer duties (hub/server/duties.h): 1 while held.
  Family<Gauge>& duties_held;
  // IngestStream's flow control: messages read and not yet answered, over
  // every stream now; and the most any one stream has held since the hub
  // started (never above --ingest-stream-max-in-flight).
  Gauge& ingest_stream_in_flight;
  Gauge& ingest_stream_in_flight_max;

  // Sets the function that reads the stored state at scrape time (none:
  // those families have no samples). It is called at most once per scrape.
  void SetStateSource(std::function<StateSamples()> source);

 private:
  StateSamples State();
};

// The process-wide metrics.
HubMetrics& Metrics();

}  // namespace revhub::observability

#endif  // REVHUB_HUB_OBSERVABILITY_HUB_METRICS_H_
