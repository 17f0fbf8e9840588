// The control-tower page in a real browser: a hub seeded through the real
// APIs (a posting NetSuite rejects, a delivery that dead-letters, a
// reconciliation variance), then control_tower_page.js drives Debian's
// chromium through puppeteer-core: it signs in, checks what a person sees
// (the money at stake, the owner, the SLA state, the workflow, the lineage,
// the variance), resolves the rejection with a reason, and saves a
// screenshot of each view under build/test-output/control_tower/. This test
// then checks the hub's own state changed.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/e2e/reconciliation_support.h"
#include "tests/support/auth.h"
#include "tests/support/run.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

// "USD 12,345.60": how a person reads an amount, written independently of
// the page's own formatting.
std::string Display(const std::string& currency, Nanos amount) {
  const bool negative = amount < 0;
  if (negative) amount = -amount;
  const int64_t cents = (amount + 5'000'000) / 10'000'000;
  std::string whole = std::to_string(cents / 100);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) {
    whole.insert(static_cast<size_t>(i), ",");
  }
  const int64_t frac = cents % 100;
  return absl::StrCat(currency, " ", negative ? "-" : "", whole, ".",
                      frac < 10 ? "0" : "", frac);
}

std::string StateName(v1::SlaState s) {
  std::string n = v1::SlaState_Name(s);
  return n.substr(std::string("SLA_STATE_").size());
}

}  // namespace

