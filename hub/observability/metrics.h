// Metrics: counters, gauges and histograms with labels, exposed in the
// Prometheus text format 0.0.4 (https://prometheus.io/docs/instrumenting/
// exposition_formats/), for GET /metrics.
//
// A Registry holds metric families by name. A family is declared once with
// its name, help text and label names; its children (one per combination of
// label values) are looked up with WithLabels() and live as long as the
// registry, so a caller may keep the reference and update it without any
// lookup. Besides stored children, a family may have a collector: a function
// called at scrape time that returns the samples of state kept elsewhere
// (counts in the store), which then replace the family's stored children.
//
// Thread-safety: everything is thread-safe. Updates of a child are lock-free
// atomics; WithLabels() takes one of 16 shard locks (chosen by the label
// values' hash) only to find or create the child, never a global lock.
// Scrape() reads children while updates go on: each sample is consistent on
// its own, the exposition as a whole is not a snapshot (as in Prometheus's
// own clients).
//
// Names are checked when a family is declared: metric names match
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do not
// start with "__"; a bad name, a name declared twice, or WithLabels() with
// the wrong number of values is a programming error and aborts.
#ifndef REVHUB_HUB_OBSERVABILITY_METRICS_H_
#define REVHUB_HUB_OBSERVABILITY_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace revhub::observability {

using LabelValues = std::vector<std::string>;

// A value that only goes up (requests served, records applied).
class Counter {
 public:
  // REQUIRES: v >= 0.
  void Inc(double v = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (records waiting now).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in buckets by upper bound (le), with their sum and
// count; the +Inf bucket is the count.
class Histogram {
 public:
  // REQUIRES: bounds strictly increasing and finite.
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);
  // Cumulative count of bucket i (bounds->size() is +Inf).
  uint64_t CumulativeCount(size_t i) const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // not cumulative
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Buckets for latencies in seconds: 1 ms to 30 s.
std::vector<double> LatencyBuckets();

// One sample a collector returns: label values (in the family's label
// order) and the value.
struct CollectedSample {
  LabelValues labels;
  double value = 0;
};
using Collector = std::function<std::vector<CollectedSample>()>;

class Registry;

// A family of children of type T keyed by label values.
template <typename T>
class Family {
 public:
  // Returns the child for `values` (one per label name, in order), creating
  // it at first use. The reference stays valid for the registry's life.
  T& WithLabels(const LabelValues& values);

 private:
  friend class Registry;
  struct Shard {
    std::mutex mu;
    std::map<LabelValues, std::unique_ptr<T>> children;
  };
  Family(std::string name, std::vector<std::string> labels,
         std::vector<double> bounds)
      : name_(std::move(name)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}
  // The children, sorted by label values.
  std::vector<std::pair<LabelValues, const T*>> Children() const;

  std::string name_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;  // histograms only
  mutable Shard shards_[16];
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Declare a family; the registry owns it. See the header comment for the
  // name rules.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> labels);
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> labels);
  Family<Histogram>& AddHistogram(const std::string& name,
                                  const std::string& help,
                                  std::vector<std::string> labels,
                                  std::vector<double> bounds);
  // A gauge (or counter, `counter` true) family whose samples are what
  // `collect` returns at each scrape.
  void AddCollected(const std::string& name, const std::string& help,
                    std::vector<std::string> labels, bool counter,
                    Collector collect);

  // Returns the exposition of every family, in declaration order.
  std::string Scrape() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Entry {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::string> labels;
    Family<Counter>* counter = nullptr;
    Family<Gauge>* gauge = nullptr;
    Family<Histogram>* histogram = nullptr;
    Collector collect;
  };
  Entry& Declare(const std::string& name, const std::string& help, Type type,
                 const std::vector<std::string>& labels);

  mutable std::mutex mu_;  // declarations and scrapes, never updates
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<Family<Counter>>> counters_;
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_;
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
};

// Text format helpers, exposed for tests.
// Returns `v` escaped for a label value: \ as \\, " as \", newline as \n.
std::string EscapeLabelValue(absl::string_view v);
// Returns `v` escaped for a HELP line: \ as \\, newline as \n.
std::string EscapeHelp(absl::string_view v);
// Returns a sample value: integers without a fraction, others in the
// shortest form that reads back exactly, +Inf, -Inf, NaN.
std::string FormatValue(double v);
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);

}  // namespace revhub::observability

#endif  // REVHUB_HUB_OBSERVABILITY_METRICS_H_
