// IngestService.IngestStream through a real revhubd: answers in order with
// ids readable through the API, a bad message answered alone, duplicates
// as Ingest answers them, flow control against a producer that never
// reads, half-close, per-system permissions, the stream's audit row, and
// acknowledged records kept across a kill -9.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/sdk/http_client.h"
#include "revhub/hub/v1/audit_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

using Stream =
    grpc::ClientReaderWriter<v1::IngestStreamRequest, v1::IngestStreamResponse>;

v1::IngestStreamRequest Message(const std::string& system,
                                const std::string& payload,
                                const std::string& key = "") {
  v1::IngestStreamRequest m;
  m.mutable_record()->set_system(system);
  m.mutable_record()->set_object_type("invoice");
  m.mutable_record()->set_payload(payload);
  m.mutable_record()->set_idempotency_key(key);
  return m;
}

std::string Invoice(int i, size_t pad = 0) {
  return absl::StrCat(R"({"id":"in_)", i, R"(","object":"invoice","pad":")",
                      std::string(pad, 'x'), R"("})");
}

// Sends `messages`, half-closes, and returns every answer and the status.
struct Outcome {
  std::vector<v1::IngestStreamResponse> answers;
  grpc::Status status;
};
Outcome SendAll(v1::IngestService::Stub& stub,
                const std::vector<v1::IngestStreamRequest>& messages) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  std::unique_ptr<Stream> stream = stub.IngestStream(&ctx);
  std::thread writer([&] {
    for (const auto& m : messages) {
      if (!stream->Write(m)) break;
    }
    stream->WritesDone();
  });
  Outcome out;
  v1::IngestStreamResponse r;
  while (stream->Read(&r)) out.answers.push_back(r);
  writer.join();
  out.status = stream->Finish();
  return out;
}

// The value of an unlabelled sample of the hub's /metrics.
double Gauge(const std::string& http, const std::string& name) {
  adapter::HttpRequest req;
  req.url = absl::StrCat("http://", http, "/metrics");
  auto resp = adapter::SendHttp(req);
  REQUIRE(resp.ok());
  REQUIRE(resp->status == 200);
  for (absl::string_view line : absl::StrSplit(resp->body, '\n')) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    double v = 0;
    if (parts.size() == 2 && parts[0] == name &&
        absl::SimpleAtod(parts[1], &v)) {
      return v;
    }
  }
  FAIL("no sample " << name << " in /metrics");
  return -1;
}

