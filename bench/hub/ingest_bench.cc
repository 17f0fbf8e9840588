// Unary durable ingest and canonical upsert of a real revhubd, against a
// bare gRPC unary echo measured in the same run.
//
// Starts revhubd (build/bin) on a loopback port with a fresh data folder,
// and an EchoServer (bench/hub/echo_server.h) inside this process: a gRPC
// server that returns the request's bytes. The echo gets the very message
// revhubd gets (a 1 KiB-payload IngestRequest, an UpsertCustomerRequest)
// over the same kind of channels, with the same metadata, from the same
// drivers (bench/hub/load_driver.h), so the ratio of the two is what the
// hub adds to a unary call. Measured, each three times (medians printed):
//   1. throughput: Ingest with 1, 16 and 64 calls in flight, the echo at
//      the same concurrency right after each (closed loop); with one in
//      flight also a GetSystem read, a hub call that writes nothing;
//   2. latency: 64 in flight is taken as Ingest's peak; Ingest is then sent
//      at half that rate on a fixed schedule (open loop, at most 64 in
//      flight, latency from each call's due time), then the echo at the
//      same rate: p50 and p99 of both;
//   3. the same for UpsertCustomer: peak with 64 in flight (echo beside
//      it), then p50/p99 at half of that peak against the echo's.
// It ends with a table: what, revhub, baseline, ratio (revhub / baseline).
// The machine may be shared and noisy: keep --seconds short and read the
// ratios, which pair measurements taken seconds apart.
//
// Usage: ingest_bench [--seconds S] [--store URL]
//   --seconds S  length of each measurement (default 2)
//   --store URL  passed to revhubd as `--store URL`, to take the same
//                figures on another store (e.g. postgres://…); the default
//                is revhubd's embedded SQLite store. A revhubd that does
//                not know the flag refuses to start.
// Exits 1 when revhubd does not start or any call fails.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/hub/echo_server.h"
#include "bench/hub/load_driver.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
using revhub::bench::ClosedLoop;
using revhub::bench::EchoServer;
using revhub::bench::Median;
using revhub::bench::Paced;
using revhub::bench::PacedResult;
using revhub::bench::StartCall;

constexpr int kRuns = 3;
// Calls are spread over this many connections (each its own HTTP/2
// stream window and transport thread), for the hub and the echo alike.
constexpr int kChannels = 8;
constexpr int kPeakInFlight = 64;

std::string g_token;              // the admin token of the hub under test
std::atomic<int64_t> g_sequence;  // makes every idempotency key unique
std::atomic<int64_t> g_failures;  // calls that failed, any target
std::atomic<bool> g_reported;     // the first failure was printed

// A JSON invoice of exactly 1 KiB, as a billing system would send it.
std::string MakePayload() {
  const std::string head = R"({"id":"in_)";
  const std::string tail =
      R"(","object":"invoice","amount_due":1999,"currency":"usd"})";
  return head + std::string(1024 - head.size() - tail.size(), 'x') + tail;
}
const std::string kPayload = MakePayload();

v1::IngestRequest NextIngest() {
  v1::IngestRequest req;
  req.set_system("stripe");
  req.set_object_type("invoice");
  req.set_idempotency_key(absl::StrCat("bench-", g_sequence++));
  req.set_payload(kPayload);
  return req;
}

v1::UpsertCustomerRequest NextUpsert() {
  const int64_t n = g_sequence++;
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name(absl::StrCat("Customer ", n));
  req.mutable_customer()->set_email(absl::StrCat("billing", n, "@example.com"));
  req.mutable_customer()->set_currency_code("EUR");
  req.set_idempotency_key(absl::StrCat("bench-", n));
  return req;
}

// Counts a failed call; prints the first one, which says what went wrong.
bool Check(const char* what, const grpc::Status& status, bool answer_ok) {
  if (status.ok() && answer_ok) return true;
  ++g_failures;
  if (!g_reported.exchange(true)) {
    std::fprintf(stderr, "%s failed: %s%s\n", what,
                 status.ok() ? "unexpected answer" : "",
                 status.error_message().c_str());
  }
  return false;
}

