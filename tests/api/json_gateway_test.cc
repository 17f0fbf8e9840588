// The JSON gateway (hub/web/json_gateway.h) and the page's files, against a
// real revhubd with --http-listen: the same authentication, roles, audit and
// answers as the gRPC API, because it is the gRPC API.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/sdk/http_client.h"
#include "nlohmann/json.hpp"
#include "revhub/hub/v1/audit_service.grpc.pb.h"
#include "revhub/hub/v1/principal_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

using nlohmann::json;

struct Answer {
  int status = 0;
  json body;
  std::string raw;
  adapter::HttpResponse http;
};

Answer Send(const Hub& hub, const std::string& method, const std::string& path,
            const std::string& token, const std::string& body = "") {
  adapter::HttpRequest req;
  req.method = method;
  req.url = absl::StrCat("http://", hub.process->http_address(), path);
  if (!token.empty()) {
    req.headers.emplace_back("Authorization", absl::StrCat("Bearer ", token));
  }
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body;
  auto resp = adapter::SendHttp(req);
  REQUIRE(resp.ok());
  Answer a;
  a.status = resp->status;
  a.raw = resp->body;
  a.http = *resp;
  a.body = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
  return a;
}

Answer Api(const Hub& hub, const std::string& method, const std::string& token,
           const std::string& body = "{}") {
  return Send(hub, "POST", absl::StrCat("/api/revhub.hub.v1.", method), token,
              body);
}

}  // namespace

