// The orchestration commands of `revhub` (run in-process through RunCli and
// the gRPC client) against a real revhubd: a contract booked from a file
// starts a workflow whose delivery to an unreachable ERP is dead-lettered;
// the exception queue is then listed, shown, assigned, retried and
// resolved from the command line, and the next failure's money at stake is
// totalled; amend, renew and cancel start their workflows.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "hub/cli/client.h"
#include "hub/cli/commands.h"
#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

using nlohmann::json;

struct Ran {
  int code = -1;
  std::string out, err;
};

class Cli {
 public:
  Cli(std::string hub, std::string token)
      : hub_(std::move(hub)), token_(std::move(token)) {}

  Ran Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"revhub", "--hub", hub_});
    std::istringstream in(input);
    std::ostringstream out, err;
    cli::CliEnvironment env;
    env.default_token = token_;
    env.in = &in;
    env.out = &out;
    env.err = &err;
    env.connect = [](const cli::HubClientOptions& options) {
      return cli::NewGrpcHubClient(options);
    };
    Ran r;
    r.code = cli::RunCli(args, env);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // Runs and requires exit 0.
  Ran Ok(std::vector<std::string> args, const std::string& input = "") {
    Ran r = Run(args, input);
    INFO("revhub " << json(args).dump() << "\nstdout: " << r.out
                   << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    return r;
  }

  json Json(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--json");
    return json::parse(Ok(std::move(args), input).out);
  }

  // Polls `workflows show --json` until pred or 20 s.
  template <typename Pred>
  json AwaitWorkflow(const std::string& id, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    json w;
    while (std::chrono::steady_clock::now() < deadline) {
      w = Json({"workflows", "show", id})["workflow"];
      if (pred(w)) return w;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("workflow " << id << " did not get there: " << w.dump(1));
    return w;
  }

 private:
  std::string hub_;
  std::string token_;
};

TEST_CASE("revhub books a contract and works its exceptions on a real hub",
          "[orchestration][integration][cli]") {
  TempDir config_dir;
  const std::string config = config_dir.path() + "/orchestration.json";
  std::ofstream(config)
      << R"({"routing": [{"kind": "DEAD_LETTER", "owner": "integration-oncall"},
                         {"category": "FINANCE", "owner": "revenue-accounting"}],
             "sla": {"FINANCE": "2h", "METADATA": "72h"}})";
  Hub hub({"--orchestration-config", config});
  Cli cli(hub.process->address(), ReadAdminToken(hub.dir.path()));

  // An ERP whose adapter cannot reach its vendor, with a small retry budget
  // (the CLI has no flags for DeliveryPolicy; the registry API does).
  Register(*hub.registry, UnreachableErp());

  const std::string customer =
      cli.Json({"customers", "upsert", "-", "--idempotency-key", "c1"},
               R"({"name": "Acme", "currencyCode": "USD"})")["customer"]["id"];
  const std::string product =
      cli.Json({"products", "upsert", "-", "--idempotency-key", "p1"},
               R"({"name": "Platform", "revenueRule": "REVENUE_RULE_RATABLE"})")
          ["product"]["id"];
  const std::string contract_json =
      json{{"customerId", customer},
           {"currencyCode", "USD"},
           {"legalEntity", "acme-us"},
           {"lines",
            {{{"lineId", "1"},
              {"productId", product},
              {"quantity", {{"units", "1"}}},
              {"unitPrice", {{"currencyCode", "USD"}, {"units", "1200"}}},
              {"servicePeriod",
               {{"startTime", "2025-01-01T00:00:00Z"},
                {"endTime", "2026-01-01T00:00:00Z"}}}}}}}
          .dump();

  // Book: the workflow id and the contract come back at once; the same key
  // answers the same workflow.
  Ran booked = cli.Ok({"contracts", "book", "-", "--idempotency-key", "b1"},
                      contract_json);
  CHECK_THAT(booked.out, Catch::StartsWith("workflow wf_"));
  CHECK_THAT(booked.out,
             Catch::Contains("(booking) started for contract ctr_"));
  json again = cli.Json({"contracts", "book", "-", "--idempotency-key", "b1"},
                        contract_json);
  const std::string wf = again["workflowId"];
  const std::string contract = again["contract"]["id"];
  CHECK_THAT(booked.out, Catch::Contains("workflow " + wf + " "));

  // The customer's delivery spends its budget: a dead letter.
  cli.AwaitWorkflow(
      wf, [](const json& w) { return w["state"] == "WORKFLOW_STATE_BLOCKED"; });
  Ran listed = cli.Ok({"workflows", "list", "--contract", contract});
  CHECK_THAT(listed.out, Catch::Contains(wf));
  CHECK_THAT(listed.out, Catch::Contains("blocked"));
  CHECK_THAT(listed.out, Catch::Contains("sync_customer: exception "));
  Ran shown = cli.Ok({"workflows", "show", wf});
  CHECK_THAT(shown.out, Catch::Contains("dead-lettered"));
  CHECK_THAT(shown.out, Catch::Contains("last errors:\n"));

  json exceptions = cli.Json({"exceptions", "list", "--kind", "dead-letter"});
  REQUIRE(exceptions["exceptions"].size() == 1);
  const std::string id = exceptions["exceptions"][0]["exceptionId"];
  Ran table = cli.Ok({"exceptions", "list", "--category", "finance"});
  CHECK_THAT(table.out, Catch::Contains("dead-letter"));
  CHECK_THAT(table.out, Catch::Contains("integration-oncall"));
  CHECK_THAT(table.out, Catch::Contains("within ("));
  CHECK_THAT(table.out, Catch::Contains("\n1 exception; at stake: "));
  CHECK(cli.Ok({"exceptions", "list", "--min-age", "1d"}).out ==
        "no exceptions\n");

  // alice (finance) takes the exception herself, with her own token.
  const std::string alice =
      CreatePrincipal(hub.process->channel(), "alice", v1::ROLE_FINANCE);
  CHECK(cli.Ok({"--token", alice, "exceptions", "assign", id, "alice", "--note",
                "looking"})
            .out == "exception " + id + " assigned to alice (open)\n");
  CHECK_THAT(cli.Ok({"exceptions", "retry", id}).out,
             Catch::Contains("(retrying)"));
  cli.AwaitWorkflow(wf, [](const json& w) {
    return w["state"] == "WORKFLOW_STATE_BLOCKED" &&
           w["steps"][2]["state"] == "STEP_STATE_DEAD_LETTERED";
  });
  Ran detail = cli.Ok({"exceptions", "show", id});
  for (const char* expected :
       {"kind:            dead-letter\n", "owner:           alice\n", "opened",
        "assigned", "retried", "looking", "workflow:\n", "sync_customer"}) {
    CHECK_THAT(detail.out, Catch::Contains(expected));
  }

  // Resolve without a reason is refused before anything is sent.
  Ran refused = cli.Run({"exceptions", "resolve", id});
  CHECK(refused.code == cli::kExitUsage);
  CHECK_THAT(refused.err, Catch::Contains("--reason"));
  CHECK(cli.Ok({"exceptions", "resolve", id, "--reason", "created by hand"})
            .out == "exception " + id + " resolved: created by hand\n");
  Ran gone = cli.Run({"exceptions", "show", "999999"});
  CHECK(gone.code == cli::kExitServerError);
  CHECK_THAT(gone.err, Catch::Contains("NOT_FOUND"));

  // The workflow goes on to a journal entry the ERP cannot map: a
  // metadata mismatch with money at stake, totalled exactly.
  cli.AwaitWorkflow(wf, [](const json& w) {
    return w["steps"][2]["state"] == "STEP_STATE_SKIPPED" &&
           w["state"] == "WORKFLOW_STATE_BLOCKED";
  });
  json mismatches = cli.Json({"exceptions", "list", "--category", "metadata"});
  REQUIRE(mismatches["exceptions"].size() == 1);
  const json& at_stake = mismatches["exceptions"][0]["amountAtStake"];
  REQUIRE(at_stake["currencyCode"] == "USD");
  Ran metadata = cli.Ok({"exceptions", "list", "--category", "metadata"});
  const std::string units = at_stake["units"];
  CHECK_THAT(metadata.out,
             Catch::Contains("1 exception; at stake: " + units + "."));
  CHECK_THAT(metadata.out, Catch::EndsWith(" USD\n"));

  // Amend (refused on a stale version, then accepted), renew, cancel.
  json amended_contract = json::parse(contract_json);
  amended_contract["id"] = contract;
  amended_contract["lines"][0]["unitPrice"]["units"] = "1500";
  Ran stale = cli.Run({"contracts", "amend", "-", "--expected-version", "7"},
                      amended_contract.dump());
  CHECK(stale.code == cli::kExitServerError);
  CHECK_THAT(stale.err, Catch::Contains("ABORTED"));
  CHECK_THAT(cli.Ok({"contracts", "amend", "-", "--expected-version", "1"},
                    amended_contract.dump())
                 .out,
             Catch::Contains("(amendment) started for contract " + contract +
                             " version 2"));
  json renewal = json::parse(contract_json);
  renewal.erase("customerId");
  renewal["lines"][0]["servicePeriod"] = {{"startTime", "2026-01-01T00:00:00Z"},
                                          {"endTime", "2027-01-01T00:00:00Z"}};
  CHECK_THAT(cli.Ok({"contracts", "renew", contract, "-"}, renewal.dump()).out,
             Catch::Contains(", renewing " + contract));
  json cancelled =
      cli.Json({"contracts", "cancel", contract, "--at", "2025-07-01T00:00:00Z",
                "--reason", "churned", "--credit", "unused"});
  const std::string cancel_wf = cancelled["workflowId"];
  json pending = cli.Json({"workflows", "list", "--kind", "cancellation",
                           "--state", "pending", "--contract", contract});
  REQUIRE(pending["workflows"].size() == 1);
  CHECK(pending["workflows"][0]["workflowId"] == cancel_wf);
}

}  // namespace
}  // namespace revhub::testing
