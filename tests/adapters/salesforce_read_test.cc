// Salesforce Read against the Salesforce emulator (tests/vendor_emulator),
// both started for real on loopback: backfill across nextRecordsUrl pages,
// resuming from a stored cursor, incremental reads after a change, the
// client credentials and JWT bearer flows, a token that expires mid-read,
// refused credentials, transient and lasting vendor errors, and every
// generated record translating.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sdk/http_client.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

constexpr char kClientId[] = "3MVG9emulated.consumer.key";
constexpr char kClientSecret[] = "sf-client-secret-5b1e77";
constexpr char kUsername[] = "integration@northwind.example";
constexpr char kSystem[] = "salesforce-test";

// A child process whose first stdout line says where it listens: started
// by the constructor, stopped (stdin closed, SIGTERM) by the destructor.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& prefix) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      std::vector<char*> args;
      for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    std::string line;
    char ch;
    while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
    close(out[0]);
    if (line.rfind(prefix, 0) != 0)
      throw std::runtime_error(argv[0] + " did not start: \"" + line + "\"");
    address_ = line.substr(line.rfind('|') + 1);
  }
  ~Child() {
    close(stdin_fd_);
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  const std::string& address() const { return address_; }

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  std::string address_;
};

// The Salesforce emulator and its control API.
class SalesforceEmulator {
 public:
  explicit SalesforceEmulator(std::vector<std::string> flags = {})
      : process_(Args(std::move(flags)), "SALESFORCE-EMULATOR|") {}
  std::string base_url() const { return "http://" + process_.address(); }
  json Get(const std::string& path) const {
    return json::parse(Call("GET", path, "").body);
  }
  std::string Post(const std::string& path, const json& body) const {
    return Call("POST", path, body.dump()).body;
  }
  json Objects(const std::string& type) const {
    return Get("/__control/objects?type=" + type);
  }
  json Requests() const { return Get("/__control/requests"); }

 private:
  static std::vector<std::string> Args(std::vector<std::string> flags) {
    flags.insert(flags.begin(), BinPath("salesforce-emulator"));
    return flags;
  }
  revhub::adapter::HttpResponse Call(const std::string& method,
                                     const std::string& path,
                                     const std::string& body) const {
    revhub::adapter::HttpRequest req;
    req.method = method;
    req.url = base_url() + path;
    req.body = body;
    auto resp = revhub::adapter::SendHttp(req);
    if (!resp.ok() || resp->status / 100 != 2)
      throw std::runtime_error("emulator " + method + " " + path);
    return *resp;
  }
  Child process_;
};

// The Salesforce adapter process, called over gRPC as the hub does.
class Adapter {
 public:
  Adapter()
      : process_({BinPath("revhub-adapter-salesforce")}, "REVHUB-ADAPTER|"),
        stub_(av1::AdapterService::NewStub(grpc::CreateChannel(
            process_.address(), grpc::InsecureChannelCredentials()))) {}

  av1::ReadResponse Read(const json& config, const std::string& type,
                         const std::string& cursor = "", int page_size = 0) {
    av1::ReadRequest req;
    req.set_system(kSystem);
    *req.mutable_config() = ConfigStruct(config.dump());
    req.set_object_type(type);
    req.set_cursor(cursor);
    req.set_page_size(page_size);
    av1::ReadResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    grpc::Status s = stub_->Read(&ctx, req, &resp);
    if (!s.ok()) throw std::runtime_error("Read: " + s.error_message());
    return resp;
  }
  av1::CheckResponse Check(const json& config) {
    av1::CheckRequest req;
    req.set_system(kSystem);
    *req.mutable_config() = ConfigStruct(config.dump());
    av1::CheckResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->Check(&ctx, req, &resp);
    if (!s.ok()) throw std::runtime_error("Check: " + s.error_message());
    return resp;
  }
  av1::TranslationResult Translate(const json& config,
                                   const av1::VendorRecord& record) {
    av1::TranslateRequest req;
    req.set_system(kSystem);
    *req.mutable_config() = ConfigStruct(config.dump());
    *req.mutable_record() = record;
    av1::TranslateResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->Translate(&ctx, req, &resp);
    if (!s.ok()) throw std::runtime_error("Translate: " + s.error_message());
    return resp.result();
  }
  av1::DescribeResponse Describe() {
    av1::DescribeResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->Describe(&ctx, av1::DescribeRequest(), &resp);
    if (!s.ok()) throw std::runtime_error("Describe: " + s.error_message());
    return resp;
  }

