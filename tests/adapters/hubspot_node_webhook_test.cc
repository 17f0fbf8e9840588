// VerifyWebhook of the Node HubSpot adapter (examples/adapters/hubspot-node/
// webhook.js): the HubSpot emulator sends webhooks signed with
// X-HubSpot-Signature-v3 to a loopback receiver, and the adapter is asked
// about each delivery exactly as received.
#include <catch2/catch.hpp>

#include "adapters/sdk/webhook_crypto.h"
#include "tests/adapters/hubspot_emulator_util.h"

using namespace revhub::testing;
using namespace revhub::testing::hubspot;
namespace av1 = revhub::adapter::v1;

namespace {

constexpr char kSecret[] = "7c3f5b2e-hubspot-client-secret-d41d8cd9";

std::string HeaderOf(const av1::VerifyWebhookRequest& req,
                     const std::string& name) {
  for (const auto& h : req.headers()) {
    if (h.name() == name) return h.value();
  }
  return "";
}

void SetHeader(av1::VerifyWebhookRequest* req, const std::string& name,
               const std::string& value) {
  for (auto& h : *req->mutable_headers()) {
    if (h.name() == name) h.set_value(value);
  }
}

}  // namespace

TEST_CASE("VerifyWebhook checks HubSpot's v3 signature", "[hubspot][webhook]") {
  HubSpotEmulator emulator({std::string("--token=") + kToken,
                            std::string("--client-secret=") + kSecret});
  emulator.Post("/__control/dataset", {{"generate", 8}});
  NodeAdapter adapter;
  WebhookReceiver hub;
  std::string url = hub.base_url() + "/webhooks/hubspot";
  json config = {{"client_secret", kSecret}};
  auto send = [&](json extra) {
    json body = {{"url", url}, {"type", "deals"}, {"id", "4000000"}};
    for (auto& [k, v] : extra.items()) body[k] = v;
    json answer = emulator.Post("/__control/webhooks/send", body);
    CHECK(answer["status"] == 200);
    return answer;
  };
  auto verify = [&](av1::VerifyWebhookRequest req, const json& cfg) {
    *req.mutable_config() = ConfigStruct(cfg.dump());
    req.set_system("hubspot-test");
    return adapter.Verify(req);
  };

  SECTION("a valid delivery is accepted and names the type to pull") {
    json answer = send({{"event_type", "deal.propertyChange"}});
    av1::VerifyWebhookRequest req = hub.Last();
    CHECK(HeaderOf(req, "x-hubspot-signature-v3").size() == 44);
    auto r = verify(req, config);
    INFO(r.reason());
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    CHECK(r.vendor_event_id() == answer["event_id"]);
    CHECK(r.event_type() == "deal.propertyChange");
    CHECK(r.records_size() == 0);
    REQUIRE(r.pull_object_types_size() == 1);
    CHECK(r.pull_object_types(0) == "deals");
    json events = json::parse(req.body());
    CHECK(events[0]["objectId"] == 4000000);
    CHECK(events[0]["propertyName"] == "dealstage");

    // A redelivery carries the same event id.
    json again = send({{"resend_event_id", answer["event_id"]}});
    CHECK(again["event_id"] == answer["event_id"]);
    auto r2 = verify(hub.Last(), config);
    CHECK(r2.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    CHECK(r2.vendor_event_id() == r.vendor_event_id());
  }
  SECTION("a batch of events names every id, type and object type") {
    std::string body =
        R"([{"eventId":11,"subscriptionId":4242,"portalId":147893286,)"
        R"("occurredAt":1767225600000,"subscriptionType":"company.creation",)"
        R"("attemptNumber":0,"objectId":1000000},)"
        R"({"eventId":12,"subscriptionId":4243,"portalId":147893286,)"
        R"("occurredAt":1767225600001,"subscriptionType":"deal.associationChange",)"
        R"("attemptNumber":0,"objectId":4000000},)"
        R"({"eventId":13,"subscriptionId":4244,"portalId":147893286,)"
        R"("occurredAt":1767225600002,"subscriptionType":"contact.creation",)"
        R"("attemptNumber":0,"objectId":77}])";
    av1::VerifyWebhookRequest req;
    req.set_method("POST");
    req.set_url(url);
    req.set_body(body);
    std::string ts = std::to_string(absl::ToUnixMillis(absl::Now()));
    auto* h = req.add_headers();
    h->set_name("x-hubspot-signature-v3");
    h->set_value(revhub::adapter::Base64Encode(
        revhub::adapter::HmacSha256(kSecret, "POST" + url + body + ts)));
    h = req.add_headers();
    h->set_name("x-hubspot-request-timestamp");
    h->set_value(ts);
    auto r = verify(req, config);
    INFO(r.reason());
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    CHECK(r.vendor_event_id() == "11,12,13");
    CHECK(r.event_type() ==
          "company.creation,deal.associationChange,contact.creation");
    REQUIRE(r.pull_object_types_size() == 2);
    CHECK(r.pull_object_types(0) == "companies");
    CHECK(r.pull_object_types(1) == "deals");

    SECTION("a body that is not an array of events is refused") {
      for (std::string bad :
           {std::string(R"({"eventId":11})"), std::string("[]"),
            std::string("[1,2]"), std::string(R"([{"eventId":1}])")}) {
        req.set_body(bad);
        SetHeader(&req, "x-hubspot-signature-v3",
                  revhub::adapter::Base64Encode(revhub::adapter::HmacSha256(
                      kSecret, "POST" + url + bad + ts)));
        auto refused = verify(req, config);
        INFO(bad << ": " << refused.reason());
        CHECK(refused.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
        CHECK(refused.reason().rfind("body", 0) == 0);
      }
    }
  }
  SECTION("a delivery signed with another secret is refused") {
    send({{"sign_with", "not-the-client-secret"}});
    auto r = verify(hub.Last(), config);
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(r.reason().find("X-HubSpot-Signature-v3") != std::string::npos);
    CHECK(r.reason().find(kSecret) == std::string::npos);
    CHECK(r.reason().find("not-the-client-secret") == std::string::npos);
  }
  SECTION("a stale delivery is refused with its age") {
    send({{"timestamp_offset_seconds", -400}});
    auto r = verify(hub.Last(), config);
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(r.reason().find("X-HubSpot-Request-Timestamp") != std::string::npos);
    CHECK(r.reason().find("tolerance 300 s") != std::string::npos);
    // 4 minutes old is within HubSpot's 5.
    send({{"timestamp_offset_seconds", -240}});
    CHECK(verify(hub.Last(), config).verdict() ==
          av1::WEBHOOK_VERDICT_ACCEPTED);
  }
  SECTION("a tampered body or a changed timestamp is refused") {
    send({});
    av1::VerifyWebhookRequest req = hub.Last();
    av1::VerifyWebhookRequest tampered = req;
    std::string body = req.body();
    body.replace(body.find("4000000"), 7, "4000001");
    tampered.set_body(body);
    CHECK(verify(tampered, config).verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    av1::VerifyWebhookRequest later = req;
    SetHeader(
        &later, "x-hubspot-request-timestamp",
        std::to_string(
            std::stoll(HeaderOf(req, "x-hubspot-request-timestamp")) + 1));
    CHECK(verify(later, config).verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(verify(req, config).verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
  }
  SECTION("the URL is signed as HubSpot signs it, or as webhook_url says") {
    // HubSpot decodes %3A and its kin before signing, and keeps %20.
    url = hub.base_url() + "/webhooks/hubspot?tag=a%3Ab%20c";
    send({});
    CHECK(verify(hub.Last(), config).verdict() ==
          av1::WEBHOOK_VERDICT_ACCEPTED);
    // Behind a proxy the hub sees another URL: webhook_url names the one
    // HubSpot called.
    url = hub.base_url() + "/webhooks/hubspot";
    send({});
    av1::VerifyWebhookRequest proxied = hub.Last();
    proxied.set_url("http://10.0.0.7:8080/webhooks/hubspot");
    CHECK(verify(proxied, config).verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    json behind = config;
    behind["webhook_url"] = url;
    CHECK(verify(proxied, behind).verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
  }
  SECTION("missing headers or secret are refused naming them") {
    send({});
    av1::VerifyWebhookRequest req = hub.Last();
    auto r = verify(req, json::object());
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(r.reason().rfind("config.client_secret", 0) == 0);
    av1::VerifyWebhookRequest bare = req;
    bare.clear_headers();
    r = verify(bare, config);
    CHECK(r.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(r.reason() == "X-HubSpot-Signature-v3: missing");
  }
}