template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
};

// Makes a call object with its request and the admin token (sent to the
// echo too, so both carry the same metadata).
template <typename Req, typename Resp>
Call<Req, Resp>* NewCall(Req req) {
  auto* call = new Call<Req, Resp>;
  call->req = std::move(req);
  call->ctx.AddMetadata("authorization", "Bearer " + g_token);
  return call;
}

// The stubs of one server, one per connection.
template <typename Stub>
std::vector<std::unique_ptr<Stub>> Stubs(const std::string& address) {
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    stubs.push_back(
        std::make_unique<Stub>(revhub::bench::SeparateChannel(address, i)));
  }
  return stubs;
}

template <typename Req>
using EchoStub = grpc::TemplatedGenericStub<Req, Req>;

// The echo of a `Req` made by `next`: succeeds when the same request comes
// back.
template <typename Req>
StartCall Echo(std::vector<std::unique_ptr<EchoStub<Req>>>* stubs,
               Req (*next)()) {
  return [stubs, next](int64_t i, std::function<void(bool)> done) {
    auto* call = NewCall<Req, Req>(next());
    (*stubs)[i % kChannels]->UnaryCall(
        &call->ctx, EchoServer::kMethod, grpc::StubOptions(), &call->req,
        &call->resp, [call, done = std::move(done)](grpc::Status st) {
          const bool ok = Check(
              "echo", st,
              call->resp.idempotency_key() == call->req.idempotency_key());
          delete call;
          done(ok);
        });
  };
}

StartCall HubIngest(
    std::vector<std::unique_ptr<v1::IngestService::Stub>>* stubs) {
  return [stubs](int64_t i, std::function<void(bool)> done) {
    auto* call = NewCall<v1::IngestRequest, v1::IngestResponse>(NextIngest());
    (*stubs)[i % kChannels]->async()->Ingest(
        &call->ctx, &call->req, &call->resp,
        [call, done = std::move(done)](grpc::Status st) {
          const bool ok =
              Check("Ingest", st,
                    call->resp.record_id() > 0 && !call->resp.duplicate());
          delete call;
          done(ok);
        });
  };
}

StartCall HubUpsert(
    std::vector<std::unique_ptr<v1::CustomerService::Stub>>* stubs) {
  return [stubs](int64_t i, std::function<void(bool)> done) {
    auto* call = NewCall<v1::UpsertCustomerRequest, v1::UpsertCustomerResponse>(
        NextUpsert());
    (*stubs)[i % kChannels]->async()->UpsertCustomer(
        &call->ctx, &call->req, &call->resp,
        [call, done = std::move(done)](grpc::Status st) {
          const bool ok = Check(
              "UpsertCustomer", st,
              call->resp.changed() && !call->resp.customer().id().empty());
          delete call;
          done(ok);
        });
  };
}

StartCall HubRead(
    std::vector<std::unique_ptr<v1::SystemRegistryService::Stub>>* stubs) {
  return [stubs](int64_t i, std::function<void(bool)> done) {
    v1::GetSystemRequest req;
    req.set_name("stripe");
    auto* call =
        NewCall<v1::GetSystemRequest, v1::GetSystemResponse>(std::move(req));
    (*stubs)[i % kChannels]->async()->GetSystem(
        &call->ctx, &call->req, &call->resp,
        [call, done = std::move(done)](grpc::Status st) {
          const bool ok =
              Check("GetSystem", st, call->resp.system().name() == "stripe");
          delete call;
          done(ok);
        });
  };
}

// One line of the closing table.
struct Row {
  std::string what, revhub, baseline;
  double ratio;
};
std::vector<Row> g_rows;

void AddRateRow(const std::string& what, double revhub, double echo) {
  g_rows.push_back({what, absl::StrFormat("%.0f/s", revhub),
                    absl::StrFormat("echo %.0f/s", echo), revhub / echo});
}

