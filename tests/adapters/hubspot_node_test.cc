// The HubSpot adapter in Node (examples/adapters/hubspot-node) through the
// real AdapterHost, started exactly like the C++ adapters: Describe, Check
// against a local stand-in for HubSpot's account API, Translate and
// TranslateBatch, Apply, secrets kept out of replies and logs. Its process
// (restart after kill -9, exits) is tested in hubspot_node_process_test.cc.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "canonical/validation.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"
#include "tests/adapters/hubspot_node_util.h"
#include "tests/adapters/test_util.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;
using revhub::hub::ParseHandshake;
using namespace revhub::testing::hubspot;

namespace {

// Seconds and nanos of an RFC 3339 time, parsed by absl.
std::pair<int64_t, int32_t> Rfc3339(const std::string& text) {
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, text, &t, &err));
  int64_t s = absl::ToUnixSeconds(t);
  int64_t n = (t - absl::FromUnixSeconds(s)) / absl::Nanoseconds(1);
  return {s, static_cast<int32_t>(n)};
}

void CheckTime(const google::protobuf::Timestamp& ts, const std::string& text) {
  INFO("time " << text);
  auto [s, n] = Rfc3339(text);
  CHECK(ts.seconds() == s);
  CHECK(ts.nanos() == n);
}

bool HasError(const av1::CheckResponse& r, const std::string& path,
              const std::string& reason_part) {
  for (const auto& e : r.config_errors()) {
    if (e.field_path() == path &&
        e.reason().find(reason_part) != std::string::npos)
      return true;
  }
  return false;
}

av1::VendorRecord Record(const std::string& key, const std::string& type,
                         const std::string& payload) {
  av1::VendorRecord r;
  r.set_record_key(key);
  r.set_object_type(type);
  r.set_payload(payload);
  return r;
}

}  // namespace

