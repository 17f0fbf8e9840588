// Whether cost grows with history: ingest and upsert rates against a store
// holding N records, N customers and their N events, next to the same
// rates on an empty store, in the same run; and revhubd's RSS with those
// events stored, idle and after a consumer replayed all of them.
//
// The history is written straight into the store (the hub's own
// UpsertEntityInTxn, so the rows are what the API would have written),
// 2000 a transaction, before revhubd starts on it.
//
// Usage: history_bench [--records N] [--seconds S]
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/entities/entity_ops.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
namespace cv1 = revhub::canonical::v1;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Writes `n` raw records (APPLIED), customers and their events.
bool WriteHistory(const std::string& path, int n) {
  revhub::hub::SqliteStoreOptions options;
  options.path = path;
  auto store = revhub::hub::OpenSqliteStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
    return false;
  }
  const std::string pad(700, 'p');
  for (int done = 0; done < n;) {
    absl::Status st =
        (*store)->Write([&](revhub::hub::WriteTxn& txn) -> absl::Status {
          for (int i = 0; i < 2000 && done < n; ++i, ++done) {
            v1::RawRecord r;
            r.set_system("history");
            r.set_object_type("customer");
            r.set_content_type("application/json");
            r.set_idempotency_key(absl::StrCat("h-", done));
            r.set_payload(absl::StrCat(R"({"id":"h-)", done, R"(","pad":")",
                                       pad, R"("})"));
            r.set_payload_sha256(absl::StrCat("sha-", done));
            r.set_status(v1::RECORD_STATUS_APPLIED);
            r.set_principal("bench");
            auto id = txn.InsertRawRecord(r);
            if (!id.ok()) return id.status();
            cv1::Customer c;
            c.set_name(absl::StrCat("History ", done));
            c.set_email(absl::StrCat("h", done, "@example.com"));
            c.set_currency_code("EUR");
            auto* ref = c.add_external_refs();
            ref->set_system("history");
            ref->set_object_type("customer");
            ref->set_vendor_id(absl::StrCat("h-", done));
            revhub::hub::UpsertArgs args;
            args.source_system = "history";
            auto up = revhub::hub::UpsertEntityInTxn(txn, c, args);
            if (!up.ok()) return up.status();
          }
          return absl::OkStatus();
        });
    if (!st.ok()) {
      std::fprintf(stderr, "write: %s\n", st.ToString().c_str());
      return false;
    }
  }
  return true;
}

long RssKiB(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// `clients` threads call `call(i)` back to back for `seconds`; calls/s.
template <typename Call>
double Rate(int clients, double seconds, Call call) {
  std::atomic<int64_t> done{0}, next{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (!stop) {
        if (call(next++)) ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return done / Since(start);
}

struct Rates {
  double ingest = 0, upsert = 0;
};

Rates Measure(revhub::testing::HubProcess& hub, double seconds,
              const std::string& tag) {
  {
    v1::RegisterSystemRequest req;
    req.set_replace_existing(true);
    req.mutable_system()->set_name("live");
    req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
    grpc::ClientContext ctx;
    v1::RegisterSystemResponse resp;
    v1::SystemRegistryService::NewStub(hub.channel())
        ->RegisterSystem(&ctx, req, &resp);
  }
  auto ingest = v1::IngestService::NewStub(hub.channel());
  auto customers = v1::CustomerService::NewStub(hub.channel());
  const std::string pad(800, 'q');
  Rates r;
  r.ingest = Rate(16, seconds, [&](int64_t i) {
    v1::IngestRequest req;
    req.set_system("live");
    req.set_object_type("customer");
    req.set_idempotency_key(absl::StrCat(tag, "-i-", i));
    req.set_payload(
        absl::StrCat(R"({"id":")", i, R"(","pad":")", pad, R"("})"));
    grpc::ClientContext ctx;
    v1::IngestResponse resp;
    return ingest->Ingest(&ctx, req, &resp).ok();
  });
  r.upsert = Rate(16, seconds, [&](int64_t i) {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name(absl::StrCat("Live ", i));
    req.mutable_customer()->set_email(absl::StrCat("l", i, "@example.com"));
    req.set_idempotency_key(absl::StrCat(tag, "-u-", i));
    grpc::ClientContext ctx;
    v1::UpsertCustomerResponse resp;
    return customers->UpsertCustomer(&ctx, req, &resp).ok();
  });
  return r;
}

void WaitIdle(revhub::testing::HubProcess& hub) {
  auto pipeline = v1::PipelineService::NewStub(hub.channel());
  for (int i = 0; i < 3000; ++i) {
    grpc::ClientContext ctx;
    v1::GetBacklogResponse backlog;
    if (pipeline->GetBacklog(&ctx, v1::GetBacklogRequest(), &backlog).ok() &&
        backlog.current().consumer_lag() == 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int records = 1000000;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--records") == 0)
      records = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
  }
  Rates empty;
  {
    revhub::testing::TempDir dir;
    revhub::testing::HubProcess hub(dir.path());
    if (!hub.Start()) return 1;
    empty = Measure(hub, seconds, "empty");
  }
  revhub::testing::TempDir dir;
  const auto fill = Clock::now();
  if (!WriteHistory(dir.path() + "/revhub.db", records)) return 1;
  std::printf("history: %d records, customers and events written in %.0f s\n",
              records, Since(fill));
  revhub::testing::HubProcess hub(dir.path());
  if (!hub.Start()) return 1;
  WaitIdle(hub);  // the hub's own consumers read the history once
  const long idle = RssKiB(hub.pid());
  const Rates full = Measure(hub, seconds, "full");
  const long after_load = RssKiB(hub.pid());
  std::printf("                    empty store   %d stored   ratio\n", records);
  std::printf("Ingest, 16 clients: %9.0f/s  %9.0f/s   %.2f (target >= 0.8)\n",
              empty.ingest, full.ingest, full.ingest / empty.ingest);
  std::printf("Upsert, 16 clients: %9.0f/s  %9.0f/s   %.2f (target >= 0.8)\n",
              empty.upsert, full.upsert, full.upsert / empty.upsert);
  std::printf(
      "revhubd RSS with %d events: idle after start %ld MiB, after "
      "the load %ld MiB (target < 256)\n",
      records, idle / 1024, after_load / 1024);
  return 0;
}
