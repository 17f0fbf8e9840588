// Durable Ingest and UpsertCustomer of a real revhubd on PostgreSQL 15,
// against raw libpq inserts of the same payloads into the same server,
// measured in the same run.
//
// Starts its own PostgreSQL (tests/support/postgres_server.h: 127.0.0.1,
// fsync on, synchronous_commit on) with two fresh databases: one for
// revhubd (build/bin, `--store URL`), one holding a single table
//   raw_inserts(id identity, key text unique, payload bytea, received_at)
// for the baseline. The baseline is what a program that keeps nothing but
// the bytes would do: N client threads, each with its own connection, each
// inserting one row per transaction with a prepared statement
// (PQexecPrepared, the payload sent as binary bytea) and waiting for the
// commit. So the ratio of the two is what the hub adds on top of a durable
// row in the same database: gRPC, authentication, validation, its schema
// (idempotency key, payload hash, the event log) and its writer.
//
// Both sides are driven by the same load drivers (bench/hub/load_driver.h)
// and measured in pairs, each three times (medians printed):
//   1. throughput: Ingest (1 KiB payload, the IngestRequest of
//      ingest_bench) with 1, 16 and 64 calls in flight against raw inserts
//      from 1, 16 and 64 connections; UpsertCustomer with 64 in flight
//      against raw inserts from 64 connections;
//   2. latency: Ingest at half of its 64-in-flight peak on a fixed
//      schedule (open loop, at most 64 in flight, latency from each call's
//      due time), then raw inserts at the same rate over 64 connections:
//      p50 and p99 of both.
// It ends with a table: what, revhub on PostgreSQL, raw libpq, ratio.
// The machine may be shared and noisy: keep --seconds short and read the
// ratios, which pair measurements taken seconds apart.
//
// Usage: postgres_bench [--seconds S]
//   --seconds S  length of each measurement (default 2)
// Prints why and exits 0 when PostgreSQL 15 is not installed
// (/usr/lib/postgresql/15/bin); exits 1 when PostgreSQL or revhubd does
// not start or any call or insert fails.
#include <libpq-fe.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/hub/hub_calls.h"
#include "bench/hub/load_driver.h"
#include "tests/support/hub_process.h"
#include "tests/support/postgres_server.h"

namespace {

namespace v1 = revhub::hub::v1;
using revhub::bench::ClosedLoop;
using revhub::bench::Comparison;
using revhub::bench::kPeakInFlight;
using revhub::bench::kRuns;
using revhub::bench::StartCall;
using revhub::bench::Stubs;

constexpr char kPostgresBinary[] = "/usr/lib/postgresql/15/bin/postgres";

constexpr char kCreateTable[] = R"(
CREATE TABLE raw_inserts (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,
  payload     BYTEA NOT NULL,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now()
))";
constexpr char kInsert[] =
    "INSERT INTO raw_inserts (key, payload) VALUES ($1, $2)";

// Runs `sql` (no rows expected); false with libpq's reason in *error.
bool Exec(PGconn* conn, const char* sql, std::string* error) {
  PGresult* res = PQexec(conn, sql);
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok) *error = absl::StrCat(sql, ": ", PQresultErrorMessage(res));
  PQclear(res);
  return ok;
}

// The one value `sql` returns ("" when it fails).
std::string Show(PGconn* conn, const char* sql) {
  PGresult* res = PQexec(conn, sql);
  std::string value;
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
    value = PQgetvalue(res, 0, 0);
  }
  PQclear(res);
  return value;
}

// A connection to `url` with synchronous_commit on (the server's default,
// set anyway: the baseline must wait for the flush as the hub does);
// nullptr with the reason in *error.
PGconn* Connect(const std::string& url, std::string* error) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    *error = absl::StrCat("connecting to ", url, ": ", PQerrorMessage(conn));
    PQfinish(conn);
    return nullptr;
  }
  if (!Exec(conn, "SET synchronous_commit = on", error)) {
    PQfinish(conn);
    return nullptr;
  }
  return conn;
}

// Raw inserts into raw_inserts from `connections` worker threads, one
// connection each. A StartCall queues one insert; the next free worker
// runs it (one statement in its own transaction, so one commit and flush
// per row) and reports it, so at most `connections` are in flight, as at
// most that many hub calls are.
class RawInserts {
 public:
  static std::unique_ptr<RawInserts> Open(const std::string& url,
                                          int connections, std::string* error) {
    std::unique_ptr<RawInserts> pool(new RawInserts);
    for (int i = 0; i < connections; ++i) {
      PGconn* conn = Connect(url, error);
      if (conn == nullptr) return nullptr;
      pool->conns_.push_back(conn);
      PGresult* res = PQprepare(conn, "insert", kInsert, 2, nullptr);
      const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      if (!ok) *error = absl::StrCat("PQprepare: ", PQresultErrorMessage(res));
      PQclear(res);
      if (!ok) return nullptr;
    }
    for (PGconn* conn : pool->conns_) {
      pool->threads_.emplace_back([p = pool.get(), conn] { p->Work(conn); });
    }
    return pool;
  }

