// NetSuite Apply against the emulator, through the real adapter process:
// created once, repeats idempotent, transient failures RETRY, business
// refusals REJECTED, secrets never in the adapter's log.
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "adapters/sdk/http_client.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

constexpr char kApplyToken[] = "ns-secret-token-8c1f2a";
constexpr char kApplySystem[] = "netsuite-test";

std::string Config(const Emulator& emu, const std::string& token = kApplyToken,
                   int timeout_ms = 500) {
  json c = {{"base_url", emu.base_url()},
            {"access_token", token},
            {"request_timeout_ms", timeout_ms},
            {"default_retry_after_ms", 250},
            {"subsidiary_ids", {{"acme-us", "1"}}},
            {"account_ids", {{"RECEIVABLE", "10"}, {"REVENUE", "14"}}}};
  return c.dump();
}

cv1::Money Usd(int64_t units, int32_t nanos) {
  cv1::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

av1::CanonicalEntity CustomerEntity(const std::string& id) {
  av1::CanonicalEntity e;
  e.mutable_customer()->set_id(id);
  e.mutable_customer()->set_name("Acme Corp");
  e.mutable_customer()->set_email("ap@acme.example");
  e.mutable_customer()->set_legal_entity("acme-us");
  return e;
}

av1::CanonicalEntity InvoiceEntity(const std::string& id,
                                   const std::string& customer_id) {
  av1::CanonicalEntity e;
  auto* inv = e.mutable_invoice();
  inv->set_id(id);
  inv->set_kind(cv1::INVOICE_KIND_INVOICE);
  inv->set_customer_id(customer_id);
  inv->set_currency_code("USD");
  inv->set_invoice_number("INV-" + id);
  inv->mutable_issued_at()->set_seconds(1743465600);  // 2025-04-01
  auto* line = inv->add_lines();
  line->set_line_id("1");
  line->set_product_id("prd_seat");
  line->mutable_quantity()->set_units(3);
  *line->mutable_unit_amount() = Usd(1200, 500000000);
  *line->mutable_amount() = Usd(3601, 500000000);
  line->set_description("Platform Seat");
  return e;
}

av1::CanonicalEntity JournalEntity(const std::string& id,
                                   int64_t credit_units) {
  av1::CanonicalEntity e;
  auto* je = e.mutable_journal_entry();
  je->set_id(id);
  je->set_legal_entity("acme-us");
  je->mutable_posting_date()->set_seconds(1743465600);
  je->set_memo("Invoice INV-1 billed");
  auto* debit = je->add_lines();
  debit->set_account_role(cv1::ACCOUNT_ROLE_RECEIVABLE);
  *debit->mutable_debit() = Usd(300, 0);
  auto* credit = je->add_lines();
  credit->set_account_role(cv1::ACCOUNT_ROLE_REVENUE);
  *credit->mutable_credit() = Usd(credit_units, 0);
  return e;
}

av1::ApplyResponse Apply(revhub::hub::AdapterClient& host,
                         const std::string& config,
                         const av1::CanonicalEntity& entity,
                         const std::string& key,
                         const std::vector<av1::EntityLink>& known = {}) {
  av1::ApplyRequest req;
  req.set_system(kApplySystem);
  *req.mutable_config() = ConfigStruct(config);
  req.set_idempotency_key(key);
  req.set_operation(av1::CHANGE_OPERATION_UPSERT);
  *req.mutable_entity() = entity;
  for (const auto& k : known) *req.add_known_refs() = k;
  auto resp = host.Apply(req);
  REQUIRE(resp.ok());
  return *resp;
}

int CountRecords(const Emulator& emu, const std::string& type) {
  json r = emu.Records();
  return r.contains(type) ? static_cast<int>(r[type].size()) : 0;
}

// The set of key paths in a JSON document ("item.items[].amount").
void KeyPaths(const json& j, const std::string& prefix,
              std::set<std::string>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      std::string p = prefix.empty() ? k : prefix + "." + k;
      out->insert(p);
      KeyPaths(v, p, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) KeyPaths(v, prefix + "[]", out);
  }
}

