// Tests of `revhub principals …` and the global credential flags: the
// requests sent, the token printed once, and the usage errors, run
// in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

hubv1::Principal Named(const std::string& name, hubv1::Role role) {
  hubv1::Principal p;
  p.set_name(name);
  p.set_role(role);
  p.set_key_id("0123456789abcdef");
  return p;
}

TEST_CASE(
    "principals create sends name, role and systems and prints the "
    "token once with how to use it",
    "[commands][principals]") {
  Harness h;
  hubv1::CreatePrincipalResponse answer;
  *answer.mutable_principal() = Named("ci-stripe", hubv1::ROLE_INTEGRATION);
  answer.mutable_principal()->add_systems("stripe");
  answer.set_token("rhk_0123456789abcdef_secret");
  h.hub.CreatePrincipal_answers.push_back(answer);

  Result r = h.Run({"principals", "create", "ci-stripe", "--role",
                    "integration", "--system", "stripe"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.CreatePrincipal_requests.size() == 1);
  const auto& sent = h.hub.CreatePrincipal_requests[0];
  CHECK(sent.name() == "ci-stripe");
  CHECK(sent.role() == hubv1::ROLE_INTEGRATION);
  REQUIRE(sent.systems_size() == 1);
  CHECK(sent.systems(0) == "stripe");
  CHECK_THAT(r.out, Catch::Contains("token: rhk_0123456789abcdef_secret\n"));
  CHECK_THAT(r.out, Catch::Contains("shown this once"));
  CHECK_THAT(r.out, Catch::Contains("export REVHUB_TOKEN="));
  CHECK_THAT(r.out, Catch::Contains("role:"));

  Result bad = h.Run({"principals", "create", "x", "--role", "superuser"});
  CHECK(bad.code == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("--role: 'superuser' is not one of"));
  CHECK(h.hub.CreatePrincipal_requests.size() == 1);
}

TEST_CASE("principals list, rotate and disable", "[commands][principals]") {
  Harness h;
  hubv1::ListPrincipalsResponse list;
  *list.add_principals() = Named("admin", hubv1::ROLE_ADMIN);
  *list.add_principals() = Named("auditor-1", hubv1::ROLE_AUDITOR);
  list.mutable_principals(1)->set_disabled(true);
  h.hub.ListPrincipals_answers.push_back(list);
  Result listed = h.Run({"principals", "list"});
  REQUIRE(listed.code == kExitOk);
  CHECK_THAT(listed.out, Catch::StartsWith("NAME"));
  CHECK_THAT(listed.out, Catch::Contains("auditor-1  auditor"));
  CHECK_THAT(listed.out, Catch::Contains("yes"));

  hubv1::RotatePrincipalTokenResponse rotated;
  *rotated.mutable_principal() = Named("auditor-1", hubv1::ROLE_AUDITOR);
  rotated.set_token("rhk_0123456789abcdef_new");
  h.hub.RotatePrincipalToken_answers.push_back(rotated);
  Result r = h.Run({"principals", "rotate", "auditor-1"});
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.RotatePrincipalToken_requests.at(0).name() == "auditor-1");
  CHECK_THAT(r.out, Catch::Contains("token: rhk_0123456789abcdef_new\n"));

  hubv1::DisablePrincipalResponse disabled;
  *disabled.mutable_principal() = Named("auditor-1", hubv1::ROLE_AUDITOR);
  disabled.mutable_principal()->set_disabled(true);
  h.hub.DisablePrincipal_answers.push_back(disabled);
  Result d = h.Run({"--json", "principals", "disable", "auditor-1"});
  REQUIRE(d.code == kExitOk);
  CHECK(h.hub.DisablePrincipal_requests.at(0).name() == "auditor-1");
  CHECK(nlohmann::json::parse(d.out)["principal"]["disabled"] == true);
}

TEST_CASE("--token goes to the connection; --cert needs --key and --ca",
          "[commands][principals]") {
  Harness h;
  h.hub.ListSystems_answers.push_back(hubv1::ListSystemsResponse());
  REQUIRE(h.Run({"--token", "rhk_x", "systems", "list"}).code == kExitOk);
  CHECK(h.connected_with->token == "rhk_x");
  CHECK(h.connected_with->tls_ca_pem.empty());

  Result half = h.Run({"--cert", "c.pem", "systems", "list"});
  CHECK(half.code == kExitUsage);
  CHECK_THAT(half.err, Catch::Contains("--cert and --key: give both"));
  TempFile ca("ca.pem", "-----BEGIN CERTIFICATE-----\nx\n");
  Result no_ca =
      h.Run({"--cert", ca.path(), "--key", ca.path(), "systems", "list"});
  CHECK(no_ca.code == kExitUsage);
  CHECK_THAT(no_ca.err, Catch::Contains("--cert: needs --ca"));
  TempFile junk("junk.pem", "not a certificate");
  Result not_pem = h.Run({"--ca", junk.path(), "systems", "list"});
  CHECK(not_pem.code == kExitUsage);
  CHECK_THAT(not_pem.err, Catch::Contains("is not a PEM file"));

  h.hub.ListSystems_answers.push_back(hubv1::ListSystemsResponse());
  REQUIRE(h.Run({"--ca", ca.path(), "systems", "list"}).code == kExitOk);
  CHECK(h.connected_with->tls_ca_pem == "-----BEGIN CERTIFICATE-----\nx\n");
}

}  // namespace
}  // namespace revhub::cli
