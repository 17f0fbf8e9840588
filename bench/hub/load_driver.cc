#include "bench/hub/load_driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace revhub::bench {
namespace {

using Clock = std::chrono::steady_clock;

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(s));
}

double Since(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

// Counts calls in flight; Wait() returns once none is.
class InFlight {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
  }
  void Remove() {
    std::lock_guard<std::mutex> lock(mu_);
    --count_;
    cv_.notify_all();
  }
  // Blocks until fewer than `limit` calls are in flight, then counts one
  // more.
  void AddBelow(int limit) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return count_ < limit; });
    ++count_;
  }
  void WaitForNone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

}  // namespace

ClosedLoopResult ClosedLoop(const StartCall& start, int in_flight,
                            double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> next{0}, ok{0}, failed{0};
  InFlight flying;
  // Each chain starts its next call from the previous one's completion
  // (never blocking the gRPC thread that runs it) until told to stop.
  std::function<void()> chain = [&] {
    flying.Add();
    start(next++, [&](bool succeeded) {
      if (!stop.load()) {
        ++(succeeded ? ok : failed);
        chain();
      }
      flying.Remove();
    });
  };
  const auto begin = Clock::now();
  for (int i = 0; i < in_flight; ++i) chain();
  std::this_thread::sleep_until(begin + Seconds(seconds));
  stop = true;
  const double elapsed = Since(begin, Clock::now());
  flying.WaitForNone();
  ClosedLoopResult r;
  r.ok = ok.load();
  r.failed = failed.load();
  r.calls_per_second = static_cast<double>(r.ok) / elapsed;
  return r;
}

PacedResult Paced(const StartCall& start, double rate, int max_in_flight,
                  double seconds) {
  PacedResult r;
  r.offered_per_second = rate;
  std::mutex mu;
  std::vector<double> latencies_ms;
  int64_t failed = 0;
  Clock::time_point last_end;
  InFlight flying;
  const auto begin = Clock::now();
  const auto end = begin + Seconds(seconds);
  for (int64_t i = 0;; ++i) {
    const auto due = begin + Seconds(static_cast<double>(i) / rate);
    if (due >= end) break;
    std::this_thread::sleep_until(due);
    flying.AddBelow(max_in_flight);
    if (Clock::now() - due > std::chrono::milliseconds(1)) ++r.sent_late;
    ++r.sent;
    start(i, [&, due](bool succeeded) {
      const auto now = Clock::now();
      {
        std::lock_guard<std::mutex> lock(mu);
        if (succeeded) {
          latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(now - due).count());
        } else {
          ++failed;
        }
        last_end = std::max(last_end, now);
      }
      flying.Remove();
    });
  }
  flying.WaitForNone();
  std::lock_guard<std::mutex> lock(mu);
  r.failed = failed;
  r.achieved_per_second =
      static_cast<double>(latencies_ms.size()) / Since(begin, last_end);
  r.p50_ms = Quantile(latencies_ms, 0.50);
  r.p99_ms = Quantile(latencies_ms, 0.99);
  r.max_ms = Quantile(latencies_ms, 1.0);
  return r;
}

double Median(std::vector<double> values) { return Quantile(values, 0.5); }

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank =
      static_cast<size_t>(q * static_cast<double>(values.size()));
  return values[std::min(values.size() - 1, rank)];
}

}  // namespace revhub::bench
