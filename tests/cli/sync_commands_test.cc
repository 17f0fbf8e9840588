// Tests of `revhub sync …` and `systems register --sync`: the requests
// sent, the progress and status printed, and the usage errors, run
// in-process against a RecordingHub.
#include <catch2/catch.hpp>

#include "hub/cli/sync_format.h"
#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

hubv1::RunSyncResponse Progress(const std::string& type, int64_t pages,
                                int64_t records, int64_t total, bool done) {
  hubv1::RunSyncResponse p;
  p.set_system("stripe");
  p.set_object_type(type);
  p.set_pages(pages);
  p.set_records(records);
  p.set_new_records(records - 1);
  p.set_duplicates(1);
  p.set_total_estimate(total);
  p.set_records_per_second(250);
  p.set_done(done);
  return p;
}

TEST_CASE("sync run sends the pull and prints its progress per page",
          "[commands][sync]") {
  Harness h;
  h.hub.RunSync_progress = {Progress("invoice", 1, 100, 300, false),
                            Progress("invoice", 3, 300, 300, true)};
  Result r =
      h.Run({"sync", "run", "stripe", "--object-type", "invoice", "--full"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.RunSync_requests.size() == 1);
  CHECK(h.hub.RunSync_requests[0].system() == "stripe");
  CHECK(h.hub.RunSync_requests[0].object_type() == "invoice");
  CHECK(h.hub.RunSync_requests[0].full());
  CHECK_THAT(r.out, Catch::Contains("stripe/invoice: 1 page, 100 records "
                                    "(99 new, 1 already stored), 250/s\n"));
  CHECK_THAT(r.out, Catch::Contains("stripe/invoice: 3 pages, 300 records "
                                    "(299 new, 1 already stored), 250/s, "
                                    "done\n"));
}

TEST_CASE("sync run exits 1 with the hub's error when the pull fails",
          "[commands][sync]") {
  Harness h;
  auto failed = Progress("customer", 0, 0, 0, true);
  failed.set_error("api_key refused (HTTP 401)");
  h.hub.RunSync_progress = {failed};
  h.hub.RunSync_end =
      absl::FailedPreconditionError("api_key refused (HTTP 401)");
  Result r = h.Run({"sync", "run", "stripe"});
  CHECK(r.code == kExitServerError);
  CHECK_THAT(r.out, Catch::Contains("failed: api_key refused (HTTP 401)"));
  CHECK_THAT(r.err, Catch::Contains("api_key refused"));
  Result usage = h.Run({"sync", "run"});
  CHECK(usage.code == kExitUsage);
}

TEST_CASE(
    "the progress bar shows percent and ETA when the vendor gives a "
    "total",
    "[commands][sync]") {
  auto p = Progress("invoice", 4, 250, 1000, false);
  p.mutable_eta()->set_seconds(3);
  CHECK(RenderSyncProgressBar(p) ==
        "stripe/invoice [#######-----------------------]  25%  250/1000 "
        "records  4 pages  250/s  ETA 3s");
  p.set_total_estimate(0);
  CHECK(RenderSyncProgressBar(p) ==
        "stripe/invoice  250 records  4 pages  250/s");
}

TEST_CASE("sync status prints one row per pull and the last errors",
          "[commands][sync]") {
  Harness h;
  hubv1::GetSyncStatusResponse status;
  auto* s = status.add_statuses();
  s->set_system("stripe");
  s->set_object_type("invoice");
  s->set_cursor("{\"phase\":\"events\"}");
  s->set_records_total(10000);
  s->set_scheduled(true);
  s->mutable_interval()->set_seconds(300);
  s->mutable_lag()->set_seconds(42);
  s->mutable_caught_up_at()->set_seconds(1764547200);  // 2025-12-01
  auto* f = status.add_statuses();
  f->set_system("stripe");
  f->set_object_type("charge");
  f->set_consecutive_errors(3);
  f->set_last_error("vendor answered HTTP 503");
  h.hub.GetSyncStatus_answers.push_back(status);
  Result r = h.Run({"sync", "status", "stripe"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.GetSyncStatus_requests[0].system() == "stripe");
  CHECK_THAT(r.out, Catch::Contains("every 5m00s"));
  CHECK_THAT(r.out, Catch::Contains("on demand"));
  CHECK_THAT(r.out, Catch::Contains("2025-12-01T00:00:00Z"));
  CHECK_THAT(r.out, Catch::Contains("42s"));
  CHECK_THAT(r.out, Catch::Contains("10000"));
  CHECK_THAT(r.out,
             Catch::Contains("stripe/charge: vendor answered HTTP 503\n"));
}

TEST_CASE("systems register --sync builds schedules and refuses bad ones",
          "[commands][sync]") {
  Harness h;
  h.hub.RegisterSystem_answers.push_back(hubv1::RegisterSystemResponse());
  Result r =
      h.Run({"systems", "register", "--name", "stripe", "--kind", "billing",
             "--command", "revhub-adapter-stripe", "--sync", "invoice:5m",
             "--sync", "customer:1h:2025-01-01T00:00:00Z", "--sync", "charge"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const auto& sent = h.hub.RegisterSystem_requests[0].system();
  REQUIRE(sent.sync_size() == 3);
  CHECK(sent.sync(0).object_type() == "invoice");
  CHECK(sent.sync(0).interval().seconds() == 300);
  CHECK(sent.sync(1).interval().seconds() == 3600);
  CHECK(sent.sync(1).backfill_start().seconds() == 1735689600);
  CHECK(sent.sync(2).object_type() == "charge");
  CHECK(sent.sync(2).interval().seconds() == 0);

  Result bad = h.Run({"systems", "register", "--name", "stripe", "--kind",
                      "billing", "--sync", "invoice:100ms"});
  CHECK(bad.code == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("--sync: '100ms' is not an interval"));
}

}  // namespace
}  // namespace revhub::cli
