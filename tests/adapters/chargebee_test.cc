// The Chargebee adapter's Read against the Chargebee emulator started for
// real on a loopback port (paging, cursor resume across adapter processes,
// incremental reads after a change, 429 and 401), and its VerifyWebhook
// (basic auth, event bodies, records keyed as Read keys them), including a
// webhook the emulator sends.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <thread>

#include "canonical/validation.h"
#include "tests/adapters/chargebee_util.h"
#include "tests/adapters/test_util.h"

using namespace revhub::testing::chargebee;
namespace av1 = revhub::adapter::v1;

namespace {

const char kKey[] = "test_cb_key_1";

std::string ConfigFor(const ChargebeeEmulator& emu,
                      const std::string& key = kKey) {
  return json{{"base_url", emu.base_url()},
              {"api_key", key},
              {"request_timeout_ms", 5000}}
      .dump();
}

// Reads `type` from `cursor` until caught up; returns the records by key
// and the final cursor; counts pages.
struct Sweep {
  std::vector<av1::SourcedRecord> records;
  std::string cursor;
  int pages = 0;
};

Sweep ReadAll(ChargebeeAdapterProcess& adapter, const std::string& config,
              const std::string& type, std::string cursor, int page_size) {
  Sweep s;
  for (;;) {
    av1::ReadResponse r = adapter.Read(config, type, cursor, page_size);
    INFO("reason: " << r.reason());
    REQUIRE(r.outcome() == av1::READ_OUTCOME_OK);
    REQUIRE(r.vendor_calls() == 1);
    ++s.pages;
    for (const auto& rec : r.records()) s.records.push_back(rec);
    cursor = r.next_cursor();
    if (!r.has_more()) break;
    REQUIRE(s.pages < 1000);
  }
  s.cursor = cursor;
  return s;
}

std::set<std::string> Ids(const json& objects) {
  std::set<std::string> ids;
  for (const json& o : objects) ids.insert(o["id"].get<std::string>());
  return ids;
}

// Validates a translated entity as the hub would once its links are
// resolved: the id fields the links fill get placeholder hub ids.
absl::Status ValidateLinked(av1::CanonicalEntity e) {
  for (const auto& link : e.links()) {
    const std::string& path = link.field_path();
    if (path == "customer_id") {
      if (e.has_contract()) e.mutable_contract()->set_customer_id("hub-c");
      if (e.has_invoice()) e.mutable_invoice()->set_customer_id("hub-c");
      if (e.has_payment()) e.mutable_payment()->set_customer_id("hub-c");
    }
    if (path.rfind("allocations[", 0) == 0) {
      for (auto& a : *e.mutable_payment()->mutable_allocations())
        a.set_invoice_id("hub-i");
    }
  }
  if (e.has_customer()) return revhub::ValidateCustomer(e.customer());
  if (e.has_contract()) return revhub::ValidateContract(e.contract());
  if (e.has_invoice()) return revhub::ValidateInvoice(e.invoice());
  if (e.has_payment()) return revhub::ValidatePayment(e.payment());
  if (e.has_product() && !e.product().name().empty())
    return revhub::ValidateProduct(e.product());
  return absl::OkStatus();
}

}  // namespace

