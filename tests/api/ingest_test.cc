#include <cstdint>
#include <string>
#include <vector>

#include "hub/common/util.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

v1::IngestRequest Payload(const std::string& system, const std::string& body,
                          const std::string& key = "") {
  v1::IngestRequest r;
  r.set_system(system);
  r.set_object_type("invoice");
  r.set_payload(body);
  r.set_idempotency_key(key);
  return r;
}

TEST_CASE("raw records are stored before the reply and deduplicated",
          "[ingest]") {
  Hub hub;
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  const std::string body =
      R"({"id":"in_1","object":"invoice","amount_due":1999,"currency":"usd"})";
  v1::IngestResponse first, again;
  REQUIRE(
      hub.ingest->Ingest(Ctx().get(), Payload("stripe", body, "evt_1"), &first)
          .ok());
  CHECK(first.record_id() == 1);
  CHECK_FALSE(first.duplicate());
  REQUIRE(
      hub.ingest->Ingest(Ctx().get(), Payload("stripe", body, "evt_1"), &again)
          .ok());
  CHECK(again.duplicate());
  CHECK(again.record_id() == first.record_id());

  SECTION("same key, different payload is refused") {
    v1::IngestResponse r;
    auto st =
        hub.ingest->Ingest(Ctx().get(), Payload("stripe", "{}", "evt_1"), &r);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "idempotency_key: \"evt_1\" was already used for a different payload "
          "(record 1)");
  }
  SECTION("without a key a byte-identical resend is a duplicate") {
    v1::IngestResponse a, b, c;
    REQUIRE(hub.ingest->Ingest(Ctx().get(), Payload("stripe", "{\"x\":1}"), &a)
                .ok());
    REQUIRE(hub.ingest->Ingest(Ctx().get(), Payload("stripe", "{\"x\":1}"), &b)
                .ok());
    REQUIRE(hub.ingest->Ingest(Ctx().get(), Payload("stripe", "{\"x\":2}"), &c)
                .ok());
    CHECK(b.duplicate());
    CHECK_FALSE(c.duplicate());
    CHECK(c.record_id() == a.record_id() + 1);
  }
  SECTION("the record is kept byte for byte, and listed") {
    v1::GetRecordRequest g;
    g.set_record_id(first.record_id());
    v1::GetRecordResponse got;
    REQUIRE(hub.ingest->GetRecord(Ctx().get(), g, &got).ok());
    CHECK(got.record().payload() == body);
    CHECK(got.record().system() == "stripe");
    CHECK(got.record().object_type() == "invoice");
    CHECK(got.record().content_type() == "application/json");
    CHECK(got.record().status() == v1::RECORD_STATUS_RECEIVED);
    CHECK(got.record().size_bytes() == static_cast<int64_t>(body.size()));
    CHECK(got.record().payload_sha256().size() == 64);
    v1::ListRecordsRequest l;
    l.set_system("stripe");
    v1::ListRecordsResponse listed;
    REQUIRE(hub.ingest->ListRecords(Ctx().get(), l, &listed).ok());
    REQUIRE(listed.records_size() == 1);
    CHECK(listed.records(0).payload().empty());  // lists leave payloads out
  }
  SECTION("records survive a restart") {
    hub.Restart();
    v1::GetRecordRequest g;
    g.set_record_id(first.record_id());
    v1::GetRecordResponse got;
    REQUIRE(hub.ingest->GetRecord(Ctx().get(), g, &got).ok());
    CHECK(got.record().payload() == body);
  }
}

TEST_CASE("ingest refuses unknown and disabled systems and bad requests",
          "[ingest]") {
  Hub hub;
  v1::IngestResponse r;
  auto st = hub.ingest->Ingest(Ctx().get(), Payload("nobody", "{}"), &r);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(st.error_message() == "system: \"nobody\" is not a registered system");

  RegisterSystem(hub, "chargebee", v1::SYSTEM_KIND_BILLING);
  v1::DisableSystemRequest d;
  d.set_name("chargebee");
  d.set_reason("contract ended");
  v1::DisableSystemResponse dr;
  REQUIRE(hub.registry->DisableSystem(Ctx().get(), d, &dr).ok());
  st = hub.ingest->Ingest(Ctx().get(), Payload("chargebee", "{}"), &r);
  CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(st.error_message() ==
        "system: \"chargebee\" is disabled (contract ended); register it again "
        "to accept its payloads");

  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  st = hub.ingest->Ingest(Ctx().get(), Payload("stripe", ""), &r);
  CHECK(st.error_message() == "payload: is empty");
  auto no_type = Payload("stripe", "{}");
  no_type.clear_object_type();
  st = hub.ingest->Ingest(Ctx().get(), no_type, &r);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message().rfind("object_type: is required", 0) == 0);
}

