// Tests of the revhub command line: the requests a command line sends, what
// it prints and its exit code, run in-process against a RecordingHub.
#include "hub/cli/commands.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "canonical/money.h"
#include "recording_hub.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs command lines against one RecordingHub and keeps what they printed.
class Harness {
 public:
  RecordingHub hub;
  std::optional<HubClientOptions> connected_with;
  std::string stdin_text;
  std::string default_hub = kDefaultHub;

  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), "revhub");
    std::istringstream in(stdin_text);
    std::ostringstream out;
    std::ostringstream err;
    CliEnvironment env;
    env.default_hub = default_hub;
    env.in = &in;
    env.out = &out;
    env.err = &err;
    env.connect = [this](const HubClientOptions& options) {
      connected_with = options;
      return std::make_unique<BorrowedHub>(hub);
    };
    Result result;
    result.code = RunCli(args, env);
    result.out = out.str();
    result.err = err.str();
    return result;
  }
};

// A file in a fresh temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& name, const std::string& content) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "revhub-cli-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    path_ = (dir_ / name).string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

hubv1::System SystemNamed(const std::string& name, int64_t version = 1) {
  hubv1::System system;
  system.set_name(name);
  system.set_kind(hubv1::SYSTEM_KIND_CRM);
  system.set_state(hubv1::SYSTEM_STATE_ENABLED);
  system.set_version(version);
  return system;
}

canon::Customer CustomerNamed(const std::string& id, const std::string& name) {
  canon::Customer customer;
  customer.set_id(id);
  customer.set_version(1);
  customer.set_name(name);
  return customer;
}

