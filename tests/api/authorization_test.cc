// Who may call what, through a real revhubd: every method of every
// revhub.hub.v1 service × every role → allowed or PERMISSION_DENIED, as the
// method table (hub/auth/method_policy.cc) says; calls without a credential
// or with a bad, rotated or disabled token are UNAUTHENTICATED; a method
// missing from the table is refused; per-system ingest.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "hub/auth/method_policy.h"
#include "revhub/hub/v1/audit_service.grpc.pb.h"
#include "revhub/hub/v1/principal_service.grpc.pb.h"
#include "revhub/hub/v1/reconciliation_service.pb.h"
#include "revhub/hub/v1/trace_service.pb.h"
#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

namespace auth = ::revhub::hub::auth;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

// Every method of every service in protos/revhub/hub/v1/*.proto, as
// "/package.Service/Method". A proto file the test binary does not link
// fails the test, so a new service file cannot slip past the matrix.
std::vector<std::string> AllHubMethods() {
  // Services the hub fixture has no stub for are linked here.
  (void)hub::v1::ListAuditRecordsRequest::descriptor();
  (void)hub::v1::CreatePrincipalRequest::descriptor();
  (void)hub::v1::RunReconciliationRequest::descriptor();
  (void)hub::v1::TraceRequest::descriptor();
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           SourceDir() + "/protos/revhub/hub/v1")) {
    if (entry.path().extension() == ".proto") {
      files.push_back("revhub/hub/v1/" + entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> methods;
  for (const std::string& name : files) {
    const FileDescriptor* file =
        DescriptorPool::generated_pool()->FindFileByName(name);
    INFO(name << " is not linked into the test");
    REQUIRE(file != nullptr);
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back("/" + service->full_name() + "/" +
                          service->method(m)->name());
      }
    }
  }
  return methods;
}

// Calls `method` with an empty request, as `token` (none when empty, extra
// metadata added), with a short deadline; returns the status.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& token,
                     const std::multimap<std::string, std::string>& extra = {},
                     const std::string& request_bytes = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(1500));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  for (const auto& [k, v] : extra) context.AddMetadata(k, v);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   result = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return result;
}

std::shared_ptr<grpc::Channel> Plain(Hub& hub) {
  return grpc::CreateChannel(hub.process->address(),
                             grpc::InsecureChannelCredentials());
}

TEST_CASE("every method of every revhub.hub.v1 service has a table row",
          "[authz]") {
  const std::vector<std::string> methods = AllHubMethods();
  REQUIRE(methods.size() >= 52);
  for (const std::string& method : methods) {
    INFO(method << " has no row in hub/auth/method_policy.cc");
    CHECK(auth::FindMethodRule(method) != nullptr);
  }
  // And the table names no method that does not exist (a typo would leave
  // the real method denied and the row dead).
  for (const auth::MethodRule& rule : auth::AllMethodRules()) {
    if (rule.method.rfind("/revhub.", 0) != 0) continue;
    INFO(rule.method << " is in the table but is no method of the protos");
    CHECK(std::find(methods.begin(), methods.end(), rule.method) !=
          methods.end());
  }
}

TEST_CASE("the role matrix through the real server", "[authz][matrix]") {
  Hub hub;
  std::map<v1::Role, std::string> tokens;
  for (v1::Role role : auth::AllRoles()) {
    tokens[role] = CreatePrincipal(hub.process->channel(),
                                   "matrix-" + auth::RoleName(role), role);
  }
  auto channel = Plain(hub);
  const std::vector<std::string> methods = AllHubMethods();
  int cells = 0;
  int allowed = 0;
  std::vector<std::string> wrong;
  for (const std::string& method : methods) {
    for (v1::Role role : auth::AllRoles()) {
      grpc::Status s = CallRaw(channel, method, tokens[role]);
      const bool expect = auth::RoleMayCall(role, method);
      const bool denied = s.error_code() == grpc::StatusCode::PERMISSION_DENIED;
      ++cells;
      if (!denied) ++allowed;
      if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          denied == expect) {
        wrong.push_back(method + " as " + auth::RoleName(role) + ": got " +
                        std::to_string(s.error_code()) + " " +
                        s.error_message());
      }
      if (denied) {
        // The refusal names the principal, the role and the method.
        CHECK_THAT(s.error_message(),
                   Catch::Contains("matrix-" + auth::RoleName(role)) &&
                       Catch::Contains("role " + auth::RoleName(role)) &&
                       Catch::Contains(method));
      }
    }
  }
  std::cout << "authorization matrix: " << methods.size() << " methods x "
            << auth::AllRoles().size() << " roles = " << cells << " cells, "
            << allowed << " allowed, " << (cells - allowed) << " denied"
            << std::endl;
  INFO([&] {
    std::string all;
    for (const auto& w : wrong) all += w + "\n";
    return all;
  }());
  CHECK(wrong.empty());
  CHECK(cells == static_cast<int>(methods.size() * 6));

  // The table says what the product promises; a few cells spelled out.
  CHECK(auth::RoleMayCall(v1::ROLE_AUDITOR,
                          "/revhub.hub.v1.CustomerService/ListCustomers"));
  CHECK_FALSE(auth::RoleMayCall(v1::ROLE_AUDITOR,
                                "/revhub.hub.v1.IngestService/Ingest"));
  CHECK_FALSE(
      auth::RoleMayCall(v1::ROLE_INTEGRATION,
                        "/revhub.hub.v1.SystemRegistryService/RegisterSystem"));
  CHECK(
      auth::RoleMayCall(v1::ROLE_PLATFORM,
                        "/revhub.hub.v1.SystemRegistryService/RegisterSystem"));
  CHECK(auth::RoleMayCall(v1::ROLE_FINANCE,
                          "/revhub.hub.v1.ExceptionService/ResolveException"));
  CHECK_FALSE(auth::RoleMayCall(
      v1::ROLE_FINANCE, "/revhub.hub.v1.CustomerService/UpsertCustomer"));
  CHECK_FALSE(auth::RoleMayCall(
      v1::ROLE_PLATFORM, "/revhub.hub.v1.PrincipalService/CreatePrincipal"));
  for (const std::string& method : methods) {
    INFO(method);
    CHECK_FALSE(auth::RoleMayCall(v1::ROLE_ADAPTER, method));
  }
}

