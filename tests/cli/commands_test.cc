// Tests of the revhub command line as a whole (hub/cli/commands.h and
// command_context.h): usage errors, global flags, exit codes and --help on
// every command, run in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

using namespace ::revhub::cli::fixtures;  // NOLINT

TEST_CASE("usage errors exit 2 and send nothing", "[commands]") {
  Harness h;
  TempFile bad_json("config.json", "{not json");
  TempFile array_json("config.json", "[1, 2]");
  struct Case {
    std::vector<std::string> args;
    std::string err_start;
  };
  std::vector<Case> cases = {
      {{"systems", "register", "--name", "x", "--kind", "crm", "--command", "a",
        "--endpoint", "h:1"},
       "revhub: --command excludes --endpoint"},
      {{"systems", "register", "--name", "x", "--kind", "mainframe"},
       "revhub: INVALID_ARGUMENT: --kind: 'mainframe' is not one of crm, "
       "billing, erp, revrec, other\n"},
      {{"systems", "register", "--name", "x", "--kind", "crm",
        "--authoritative-for", "customer,ledger"},
       "revhub: INVALID_ARGUMENT: --authoritative-for: 'ledger' is not one "
       "of customer,"},
      {{"systems", "register", "--name", "x", "--kind", "crm", "--config-file",
        bad_json.path()},
       "revhub: INVALID_ARGUMENT: " + bad_json.path() +
           ": not a valid google.protobuf.Struct in JSON"},
      {{"systems", "register", "--name", "x", "--kind", "crm", "--config-file",
        array_json.path()},
       "revhub: INVALID_ARGUMENT: " + array_json.path() + ": not a valid"},
      {{"systems", "register", "--name", "x", "--kind", "crm", "--config-file",
        "/nonexistent/config.json"},
       "revhub: NOT_FOUND: /nonexistent/config.json: cannot open"},
      {{"systems", "register", "--kind", "crm"}, "revhub: --name is required"},
      {{"systems", "disable", "crm"}, "revhub: --reason is required"},
      {{"customers", "show"},
       "revhub: INVALID_ARGUMENT: give either the customer ID or --ref"},
      {{"customers", "show", "cus_1", "--as-of", "2025-01-01T00:00:00Z",
        "--version", "2"},
       "revhub: --as-of excludes --version"},
      {{"customers", "get", "cus_1", "--as-of", "last week"},
       "revhub: INVALID_ARGUMENT: --as-of: 'last week' is not an RFC 3339 "
       "time"},
      {{"contracts", "get", "--ref", "sf-prod:Opportunity"},
       "revhub: INVALID_ARGUMENT: --ref: 'sf-prod:Opportunity' is not "
       "SYSTEM:OBJECT_TYPE:VENDOR_ID"},
      {{"invoices", "list", "--kind", "receipt"},
       "revhub: INVALID_ARGUMENT: --kind: 'receipt' is not one of invoice, "
       "credit_note\n"},
      {{"customers", "upsert", "/nonexistent.json", "--idempotency-key", "k"},
       "revhub: NOT_FOUND: /nonexistent.json: cannot open"},
      {{"customers", "upsert", bad_json.path()},
       "revhub: --idempotency-key is required"},
      {{"events", "tail", "--type", "contract_booked,gossip"},
       "revhub: INVALID_ARGUMENT: --type: 'gossip' is not one of"},
      {{"events", "tail", "--live-only"},
       "revhub: INVALID_ARGUMENT: --live-only: needs --follow"},
      {{"events", "ack", "--consumer", "c", "--position", "0"},
       "revhub: --position: Value 0 not in range"},
      {{"--timeout", "0", "systems", "list"},
       "revhub: INVALID_ARGUMENT: --timeout: must be a positive number"},
      {{"ledgers", "list"},
       "revhub: 'ledgers' is not a command of revhub (one of: systems, "
       "customers, products, contracts, invoices, payments, ingest, records, "
       "events, revenue, usage, deliveries, periods, workflows, exceptions, "
       "principals, certs, audit, "
       "sync, trace, reconcile)\n"},
      {{"--hub", "h:1", "--json", "systems", "lst"},
       "revhub: 'lst' is not a command of revhub systems (one of: register, "
       "list, show, disable, describe, check)\n"},
      {{"customers", "list", "extra"},
       "revhub: The following argument was not expected: extra\n"},
      {{}, "revhub: A subcommand is required"},
      {{"systems"}, "revhub: A subcommand is required"},
  };
  for (const Case& c : cases) {
    Result r = h.Run(c.args);
    INFO("args: " << nlohmann::json(c.args).dump() << "\nstderr: " << r.err);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::StartsWith(c.err_start));
    CHECK(r.out.empty());
  }
  CHECK(h.hub.calls == 0);
}