TEST_CASE("systems register sends the whole registration", "[commands]") {
  Harness h;
  TempFile config("config.json", R"({"instance": "acme", "sandbox": true})");
  hubv1::RegisterSystemResponse answer;
  *answer.mutable_system() = SystemNamed("sf-prod", 3);
  h.hub.RegisterSystem_answers.push_back(answer);

  Result r =
      h.Run({"systems", "register", "--name", "sf-prod", "--kind", "crm",
             "--command", "revhub-adapter-salesforce", "--arg=-v", "--arg",
             "fast", "--env", "TZ=UTC", "--config-file", config.path(),
             "--authoritative-for", "customer,contract", "--replace"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.RegisterSystem_requests.size() == 1);
  const hubv1::RegisterSystemRequest& sent = h.hub.RegisterSystem_requests[0];
  CHECK(sent.system().name() == "sf-prod");
  CHECK(sent.system().kind() == hubv1::SYSTEM_KIND_CRM);
  CHECK(sent.system().adapter().launch().command() ==
        "revhub-adapter-salesforce");
  CHECK(
      std::vector<std::string>(sent.system().adapter().launch().args().begin(),
                               sent.system().adapter().launch().args().end()) ==
      std::vector<std::string>{"-v", "fast"});
  CHECK(sent.system().adapter().launch().env().at("TZ") == "UTC");
  CHECK(sent.system().config().fields().at("instance").string_value() ==
        "acme");
  CHECK(sent.system().config().fields().at("sandbox").bool_value());
  REQUIRE(sent.system().authoritative_for_size() == 2);
  CHECK(sent.system().authoritative_for(0) == canon::ENTITY_TYPE_CUSTOMER);
  CHECK(sent.system().authoritative_for(1) == canon::ENTITY_TYPE_CONTRACT);
  CHECK(sent.replace_existing());
  CHECK_THAT(r.out, Catch::StartsWith("system sf-prod registered (version 3)"));
}

TEST_CASE("systems register with an endpoint", "[commands]") {
  Harness h;
  hubv1::RegisterSystemResponse answer;
  *answer.mutable_system() = SystemNamed("erp");
  answer.set_unchanged(true);
  h.hub.RegisterSystem_answers.push_back(answer);
  Result r = h.Run({"systems", "register", "--name", "erp", "--kind", "ERP",
                    "--endpoint", "127.0.0.1:7000"});
  REQUIRE(r.code == kExitOk);
  const hubv1::RegisterSystemRequest& sent = h.hub.RegisterSystem_requests[0];
  CHECK(sent.system().adapter().endpoint() == "127.0.0.1:7000");
  CHECK(sent.system().kind() == hubv1::SYSTEM_KIND_ERP);
  CHECK_FALSE(sent.replace_existing());
  CHECK_THAT(r.out, Catch::StartsWith("system erp unchanged (version 1)"));
}

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
      {{"customers", "get"},
       "revhub: INVALID_ARGUMENT: give either the customer ID or --ref"},
      {{"customers", "get", "cus_1", "--as-of", "2025-01-01T00:00:00Z",
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
       "events, revenue, workflows, exceptions)\n"},
      {{"--hub", "h:1", "--json", "systems", "lst"},
       "revhub: 'lst' is not a command of revhub systems (one of: register, "
       "list, get, disable, describe, check)\n"},
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
  CHECK(h.connected_with->principal.empty());
  CHECK(h.connected_with->call_timeout == absl::Seconds(30));
  CHECK_FALSE(h.connected_with->stream_timeout.has_value());

  Result r = h.Run({"systems", "list", "--json", "--hub", "127.0.0.1:9",
                    "--principal", "alice", "--timeout", "2.5"});
  REQUIRE(r.code == kExitOk);
  CHECK(h.connected_with->target == "127.0.0.1:9");
  CHECK(h.connected_with->principal == "alice");
  CHECK(h.connected_with->call_timeout == absl::Milliseconds(2500));
  CHECK(h.connected_with->stream_timeout == absl::Milliseconds(2500));
  nlohmann::json json = nlohmann::json::parse(r.out);
  CHECK(json["systems"][0]["name"] == "sf-prod");
  CHECK(json["nextPageToken"] == "");
}

TEST_CASE("systems list filters and prints a table", "[commands]") {
  Harness h;
  hubv1::ListSystemsResponse page;
  *page.add_systems() = SystemNamed("sf-prod");
  hubv1::System stripe = SystemNamed("stripe", 2);
  stripe.set_kind(hubv1::SYSTEM_KIND_BILLING);
  stripe.set_state(hubv1::SYSTEM_STATE_DISABLED);
  stripe.mutable_adapter()->set_endpoint("127.0.0.1:7001");
  *page.add_systems() = stripe;
  h.hub.ListSystems_answers.push_back(page);
  Result r = h.Run({"systems", "list", "--all", "--kind", "billing"});
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.ListSystems_requests[0].include_disabled());
  CHECK(h.hub.ListSystems_requests[0].kind() == hubv1::SYSTEM_KIND_BILLING);
  CHECK(r.out ==
        "NAME     KIND     STATE     ADAPTER                  AUTHORITATIVE "
        "FOR  VERSION  UPDATED\n"
        "sf-prod  crm      enabled   -                        -              "
        "          1  -\n"
        "stripe   billing  disabled  endpoint 127.0.0.1:7001  -              "
        "          2  -\n");
}

TEST_CASE("systems get and disable", "[commands]") {
  Harness h;
  hubv1::GetSystemResponse got;
  *got.mutable_system() = SystemNamed("sf-prod");
  h.hub.GetSystem_answers.push_back(got);
  hubv1::DisableSystemResponse disabled;
  *disabled.mutable_system() = SystemNamed("sf-prod", 2);
  disabled.mutable_system()->set_state(hubv1::SYSTEM_STATE_DISABLED);
  disabled.mutable_system()->set_disabled_reason("migrating");
  h.hub.DisableSystem_answers.push_back(disabled);

  Result get = h.Run({"systems", "get", "sf-prod"});
  REQUIRE(get.code == kExitOk);
  CHECK(h.hub.GetSystem_requests[0].name() == "sf-prod");
  CHECK_THAT(get.out, Catch::StartsWith("name:              sf-prod\n"
                                        "kind:              crm\n"
                                        "state:             enabled\n"));

  Result disable =
      h.Run({"systems", "disable", "sf-prod", "--reason", "migrating"});
  REQUIRE(disable.code == kExitOk);
  CHECK(h.hub.DisableSystem_requests[0].name() == "sf-prod");
  CHECK(h.hub.DisableSystem_requests[0].reason() == "migrating");
  CHECK_THAT(disable.out, Catch::Contains("state:             disabled\n"
                                          "disabled reason:   migrating\n"));
}

