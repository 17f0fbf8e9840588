// End to end: the real `revhub` binary against the real `revhubd`. A
// contract booked and amended through the CLI gets its schedule recomputed
// by the hub, and `revhub revenue show` prints it as a table with totals.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/auth.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/run.h"

namespace revhub::testing {
namespace {

using nlohmann::json;

using Result = RunResult;

class Cli {
 public:
  Cli(std::string hub, std::string token, std::string scratch)
      : hub_(std::move(hub)),
        token_(std::move(token)),
        scratch_(std::move(scratch)) {}

  // Runs `revhub --hub HUB args...` and returns its exit code and output.
  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(),
                {BinDir() + "/revhub", "--hub", hub_, "--token", token_});
    return RunProgram(std::move(args), scratch_);
  }

  // Writes `content` to a scratch file and returns its path.
  std::string File(const std::string& name, const std::string& content) {
    std::string path = scratch_ + "/" + name;
    WriteFile(path, content);
    return path;
  }

  // Upserts one entity from JSON and returns the stored entity.
  json Upsert(const std::string& group, const std::string& field,
              const json& entity, const std::string& key) {
    Result r =
        Run({"--json", group, "upsert", File(key + ".json", entity.dump()),
             "--idempotency-key", key});
    INFO(r.err);
    REQUIRE(r.code == 0);
    return json::parse(r.out)[field];
  }

 private:
  std::string hub_;
  std::string token_;
  std::string scratch_;
};

// Runs `revenue show` until the schedule reaches `version` (at most 20 s).
json WaitForSchedule(Cli& cli, const std::string& contract, int version) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Result r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = cli.Run({"--json", "revenue", "show", contract});
    if (r.code == 0) {
      json s = json::parse(r.out)["schedule"];
      if (std::stoi(s["version"].get<std::string>()) >= version) return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("no schedule version " << version << " for " << contract
                              << "; last: " << r.out << r.err);
  return {};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("revhub revenue show prints the hub's schedule with totals",
          "[revenue][e2e]") {
  TempDir data, scratch;
  HubProcess hub(data.path());
  REQUIRE(hub.Start());
  Cli cli(hub.address(), ReadAdminToken(data.path()), scratch.path());

  json customer = cli.Upsert("customers", "customer", {{"name", "Acme"}}, "c1");
  json subscription = cli.Upsert(
      "products", "product",
      {{"name", "Platform"}, {"revenueRule", "REVENUE_RULE_RATABLE"}}, "p1");
  json setup = cli.Upsert(
      "products", "product",
      {{"name", "Setup"}, {"revenueRule", "REVENUE_RULE_POINT_IN_TIME"}}, "p2");
  auto usd = [](const char* units) {
    return json{{"currencyCode", "USD"}, {"units", units}};
  };
  json contract = {{"customerId", customer["id"]},
                   {"status", "CONTRACT_STATUS_ACTIVE"},
                   {"currencyCode", "USD"},
                   {"effectiveAt", "2025-01-01T00:00:00Z"},
                   {"lines",
                    {{{"lineId", "L1"},
                      {"productId", subscription["id"]},
                      {"quantity", {{"units", "1"}}},
                      {"unitPrice", usd("900")},
                      {"servicePeriod",
                       {{"startTime", "2025-01-01T00:00:00Z"},
                        {"endTime", "2025-04-01T00:00:00Z"}}}},
                     {{"lineId", "L2"},
                      {"productId", setup["id"]},
                      {"quantity", {{"units", "1"}}},
                      {"unitPrice", usd("100")},
                      {"servicePeriod",
                       {{"startTime", "2025-01-01T00:00:00Z"},
                        {"endTime", "2025-01-02T00:00:00Z"}}}}}}};
  json booked = cli.Upsert("contracts", "contract", contract, "k1");
  const std::string id = booked["id"];

  json v1 = WaitForSchedule(cli, id, 1);
  Result shown = cli.Run({"revenue", "show", id});
  INFO(shown.out << shown.err);
  REQUIRE(shown.code == 0);
  CHECK(Contains(shown.out, "schedule:          rs_" + id + " v1\n"));
  // Periods down, obligations across, totals both ways, exact amounts.
  CHECK(Contains(shown.out,
                 "period           L1          L2        total\n"
                 "2025-01  310.00 USD  100.00 USD   410.00 USD\n"
                 "2025-02  280.00 USD           -   280.00 USD\n"
                 "2025-03  310.00 USD           -   310.00 USD\n"
                 "total    900.00 USD  100.00 USD  1000.00 USD\n"));

  // Amend: L1 doubles from February.
  json amended = booked;
  amended.erase("version");
  amended.erase("recordedAt");
  amended["lines"][0]["unitPrice"] = usd("1800");
  amended["effectiveAt"] = "2025-02-01T00:00:00Z";
  cli.Upsert("contracts", "contract", amended, "k2");
  json v2 = WaitForSchedule(cli, id, 2);
  Result now = cli.Run({"revenue", "show", id});
  REQUIRE(now.code == 0);
  CHECK(Contains(now.out, "schedule:          rs_" + id + " v2\n"));
  CHECK(Contains(now.out, "total    1800.00 USD  100.00 USD  1900.00 USD\n"));
  CHECK(Contains(now.out, "2025-01   310.00 USD"));

  // --as-of the first version's recorded time prints the first version.
  Result then = cli.Run(
      {"revenue", "show", id, "--as-of", v1["recordedAt"].get<std::string>()});
  REQUIRE(then.code == 0);
  CHECK(Contains(then.out, "schedule:          rs_" + id + " v1\n"));
  CHECK(Contains(then.out, "total    900.00 USD  100.00 USD  1000.00 USD\n"));

  // The RevenueScheduleChanged events are in the log.
  Result events =
      cli.Run({"events", "tail", "--type", "revenue-schedule-changed"});
  INFO(events.err);
  REQUIRE(events.code == 0);
  CHECK(Contains(events.out, "rs_" + id + " v1"));
  CHECK(Contains(events.out, "rs_" + id + " v2"));

  // The journal by period, through the CLI.
  Result journal = cli.Run(
      {"revenue", "journal", id, "--from", "2025-02", "--to", "2025-02"});
  REQUIRE(journal.code == 0);
  CHECK(Contains(journal.out, "recognition"));
  CHECK_FALSE(Contains(journal.out, "2025-01"));
  CHECK_FALSE(Contains(journal.out, "2025-03"));

  SECTION("preview prints the table and stores nothing") {
    json preview = contract;
    preview["id"] = "ctr_preview";
    Result p = cli.Run(
        {"revenue", "preview", cli.File("preview.json", preview.dump())});
    INFO(p.err);
    REQUIRE(p.code == 0);
    CHECK(Contains(p.out, "total    900.00 USD  100.00 USD  1000.00 USD\n"));
    CHECK(Contains(p.out, "journal entries (previewed, not stored):"));
    Result none = cli.Run({"revenue", "show", "ctr_preview"});
    CHECK(none.code == 1);
    CHECK(Contains(none.err, "NOT_FOUND"));
  }
  SECTION("--json prints the schedule for machines") {
    Result j = cli.Run({"--json", "revenue", "show", id});
    REQUIRE(j.code == 0);
    json s = json::parse(j.out)["schedule"];
    CHECK(s["version"] == "2");
    CHECK(s["lines"].size() == v2["lines"].size());
  }
  CHECK(hub.Stop() == 0);
}

}  // namespace
}  // namespace revhub::testing