// Every key path of Oracle's sample that names a required field is also in
// the body the adapter sent.
void CheckShapeMatchesSample(const json& sent, const std::string& sample_name,
                             const std::vector<std::string>& required) {
  fs::path sample =
      fs::path(REVHUB_SHARED_DIR) / "fixtures/vendors/netsuite" / sample_name;
  std::set<std::string> sent_paths;
  KeyPaths(sent, "", &sent_paths);
  if (fs::exists(sample)) {
    std::set<std::string> sample_paths;
    KeyPaths(json::parse(ReadFile(sample)), "", &sample_paths);
    for (const auto& p : required) {
      INFO("field " << p << " of Oracle's " << sample_name);
      CHECK(sample_paths.count(p) == 1);  // the sample really has it
      CHECK(sent_paths.count(p) == 1);    // and so does what we send
    }
  } else {
    std::cout << "SKIP shape comparison with " << sample_name
              << ": shared fixtures absent\n";
    for (const auto& p : required) CHECK(sent_paths.count(p) == 1);
  }
}

}  // namespace

TEST_CASE(
    "NetSuite: delivered once, repeats are idempotent, shapes match Oracle's",
    "[netsuite]") {
  Emulator emu(kApplyToken);
  fs::path log = fs::temp_directory_path() /
                 ("netsuite-adapter-" + std::to_string(getpid()) + ".log");
  fs::remove(log);
  auto host = StartAdapter("netsuite", FastOptions(), log.string());
  std::string config = Config(emu);

  auto first =
      Apply(*host, config, CustomerEntity("cus_hub_1"), "deliver-cus_hub_1-v1");
  REQUIRE(first.outcome() == av1::APPLY_OUTCOME_APPLIED);
  REQUIRE(first.vendor_refs_size() == 1);
  CHECK(first.vendor_refs(0).system() == kApplySystem);
  CHECK(first.vendor_refs(0).object_type() == "customer");
  std::string customer_id = first.vendor_refs(0).vendor_id();
  auto again =
      Apply(*host, config, CustomerEntity("cus_hub_1"), "deliver-cus_hub_1-v1");
  REQUIRE(again.outcome() == av1::APPLY_OUTCOME_APPLIED);
  CHECK(again.vendor_refs(0).vendor_id() == customer_id);
  CHECK(CountRecords(emu, "customer") == 1);
  json requests = emu.Requests();
  REQUIRE(requests.size() == 2);
  for (const auto& r : requests) {
    CHECK(r["method"] == "PUT");
    CHECK(r["path"] == "/services/rest/record/v1/customer/eid:cus_hub_1");
    CHECK(r["idempotency_key"] == "deliver-cus_hub_1-v1");
    CHECK(r["authorized"] == true);
  }
  CHECK(requests[0]["body"]["subsidiary"]["id"] == "1");
  CheckShapeMatchesSample(requests[0]["body"], "customer.create_request.json",
                          {"companyName", "email"});

  // Invoice referring to the customer by external id (the hub id).
  auto inv = Apply(*host, config, InvoiceEntity("inv_hub_1", "cus_hub_1"),
                   "deliver-inv_hub_1-v1");
  REQUIRE(inv.outcome() == av1::APPLY_OUTCOME_APPLIED);
  CHECK(inv.vendor_refs(0).object_type() == "invoice");
  requests = emu.Requests();
  json sent = requests.back()["body"];
  CHECK(sent["entity"]["externalId"] == "cus_hub_1");
  CHECK(sent["tranDate"] == "2025-04-01");
  CheckShapeMatchesSample(sent, "invoice.create_request.json",
                          {"entity", "item", "item.items", "item.items[].item",
                           "item.items[].amount"});
  // Exact decimals on the wire: 3601.50, never 3601.4999….
  revhub::adapter::HttpRequest raw;
  raw.url = emu.base_url() + "/__control/records";
  auto raw_resp = revhub::adapter::SendHttp(raw);
  REQUIRE(raw_resp.ok());
  CHECK(raw_resp->body.find("\"amount\":3601.50") != std::string::npos);
  CHECK(raw_resp->body.find("\"rate\":1200.50") != std::string::npos);

  // With the customer's NetSuite id known, the reference is by internal id.
  av1::EntityLink known;
  known.set_field_path("customer_id");
  known.mutable_target()->set_system(kApplySystem);
  known.mutable_target()->set_object_type("customer");
  known.mutable_target()->set_vendor_id(customer_id);
  auto inv2 = Apply(*host, config, InvoiceEntity("inv_hub_2", "cus_hub_1"),
                    "deliver-inv_hub_2-v1", {known});
  REQUIRE(inv2.outcome() == av1::APPLY_OUTCOME_APPLIED);
  CHECK(emu.Requests().back()["body"]["entity"]["id"] == customer_id);
  CHECK(CountRecords(emu, "invoice") == 2);

  // Journal entry: balanced is accepted, its shape is Oracle's.
  auto je = Apply(*host, config, JournalEntity("je_hub_1", 300),
                  "deliver-je_hub_1-v1");
  REQUIRE(je.outcome() == av1::APPLY_OUTCOME_APPLIED);
  json je_body = emu.Requests().back()["body"];
  CHECK(je_body["line"]["items"][0]["account"]["id"] == "10");
  CHECK(je_body["line"]["items"][1]["account"]["id"] == "14");
  CheckShapeMatchesSample(
      je_body, "journalEntry.create_request.json",
      {"subsidiary", "subsidiary.id", "line.items[].account",
       "line.items[].account.id", "line.items[].debit", "line.items[].credit"});

  // The secret never reached the log, though the log has the deliveries.
  host->Shutdown();
  std::string log_text = ReadFile(log.string());
  CHECK(log_text.find("PUT customer eid:cus_hub_1") != std::string::npos);
  CHECK(log_text.find(kApplyToken) == std::string::npos);
  fs::remove(log);
}

