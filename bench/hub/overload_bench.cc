// How revhubd degrades past saturation: throughput at twice its peak load,
// the share of calls refused, the latency of the calls it admits, and its
// memory.
//
// For each hub configuration it starts a real revhubd (build/bin) on a
// loopback port with a fresh data folder, then:
//   1. peak: closed-loop clients upsert customers back to back for a few
//      seconds, 8 of them, then 16, 32 … (doubling) until a doubling gains
//      less than 10 % (or --max-clients); the best completed rate is the
//      saturation rate P;
//   2. overload: an open-loop generator sends upserts at 2 x P calls per
//      second (each call sent on time whether or not earlier ones returned)
//      for a few seconds, and records each call's outcome and latency.
// It prints throughput at 2x against P (the ratio), the share answered
// RESOURCE_EXHAUSTED, the p50/p99 latency of admitted calls, and the hub's
// VmRSS before and after (and its VmHWM) from /proc/<pid>/status.
// Configurations: the defaults (bounded admission), and an effectively
// unbounded queue (--max-queued-calls 1000000), which is how the hub
// behaved before admission was bounded.
//
// Every call carries the admin token the hub wrote to its data folder.
//
// Usage: overload_bench [--seconds S] [--max-clients N]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
using Clock = std::chrono::steady_clock;

// A field of /proc/<pid>/status in kB ("VmRSS", "VmHWM"), or -1.
long ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::atol(line.c_str() + field.size() + 1);
    }
  }
  return -1;
}

std::atomic<int64_t> g_sequence{0};
std::string g_token;  // the admin token of the hub under test

void Authorize(grpc::ClientContext& ctx) {
  ctx.AddMetadata("authorization", "Bearer " + g_token);
}

v1::UpsertCustomerRequest NextRequest() {
  const int64_t n = g_sequence++;
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name("Customer " + std::to_string(n));
  req.mutable_customer()->set_email("billing" + std::to_string(n) +
                                    "@example.com");
  req.set_idempotency_key("bench-" + std::to_string(n));
  return req;
}

// Separate connections (each its own HTTP/2 stream limit).
std::vector<std::unique_ptr<v1::CustomerService::Stub>> Stubs(
    const std::string& address, int n) {
  std::vector<std::unique_ptr<v1::CustomerService::Stub>> stubs;
  for (int i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("revhub.bench.connection", i);  // distinct channel per stub
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs.push_back(v1::CustomerService::NewStub(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

// Closed loop: `clients` threads call back to back; returns calls/s.
double Peak(const std::string& address, int clients, double seconds) {
  auto stubs = Stubs(address, 8);
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto& stub = *stubs[c % stubs.size()];
      while (!stop) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        Authorize(ctx);
        v1::UpsertCustomerResponse resp;
        if (stub.UpsertCustomer(&ctx, NextRequest(), &resp).ok()) ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(done) / elapsed;
}

struct OverloadResult {
  int64_t sent = 0, ok = 0, exhausted = 0, other = 0;
  double elapsed = 0;
  double p50_ms = 0, p99_ms = 0;
};

// Open loop at `rate` calls/s for `seconds`, then waits for every answer.
OverloadResult Overload(const std::string& address, double rate,
                        double seconds) {
  auto stubs = Stubs(address, 8);
  OverloadResult r;
  std::mutex mu;
  std::vector<double> latencies;
  std::atomic<int64_t> outstanding{0};
  struct Call {
    grpc::ClientContext ctx;
    v1::UpsertCustomerRequest req;
    v1::UpsertCustomerResponse resp;
    Clock::time_point sent;
  };
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seconds));
  int64_t i = 0;
  while (true) {
    const auto due =
        start +
        std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(static_cast<double>(i) / rate));
    if (due >= end) break;
    std::this_thread::sleep_until(due);
    auto* call = new Call;
    call->req = NextRequest();
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(60));
    Authorize(call->ctx);
    call->sent = Clock::now();
    ++outstanding;
    ++r.sent;
    stubs[i % stubs.size()]->async()->UpsertCustomer(
        &call->ctx, &call->req, &call->resp, [&, call](grpc::Status st) {
          const double ms = std::chrono::duration<double, std::milli>(
                                Clock::now() - call->sent)
                                .count();
          {
            std::lock_guard<std::mutex> lock(mu);
            if (st.ok()) {
              ++r.ok;
              latencies.push_back(ms);
            } else if (st.error_code() ==
                       grpc::StatusCode::RESOURCE_EXHAUSTED) {
              ++r.exhausted;
            } else {
              ++r.other;
            }
          }
          delete call;
          --outstanding;
        });
    ++i;
  }
  while (outstanding > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(p * latencies.size()))];
  };
  r.p50_ms = pct(0.50);
  r.p99_ms = pct(0.99);
  return r;
}

