// Duties and leases: two Duties on one SQLite database (two stores opened
// on the same file, as two hubs would share one database) never hold a
// duty at once; the second takes over within a poll when the first stops
// or loses its lease; the default reaction to a lost lease is exit code 75;
// a real revhubd reports every duty held on /metrics.
#include "hub/server/duties.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/sdk/http_client.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"

namespace revhub::hub {
namespace {

using revhub::testing::HubProcess;
using revhub::testing::TempDir;

const std::vector<std::string> kDuties = {"revenue", "pipeline", "orchestrator",
                                          "sync-schedules", "retention"};

std::unique_ptr<Store> OpenStore(const std::string& path) {
  SqliteStoreOptions o;
  o.path = path;
  o.reader_connections = 1;
  auto s = OpenSqliteStore(o);
  REQUIRE(s.ok());
  return *std::move(s);
}

// What the duties' start and stop did, in order ("A start pipeline").
struct Journal {
  std::mutex mu;
  std::vector<std::string> lines;
  void Add(std::string line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(std::move(line));
  }
  size_t Index(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] == line) return i;
    }
    return std::string::npos;
  }
  size_t Count(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (const auto& l : lines) n += l.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
};

// One hub's duties with its own gauge family (two in one process would
// share the process-wide one).
struct Hub {
  Hub(const std::string& name, LeaseKeeper* leases, Journal* journal,
      absl::Duration poll)
      : gauge(registry.AddGauge("revhub_duty_held", "held", {"duty"})) {
    std::vector<Duty> list;
    for (const std::string& d : kDuties) {
      list.push_back({d, [=] { journal->Add(name + " start " + d); },
                      [=] { journal->Add(name + " stop " + d); }});
    }
    DutiesOptions options;
    options.poll = poll;
    options.held_gauge = &gauge;
    options.on_lost = [this](const std::string& duty, const std::string&) {
      std::lock_guard<std::mutex> lock(mu);
      lost.push_back(duty);
    };
    duties = std::make_unique<Duties>(leases, std::move(list), options);
  }
  double Gauge(const std::string& duty) {
    return gauge.WithLabels({duty}).Value();
  }
  std::vector<std::string> Lost() {
    std::lock_guard<std::mutex> lock(mu);
    return lost;
  }

  observability::Registry registry;
  observability::Family<observability::Gauge>& gauge;
  std::mutex mu;
  std::vector<std::string> lost;
  std::unique_ptr<Duties> duties;
};

// Waits up to `limit` for `pred`; returns how long it took, or limit.
template <typename Pred>
absl::Duration WaitFor(absl::Duration limit, Pred pred) {
  const absl::Time start = absl::Now();
  while (!pred() && absl::Now() - start < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return absl::Now() - start;
}

TEST_CASE("two stores on one SQLite database exclude each other's leases",
          "[leases]") {
  TempDir dir;
  auto a = OpenStore(dir.path() + "/revhub.db");
  auto b = OpenStore(dir.path() + "/revhub.db");
  REQUIRE(*a->TryAcquireLease("pipeline"));
  CHECK(*a->TryAcquireLease("pipeline"));  // already held: still true
  CHECK_FALSE(*b->TryAcquireLease("pipeline"));
  CHECK(*b->TryAcquireLease("revenue"));
  CHECK_FALSE(*a->TryAcquireLease("revenue"));
  CHECK(*a->LeaseHeld("pipeline"));
  CHECK_FALSE(*b->LeaseHeld("pipeline"));
  a->ReleaseLease("pipeline");
  CHECK_FALSE(*a->LeaseHeld("pipeline"));
  CHECK(*b->TryAcquireLease("pipeline"));
  // A store that closes gives its leases up, as a dead process would.
  b.reset();
  CHECK(*a->TryAcquireLease("pipeline"));
  CHECK(*a->TryAcquireLease("revenue"));
}

TEST_CASE(
    "of two hubs' duties on one database only one holds each duty, "
    "and the other takes over within a poll when it stops",
    "[duties]") {
  TempDir dir;
  auto store_a = OpenStore(dir.path() + "/revhub.db");
  auto store_b = OpenStore(dir.path() + "/revhub.db");
  const absl::Duration poll = absl::Milliseconds(100);
  Journal journal;
  Hub a("A", store_a.get(), &journal, poll);
  Hub b("B", store_b.get(), &journal, poll);

  // The first poll runs in Start: A has every duty when it returns.
  a.duties->Start();
  for (const std::string& d : kDuties) {
    CHECK(a.duties->Held(d));
    CHECK(a.Gauge(d) == 1);
    CHECK(journal.Index("A start " + d) != std::string::npos);
  }
  b.duties->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // 3 polls
  for (const std::string& d : kDuties) {
    CHECK_FALSE(b.duties->Held(d));
    CHECK(b.Gauge(d) == 0);
  }
  CHECK(journal.Count("B start") == 0);

  // A stops: each of its duties stops before B starts it, and B has them
  // all within one poll (and some scheduling slack).
  a.duties->Stop();
  const absl::Duration took = WaitFor(absl::Seconds(5), [&] {
    for (const std::string& d : kDuties) {
      if (!b.duties->Held(d)) return false;
    }
    return true;
  });
  INFO("takeover took " << absl::FormatDuration(took));
  WARN("takeover after the holder stopped: " << absl::FormatDuration(took));
  CHECK(took <= poll + absl::Milliseconds(250));
  for (const std::string& d : kDuties) {
    CHECK(b.Gauge(d) == 1);
    CHECK(a.Gauge(d) == 0);
    CHECK_FALSE(a.duties->Held(d));
    const size_t stopped = journal.Index("A stop " + d);
    const size_t started = journal.Index("B start " + d);
    REQUIRE(stopped != std::string::npos);
    REQUIRE(started != std::string::npos);
    CHECK(stopped < started);
  }
  CHECK(journal.Count("A start") == kDuties.size());
  CHECK(journal.Count("B start") == kDuties.size());
  b.duties->Stop();
  CHECK(journal.Count("B stop") == kDuties.size());
}

TEST_CASE(
    "a lease found lost is reported at once and its duty goes to the "
    "other hub",
    "[duties]") {
  TempDir dir;
  auto store_a = OpenStore(dir.path() + "/revhub.db");
  auto store_b = OpenStore(dir.path() + "/revhub.db");
  const absl::Duration poll = absl::Milliseconds(100);
  Journal journal;
  Hub a("A", store_a.get(), &journal, poll);
  Hub b("B", store_b.get(), &journal, poll);
  a.duties->Start();
  b.duties->Start();
  REQUIRE(a.duties->Held("orchestrator"));

  // The store drops A's lease behind its back (on PostgreSQL: its session
  // ended).
  store_a->ReleaseLease("orchestrator");
  WaitFor(absl::Seconds(5), [&] { return !a.Lost().empty(); });
  CHECK(a.Lost() == std::vector<std::string>{"orchestrator"});
  CHECK(a.Gauge("orchestrator") == 0);
  CHECK_FALSE(a.duties->Held("orchestrator"));
  WaitFor(absl::Seconds(5), [&] { return b.duties->Held("orchestrator"); });
  CHECK(b.duties->Held("orchestrator"));
  CHECK(b.Gauge("orchestrator") == 1);
  // The other duties stay where they were.
  CHECK(a.duties->Held("pipeline"));
  CHECK_FALSE(b.duties->Held("pipeline"));
  // A never takes the lost duty again, even once it is free.
  b.duties->Stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(a.duties->Held("orchestrator"));
  CHECK(journal.Count("A start orchestrator") == 1);
}

TEST_CASE("a hub that loses a lease exits with code 75", "[duties]") {
  TempDir dir;
  const std::string path = dir.path() + "/revhub.db";
  OpenStore(path).reset();  // created and migrated before the fork
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child uses no Catch2: it runs the default on_lost, which ends it.
    SqliteStoreOptions o;
    o.path = path;
    o.reader_connections = 1;
    auto store = OpenSqliteStore(o);
    if (!store.ok()) ::_exit(2);
    observability::Registry registry;
    auto& gauge = registry.AddGauge("revhub_duty_held", "held", {"duty"});
    DutiesOptions options;
    options.poll = absl::Milliseconds(50);
    options.held_gauge = &gauge;
    Duties duties((*store).get(), {{"pipeline", nullptr, nullptr}}, options);
    duties.Start();
    if (!duties.Held("pipeline")) ::_exit(3);
    (*store)->ReleaseLease("pipeline");
    std::this_thread::sleep_for(std::chrono::seconds(5));
    ::_exit(4);  // still alive: the loss was not acted on
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == kLeaseLostExitCode);
}