TEST_CASE("IngestStream answers every message in order, once stored",
          "[ingest_stream]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  constexpr int kMessages = 2000;
  std::vector<v1::IngestStreamRequest> messages;
  for (int i = 0; i < kMessages; ++i) {
    messages.push_back(
        Message("stripe", Invoice(i, 1000), absl::StrCat("evt_", i)));
  }
  Outcome out = SendAll(*hub.ingest, messages);
  REQUIRE_GRPC_OK(out.status);
  REQUIRE(out.answers.size() == kMessages);
  int64_t last_id = 0;
  for (int i = 0; i < kMessages; ++i) {
    const auto& a = out.answers[i];
    INFO("answer " << i << ": " << a.ShortDebugString());
    REQUIRE(a.sequence() == i + 1);
    REQUIRE(a.has_stored());
    CHECK_FALSE(a.stored().duplicate());
    CHECK(a.stored().record_id() > last_id);
    CHECK(a.stored().received_at().seconds() > 0);
    last_id = a.stored().record_id();
  }
  // Every answered id is a stored record with the message's bytes.
  for (int i = 0; i < kMessages; i += 7) {
    v1::GetRecordRequest get;
    get.set_record_id(out.answers[i].stored().record_id());
    v1::GetRecordResponse got;
    REQUIRE_GRPC_OK(hub.ingest->GetRecord(Ctx().get(), get, &got));
    CHECK(got.record().payload() == messages[i].record().payload());
    CHECK(got.record().idempotency_key() == absl::StrCat("evt_", i));
    CHECK(got.record().principal() == "admin");
    CHECK(got.record().status() != v1::RECORD_STATUS_UNSPECIFIED);
  }
  v1::ListRecordsRequest list;
  list.set_page_size(500);
  int listed = 0;
  do {
    v1::ListRecordsResponse page;
    REQUIRE_GRPC_OK(hub.ingest->ListRecords(Ctx().get(), list, &page));
    listed += page.records_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  CHECK(listed == kMessages);
}

TEST_CASE("a bad message is answered with its own error; the stream goes on",
          "[ingest_stream]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  std::vector<v1::IngestStreamRequest> messages;
  messages.push_back(Message("stripe", Invoice(1)));
  messages.push_back(Message("stripe", ""));  // empty payload
  v1::IngestStreamRequest no_type = Message("stripe", Invoice(2));
  no_type.mutable_record()->clear_object_type();
  messages.push_back(no_type);
  messages.push_back(Message("nowhere", Invoice(3)));
  messages.push_back(v1::IngestStreamRequest());  // no record at all
  messages.push_back(Message("stripe", Invoice(4), std::string(300, 'k')));
  messages.push_back(Message("stripe", Invoice(5)));
  Outcome out = SendAll(*hub.ingest, messages);
  REQUIRE_GRPC_OK(out.status);
  REQUIRE(out.answers.size() == messages.size());
  auto error = [&](int i) {
    INFO("answer " << i << ": " << out.answers[i].ShortDebugString());
    REQUIRE(out.answers[i].has_error());
    return out.answers[i].error();
  };
  CHECK(out.answers[0].stored().record_id() == 1);
  CHECK(error(1).code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(error(1).message() == "payload: is empty");
  CHECK(error(2).message() ==
        "object_type: is required (the vendor's object name, e.g. "
        "\"invoice\")");
  CHECK(error(3).code() == grpc::StatusCode::NOT_FOUND);
  CHECK(error(3).message() == "system: \"nowhere\" is not a registered system");
  CHECK(error(4).message() == "record: is required");
  CHECK(error(5).message() ==
        "idempotency_key: must be at most 256 characters");
  REQUIRE(out.answers[6].has_stored());
  CHECK(out.answers[6].stored().record_id() == 2);
  for (size_t i = 0; i < out.answers.size(); ++i) {
    CHECK(out.answers[i].sequence() == static_cast<int64_t>(i + 1));
  }

  // One audit row for the whole stream.
  auto audit = v1::AuditService::NewStub(hub.process->channel());
  v1::ListAuditRecordsRequest req;
  req.set_method("IngestStream");
  v1::ListAuditRecordsResponse rows;
  REQUIRE_GRPC_OK(audit->ListAuditRecords(Ctx().get(), req, &rows));
  REQUIRE(rows.records_size() == 1);
  std::map<std::string, std::vector<std::string>> targets;
  for (const auto& t : rows.records(0).targets()) {
    targets[t.field()].push_back(t.value());
  }
  CHECK(rows.records(0).code() == 0);
  CHECK(rows.records(0).principal() == "admin");
  CHECK(targets["messages"] == std::vector<std::string>{"7"});
  CHECK(targets["record.system"] ==
        std::vector<std::string>{"stripe", "nowhere"});
  CHECK(rows.records(0).request_sha256().size() == 64);
}

TEST_CASE("a resent record is a duplicate, as Ingest answers it",
          "[ingest_stream]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  v1::IngestResponse unary;
  REQUIRE_GRPC_OK(hub.ingest->Ingest(
      Ctx().get(), Message("stripe", Invoice(1), "evt_1").record(), &unary));

  std::vector<v1::IngestStreamRequest> messages = {
      Message("stripe", Invoice(1), "evt_1"),  // Ingest stored it
      Message("stripe", Invoice(9), "evt_1"),  // same key, other bytes
      Message("stripe", Invoice(2)),           // new, keyed by its hash
      Message("stripe", Invoice(2)),           // the same bytes again
  };
  Outcome out = SendAll(*hub.ingest, messages);
  REQUIRE_GRPC_OK(out.status);
  REQUIRE(out.answers.size() == 4);
  REQUIRE(out.answers[0].has_stored());
  CHECK(out.answers[0].stored().duplicate());
  CHECK(out.answers[0].stored().record_id() == unary.record_id());
  CHECK(out.answers[0].stored().received_at().seconds() ==
        unary.received_at().seconds());
  CHECK(out.answers[0].stored().received_at().nanos() ==
        unary.received_at().nanos());

  // Ingest refuses the reused key with the same code and words.
  v1::IngestResponse refused;
  grpc::Status st =
      hub.ingest->Ingest(Ctx().get(), messages[1].record(), &refused);
  REQUIRE(out.answers[1].has_error());
  CHECK(out.answers[1].error().code() == st.error_code());
  CHECK(out.answers[1].error().message() == st.error_message());
  CHECK(st.error_message() ==
        "idempotency_key: \"evt_1\" was already used for a different payload "
        "(record 1)");

  REQUIRE(out.answers[2].has_stored());
  REQUIRE(out.answers[3].has_stored());
  CHECK_FALSE(out.answers[2].stored().duplicate());
  CHECK(out.answers[3].stored().duplicate());
  CHECK(out.answers[3].stored().record_id() ==
        out.answers[2].stored().record_id());
  v1::IngestResponse again;
  REQUIRE_GRPC_OK(
      hub.ingest->Ingest(Ctx().get(), messages[2].record(), &again));
  CHECK(again.duplicate());
  CHECK(again.record_id() == out.answers[2].stored().record_id());
}

TEST_CASE("a producer that never reads answers stalls the stream",
          "[ingest_stream][flow]") {
  constexpr int kMaxInFlight = 32;
  constexpr int kMessages = 10000;
  Hub hub({"--ingest-stream-max-in-flight", std::to_string(kMaxInFlight),
           "--http-listen", "127.0.0.1:0"});
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  const std::string http = hub.process->http_address();
  REQUIRE_FALSE(http.empty());
  CHECK(Gauge(http, "revhub_ingest_stream_in_flight") == 0);

  // Without BDP probing the client's window for answers stays at HTTP/2's
  // initial 64 KiB, so answers it does not read back up into the hub
  // within the 10k messages. The hub's own receive window may grow to a few
  // MiB, so the messages are 8 KiB: 80 MiB in all, far more than gRPC's
  // windows hold.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stub = v1::IngestService::NewStub(grpc::CreateCustomChannel(
      hub.process->address(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization",
                  "Bearer " + ReadAdminToken(hub.process->data_dir()));
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(120));
  std::unique_ptr<Stream> stream = stub->IngestStream(&ctx);
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < kMessages; ++i) {
      if (!stream->Write(Message("stripe", Invoice(i, 8 << 10),
                                 absl::StrCat("evt_", i)))) {
        break;
      }
      ++written;
    }
    stream->WritesDone();
  });
  // Nothing is read until the producer has made no progress for a second.
  int last = -1;
  double highest = 0;
  for (int quiet = 0; quiet < 10 && last < kMessages;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int now = written.load();
    quiet = now == last ? quiet + 1 : 0;
    last = now;
    highest = std::max(highest, Gauge(http, "revhub_ingest_stream_in_flight"));
  }
  if (last >= kMessages) {  // the hub never stopped taking messages
    ctx.TryCancel();
    writer.join();
    FAIL("the producer wrote all " << kMessages << " messages unhindered");
  }
  const double in_flight = Gauge(http, "revhub_ingest_stream_in_flight");
  const double most = Gauge(http, "revhub_ingest_stream_in_flight_max");
  std::cout << "flow control: the producer stalled after " << last << " of "
            << kMessages << " messages; in flight " << in_flight
            << ", most in flight " << most << std::endl;
  CHECK(highest <= kMaxInFlight);  // never more held, all along
  CHECK(in_flight <= kMaxInFlight);
  CHECK(most == kMaxInFlight);  // the producer filled the window, no more

  // The hub's reading stopped: nothing more is stored while it waits.
  v1::ListRecordsRequest list;
  list.set_page_size(1);
  v1::ListRecordsResponse newest;
  REQUIRE_GRPC_OK(hub.ingest->ListRecords(Ctx().get(), list, &newest));
  REQUIRE(newest.records_size() == 1);
  const int64_t stored = newest.records(0).record_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE_GRPC_OK(hub.ingest->ListRecords(Ctx().get(), list, &newest));
  CHECK(newest.records(0).record_id() == stored);
  CHECK(stored < kMessages);

  // Reading the answers lets everything through, in order.
  v1::IngestStreamResponse r;
  int answered = 0;
  while (stream->Read(&r)) {
    ++answered;
    REQUIRE(r.sequence() == answered);
    REQUIRE(r.has_stored());
  }
  writer.join();
  REQUIRE_GRPC_OK(stream->Finish());
  CHECK(answered == kMessages);
  CHECK(Gauge(http, "revhub_ingest_stream_in_flight") == 0);
  CHECK(Gauge(http, "revhub_ingest_stream_in_flight_max") == kMaxInFlight);
}

