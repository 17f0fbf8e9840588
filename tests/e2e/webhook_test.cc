// Webhooks through revhubd's HTTP listener: the Stripe emulator signs and
// sends them as Stripe does; the hub has the Stripe adapter verify each one
// and stores what it accepts raw, once per vendor event. Refused deliveries
// (bad signature, stale timestamp, oversized body, unknown system) get their
// HTTP status and leave nothing behind.
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/e2e/connectors_harness.h"
#include "tests/support/systems.h"

namespace revhub::testing {
namespace {

constexpr int kMaxBody = 64 * 1024;

struct WebhookStack {
  VendorEmulator stripe{"stripe-emulator",
                        {std::string("--api-key=") + kStripeApiKey}};
  Hub hub{{"--http-listen", "127.0.0.1:0", "--webhook-max-body-bytes",
           std::to_string(kMaxBody)}};
  std::string url;

  WebhookStack() {
    stripe.Generate(30);
    RegisterStripe(hub, "stripe", stripe, {}, 0, 100);
    REQUIRE_FALSE(hub.process->http_address().empty());
    url = "http://" + hub.process->http_address() + "/webhooks/stripe";
  }

  // The first stored customer's id in the emulator.
  std::string CustomerId() const {
    nlohmann::json objects = stripe.Objects("customer");
    const nlohmann::json& list = objects.is_object() && objects.contains("data")
                                     ? objects["data"]
                                     : objects;
    REQUIRE_FALSE(list.empty());
    return list.at(0).at("id").get<std::string>();
  }