TEST_CASE("get reads by id, external ref, time or version", "[commands]") {
  Harness h;
  hubv1::GetCustomerResponse customer;
  *customer.mutable_customer() = CustomerNamed("cus_1", "Acme Corp");
  h.hub.GetCustomer_answers = {customer, customer, customer};
  hubv1::GetContractResponse contract;
  contract.mutable_contract()->set_id("ctr_1");
  h.hub.GetContract_answers.push_back(contract);

  REQUIRE(h.Run({"customers", "get", "cus_1"}).code == kExitOk);
  CHECK(h.hub.GetCustomer_requests[0].id() == "cus_1");
  CHECK_FALSE(h.hub.GetCustomer_requests[0].has_as_of());
  CHECK(h.hub.GetCustomer_requests[0].version() == 0);

  REQUIRE(h.Run({"customers", "get", "cus_1", "--as-of",
                 "2025-03-01T12:00:00.5+01:00"})
              .code == kExitOk);
  CHECK(h.hub.GetCustomer_requests[1].as_of().seconds() == 1740826800);
  CHECK(h.hub.GetCustomer_requests[1].as_of().nanos() == 500000000);

  Result v = h.Run({"customers", "get", "cus_1", "--version", "4", "--json"});
  REQUIRE(v.code == kExitOk);
  CHECK(h.hub.GetCustomer_requests[2].version() == 4);
  CHECK(nlohmann::json::parse(v.out)["customer"]["name"] == "Acme Corp");

  REQUIRE(h.Run({"contracts", "get", "--ref",
                 "sf-prod:Opportunity:006:with:colons"})
              .code == kExitOk);
  const canon::ExternalRef& ref = h.hub.GetContract_requests[0].external_ref();
  CHECK(ref.system() == "sf-prod");
  CHECK(ref.object_type() == "Opportunity");
  CHECK(ref.vendor_id() == "006:with:colons");
  CHECK(h.hub.GetContract_requests[0].id().empty());
}