TEST_CASE("global flags work before or after the command", "[commands]") {
  Harness h;
  h.default_hub = "hub.test:7777";
  hubv1::ListSystemsResponse page;
  *page.add_systems() = SystemNamed("sf-prod");
  h.hub.ListSystems_answers = {page, page};

  Result defaults = h.Run({"systems", "list"});
  REQUIRE(defaults.code == kExitOk);
  REQUIRE(h.connected_with.has_value());
  CHECK(h.connected_with->target == "hub.test:7777");
  CHECK(h.connected_with->token.empty());
  CHECK(h.connected_with->call_timeout == absl::Seconds(30));
  CHECK_FALSE(h.connected_with->stream_timeout.has_value());

  Result r = h.Run({"systems", "list", "--json", "--hub", "127.0.0.1:9",
                    "--token", "rhk_alice", "--timeout", "2.5"});
  REQUIRE(r.code == kExitOk);
  CHECK(h.connected_with->target == "127.0.0.1:9");
  CHECK(h.connected_with->token == "rhk_alice");
  CHECK(h.connected_with->call_timeout == absl::Milliseconds(2500));
  CHECK(h.connected_with->stream_timeout == absl::Milliseconds(2500));
  nlohmann::json json = nlohmann::json::parse(r.out);
  CHECK(json["systems"][0]["name"] == "sf-prod");
  CHECK(json["nextPageToken"] == "");
}

TEST_CASE("hub errors: code name and message, exit 1 or 3", "[commands]") {
  Harness h;
  TempFile file("customer.json", "{}");
  h.hub.UpsertCustomer_answers.push_back(
      absl::InvalidArgumentError("customer.name: is required"));
  Result invalid =
      h.Run({"customers", "upsert", file.path(), "--idempotency-key", "k"});
  CHECK(invalid.code == kExitServerError);
  CHECK(invalid.err ==
        "revhub: INVALID_ARGUMENT: customer.name: is required\n");
  CHECK(invalid.out.empty());

  h.hub.GetCustomer_answers.push_back(
      absl::NotFoundError("customer cus_404 does not exist"));
  Result missing = h.Run({"customers", "get", "cus_404"});
  CHECK(missing.code == kExitServerError);
  CHECK(missing.err == "revhub: NOT_FOUND: customer cus_404 does not exist\n");

  h.hub.ListSystems_answers.push_back(
      absl::UnavailableError("failed to connect to all addresses"));
  Result down = h.Run({"--hub", "127.0.0.1:1", "systems", "list"});
  CHECK(down.code == kExitUnreachable);
  CHECK_THAT(down.err,
             Catch::StartsWith("revhub: UNAVAILABLE: failed to connect to all "
                               "addresses\nrevhub: is a hub running at "
                               "127.0.0.1:1?"));

  CHECK(ExitCodeForHubStatus(absl::OkStatus()) == kExitOk);
  CHECK(ExitCodeForHubStatus(absl::AbortedError("version")) ==
        kExitServerError);
  CHECK(ExitCodeForHubStatus(absl::UnavailableError("down")) ==
        kExitUnreachable);
}

TEST_CASE("--help works on every command and calls nothing", "[commands]") {
  Harness h;
  const std::vector<std::vector<std::string>> commands = {
      {},
      {"systems"},
      {"systems", "register"},
      {"systems", "list"},
      {"systems", "show"},
      {"systems", "disable"},
      {"customers"},
      {"customers", "show"},
      {"customers", "list"},
      {"customers", "upsert"},
      {"products", "list"},
      {"contracts", "show"},
      {"contracts", "list"},
      {"contracts", "upsert"},
      {"invoices", "list"},
      {"invoices", "upsert"},
      {"payments", "show"},
      {"payments", "list"},
      {"ingest"},
      {"records"},
      {"records", "list"},
      {"records", "get"},
      {"events"},
      {"events", "tail"},
      {"events", "ack"},
      {"events", "consumer"},
      {"usage", "report"},
      {"deliveries", "record"},
      {"deliveries", "list"},
      {"periods", "close"},
      {"periods", "reopen"},
      {"periods", "list"},
  };
  for (std::vector<std::string> command : commands) {
    std::string path = "revhub";
    for (const std::string& word : command) path += " " + word;
    command.push_back("--help");
    Result r = h.Run(command);
    INFO(path << "\n" << r.out << r.err);
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("Usage: " + path));
    CHECK(r.err.empty());
  }
  CHECK(h.hub.calls == 0);
  CHECK_FALSE(h.connected_with.has_value());
}

TEST_CASE("get is an alias of show, in use and in help", "[commands]") {
  Harness h;
  for (const char* group : {"systems", "customers", "products", "contracts",
                            "invoices", "payments"}) {
    Result r = h.Run({group, "get", "--help"});
    INFO(group << "\n" << r.out << r.err);
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains(std::string("Usage: revhub ") + group +
                                      " show"));
  }
  Result help = h.Run({"customers", "--help"});
  CHECK_THAT(help.out, Catch::Contains("show"));
  CHECK(h.hub.calls == 0);
}

}  // namespace
}  // namespace revhub::cli