 private:
  Child process_;
  std::unique_ptr<av1::AdapterService::Stub> stub_;
};

json ClientCredentials(const SalesforceEmulator& emu,
                       const std::string& secret = kClientSecret) {
  return {{"default_currency", "USD"},
          {"auth_flow", "client_credentials"},
          {"login_url", emu.base_url()},
          {"client_id", kClientId},
          {"client_secret", secret},
          {"request_timeout_ms", 5000},
          {"opportunity_start_date_field", "Contract_Start_Date__c"},
          {"opportunity_term_months_field", "Contract_Term_Months__c"}};
}

std::vector<std::string> AppFlags() {
  return {"--client-id", kClientId, "--client-secret", kClientSecret};
}

// Everything one backfill read, page by page.
struct Pull {
  std::vector<av1::SourcedRecord> records;
  int pages = 0;
  std::string cursor;
  int64_t first_total = 0;
};

Pull ReadAll(Adapter& adapter, const json& config, const std::string& type,
             std::string cursor = "") {
  Pull pull;
  for (int i = 0; i < 1000; ++i) {
    av1::ReadResponse page = adapter.Read(config, type, cursor);
    INFO(page.reason());
    REQUIRE(page.outcome() == av1::READ_OUTCOME_OK);
    if (pull.pages == 0) pull.first_total = page.total_estimate();
    ++pull.pages;
    for (const auto& r : page.records()) pull.records.push_back(r);
    cursor = page.next_cursor();
    if (!page.has_more()) break;
  }
  pull.cursor = cursor;
  return pull;
}

std::set<std::string> Ids(const std::vector<av1::SourcedRecord>& records) {
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(r.vendor_id());
  return ids;
}

std::set<std::string> Keys(const json& objects) {
  std::set<std::string> ids;
  for (const auto& [id, r] : objects.items()) ids.insert(id);
  return ids;
}