TEST_CASE("list sends each entity's filters", "[commands]") {
  Harness h;
  h.hub.ListContracts_answers.push_back(hubv1::ListContractsResponse());
  h.hub.ListInvoices_answers.push_back(hubv1::ListInvoicesResponse());
  h.hub.ListPayments_answers.push_back(hubv1::ListPaymentsResponse());
  h.hub.ListProducts_answers.push_back(hubv1::ListProductsResponse());
  h.hub.ListCustomers_answers.push_back(hubv1::ListCustomersResponse());
  h.hub.ListRecords_answers.push_back(hubv1::ListRecordsResponse());

  Result contracts =
      h.Run({"contracts", "list", "--customer", "cus_1", "--status", "active",
             "--system", "sf-prod", "--legal-entity", "acme-us", "--page-size",
             "50", "--page-token", "abc"});
  REQUIRE(contracts.code == kExitOk);
  CHECK(contracts.out == "no contracts\n");
  const hubv1::ListContractsRequest& c = h.hub.ListContracts_requests[0];
  CHECK(c.customer_id() == "cus_1");
  CHECK(c.status() == canon::CONTRACT_STATUS_ACTIVE);
  CHECK(c.system() == "sf-prod");
  CHECK(c.legal_entity() == "acme-us");
  CHECK(c.page_size() == 50);
  CHECK(c.page_token() == "abc");

  REQUIRE(h.Run({"invoices", "list", "--kind", "credit-note", "--status",
                 "open", "--contract", "ctr_1"})
              .code == kExitOk);
  CHECK(h.hub.ListInvoices_requests[0].kind() ==
        canon::INVOICE_KIND_CREDIT_NOTE);
  CHECK(h.hub.ListInvoices_requests[0].status() == canon::INVOICE_STATUS_OPEN);
  CHECK(h.hub.ListInvoices_requests[0].contract_id() == "ctr_1");

  REQUIRE(h.Run({"payments", "list", "--invoice", "inv_1", "--status",
                 "partially_refunded"})
              .code == kExitOk);
  CHECK(h.hub.ListPayments_requests[0].invoice_id() == "inv_1");
  CHECK(h.hub.ListPayments_requests[0].status() ==
        canon::PAYMENT_STATUS_PARTIALLY_REFUNDED);

  REQUIRE(h.Run({"products", "list", "--revenue-rule", "ratable"}).code ==
          kExitOk);
  CHECK(h.hub.ListProducts_requests[0].revenue_rule() ==
        canon::REVENUE_RULE_RATABLE);

  REQUIRE(h.Run({"customers", "list", "--status", "inactive"}).code == kExitOk);
  CHECK(h.hub.ListCustomers_requests[0].status() ==
        canon::CUSTOMER_STATUS_INACTIVE);

  REQUIRE(h.Run({"records", "list", "--system", "stripe", "--status", "failed",
                 "--object-type", "invoice"})
              .code == kExitOk);
  CHECK(h.hub.ListRecords_requests[0].system() == "stripe");
  CHECK(h.hub.ListRecords_requests[0].status() == hubv1::RECORD_STATUS_FAILED);
  CHECK(h.hub.ListRecords_requests[0].object_type() == "invoice");
}

TEST_CASE("--all-pages follows page tokens into one list", "[commands]") {
  Harness h;
  hubv1::ListCustomersResponse first;
  *first.add_customers() = CustomerNamed("cus_1", "Acme");
  first.set_next_page_token("t1");
  hubv1::ListCustomersResponse second;
  *second.add_customers() = CustomerNamed("cus_2", "Beta");
  second.set_next_page_token("t2");
  hubv1::ListCustomersResponse last;
  *last.add_customers() = CustomerNamed("cus_3", "Gamma");

  SECTION("human: one table") {
    h.hub.ListCustomers_answers = {first, second, last};
    Result r = h.Run({"customers", "list", "--all-pages", "--page-size", "1"});
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.ListCustomers_requests.size() == 3);
    CHECK(h.hub.ListCustomers_requests[0].page_token().empty());
    CHECK(h.hub.ListCustomers_requests[1].page_token() == "t1");
    CHECK(h.hub.ListCustomers_requests[2].page_token() == "t2");
    CHECK(h.hub.ListCustomers_requests[2].page_size() == 1);
    CHECK_THAT(r.out, Catch::StartsWith("ID     VERSION  NAME   STATUS"));
    CHECK_THAT(r.out, Catch::Contains("\ncus_3        1  Gamma  -"));
    CHECK_THAT(r.out, !Catch::Contains("more:"));
  }
  SECTION("json: one object with every item") {
    h.hub.ListCustomers_answers = {first, second, last};
    Result r = h.Run({"customers", "list", "--all-pages", "--json"});
    REQUIRE(r.code == kExitOk);
    nlohmann::json json = nlohmann::json::parse(r.out);
    REQUIRE(json["customers"].size() == 3);
    CHECK(json["customers"][2]["id"] == "cus_3");
    CHECK(json["nextPageToken"] == "");
  }
  SECTION("one page tells how to get the next") {
    h.hub.ListCustomers_answers = {first, first};
    Result r = h.Run({"customers", "list"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.ListCustomers_requests.size() == 1);
    CHECK_THAT(r.out,
               Catch::EndsWith("\nmore: --page-token t1 (or --all-pages)\n"));
    Result json = h.Run({"customers", "list", "--json"});
    CHECK(nlohmann::json::parse(json.out)["nextPageToken"] == "t1");
  }
  SECTION("a hub error on a later page is reported") {
    h.hub.ListCustomers_answers = {
        first, absl::InvalidArgumentError("page_token: is not valid")};
    Result r = h.Run({"customers", "list", "--all-pages"});
    CHECK(r.code == kExitServerError);
    CHECK(r.out.empty());
    CHECK(r.err == "revhub: INVALID_ARGUMENT: page_token: is not valid\n");
  }
}