TEST_CASE("Chargebee Read pages through a list and resumes from its cursor",
          "[chargebee]") {
  ChargebeeEmulator emu(kKey);
  emu.Post("/__control/dataset", {{"generate", 60}});
  json invoices = emu.Objects("invoice");
  REQUIRE(invoices.size() >= 10);
  ChargebeeAdapterProcess adapter;
  std::string config = ConfigFor(emu);

  // First page, then a fresh adapter process continues from the cursor.
  av1::ReadResponse first = adapter.Read(config, "invoice", "", 3);
  REQUIRE(first.outcome() == av1::READ_OUTCOME_OK);
  REQUIRE(first.records_size() == 3);
  REQUIRE(first.has_more());
  ChargebeeAdapterProcess restarted;
  Sweep rest = ReadAll(restarted, config, "invoice", first.next_cursor(), 3);
  std::vector<av1::SourcedRecord> all(first.records().begin(),
                                      first.records().end());
  all.insert(all.end(), rest.records.begin(), rest.records.end());
  CHECK(rest.pages + 1 == static_cast<int>((invoices.size() + 2) / 3));

  std::map<std::string, int> seen;
  for (const auto& rec : all) {
    ++seen[rec.vendor_id()];
    CHECK(rec.record().object_type() == "invoice");
    json payload = json::parse(rec.record().payload());
    CHECK(payload["id"] == rec.vendor_id());
    CHECK(rec.version() ==
          std::to_string(payload["resource_version"].get<int64_t>()));
    CHECK(rec.idempotency_key() ==
          "invoice/" + rec.vendor_id() + "@" + rec.version());
  }
  CHECK(seen.size() == invoices.size());
  for (const auto& [id, n] : seen) CHECK(n == 1);
  CHECK(Ids(invoices).size() == seen.size());

  // What Chargebee was asked: basic auth, sorted by updated_at, paged by
  // next_offset.
  json requests = emu.Get("/__control/requests");
  REQUIRE(requests.size() == all.size() / 3 + (all.size() % 3 ? 1 : 0));
  for (const json& r : requests) {
    CHECK(r["authorized"] == true);
    CHECK(r["path"] == "/api/v2/invoices");
    CHECK(r["query"]["sort_by[asc]"] == "updated_at");
    CHECK(r["query"]["limit"] == "3");
    CHECK(r["query"]["include_deleted"] == "true");
  }
  CHECK_FALSE(requests[0]["query"].contains("offset"));
  CHECK(requests[1]["query"].contains("offset"));
}

TEST_CASE("Chargebee Read from a caught-up cursor returns what changed",
          "[chargebee]") {
  ChargebeeEmulator emu(kKey);
  emu.Post("/__control/dataset", {{"generate", 80}});
  ChargebeeAdapterProcess adapter;
  std::string config = ConfigFor(emu);
  for (const char* type : {"customer", "credit_note"}) {
    INFO("type " << type);
    json objects = emu.Objects(type);
    REQUIRE(objects.size() >= 2);
    Sweep full = ReadAll(adapter, config, type, "", 100);
    CHECK(full.records.size() == objects.size());

    std::string id = objects[0]["id"];
    json touched = emu.Post(
        "/__control/touch",
        {{"type", type}, {"id", id}, {"set", {{"cf_segment", "enterprise"}}}});
    Sweep next = ReadAll(adapter, config, type, full.cursor, 100);
    // Only what changed since the last sweep (its newest object again, and
    // the touched one), never the whole list.
    CHECK(next.records.size() < objects.size());
    bool found = false;
    for (const auto& rec : next.records) {
      if (rec.vendor_id() != id) continue;
      found = true;
      CHECK(rec.version() ==
            std::to_string(touched["resource_version"].get<int64_t>()));
      CHECK(json::parse(rec.record().payload())["cf_segment"] == "enterprise");
    }
    CHECK(found);
    // The filter Chargebee was given: updated_at after the cursor's stamp.
    json last = emu.Get("/__control/requests").back();
    CHECK(last["query"].contains("updated_at[after]"));
  }
}