TEST_CASE("NetSuite: transient failures are RETRY, business refusals REJECTED",
          "[netsuite]") {
  Emulator emu(kApplyToken);
  auto host = StartAdapter("netsuite");
  std::string config = Config(emu);
  REQUIRE(
      Apply(*host, config, CustomerEntity("cus_hub_9"), "k-cus9").outcome() ==
      av1::APPLY_OUTCOME_APPLIED);

  SECTION("5xx twice, then delivered once") {
    emu.Post("/__control/faults",
             R"({"mode":"status","status":503,"count":2})");
    auto a =
        Apply(*host, config, InvoiceEntity("inv_503", "cus_hub_9"), "k-inv503");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_RETRY);
    CHECK(a.vendor_code() == "HTTP 503");
    CHECK(a.retry_after().seconds() * 1000 +
              a.retry_after().nanos() / 1000000 ==
          250);
    CHECK(
        Apply(*host, config, InvoiceEntity("inv_503", "cus_hub_9"), "k-inv503")
            .outcome() == av1::APPLY_OUTCOME_RETRY);
    CHECK(
        Apply(*host, config, InvoiceEntity("inv_503", "cus_hub_9"), "k-inv503")
            .outcome() == av1::APPLY_OUTCOME_APPLIED);
    CHECK(CountRecords(emu, "invoice") == 1);
  }
  SECTION("429 with Retry-After") {
    emu.Post("/__control/faults",
             R"({"mode":"status","status":429,"retry_after":"7","count":1})");
    auto a =
        Apply(*host, config, InvoiceEntity("inv_429", "cus_hub_9"), "k-inv429");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_RETRY);
    CHECK(a.retry_after().seconds() == 7);
    CHECK(
        Apply(*host, config, InvoiceEntity("inv_429", "cus_hub_9"), "k-inv429")
            .outcome() == av1::APPLY_OUTCOME_APPLIED);
    CHECK(CountRecords(emu, "invoice") == 1);
  }
  SECTION("a timeout whose write lands anyway is not duplicated by the retry") {
    emu.Post("/__control/faults",
             R"({"mode":"timeout","delay_ms":1200,"count":1})");
    auto a =
        Apply(*host, config, InvoiceEntity("inv_slow", "cus_hub_9"), "k-slow");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_RETRY);
    CHECK(a.vendor_code() == "timeout");
    std::this_thread::sleep_for(
        std::chrono::milliseconds(1200));  // the slow write completes
    CHECK(CountRecords(emu, "invoice") == 1);
    auto b =
        Apply(*host, config, InvoiceEntity("inv_slow", "cus_hub_9"), "k-slow");
    CHECK(b.outcome() == av1::APPLY_OUTCOME_APPLIED);
    CHECK(CountRecords(emu, "invoice") == 1);
  }
  SECTION("a dropped connection") {
    emu.Post("/__control/faults", R"({"mode":"reset","count":1})");
    auto a = Apply(*host, config, InvoiceEntity("inv_reset", "cus_hub_9"),
                   "k-reset");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_RETRY);
    CHECK(a.vendor_code() == "connection");
  }
  SECTION("an unknown customer is a business rejection naming the field") {
    auto a = Apply(*host, config, InvoiceEntity("inv_orphan", "cus_nobody"),
                   "k-orphan");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_REJECTED);
    CHECK(a.field_path() == "entity");
    CHECK(a.reason().find("customer does not exist") != std::string::npos);
    CHECK(CountRecords(emu, "invoice") == 0);
  }
  SECTION("an unbalanced journal entry is rejected by NetSuite") {
    auto a = Apply(*host, config, JournalEntity("je_bad", 299), "k-je-bad");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_REJECTED);
    CHECK(a.reason().find("debit entries must equal") != std::string::npos);
  }
  SECTION("an injected 400 with NetSuite's error body") {
    emu.Post(
        "/__control/faults",
        R"({"mode":"status","status":400,"count":1,"body":{"o:errorDetails":[{"detail":"Invalid Field Value 99 for the following field: subsidiary","o:errorCode":"INVALID_KEY_OR_REF","o:errorPath":"subsidiary"}]}})");
    auto a = Apply(*host, config, CustomerEntity("cus_hub_10"), "k-cus10");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_REJECTED);
    CHECK(a.field_path() == "subsidiary");
    CHECK(a.vendor_code() == "HTTP 400 INVALID_KEY_OR_REF");
  }
  SECTION("a refused token is rejected, not retried") {
    auto a = Apply(*host, Config(emu, "wrong-token-value"),
                   CustomerEntity("cus_hub_11"), "k-cus11");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_REJECTED);
    CHECK(a.vendor_code() == "HTTP 401");
    CHECK(a.reason().find("wrong-token-value") == std::string::npos);
  }
  SECTION("entities NetSuite does not take") {
    av1::CanonicalEntity product;
    product.mutable_product()->set_id("prd_1");
    product.mutable_product()->set_name("Seat");
    auto a = Apply(*host, config, product, "k-prd");
    CHECK(a.outcome() == av1::APPLY_OUTCOME_REJECTED);
    CHECK(a.field_path() == "entity");
  }
}