int Count(const json& requests, const std::string& path_part) {
  int n = 0;
  for (const auto& r : requests) {
    if (r["path"].get<std::string>().find(path_part) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("Salesforce declares what it reads and the documented API limits",
          "[salesforce][read]") {
  Adapter adapter;
  av1::DescribeResponse d = adapter.Describe();
  std::set<std::string> readable;
  for (const auto& t : d.readable_object_types()) {
    CHECK(t.incremental());
    readable.insert(t.object_type());
  }
  CHECK(readable ==
        std::set<std::string>{"Account", "Product2", "Opportunity", "Order"});
  REQUIRE(d.rate_limits_size() == 2);
  CHECK(d.rate_limits(0).requests() == 100000);
  CHECK(d.rate_limits(0).per().seconds() == 86400);
  CHECK(d.rate_limits(1).requests() == 25);
  for (const auto& l : d.rate_limits())
    CHECK(l.documentation_url().find("developer.salesforce.com") !=
          std::string::npos);
  CHECK_FALSE(d.verifies_webhooks());
}

TEST_CASE(
    "a Salesforce backfill follows nextRecordsUrl and reads every object once",
    "[salesforce][read]") {
  auto flags = AppFlags();
  flags.insert(flags.end(), {"--batch-size", "7"});
  SalesforceEmulator emu(flags);
  emu.Post("/__control/dataset", {{"generate", 60}});
  Adapter adapter;
  const json config = ClientCredentials(emu);
  const json accounts = emu.Objects("Account");
  Pull pull = ReadAll(adapter, config, "Account");
  CHECK(pull.pages >= 3);
  CHECK(pull.first_total == static_cast<int64_t>(accounts.size()));
  CHECK(pull.records.size() == accounts.size());
  CHECK(Ids(pull.records) == Keys(accounts));
  for (const auto& r : pull.records) {
    const json stored = accounts[r.vendor_id()];
    CHECK(r.version() == stored["SystemModstamp"].get<std::string>());
    CHECK(r.idempotency_key() ==
          "Account/" + r.vendor_id() + "@" + r.version());
    CHECK(r.record().object_type() == "Account");
    CHECK(json::parse(r.record().payload())["Name"] == stored["Name"]);
  }
  const json requests = emu.Requests();
  CHECK(Count(requests, "/services/data/v59.0/query/01g") >= 2);
  CHECK(Count(requests, "/services/oauth2/token") == 1);

  // Opportunities come with their line items, by parent-child subquery.
  Pull opps = ReadAll(adapter, config, "Opportunity");
  const json stored_opps = emu.Objects("Opportunity");
  CHECK(Ids(opps.records) == Keys(stored_opps));
  std::map<std::string, int> lines;
  const json items = emu.Objects("OpportunityLineItem");
  for (const auto& [id, li] : items.items())
    ++lines[li["OpportunityId"].get<std::string>()];
  for (const auto& r : opps.records) {
    json p = json::parse(r.record().payload());
    REQUIRE(p["OpportunityLineItems"].is_object());
    CHECK(p["OpportunityLineItems"]["records"].size() ==
          static_cast<size_t>(lines[r.vendor_id()]));
    CHECK(p["OpportunityLineItems"]["records"][0]["Product2"]["Name"]
              .is_string());
  }
}

TEST_CASE(
    "a stored Salesforce cursor resumes after its page, also when the query "
    "locator is gone",
    "[salesforce][read]") {
  auto flags = AppFlags();
  flags.insert(flags.end(), {"--batch-size", "5"});
  SalesforceEmulator emu(flags);
  emu.Post("/__control/dataset", {{"generate", 40}});
  const json config = ClientCredentials(emu);
  std::vector<av1::SourcedRecord> seen;
  std::string cursor;
  {
    Adapter first;
    av1::ReadResponse page = first.Read(config, "Account");
    REQUIRE(page.outcome() == av1::READ_OUTCOME_OK);
    REQUIRE(page.has_more());
    seen.assign(page.records().begin(), page.records().end());
    cursor = page.next_cursor();
  }  // the adapter process ends: a crash between pages
  Adapter second;
  SECTION("the locator is still known") {
    Pull rest = ReadAll(second, config, "Account", cursor);
    for (const auto& r : rest.records) {
      CHECK(std::none_of(seen.begin(), seen.end(), [&](const auto& s) {
        return s.vendor_id() == r.vendor_id();
      }));
    }
    seen.insert(seen.end(), rest.records.begin(), rest.records.end());
  }
  SECTION("the locator expired: the query starts again from the cursor") {
    // Regenerating the same data set forgets every query locator.
    emu.Post("/__control/dataset", {{"generate", 40}});
    Pull rest = ReadAll(second, config, "Account", cursor);
    seen.insert(seen.end(), rest.records.begin(), rest.records.end());
    CHECK(Count(emu.Requests(), "/query/01gEm0000000000001-5") == 1);
  }
  CHECK(Ids(seen) == Keys(emu.Objects("Account")));
  CHECK(seen.size() == emu.Objects("Account").size());
}

TEST_CASE(
    "more Salesforce records in one second than the query limit are all read",
    "[salesforce][read]") {
  SalesforceEmulator emu(AppFlags());
  emu.Post("/__control/dataset", {{"generate", 30}});
  Adapter adapter;
  json config = ClientCredentials(emu);
  config["read_query_limit"] = 1;  // generated pairs share a stamp
  Pull pull = ReadAll(adapter, config, "Account");
  CHECK(Ids(pull.records) == Keys(emu.Objects("Account")));
}

TEST_CASE(
    "after a change an incremental Salesforce read returns the changed record "
    "under a new key",
    "[salesforce][read]") {
  SalesforceEmulator emu(AppFlags());
  emu.Post("/__control/dataset", {{"generate", 30}});
  Adapter adapter;
  const json config = ClientCredentials(emu);
  Pull backfill = ReadAll(adapter, config, "Account");
  Pull opps = ReadAll(adapter, config, "Opportunity");
  const av1::SourcedRecord before = backfill.records[2];

  // Caught up: nothing new.
  av1::ReadResponse idle = adapter.Read(config, "Account", backfill.cursor);
  REQUIRE(idle.outcome() == av1::READ_OUTCOME_OK);
  CHECK(idle.records_size() == 0);
  CHECK_FALSE(idle.has_more());

  emu.Post("/__control/touch", {{"type", "Account"},
                                {"id", before.vendor_id()},
                                {"set", {{"Name", "Renamed Customer, Inc."}}}});
  Pull changed = ReadAll(adapter, config, "Account", idle.next_cursor());
  REQUIRE(changed.records.size() == 1);
  const av1::SourcedRecord& after = changed.records[0];
  CHECK(after.vendor_id() == before.vendor_id());
  CHECK(after.version() != before.version());
  CHECK(after.idempotency_key() != before.idempotency_key());
  CHECK(json::parse(after.record().payload())["Name"] ==
        "Renamed Customer, Inc.");

  // A changed line item brings its opportunity back with the new line.
  const json items = emu.Objects("OpportunityLineItem");
  const std::string item = items.begin().key();
  const std::string opp = items.begin().value()["OpportunityId"];
  emu.Post("/__control/touch", {{"type", "OpportunityLineItem"},
                                {"id", item},
                                {"set", {{"Quantity", 42}}}});
  Pull opp_changes = ReadAll(adapter, config, "Opportunity", opps.cursor);
  REQUIRE(opp_changes.records.size() == 1);
  CHECK(opp_changes.records[0].vendor_id() == opp);
  bool found = false;
  const json payload = json::parse(opp_changes.records[0].record().payload());
  for (const auto& li : payload["OpportunityLineItems"]["records"]) {
    if (li["Id"] == item) found = li["Quantity"] == 42;
  }
  CHECK(found);
}

TEST_CASE(
    "Salesforce sessions come from the client credentials and JWT bearer flows",
    "[salesforce][read]") {
  SECTION("client credentials") {
    SalesforceEmulator emu(AppFlags());
    emu.Post("/__control/dataset", {{"generate", 10}});
    Adapter adapter;
    Pull pull = ReadAll(adapter, ClientCredentials(emu), "Product2");
    CHECK(Ids(pull.records) == Keys(emu.Objects("Product2")));
    const json requests = emu.Requests();
    REQUIRE(requests.size() >= 2);
    CHECK(requests[0]["grant_type"] == "client_credentials");
    CHECK(requests[0]["status"] == 200);
    CHECK(requests[1]["authorized"] == true);
    CHECK(adapter.Check(ClientCredentials(emu)).outcome() ==
          av1::CHECK_OUTCOME_OK);
  }
  SECTION("JWT bearer") {
    const fs::path dir =
        fs::temp_directory_path() / ("sf-jwt-" + std::to_string(getpid()));
    fs::create_directories(dir);
    auto keypair = [&dir](const std::string& name) {
      const std::string key = (dir / (name + ".pem")).string();
      const std::string pub = (dir / (name + ".pub.pem")).string();
      REQUIRE(std::system(("openssl genpkey -algorithm RSA -pkeyopt "
                           "rsa_keygen_bits:2048 -out " +
                           key + " 2>/dev/null && openssl pkey -in " + key +
                           " -pubout -out " + pub + " 2>/dev/null")
                              .c_str()) == 0);
      return std::make_pair(ReadFile(key), pub);
    };
    auto [private_pem, public_path] = keypair("app");
    auto [other_pem, other_public] = keypair("other");
    SalesforceEmulator emu({"--client-id", kClientId, "--jwt-public-key",
                            public_path, "--username", kUsername});
    emu.Post("/__control/dataset", {{"generate", 10}});
    json config = {
        {"default_currency", "USD"},   {"auth_flow", "jwt_bearer"},
        {"login_url", emu.base_url()}, {"client_id", kClientId},
        {"username", kUsername},       {"private_key_pem", private_pem}};
    Adapter adapter;
    Pull pull = ReadAll(adapter, config, "Account");
    CHECK(Ids(pull.records) == Keys(emu.Objects("Account")));
    CHECK(emu.Requests()[0]["grant_type"] ==
          "urn:ietf:params:oauth:grant-type:jwt-bearer");
    CHECK(adapter.Check(config).outcome() == av1::CHECK_OUTCOME_OK);

    Adapter fresh;
    config["private_key_pem"] = other_pem;
    av1::ReadResponse refused = fresh.Read(config, "Account");
    CHECK(refused.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(refused.reason().rfind("config.private_key_pem: ", 0) == 0);
    CHECK(refused.reason().find("BEGIN") == std::string::npos);
    config["private_key_pem"] = private_pem;
    config["username"] = "someone.else@northwind.example";
    refused = fresh.Read(config, "Account");
    CHECK(refused.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(refused.reason().rfind("config.username: ", 0) == 0);
    fs::remove_all(dir);
  }
}

TEST_CASE("an expired Salesforce token is replaced within the same read",
          "[salesforce][read]") {
  auto flags = AppFlags();
  flags.insert(flags.end(), {"--batch-size", "4"});
  SalesforceEmulator emu(flags);
  emu.Post("/__control/dataset", {{"generate", 30}});
  Adapter adapter;
  const json config = ClientCredentials(emu);
  av1::ReadResponse first = adapter.Read(config, "Account");
  REQUIRE(first.outcome() == av1::READ_OUTCOME_OK);
  emu.Post("/__control/faults", {{"mode", "expire_token"}});
  av1::ReadResponse second =
      adapter.Read(config, "Account", first.next_cursor());
  INFO(second.reason());
  REQUIRE(second.outcome() == av1::READ_OUTCOME_OK);
  CHECK(second.records_size() > 0);
  CHECK(second.vendor_calls() == 2);
  const json requests = emu.Requests();
  std::vector<int> statuses;
  for (const auto& r : requests) statuses.push_back(r["status"].get<int>());
  // token, page 1, refused page 2, new token, page 2
  CHECK(statuses == std::vector<int>{200, 200, 401, 200, 200});
  CHECK(Count(requests, "/services/oauth2/token") == 2);

  // Tokens that run out by themselves are replaced the same way.
  SalesforceEmulator short_lived({"--client-id", kClientId, "--client-secret",
                                  kClientSecret, "--token-ttl-seconds", "1"});
  short_lived.Post("/__control/dataset", {{"generate", 10}});
  const json short_config = ClientCredentials(short_lived);
  REQUIRE(adapter.Read(short_config, "Account").outcome() ==
          av1::READ_OUTCOME_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  CHECK(adapter.Read(short_config, "Account").outcome() ==
        av1::READ_OUTCOME_OK);
  CHECK(Count(short_lived.Requests(), "/services/oauth2/token") == 2);
}

TEST_CASE("refused Salesforce credentials fail naming the configuration field",
          "[salesforce][read]") {
  SalesforceEmulator emu(AppFlags());
  emu.Post("/__control/dataset", {{"generate", 10}});
  Adapter adapter;
  const json config = ClientCredentials(emu, "not-the-secret-0000");
  av1::ReadResponse r = adapter.Read(config, "Account");
  CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
  CHECK(r.reason().rfind("config.client_secret: ", 0) == 0);
  CHECK(r.reason().find("invalid_client") != std::string::npos);
  CHECK(r.reason().find("not-the-secret-0000") == std::string::npos);
  av1::CheckResponse check = adapter.Check(config);
  CHECK(check.outcome() == av1::CHECK_OUTCOME_UNAUTHENTICATED);
  CHECK(check.reason().rfind("config.client_secret: ", 0) == 0);

  json missing = ClientCredentials(emu);
  missing.erase("client_secret");
  r = adapter.Read(missing, "Account");
  CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
  CHECK(r.reason().rfind("config.client_secret: required", 0) == 0);
}

TEST_CASE(
    "Salesforce busy answers are RETRY with Retry-After and refused queries "
    "FAILED",
    "[salesforce][read]") {
  SalesforceEmulator emu(AppFlags());
  emu.Post("/__control/dataset", {{"generate", 10}});
  Adapter adapter;
  json config = ClientCredentials(emu);
  emu.Post("/__control/faults", {{"mode", "status"},
                                 {"status", 503},
                                 {"retry_after_seconds", 7},
                                 {"path_regex", "/query"},
                                 {"count", 1}});
  av1::ReadResponse busy = adapter.Read(config, "Account");
  CHECK(busy.outcome() == av1::READ_OUTCOME_RETRY);
  CHECK(busy.retry_after().seconds() == 7);
  CHECK(busy.vendor_code() == "SERVER_UNAVAILABLE");
  emu.Post("/__control/faults", {{"mode", "status"},
                                 {"status", 403},
                                 {"path_regex", "/query"},
                                 {"count", 1}});
  av1::ReadResponse limited = adapter.Read(config, "Account");
  CHECK(limited.outcome() == av1::READ_OUTCOME_RETRY);
  CHECK(limited.vendor_code() == "REQUEST_LIMIT_EXCEEDED");
  CHECK(adapter.Read(config, "Account").outcome() == av1::READ_OUTCOME_OK);

  config["read_extra_fields"] = {{"Account", "Credit_Rating__c"}};
  av1::ReadResponse refused = adapter.Read(config, "Account");
  CHECK(refused.outcome() == av1::READ_OUTCOME_FAILED);
  CHECK(refused.vendor_code() == "INVALID_FIELD");
  CHECK(refused.reason().find("No such column 'Credit_Rating__c'") !=
        std::string::npos);
}

TEST_CASE("every record read from the Salesforce emulator translates",
          "[salesforce][read]") {
  SalesforceEmulator emu(AppFlags());
  Adapter adapter;
  const json config = ClientCredentials(emu);
  auto translate_all = [&](const std::string& type) {
    Pull pull = ReadAll(adapter, config, type);
    for (const auto& r : pull.records) {
      av1::TranslationResult t = adapter.Translate(config, r.record());
      INFO(type << " " << r.vendor_id() << ": " << ToJson(t));
      CHECK(t.outcome() != av1::TRANSLATION_OUTCOME_FAILED);
      json p = json::parse(r.record().payload());
      if (type == "Opportunity" && p["StageName"] == "Closed Lost") {
        CHECK(t.outcome() == av1::TRANSLATION_OUTCOME_SKIPPED);
        continue;
      }
      REQUIRE(t.entities_size() == 1);
      if (type == "Opportunity") {
        const auto& c = t.entities(0).contract();
        CHECK(c.lines_size() ==
              static_cast<int>(p["OpportunityLineItems"]["records"].size()));
        CHECK(c.term().has_end_time());
      }
    }
    return pull.records.size();
  };
  SECTION("a generated data set") {
    emu.Post("/__control/dataset", {{"generate", 80}});
    CHECK(translate_all("Product2") == emu.Objects("Product2").size());
    CHECK(translate_all("Account") == emu.Objects("Account").size());
    CHECK(translate_all("Opportunity") == emu.Objects("Opportunity").size());
  }
  SECTION("the quick start's records") {
    emu.Post("/__control/dataset",
             {{"dir", std::string(REVHUB_PROTOS_DIR) +
                          "/../examples/quickstart/salesforce"}});
    CHECK(translate_all("Account") == 1);
    CHECK(translate_all("Product2") == 2);
    Pull opp = ReadAll(adapter, config, "Opportunity");
    REQUIRE(opp.records.size() == 1);
    // The later version of the opportunity, with its third line.
    CHECK(opp.records[0].version() == "2026-07-25T16:40:03.000+0000");
    CHECK(json::parse(opp.records[0].record().payload())["OpportunityLineItems"]
                                                        ["records"]
                                                            .size() == 3);
    CHECK(translate_all("Opportunity") == 1);
  }
}