TEST_CASE(
    "the Node HubSpot adapter starts through the AdapterHost and "
    "describes itself",
    "[hubspot]") {
  auto host = StartAdapter("hubspot");
  pid_t pid = host->pid();
  CHECK(pid > 0);
  // The hub's adapters listen on a unix socket in their launch folder.
  CHECK(host->address().size() > 13);
  CHECK(host->address().compare(host->address().size() - 13, 13,
                                "/adapter.sock") == 0);
  auto d = host->Describe();
  REQUIRE(d.ok());
  CHECK(d->adapter_name() == "hubspot");
  CHECK(d->vendor() == "HubSpot");
  CHECK(d->adapter_version() == "1.0.0");
  CHECK(d->canonical_schema_version() == "revhub.canonical.v1");
  CHECK(d->protocol_version() == 1);
  std::vector<std::string> types;
  for (const auto& t : d->inbound_object_types()) {
    types.push_back(t.object_type());
    CHECK_FALSE(t.description().empty());
  }
  CHECK(types == std::vector<std::string>{"companies", "deals", "line_items",
                                          "products"});
  CHECK(d->inbound_object_types(0).produces(0) == cv1::ENTITY_TYPE_CUSTOMER);
  CHECK(d->inbound_object_types(1).produces(0) == cv1::ENTITY_TYPE_CONTRACT);
  CHECK(d->inbound_object_types(3).produces(0) == cv1::ENTITY_TYPE_PRODUCT);
  CHECK(d->outbound_operations_size() == 0);
  json schema = json::parse(d->config_schema_json());
  CHECK(schema["type"] == "object");
  CHECK(schema["additionalProperties"] == false);
  CHECK(schema["properties"]["portal_id"]["type"] == "integer");
  CHECK(schema["properties"]["access_token"]["x-revhub-secret"] == true);
  CHECK(schema["properties"]["access_token"]["writeOnly"] == true);
  CHECK(schema["properties"]["base_url"]["pattern"] == "^https?://");
  CHECK(schema["properties"]["default_currency"]["pattern"] == "^[A-Z]{3}$");
  host->Shutdown();
  CHECK_FALSE(Alive(pid));
  CHECK(host->Describe().status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("Check validates the configuration and calls HubSpot at base_url",
          "[hubspot]") {
  std::string log_path = "hubspot_check_stderr.log";
  WriteFile(log_path, "");
  auto host = StartAdapter("hubspot", FastOptions(), log_path);
  FakeHubSpot hubspot;

  SECTION("a malformed configuration names every broken field") {
    auto r = Check(*host, {{"portal_id", "abc"},
                           {"base_url", "ftp://example.com"},
                           {"default_currency", "usd"},
                           {"api_key", "x"}});
    CHECK(r.outcome() == av1::CHECK_OUTCOME_INVALID_CONFIG);
    CHECK(HasError(r, "config.api_key", "unknown field"));
    CHECK(HasError(r, "config.portal_id", "non-negative integer"));
    CHECK(HasError(r, "config.base_url", "http:// or https://"));
    CHECK(HasError(r, "config.default_currency", "ISO 4217"));
    CHECK(r.config_errors_size() == 4);
  }
  SECTION("portal id and token are required to check") {
    auto r = Check(*host, json::object());
    CHECK(r.outcome() == av1::CHECK_OUTCOME_INVALID_CONFIG);
    CHECK(HasError(r, "config.portal_id", "required"));
    CHECK(HasError(r, "config.access_token", "required"));
  }
  SECTION("without base_url the shape is checked and HubSpot is not called") {
    auto r = Check(*host, {{"portal_id", kPortal}, {"access_token", kToken}});
    CHECK(r.outcome() == av1::CHECK_OUTCOME_OK);
    CHECK_FALSE(r.reachable());
    CHECK(r.reason().find("not contacted") != std::string::npos);
    CHECK(hubspot.auth_headers().empty());
  }
  SECTION("the right token for the right account is OK") {
    auto r = Check(*host, {{"portal_id", kPortal},
                           {"access_token", kToken},
                           {"base_url", hubspot.base_url()}});
    CHECK(r.outcome() == av1::CHECK_OUTCOME_OK);
    CHECK(r.reachable());
    CHECK(r.authenticated());
    REQUIRE(hubspot.auth_headers().size() == 1);
    CHECK(hubspot.auth_headers()[0] == std::string("Bearer ") + kToken);
  }
  SECTION("a refused token is UNAUTHENTICATED") {
    auto r = Check(*host, {{"portal_id", kPortal},
                           {"access_token", "pat-eu1-wrong"},
                           {"base_url", hubspot.base_url()}});
    CHECK(r.outcome() == av1::CHECK_OUTCOME_UNAUTHENTICATED);
    CHECK(r.reachable());
    CHECK_FALSE(r.authenticated());
    CHECK(r.reason().find("401") != std::string::npos);
  }
  SECTION("a token of another account is a config error on portal_id") {
    auto r = Check(*host, {{"portal_id", 1234},
                           {"access_token", kToken},
                           {"base_url", hubspot.base_url()}});
    CHECK(r.outcome() == av1::CHECK_OUTCOME_INVALID_CONFIG);
    CHECK(HasError(r, "config.portal_id", "147893286"));
  }
  SECTION("a closed port is UNREACHABLE") {
    auto r = Check(*host, {{"portal_id", kPortal},
                           {"access_token", kToken},
                           {"base_url", "http://127.0.0.1:1"}});
    CHECK(r.outcome() == av1::CHECK_OUTCOME_UNREACHABLE);
    CHECK_FALSE(r.reachable());
    CHECK(r.reason().find("127.0.0.1:1") != std::string::npos);
    CHECK(r.reason().find(kToken) == std::string::npos);
  }
  host->Shutdown();
  std::string log = ReadFile(log_path);
  CHECK(log.find("check for system hubspot-test") != std::string::npos);
  CHECK(log.find(kToken) == std::string::npos);
}

TEST_CASE("Translate maps a company and a closed-won deal over gRPC",
          "[hubspot]") {
  auto host = StartAdapter("hubspot");
  const std::string config = json{{"portal_id", kPortal}}.dump();

  auto company = Translate(*host, "companies", Golden("company_berlin.json"),
                           config, "hubspot-eu");
  REQUIRE(company.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(company.entities_size() == 1);
  const auto& c = company.entities(0).customer();
  CHECK(c.id().empty());
  REQUIRE(c.external_refs_size() == 1);
  CHECK(c.external_refs(0).system() == "hubspot-eu");
  CHECK(c.external_refs(0).object_type() == "companies");
  CHECK(c.external_refs(0).vendor_id() == "9001");
  CHECK(c.name() == "Initech GmbH");
  CHECK(c.billing_address().lines_size() == 2);
  CHECK(c.billing_address().city() == "Berlin");
  CHECK(c.billing_address().postal_code() == "10117");
  CHECK(c.billing_address().country_code() == "DE");
  CHECK(c.status() == cv1::CUSTOMER_STATUS_ACTIVE);
  CheckTime(c.effective_at(), "2025-11-03T09:12:44.120Z");
  CheckTime(c.source_updated_at(), "2026-02-14T16:05:09.877Z");
  REQUIRE(company.events_size() == 1);
  CHECK(company.events(0).type() == cv1::EVENT_TYPE_CUSTOMER_CHANGED);

  auto deal =
      Translate(*host, "deals", Golden("deal_closedwon_with_line_items.json"),
                config, "hubspot-eu");
  for (const auto& e : deal.errors())
    UNSCOPED_INFO(e.field_path() << ": " << e.reason());
  REQUIRE(deal.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(deal.entities_size() == 1);
  const auto& entity = deal.entities(0);
  const auto& k = entity.contract();
  CHECK(k.status() == cv1::CONTRACT_STATUS_ACTIVE);
  CHECK(k.currency_code() == "EUR");
  CHECK(k.customer_id().empty());
  CheckTime(k.signed_at(), "2026-03-31T10:15:00Z");
  REQUIRE(k.lines_size() == 3);
  // 1500.50 EUR x 2, 10 % off, a year from 2026-04-01.
  CHECK(k.lines(0).line_id() == "55001");
  CHECK(k.lines(0).unit_price().units() == 1500);
  CHECK(k.lines(0).unit_price().nanos() == 500000000);
  CHECK(k.lines(0).unit_price().currency_code() == "EUR");
  CHECK(k.lines(0).quantity().units() == 2);
  CHECK(k.lines(0).discount_percent().units() == 10);
  CheckTime(k.lines(0).service_period().start_time(), "2026-04-01T00:00:00Z");
  CheckTime(k.lines(0).service_period().end_time(), "2027-04-01T00:00:00Z");
  // 999.99 with 100.00 off the unit: 100.00 off the line.
  CHECK(k.lines(1).unit_price().units() == 999);
  CHECK(k.lines(1).unit_price().nanos() == 990000000);
  CHECK(k.lines(1).discount_amount().units() == 100);
  CHECK(k.lines(1).discount_amount().nanos() == 0);
  CHECK_FALSE(k.lines(1).has_service_period());
  // 0.10 x 1000 for 24 months from the close date.
  CHECK(k.lines(2).unit_price().units() == 0);
  CHECK(k.lines(2).unit_price().nanos() == 100000000);
  CheckTime(k.lines(2).service_period().start_time(), "2026-03-31T10:15:00Z");
  CheckTime(k.lines(2).service_period().end_time(), "2028-03-31T10:15:00Z");
  std::map<std::string, std::string> links;
  for (const auto& l : entity.links()) {
    CHECK(l.target().system() == "hubspot-eu");
    links[l.field_path()] =
        l.target().object_type() + "/" + l.target().vendor_id();
  }
  CHECK(links == std::map<std::string, std::string>{
                     {"customer_id", "companies/9001"},
                     {"lines[0].product_id", "products/3001"},
                     {"lines[1].product_id", "products/3002"}});
  REQUIRE(deal.events_size() == 1);
  CHECK(deal.events(0).type() == cv1::EVENT_TYPE_CONTRACT_BOOKED);
  CHECK(deal.events(0).entity_index() == 0);
  CheckTime(deal.events(0).occurred_at(), "2026-03-31T10:15:00Z");
}

TEST_CASE(
    "deals from the search API translate without associations; the company "
    "comes from a configured property; every line names its HubSpot fields",
    "[hubspot]") {
  auto host = StartAdapter("hubspot");
  const std::string page = Golden("deals_search_without_associations.json");
  auto plain = Translate(*host, "deals", page,
                         json{{"default_currency", "EUR"}}.dump(), "hubspot");
  for (const auto& e : plain.errors())
    UNSCOPED_INFO(e.field_path() << ": " << e.reason());
  REQUIRE(plain.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(plain.entities_size() == 2);
  for (const auto& e : plain.entities()) {
    CHECK(e.links_size() == 0);  // no company: the hub holds the contract
    std::map<std::string, std::string> sources;
    for (const auto& s : e.sources()) sources[s.field_path()] = s.vendor_path();
    CHECK(sources.count("customer_id") == 1);
  }
  std::map<std::string, std::string> first;
  for (const auto& s : plain.entities(0).sources())
    first[s.field_path()] = s.vendor_path();
  CHECK(first.at("customer_id") == "results[0].associations.companies");
  CHECK(first.at("status") == "results[0].properties.dealstage");

  auto linked = Translate(
      *host, "deals", page,
      json{{"default_currency", "EUR"}, {"deal_company_property", "company_id"}}
          .dump(),
      "hubspot");
  REQUIRE(linked.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(linked.entities_size() == 2);
  REQUIRE(linked.entities(0).links_size() == 1);
  CHECK(linked.entities(0).links(0).field_path() == "customer_id");
  CHECK(linked.entities(0).links(0).target().object_type() == "companies");
  CHECK(linked.entities(0).links(0).target().vendor_id() == "9100");
  // The second deal has no company id in the property either.
  CHECK(linked.entities(1).links_size() == 0);
  for (const auto& s : linked.entities(0).sources()) {
    if (s.field_path() == "customer_id")
      CHECK(s.vendor_path() == "results[0].properties.company_id");
  }
}

TEST_CASE(
    "TranslateBatch answers per record in order; bad input never "
    "stops the adapter",
    "[hubspot]") {
  std::string log_path = "hubspot_batch_stderr.log";
  WriteFile(log_path, "");
  auto host = StartAdapter("hubspot", FastOptions(), log_path);
  const std::string company = Golden("company_berlin.json");

  av1::TranslateBatchRequest batch;
  batch.set_system("hubspot-eu");
  *batch.mutable_config() = ConfigStruct(R"({"default_currency":"EUR"})");
  *batch.add_records() = Record("r-company", "companies", company);
  *batch.add_records() = Record("r-malformed", "deals", "{\"id\": \"1\", ");
  *batch.add_records() =
      Record("r-lost", "deals", Golden("deal_closedlost.json"));
  *batch.add_records() = Record("r-contact", "contacts", company);
  *batch.add_records() =
      Record("r-price", "line_items", Golden("line_item_bad_price.json"));
  auto csv = Record("r-csv", "companies", "id,name\n1,Acme\n");
  csv.set_content_type("text/csv");
  *batch.add_records() = csv;
  auto resp = host->TranslateBatch(batch);
  REQUIRE(resp.ok());
  REQUIRE(resp->results_size() == 6);
  const auto& r = resp->results();
  CHECK(r[0].record_key() == "r-company");
  CHECK(r[0].outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  CHECK(r[1].record_key() == "r-malformed");
  CHECK(r[1].outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  REQUIRE(r[1].errors_size() == 1);
  CHECK(r[1].errors(0).field_path().empty());
  CHECK(r[1].errors(0).reason().find("malformed JSON") != std::string::npos);
  CHECK(r[2].outcome() == av1::TRANSLATION_OUTCOME_SKIPPED);
  CHECK(r[2].skip_reason().find("closed lost") != std::string::npos);
  CHECK(r[3].outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(r[3].errors(0).field_path() == "object_type");
  CHECK(r[4].outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(r[4].errors(0).field_path() == "properties.price");
  CHECK(r[4].entities_size() == 0);
  CHECK(r[5].outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(r[5].errors(0).field_path() == "content_type");

  SECTION("more than 1000 records is refused as a whole") {
    av1::TranslateBatchRequest big;
    for (int i = 0; i < 1001; ++i)
      *big.add_records() = Record(std::to_string(i), "companies", company);
    auto refused = host->TranslateBatch(big);
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(refused.status().message()).find("at most 1000") !=
          std::string::npos);
  }
  SECTION("a configuration that breaks the schema fails the call") {
    av1::TranslateRequest req;
    *req.mutable_config() = ConfigStruct(R"({"default_currency":"EURO"})");
    *req.mutable_record() = Record("k", "companies", company);
    auto refused = host->Translate(req);
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(refused.status().message())
              .find("config.default_currency") != std::string::npos);
  }
  SECTION("10 MB payloads: a valid one translates, a cut one fails") {
    std::string name(10 * 1024 * 1024, 'n');
    std::string big = R"({"id":"77","properties":{"name":")" + name + R"("}})";
    auto ok = Translate(*host, "companies", big);
    REQUIRE(ok.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
    CHECK(ok.entities(0).customer().name().size() == name.size());
    auto cut = Translate(*host, "companies", big.substr(0, big.size() - 3));
    CHECK(cut.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
    CHECK(cut.errors(0).reason().find("malformed JSON") != std::string::npos);
    CHECK(Translate(*host, "companies", company).outcome() ==
          av1::TRANSLATION_OUTCOME_TRANSLATED);
  }
  SECTION("a secret never comes back in a reason nor reaches the log") {
    av1::TranslateRequest req;
    req.set_system("hubspot-eu");
    *req.mutable_config() = ConfigStruct(json{{"access_token", kToken}}.dump());
    *req.mutable_record() = Record("k", std::string("x-") + kToken, company);
    auto resp1 = host->Translate(req);
    REQUIRE(resp1.ok());
    const auto& failed = resp1->result();
    CHECK(failed.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
    CHECK(failed.errors(0).reason().find("[REDACTED]") != std::string::npos);
    CHECK(failed.errors(0).reason().find(kToken) == std::string::npos);
    host->Shutdown();
    std::string log = ReadFile(log_path);
    CHECK(log.find("[REDACTED]") != std::string::npos);
    CHECK(log.find(kToken) == std::string::npos);
  }
}

TEST_CASE("Apply is REJECTED: the HubSpot adapter writes nothing",
          "[hubspot]") {
  auto host = StartAdapter("hubspot");
  av1::ApplyRequest req;
  req.set_system("hubspot-eu");
  req.set_idempotency_key("cus_1:3");
  req.set_operation(av1::CHANGE_OPERATION_UPSERT);
  req.mutable_entity()->mutable_customer()->set_id("cus_1");
  req.mutable_entity()->mutable_customer()->set_name("Initech GmbH");
  auto resp = host->Apply(req);
  REQUIRE(resp.ok());
  CHECK(resp->outcome() == av1::APPLY_OUTCOME_REJECTED);
  CHECK(resp->reason().find("inbound only") != std::string::npos);
  CHECK(resp->vendor_refs_size() == 0);
  CHECK_FALSE(resp->has_retry_after());
}