TEST_CASE("the JSON gateway is the gRPC API: same auth, roles, answers, audit",
          "[gateway]") {
  Hub hub({"--http-listen", "127.0.0.1:0"});
  REQUIRE_FALSE(hub.process->http_address().empty());
  const std::string admin = ReadAdminToken(hub.dir.path());
  REQUIRE_FALSE(admin.empty());

  SECTION("no token: 401 with the processor's reason") {
    Answer a = Api(hub, "SystemRegistryService/ListSystems", "");
    CHECK(a.status == 401);
    CHECK(a.body["code"] == "UNAUTHENTICATED");
    CHECK(absl::StrContains(a.body["error"].get<std::string>(), "API token"));
    Answer bad = Api(hub, "SystemRegistryService/ListSystems", "rhk_nope");
    CHECK(bad.status == 401);
  }

  SECTION("a call and its answer in proto3 JSON") {
    Answer a = Api(hub, "SystemRegistryService/ListSystems", admin);
    REQUIRE(a.status == 200);
    INFO(a.raw);
    REQUIRE(a.body.contains("systems"));
    CHECK(a.body["systems"].is_array());
    CHECK(a.http.Header("cache-control") == "no-store");
  }

  SECTION("a role the method table refuses: 403, and audited") {
    Answer made = Api(hub, "PrincipalService/CreatePrincipal", admin,
                      R"({"name": "fin-ops", "role": "ROLE_FINANCE"})");
    REQUIRE(made.status == 200);
    INFO(made.raw);
    const std::string finance = made.body["token"].get<std::string>();
    CHECK(made.body["principal"]["name"] == "fin-ops");
    // The finance role works its queue...
    CHECK(Api(hub, "ExceptionService/ListExceptions", finance).status == 200);
    // ...and may not make principals.
    Answer refused = Api(hub, "PrincipalService/CreatePrincipal", finance,
                         R"({"name": "x", "role": "ROLE_ADMIN"})");
    CHECK(refused.status == 403);
    CHECK(refused.body["code"] == "PERMISSION_DENIED");
    CHECK(
        absl::StrContains(refused.body["error"].get<std::string>(), "fin-ops"));
    // Both mutating calls are in the audit log under their principals.
    v1::ListAuditRecordsRequest req;
    req.set_method("/revhub.hub.v1.PrincipalService/CreatePrincipal");
    v1::ListAuditRecordsResponse resp;
    auto stub = v1::AuditService::NewStub(hub.process->channel());
    grpc::ClientContext ctx;
    REQUIRE(stub->ListAuditRecords(&ctx, req, &resp).ok());
    int by_admin = 0, refused_finance = 0;
    for (const auto& r : resp.records()) {
      if (r.principal() == "admin" && r.code() == 0) ++by_admin;
      if (r.principal() == "fin-ops" && r.code() == 7) ++refused_finance;
    }
    CHECK(by_admin == 1);
    CHECK(refused_finance == 1);
  }

  SECTION("the handler's own errors come back with their status") {
    // The same request over gRPC and over JSON: same code, same message.
    v1::ResolveExceptionRequest req;
    req.set_exception_id(424242);
    v1::ResolveExceptionResponse resp;
    grpc::ClientContext ctx;
    grpc::Status direct = hub.exceptions->ResolveException(&ctx, req, &resp);
    REQUIRE_FALSE(direct.ok());
    Answer a = Api(hub, "ExceptionService/ResolveException", admin,
                   R"({"exceptionId": "424242"})");
    CHECK(a.body["error"] == direct.error_message());
    CHECK(a.body["code"] ==
          absl::StatusCodeToString(
              static_cast<absl::StatusCode>(direct.error_code())));
    CHECK(a.status >= 400);
  }

  SECTION("bad input names the field and the reason") {
    Answer unknown =
        Api(hub, "ExceptionService/ListExceptions", admin, R"({"nope": 1})");
    CHECK(unknown.status == 400);
    CHECK(absl::StrContains(unknown.body["error"].get<std::string>(), "nope"));
    Answer wrong = Api(hub, "ExceptionService/GetException", admin,
                       R"({"exceptionId": "twelve"})");
    CHECK(wrong.status == 400);
    CHECK(absl::StrContains(wrong.body["error"].get<std::string>(), "body:"));
    Answer broken =
        Api(hub, "ExceptionService/ListExceptions", admin, R"({"system": )");
    CHECK(broken.status == 400);
  }

  SECTION("what is not served is named") {
    Answer none = Api(hub, "ExceptionService/Nope", admin);
    CHECK(none.status == 404);
    CHECK(absl::StrContains(none.body["error"].get<std::string>(), "Nope"));
    Answer other =
        Send(hub, "POST", "/api/grpc.health.v1.Health/Check", admin, "{}");
    CHECK(other.status == 404);
    Answer stream = Api(hub, "EventService/Subscribe", admin);
    CHECK(stream.status == 400);
    CHECK(absl::StrContains(stream.body["error"].get<std::string>(),
                            "over gRPC"));
  }

  SECTION("GET /api lists the methods served") {
    Answer a = Send(hub, "GET", "/api", admin);
    REQUIRE(a.status == 200);
    bool resolve = false, subscribe_refused = false;
    for (const auto& m : a.body["methods"]) {
      if (m["method"] == "/revhub.hub.v1.ExceptionService/ResolveException") {
        resolve = m["served"].get<bool>();
      }
      if (m["method"] == "/revhub.hub.v1.EventService/Subscribe") {
        subscribe_refused = !m["served"].get<bool>();
      }
    }
    CHECK(resolve);
    CHECK(subscribe_refused);
  }
}

TEST_CASE("the page's files are served from the binary, kept to their origin",
          "[gateway]") {
  Hub hub({"--http-listen", "127.0.0.1:0"});
  Answer index = Send(hub, "GET", "/", "");
  CHECK(index.status == 200);
  CHECK(absl::StartsWith(index.http.Header("content-type"), "text/html"));
  CHECK(absl::StrContains(index.raw, "control tower"));
  CHECK(absl::StrContains(index.http.Header("content-security-policy"),
                          "default-src 'self'"));
  CHECK(index.http.Header("x-frame-options") == "DENY");
  for (const char* file : {"/app.js", "/overview.js", "/exceptions.js",
                           "/workflows.js", "/trace.js", "/reconcile.js"}) {
    Answer js = Send(hub, "GET", file, "");
    INFO(file);
    CHECK(js.status == 200);
    CHECK(absl::StartsWith(js.http.Header("content-type"), "text/javascript"));
    CHECK(absl::StrContains(index.raw, absl::StrCat("src=\"", file, "\"")));
  }
  CHECK(absl::StartsWith(
      Send(hub, "GET", "/style.css", "").http.Header("content-type"),
      "text/css"));
  CHECK(Send(hub, "GET", "/nope.js", "").status == 404);
  CHECK(Send(hub, "GET", "/healthz", "").raw == "ok\n");
}

}  // namespace revhub::testing