TEST_CASE(
    "the control tower shows the money at stake and resolves in a "
    "real browser",
    "[control-tower][browser]") {
  // The browser is Debian's, installed by `cmake/install-deps.sh sanitizers`
  // (./dev test does it).
  const char* chromium_env = std::getenv("CHROMIUM");
  const std::string chromium =
      chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
  INFO("chromium: " << chromium
                    << " (install it: cmake/install-deps.sh sanitizers)");
  REQUIRE(std::filesystem::exists(chromium));
  HarnessOptions options;
  options.max_attempts = 2;
  options.hub_args = {"--http-listen", "127.0.0.1:0",
                      "--backlog-sample-interval", "1s"};
  options.default_currency = "USD";
  Harness h(options);
  REQUIRE_FALSE(h.hub().http_address().empty());

  // A posting NetSuite rejects: March's recognition of the first contract.
  ContractSpec rejected_spec;
  rejected_spec.tag = "page-rejected";
  h.emulator().AddFault(PeriodClosedFault("_recognition_2025-03"));
  BookedContract rejected = h.Book(rejected_spec);
  REQUIRE(h.WaitWorkflow(
      rejected.workflow_id,
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_BLOCKED;
      },
      seconds(90)));
  // A delivery that never gets through: the second contract's invoice.
  h.emulator().ClearFaults();
  h.emulator().AddFault(
      R"({"mode":"status","status":503,"method":"PUT","path_contains":"/invoice/"})");
  ContractSpec dead_spec;
  dead_spec.tag = "page-dead";
  dead_spec.monthly_cents = 250000;
  BookedContract dead = h.Book(dead_spec);
  REQUIRE(h.WaitQuiet(seconds(120), 2));
  h.emulator().ClearFaults();
  INFO(h.Explain());
  // NetSuite loses its journal entries; the ledger says they were posted:
  // January's reconciliation finds them missing.
  h.emulator().LoseRecords("journalEntry");
  v1::ReconciliationReport report = Reconcile(h, "2025-01");
  INFO(Describe(report));
  bool missing = false;
  for (const auto& v : OpenVariances(report)) {
    missing |= v.category() == v1::VARIANCE_CATEGORY_MISSING_IN_ERP;
  }
  REQUIRE(missing);

  auto open = h.Exceptions(OpenExceptions());
  const v1::Exception* rejection = nullptr;
  const v1::Exception* dead_letter = nullptr;
  for (const auto& e : open) {
    if (e.kind() == v1::EXCEPTION_KIND_POSTING_REJECTED &&
        e.contract_id() == rejected.contract.id()) {
      rejection = &e;
    }
    if (e.kind() == v1::EXCEPTION_KIND_DEAD_LETTER &&
        e.contract_id() == dead.contract.id()) {
      dead_letter = &e;
    }
  }
  REQUIRE(rejection != nullptr);
  REQUIRE(dead_letter != nullptr);
  // What the page must show, read here through gRPC.
  Nanos stake = 0;
  int breached = 0;
  for (const auto& e : open) {
    if (e.amount_at_stake().currency_code() == "USD") {
      stake += ToNanos(e.amount_at_stake());
    }
    if (e.sla_state() == v1::SLA_STATE_BREACHED) ++breached;
  }
  // A journal entry the ERP holds, for the lineage view.
  std::string posted_entry;
  const v1::Workflow booked = h.GetWorkflow(rejected.workflow_id);
  for (const auto& s : booked.steps()) {
    if (s.name() == "post_journal_entry" &&
        s.state() == v1::STEP_STATE_SUCCEEDED && posted_entry.empty()) {
      posted_entry = s.entity().id();
    }
  }
  REQUIRE_FALSE(posted_entry.empty());

  const std::string reason = "period reopened in NetSuite; reposted by hand";
  nlohmann::json expect = {
      {"currency", "USD"},
      {"stake", Display("USD", stake)},
      {"openCount", open.size()},
      {"breached", breached},
      {"owner", rejection->owner()},
      {"reason", reason},
      {"rejection",
       {{"id", std::to_string(rejection->exception_id())},
        {"amount", Display("USD", ToNanos(rejection->amount_at_stake()))},
        {"sla", StateName(rejection->sla_state())}}},
      {"deadLetter", {{"id", std::to_string(dead_letter->exception_id())}}},
      {"workflow",
       {{"id", rejected.workflow_id},
        {"state", "BLOCKED"},
        {"failedStepState", "FAILED"}}},
      {"journalEntry", posted_entry},
      {"traceKinds", {"JOURNAL_ENTRY", "WORKFLOW", "ERP_POSTING"}},
      {"reconciliation",
       {{"period", "2025-01"}, {"category", "MISSING_IN_ERP"}}},
  };
  CHECK(rejection->owner() == "revenue-accounting");

  const std::string out_dir = std::filesystem::weakly_canonical(
                                  BinDir() + "/../test-output/control_tower")
                                  .string();
  std::filesystem::remove_all(out_dir);
  const std::string token = ReadAdminToken(h.hub().data_dir());
  TempDir scratch;
  RunResult run = RunProgram(
      {"/usr/bin/env",
       absl::StrCat("NODE_PATH=", SourceDir(),
                    "/cmake/node-tools/node_modules"),
       absl::StrCat("REVHUB_URL=http://", h.hub().http_address()),
       absl::StrCat("REVHUB_TOKEN=", token), absl::StrCat("OUT_DIR=", out_dir),
       absl::StrCat("EXPECT=", expect.dump()), "node",
       SourceDir() + "/tests/e2e/control_tower_page.js"},
      scratch.path(), "/dev/null", std::chrono::minutes(4));
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  REQUIRE(run.code == 0);
  auto seen = nlohmann::json::parse(run.out.substr(run.out.rfind("{\"seen\"")));
  CHECK(seen["screenshots"].size() >= 8);
  for (const auto& file : seen["screenshots"]) {
    CHECK(std::filesystem::file_size(file.get<std::string>()) > 10'000);
  }

  // The resolution the browser made is the hub's state now.
  v1::GetExceptionRequest get;
  get.set_exception_id(rejection->exception_id());
  v1::GetExceptionResponse got;
  REQUIRE_GRPC_OK(h.Call(&v1::ExceptionService::Stub::GetException, get, &got));
  CHECK(got.exception().state() == v1::EXCEPTION_STATE_RESOLVED);
  CHECK(got.exception().resolution() == reason);
  // The contract's posting rejection is gone from the queue (its missing
  // journal entries remain, as reconciliation variances).
  for (const auto& e : h.Exceptions(OpenExceptions(rejected.contract.id()))) {
    CHECK(e.kind() == v1::EXCEPTION_KIND_RECONCILIATION_VARIANCE);
  }
}

}  // namespace revhub::testing::orch
