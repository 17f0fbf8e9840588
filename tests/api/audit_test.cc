// The audit log against a real revhubd: every mutating call leaves one row
// (principal, method, targets, outcome), the chain verifies, and rows
// edited, deleted, reordered or cut off in SQLite while the hub is stopped
// are found by VerifyAuditLog and by `revhub audit verify`. Also: durable
// consumers belong to their creator, and registry changes carry their
// principal and emit events.
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "hub/common/util.h"
#include "revhub/hub/v1/audit_service.grpc.pb.h"
#include "revhub/hub/v1/principal_service.pb.h"
#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"
#include "tests/support/run.h"

namespace revhub::testing {
namespace {

constexpr char kRegister[] =
    "/revhub.hub.v1.SystemRegistryService/RegisterSystem";
constexpr char kDisable[] =
    "/revhub.hub.v1.SystemRegistryService/DisableSystem";
constexpr char kUpsertCustomer[] =
    "/revhub.hub.v1.CustomerService/UpsertCustomer";
constexpr char kAcknowledge[] = "/revhub.hub.v1.EventService/AcknowledgeEvents";

// A context acting as `principal`: the principal is created on the hub
// with `role` (integration when unnamed) the first time a test names it,
// and the context carries its bearer token. The one place tests name the
// caller.
std::unique_ptr<grpc::ClientContext> As(Hub& hub, const std::string& principal,
                                        const std::string& role = "") {
  static std::mutex mu;
  static std::map<std::string, std::string> tokens;  // data dir|name -> token
  const std::string key = hub.dir.path() + "|" + principal;
  std::string token;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = tokens.find(key);
    if (it == tokens.end()) {
      v1::Role r = v1::ROLE_INTEGRATION;
      if (!role.empty()) {
        REQUIRE(v1::Role_Parse("ROLE_" + absl::AsciiStrToUpper(role), &r));
      }
      it = tokens
               .emplace(key,
                        CreatePrincipal(hub.process->channel(), principal, r))
               .first;
    }
    token = it->second;
  }
  auto c = Ctx();
  c->AddMetadata("authorization", "Bearer " + token);
  return c;
}

// Creates the principals `who` ("name:role") before a test counts rows, so
// their CreatePrincipal rows come first.
void Given(Hub& hub, const std::vector<std::string>& who) {
  for (const std::string& w : who) {
    const size_t colon = w.find(':');
    As(hub, w.substr(0, colon), w.substr(colon + 1));
  }
}

std::unique_ptr<v1::AuditService::Stub> AuditStub(Hub& hub) {
  return v1::AuditService::NewStub(hub.process->channel());
}

std::vector<v1::AuditRecord> ListAudit(Hub& hub,
                                       v1::ListAuditRecordsRequest req = {}) {
  auto audit = AuditStub(hub);
  std::vector<v1::AuditRecord> out;
  req.set_page_size(2);  // pages through the token too
  while (true) {
    v1::ListAuditRecordsResponse page;
    REQUIRE_GRPC_OK(audit->ListAuditRecords(Ctx().get(), req, &page));
    for (const auto& r : page.records()) out.push_back(r);
    if (page.next_page_token().empty()) return out;
    req.set_page_token(page.next_page_token());
  }
}

v1::VerifyAuditLogResponse Verify(Hub& hub, int64_t head_seq = 0,
                                  const std::string& head_hash = "") {
  v1::VerifyAuditLogRequest req;
  req.set_expected_head_seq(head_seq);
  req.set_expected_head_hash(head_hash);
  return CallOk(*AuditStub(hub), &v1::AuditService::Stub::VerifyAuditLog, req);
}

std::string TargetValue(const v1::AuditRecord& r, const std::string& field) {
  for (const auto& t : r.targets()) {
    if (t.field() == field) return t.value();
  }
  return "";
}

v1::RegisterSystemRequest SystemRequest(const std::string& name) {
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name(name);
  req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
  return req;
}

// Runs SQL on the stopped hub's database, the triggers that refuse changes
// to audit_log dropped first (as anyone with the file can).
void Tamper(Hub& hub, const std::string& sql) {
  sqlite3* db = nullptr;
  const std::string path = hub.dir.path() + "/revhub.db";
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string all =
      "DROP TRIGGER IF EXISTS audit_log_no_update;"
      "DROP TRIGGER IF EXISTS audit_log_no_delete;" +
      sql;
  char* error = nullptr;
  const int rc = sqlite3_exec(db, all.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// `revhub audit verify` against the hub: its exit code and output.
RunResult CliVerify(Hub& hub, const std::string& expect_head = "") {
  std::vector<std::string> argv = {BinDir() + "/revhub",
                                   "--hub",
                                   hub.process->address(),
                                   "--token",
                                   ReadAdminToken(hub.dir.path()),
                                   "audit",
                                   "verify"};
  if (!expect_head.empty()) {
    argv.push_back("--expect-head");
    argv.push_back(expect_head);
  }
  return RunProgram(argv, hub.dir.path());
}

TEST_CASE("every mutating call leaves one audit row with its outcome",
          "[audit]") {
  Hub hub;
  Given(hub, {"alice:platform", "bob:integration", "carol:platform"});
  v1::RegisterSystemResponse registered;
  const v1::RegisterSystemRequest stripe = SystemRequest("stripe");
  REQUIRE_GRPC_OK(hub.registry->RegisterSystem(
      As(hub, "alice", "platform").get(), stripe, &registered));
  // The same name again without replace_existing: refused, and audited.
  v1::RegisterSystemResponse refused;
  v1::RegisterSystemRequest changed = stripe;
  changed.mutable_system()->set_display_name("Stripe EU");
  REQUIRE(hub.registry
              ->RegisterSystem(As(hub, "alice", "platform").get(), changed,
                               &refused)
              .error_code() == grpc::StatusCode::ALREADY_EXISTS);
  // A read leaves nothing.
  v1::GetSystemRequest get;
  get.set_name("stripe");
  v1::GetSystemResponse got;
  REQUIRE_GRPC_OK(hub.registry->GetSystem(As(hub, "alice").get(), get, &got));
  auto upsert = Text<v1::UpsertCustomerRequest>(R"pb(
    customer {
      name: "Acme"
      external_refs {
        system: "stripe"
        object_type: "customer"
        vendor_id: "cus_1"
      }
    }
    idempotency_key: "k-1"
  )pb");
  v1::UpsertCustomerResponse customer;
  REQUIRE_GRPC_OK(hub.customers->UpsertCustomer(
      As(hub, "bob", "integration").get(), upsert, &customer));
  v1::DisableSystemRequest disable;
  disable.set_name("stripe");  // no reason: INVALID_ARGUMENT
  v1::DisableSystemResponse disabled;
  REQUIRE(hub.registry
              ->DisableSystem(As(hub, "carol", "platform").get(), disable,
                              &disabled)
              .error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  // The admin's three CreatePrincipal calls, then the test's five calls
  // but the read.
  const std::vector<v1::AuditRecord> all = ListAudit(hub);
  REQUIRE(all.size() == 7);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].seq() == static_cast<int64_t>(i + 1));
    CHECK(all[i].row_hash().size() == 64);
    if (i > 0) CHECK(all[i].prev_hash() == all[i - 1].row_hash());
  }
  CHECK(all[0].prev_hash() == std::string(64, '0'));
  CHECK(all[0].principal() == "admin");
  CHECK(all[0].method() == "/revhub.hub.v1.PrincipalService/CreatePrincipal");
  const std::vector<v1::AuditRecord> rows(all.begin() + 3, all.end());

  CHECK(rows[0].principal() == "alice");
  CHECK(rows[0].role() == "platform");
  CHECK(rows[0].method() == kRegister);
  CHECK(TargetValue(rows[0], "system.name") == "stripe");
  CHECK(rows[0].code() == 0);
  CHECK(rows[0].request_sha256() ==
        hub::Sha256Hex(hub::DeterministicBytes(stripe)));

  CHECK(rows[1].method() == kRegister);
  CHECK(rows[1].code() == static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  CHECK_THAT(rows[1].message(), Catch::Contains("already registered"));
  CHECK(rows[1].request_sha256() ==
        hub::Sha256Hex(hub::DeterministicBytes(changed)));

  CHECK(rows[2].principal() == "bob");
  CHECK(rows[2].method() == kUpsertCustomer);
  CHECK(TargetValue(rows[2], "customer.external_refs") ==
        "stripe/customer/cus_1");
  CHECK(TargetValue(rows[2], "idempotency_key") == "k-1");
  CHECK(rows[2].code() == 0);

  CHECK(rows[3].principal() == "carol");
  CHECK(rows[3].method() == kDisable);
  CHECK(TargetValue(rows[3], "name") == "stripe");
  CHECK(rows[3].code() == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));

  SECTION("filters") {
    v1::ListAuditRecordsRequest by_alice;
    by_alice.set_principal("alice");
    CHECK(ListAudit(hub, by_alice).size() == 2);
    v1::ListAuditRecordsRequest by_method;
    by_method.set_method("UpsertCustomer");
    REQUIRE(ListAudit(hub, by_method).size() == 1);
    by_method.set_method(kDisable);
    CHECK(ListAudit(hub, by_method).size() == 1);
    v1::ListAuditRecordsRequest by_target;
    by_target.set_target("stripe");
    CHECK(ListAudit(hub, by_target).size() == 3);
    by_target.set_target("name=stripe");
    CHECK(ListAudit(hub, by_target).size() == 1);
    v1::ListAuditRecordsRequest later;
    *later.mutable_since() = rows[2].recorded_at();
    CHECK(ListAudit(hub, later).size() == 2);
    *later.mutable_until() = rows[3].recorded_at();
    CHECK(ListAudit(hub, later).size() == 1);
  }

  SECTION("the chain verifies and survives a restart") {
    auto v = Verify(hub);
    CHECK(v.intact());
    CHECK(v.rows_checked() == 7);
    CHECK(v.head_seq() == 7);
    CHECK(v.head_hash() == rows[3].row_hash());
    hub.Restart();
    v = Verify(hub, 7, rows[3].row_hash());
    CHECK(v.intact());
    RunResult cli = CliVerify(hub, "7:" + rows[3].row_hash());
    INFO(cli.out << cli.err);
    CHECK(cli.code == 0);
    CHECK_THAT(cli.out, Catch::Contains("intact: 7 rows checked"));
  }
}

TEST_CASE("a mutating call the method table refuses leaves an audit row",
          "[audit]") {
  Hub hub;
  Given(hub, {"dora:auditor"});
  v1::UpsertCustomerRequest upsert;
  upsert.mutable_customer()->set_name("Acme");
  v1::UpsertCustomerResponse customer;
  const grpc::Status refused =
      hub.customers->UpsertCustomer(As(hub, "dora").get(), upsert, &customer);
  REQUIRE(refused.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  // A refused read leaves none.
  v1::ListAuditRecordsRequest list;
  v1::ListAuditRecordsResponse listed;
  REQUIRE_GRPC_OK(
      AuditStub(hub)->ListAuditRecords(As(hub, "dora").get(), list, &listed));
  v1::RegisterSystemRequest reg = SystemRequest("stripe");
  v1::RegisterSystemResponse registered;
  REQUIRE(hub.registry->RegisterSystem(As(hub, "dora").get(), reg, &registered)
              .error_code() == grpc::StatusCode::PERMISSION_DENIED);

  const std::vector<v1::AuditRecord> all = ListAudit(hub);
  REQUIRE(all.size() == 3);  // CreatePrincipal, then the two refusals
  CHECK(all[1].principal() == "dora");
  CHECK(all[1].role() == "auditor");
  CHECK(all[1].method() == kUpsertCustomer);
  CHECK(all[1].code() == static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  CHECK_THAT(all[1].message(), Catch::Contains("may not call"));
  CHECK(all[1].targets_size() == 0);  // the request was never read
  CHECK(all[2].method() == kRegister);
  CHECK(all[2].code() == static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  CHECK(Verify(hub).intact());
}

TEST_CASE("concurrent calls append one unforked chain", "[audit]") {
  Hub hub;
  constexpr int kThreads = 4, kEach = 15;
  Given(hub, {"p0:integration", "p1:integration", "p2:integration",
              "p3:integration"});
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        v1::UpsertCustomerRequest req;
        req.mutable_customer()->set_name("c");
        req.set_idempotency_key(std::to_string(t * 100 + i));
        v1::UpsertCustomerResponse resp;
        if (hub.customers
                ->UpsertCustomer(As(hub, "p" + std::to_string(t)).get(), req,
                                 &resp)
                .ok()) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(ok == kThreads * kEach);
  auto v = Verify(hub);
  CHECK(v.intact());
  // The four CreatePrincipal rows, then one per upsert.
  CHECK(v.rows_checked() == kThreads + kThreads * kEach);
}

TEST_CASE("verify names the first row edited, deleted, reordered or cut off",
          "[audit]") {
  Hub hub;
  for (int i = 1; i <= 6; ++i) {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Customer " + std::to_string(i));
    v1::UpsertCustomerResponse resp;
    REQUIRE_GRPC_OK(hub.customers->UpsertCustomer(Ctx().get(), req, &resp));
  }
  const v1::VerifyAuditLogResponse before = Verify(hub);
  REQUIRE(before.intact());
  REQUIRE(before.head_seq() == 6);
  const std::string anchor =
      std::to_string(before.head_seq()) + ":" + before.head_hash();
  REQUIRE(hub.process->Stop() == 0);

  v1::AuditBreak kind = v1::AUDIT_BREAK_UNSPECIFIED;
  int64_t seq = 0;
  std::string cli_text;
  bool with_anchor = false;
  SECTION("untouched") {
    // Dropping the triggers alone changes no row: the chain still holds.
    Tamper(hub, "");
  }
  SECTION("edited") {
    Tamper(hub, "UPDATE audit_log SET principal = 'mallory' WHERE seq = 3");
    kind = v1::AUDIT_BREAK_ROW_EDITED;
    seq = 3;
    cli_text = "BROKEN at row 3 (row-edited)";
  }
  SECTION("edited outcome") {
    Tamper(hub, "UPDATE audit_log SET code = 7 WHERE seq = 5");
    kind = v1::AUDIT_BREAK_ROW_EDITED;
    seq = 5;
    cli_text = "BROKEN at row 5 (row-edited)";
  }
  SECTION("deleted") {
    Tamper(hub, "DELETE FROM audit_log WHERE seq = 4");
    kind = v1::AUDIT_BREAK_ROW_MISSING;
    seq = 4;
    cli_text = "BROKEN at row 4 (row-missing)";
  }
  SECTION("reordered") {
    Tamper(hub,
           "UPDATE audit_log SET seq = -2 WHERE seq = 2;"
           "UPDATE audit_log SET seq = 2 WHERE seq = 5;"
           "UPDATE audit_log SET seq = 5 WHERE seq = -2;");
    kind = v1::AUDIT_BREAK_LINK_BROKEN;
    seq = 2;
    cli_text = "BROKEN at row 2 (link-broken)";
  }
  SECTION("tail truncated") {
    Tamper(hub, "DELETE FROM audit_log WHERE seq >= 5");
    with_anchor = true;
    kind = v1::AUDIT_BREAK_ROW_MISSING;
    seq = 5;
    cli_text = "BROKEN at row 5 (row-missing)";
  }
  hub.Start();

  if (with_anchor) {
    // Without the anchor a cut tail cannot be told from a shorter log.
    auto v = Verify(hub);
    CHECK(v.intact());
    CHECK(v.head_seq() == 4);
  }
  const v1::VerifyAuditLogResponse v =
      with_anchor ? Verify(hub, before.head_seq(), before.head_hash())
                  : Verify(hub);
  INFO(v.DebugString());
  CHECK(v.intact() == (kind == v1::AUDIT_BREAK_UNSPECIFIED));
  CHECK(v.broken() == kind);
  CHECK(v.broken_seq() == seq);
  if (kind != v1::AUDIT_BREAK_UNSPECIFIED) CHECK(v.rows_checked() == seq - 1);
  const RunResult cli = CliVerify(hub, with_anchor ? anchor : "");
  INFO(cli.out << cli.err);
  if (kind == v1::AUDIT_BREAK_UNSPECIFIED) {
    CHECK(cli.code == 0);
    CHECK_THAT(cli.out, Catch::Contains("intact: 6 rows checked"));
  } else {
    CHECK(cli.code == 1);
    CHECK_THAT(cli.out, Catch::Contains(cli_text));
  }
}

TEST_CASE("a consumer belongs to the principal that created it", "[audit]") {
  Hub hub;
  REQUIRE_GRPC_OK(hub.registry->RegisterSystem(
      As(hub, "alice", "platform").get(), SystemRequest("stripe"),
      std::make_unique<v1::RegisterSystemResponse>().get()));
  v1::AcknowledgeEventsRequest ack;
  ack.set_consumer("billing-sync");
  ack.set_position(0);
  v1::AcknowledgeEventsResponse acked;
  REQUIRE_GRPC_OK(
      hub.events->AcknowledgeEvents(As(hub, "alice").get(), ack, &acked));
  CHECK(acked.consumer().owner() == "alice");

  ack.set_position(1);
  const grpc::Status denied =
      hub.events->AcknowledgeEvents(As(hub, "bob").get(), ack, &acked);
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(denied.error_message(), Catch::Contains("\"alice\""));
  v1::GetConsumerRequest get;
  get.set_consumer("billing-sync");
  auto consumer =
      CallOk(*hub.events, &v1::EventService::Stub::GetConsumer, get).consumer();
  CHECK(consumer.acknowledged_position() == 0);
  CHECK(consumer.owner() == "alice");

  // The owner moves it; so may an admin.
  REQUIRE_GRPC_OK(
      hub.events->AcknowledgeEvents(As(hub, "alice").get(), ack, &acked));
  CHECK(acked.consumer().acknowledged_position() == 1);
  REQUIRE_GRPC_OK(hub.events->AcknowledgeEvents(As(hub, "root", "admin").get(),
                                                ack, &acked));
  CHECK(acked.consumer().owner() == "alice");

  // A consumer created by subscribing belongs to the subscriber.
  {
    v1::SubscribeRequest sub;
    sub.set_consumer("dave-feed");
    auto ctx = As(hub, "dave");
    auto reader = hub.events->Subscribe(ctx.get(), sub);
    v1::SubscribeResponse first;
    REQUIRE(reader->Read(&first));
    ctx->TryCancel();
    reader->Finish();
  }
  get.set_consumer("dave-feed");
  CHECK(CallOk(*hub.events, &v1::EventService::Stub::GetConsumer, get)
            .consumer()
            .owner() == "dave");
  ack.set_consumer("dave-feed");
  CHECK(hub.events->AcknowledgeEvents(As(hub, "alice").get(), ack, &acked)
            .error_code() == grpc::StatusCode::PERMISSION_DENIED);

  // The refusals are in the audit log.
  v1::ListAuditRecordsRequest req;
  req.set_method(kAcknowledge);
  const auto rows = ListAudit(hub, req);
  REQUIRE(rows.size() == 5);
  CHECK(rows[1].principal() == "bob");
  CHECK(rows[1].code() ==
        static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  CHECK(TargetValue(rows[1], "consumer") == "billing-sync");
  CHECK(rows[3].role() == "admin");
}

TEST_CASE("registry changes carry their principal and emit events", "[audit]") {
  Hub hub;
  auto req = Text<v1::RegisterSystemRequest>(R"pb(
    system {
      name: "crm-a"
      kind: SYSTEM_KIND_CRM
      config {
        fields {
          key: "api_key"
          value { string_value: "s3cr3t-value-1" }
        }
        fields {
          key: "region"
          value { string_value: "eu" }
        }
      }
    }
  )pb");
  v1::RegisterSystemResponse resp;
  REQUIRE_GRPC_OK(hub.registry->RegisterSystem(
      As(hub, "alice", "platform").get(), req, &resp));
  CHECK(resp.system().updated_by() == "alice");
  // The same registration again changes nothing and says nothing.
  REQUIRE_GRPC_OK(hub.registry->RegisterSystem(As(hub, "bob", "platform").get(),
                                               req, &resp));
  CHECK(resp.unchanged());
  CHECK(resp.system().updated_by() == "alice");

  (*req.mutable_system()->mutable_config()->mutable_fields())["api_key"]
      .set_string_value("s3cr3t-value-2");
  req.mutable_system()->set_display_name("CRM A");
  req.set_replace_existing(true);
  REQUIRE_GRPC_OK(hub.registry->RegisterSystem(As(hub, "bob", "platform").get(),
                                               req, &resp));
  CHECK(resp.system().updated_by() == "bob");

  v1::DisableSystemRequest disable;
  disable.set_name("crm-a");
  disable.set_reason("contract ended");
  v1::DisableSystemResponse disabled;
  REQUIRE_GRPC_OK(hub.registry->DisableSystem(
      As(hub, "carol", "platform").get(), disable, &disabled));
  CHECK(disabled.system().updated_by() == "carol");

  v1::ListEventsRequest list;
  list.add_types(cv1::EVENT_TYPE_SYSTEM_REGISTERED);
  list.add_types(cv1::EVENT_TYPE_SYSTEM_CHANGED);
  list.add_types(cv1::EVENT_TYPE_SYSTEM_DISABLED);
  auto events =
      CallOk(*hub.events, &v1::EventService::Stub::ListEvents, list).events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].type() == cv1::EVENT_TYPE_SYSTEM_REGISTERED);
  CHECK(events[0].principal() == "alice");
  CHECK(events[0].system_registered().system() == "crm-a");
  CHECK(events[0].system_registered().version() == 1);

  CHECK(events[1].type() == cv1::EVENT_TYPE_SYSTEM_CHANGED);
  CHECK(events[1].principal() == "bob");
  const auto& change = events[1].system_changed();
  CHECK(change.version() == 2);
  CHECK(change.previous_version() == 1);
  std::vector<std::string> fields(change.changed_fields().begin(),
                                  change.changed_fields().end());
  CHECK(fields == std::vector<std::string>{"display_name", "config.api_key"});

  CHECK(events[2].type() == cv1::EVENT_TYPE_SYSTEM_DISABLED);
  CHECK(events[2].principal() == "carol");
  CHECK(events[2].system_disabled().reason() == "contract ended");
  CHECK(events[2].system_disabled().version() == 3);

  for (const auto& e : events) {
    CHECK(e.SerializeAsString().find("s3cr3t") == std::string::npos);
  }
}

}  // namespace
}  // namespace revhub::testing