TEST_CASE("Chargebee Read retries on 429 and fails on a refused API key",
          "[chargebee]") {
  ChargebeeEmulator emu(kKey);
  emu.Post("/__control/dataset", {{"generate", 12}});
  ChargebeeAdapterProcess adapter;
  std::string config = ConfigFor(emu);

  emu.Post("/__control/faults", {{"mode", "status"},
                                 {"status", 429},
                                 {"retry_after_seconds", 7},
                                 {"count", 1}});
  av1::ReadResponse limited = adapter.Read(config, "customer", "", 0);
  CHECK(limited.outcome() == av1::READ_OUTCOME_RETRY);
  CHECK(limited.retry_after().seconds() == 7);
  CHECK(limited.vendor_code() == "429");
  CHECK(limited.reason().find("api_request_limit_exceeded") !=
        std::string::npos);
  av1::ReadResponse again = adapter.Read(config, "customer", "", 0);
  CHECK(again.outcome() == av1::READ_OUTCOME_OK);
  CHECK(again.records_size() ==
        static_cast<int>(emu.Objects("customer").size()));

  emu.Post("/__control/faults",
           {{"mode", "status"}, {"status", 503}, {"count", 1}});
  CHECK(adapter.Read(config, "customer", "", 0).outcome() ==
        av1::READ_OUTCOME_RETRY);

  av1::ReadResponse refused =
      adapter.Read(ConfigFor(emu, "wrong_key"), "customer", "", 0);
  CHECK(refused.outcome() == av1::READ_OUTCOME_FAILED);
  CHECK(refused.vendor_code() == "401");
  CHECK(refused.reason().find("config.api_key") != std::string::npos);
  CHECK(refused.reason().find("wrong_key") == std::string::npos);

  av1::ReadResponse bad_cursor = adapter.Read(config, "customer", "nope", 0);
  CHECK(bad_cursor.outcome() == av1::READ_OUTCOME_FAILED);
  CHECK(bad_cursor.reason().find("cursor") != std::string::npos);
}

