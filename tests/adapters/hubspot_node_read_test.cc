// Read of the Node HubSpot adapter (examples/adapters/hubspot-node/read.js)
// against the HubSpot emulator started for real: a backfill paged through
// the CRM search API, deals with their associations and line items, an
// incremental read after a change, reading past the search API's result
// cap, and HubSpot's failures (429, 5xx, 401) as RETRY or FAILED.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "tests/adapters/hubspot_emulator_util.h"

using namespace revhub::testing;
using namespace revhub::testing::hubspot;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

json ConfigFor(HubSpotEmulator& emulator) {
  return {{"access_token", kToken},
          {"base_url", emulator.base_url()},
          {"default_currency", "EUR"},
          {"search_settle_ms", 0}};
}

// Reads `type` from `cursor` until has_more is false. Returns the records
// in order; `cursor` ends at the last next_cursor.
std::vector<av1::SourcedRecord> ReadAll(NodeAdapter& adapter,
                                        const json& config,
                                        const std::string& type,
                                        std::string* cursor, int page_size,
                                        int* pages = nullptr) {
  std::vector<av1::SourcedRecord> out;
  for (int page = 0; page < 1000; ++page) {
    av1::ReadResponse r = adapter.Read(config, type, *cursor, page_size);
    INFO(r.reason());
    REQUIRE(r.outcome() == av1::READ_OUTCOME_OK);
    CHECK(r.records_size() <= page_size);
    for (const auto& rec : r.records()) out.push_back(rec);
    *cursor = r.next_cursor();
    if (pages != nullptr) *pages = page + 1;
    if (!r.has_more()) return out;
  }
  FAIL("the read never caught up");
  return out;
}

