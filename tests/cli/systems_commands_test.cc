// Tests of `revhub systems …`: the requests it sends and what it prints,
// run in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "hub/cli/systems_format.h"
#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

using namespace ::revhub::cli::fixtures;  // NOLINT

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

TEST_CASE("systems register with a TLS endpoint sends the pinned certificate",
          "[commands]") {
  Harness h;
  TempFile pem(
      "adapter.crt",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  hubv1::RegisterSystemResponse answer;
  *answer.mutable_system() = SystemNamed("erp");
  h.hub.RegisterSystem_answers.push_back(answer);
  Result r = h.Run({"systems", "register", "--name", "erp", "--kind", "ERP",
                    "--tls-endpoint", "erp-adapter.internal:7443",
                    "--pinned-cert", pem.path()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const hubv1::RegisterSystemRequest& sent = h.hub.RegisterSystem_requests[0];
  CHECK(sent.system().adapter().tls_endpoint().address() ==
        "erp-adapter.internal:7443");
  CHECK(sent.system().adapter().tls_endpoint().pinned_certificate_pem() ==
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

  // The certificate is required with the address.
  Result missing =
      h.Run({"systems", "register", "--name", "erp", "--kind", "ERP",
             "--tls-endpoint", "erp-adapter.internal:7443"});
  CHECK(missing.code != kExitOk);
  CHECK_THAT(missing.err, Catch::Contains("--pinned-cert"));
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

TEST_CASE("systems show (alias get) and disable", "[commands]") {
  Harness h;
  hubv1::GetSystemResponse got;
  *got.mutable_system() = SystemNamed("sf-prod");
  h.hub.GetSystem_answers = {got, got};
  hubv1::DisableSystemResponse disabled;
  *disabled.mutable_system() = SystemNamed("sf-prod", 2);
  disabled.mutable_system()->set_state(hubv1::SYSTEM_STATE_DISABLED);
  disabled.mutable_system()->set_disabled_reason("migrating");
  h.hub.DisableSystem_answers.push_back(disabled);

  Result show = h.Run({"systems", "show", "sf-prod"});
  REQUIRE(show.code == kExitOk);
  CHECK(h.hub.GetSystem_requests[0].name() == "sf-prod");
  CHECK_THAT(show.out, Catch::StartsWith("name:              sf-prod\n"
                                         "kind:              crm\n"
                                         "state:             enabled\n"));

  Result get = h.Run({"systems", "get", "sf-prod"});
  REQUIRE(get.code == kExitOk);
  CHECK(h.hub.GetSystem_requests[1].name() == "sf-prod");
  CHECK(get.out == show.out);

  Result disable =
      h.Run({"systems", "disable", "sf-prod", "--reason", "migrating"});
  REQUIRE(disable.code == kExitOk);
  CHECK(h.hub.DisableSystem_requests[0].name() == "sf-prod");
  CHECK(h.hub.DisableSystem_requests[0].reason() == "migrating");
  CHECK_THAT(disable.out, Catch::Contains("state:             disabled\n"
                                          "disabled reason:   migrating\n"));
}

TEST_CASE("systems describe prints the adapter's description and process",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::DescribeSystemAdapterResponse d;
  d.mutable_description()->set_adapter_name("salesforce");
  d.mutable_description()->set_vendor("Salesforce Sales Cloud");
  auto* t = d.mutable_description()->add_inbound_object_types();
  t->set_object_type("Account");
  t->add_produces(canonical::v1::ENTITY_TYPE_CUSTOMER);
  d.mutable_process()->set_pid(4242);
  d.mutable_process()->set_address("127.0.0.1:5000");
  hub.DescribeSystemAdapter_answers.push_back(d);
  Result r = RunWith(hub, {"systems", "describe", "sf"});
  CHECK(r.code == kExitOk);
  REQUIRE(hub.DescribeSystemAdapter_requests.size() == 1);
  CHECK(hub.DescribeSystemAdapter_requests[0].system() == "sf");
  CHECK_THAT(r.out, Catch::Contains("Salesforce Sales Cloud"));
  CHECK_THAT(r.out, Catch::Contains("Account -> customer"));
  CHECK_THAT(r.out, Catch::Contains("4242"));
}

TEST_CASE("systems check exits 1 when the adapter's check fails",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::CheckSystemAdapterResponse c;
  c.mutable_check()->set_outcome(adapter::v1::CHECK_OUTCOME_UNREACHABLE);
  c.mutable_check()->set_reason("connection refused");
  hub.CheckSystemAdapter_answers.push_back(c);
  Result r = RunWith(hub, {"systems", "check", "ns"});
  CHECK(r.code == kExitServerError);
  CHECK_THAT(r.out, Catch::Contains("unreachable"));
  CHECK_THAT(r.err, Catch::Contains("connection refused"));
}

TEST_CASE("systems register --match sends matching rules", "[cli][pipeline]") {
  RecordingHub hub;
  hub.RegisterSystem_answers.push_back(hubv1::RegisterSystemResponse());
  Result r = RunWith(hub, {"systems", "register", "--name", "stripe", "--kind",
                           "billing", "--match", "customer:email", "--match",
                           "customer:attributes.sf=salesforce/Account",
                           "--match", "customer:attributes.vat=tax_id"});
  CHECK(r.code == kExitOk);
  REQUIRE(hub.RegisterSystem_requests.size() == 1);
  const auto& s = hub.RegisterSystem_requests[0].system();
  REQUIRE(s.matching_rules_size() == 3);
  CHECK(s.matching_rules(0).field() == "email");
  CHECK(s.matching_rules(1).ref_system() == "salesforce");
  CHECK(s.matching_rules(1).ref_object_type() == "Account");
  CHECK(s.matching_rules(2).match_field() == "tax_id");

  Result bad = RunWith(hub, {"systems", "register", "--name", "x", "--kind",
                             "crm", "--match", "email"});
  CHECK(bad.code == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("--match"));
}

TEST_CASE("a system's matching rules are shown", "[cli][pipeline]") {
  hubv1::System system;
  system.set_name("stripe");
  auto* ref = system.add_matching_rules();
  ref->set_entity_type(canonical::v1::ENTITY_TYPE_CUSTOMER);
  ref->set_field("attributes.metadata.sf");
  ref->set_ref_system("salesforce");
  ref->set_ref_object_type("Account");
  auto* email = system.add_matching_rules();
  email->set_entity_type(canonical::v1::ENTITY_TYPE_CUSTOMER);
  email->set_field("email");
  std::string out = RenderSystem(system);
  CHECK_THAT(out, Catch::Contains("customer: attributes.metadata.sf = the "
                                  "vendor id of salesforce/Account\n"));
  CHECK_THAT(out, Catch::Contains("customer: email = email\n"));
}

TEST_CASE("System detail shows adapter, authority and config", "[format]") {
  hubv1::System system;
  system.set_name("sf-prod");
  system.set_kind(hubv1::SYSTEM_KIND_CRM);
  system.set_state(hubv1::SYSTEM_STATE_ENABLED);
  system.mutable_adapter()->mutable_launch()->set_command(
      "revhub-adapter-salesforce");
  system.mutable_adapter()->mutable_launch()->add_args("--sandbox");
  system.add_authoritative_for(canon::ENTITY_TYPE_CUSTOMER);
  system.add_authoritative_for(canon::ENTITY_TYPE_CONTRACT);
  (*system.mutable_config()->mutable_fields())["instance"].set_string_value(
      "acme");
  std::string text = RenderSystem(system);
  CHECK_THAT(text,
             Catch::Contains("adapter:           revhub-adapter-salesforce "
                             "--sandbox\n"));
  CHECK_THAT(text, Catch::Contains("authoritative for: customer,contract\n"));
  CHECK_THAT(text, Catch::Contains("config:\n  {\n   \"instance\": \"acme\""));
}

}  // namespace
}  // namespace revhub::cli