// A payload of `size` bytes that is not one byte repeated.
std::string BigPayload(size_t size) {
  std::string out;
  out.reserve(size);
  uint32_t x = 2463534242u;
  while (out.size() < size) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out.push_back(static_cast<char>('a' + x % 26));
  }
  return out;
}

TEST_CASE(
    "a 6 MiB record is stored, left out of GetRecord and read back whole "
    "through ReadRecordPayload by a client with default limits",
    "[ingest][large]") {
  Hub hub;  // its stubs use a channel with gRPC's default limits
  RegisterSystem(hub, "stripe", v1::SYSTEM_KIND_BILLING);
  const std::string payload = BigPayload(6 << 20);
  v1::IngestResponse stored;
  REQUIRE_GRPC_OK(
      hub.ingest->Ingest(Ctx().get(), Payload("stripe", payload), &stored));

  v1::GetRecordRequest g;
  g.set_record_id(stored.record_id());
  v1::GetRecordResponse got;
  REQUIRE_GRPC_OK(hub.ingest->GetRecord(Ctx().get(), g, &got));
  CHECK(got.payload_left_out());
  CHECK(got.record().payload().empty());
  CHECK(got.record().size_bytes() == static_cast<int64_t>(payload.size()));
  CHECK(got.record().payload_sha256() == hub::Sha256Hex(payload));

  v1::ReadRecordPayloadRequest read;
  read.set_record_id(stored.record_id());
  auto ctx = Ctx();
  auto reader = hub.ingest->ReadRecordPayload(ctx.get(), read);
  v1::ReadRecordPayloadResponse chunk;
  std::string joined;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    CHECK(chunk.offset() == static_cast<int64_t>(joined.size()));
    CHECK(chunk.data().size() <= (1u << 20));
    CHECK(chunk.size_bytes() == static_cast<int64_t>(payload.size()));
    CHECK(chunk.payload_sha256() == got.record().payload_sha256());
    joined += chunk.data();
    ++chunks;
  }
  REQUIRE_GRPC_OK(reader->Finish());
  CHECK(chunks == 6);
  CHECK(joined.size() == payload.size());
  CHECK(hub::Sha256Hex(joined) == hub::Sha256Hex(payload));
  CHECK(joined == payload);

  SECTION("a small payload still comes with GetRecord, and in one chunk") {
    v1::IngestResponse small;
    REQUIRE_GRPC_OK(hub.ingest->Ingest(
        Ctx().get(), Payload("stripe", "{\"id\": 1}"), &small));
    g.set_record_id(small.record_id());
    REQUIRE_GRPC_OK(hub.ingest->GetRecord(Ctx().get(), g, &got));
    CHECK_FALSE(got.payload_left_out());
    CHECK(got.record().payload() == "{\"id\": 1}");
    read.set_record_id(small.record_id());
    auto small_ctx = Ctx();
    auto small_reader = hub.ingest->ReadRecordPayload(small_ctx.get(), read);
    std::vector<v1::ReadRecordPayloadResponse> all;
    while (small_reader->Read(&chunk)) all.push_back(chunk);
    REQUIRE_GRPC_OK(small_reader->Finish());
    REQUIRE(all.size() == 1);
    CHECK(all[0].data() == "{\"id\": 1}");
  }
  SECTION("an unknown record is NOT_FOUND, a bad id INVALID_ARGUMENT") {
    read.set_record_id(stored.record_id() + 100);
    auto missing_ctx = Ctx();
    auto missing = hub.ingest->ReadRecordPayload(missing_ctx.get(), read);
    while (missing->Read(&chunk)) {
    }
    CHECK(missing->Finish().error_code() == grpc::StatusCode::NOT_FOUND);
    read.set_record_id(0);
    auto bad_ctx = Ctx();
    auto bad = hub.ingest->ReadRecordPayload(bad_ctx.get(), read);
    while (bad->Read(&chunk)) {
    }
    grpc::Status st = bad->Finish();
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "record_id: must be positive");
  }
  SECTION("16 MiB is accepted, one byte more is refused naming payload") {
    v1::IngestResponse r;
    REQUIRE_GRPC_OK(hub.ingest->Ingest(
        Ctx().get(), Payload("stripe", BigPayload(16 << 20)), &r));
    grpc::Status st = hub.ingest->Ingest(
        Ctx().get(), Payload("stripe", BigPayload((16 << 20) + 1)), &r);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message().rfind("payload: ", 0) == 0);
  }
}

}  // namespace
}  // namespace revhub::testing