TEST_CASE("Every generated Chargebee object translates", "[chargebee]") {
  ChargebeeEmulator emu(kKey);
  json counts = emu.Post("/__control/dataset", {{"generate", 50}});
  ChargebeeAdapterProcess adapter;
  std::string config = ConfigFor(emu);
  int total = 0;
  for (const char* type : {"item", "item_price", "customer", "subscription",
                           "invoice", "credit_note", "transaction"}) {
    INFO("type " << type);
    Sweep s = ReadAll(adapter, config, type, "", 7);
    CHECK(static_cast<int>(s.records.size()) == counts[type].get<int>());
    for (const auto& rec : s.records) {
      av1::TranslationResult r = adapter.Translate(
          "{}", rec.record().object_type(), rec.record().payload());
      INFO(rec.idempotency_key()
           << ": " << (r.errors_size() ? r.errors(0).reason() : std::string()));
      CHECK(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
      for (const auto& e : r.entities()) {
        absl::Status valid = ValidateLinked(e);
        INFO(valid.message());
        CHECK(valid.ok());
      }
      ++total;
    }
  }
  CHECK(total == 50);
}

TEST_CASE("Chargebee webhooks are authenticated by basic auth", "[chargebee]") {
  ChargebeeAdapterProcess adapter;
  const std::string config = json{
      {"webhook_username", "hub"},
      {"webhook_password",
       "s3cret-pw"}}.dump();
  json event = {{"id", "ev_cb_1"},
                {"occurred_at", 1767225700},
                {"object", "event"},
                {"api_version", "v2"},
                {"event_type", "subscription_changed"},
                {"content",
                 {{"subscription",
                   {{"id", "sub_1"},
                    {"customer_id", "cus_1"},
                    {"status", "active"},
                    {"updated_at", 1767225700},
                    {"resource_version", 1767225700123},
                    {"object", "subscription"}}},
                  {"customer",
                   {{"id", "cus_1"},
                    {"updated_at", 1767225600},
                    {"resource_version", 1767225600001},
                    {"object", "customer"}}},
                  {"card", {{"id", "card_1"}, {"object", "card"}}}}}};

  av1::VerifyWebhookResponse ok = adapter.Verify(
      config, event.dump(), {{"authorization", BasicAuth("hub:s3cret-pw")}});
  REQUIRE(ok.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
  CHECK(ok.vendor_event_id() == "ev_cb_1");
  CHECK(ok.event_type() == "subscription_changed");
  REQUIRE(ok.records_size() == 2);  // the card is nothing the adapter reads
  CHECK(ok.records(0).idempotency_key() == "customer/cus_1@1767225600001");
  CHECK(ok.records(1).idempotency_key() == "subscription/sub_1@1767225700123");
  CHECK(json::parse(ok.records(1).record().payload()) ==
        event["content"]["subscription"]);

  auto refused = [&](const std::vector<std::pair<std::string, std::string>>& h,
                     const std::string& body) {
    av1::VerifyWebhookResponse r = adapter.Verify(config, body, h);
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(r.records_size() == 0);
    CHECK(r.reason().find("s3cret-pw") == std::string::npos);
    return r.reason();
  };
  CHECK(refused({{"authorization", BasicAuth("hub:wrong")}}, event.dump())
            .find("Authorization") == 0);
  CHECK(refused({}, event.dump()).find("Authorization: missing") == 0);
  CHECK(refused({{"authorization", "Bearer abc"}}, event.dump())
            .find("Authorization: not Basic") == 0);
  CHECK(refused({{"authorization", BasicAuth("hub:s3cret-pw")}},
                R"({"hello":"world"})")
            .find("body") == 0);
  CHECK(refused({{"authorization", BasicAuth("hub:s3cret-pw")}}, "not json")
            .find("body") == 0);
  av1::VerifyWebhookResponse unconfigured = adapter.Verify(
      "{}", event.dump(), {{"authorization", BasicAuth("hub:s3cret-pw")}});
  CHECK(unconfigured.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
  CHECK(unconfigured.reason().find("config.webhook_password") !=
        std::string::npos);
}

TEST_CASE("A webhook the Chargebee emulator sends carries Read's record keys",
          "[chargebee]") {
  // A stand-in for the hub's webhook endpoint: keeps what it receives.
  httplib::Server hub;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> received;  // auth, body
  hub.Post(
      "/webhooks/cb", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu);
        received.emplace_back(req.get_header_value("Authorization"), req.body);
        res.status = 200;
      });
  int port = hub.bind_to_any_port("127.0.0.1");
  std::thread server([&] { hub.listen_after_bind(); });

  ChargebeeEmulator emu(kKey);
  emu.Post("/__control/dataset", {{"generate", 20}});
  ChargebeeAdapterProcess adapter;
  const std::string config = json{
      {"base_url", emu.base_url()},
      {"api_key", kKey},
      {"webhook_username", "hub"},
      {"webhook_password",
       "pw-1"}}.dump();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/webhooks/cb";
  std::string sub = emu.Objects("subscription")[0]["id"];
  emu.Post("/__control/touch", {{"type", "subscription"},
                                {"id", sub},
                                {"set", {{"status", "non_renewing"}}}});
  json sent = emu.Post("/__control/webhooks/send",
                       {{"url", url},
                        {"secret", "hub:pw-1"},
                        {"type", "subscription"},
                        {"id", sub},
                        {"event_type", "subscription_changed"}});
  CHECK(sent["status"] == 200);
  json resent = emu.Post("/__control/webhooks/send",
                         {{"url", url},
                          {"secret", "hub:pw-1"},
                          {"resend_event_id", sent["event_id"]}});
  json forged =
      emu.Post("/__control/webhooks/send", {{"url", url},
                                            {"secret", "hub:pw-1"},
                                            {"sign_with", "hub:guess"},
                                            {"type", "subscription"},
                                            {"id", sub}});
  hub.stop();
  server.join();
  REQUIRE(received.size() == 3);

  Sweep pulled = ReadAll(adapter, config, "subscription", "", 100);
  std::string pulled_key;
  for (const auto& rec : pulled.records)
    if (rec.vendor_id() == sub) pulled_key = rec.idempotency_key();
  REQUIRE_FALSE(pulled_key.empty());

  for (int i = 0; i < 2; ++i) {
    av1::VerifyWebhookResponse r = adapter.Verify(
        config, received[i].second, {{"authorization", received[i].first}});
    REQUIRE(r.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    CHECK(r.vendor_event_id() == sent["event_id"].get<std::string>());
    bool has = false;
    for (const auto& rec : r.records())
      has = has || rec.idempotency_key() == pulled_key;
    CHECK(has);
  }
  CHECK(received[0].second == received[1].second);  // a redelivery
  av1::VerifyWebhookResponse bad = adapter.Verify(
      config, received[2].second, {{"authorization", received[2].first}});
  CHECK(bad.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
  CHECK(forged["event_id"] != sent["event_id"]);
}