// Closed loop at `in_flight`, the hub then the echo, kRuns times; returns
// the two medians. `label` names the hub call in the per-run lines.
std::pair<double, double> Throughput(const std::string& label,
                                     const StartCall& hub,
                                     const StartCall& echo, int in_flight,
                                     double seconds) {
  std::vector<double> hub_rates, echo_rates;
  for (int r = 0; r < kRuns; ++r) {
    hub_rates.push_back(ClosedLoop(hub, in_flight, seconds).calls_per_second);
    echo_rates.push_back(ClosedLoop(echo, in_flight, seconds).calls_per_second);
    std::printf("  %-10s %2d in flight, run %d: %8.0f/s   echo %8.0f/s\n",
                label.c_str(), in_flight, r + 1, hub_rates.back(),
                echo_rates.back());
    std::fflush(stdout);
  }
  return {Median(hub_rates), Median(echo_rates)};
}

// Open loop at `rate` (kPeakInFlight at most in flight), the hub then the
// echo, kRuns times; adds the p50 and p99 rows of the medians.
void Latency(const std::string& label, const StartCall& hub,
             const StartCall& echo, double rate, double seconds) {
  std::vector<double> hub50, hub99, echo50, echo99;
  for (int r = 0; r < kRuns; ++r) {
    const PacedResult h = Paced(hub, rate, kPeakInFlight, seconds);
    const PacedResult e = Paced(echo, rate, kPeakInFlight, seconds);
    hub50.push_back(h.p50_ms);
    hub99.push_back(h.p99_ms);
    echo50.push_back(e.p50_ms);
    echo99.push_back(e.p99_ms);
    std::printf(
        "  %-10s at %.0f/s, run %d: p50 %6.2f p99 %7.2f max %7.2f ms "
        "(%.0f/s done, %lld sent late)   echo p50 %5.2f p99 %6.2f ms "
        "(%lld late)\n",
        label.c_str(), rate, r + 1, h.p50_ms, h.p99_ms, h.max_ms,
        h.achieved_per_second, static_cast<long long>(h.sent_late), e.p50_ms,
        e.p99_ms, static_cast<long long>(e.sent_late));
    std::fflush(stdout);
  }
  const std::string at = absl::StrFormat(" at %.0f/s (half of peak)", rate);
  for (auto [name, h, e] : {std::tuple{"p50", Median(hub50), Median(echo50)},
                            std::tuple{"p99", Median(hub99), Median(echo99)}}) {
    g_rows.push_back({label + " " + name + at, absl::StrFormat("%.2f ms", h),
                      absl::StrFormat("echo %.2f ms", e), h / e});
  }
}

bool RegisterStripe(const std::shared_ptr<grpc::Channel>& channel) {
  auto registry = v1::SystemRegistryService::NewStub(channel);
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name("stripe");
  req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
  grpc::ClientContext ctx;
  v1::RegisterSystemResponse resp;
  const grpc::Status st = registry->RegisterSystem(&ctx, req, &resp);
  if (!st.ok()) {
    std::fprintf(stderr, "RegisterSystem: %s\n", st.error_message().c_str());
  }
  return st.ok();
}