  nlohmann::json Send(nlohmann::json extra) const {
    nlohmann::json req{{"url", url},
                       {"secret", kStripeWebhookSecret},
                       {"type", "customer"},
                       {"id", CustomerId()},
                       {"event_type", "customer.updated"}};
    for (auto& [k, v] : extra.items()) req[k] = v;
    return stripe.SendWebhook(req);
  }
};

TEST_CASE(
    "a signed Stripe webhook is stored once, its redelivery is a "
    "duplicate",
    "[webhook]") {
  WebhookStack s;
  nlohmann::json first = s.Send({});
  REQUIRE(first.at("status") == 200);
  const std::string event_id = first.at("event_id");
  auto records = AllRecords(s.hub, "stripe");
  REQUIRE(records.size() == 1);
  CHECK(records[0].object_type() == "customer");
  CHECK(TypeAndId(records[0]).second == s.CustomerId());
  CHECK(records[0].principal() == "webhook:stripe");

  // Stripe redelivers the same event (same id, new signature time).
  nlohmann::json again = s.Send({{"resend_event_id", event_id}});
  CHECK(again.at("status") == 200);
  CHECK(AllRecords(s.hub, "stripe").size() == 1);

  // The record goes through the pipeline like any other.
  for (int i = 0; i < 100; ++i) {
    records = AllRecords(s.hub, "stripe");
    if (records[0].status() != v1::RECORD_STATUS_RECEIVED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(records[0].status() == v1::RECORD_STATUS_APPLIED);
}

TEST_CASE("refused webhooks get their status and store nothing", "[webhook]") {
  WebhookStack s;
  SECTION("signed with another secret: 400") {
    nlohmann::json r = s.Send({{"sign_with", "whsec_not_the_secret"}});
    CHECK(r.at("status") == 400);
  }
  SECTION("a timestamp ten minutes old: 400") {
    nlohmann::json r = s.Send({{"timestamp_offset_seconds", -600}});
    CHECK(r.at("status") == 400);
  }
  SECTION("no Stripe-Signature header: 400 naming it") {
    HttpAnswer r = HttpPost(s.hub.process->http_address(), "/webhooks/stripe",
                            {{"Content-Type", "application/json"}},
                            R"({"id":"evt_1","object":"event"})");
    CHECK(r.status == 400);
    CHECK(r.body.find("Stripe-Signature") != std::string::npos);
  }
  SECTION("a body over the cap: 413") {
    std::string body = R"({"id":"evt_big","object":"event","pad":")" +
                       std::string(kMaxBody + 10, 'x') + "\"}";
    HttpAnswer r = HttpPost(s.hub.process->http_address(), "/webhooks/stripe",
                            {{"Content-Type", "application/json"},
                             {"Stripe-Signature", "t=1,v1=00"}},
                            body);
    CHECK(r.status == 413);
  }
  SECTION("an unknown system: 404") {
    HttpAnswer r = HttpPost(s.hub.process->http_address(), "/webhooks/nope",
                            {{"Content-Type", "application/json"}}, "{}");
    CHECK(r.status == 404);
    CHECK(r.body.find("nope") != std::string::npos);
  }
  SECTION("another path: 404") {
    HttpAnswer r = HttpPost(s.hub.process->http_address(), "/other", {}, "{}");
    CHECK(r.status == 404);
  }
  CHECK(AllRecords(s.hub, "stripe").empty());
}

}  // namespace
}  // namespace revhub::testing

namespace revhub::testing {
namespace {

// Chargebee authenticates webhooks with the basic-auth user and password
// set on the endpoint; the hub has the Chargebee adapter check them.
TEST_CASE(
    "Chargebee webhooks: basic auth accepted, a wrong password "
    "refused and nothing stored",
    "[webhook][chargebee]") {
  VendorEmulator chargebee("chargebee-emulator", {"--api-key=cb_test_key"});
  chargebee.Generate(12);
  Hub hub({"--http-listen", "127.0.0.1:0"});
  v1::RegisterSystemRequest req;
  auto st = google::protobuf::util::JsonStringToMessage(
      nlohmann::json{
          {"replaceExisting", true},
          {"system",
           {{"name", "chargebee"},
            {"kind", "SYSTEM_KIND_BILLING"},
            {"adapter",
             {{"launch", {{"command", AdapterCommand("chargebee")}}}}},
            {"config",
             {{"base_url", chargebee.base_url()},
              {"api_key", "cb_test_key"},
              {"webhook_username", "revhub"},
              {"webhook_password", "hook-pass"}}}}}}
          .dump(),
      &req);
  REQUIRE(st.ok());
  Register(*hub.registry, req);
  const std::string url =
      "http://" + hub.process->http_address() + "/webhooks/chargebee";
  nlohmann::json customers = chargebee.Objects("customer");
  REQUIRE_FALSE(customers.empty());
  const std::string id = customers.at(0).at("id");

  nlohmann::json refused =
      chargebee.SendWebhook({{"url", url},
                             {"secret", "revhub:wrong"},
                             {"type", "customer"},
                             {"id", id},
                             {"event_type", "customer_changed"}});
  CHECK(refused.at("status") == 400);
  CHECK(AllRecords(hub, "chargebee").empty());

  nlohmann::json accepted =
      chargebee.SendWebhook({{"url", url},
                             {"secret", "revhub:hook-pass"},
                             {"type", "customer"},
                             {"id", id},
                             {"event_type", "customer_changed"}});
  CHECK(accepted.at("status") == 200);
  auto records = AllRecords(hub, "chargebee");
  REQUIRE(records.size() == 1);
  CHECK(TypeAndId(records[0]) == std::make_pair(std::string("customer"), id));
  nlohmann::json again =
      chargebee.SendWebhook({{"url", url},
                             {"secret", "revhub:hook-pass"},
                             {"resend_event_id", accepted.at("event_id")}});
  CHECK(again.at("status") == 200);
  CHECK(AllRecords(hub, "chargebee").size() == 1);
}

}  // namespace
}  // namespace revhub::testing

namespace revhub::testing {
namespace {

// HubSpot's webhooks name what changed without carrying it (thin events):
// the hub accepts a signed one, stores the delivery, and pulls the type it
// names, so the changed deal arrives by Read.
TEST_CASE("a HubSpot webhook makes the hub pull the deals it announces",
          "[webhook][hubspot][sync]") {
  VendorEmulator hubspot("hubspot-emulator",
                         {"--token=pat-test", "--client-secret=hs-secret",
                          "--portal-id=147893286"});
  hubspot.Generate(8);
  Hub hub({"--http-listen", "127.0.0.1:0"});
  v1::RegisterSystemRequest req;
  auto st = google::protobuf::util::JsonStringToMessage(
      nlohmann::json{
          {"replaceExisting", true},
          {"system",
           {{"name", "hubspot"},
            {"kind", "SYSTEM_KIND_CRM"},
            {"adapter", {{"launch", {{"command", "revhub-adapter-hubspot"}}}}},
            {"config",
             {{"base_url", hubspot.base_url()},
              {"access_token", "pat-test"},
              {"client_secret", "hs-secret"},
              {"portal_id", 147893286},
              {"default_currency", "USD"},
              {"search_settle_ms", 0}}},
            {"sync",
             {{{"objectType", "companies"}}, {{"objectType", "deals"}}}}}}}
          .dump(),
      &req);
  REQUIRE(st.ok());
  Register(*hub.registry, req);
  for (const char* type : {"companies", "deals"}) {
    auto [status, last] = RunSync(hub, "hubspot", type, false);
    INFO(type << ": " << status.error_message());
    REQUIRE(status.ok());
  }
  const size_t before = AllRecords(hub, "hubspot").size();
  REQUIRE(before >= 4);

  nlohmann::json deals = hubspot.Objects("deals");
  REQUIRE_FALSE(deals.empty());
  const std::string id = deals.at(0).at("id");
  hubspot.Post("/__control/touch",
               {{"type", "deals"}, {"id", id}, {"set", {{"amount", "1234"}}}});
  const std::string url =
      "http://" + hub.process->http_address() + "/webhooks/hubspot";
  nlohmann::json bad =
      hubspot.SendWebhook({{"url", url},
                           {"secret", "hs-secret"},
                           {"sign_with", "not-it"},
                           {"type", "deals"},
                           {"id", id},
                           {"event_type", "deal.propertyChange"}});
  CHECK(bad.at("status") == 400);
  nlohmann::json sent =
      hubspot.SendWebhook({{"url", url},
                           {"secret", "hs-secret"},
                           {"type", "deals"},
                           {"id", id},
                           {"event_type", "deal.propertyChange"}});
  CHECK(sent.at("status") == 200);
  // The pull the webhook started brings the deal's new version.
  size_t after = before;
  for (int i = 0; i < 100 && after == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = AllRecords(hub, "hubspot").size();
  }
  CHECK(after == before + 1);
  auto records = AllRecords(hub, "hubspot");
  CHECK(TypeAndId(records.back()) == std::make_pair(std::string("deals"), id));
}

}  // namespace
}  // namespace revhub::testing
