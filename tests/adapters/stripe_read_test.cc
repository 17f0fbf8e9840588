// The Stripe adapter's Read and VerifyWebhook, called over gRPC on the real
// adapter process, against the Stripe emulator started for real.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/webhook_crypto.h"
#include "httplib.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"
#include "tests/adapters/test_util.h"
#include "tests/support/stripe_emulator.h"

namespace revhub::testing {
namespace {

namespace av1 = ::revhub::adapter::v1;
using adapter::Json;

constexpr char kKey[] = "sk_test_emulated";
constexpr char kSecret[] = "whsec_emulated";

// The adapter process, started as a developer runs it (no hub token: it
// listens on a loopback TCP port), and a stub of its AdapterService.
class StripeAdapterProcess {
 public:
  StripeAdapterProcess() {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::string bin = BinPath("revhub-adapter-stripe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      unsetenv("REVHUB_ADAPTER_TOKEN");
      execl(bin.c_str(), bin.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    std::string line;
    char ch;
    while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
    close(out[0]);
    INFO(line);
    REQUIRE(absl::StartsWith(line, "REVHUB-ADAPTER|1|tcp|"));
    stub_ = av1::AdapterService::NewStub(grpc::CreateChannel(
        line.substr(line.rfind('|') + 1), grpc::InsecureChannelCredentials()));
  }
  ~StripeAdapterProcess() {
    close(stdin_fd_);
    int status;
    waitpid(pid_, &status, 0);
  }
  av1::ReadResponse Read(const std::string& config, const std::string& type,
                         const std::string& cursor, int page_size = 0,
                         int64_t backfill_start = 0) {
    av1::ReadRequest req;
    req.set_system("stripe-test");
    *req.mutable_config() = ConfigStruct(config);
    req.set_object_type(type);
    req.set_cursor(cursor);
    req.set_page_size(page_size);
    if (backfill_start > 0)
      req.mutable_backfill_start()->set_seconds(backfill_start);
    av1::ReadResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    grpc::Status s = stub_->Read(&ctx, req, &resp);
    REQUIRE(s.ok());
    return resp;
  }
  av1::VerifyWebhookResponse Verify(
      const std::string& config,
      const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& body, int64_t received_at) {
    av1::VerifyWebhookRequest req;
    req.set_system("stripe-test");
    *req.mutable_config() = ConfigStruct(config);
    req.set_method("POST");
    req.set_url("http://127.0.0.1/webhooks/stripe-test");
    for (const auto& [k, v] : headers) {
      auto* h = req.add_headers();
      h->set_name(k);
      h->set_value(v);
    }
    req.set_body(body);
    req.mutable_received_at()->set_seconds(received_at);
    av1::VerifyWebhookResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->VerifyWebhook(&ctx, req, &resp);
    REQUIRE(s.ok());
    return resp;
  }

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  std::unique_ptr<av1::AdapterService::Stub> stub_;
};

std::string Config(const StripeEmulator& emu, const std::string& key = kKey,
                   const std::string& extra = "") {
  return absl::StrCat(R"({"api_base":")", emu.base_url(), R"(","secret_key":")",
                      key, R"(","webhook_secret":")", kSecret, R"(")", extra,
                      "}");
}

std::string PhaseOf(const std::string& cursor) {
  return json::parse(cursor).value("phase", "");
}

// Reads `type` from no cursor until the list is read (the cursor turns to
// events); returns the records and sets `cursor` and `pages`.
std::vector<av1::SourcedRecord> Backfill(StripeAdapterProcess& a,
                                         const std::string& config,
                                         const std::string& type,
                                         std::string* cursor, int* pages,
                                         int page_size,
                                         int64_t backfill_start = 0) {
  std::vector<av1::SourcedRecord> out;
  cursor->clear();
  *pages = 0;
  do {
    av1::ReadResponse r =
        a.Read(config, type, *cursor, page_size, backfill_start);
    INFO(r.reason());
    REQUIRE(r.outcome() == av1::READ_OUTCOME_OK);
    REQUIRE(r.records_size() <= page_size);
    for (const auto& rec : r.records()) out.push_back(rec);
    *cursor = r.next_cursor();
    ++*pages;
    REQUIRE(*pages < 1000);
  } while (PhaseOf(*cursor) == "list");
  return out;
}

TEST_CASE(
    "Stripe Describe declares its readable types rate limits and webhooks",
    "[stripe][read]") {
  auto host = StartAdapter("stripe");
  auto d = host->Describe();
  REQUIRE(d.ok());
  std::set<std::string> readable;
  for (const auto& t : d->readable_object_types()) {
    readable.insert(t.object_type());
    CHECK(t.incremental());
    CHECK(t.backfill_start());
  }
  CHECK(readable == std::set<std::string>{
                        "customer", "product", "price", "plan", "subscription",
                        "subscription_schedule", "invoice", "credit_note",
                        "payment_intent", "charge", "refund"});
  REQUIRE(d->rate_limits_size() == 2);
  CHECK(d->rate_limits(0).requests() == 100);
  CHECK(d->rate_limits(1).requests() == 25);
  CHECK(d->rate_limits(0).documentation_url() ==
        "https://docs.stripe.com/rate-limits");
  CHECK(d->verifies_webhooks());
  CHECK(absl::StrContains(d->webhook_authentication(), "Stripe-Signature"));
}

TEST_CASE("Stripe backfill pages the list then reads changes from events",
          "[stripe][read]") {
  StripeEmulator emu(kKey);
  emu.Generate(60);
  StripeAdapterProcess a;
  const std::string config = Config(emu);
  std::string cursor;
  int pages = 0;
  auto records = Backfill(a, config, "customer", &cursor, &pages, 4);
  Json stored = emu.Objects("customer");
  REQUIRE(stored.size() >= 10);
  CHECK(pages > 2);
  std::map<std::string, std::string> key_by_id;
  for (const auto& rec : records) {
    CHECK(rec.record().object_type() == "customer");
    CHECK(rec.version() == adapter::Sha256Hex(rec.record().payload()));
    CHECK(rec.idempotency_key() ==
          absl::StrCat("customer/", rec.vendor_id(), "@", rec.version()));
    CHECK(key_by_id.emplace(rec.vendor_id(), rec.idempotency_key()).second);
  }
  CHECK(key_by_id.size() == stored.size());
  for (const Json& c : stored) {
    CHECK(key_by_id.count(c["id"].get<std::string>()) == 1);
  }
  // Paging went through starting_after.
  bool paged = false;
  for (const Json& r : emu.Requests()) {
    paged = paged || absl::StrContains(r["query"].get<std::string>(),
                                       "starting_after=cus_gen");
  }
  CHECK(paged);

  // Caught up: nothing new.
  av1::ReadResponse idle = a.Read(config, "customer", cursor);
  REQUIRE(idle.outcome() == av1::READ_OUTCOME_OK);
  CHECK(idle.records_size() == 0);
  CHECK_FALSE(idle.has_more());
  CHECK(idle.cursor_time().seconds() > 0);
  cursor = idle.next_cursor();

  // A change after the backfill comes back once, with a new key.
  emu.Post(
      "/__control/touch",
      R"({"type":"customer","id":"cus_gen000002","set":{"email":"new@example.com"}})");
  emu.Post(
      "/__control/touch",
      R"({"type":"invoice","id":"in_gen000001","set":{"description":"x"}})");
  av1::ReadResponse changed = a.Read(config, "customer", cursor);
  REQUIRE(changed.outcome() == av1::READ_OUTCOME_OK);
  REQUIRE(changed.records_size() == 1);
  const auto& rec = changed.records(0);
  CHECK(rec.vendor_id() == "cus_gen000002");
  CHECK(rec.idempotency_key() != key_by_id["cus_gen000002"]);
  CHECK(json::parse(rec.record().payload())["email"] == "new@example.com");
  av1::ReadResponse again = a.Read(config, "customer", changed.next_cursor());
  REQUIRE(again.outcome() == av1::READ_OUTCOME_OK);
  CHECK(again.records_size() == 0);
  // The events were filtered by type: the invoice's event is not read.
  bool filtered = false;
  for (const Json& r : emu.Requests()) {
    filtered = filtered || absl::StrContains(r["query"].get<std::string>(),
                                             "types[]=customer.updated");
  }
  CHECK(filtered);
}

TEST_CASE("Stripe events are read oldest first across pages without a skip",
          "[stripe][read]") {
  StripeEmulator emu(kKey);
  emu.Generate(40);
  StripeAdapterProcess a;
  const std::string config = Config(emu);
  std::string cursor;
  int pages = 0;
  Backfill(a, config, "invoice", &cursor, &pages, 100);
  // Changes made while caught up: 7 events, read 3 per page in order.
  Json invoices = emu.Objects("invoice");
  REQUIRE(invoices.size() >= 7);
  for (int i = 0; i < 7; ++i) {
    emu.Post("/__control/touch",
             absl::StrCat(R"({"type":"invoice","id":")",
                          invoices[i]["id"].get<std::string>(),
                          R"(","set":{"metadata":{"n":")", i, R"("}}})"));
  }
  std::vector<std::string> seen;
  bool more = true;
  while (more) {
    av1::ReadResponse r = a.Read(config, "invoice", cursor, 3);
    INFO(r.reason());
    REQUIRE(r.outcome() == av1::READ_OUTCOME_OK);
    for (const auto& rec : r.records()) {
      seen.push_back(json::parse(rec.record().payload())["metadata"]["n"]
                         .get<std::string>());
    }
    cursor = r.next_cursor();
    more = r.has_more();
    REQUIRE(seen.size() <= 7);
  }
  CHECK(seen == std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"});
}

TEST_CASE("Stripe backfill honours backfill_start by created time",
          "[stripe][read]") {
  StripeEmulator emu(kKey);
  emu.Generate(80);
  StripeAdapterProcess a;
  Json subs = emu.Objects("subscription");
  REQUIRE(subs.size() > 6);
  int64_t start = subs[5]["created"].get<int64_t>();
  std::string cursor;
  int pages = 0;
  auto records =
      Backfill(a, Config(emu), "subscription", &cursor, &pages, 2, start);
  CHECK(records.size() == subs.size() - 5);
  for (const auto& rec : records) {
    CHECK(json::parse(rec.record().payload())["created"].get<int64_t>() >=
          start);
  }
}

TEST_CASE("Stripe read failures are RETRY or FAILED with the reason",
          "[stripe][read]") {
  StripeEmulator emu(kKey);
  emu.Generate(20);
  StripeAdapterProcess a;
  const std::string config = Config(emu);

  SECTION("429 with Retry-After") {
    emu.AddFault(
        R"({"mode":"status","status":429,"retry_after_seconds":7,"count":1})");
    av1::ReadResponse r = a.Read(config, "customer", "");
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
    CHECK(r.retry_after().seconds() == 7);
    CHECK(r.vendor_code() == "429");
    CHECK(a.Read(config, "customer", "").outcome() == av1::READ_OUTCOME_OK);
  }
  SECTION("500 without Retry-After waits 1 s") {
    emu.AddFault(
        R"({"mode":"status","status":500,"path_regex":"^/v1/customers","count":1})");
    av1::ReadResponse r = a.Read(config, "customer", "");
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
    CHECK(r.retry_after().seconds() == 1);
  }
  SECTION("a timeout and a reset") {
    emu.AddFault(R"({"mode":"timeout","delay_ms":3000,"count":1})");
    av1::ReadResponse r = a.Read(
        Config(emu, kKey, R"(,"request_timeout_ms":300)"), "customer", "");
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
    emu.AddFault(R"({"mode":"reset","count":1})");
    r = a.Read(config, "customer", "");
    CHECK(r.outcome() == av1::READ_OUTCOME_RETRY);
  }
  SECTION("401") {
    av1::ReadResponse r = a.Read(Config(emu, "sk_test_wrong"), "customer", "");
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(absl::StrContains(r.reason(), "API key"));
    CHECK_FALSE(absl::StrContains(r.reason(), "sk_test_wrong"));
  }
  SECTION("a cursor that is not the adapter's") {
    av1::ReadResponse r = a.Read(config, "customer", "garbage%%");
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(absl::StartsWith(r.reason(), "cursor"));
  }
  SECTION("a cursor older than Stripe's 30 days of events") {
    int64_t old = absl::ToUnixSeconds(absl::Now()) - 40 * 86400;
    std::string cursor = json{
        {"phase", "events"},
        {"last_event", "evt_old"},
        {"last_created", old},
        {"checked", old}}.dump();
    av1::ReadResponse r = a.Read(config, "customer", cursor);
    CHECK(r.outcome() == av1::READ_OUTCOME_FAILED);
    CHECK(absl::StrContains(r.reason(), "full sync"));
  }
  SECTION("limit over 100 is Stripe's 400") {
    adapter::HttpRequest req;
    req.url = emu.base_url() + "/v1/customers?limit=101";
    req.headers.emplace_back("Authorization", absl::StrCat("Bearer ", kKey));
    auto resp = adapter::SendHttp(req);
    REQUIRE(resp.ok());
    CHECK(resp->status == 400);
    Json err = json::parse(resp->body)["error"];
    CHECK(err["type"] == "invalid_request_error");
    CHECK(err["param"] == "limit");
  }
}

// A local receiver standing in for the hub's webhook endpoint: keeps each
// delivery's Stripe-Signature and body.
struct Receiver {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> got;  // signature, body
  Receiver() {
    server.Post("/webhooks/stripe-test", [this](const httplib::Request& req,
                                                httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      got.emplace_back(req.get_header_value("Stripe-Signature"), req.body);
      res.status = 200;
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~Receiver() {
    server.stop();
    thread.join();
  }
  std::string url() const {
    return absl::StrCat("http://127.0.0.1:", port, "/webhooks/stripe-test");
  }
};

TEST_CASE("Stripe webhooks are verified by Stripe-Signature",
          "[stripe][webhook]") {
  StripeEmulator emu(kKey);
  emu.Generate(20);
  StripeAdapterProcess a;
  const std::string config = Config(emu);
  Receiver hub;
  auto send = [&](const std::string& extra) {
    Json sent = emu.Post(
        "/__control/webhooks/send",
        absl::StrCat(R"({"url":")", hub.url(), R"(","secret":")", kSecret,
                     R"(","type":"invoice","id":"in_gen000001")", extra, "}"));
    REQUIRE(sent["status"] == 200);
    std::lock_guard<std::mutex> lock(hub.mu);
    return std::make_pair(sent["event_id"].get<std::string>(), hub.got.back());
  };
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  auto [event_id, delivery] = send(R"(,"event_type":"invoice.paid")");
  const auto& [signature, body] = delivery;

  SECTION("valid, and the same key as a list read of the same object") {
    auto v = a.Verify(config, {{"stripe-signature", signature}}, body, now);
    INFO(v.reason());
    REQUIRE(v.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    CHECK(v.vendor_event_id() == event_id);
    CHECK(v.event_type() == "invoice.paid");
    REQUIRE(v.records_size() == 1);
    CHECK(v.records(0).record().object_type() == "invoice");
    CHECK(v.records(0).vendor_id() == "in_gen000001");
    std::string cursor;
    int pages = 0;
    auto listed = Backfill(a, config, "invoice", &cursor, &pages, 100);
    bool same = false;
    for (const auto& rec : listed) {
      same = same || rec.idempotency_key() == v.records(0).idempotency_key();
    }
    CHECK(same);
  }
  SECTION("redelivery gives the same event id and key") {
    auto first = a.Verify(config, {{"stripe-signature", signature}}, body, now);
    auto [again_id, again] =
        send(absl::StrCat(R"(,"resend_event_id":")", event_id, R"(")"));
    CHECK(again_id == event_id);
    auto second = a.Verify(config, {{"stripe-signature", again.first}},
                           again.second, now);
    REQUIRE(second.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    CHECK(second.vendor_event_id() == first.vendor_event_id());
    REQUIRE(second.records_size() == 1);
    CHECK(second.records(0).idempotency_key() ==
          first.records(0).idempotency_key());
  }
  SECTION("a wrong secret") {
    auto [id, wrong] = send(R"(,"sign_with":"whsec_other")");
    auto v = a.Verify(config, {{"stripe-signature", wrong.first}}, wrong.second,
                      now);
    CHECK(v.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(absl::StrContains(v.reason(), "no v1 signature matches"));
    CHECK_FALSE(absl::StrContains(v.reason(), kSecret));
  }
  SECTION("a stale timestamp") {
    auto [id, stale] = send(R"(,"timestamp_offset_seconds":-612)");
    auto v = a.Verify(config, {{"stripe-signature", stale.first}}, stale.second,
                      absl::ToUnixSeconds(absl::Now()));
    CHECK(v.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(absl::StrContains(v.reason(), "Stripe-Signature: timestamp 61"));
    CHECK(absl::StrContains(v.reason(), "tolerance 300 s"));
  }
  SECTION("a missing header") {
    auto v = a.Verify(config, {}, body, now);
    CHECK(v.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
    CHECK(v.reason() == "Stripe-Signature: header missing");
  }
  SECTION("a malformed header") {
    for (const std::string& bad :
         {std::string("garbage"), std::string("t=abc,v1=00"),
          std::string("v1=") + signature.substr(signature.find("v1=") + 3)}) {
      INFO(bad);
      auto v = a.Verify(config, {{"stripe-signature", bad}}, body, now);
      CHECK(v.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
      CHECK(absl::StartsWith(v.reason(), "Stripe-Signature: malformed"));
    }
  }
  SECTION("several v1 signatures of which one is valid") {
    std::string t = signature.substr(0, signature.find(','));
    std::string v1 = signature.substr(signature.find("v1="));
    std::string several =
        absl::StrCat(t, ",v1=", std::string(64, '0'), ",", v1, ",v0=abc");
    auto v = a.Verify(config, {{"stripe-signature", several}}, body, now);
    CHECK(v.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
    // A body changed after signing matches none.
    auto changed =
        a.Verify(config, {{"stripe-signature", several}}, body + " ", now);
    CHECK(changed.verdict() == av1::WEBHOOK_VERDICT_REFUSED);
  }
}

TEST_CASE("Every generated Stripe object translates", "[stripe][read]") {
  StripeEmulator emu(kKey);
  emu.Generate(400);
  auto host = StartAdapter("stripe");
  std::map<std::string, int> seen;
  for (const char* type : {"customer", "product", "price", "subscription",
                           "invoice", "charge", "credit_note", "refund"}) {
    for (const Json& obj : emu.Objects(type)) {
      auto r = Translate(*host, type, adapter::DumpExactJson(obj));
      INFO(type << " " << obj["id"] << ": " << ToJson(r));
      CHECK((r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED ||
             r.outcome() == av1::TRANSLATION_OUTCOME_SKIPPED));
      ++seen[type];
    }
  }
  CHECK(seen["product"] == 3);
  CHECK(seen["customer"] > 50);
  CHECK(seen["credit_note"] > 5);
  int total = 0;
  for (const auto& [t, n] : seen) total += n;
  CHECK(total == 400);
}

TEST_CASE("The Stripe emulator loads the quick start's objects and events",
          "[stripe][read]") {
  StripeEmulator emu(
      kKey, std::string(REVHUB_PROTOS_DIR) + "/../examples/quickstart/stripe");
  Json subs = emu.Objects("subscription");
  REQUIRE(subs.size() == 1);
  Json events = emu.Get("/__control/events");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["data"]["object"] == subs[0]);
  CHECK(emu.Objects("customer").size() == 1);
  CHECK(emu.Objects("invoice").size() == 2);
}

}  // namespace
}  // namespace revhub::testing