void Usage() {
  std::fprintf(stderr, "usage: ingest_bench [--seconds S] [--store URL]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", 0);
  double seconds = 2;
  std::string store;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) Usage();
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
      if (seconds <= 0) Usage();
    } else if (std::strcmp(argv[i], "--store") == 0) {
      store = argv[i + 1];
    } else {
      Usage();
    }
  }

  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub(dir.path());
  if (!store.empty()) hub.set_extra_args({"--store", store});
  if (!hub.Start()) {
    std::fprintf(stderr, "cannot start revhubd%s: %s\n",
                 store.empty() ? "" : (" with --store " + store).c_str(),
                 hub.error().c_str());
    return 1;
  }
  g_token = revhub::testing::ReadAdminToken(dir.path());
  if (!RegisterStripe(hub.channel())) return 1;
  auto echo = EchoServer::Start();
  if (!echo.ok()) {
    std::fprintf(stderr, "%s\n", echo.status().ToString().c_str());
    return 1;
  }

  auto ingest_stubs = Stubs<v1::IngestService::Stub>(hub.address());
  auto customer_stubs = Stubs<v1::CustomerService::Stub>(hub.address());
  auto registry_stubs = Stubs<v1::SystemRegistryService::Stub>(hub.address());
  auto echo_ingest_stubs =
      Stubs<EchoStub<v1::IngestRequest>>((*echo)->address());
  auto echo_upsert_stubs =
      Stubs<EchoStub<v1::UpsertCustomerRequest>>((*echo)->address());
  const StartCall ingest = HubIngest(&ingest_stubs);
  const StartCall upsert = HubUpsert(&customer_stubs);
  const StartCall read = HubRead(&registry_stubs);
  const StartCall echo_ingest = Echo(&echo_ingest_stubs, &NextIngest);
  const StartCall echo_upsert = Echo(&echo_upsert_stubs, &NextUpsert);

  std::printf(
      "revhubd on %s (store: %s), echo on %s; %zu-byte payloads, "
      "%.1f s per measurement, medians of %d\n",
      hub.address().c_str(),
      store.empty() ? "SQLite, synchronous=FULL" : store.c_str(),
      (*echo)->address().c_str(), kPayload.size(), seconds, kRuns);
  // Connections, the hub's caches and the store's pages warm up first.
  for (const StartCall* warm : {&ingest, &echo_ingest, &upsert, &echo_upsert}) {
    ClosedLoop(*warm, 16, 0.5);
  }

  std::printf("throughput (closed loop):\n");
  {
    std::vector<double> reads, echoes;
    for (int r = 0; r < kRuns; ++r) {
      reads.push_back(ClosedLoop(read, 1, seconds).calls_per_second);
      echoes.push_back(ClosedLoop(echo_ingest, 1, seconds).calls_per_second);
      std::printf("  %-10s %2d in flight, run %d: %8.0f/s   echo %8.0f/s\n",
                  "GetSystem", 1, r + 1, reads.back(), echoes.back());
    }
    AddRateRow("read (GetSystem), 1 in flight", Median(reads), Median(echoes));
  }
  double ingest_peak = 0;
  for (int in_flight : {1, 16, kPeakInFlight}) {
    auto [h, e] = Throughput("Ingest", ingest, echo_ingest, in_flight, seconds);
    AddRateRow(absl::StrCat("durable Ingest, ", in_flight, " in flight"), h, e);
    ingest_peak = h;
  }
  auto [upsert_peak, upsert_echo] =
      Throughput("Upsert", upsert, echo_upsert, kPeakInFlight, seconds);
  AddRateRow(absl::StrCat("UpsertCustomer, ", kPeakInFlight, " in flight"),
             upsert_peak, upsert_echo);

  std::printf("latency (open loop at half of peak, at most %d in flight):\n",
              kPeakInFlight);
  Latency("Ingest", ingest, echo_ingest, ingest_peak / 2, seconds);
  Latency("Upsert", upsert, echo_upsert, upsert_peak / 2, seconds);

  // Stopped before the table, so the hub's last log lines come above it.
  std::fflush(stdout);
  hub.Stop();
  std::printf("\n%-44s %12s %16s %8s\n", "what", "revhub", "baseline", "ratio");
  for (const Row& row : g_rows) {
    std::printf("%-44s %12s %16s %8.3f\n", row.what.c_str(), row.revhub.c_str(),
                row.baseline.c_str(), row.ratio);
  }
  std::printf(
      "(ratio = revhub / baseline: for rates higher is better, for "
      "latencies lower)\n");
  if (g_failures > 0) {
    std::fprintf(stderr, "%lld calls failed\n",
                 static_cast<long long>(g_failures.load()));
    return 1;
  }
  return 0;
}