std::set<std::string> Ids(const json& objects) {
  std::set<std::string> ids;
  for (const auto& o : objects) ids.insert(o["id"].get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE(
    "Describe says what the HubSpot adapter reads and how it checks "
    "webhooks",
    "[hubspot][read]") {
  NodeAdapter adapter;
  av1::DescribeResponse d;
  grpc::ClientContext ctx;
  REQUIRE(adapter.stub().Describe(&ctx, av1::DescribeRequest(), &d).ok());
  std::vector<std::string> types;
  for (const auto& t : d.readable_object_types()) {
    types.push_back(t.object_type());
    CHECK(t.incremental());
  }
  CHECK(types == std::vector<std::string>{"companies", "deals", "line_items",
                                          "products"});
  REQUIRE(d.rate_limits_size() == 2);
  CHECK(d.rate_limits(0).requests() == 100);
  CHECK(d.rate_limits(0).per().seconds() == 10);
  CHECK(d.rate_limits(1).requests() == 5);
  CHECK(d.rate_limits(1).per().seconds() == 1);
  CHECK(d.rate_limits(1).documentation_url().find("developers.hubspot.com") !=
        std::string::npos);
  CHECK(d.verifies_webhooks());
  CHECK(d.webhook_authentication().find("X-HubSpot-Signature-v3") !=
        std::string::npos);
  json schema = json::parse(d.config_schema_json());
  CHECK(schema["properties"]["client_secret"]["x-revhub-secret"] == true);
}

TEST_CASE("a backfill pages through every object and its records translate",
          "[hubspot][read]") {
  HubSpotEmulator emulator({std::string("--token=") + kToken});
  emulator.Post("/__control/dataset", {{"generate", 40}});
  NodeAdapter adapter;
  json config = ConfigFor(emulator);
  std::string cursor;
  int pages = 0;
  auto records = ReadAll(adapter, config, "companies", &cursor, 3, &pages);
  json stored = emulator.Objects("companies");
  REQUIRE(stored.size() == 10);
  CHECK(pages >= 4);
  std::set<std::string> read;
  std::map<std::string, std::string> updated;
  for (const auto& o : stored)
    updated[o["id"].get<std::string>()] = o["updatedAt"].get<std::string>();
  for (const auto& r : records) {
    read.insert(r.vendor_id());
    CHECK(r.record().object_type() == "companies");
    // The version is the object's last-modified stamp, the key names it.
    CHECK(r.version() == updated[r.vendor_id()]);
    CHECK(r.idempotency_key() ==
          "companies/" + r.vendor_id() + "@" + r.version());
    json payload = json::parse(r.record().payload());
    CHECK(payload["id"] == r.vendor_id());
    CHECK(payload["properties"]["hs_lastmodifieddate"] == r.version());
    auto t = adapter.Translate(r.record(), config);
    INFO(ToJson(t));
    CHECK(t.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
    CHECK(t.entities(0).customer().name() == payload["properties"]["name"]);
  }
  CHECK(read == Ids(stored));

  // Every search asked for hs_lastmodifieddate GTE the cursor, sorted
  // ascending, with the token.
  int searches = 0;
  for (const auto& req : emulator.Requests()) {
    CHECK(req["authorized"] == true);
    if (req["path"] != "/crm/v3/objects/companies/search") continue;
    ++searches;
    CHECK(req["status"] == 200);
    const json& body = req["body"];
    CHECK(body["sorts"][0]["propertyName"] == "hs_lastmodifieddate");
    CHECK(body["sorts"][0]["direction"] == "ASCENDING");
    CHECK(body["filterGroups"][0]["filters"][0]["operator"] == "GTE");
    CHECK(body["limit"] == 3);
  }
  CHECK(searches == pages);

  SECTION("a read with a page size above HubSpot's maximum asks for 200") {
    std::string from;
    av1::ReadResponse r = adapter.Read(config, "products", from, 5000);
    CHECK(r.outcome() == av1::READ_OUTCOME_OK);
    CHECK(r.records_size() == 10);
    CHECK(r.total_estimate() == 10);
    CHECK(emulator.Requests().back()["body"]["limit"] == 200);
  }
}

TEST_CASE("deals are read with their company and line items",
          "[hubspot][read]") {
  HubSpotEmulator emulator({std::string("--token=") + kToken});
  emulator.Post("/__control/dataset", {{"generate", 40}});
  NodeAdapter adapter;
  json config = ConfigFor(emulator);
  std::string cursor;
  auto records = ReadAll(adapter, config, "deals", &cursor, 4);
  REQUIRE(records.size() >= 10);
  std::map<std::string, json> lines;
  for (const auto& l : emulator.Objects("line_items"))
    lines[l["id"].get<std::string>()] = l;
  std::set<std::string> deals;
  int booked = 0;
  for (const auto& o : emulator.Objects("deals")) {
    std::string id = o["id"].get<std::string>();
    std::string company =
        o["associations"]["companies"]["results"][0]["id"].get<std::string>();
    std::string line =
        o["associations"]["line_items"]["results"][0]["id"].get<std::string>();
    const av1::SourcedRecord* found = nullptr;
    for (const auto& r : records) {
      if (r.vendor_id() == id) found = &r;
    }
    REQUIRE(found != nullptr);
    deals.insert(id);
    json payload = json::parse(found->record().payload());
    INFO(payload.dump());
    CHECK(payload["associations"]["companies"]["results"][0]["id"] == company);
    CHECK(payload["associations"]["companies"]["results"][0]["type"] ==
          "deal_to_company");
    CHECK(payload["associations"]["line_items"]["results"][0]["id"] == line);
    REQUIRE(payload["line_items"].size() == 1);
    CHECK(payload["line_items"][0]["properties"]["quantity"] ==
          lines[line]["properties"]["quantity"]);
    CHECK(payload["line_items"][0]["properties"]["hs_product_id"] ==
          lines[line]["properties"]["hs_product_id"]);
    auto t = adapter.Translate(found->record(), config);
    INFO(ToJson(t));
    REQUIRE(t.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
    const auto& contract = t.entities(0).contract();
    REQUIRE(contract.lines_size() == 1);
    CHECK(contract.lines(0).line_id() == line);
    CHECK(t.entities(0).links(0).target().vendor_id() == company);
    if (o["properties"]["dealstage"] == "closedwon") {
      ++booked;
      CHECK(contract.status() == cv1::CONTRACT_STATUS_ACTIVE);
    } else {
      CHECK(contract.status() == cv1::CONTRACT_STATUS_DRAFT);
    }
  }
  CHECK(deals.size() == 10);
  CHECK(booked == 8);
  // The associations came from the v4 batch read, the line items from the
  // v3 batch read.
  std::set<std::string> paths;
  for (const auto& req : emulator.Requests())
    paths.insert(req["path"].get<std::string>());
  CHECK(paths.count("/crm/v4/associations/deals/companies/batch/read") == 1);
  CHECK(paths.count("/crm/v4/associations/deals/line_items/batch/read") == 1);
  CHECK(paths.count("/crm/v3/objects/line_items/batch/read") == 1);
}

TEST_CASE("an incremental read returns what changed since the cursor",
          "[hubspot][read]") {
  HubSpotEmulator emulator({std::string("--token=") + kToken});
  emulator.Post("/__control/dataset", {{"generate", 40}});
  NodeAdapter adapter;
  json config = ConfigFor(emulator);
  std::string cursor;
  auto backfill = ReadAll(adapter, config, "companies", &cursor, 4);
  std::set<std::string> seen;
  for (const auto& r : backfill) seen.insert(r.idempotency_key());

  json touched =
      emulator.Post("/__control/touch", {{"type", "companies"},
                                         {"id", "1000003"},
                                         {"set", {{"name", "Renamed"}}}});
  auto changed = ReadAll(adapter, config, "companies", &cursor, 4);
  bool found = false;
  for (const auto& r : changed) {
    if (r.vendor_id() == "1000003") {
      found = true;
      CHECK(r.version() == touched["updatedAt"]);
      CHECK(seen.count(r.idempotency_key()) == 0);
      CHECK(json::parse(r.record().payload())["properties"]["name"] ==
            "Renamed");
    } else {
      // Only the objects at the cursor's own stamp come back, and they
      // are the versions already read: their keys collapse.
      CHECK(seen.count(r.idempotency_key()) == 1);
    }
  }
  CHECK(found);
  CHECK(changed.size() <= 2);

  SECTION("nothing changed: the read is caught up at once") {
    auto again = ReadAll(adapter, config, "companies", &cursor, 4);
    CHECK(again.size() == 1);
    CHECK(again[0].vendor_id() == "1000003");
  }
  SECTION("objects changed within search_settle_ms wait for the next run") {
    emulator.Post("/__control/touch",
                  {{"type", "companies"}, {"id", "1000004"}, {"set", {}}});
    json settling = config;
    settling["search_settle_ms"] = 600000;
    auto early = ReadAll(adapter, settling, "companies", &cursor, 4);
    for (const auto& r : early) CHECK(r.vendor_id() != "1000004");
    auto settled = ReadAll(adapter, config, "companies", &cursor, 4);
    bool read = false;
    for (const auto& r : settled) read = read || r.vendor_id() == "1000004";
    CHECK(read);
  }
}

TEST_CASE(
    "a read goes past the search API's result cap by restarting from "
    "the newest stamp",
    "[hubspot][read]") {
  HubSpotEmulator emulator(
      {std::string("--token=") + kToken, "--search-cap", "10"});
  NodeAdapter adapter;
  json config = ConfigFor(emulator);
  config["search_result_cap"] = 10;

  SECTION("120 objects, 30 companies, read 4 at a time") {
    emulator.Post("/__control/dataset", {{"generate", 120}});
    std::string cursor;
    auto records = ReadAll(adapter, config, "companies", &cursor, 4);
    std::set<std::string> read;
    for (const auto& r : records) read.insert(r.vendor_id());
    CHECK(read == Ids(emulator.Objects("companies")));
    CHECK(read.size() == 30);
    for (const auto& req : emulator.Requests()) {
      CHECK(req["status"] == 200);
      CHECK_FALSE(req["body"].contains("after"));
    }
  }

  std::string dir = "hubspot_same_stamp_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto company = [&](int i, const std::string& stamp) {
    WriteFile(dir + "/company_" + std::to_string(i) + ".json",
              json{{"id", std::to_string(9100 + i)},
                   {"properties", {{"name", "Same " + std::to_string(i)}}},
                   {"createdAt", "2026-01-01T00:00:00.000Z"},
                   {"updatedAt", stamp}}
                  .dump());
  };
  SECTION("a page that shares one stamp pages on inside it with after") {
    for (int i = 0; i < 6; ++i) company(i, "2026-02-01T00:00:00.000Z");
    for (int i = 6; i < 9; ++i)
      company(i, "2026-02-0" + std::to_string(i - 4) + "T00:00:00.000Z");
    emulator.Post("/__control/dataset",
                  {{"dir", std::filesystem::absolute(dir).string()}});
    std::string cursor;
    auto records = ReadAll(adapter, config, "companies", &cursor, 4);
    std::set<std::string> read;
    for (const auto& r : records) read.insert(r.vendor_id());
    CHECK(read.size() == 9);
    bool paged = false;
    for (const auto& req : emulator.Requests()) {
      CHECK(req["status"] == 200);
      if (req["body"].contains("after")) paged = req["body"]["after"] == "4";
    }
    CHECK(paged);
  }
  SECTION("more objects with one stamp than the cap is FAILED, naming it") {
    for (int i = 0; i < 14; ++i) company(i, "2026-02-01T00:00:00.000Z");
    emulator.Post("/__control/dataset",
                  {{"dir", std::filesystem::absolute(dir).string()}});
    std::string cursor;
    av1::ReadResponse r;
    for (int i = 0; i < 5; ++i) {
      r = adapter.Read(config, "companies", cursor, 5);
      if (r.outcome() != av1::READ_OUTCOME_OK) break;
      cursor = r.next_cursor();
    }
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(r.reason().find("config.search_result_cap") != std::string::npos);
    CHECK(r.reason().find("2026-02-01T00:00:00.000Z") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("HubSpot's failures are RETRY or FAILED with the reason",
          "[hubspot][read]") {
  HubSpotEmulator emulator({std::string("--token=") + kToken});
  emulator.Post("/__control/dataset", {{"generate", 12}});
  NodeAdapter adapter;
  json config = ConfigFor(emulator);

  SECTION("429 is RETRY after HubSpot's Retry-After, then the page reads") {
    emulator.Post("/__control/faults", {{"mode", "status"},
                                        {"status", 429},
                                        {"retry_after_seconds", 3},
                                        {"count", 1}});
    av1::ReadResponse r = adapter.Read(config, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
    CHECK(r.retry_after().seconds() == 3);
    CHECK(r.vendor_code() == "429");
    CHECK(r.reason().find("ten_secondly_rolling") != std::string::npos);
    r = adapter.Read(config, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_OK);
    CHECK(r.records_size() == 2);
  }
  SECTION("429 without Retry-After waits HubSpot's ten-second window") {
    emulator.Post("/__control/faults",
                  {{"mode", "status"}, {"status", 429}, {"count", 1}});
    av1::ReadResponse r = adapter.Read(config, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
    CHECK(r.retry_after().seconds() == 10);
  }
  SECTION("a 5xx on the line items' batch read is RETRY for the deals page") {
    emulator.Post("/__control/faults",
                  {{"mode", "status"},
                   {"status", 502},
                   {"path_regex", "objects/line_items/batch"},
                   {"count", 1}});
    av1::ReadResponse r = adapter.Read(config, "deals", "", 10);
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
    CHECK(r.vendor_code() == "502");
    CHECK(r.records_size() == 0);
  }
  SECTION("a reset connection is RETRY") {
    emulator.Post("/__control/faults", {{"mode", "reset"}, {"count", 1}});
    av1::ReadResponse r = adapter.Read(config, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
  }
  SECTION("a refused token is FAILED naming config.access_token") {
    json wrong = config;
    wrong["access_token"] = "pat-eu1-wrong";
    av1::ReadResponse r = adapter.Read(wrong, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(r.reason().find("config.access_token") != std::string::npos);
    CHECK(r.reason().find("pat-eu1-wrong") == std::string::npos);
    CHECK(r.vendor_code() == "401");
    emulator.Post("/__control/faults", {{"mode", "expire_token"}});
    r = adapter.Read(config, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(r.reason().find("config.access_token") != std::string::npos);
  }
  SECTION("an unknown type, a foreign cursor or no token is FAILED") {
    av1::ReadResponse r = adapter.Read(config, "contacts", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(r.reason().find("object_type") != std::string::npos);
    r = adapter.Read(config, "companies", "{\"offset\":3}", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(r.reason().find("cursor") != std::string::npos);
    json none = config;
    none.erase("access_token");
    r = adapter.Read(none, "companies", "", 2);
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(r.reason().find("config.access_token") != std::string::npos);
  }
}