struct Saturation {
  int clients = 0;
  double rate = 0;
};

// Doubles the closed-loop clients from 8 until the rate gains less than
// 10 % or `max_clients` is reached; returns the best rate and its clients.
Saturation FindSaturation(const std::string& address, int max_clients,
                          double seconds) {
  Saturation best;
  for (int clients = 8; clients <= max_clients; clients *= 2) {
    const double rate = Peak(address, clients, seconds);
    std::printf("  closed loop, %3d clients: %.0f calls/s\n", clients, rate);
    const bool gained = rate > best.rate * 1.10;
    if (rate > best.rate) best = {clients, rate};
    if (!gained) break;
  }
  return best;
}

void Run(const std::string& label, const std::vector<std::string>& args,
         int max_clients, double seconds) {
  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub(dir.path());
  hub.set_extra_args(args);
  if (!hub.Start()) {
    std::fprintf(stderr, "revhubd did not start: %s\n", hub.error().c_str());
    std::exit(1);
  }
  g_token = revhub::testing::ReadAdminToken(dir.path());
  const long rss_before = ProcStatusKb(hub.pid(), "VmRSS");
  std::printf("== %s\n", label.c_str());
  const Saturation sat = FindSaturation(hub.address(), max_clients, seconds);
  const double peak = sat.rate;
  const long rss_peak = ProcStatusKb(hub.pid(), "VmRSS");
  OverloadResult o = Overload(hub.address(), 2 * peak, seconds);
  const long rss_after = ProcStatusKb(hub.pid(), "VmRSS");
  const long hwm = ProcStatusKb(hub.pid(), "VmHWM");
  const double throughput = static_cast<double>(o.ok) / o.elapsed;
  std::printf("saturation P (%d clients):          %.0f calls/s\n", sat.clients,
              peak);
  std::printf("offered at 2x:                     %.0f calls/s (%lld sent)\n",
              2 * peak, static_cast<long long>(o.sent));
  std::printf(
      "admitted throughput at 2x:         %.0f calls/s = %.2f of peak\n",
      throughput, throughput / peak);
  std::printf("answered RESOURCE_EXHAUSTED:       %.1f%% (other errors %lld)\n",
              100.0 * static_cast<double>(o.exhausted) /
                  static_cast<double>(std::max<int64_t>(o.sent, 1)),
              static_cast<long long>(o.other));
  std::printf("admitted latency p50 / p99:        %.1f / %.1f ms\n", o.p50_ms,
              o.p99_ms);
  std::printf(
      "all answered after:                %.1f s (load lasted %.1f s)\n",
      o.elapsed, seconds);
  std::printf(
      "hub VmRSS before / after peak / after 2x: %ld / %ld / %ld kB "
      "(VmHWM %ld kB)\n",
      rss_before, rss_peak, rss_after, hwm);
  std::fflush(stdout);
  hub.Stop();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int max_clients = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--max-clients") == 0)
      max_clients = std::atoi(argv[i + 1]);
  }
  Run("bounded admission (defaults: 16 workers, --max-queued-calls 256)", {},
      max_clients, seconds);
  Run("unbounded queue (--max-queued-calls 1000000, as before)",
      {"--max-queued-calls", "1000000"}, max_clients, seconds);
  return 0;
}
