// How fast a pull stores what it reads: a backfill of N Stripe objects from
// the Stripe emulator through the real Stripe adapter and revhubd's sync
// engine, against durable Ingest of the same objects called directly, in
// the same run on the same machine.
//
//   1. the emulator generates N linked objects (customers, products,
//      prices, subscriptions, invoices, …);
//   2. pull: revhubd registers the Stripe system with a schedule for each
//      type the adapter reads and one `RunSync` pulls them all (pages of
//      100, up to 4 types at once); the time is from the call to the end of
//      the stream;
//   3. ingest: the same objects, read from the emulator's control API, are
//      sent with `Ingest` to the same Stripe system registered on a fresh
//      revhubd, by 4 clients (the pull's concurrency), and on another fresh
//      one by 16.
// Each figure is the time until every object is stored (durable); the
// ingest pipeline translates alongside in all three, as it would in use.
// It prints objects/s for each and the ratios pull / Ingest.
//
// Usage: sync_bench [--objects N]
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "revhub/hub/v1/sync_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"
#include "tests/support/vendor_emulator.h"

namespace {

namespace v1 = revhub::hub::v1;
using Clock = std::chrono::steady_clock;

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  return c;
}

bool Register(v1::SystemRegistryService::Stub& registry,
              const nlohmann::json& system) {
  v1::RegisterSystemRequest req;
  if (!google::protobuf::util::JsonStringToMessage(
           nlohmann::json{{"system", system}, {"replaceExisting", true}}.dump(),
           &req)
           .ok()) {
    return false;
  }
  v1::RegisterSystemResponse resp;
  grpc::Status st = registry.RegisterSystem(Context().get(), req, &resp);
  if (!st.ok())
    std::fprintf(stderr, "register: %s\n", st.error_message().c_str());
  return st.ok();
}

// Ingests `payloads` ((type, JSON) pairs) into `system` with `clients`
// concurrent callers; returns seconds, or -1 on an error.
double IngestAll(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& system,
    const std::vector<std::pair<std::string, std::string>>& payloads,
    int clients) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto stub = v1::IngestService::NewStub(channel);
      for (size_t i = next++; i < payloads.size(); i = next++) {
        v1::IngestRequest req;
        req.set_system(system);
        req.set_object_type(payloads[i].first);
        req.set_payload(payloads[i].second);
        v1::IngestResponse resp;
        grpc::Status st = stub->Ingest(Context().get(), req, &resp);
        if (!st.ok()) {
          std::fprintf(stderr, "ingest: %s\n", st.error_message().c_str());
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return -1;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

// A fresh revhubd with the Stripe system registered (a sync schedule per
// readable type when `with_sync`); returns the readable types.
struct StripeHub {
  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub{dir.path()};
  std::vector<std::string> types;

  bool Start(const std::string& api_base) {
    if (!hub.Start()) {
      std::fprintf(stderr, "revhubd did not start: %s\n", hub.error().c_str());
      return false;
    }
    auto registry = v1::SystemRegistryService::NewStub(hub.channel());
    nlohmann::json system{
        {"name", "stripe"},
        {"kind", "SYSTEM_KIND_BILLING"},
        {"adapter", {{"launch", {{"command", "revhub-adapter-stripe"}}}}},
        {"config", {{"secret_key", "sk_test_bench"}, {"api_base", api_base}}}};
    if (!Register(*registry, system)) return false;
    auto pipeline = v1::PipelineService::NewStub(hub.channel());
    v1::DescribeSystemAdapterRequest describe;
    describe.set_system("stripe");
    v1::DescribeSystemAdapterResponse description;
    if (!pipeline
             ->DescribeSystemAdapter(Context().get(), describe, &description)
             .ok()) {
      std::fprintf(stderr, "describe failed\n");
      return false;
    }
    nlohmann::json sync = nlohmann::json::array();
    for (const auto& t : description.description().readable_object_types()) {
      types.push_back(t.object_type());
      sync.push_back({{"objectType", t.object_type()}, {"pageSize", 100}});
    }
    system["sync"] = sync;
    return Register(*registry, system);
  }
};

int main(int argc, char** argv) {
  int objects = 10000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--objects") == 0)
      objects = std::atoi(argv[i + 1]);
  }
  revhub::testing::VendorEmulator stripe("stripe-emulator",
                                         {"--api-key=sk_test_bench"});
  stripe.Generate(objects);
  StripeHub pull_hub;
  if (!pull_hub.Start(stripe.base_url())) return 1;
  const std::vector<std::string>& types = pull_hub.types;
  auto& hub = pull_hub.hub;

  // Pull.
  auto sync_stub = v1::SyncService::NewStub(hub.channel());
  v1::RunSyncRequest run;
  run.set_system("stripe");
  const auto pull_start = Clock::now();
  auto ctx = Context();
  auto reader = sync_stub->RunSync(ctx.get(), run);
  v1::RunSyncResponse progress;
  int64_t pulled = 0;
  while (reader->Read(&progress)) {
    if (progress.done()) pulled += progress.new_records();
  }
  grpc::Status st = reader->Finish();
  const double pull_seconds =
      std::chrono::duration<double>(Clock::now() - pull_start).count();
  if (!st.ok()) {
    std::fprintf(stderr, "pull: %s\n", st.error_message().c_str());
    return 1;
  }

  // The same objects, ingested directly.
  std::vector<std::pair<std::string, std::string>> payloads;
  for (const auto& t : types) {
    for (const auto& o : stripe.Objects(t)) payloads.emplace_back(t, o.dump());
  }
  hub.Stop();
  double ingest4 = -1, ingest16 = -1;
  {
    StripeHub h;
    if (!h.Start(stripe.base_url())) return 1;
    ingest4 = IngestAll(h.hub.channel(), "stripe", payloads, 4);
  }
  {
    StripeHub h;
    if (!h.Start(stripe.base_url())) return 1;
    ingest16 = IngestAll(h.hub.channel(), "stripe", payloads, 16);
  }
  if (ingest4 < 0 || ingest16 < 0) return 1;

  const double n = static_cast<double>(payloads.size());
  std::printf("objects: %zu (pulled %lld)\n", payloads.size(),
              static_cast<long long>(pulled));
  std::printf("pull (RunSync, pages of 100):  %8.0f objects/s  (%.2f s)\n",
              pulled / pull_seconds, pull_seconds);
  std::printf("Ingest, 4 clients:             %8.0f objects/s  (%.2f s)\n",
              n / ingest4, ingest4);
  std::printf("Ingest, 16 clients:            %8.0f objects/s  (%.2f s)\n",
              n / ingest16, ingest16);
  std::printf("ratio pull / Ingest(4):  %.2f\n",
              (pulled / pull_seconds) / (n / ingest4));
  std::printf("ratio pull / Ingest(16): %.2f\n",
              (pulled / pull_seconds) / (n / ingest16));
  return 0;
}
