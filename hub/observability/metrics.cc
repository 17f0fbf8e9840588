#include "hub/observability/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace revhub::observability {
namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "metrics: %s\n", why.c_str());
  std::abort();
}

void AtomicAdd(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

// Appends {a="x",b="y"} (nothing without labels); `extra` is one more
// label (le) appended last when not empty.
void AppendLabels(std::string* out, const std::vector<std::string>& names,
                  const LabelValues& values, absl::string_view extra_name = "",
                  absl::string_view extra_value = "") {
  if (names.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, names[i], "=\"", EscapeLabelValue(values[i]), "\"");
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    absl::StrAppend(out, extra_name, "=\"", extra_value, "\"");
  }
  out->push_back('}');
}

void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& names,
                  const LabelValues& values, double v,
                  absl::string_view extra_name = "",
                  absl::string_view extra_value = "") {
  out->append(name.data(), name.size());
  AppendLabels(out, names, values, extra_name, extra_value);
  absl::StrAppend(out, " ", FormatValue(v), "\n");
}

}  // namespace

void Counter::Inc(double v) {
  if (!(v >= 0)) Die("a counter only goes up");
  AtomicAdd(value_, v);
}

void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds->size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_->size() && v > (*bounds_)[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t n = 0;
  for (size_t k = 0; k <= i && k <= bounds_->size(); ++k) {
    n += buckets_[k].load(std::memory_order_relaxed);
  }
  return n;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10,   30};
}

template <typename T>
T& Family<T>::WithLabels(const LabelValues& values) {
  if (values.size() != labels_.size()) {
    Die(absl::StrCat(name_, ": ", values.size(), " label values for ",
                     labels_.size(), " labels"));
  }
  Shard& shard = shards_[absl::Hash<LabelValues>{}(values) % 16];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.children.find(values);
  if (it != shard.children.end()) return *it->second;
  std::unique_ptr<T> child;
  if constexpr (std::is_same_v<T, Histogram>) {
    child = std::make_unique<Histogram>(&bounds_);
  } else {
    child = std::make_unique<T>();
  }
  T& ref = *child;
  shard.children.emplace(values, std::move(child));
  return ref;
}

template <typename T>
std::vector<std::pair<LabelValues, const T*>> Family<T>::Children() const {
  std::vector<std::pair<LabelValues, const T*>> out;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [values, child] : shard.children) {
      out.emplace_back(values, child.get());
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::Declare(const std::string& name,
                                   const std::string& help, Type type,
                                   const std::vector<std::string>& labels) {
  if (!IsValidMetricName(name)) Die(absl::StrCat("bad metric name ", name));
  std::set<std::string> seen;
  for (const std::string& l : labels) {
    if (!IsValidLabelName(l) || (type == Type::kHistogram && l == "le") ||
        !seen.insert(l).second) {
      Die(absl::StrCat(name, ": bad or repeated label name ", l));
    }
  }
  for (const auto& e : entries_) {
    if (e->name == name) Die(absl::StrCat(name, ": declared twice"));
  }
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->type = type;
  e->labels = labels;
  entries_.push_back(std::move(e));
  return *entries_.back();
}

Family<Counter>& Registry::AddCounter(const std::string& name,
                                      const std::string& help,
                                      std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = Declare(name, help, Type::kCounter, labels);
  counters_.emplace_back(new Family<Counter>(name, std::move(labels), {}));
  e.counter = counters_.back().get();
  return *e.counter;
}

Family<Gauge>& Registry::AddGauge(const std::string& name,
                                  const std::string& help,
                                  std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = Declare(name, help, Type::kGauge, labels);
  gauges_.emplace_back(new Family<Gauge>(name, std::move(labels), {}));
  e.gauge = gauges_.back().get();
  return *e.gauge;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name,
                                          const std::string& help,
                                          std::vector<std::string> labels,
                                          std::vector<double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Die(absl::StrCat(name, ": bucket bounds must increase and be finite"));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = Declare(name, help, Type::kHistogram, labels);
  histograms_.emplace_back(
      new Family<Histogram>(name, std::move(labels), std::move(bounds)));
  e.histogram = histograms_.back().get();
  return *e.histogram;
}

void Registry::AddCollected(const std::string& name, const std::string& help,
                            std::vector<std::string> labels, bool counter,
                            Collector collect) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e =
      Declare(name, help, counter ? Type::kCounter : Type::kGauge, labels);
  e.collect = std::move(collect);
}

std::string Registry::Scrape() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& e : entries_) {
    absl::StrAppend(&out, "# HELP ", e->name, " ", EscapeHelp(e->help), "\n");
    const char* type = e->type == Type::kCounter ? "counter"
                       : e->type == Type::kGauge ? "gauge"
                                                 : "histogram";
    absl::StrAppend(&out, "# TYPE ", e->name, " ", type, "\n");
    if (e->collect) {
      std::vector<CollectedSample> samples = e->collect();
      std::sort(
          samples.begin(), samples.end(),
          [](const auto& a, const auto& b) { return a.labels < b.labels; });
      for (const auto& s : samples) {
        if (s.labels.size() != e->labels.size()) {
          Die(absl::StrCat(e->name, ": collector returned ", s.labels.size(),
                           " label values for ", e->labels.size(), " labels"));
        }
        AppendSample(&out, e->name, e->labels, s.labels, s.value);
      }
    } else if (e->counter != nullptr) {
      for (const auto& [values, c] : e->counter->Children()) {
        AppendSample(&out, e->name, e->labels, values, c->Value());
      }
    } else if (e->gauge != nullptr) {
      for (const auto& [values, g] : e->gauge->Children()) {
        AppendSample(&out, e->name, e->labels, values, g->Value());
      }
    } else {
      const std::vector<double>& bounds = e->histogram->bounds_;
      const std::string bucket = e->name + "_bucket";
      for (const auto& [values, h] : e->histogram->Children()) {
        // Cumulative counts read in order, so the +Inf bucket (the count)
        // is never below a finite one while observations go on.
        uint64_t cumulative = 0;
        std::vector<uint64_t> counts;
        for (size_t i = 0; i <= bounds.size(); ++i) {
          cumulative = h->CumulativeCount(i);
          counts.push_back(cumulative);
        }
        for (size_t i = 0; i < bounds.size(); ++i) {
          AppendSample(&out, bucket, e->labels, values,
                       static_cast<double>(counts[i]), "le",
                       FormatValue(bounds[i]));
        }
        AppendSample(&out, bucket, e->labels, values,
                     static_cast<double>(counts.back()), "le", "+Inf");
        AppendSample(&out, e->name + "_sum", e->labels, values, h->Sum());
        AppendSample(&out, e->name + "_count", e->labels, values,
                     static_cast<double>(counts.back()));
      }
    }
  }
  return out;
}

std::string EscapeLabelValue(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace revhub::observability