TEST_CASE("a half-closed stream finishes once everything is answered",
          "[ingest_stream]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  SECTION("with messages") {
    grpc::ClientContext ctx;
    std::unique_ptr<Stream> stream = hub.ingest->IngestStream(&ctx);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(stream->Write(Message("stripe", Invoice(i))));
    }
    REQUIRE(stream->WritesDone());
    v1::IngestStreamResponse r;
    for (int i = 0; i < 3; ++i) {
      REQUIRE(stream->Read(&r));
      CHECK(r.sequence() == i + 1);
      CHECK(r.stored().record_id() == i + 1);
    }
    CHECK_FALSE(stream->Read(&r));
    REQUIRE_GRPC_OK(stream->Finish());
  }
  SECTION("without any") {
    grpc::ClientContext ctx;
    std::unique_ptr<Stream> stream = hub.ingest->IngestStream(&ctx);
    REQUIRE(stream->WritesDone());
    v1::IngestStreamResponse r;
    CHECK_FALSE(stream->Read(&r));
    REQUIRE_GRPC_OK(stream->Finish());
  }
}

TEST_CASE("a system the caller may not write is refused per message",
          "[ingest_stream]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  RegisterSystem(hub, "salesforce", v1::SYSTEM_KIND_CRM);
  const std::string token =
      CreatePrincipal(hub.process->channel(), "stripe-writer",
                      v1::ROLE_INTEGRATION, {"stripe"});
  auto stub =
      v1::IngestService::NewStub(TokenChannel(hub.process->address(), token));
  Outcome out = SendAll(*stub, {Message("salesforce", Invoice(1)),
                                Message("stripe", Invoice(2))});
  REQUIRE_GRPC_OK(out.status);
  REQUIRE(out.answers.size() == 2);
  REQUIRE(out.answers[0].has_error());
  CHECK(out.answers[0].error().code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(out.answers[0].error().message().find("salesforce") !=
        std::string::npos);
  REQUIRE(out.answers[1].has_stored());

  // A role that may not ingest at all is refused the whole stream.
  const std::string auditor =
      CreatePrincipal(hub.process->channel(), "auditor", v1::ROLE_AUDITOR);
  auto refused =
      v1::IngestService::NewStub(TokenChannel(hub.process->address(), auditor));
  Outcome denied = SendAll(*refused, {Message("stripe", Invoice(3))});
  CHECK(denied.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(denied.answers.empty());
}

TEST_CASE("acknowledged records survive a kill -9 of the hub",
          "[ingest_stream][crash]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  constexpr int kMessages = 20000;
  std::vector<v1::IngestStreamRequest> messages;
  for (int i = 0; i < kMessages; ++i) {
    messages.push_back(
        Message("stripe", Invoice(i, 1000), absl::StrCat("evt_", i)));
  }
  std::map<int, int64_t> acked;  // message index -> record id
  {
    grpc::ClientContext ctx;
    std::unique_ptr<Stream> stream = hub.ingest->IngestStream(&ctx);
    std::thread writer([&] {
      for (const auto& m : messages) {
        if (!stream->Write(m)) break;
      }
      stream->WritesDone();
    });
    v1::IngestStreamResponse r;
    while (stream->Read(&r)) {
      REQUIRE(r.has_stored());
      acked[static_cast<int>(r.sequence()) - 1] = r.stored().record_id();
      // Killed mid-stream, with messages read and not yet committed.
      if (acked.size() == 1500) hub.process->Kill();
    }
    writer.join();
    CHECK_FALSE(stream->Finish().ok());
  }
  REQUIRE(acked.size() >= 1500);
  REQUIRE(acked.size() < kMessages);
  hub.Start();
  for (const auto& [i, id] : acked) {
    v1::GetRecordRequest get;
    get.set_record_id(id);
    v1::GetRecordResponse got;
    grpc::Status st = hub.ingest->GetRecord(Ctx().get(), get, &got);
    INFO("message " << i << ", record " << id);
    REQUIRE_GRPC_OK(st);
    REQUIRE(got.record().payload() == messages[i].record().payload());
    REQUIRE(got.record().idempotency_key() == absl::StrCat("evt_", i));
  }
  // Sending everything again stores the rest and repeats the answers given.
  Outcome again = SendAll(*hub.ingest, messages);
  REQUIRE_GRPC_OK(again.status);
  REQUIRE(again.answers.size() == kMessages);
  for (const auto& [i, id] : acked) {
    REQUIRE(again.answers[i].stored().duplicate());
    REQUIRE(again.answers[i].stored().record_id() == id);
  }
}

}  // namespace
}  // namespace revhub::testing