TEST_CASE("upsert sends the entity JSON with key and version", "[commands]") {
  Harness h;
  TempFile file("customer.json", R"({
    "name": "Acme Corp",
    "currencyCode": "USD",
    "status": "CUSTOMER_STATUS_ACTIVE",
    "external_refs": [{"system": "sf-prod", "objectType": "Account",
                       "vendorId": "001A"}]
  })");
  hubv1::UpsertCustomerResponse answer;
  *answer.mutable_customer() = CustomerNamed("cus_9", "Acme Corp");
  answer.set_changed(true);
  answer.set_event_position(12);
  h.hub.UpsertCustomer_answers = {answer, answer};

  Result r = h.Run({"customers", "upsert", file.path(), "--idempotency-key",
                    "k-1", "--expected-version", "0", "--source-system",
                    "sf-prod", "--correlation-id", "corr-1"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const hubv1::UpsertCustomerRequest& sent = h.hub.UpsertCustomer_requests[0];
  CHECK(sent.customer().name() == "Acme Corp");
  CHECK(sent.customer().currency_code() == "USD");
  CHECK(sent.customer().status() == canon::CUSTOMER_STATUS_ACTIVE);
  CHECK(sent.customer().external_refs(0).vendor_id() == "001A");
  CHECK(sent.idempotency_key() == "k-1");
  CHECK(sent.has_expected_version());
  CHECK(sent.expected_version() == 0);
  CHECK(sent.source_system() == "sf-prod");
  CHECK(sent.correlation_id() == "corr-1");
  CHECK_THAT(r.out,
             Catch::StartsWith("customer cus_9 version 1 (changed), event 12\n"
                               "\nid:"));

  // Without --expected-version the field is absent, not 0.
  h.stdin_text = R"({"name": "Acme Corp"})";
  REQUIRE(
      h.Run({"customers", "upsert", "-", "--idempotency-key", "k-2"}).code ==
      kExitOk);
  CHECK_FALSE(h.hub.UpsertCustomer_requests[1].has_expected_version());
  CHECK(h.hub.UpsertCustomer_requests[1].customer().name() == "Acme Corp");
}

TEST_CASE("upsert refuses JSON that is not the entity", "[commands]") {
  Harness h;
  TempFile file("contract.json", R"({"customerId": "cus_1", "colour": "red"})");
  Result r =
      h.Run({"contracts", "upsert", file.path(), "--idempotency-key", "k"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err,
             Catch::StartsWith("revhub: INVALID_ARGUMENT: " + file.path() +
                               ": not a valid revhub.canonical.v1.Contract "
                               "in JSON"));
  CHECK(h.hub.calls == 0);
}

TEST_CASE("contract upsert keeps money exact", "[commands]") {
  Harness h;
  TempFile file("contract.json", R"({
    "customerId": "cus_1", "currencyCode": "USD",
    "lines": [{"lineId": "l1", "quantity": {"units": "3"},
               "unitPrice": {"currencyCode": "USD",
                             "units": "90071992547409", "nanos": 930000000}}]
  })");
  hubv1::UpsertContractResponse answer;
  answer.mutable_contract()->set_id("ctr_1");
  answer.set_replayed(true);
  h.hub.UpsertContract_answers.push_back(answer);
  Result r =
      h.Run({"contracts", "upsert", file.path(), "--idempotency-key", "k"});
  REQUIRE(r.code == kExitOk);
  const canon::Money& price =
      h.hub.UpsertContract_requests[0].contract().lines(0).unit_price();
  CHECK(FormatMoney(price) == "90071992547409.93 USD");
  CHECK_THAT(r.out, Catch::StartsWith(
                        "contract ctr_1 version 0 (replayed: earlier answer)"));
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

TEST_CASE("ingest sends the bytes as they are", "[commands]") {
  Harness h;
  std::string payload = std::string("{\"id\": \"in_1\"}\n\0\xff", 17);
  TempFile file("invoice.json", payload);
  hubv1::IngestResponse stored;
  stored.set_record_id(7);
  stored.mutable_received_at()->set_seconds(1735689600);
  hubv1::IngestResponse duplicate = stored;
  duplicate.set_duplicate(true);
  h.hub.Ingest_answers = {stored, duplicate, stored};

  Result first =
      h.Run({"ingest", file.path(), "--system", "stripe", "--object-type",
             "invoice", "--idempotency-key", "evt_1"});
  REQUIRE(first.code == kExitOk);
  const hubv1::IngestRequest& sent = h.hub.Ingest_requests[0];
  CHECK(sent.payload() == payload);
  CHECK(sent.system() == "stripe");
  CHECK(sent.object_type() == "invoice");
  CHECK(sent.content_type() == "application/json");
  CHECK(sent.idempotency_key() == "evt_1");
  CHECK(first.out == "record 7 stored at 2025-01-01T00:00:00Z\n");

  Result again = h.Run({"ingest", file.path(), "--system", "stripe",
                        "--object-type", "invoice", "--json"});
  REQUIRE(again.code == kExitOk);
  nlohmann::json json = nlohmann::json::parse(again.out);
  CHECK(json["duplicate"] == true);
  CHECK(json["recordId"] == "7");

  h.stdin_text = "Id,Amount\n1,10.00\n";
  REQUIRE(h.Run({"ingest", "-", "--system", "erp", "--object-type",
                 "JournalEntry", "--content-type", "text/csv"})
              .code == kExitOk);
  CHECK(h.hub.Ingest_requests[2].payload() == "Id,Amount\n1,10.00\n");
  CHECK(h.hub.Ingest_requests[2].content_type() == "text/csv");
}

TEST_CASE("records get prints details, or the payload", "[commands]") {
  Harness h;
  hubv1::GetRecordResponse answer;
  answer.mutable_record()->set_record_id(3);
  answer.mutable_record()->set_system("stripe");
  answer.mutable_record()->set_object_type("invoice");
  answer.mutable_record()->set_payload("{\"raw\": true}");
  answer.mutable_record()->set_size_bytes(13);
  answer.mutable_record()->set_status(hubv1::RECORD_STATUS_RECEIVED);
  h.hub.GetRecord_answers = {answer, answer, answer};

  Result details = h.Run({"records", "get", "3"});
  REQUIRE(details.code == kExitOk);
  CHECK(h.hub.GetRecord_requests[0].record_id() == 3);
  CHECK_THAT(details.out, Catch::StartsWith("record:          3\n"));
  CHECK_THAT(details.out, Catch::Contains("status:          received\n"));
  CHECK_THAT(details.out, !Catch::Contains("raw"));

  Result payload = h.Run({"records", "get", "3", "--payload"});
  CHECK(payload.out == "{\"raw\": true}");

  Result json = h.Run({"records", "get", "3", "--json"});
  CHECK(nlohmann::json::parse(json.out)["record"]["payload"] == "");
}

canon::BusinessEvent EventAt(int64_t position, canon::EventType type) {
  canon::BusinessEvent event;
  event.set_position(position);
  event.set_type(type);
  event.set_event_id("evt_" + std::to_string(position));
  event.mutable_subject()->set_entity_type(canon::ENTITY_TYPE_CUSTOMER);
  event.mutable_subject()->set_id("cus_1");
  event.mutable_subject()->set_version(position);
  return event;
}

TEST_CASE("events tail reads the log page by page and stops", "[commands]") {
  Harness h;
  hubv1::ListEventsResponse first;
  *first.add_events() = EventAt(5, canon::EVENT_TYPE_CUSTOMER_CHANGED);
  *first.add_events() = EventAt(6, canon::EVENT_TYPE_CONTRACT_BOOKED);
  first.set_next_position(7);
  hubv1::ListEventsResponse second;
  *second.add_events() = EventAt(7, canon::EVENT_TYPE_CONTRACT_BOOKED);

  SECTION("from a position, filtered, as a table") {
    h.hub.ListEvents_answers = {first, second};
    Result r = h.Run({"events", "tail", "--from", "5", "--type",
                      "contract_booked", "--type", "customer-changed"});
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.ListEvents_requests.size() == 2);
    CHECK(h.hub.ListEvents_requests[0].from_position() == 5);
    CHECK(h.hub.ListEvents_requests[1].from_position() == 7);
    REQUIRE(h.hub.ListEvents_requests[0].types_size() == 2);
    CHECK(h.hub.ListEvents_requests[0].types(0) ==
          canon::EVENT_TYPE_CONTRACT_BOOKED);
    CHECK(h.hub.ListEvents_requests[0].types(1) ==
          canon::EVENT_TYPE_CUSTOMER_CHANGED);
    CHECK(h.hub.Subscribe_requests.empty());
    CHECK(r.out ==
          "POSITION  RECORDED  TYPE              SUBJECT            SOURCE  "
          "PRINCIPAL\n"
          "       5  -         customer_changed  customer cus_1 v5  -       -\n"
          "       6  -         contract_booked   customer cus_1 v6  -       -\n"
          "       7  -         contract_booked   customer cus_1 v7  -       "
          "-\n");
  }
  SECTION("json: one event per line") {
    h.hub.ListEvents_answers = {first, second};
    Result r = h.Run({"events", "tail", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.ListEvents_requests[0].from_position() == 1);
    std::istringstream lines(r.out);
    std::vector<nlohmann::json> events;
    for (std::string line; std::getline(lines, line);) {
      events.push_back(nlohmann::json::parse(line));
    }
    REQUIRE(events.size() == 3);
    CHECK(events[0]["position"] == "5");
    CHECK(events[2]["type"] == "EVENT_TYPE_CONTRACT_BOOKED");
  }
  SECTION("a consumer resumes after its acknowledged position") {
    hubv1::GetConsumerResponse consumer;
    consumer.mutable_consumer()->set_name("billing-sync");
    consumer.mutable_consumer()->set_acknowledged_position(4);
    h.hub.GetConsumer_answers = {consumer};
    h.hub.ListEvents_answers = {first, second};
    REQUIRE(h.Run({"events", "tail", "--consumer", "billing-sync"}).code ==
            kExitOk);
    CHECK(h.hub.GetConsumer_requests[0].consumer() == "billing-sync");
    CHECK(h.hub.ListEvents_requests[0].from_position() == 5);
  }
  SECTION("a consumer never seen starts at the beginning") {
    h.hub.GetConsumer_answers = {absl::NotFoundError("no consumer x")};
    h.hub.ListEvents_answers = {hubv1::ListEventsResponse()};
    Result r = h.Run({"events", "tail", "--consumer", "x"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.ListEvents_requests[0].from_position() == 1);
    CHECK(r.out == "no events\n");
  }
  SECTION("a position that does not advance is an error, not a loop") {
    hubv1::ListEventsResponse stuck;
    stuck.set_next_position(3);
    h.hub.ListEvents_answers = {stuck};
    Result r = h.Run({"events", "tail", "--from", "3"});
    CHECK(r.code == kExitServerError);
    CHECK_THAT(r.err, Catch::StartsWith("revhub: INTERNAL: the hub's next"));
  }
}

TEST_CASE("events tail --follow subscribes and streams", "[commands]") {
  Harness h;
  for (int64_t position : {1, 2}) {
    hubv1::SubscribeResponse response;
    *response.mutable_event() =
        EventAt(position, canon::EVENT_TYPE_CUSTOMER_CHANGED);
    h.hub.Subscribe_events.push_back(response);
  }
  SECTION("until the stream ends") {
    Result r = h.Run({"events", "tail", "--follow", "--from", "1", "--type",
                      "customer_changed", "--consumer", "audit", "--json"});
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.Subscribe_requests.size() == 1);
    const hubv1::SubscribeRequest& sent = h.hub.Subscribe_requests[0];
    CHECK(sent.from_position() == 1);
    CHECK(sent.consumer() == "audit");
    CHECK(sent.types(0) == canon::EVENT_TYPE_CUSTOMER_CHANGED);
    CHECK_FALSE(sent.live_only());
    CHECK(h.hub.ListEvents_requests.empty());
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
  }
  SECTION("--timeout ends following normally") {
    h.hub.Subscribe_end = absl::DeadlineExceededError("deadline");
    Result r = h.Run({"--timeout", "1", "events", "tail", "-f", "--live-only"});
    CHECK(r.code == kExitOk);
    CHECK(h.hub.Subscribe_requests[0].live_only());
    CHECK(h.hub.Subscribe_requests[0].from_position() == 0);
    CHECK_THAT(r.out, Catch::StartsWith("POSITION  RECORDED"));
  }
  SECTION("a broken stream is an error") {
    h.hub.Subscribe_end = absl::UnavailableError("hub shutting down");
    Result r = h.Run({"events", "tail", "--follow"});
    CHECK(r.code == kExitUnreachable);
    CHECK_THAT(r.err,
               Catch::StartsWith("revhub: UNAVAILABLE: hub shutting down\n"));
  }
}

TEST_CASE("events ack and consumer", "[commands]") {
  Harness h;
  hubv1::AcknowledgeEventsResponse acked;
  acked.mutable_consumer()->set_name("billing-sync");
  acked.mutable_consumer()->set_acknowledged_position(42);
  h.hub.AcknowledgeEvents_answers.push_back(acked);
  Result r = h.Run(
      {"events", "ack", "--consumer", "billing-sync", "--position", "42"});
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.AcknowledgeEvents_requests[0].consumer() == "billing-sync");
  CHECK(h.hub.AcknowledgeEvents_requests[0].position() == 42);
  CHECK_THAT(r.out, Catch::Contains("acknowledged position: 42\n"));

  hubv1::GetConsumerResponse got;
  *got.mutable_consumer() = acked.consumer();
  h.hub.GetConsumer_answers.push_back(got);
  Result json = h.Run({"events", "consumer", "billing-sync", "--json"});
  CHECK(nlohmann::json::parse(json.out)["consumer"]["acknowledgedPosition"] ==
        "42");
}

TEST_CASE("--help works on every command and calls nothing", "[commands]") {
  Harness h;
  const std::vector<std::vector<std::string>> commands = {
      {},
      {"systems"},
      {"systems", "register"},
      {"systems", "list"},
      {"systems", "get"},
      {"systems", "disable"},
      {"customers"},
      {"customers", "get"},
      {"customers", "list"},
      {"customers", "upsert"},
      {"products", "list"},
      {"contracts", "get"},
      {"contracts", "list"},
      {"contracts", "upsert"},
      {"invoices", "list"},
      {"invoices", "upsert"},
      {"payments", "get"},
      {"payments", "list"},
      {"ingest"},
      {"records"},
      {"records", "list"},
      {"records", "get"},
      {"events"},
      {"events", "tail"},
      {"events", "ack"},
      {"events", "consumer"},
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

}  // namespace
}  // namespace revhub::cli
