// How fast the event log is read back, against what the disk gives, and
// what live subscribers cost the writers, in the same run.
//
//  1. replay: N events (CustomerChanged, ~600 bytes each) are written into
//     a new store, then a real revhubd serves it. A raw scan of the same
//     rows with the SQLite C API (every position and payload, in order) is
//     the baseline; a Subscribe from position 1 to the last event, with
//     max_batch 1000 and with one event per response, is measured against
//     it (events/s, medians of 3).
//  2. fan-out: customers are upserted by 16 clients for S seconds with no
//     subscriber, then with 10 live subscribers (max_batch 100) that must
//     each receive every event; the ratio of the two upsert rates is what
//     the subscribers cost (the target loss is at most 10%).
//
// Usage: replay_bench [--events N] [--seconds S]
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
namespace cv1 = revhub::canonical::v1;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Writes `n` events into a new store at `path`, 1000 per transaction.
bool WriteEvents(const std::string& path, int n) {
  revhub::hub::SqliteStoreOptions options;
  options.path = path;
  auto store = revhub::hub::OpenSqliteStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
    return false;
  }
  for (int done = 0; done < n;) {
    absl::Status st =
        (*store)->Write([&](revhub::hub::WriteTxn& txn) -> absl::Status {
          for (int i = 0; i < 1000 && done < n; ++i, ++done) {
            cv1::BusinessEvent e;
            e.set_event_id(absl::StrCat("bench-", done));
            e.set_type(cv1::EVENT_TYPE_CUSTOMER_CHANGED);
            e.set_source_system("bench");
            e.set_principal("bench");
            auto* c = e.mutable_customer_changed()->mutable_customer();
            c->set_id(absl::StrCat("cus_", done));
            c->set_version(1);
            c->set_name(
                absl::StrCat("Customer ", done, " ", std::string(400, 'n')));
            c->set_email(absl::StrCat("billing", done, "@example.com"));
            c->set_currency_code("EUR");
            auto pos = txn.AppendEvent(std::move(e));
            if (!pos.ok()) return pos.status();
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

// Reads every event row with the SQLite C API; rows/s, or -1.
double RawScan(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    return -1;
  }
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT position, payload FROM events ORDER BY position",
                     -1, &q, nullptr);
  const auto start = Clock::now();
  int64_t rows = 0, bytes = 0, last = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    last = sqlite3_column_int64(q, 0);
    bytes += sqlite3_column_bytes(q, 1);
    ++rows;
  }
  const double seconds = Since(start);
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (rows == 0 || last != rows || bytes == 0) return -1;
  return rows / seconds;
}

// Subscribes from position 1 until position `last`; events/s, or -1.
double Replay(const std::shared_ptr<grpc::Channel>& channel, int64_t last,
              int max_batch) {
  auto stub = v1::EventService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_from_position(1);
  req.set_max_batch(max_batch);
  const auto start = Clock::now();
  auto reader = stub->Subscribe(&ctx, req);
  v1::SubscribeResponse resp;
  int64_t seen = 0, expected = 1;
  while (seen < last && reader->Read(&resp)) {
    auto check = [&](const cv1::BusinessEvent& e) {
      if (e.position() != expected) {
        std::fprintf(stderr, "gap: got %lld, expected %lld\n",
                     static_cast<long long>(e.position()),
                     static_cast<long long>(expected));
        std::exit(1);
      }
      ++expected;
      ++seen;
    };
    if (resp.has_event()) check(resp.event());
    for (const auto& e : resp.events()) check(e);
  }
  const double seconds = Since(start);
  ctx.TryCancel();
  reader->Finish();
  return seen == last ? seen / seconds : -1;
}

// Upserts customers with 16 clients for `seconds`; upserts/s.
double Upserts(const std::shared_ptr<grpc::Channel>& channel, double seconds,
               std::atomic<int64_t>& sequence) {
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < 16; ++c) {
    threads.emplace_back([&] {
      auto stub = v1::CustomerService::NewStub(channel);
      while (!stop) {
        const int64_t n = sequence++;
        v1::UpsertCustomerRequest req;
        req.mutable_customer()->set_name(absl::StrCat("Live ", n));
        req.mutable_customer()->set_email(
            absl::StrCat("live", n, "@example.com"));
        req.set_idempotency_key(absl::StrCat("live-", n));
        grpc::ClientContext ctx;
        v1::UpsertCustomerResponse resp;
        if (stub->UpsertCustomer(&ctx, req, &resp).ok()) ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return done / Since(start);
}

// A live subscriber counting what it receives until cancelled.
struct Subscriber {
  grpc::ClientContext ctx;
  std::atomic<int64_t> last{0};
  std::atomic<int64_t> received{0};
  std::thread thread;

  void Start(const std::shared_ptr<grpc::Channel>& channel) {
    thread = std::thread([this, channel] {
      auto stub = v1::EventService::NewStub(channel);
      v1::SubscribeRequest req;
      req.set_live_only(true);
      req.set_max_batch(100);
      auto reader = stub->Subscribe(&ctx, req);
      v1::SubscribeResponse resp;
      while (reader->Read(&resp)) {
        for (const auto& e : resp.events()) {
          last = e.position();
          ++received;
        }
      }
      reader->Finish();
    });
  }
};

int64_t LastPosition(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::EventService::NewStub(channel);
  int64_t last = 0;
  v1::ListEventsRequest req;
  req.set_page_size(1000);
  for (int64_t from = 1;;) {
    req.set_from_position(from);
    grpc::ClientContext ctx;
    v1::ListEventsResponse resp;
    if (!stub->ListEvents(&ctx, req, &resp).ok()) return -1;
    if (resp.events_size() > 0) last = resp.events().rbegin()->position();
    if (resp.next_position() == 0) return last;
    from = resp.next_position();
  }
}

}  // namespace

int main(int argc, char** argv) {
  int events = 100000;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--events") == 0) events = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
  }
  revhub::testing::TempDir dir;
  const std::string db = dir.path() + "/revhub.db";
  if (!WriteEvents(db, events)) return 1;

  revhub::testing::HubProcess hub(dir.path());
  if (!hub.Start()) {
    std::fprintf(stderr, "revhubd did not start: %s\n", hub.error().c_str());
    return 1;
  }
  // The hub's own consumers read the log once at start; let them finish.
  auto pipeline = v1::PipelineService::NewStub(hub.channel());
  for (int i = 0; i < 600; ++i) {
    grpc::ClientContext ctx;
    v1::GetBacklogResponse backlog;
    if (pipeline->GetBacklog(&ctx, v1::GetBacklogRequest(), &backlog).ok() &&
        backlog.current().consumer_lag() == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  std::vector<double> raw, batched, single;
  for (int r = 0; r < 3; ++r) {
    raw.push_back(RawScan(db));
    batched.push_back(Replay(hub.channel(), events, 1000));
    single.push_back(Replay(hub.channel(), events, 0));
  }
  if (Median(raw) < 0 || Median(batched) < 0 || Median(single) < 0) return 1;
  std::printf("events: %d (~600 bytes), medians of 3\n", events);
  std::printf("raw SQLite scan:                 %9.0f rows/s\n", Median(raw));
  std::printf(
      "Subscribe, max_batch 1000:       %9.0f events/s  ratio %.3f "
      "(target >= 0.5)\n",
      Median(batched), Median(batched) / Median(raw));
  std::printf("Subscribe, one event a response: %9.0f events/s  ratio %.3f\n",
              Median(single), Median(single) / Median(raw));

  std::atomic<int64_t> sequence{0};
  const double alone = Upserts(hub.channel(), seconds, sequence);
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < 10; ++i) {
    subscribers.push_back(std::make_unique<Subscriber>());
    subscribers.back()->Start(hub.channel());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int64_t before = LastPosition(hub.channel());
  const double with = Upserts(hub.channel(), seconds, sequence);
  const int64_t after = LastPosition(hub.channel());
  // Every subscriber must see every event written while it listened.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  bool all = false;
  while (!all && Clock::now() < deadline) {
    all = true;
    for (auto& s : subscribers) all = all && s->last >= after;
    if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int64_t least = INT64_MAX;
  for (auto& s : subscribers) {
    least = std::min<int64_t>(least, s->received);
    s->ctx.TryCancel();
    s->thread.join();
  }
  std::printf("upserts, no subscriber:          %9.0f /s\n", alone);
  std::printf(
      "upserts, 10 live subscribers:    %9.0f /s  ratio %.3f "
      "(target >= 0.9)\n",
      with, with / alone);
  std::printf("every subscriber received all %lld events: %s (least %lld)\n",
              static_cast<long long>(after - before), all ? "yes" : "NO",
              static_cast<long long>(least));
  return all ? 0 : 1;
}
