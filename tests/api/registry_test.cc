#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

TEST_CASE("systems are registered, read, listed and disabled", "[registry]") {
  Hub hub;
  v1::RegisterSystemRequest req = Text<v1::RegisterSystemRequest>(R"pb(
    system {
      name: "salesforce-prod"
      kind: SYSTEM_KIND_CRM
      display_name: "Salesforce (production)"
      adapter {
        launch { command: "revhub-adapter-salesforce" args: "--verbose" }
      }
      config {
        fields {
          key: "instance_url"
          value { string_value: "https://example.my.salesforce.com" }
        }
      }
      authoritative_for: ENTITY_TYPE_CUSTOMER
      authoritative_for: ENTITY_TYPE_CONTRACT
    }
  )pb");
  v1::RegisterSystemResponse resp;
  REQUIRE(hub.registry->RegisterSystem(Ctx().get(), req, &resp).ok());
  CHECK(resp.system().version() == 1);
  CHECK(resp.system().state() == v1::SYSTEM_STATE_ENABLED);
  CHECK_FALSE(resp.unchanged());

  SECTION("registering the same thing again changes nothing") {
    v1::RegisterSystemResponse again;
    REQUIRE(hub.registry->RegisterSystem(Ctx().get(), req, &again).ok());
    CHECK(again.unchanged());
    CHECK(again.system().version() == 1);
  }
  SECTION("a different registration needs replace_existing") {
    req.mutable_system()->set_display_name("Salesforce");
    v1::RegisterSystemResponse other;
    auto st = hub.registry->RegisterSystem(Ctx().get(), req, &other);
    CHECK(st.error_code() == grpc::StatusCode::ALREADY_EXISTS);
    CHECK(st.error_message() ==
          "system.name: \"salesforce-prod\" is already registered (version 1); "
          "set "
          "replace_existing to change it");
    req.set_replace_existing(true);
    REQUIRE(hub.registry->RegisterSystem(Ctx().get(), req, &other).ok());
    CHECK(other.system().version() == 2);
    CHECK(other.system().created_at().seconds() ==
          resp.system().created_at().seconds());
  }
  SECTION("get and list") {
    RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
    RegisterSystem(hub, "netsuite", v1::SYSTEM_KIND_ERP);
    v1::GetSystemRequest g;
    g.set_name("salesforce-prod");
    v1::GetSystemResponse got;
    REQUIRE(hub.registry->GetSystem(Ctx().get(), g, &got).ok());
    CHECK(got.system().adapter().launch().command() ==
          "revhub-adapter-salesforce");
    CHECK(got.system().authoritative_for_size() == 2);
    CHECK(got.system().config().fields().at("instance_url").string_value() ==
          "https://example.my.salesforce.com");

    v1::ListSystemsRequest l;
    l.set_page_size(2);
    v1::ListSystemsResponse page1, page2;
    REQUIRE(hub.registry->ListSystems(Ctx().get(), l, &page1).ok());
    REQUIRE(page1.systems_size() == 2);
    CHECK(page1.systems(0).name() == "netsuite");
    CHECK(page1.systems(1).name() == "salesforce-prod");
    REQUIRE_FALSE(page1.next_page_token().empty());
    l.set_page_token(page1.next_page_token());
    REQUIRE(hub.registry->ListSystems(Ctx().get(), l, &page2).ok());
    REQUIRE(page2.systems_size() == 1);
    CHECK(page2.systems(0).name() == "stripe");
    CHECK(page2.next_page_token().empty());

    v1::ListSystemsRequest by_kind;
    by_kind.set_kind(v1::SYSTEM_KIND_ERP);
    v1::ListSystemsResponse erp;
    REQUIRE(hub.registry->ListSystems(Ctx().get(), by_kind, &erp).ok());
    REQUIRE(erp.systems_size() == 1);
    CHECK(erp.systems(0).name() == "netsuite");
  }
  SECTION("disable keeps the system, hidden from default lists") {
    v1::DisableSystemRequest d;
    d.set_name("salesforce-prod");
    v1::DisableSystemResponse dr;
    auto st = hub.registry->DisableSystem(Ctx().get(), d, &dr);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "reason: is required (it goes in the audit trail)");
    d.set_reason("migrating to a new org");
    REQUIRE(hub.registry->DisableSystem(Ctx().get(), d, &dr).ok());
    CHECK(dr.system().state() == v1::SYSTEM_STATE_DISABLED);
    CHECK(dr.system().disabled_reason() == "migrating to a new org");
    v1::ListSystemsResponse visible, all;
    REQUIRE(hub.registry
                ->ListSystems(Ctx().get(), v1::ListSystemsRequest(), &visible)
                .ok());
    CHECK(visible.systems_size() == 0);
    v1::ListSystemsRequest with_disabled;
    with_disabled.set_include_disabled(true);
    REQUIRE(hub.registry->ListSystems(Ctx().get(), with_disabled, &all).ok());
    CHECK(all.systems_size() == 1);
  }
  SECTION("registrations survive a restart") {
    hub.Restart();
    v1::GetSystemRequest g;
    g.set_name("salesforce-prod");
    v1::GetSystemResponse got;
    REQUIRE(hub.registry->GetSystem(Ctx().get(), g, &got).ok());
    CHECK(got.system().kind() == v1::SYSTEM_KIND_CRM);
  }
}

TEST_CASE("bad registrations are refused with the field and the rule",
          "[registry]") {
  Hub hub;
  auto refuse = [&](const std::string& text) {
    v1::RegisterSystemResponse resp;
    auto st = hub.registry->RegisterSystem(
        Ctx().get(), Text<v1::RegisterSystemRequest>(text), &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    return st.error_message();
  };
  CHECK(refuse(R"pb(system { name: "Bad Name" kind: SYSTEM_KIND_CRM })pb")
            .rfind("system.name: \"Bad Name\" must be 1 to 63 characters", 0) ==
        0);
  CHECK(refuse(R"pb(system { name: "x" })pb") ==
        "system.kind: is required (CRM, BILLING, ERP, REVREC or OTHER)");
  CHECK(refuse(R"pb(system {
                      name: "x"
                      kind: SYSTEM_KIND_ERP
                      adapter { launch {} }
                    })pb") == "system.adapter.launch.command: is required");
  CHECK(refuse(R"pb(system {
                      name: "x"
                      kind: SYSTEM_KIND_ERP
                      authoritative_for: ENTITY_TYPE_INVOICE
                      authoritative_for: ENTITY_TYPE_INVOICE
                    })pb") == "system.authoritative_for[1]: appears twice");
  v1::GetSystemRequest g;
  g.set_name("nope");
  v1::GetSystemResponse got;
  auto st = hub.registry->GetSystem(Ctx().get(), g, &got);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(st.error_message() == "system \"nope\" is not registered");
}

}  // namespace
}  // namespace revhub::testing