// Returns the value of revhub_duty_held{duty="<duty>"} in `exposition`, or
// -1 when absent.
double DutyHeld(const std::string& exposition, const std::string& duty) {
  const std::regex line("^revhub_duty_held\\{duty=\"" + duty +
                        "\"\\} ([0-9.eE+-]+)$");
  std::smatch m;
  size_t start = 0;
  while (start < exposition.size()) {
    size_t end = exposition.find('\n', start);
    if (end == std::string::npos) end = exposition.size();
    const std::string l = exposition.substr(start, end - start);
    if (std::regex_match(l, m, line)) return std::stod(m[1].str());
    start = end + 1;
  }
  return -1;
}

TEST_CASE(
    "revhubd with --lease-poll holds every duty and says so on "
    "/metrics; a second revhubd on its data folder is refused",
    "[duties][hub]") {
  TempDir dir;
  HubProcess hub(dir.path());
  hub.set_extra_args({"--lease-poll", "100ms", "--http-listen", "127.0.0.1:0"});
  REQUIRE(hub.Start());
  REQUIRE_FALSE(hub.http_address().empty());
  adapter::HttpRequest req;
  req.url = absl::StrCat("http://", hub.http_address(), "/metrics");
  auto resp = adapter::SendHttp(req);
  REQUIRE(resp.ok());
  REQUIRE(resp->status == 200);
  CHECK(resp->body.find("# TYPE revhub_duty_held gauge") != std::string::npos);
  for (const std::string& d : kDuties) {
    INFO(d);
    CHECK(DutyHeld(resp->body, d) == 1);
  }

  // SQLite serves one hub: the data folder's lock refuses a second.
  HubProcess second(dir.path());
  second.set_stderr_file(dir.path() + "/second.stderr");
  CHECK_FALSE(second.Start());
  CHECK(revhub::testing::ReadFile(dir.path() + "/second.stderr")
            .find("in use by another revhubd") != std::string::npos);
  CHECK(hub.Stop() == 0);
}

TEST_CASE("revhubd refuses a --lease-poll that is not a positive duration",
          "[duties][hub]") {
  TempDir dir;
  for (const char* bad : {"0s", "-1s", "soon"}) {
    HubProcess hub(dir.path());
    hub.set_extra_args({"--lease-poll", bad});
    hub.set_stderr_file(dir.path() + "/stderr.txt");
    INFO(bad);
    CHECK_FALSE(hub.Start());
  }
}

}  // namespace
}  // namespace revhub::hub
