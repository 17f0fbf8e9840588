// Durable ingest throughput of a real revhubd, and what group commit buys.
//
// Starts revhubd (build/bin) on a loopback port with a fresh data folder and
// measures, in one run:
//   BM_ReadBaseline   a GetSystem round trip: the cost of a call that
//                     touches no disk write (the floor for any request);
//   BM_Ingest/1       Ingest from one client: every record waits for its
//                     own fsync (synchronous=FULL);
//   BM_Ingest/16      Ingest from 16 concurrent clients: the writer commits
//                     the records that arrive together in one transaction.
// The machine is shared and noisy, so the figures that matter are the
// ratios printed at the end, measured in the same run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <map>

#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;

std::shared_ptr<grpc::Channel> g_channel;
std::atomic<int64_t> g_sequence{0};
std::map<std::string, double> g_rates;  // benchmark name -> per second

const std::string kPayload =
    std::string(R"({"id":"in_)") + std::string(900, 'x') +
    R"(","object":"invoice","amount_due":1999,"currency":"usd"})";

void BM_ReadBaseline(benchmark::State& state) {
  auto stub = v1::SystemRegistryService::NewStub(g_channel);
  v1::GetSystemRequest req;
  req.set_name("stripe");
  for (auto _ : state) {
    grpc::ClientContext ctx;
    v1::GetSystemResponse resp;
    if (!stub->GetSystem(&ctx, req, &resp).ok())
      state.SkipWithError("GetSystem failed");
  }
  state.counters["calls"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadBaseline)->UseRealTime()->MinTime(2.0);

void BM_Ingest(benchmark::State& state) {
  auto stub = v1::IngestService::NewStub(g_channel);
  for (auto _ : state) {
    v1::IngestRequest req;
    req.set_system("stripe");
    req.set_object_type("invoice");
    req.set_idempotency_key("bench-" + std::to_string(g_sequence++));
    req.set_payload(kPayload);
    grpc::ClientContext ctx;
    v1::IngestResponse resp;
    if (!stub->Ingest(&ctx, req, &resp).ok())
      state.SkipWithError("Ingest failed");
  }
  state.counters["records"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Ingest)->Threads(1)->Threads(16)->UseRealTime()->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", 0);
  benchmark::Initialize(&argc, argv);
  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub(dir.path());
  if (!hub.Start()) {
    std::fprintf(stderr, "cannot start revhubd: %s\n", hub.error().c_str());
    return 1;
  }
  g_channel = hub.channel();
  {
    auto registry = v1::SystemRegistryService::NewStub(g_channel);
    v1::RegisterSystemRequest req;
    req.mutable_system()->set_name("stripe");
    req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
    grpc::ClientContext ctx;
    v1::RegisterSystemResponse resp;
    if (!registry->RegisterSystem(&ctx, req, &resp).ok()) return 1;
  }

  // Collect the rates as the reporter sees them.
  class Collector : public benchmark::ConsoleReporter {
   public:
    void ReportRuns(const std::vector<Run>& runs) override {
      for (const Run& r : runs) {
        double seconds = r.real_accumulated_time;
        if (seconds > 0) g_rates[r.benchmark_name()] = r.iterations / seconds;
      }
      ConsoleReporter::ReportRuns(runs);
    }
  } reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  hub.Stop();

  double read = 0, one = 0, many = 0;
  for (const auto& [name, rate] : g_rates) {
    if (name.find("BM_ReadBaseline") == 0) read = rate;
    if (name.find("BM_Ingest/") == 0 &&
        name.find("threads:1") != std::string::npos &&
        name.find("threads:16") == std::string::npos) {
      one = rate;
    }
    if (name.find("threads:16") != std::string::npos) many = rate;
  }
  if (read > 0 && one > 0 && many > 0) {
    std::printf("\ndurable ingest, %zu-byte payloads (synchronous=FULL):\n",
                kPayload.size());
    std::printf("  read round trip (baseline)  %9.0f calls/s\n", read);
    std::printf(
        "  ingest, 1 client            %9.0f records/s = %.3f of the read "
        "baseline\n",
        one, one / read);
    std::printf(
        "  ingest, 16 clients          %9.0f records/s = %.2fx one client "
        "(group commit)\n",
        many, many / one);
  }
  return 0;
}