TEST_CASE("NetSuite Check: ok, refused, unreachable, invalid configuration",
          "[netsuite]") {
  Emulator emu(kApplyToken);
  auto host = StartAdapter("netsuite");
  auto check = [&](const std::string& config) {
    av1::CheckRequest req;
    req.set_system(kApplySystem);
    *req.mutable_config() = ConfigStruct(config);
    auto r = host->Check(req);
    REQUIRE(r.ok());
    return *r;
  };
  auto ok = check(Config(emu));
  CHECK(ok.outcome() == av1::CHECK_OUTCOME_OK);
  CHECK(ok.authenticated());
  auto refused = check(Config(emu, "not-the-token"));
  CHECK(refused.outcome() == av1::CHECK_OUTCOME_UNAUTHENTICATED);
  CHECK(refused.reachable());
  CHECK_FALSE(refused.authenticated());
  auto unreachable =
      check(R"({"base_url":"http://127.0.0.1:9","access_token":"abcdef"})");
  CHECK(unreachable.outcome() == av1::CHECK_OUTCOME_UNREACHABLE);
  CHECK_FALSE(unreachable.reason().empty());
  auto invalid = check(
      R"({"access_token":"abcdef","colour":"blue","request_timeout_ms":"soon"})");
  CHECK(invalid.outcome() == av1::CHECK_OUTCOME_INVALID_CONFIG);
  std::set<std::string> paths;
  for (const auto& e : invalid.config_errors()) paths.insert(e.field_path());
  CHECK(paths == std::set<std::string>{"config.base_url", "config.colour",
                                       "config.request_timeout_ms"});
}

TEST_CASE(
    "NetSuite: default_subsidiary_id stands in for an unmapped legal entity",
    "[netsuite]") {
  Emulator emu(kApplyToken);
  auto host = StartAdapter("netsuite");
  json with_default = json::parse(Config(emu));
  with_default["default_subsidiary_id"] = "7";
  std::string config = with_default.dump();
  auto last_body = [&]() { return emu.Requests().back()["body"]; };

  // A mapped legal entity keeps its own subsidiary.
  REQUIRE(Apply(*host, config, CustomerEntity("cus_mapped"), "k-mapped")
              .outcome() == av1::APPLY_OUTCOME_APPLIED);
  CHECK(last_body()["subsidiary"]["id"] == "1");
  // Empty and unknown legal entities take the default.
  av1::CanonicalEntity no_entity = CustomerEntity("cus_plain");
  no_entity.mutable_customer()->clear_legal_entity();
  REQUIRE(Apply(*host, config, no_entity, "k-plain").outcome() ==
          av1::APPLY_OUTCOME_APPLIED);
  CHECK(last_body()["subsidiary"]["id"] == "7");
  av1::CanonicalEntity invoice = InvoiceEntity("inv_default", "cus_plain");
  invoice.mutable_invoice()->set_legal_entity("acme-de");
  REQUIRE(Apply(*host, config, invoice, "k-inv-default").outcome() ==
          av1::APPLY_OUTCOME_APPLIED);
  CHECK(last_body()["subsidiary"]["id"] == "7");
  av1::CanonicalEntity memo = InvoiceEntity("cn_default", "cus_plain");
  memo.mutable_invoice()->set_kind(cv1::INVOICE_KIND_CREDIT_NOTE);
  memo.mutable_invoice()->set_credited_invoice_id("inv_default");
  REQUIRE(Apply(*host, config, memo, "k-cn-default").outcome() ==
          av1::APPLY_OUTCOME_APPLIED);
  CHECK(emu.Requests().back()["path"] ==
        "/services/rest/record/v1/creditMemo/eid:cn_default");
  CHECK(last_body()["subsidiary"]["id"] == "7");
  av1::CanonicalEntity je = JournalEntity("je_default", 300);
  je.mutable_journal_entry()->set_legal_entity("acme-de");
  REQUIRE(Apply(*host, config, je, "k-je-default").outcome() ==
          av1::APPLY_OUTCOME_APPLIED);
  CHECK(last_body()["subsidiary"]["id"] == "7");
  je.mutable_journal_entry()->clear_legal_entity();
  je.mutable_journal_entry()->set_id("je_default_2");
  REQUIRE(Apply(*host, config, je, "k-je-default-2").outcome() ==
          av1::APPLY_OUTCOME_APPLIED);
  CHECK(last_body()["subsidiary"]["id"] == "7");

  // Without the default, an unmapped legal entity sends no subsidiary on a
  // customer and refuses a journal entry, naming the field.
  size_t sent = emu.Requests().size();
  je.mutable_journal_entry()->set_id("je_nodefault");
  je.mutable_journal_entry()->set_legal_entity("acme-de");
  auto refused = Apply(*host, Config(emu), je, "k-je-nodefault");
  CHECK(refused.outcome() == av1::APPLY_OUTCOME_REJECTED);
  CHECK(refused.field_path() == "entity.journal_entry.legal_entity");
  CHECK(refused.reason().find("default_subsidiary_id") != std::string::npos);
  CHECK(refused.vendor_code().empty());
  je.mutable_journal_entry()->clear_legal_entity();
  auto missing = Apply(*host, Config(emu), je, "k-je-missing");
  CHECK(missing.outcome() == av1::APPLY_OUTCOME_REJECTED);
  CHECK(missing.field_path() == "entity.journal_entry.legal_entity");
  CHECK(emu.Requests().size() == sent);  // nothing reached NetSuite
  REQUIRE(Apply(*host, Config(emu), no_entity, "k-plain-2").outcome() ==
          av1::APPLY_OUTCOME_APPLIED);
  CHECK_FALSE(last_body().contains("subsidiary"));
}

TEST_CASE("NetSuite emulator: faults for a while, records by type",
          "[netsuite]") {
  Emulator emu(kApplyToken);
  auto host = StartAdapter("netsuite");
  std::string config = Config(emu);
  emu.Post("/__control/faults",
           R"({"mode":"status","status":503,"for_ms":700,
               "path_contains":"/customer/"})");
  // Any number of requests fail while the rule lasts...
  for (int i = 0; i < 3; ++i) {
    CHECK(Apply(*host, config, CustomerEntity("cus_while"), "k-while")
              .outcome() == av1::APPLY_OUTCOME_RETRY);
  }
  // ...other paths are not affected...
  REQUIRE(Apply(*host, config, JournalEntity("je_while", 300), "k-je-while")
              .outcome() == av1::APPLY_OUTCOME_APPLIED);
  // ...and after it the same request lands.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(
      Apply(*host, config, CustomerEntity("cus_while"), "k-while").outcome() ==
      av1::APPLY_OUTCOME_APPLIED);
  json customers = emu.Get("/__control/records?type=customer");
  CHECK(customers.size() == 1);
  REQUIRE(customers.contains("customer"));
  CHECK(customers["customer"].size() == 1);
  json journals = emu.Get("/__control/records?type=journalEntry");
  CHECK(journals.size() == 1);
  CHECK(journals.contains("journalentry"));
  CHECK(emu.Get("/__control/records?type=invoice").empty());
}
