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

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/hub/echo_server.h"
#include "bench/hub/hub_calls.h"
#include "bench/hub/load_driver.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
using revhub::bench::Check;
using revhub::bench::ClosedLoop;
using revhub::bench::Comparison;
using revhub::bench::EchoServer;
using revhub::bench::HubIngest;
using revhub::bench::HubUpsert;
using revhub::bench::kChannels;
using revhub::bench::kPeakInFlight;
using revhub::bench::kRuns;
using revhub::bench::NewCall;
using revhub::bench::NextIngest;
using revhub::bench::NextUpsert;
using revhub::bench::StartCall;
using revhub::bench::Stubs;

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
  if (!revhub::bench::StartHub(store, &hub)) return 1;
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
      (*echo)->address().c_str(), revhub::bench::InvoicePayload().size(),
      seconds, kRuns);
  // Connections, the hub's caches and the store's pages warm up first.
  for (const StartCall* warm : {&ingest, &echo_ingest, &upsert, &echo_upsert}) {
    ClosedLoop(*warm, 16, 0.5);
  }

  Comparison cmp("echo");
  std::printf("throughput (closed loop):\n");
  {
    auto [r, e] = cmp.Throughput("GetSystem", read, echo_ingest, 1, seconds);
    cmp.AddRateRow("read (GetSystem), 1 in flight", r, e);
  }
  double ingest_peak = 0;
  for (int in_flight : {1, 16, kPeakInFlight}) {
    auto [h, e] =
        cmp.Throughput("Ingest", ingest, echo_ingest, in_flight, seconds);
    cmp.AddRateRow(absl::StrCat("durable Ingest, ", in_flight, " in flight"), h,
                   e);
    ingest_peak = h;
  }
  auto [upsert_peak, upsert_echo] =
      cmp.Throughput("Upsert", upsert, echo_upsert, kPeakInFlight, seconds);
  cmp.AddRateRow(absl::StrCat("UpsertCustomer, ", kPeakInFlight, " in flight"),
                 upsert_peak, upsert_echo);

  std::printf("latency (open loop at half of peak, at most %d in flight):\n",
              kPeakInFlight);
  cmp.Latency("Ingest", ingest, echo_ingest, ingest_peak / 2, seconds);
  cmp.Latency("Upsert", upsert, echo_upsert, upsert_peak / 2, seconds);

  // Stopped before the table, so the hub's last log lines come above it.
  std::fflush(stdout);
  hub.Stop();
  cmp.Print("revhub", "baseline");
  return revhub::bench::ExitCode();
}
