// A pull that survives crashes: 10,000 Stripe objects backfilled from the
// Stripe emulator, which answers some pages with 429 (Retry-After), 503 and
// dropped connections, while revhubd is killed with SIGKILL five times in
// the middle of it. Each restart resumes from the stored cursor; at the
// end every object is stored exactly once (one raw record per object, no
// object missing) and applied.
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "tests/e2e/connectors_harness.h"

namespace revhub::testing {
namespace {

constexpr int kObjects = 10000;
constexpr int kKills = 5;

// Whether every schedule of `system` caught up with no error pending.
bool CaughtUp(Hub& hub, const std::string& system, size_t types) {
  auto statuses = SyncStatuses(hub, system);
  if (statuses.size() < types) return false;
  for (const auto& s : statuses) {
    if (!s.has_caught_up_at() || s.running() || s.consecutive_errors() > 0 ||
        !s.has_last_run_finished()) {
      return false;
    }
  }
  return true;
}

int64_t StoredRecords(Hub& hub, const std::string& system) {
  int64_t n = 0;
  for (const auto& s : SyncStatuses(hub, system)) n += s.records_total();
  return n;
}

TEST_CASE("a 10,000-object Stripe backfill survives five kill -9s",
          "[sync][crash]") {
  VendorEmulator stripe("stripe-emulator",
                        {std::string("--api-key=") + kStripeApiKey});
  stripe.Generate(kObjects);
  // Transient vendor failures on the way: the pull retries each.
  stripe.AddFault({{"mode", "status"},
                   {"status", 429},
                   {"retry_after_seconds", 1},
                   {"path_regex", "^/v1/"},
                   {"every", 29}});
  stripe.AddFault({{"mode", "status"},
                   {"status", 503},
                   {"path_regex", "^/v1/"},
                   {"every", 41}});
  stripe.AddFault({{"mode", "reset"}, {"path_regex", "^/v1/"}, {"every", 53}});

  Hub hub({"--sync-max-backoff", "2s"});
  // Registered on demand first, to learn what the adapter reads.
  RegisterStripe(hub, "stripe", stripe, {}, 0, 100);
  const std::vector<std::string> types = StripeReadableTypes(hub, "stripe");
  REQUIRE(types.size() >= 5);
  const auto objects = EmulatorObjects(stripe, types);
  REQUIRE(objects.size() == static_cast<size_t>(kObjects));
  // Every type pulled every second: a restarted hub goes on by itself.
  const auto started = std::chrono::steady_clock::now();
  RegisterStripe(hub, "stripe", stripe, types, 1, 100);

  // Kill while records are arriving: each time the backfill passes the next
  // step of the first half (10,000 / 12 objects apart), after a random
  // moment more, so the kills land mid-page and mid-commit and all five
  // happen before the pull can finish, however fast the build.
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  const auto kill_deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (kills < kKills && std::chrono::steady_clock::now() < kill_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (CaughtUp(hub, "stripe", types.size())) break;
    const int64_t stored = StoredRecords(hub, "stripe");
    const int64_t step =
        static_cast<int64_t>(kills + 1) * kObjects / (2 * (kKills + 1));
    if (stored < step) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(0, 200)(rng)));
    hub.CrashAndRestart();
    ++kills;
    INFO("kill " << kills << " after " << stored << " stored records");
  }
  // Ends by itself: the schedules resume the pulls from their cursors.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(8);
  while (!CaughtUp(hub, "stripe", types.size()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(CaughtUp(hub, "stripe", types.size()));
  const double pull_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();

  // Exactly once: one record per object, none missing, none twice.
  std::vector<v1::RawRecord> records = AllRecords(hub, "stripe");
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const auto& r : records) ++seen[TypeAndId(r)];
  int duplicated = 0, missing = 0, unknown = 0;
  for (const auto& [key, n] : seen) {
    if (n > 1) ++duplicated;
    if (objects.count(key) == 0) ++unknown;
  }
  for (const auto& key : objects) {
    if (seen.count(key) == 0) ++missing;
  }
  CHECK(kills == kKills);
  CHECK(duplicated == 0);
  CHECK(missing == 0);
  CHECK(unknown == 0);
  CHECK(records.size() == objects.size());

  // Applied: the pipeline translates every stored record, none fails.
  std::map<v1::RecordStatus, int> by_status;
  const auto apply_deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(8);
  while (std::chrono::steady_clock::now() < apply_deadline) {
    by_status = CountByStatus(AllRecords(hub, "stripe"));
    if (by_status[v1::RECORD_STATUS_RECEIVED] == 0 &&
        by_status[v1::RECORD_STATUS_WAITING] == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  INFO("applied " << by_status[v1::RECORD_STATUS_APPLIED] << ", skipped "
                  << by_status[v1::RECORD_STATUS_SKIPPED] << ", failed "
                  << by_status[v1::RECORD_STATUS_FAILED] << ", waiting "
                  << by_status[v1::RECORD_STATUS_WAITING] << ", received "
                  << by_status[v1::RECORD_STATUS_RECEIVED]);
  CHECK(by_status[v1::RECORD_STATUS_FAILED] == 0);
  CHECK(by_status[v1::RECORD_STATUS_WAITING] == 0);
  CHECK(by_status[v1::RECORD_STATUS_RECEIVED] == 0);
  CHECK(by_status[v1::RECORD_STATUS_APPLIED] > kObjects / 2);
  std::cout << "backfill: " << objects.size() << " objects, " << kills
            << " kill -9s, " << pull_seconds << " s to caught up ("
            << objects.size() / pull_seconds << " objects/s)" << std::endl;
}

}  // namespace
}  // namespace revhub::testing
