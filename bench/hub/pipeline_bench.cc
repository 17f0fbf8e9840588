// How fast the pipeline turns a backlog into canonical entities, against
// durable Ingest of the same records, in the same run on the same machine.
//
// Each round starts a fresh revhubd with the "salesforce" system registered
// without an adapter, ingests N Salesforce Accounts (about 1 KiB each) with
// 16 concurrent clients (the time until every one is durable: the ingest
// figure), then registers the real Salesforce adapter and times how long
// the pipeline takes to apply the whole backlog (raw record -> adapter ->
// validation -> upsert with its events -> APPLIED: the pipeline figure).
// Then a second hub ingests the same records with the adapter registered
// from the start, timing until the last one is applied: ingest and the
// pipeline side by side, as in use.
//
// Prints the medians of 3 rounds and the ratio pipeline / Ingest (the
// target is at least 0.5).
//
// Usage: pipeline_bench [--objects N] [--rounds R]
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
using Clock = std::chrono::steady_clock;

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  return c;
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Registers "salesforce" (CRM), with the real adapter when `adapter`.
bool Register(const std::shared_ptr<grpc::Channel>& channel, bool adapter) {
  v1::RegisterSystemRequest req;
  req.set_replace_existing(true);
  v1::System* s = req.mutable_system();
  s->set_name("salesforce");
  s->set_kind(v1::SYSTEM_KIND_CRM);
  if (adapter) {
    s->mutable_adapter()->mutable_launch()->set_command(
        "revhub-adapter-salesforce");
    google::protobuf::TextFormat::ParseFromString(
        R"(fields { key: "default_currency" value { string_value: "EUR" } })",
        s->mutable_config());
  }
  v1::RegisterSystemResponse resp;
  grpc::Status st = v1::SystemRegistryService::NewStub(channel)->RegisterSystem(
      Context().get(), req, &resp);
  if (!st.ok())
    std::fprintf(stderr, "register: %s\n", st.error_message().c_str());
  return st.ok();
}

// A Salesforce Account of about 1 KiB.
std::string Account(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "001K%014d", i);
  return absl::StrCat(
      R"({"attributes": {"type": "Account"}, "Id": ")", id,
      R"(", "Name": "Customer )", i,
      R"(", "CurrencyIsoCode": "EUR", "AccountNumber": "AN-)", i,
      R"(", "Description": ")", std::string(800, 'x'),
      R"(", "SystemModstamp": "2025-03-01T10:00:00.000+0000"})");
}

// Ingests the accounts with `clients` concurrent callers; seconds, or -1.
double IngestAll(const std::shared_ptr<grpc::Channel>& channel,
                 const std::vector<std::string>& payloads, int clients) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto stub = v1::IngestService::NewStub(channel);
      for (size_t i = next++; i < payloads.size(); i = next++) {
        v1::IngestRequest req;
        req.set_system("salesforce");
        req.set_object_type("Account");
        req.set_payload(payloads[i]);
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
  return failed ? -1 : Since(start);
}

// Waits until no record is RECEIVED or WAITING; false after 10 minutes or
// when a record failed.
bool WaitApplied(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::PipelineService::NewStub(channel);
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  while (Clock::now() < deadline) {
    v1::GetBacklogResponse resp;
    grpc::Status st =
        stub->GetBacklog(Context().get(), v1::GetBacklogRequest(), &resp);
    if (!st.ok()) {
      std::fprintf(stderr, "backlog: %s\n", st.error_message().c_str());
      return false;
    }
    const auto& c = resp.current();
    if (c.records_failed() > 0) {
      std::fprintf(stderr, "%lld records failed\n",
                   static_cast<long long>(c.records_failed()));
      return false;
    }
    if (c.records_received() == 0 && c.records_waiting() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

struct Hub {
  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub{dir.path()};
  bool Start() {
    if (hub.Start()) return true;
    std::fprintf(stderr, "revhubd did not start: %s\n", hub.error().c_str());
    return false;
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 3000;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--objects") == 0)
      objects = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  std::vector<std::string> payloads;
  for (int i = 0; i < objects; ++i) payloads.push_back(Account(i));
  const double n = objects;

  std::vector<double> ingest, pipeline, together;
  for (int r = 0; r < rounds; ++r) {
    {
      Hub h;
      if (!h.Start() || !Register(h.hub.channel(), false)) return 1;
      const double t = IngestAll(h.hub.channel(), payloads, 16);
      if (t < 0) return 1;
      ingest.push_back(n / t);
      const auto start = Clock::now();
      if (!Register(h.hub.channel(), true) || !WaitApplied(h.hub.channel()))
        return 1;
      pipeline.push_back(n / Since(start));
    }
    {
      Hub h;
      if (!h.Start() || !Register(h.hub.channel(), true)) return 1;
      const auto start = Clock::now();
      if (IngestAll(h.hub.channel(), payloads, 16) < 0) return 1;
      if (!WaitApplied(h.hub.channel())) return 1;
      together.push_back(n / Since(start));
    }
  }
  std::printf("records: %d Salesforce Accounts (~1 KiB), medians of %d\n",
              objects, rounds);
  std::printf("durable Ingest, 16 clients:        %8.0f records/s\n",
              Median(ingest));
  std::printf("pipeline, backlog to applied:      %8.0f records/s\n",
              Median(pipeline));
  std::printf("ingest + pipeline, until applied:  %8.0f records/s\n",
              Median(together));
  std::printf("ratio pipeline / Ingest:           %.2f (target >= 0.5)\n",
              Median(pipeline) / Median(ingest));
  std::printf("ratio end to end / Ingest:         %.2f\n",
              Median(together) / Median(ingest));
  return 0;
}