TEST_CASE("no credential, a bad, rotated or disabled token: UNAUTHENTICATED",
          "[authz][tokens]") {
  Hub hub;
  auto channel = Plain(hub);
  const std::string list = "/revhub.hub.v1.SystemRegistryService/ListSystems";

  grpc::Status none = CallRaw(channel, list, "");
  CHECK(none.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK_THAT(none.error_message(), Catch::Contains("no credential"));

  CHECK(CallRaw(channel, list, "not-a-token").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status scheme =
      CallRaw(channel, list, "", {{"authorization", "Basic x"}});
  CHECK(scheme.error_code() == grpc::StatusCode::UNAUTHENTICATED);

  auto principals = v1::PrincipalService::NewStub(hub.process->channel());
  const std::string token =
      CreatePrincipal(hub.process->channel(), "reader", v1::ROLE_AUDITOR);
  REQUIRE_GRPC_OK(CallRaw(channel, list, token));
  // The same key id with another secret.
  std::string forged = token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  grpc::Status wrong = CallRaw(channel, list, forged);
  CHECK(wrong.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK_THAT(wrong.error_message(), Catch::Contains("wrong secret"));
  CHECK(wrong.error_message().find(forged.substr(21)) == std::string::npos);
  // An unknown key id.
  std::string unknown = token;
  unknown[4] = unknown[4] == 'a' ? 'b' : 'a';
  CHECK(CallRaw(channel, list, unknown).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);

  // Rotation: the old token stops working at once, the new one works.
  v1::RotatePrincipalTokenRequest rotate;
  rotate.set_name("reader");
  const std::string rotated =
      CallOk(*principals, &v1::PrincipalService::Stub::RotatePrincipalToken,
             rotate)
          .token();
  CHECK(rotated != token);
  CHECK(CallRaw(channel, list, token).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  REQUIRE_GRPC_OK(CallRaw(channel, list, rotated));

  // Disabled: refused, and listed as disabled without any token material.
  v1::DisablePrincipalRequest disable;
  disable.set_name("reader");
  CHECK(CallOk(*principals, &v1::PrincipalService::Stub::DisablePrincipal,
               disable)
            .principal()
            .disabled());
  grpc::Status disabled = CallRaw(channel, list, rotated);
  CHECK(disabled.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK_THAT(disabled.error_message(), Catch::Contains("disabled"));
  auto listed = CallOk(*principals, &v1::PrincipalService::Stub::ListPrincipals,
                       v1::ListPrincipalsRequest());
  REQUIRE(listed.principals_size() == 2);  // admin, reader
  CHECK(listed.principals(1).name() == "reader");
  CHECK(listed.principals(1).disabled());
  CHECK(listed.DebugString().find(rotated.substr(21)) == std::string::npos);

  // The token survives a restart (only its hash is stored) and the hub does
  // not make a second admin.
  const std::string admin = ReadAdminToken(hub.dir.path());
  hub.Restart();
  CHECK(ReadAdminToken(hub.dir.path()) == admin);
  REQUIRE_GRPC_OK(CallRaw(Plain(hub), list, admin));
  CHECK(CallRaw(Plain(hub), list, rotated).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);

  // The admin token file is the owner's alone.
  struct stat st {};
  REQUIRE(stat((hub.dir.path() + "/admin.token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE(
    "health is open, reflection needs a principal, an unknown method "
    "is refused to everyone",
    "[authz]") {
  Hub hub;
  auto channel = Plain(hub);
  // No credential needed for the health check.
  REQUIRE_GRPC_OK(CallRaw(channel, "/grpc.health.v1.Health/Check", ""));

  const std::string reflection =
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  CHECK(CallRaw(channel, reflection, "").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  const std::string auditor =
      CreatePrincipal(hub.process->channel(), "aud", v1::ROLE_AUDITOR);
  CHECK(CallRaw(channel, reflection, auditor).error_code() !=
        grpc::StatusCode::PERMISSION_DENIED);

  // Not in the table: refused to admin too, before any handler (the server
  // would otherwise answer UNIMPLEMENTED).
  grpc::Status unknown =
      CallRaw(channel, "/revhub.hub.v1.IngestService/EraseEverything",
              ReadAdminToken(hub.dir.path()));
  CHECK(unknown.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(unknown.error_message(),
             Catch::Contains("not in the hub's method table"));
}

TEST_CASE("the principal comes from the token, never from metadata",
          "[authz]") {
  Hub hub;
  const std::string writer =
      CreatePrincipal(hub.process->channel(), "writer", v1::ROLE_INTEGRATION);
  // One connection, two principals, calls interleaved: each call is its
  // own caller.
  auto channel = Plain(hub);
  auto customers = v1::CustomerService::NewStub(channel);
  for (const auto& [token, name, key] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {writer, "writer", "k1"},
           {ReadAdminToken(hub.dir.path()), "admin", "k2"},
           {writer, "writer", "k3"}}) {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Acme " + key);
    req.set_idempotency_key(key);
    auto ctx = Ctx();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->AddMetadata("x-revhub-principal", "mallory");
    v1::UpsertCustomerResponse resp;
    REQUIRE_GRPC_OK(customers->UpsertCustomer(ctx.get(), req, &resp));
  }
  v1::ListEventsRequest list;
  auto events =
      CallOk(*hub.events, &v1::EventService::Stub::ListEvents, list).events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].principal() == "writer");
  CHECK(events[1].principal() == "admin");
  CHECK(events[2].principal() == "writer");
}

TEST_CASE("an integration principal ingests and replays only its systems",
          "[authz][ingest]") {
  Hub hub;
  RegisterSystem(hub, "crm-a", v1::SYSTEM_KIND_CRM);
  RegisterSystem(hub, "crm-b", v1::SYSTEM_KIND_CRM);
  const std::string only_a = CreatePrincipal(hub.process->channel(), "feed-a",
                                             v1::ROLE_INTEGRATION, {"crm-a"});
  auto ingest =
      v1::IngestService::NewStub(TokenChannel(hub.process->address(), only_a));
  auto pipeline = v1::PipelineService::NewStub(
      TokenChannel(hub.process->address(), only_a));
  auto send = [&](const std::string& system, v1::IngestResponse* resp) {
    v1::IngestRequest req;
    req.set_system(system);
    req.set_object_type("Account");
    req.set_payload(R"({"Id":"001"})");
    return ingest->Ingest(Ctx().get(), req, resp);
  };
  v1::IngestResponse resp;
  REQUIRE_GRPC_OK(send("crm-a", &resp));
  const int64_t record_a = resp.record_id();
  grpc::Status refused = send("crm-b", &resp);
  CHECK(refused.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(refused.error_message(),
             Catch::Contains("feed-a") && Catch::Contains("\"crm-b\""));

  v1::ReplayFailedRecordsRequest replay_b;
  replay_b.set_system("crm-b");
  v1::ReplayFailedRecordsResponse replayed;
  CHECK(pipeline->ReplayFailedRecords(Ctx().get(), replay_b, &replayed)
            .error_code() == grpc::StatusCode::PERMISSION_DENIED);
  // A record of crm-b (sent by admin) cannot be replayed by feed-a; its own
  // can (whatever the pipeline then says of it).
  REQUIRE_GRPC_OK(hub.ingest->Ingest(
      Ctx().get(), Text<v1::IngestRequest>(R"pb(system: "crm-b"
                                                object_type: "Account"
                                                payload: "{}")pb"),
      &resp));
  v1::ReplayRecordRequest replay;
  replay.set_record_id(resp.record_id());
  v1::ReplayRecordResponse outcome;
  grpc::Status other = pipeline->ReplayRecord(Ctx().get(), replay, &outcome);
  CHECK(other.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  replay.set_record_id(record_a);
  CHECK(pipeline->ReplayRecord(Ctx().get(), replay, &outcome).error_code() !=
        grpc::StatusCode::PERMISSION_DENIED);

  // An integration principal without a list writes every system.
  const std::string any =
      CreatePrincipal(hub.process->channel(), "feed-all", v1::ROLE_INTEGRATION);
  ingest =
      v1::IngestService::NewStub(TokenChannel(hub.process->address(), any));
  REQUIRE_GRPC_OK(send("crm-b", &resp));

  // Only an integration principal is limited to systems.
  v1::CreatePrincipalRequest bad;
  bad.set_name("fin");
  bad.set_role(v1::ROLE_FINANCE);
  bad.add_systems("crm-a");
  v1::CreatePrincipalResponse made;
  grpc::Status invalid = v1::PrincipalService::NewStub(hub.process->channel())
                             ->CreatePrincipal(Ctx().get(), bad, &made);
  CHECK(invalid.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(invalid.error_message(), Catch::StartsWith("systems:"));
}

}  // namespace
}  // namespace revhub::testing