  // The drivers wait for their last call, so nothing is queued here.
  ~RawInserts() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    for (PGconn* conn : conns_) PQfinish(conn);
  }

  StartCall Insert() {
    return [this](int64_t, std::function<void(bool)> done) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.push_back(std::move(done));
      }
      cv_.notify_one();
    };
  }

 private:
  RawInserts() = default;

  void Work(PGconn* conn) {
    const std::string& payload = revhub::bench::InvoicePayload();
    for (;;) {
      std::function<void(bool)> done;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        done = std::move(queue_.front());
        queue_.pop_front();
      }
      const std::string key =
          absl::StrCat("raw-", revhub::bench::NextSequence());
      const char* values[2] = {key.c_str(), payload.data()};
      const int lengths[2] = {0, static_cast<int>(payload.size())};
      const int formats[2] = {0, 1};  // key as text, payload as binary
      PGresult* res =
          PQexecPrepared(conn, "insert", 2, values, lengths, formats, 0);
      const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      const std::string why = ok ? "" : PQresultErrorMessage(res);
      PQclear(res);
      done(revhub::bench::CheckOk("raw insert", ok, why));
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(bool)>> queue_;
  bool stopping_ = false;
  std::vector<PGconn*> conns_;
  std::vector<std::thread> threads_;
};

// Opens a pool of `connections` for the baseline, or exits: a bench that
// cannot reach its own server has nothing to compare.
std::unique_ptr<RawInserts> OpenOrExit(const std::string& url,
                                       int connections) {
  std::string error;
  std::unique_ptr<RawInserts> pool = RawInserts::Open(url, connections, &error);
  if (pool == nullptr) {
    std::fprintf(stderr, "raw inserts: %s\n", error.c_str());
    std::exit(1);
  }
  return pool;
}

// Creates raw_inserts in `url`'s database and prints the settings that make
// a commit durable there; false with the reason printed.
bool PrepareBaseline(const std::string& url) {
  std::string error;
  PGconn* conn = Connect(url, &error);
  const bool ok = conn != nullptr && Exec(conn, kCreateTable, &error);
  if (ok) {
    std::printf("PostgreSQL %s: fsync=%s synchronous_commit=%s\n",
                Show(conn, "SHOW server_version").c_str(),
                Show(conn, "SHOW fsync").c_str(),
                Show(conn, "SHOW synchronous_commit").c_str());
  } else {
    std::fprintf(stderr, "raw inserts: %s\n", error.c_str());
  }
  if (conn != nullptr) PQfinish(conn);
  return ok;
}

void Usage() {
  std::fprintf(stderr, "usage: postgres_bench [--seconds S]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", 0);
  double seconds = 2;
  if (argc == 3 && std::strcmp(argv[1], "--seconds") == 0) {
    seconds = std::atof(argv[2]);
    if (seconds <= 0) Usage();
  } else if (argc != 1) {
    Usage();
  }
  if (access(kPostgresBinary, X_OK) != 0) {
    std::printf(
        "postgres_bench: skipped: PostgreSQL 15 is not installed (no %s; "
        "Debian's postgresql-15 provides it)\n",
        kPostgresBinary);
    return 0;
  }

  std::string error;
  std::unique_ptr<revhub::testing::PostgresServer> server =
      revhub::testing::PostgresServer::Start(&error);
  if (server == nullptr) {
    std::fprintf(stderr, "cannot start PostgreSQL: %s\n", error.c_str());
    return 1;
  }
  const std::string hub_url = server->CreateFreshDatabase("hub", &error);
  const std::string raw_url =
      hub_url.empty() ? "" : server->CreateFreshDatabase("raw", &error);
  if (raw_url.empty()) {
    std::fprintf(stderr, "cannot create a database: %s\n", error.c_str());
    return 1;
  }
  if (!PrepareBaseline(raw_url)) return 1;

  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub(dir.path());
  if (!revhub::bench::StartHub(hub_url, &hub)) return 1;
  auto ingest_stubs = Stubs<v1::IngestService::Stub>(hub.address());
  auto customer_stubs = Stubs<v1::CustomerService::Stub>(hub.address());
  const StartCall ingest = revhub::bench::HubIngest(&ingest_stubs);
  const StartCall upsert = revhub::bench::HubUpsert(&customer_stubs);

  std::printf(
      "revhubd on %s (store: %s), raw inserts into %s; %zu-byte payloads, "
      "%.1f s per measurement, medians of %d\n",
      hub.address().c_str(), hub_url.c_str(), raw_url.c_str(),
      revhub::bench::InvoicePayload().size(), seconds, kRuns);
  // Connections, the hub's caches and both databases' pages warm up first.
  {
    auto warm = OpenOrExit(raw_url, 16);
    for (const StartCall* call : {&ingest, &upsert}) ClosedLoop(*call, 16, 0.5);
    ClosedLoop(warm->Insert(), 16, 0.5);
  }

  Comparison cmp("raw");
  std::printf("throughput (closed loop):\n");
  double ingest_peak = 0;
  for (int in_flight : {1, 16, kPeakInFlight}) {
    auto raw = OpenOrExit(raw_url, in_flight);
    auto [h, r] =
        cmp.Throughput("Ingest", ingest, raw->Insert(), in_flight, seconds);
    cmp.AddRateRow(absl::StrCat("durable Ingest, ", in_flight, " in flight"), h,
                   r);
    ingest_peak = h;
  }
  auto raw = OpenOrExit(raw_url, kPeakInFlight);
  auto [upsert_peak, upsert_raw] =
      cmp.Throughput("Upsert", upsert, raw->Insert(), kPeakInFlight, seconds);
  cmp.AddRateRow(absl::StrCat("UpsertCustomer, ", kPeakInFlight, " in flight"),
                 upsert_peak, upsert_raw);

  std::printf(
      "latency (open loop at half of Ingest's peak, at most %d in "
      "flight):\n",
      kPeakInFlight);
  cmp.Latency("Ingest", ingest, raw->Insert(), ingest_peak / 2, seconds);

  // Stopped before the table, so the hub's last log lines come above it.
  std::fflush(stdout);
  hub.Stop();
  raw.reset();
  cmp.Print("revhub on PG", "raw libpq");
  return revhub::bench::ExitCode();
}
