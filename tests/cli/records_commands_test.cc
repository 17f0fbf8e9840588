// Tests of `revhub records …`, run in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

TEST_CASE("records get prints details, or the payload", "[commands]") {
  Harness h;
  hubv1::GetRecordResponse answer;
  answer.mutable_record()->set_record_id(3);
  answer.mutable_record()->set_system("stripe");
  answer.mutable_record()->set_object_type("invoice");
  answer.mutable_record()->set_payload("{\"raw\": true}");
  answer.mutable_record()->set_size_bytes(13);
  answer.mutable_record()->set_status(hubv1::RECORD_STATUS_RECEIVED);
  h.hub.GetRecord_answers = {answer, answer, answer};
  hubv1::ReadRecordPayloadResponse chunk;
  chunk.set_offset(0);
  chunk.set_data("{\"raw\": true}");
  chunk.set_size_bytes(13);
  h.hub.ReadRecordPayload_chunks = {chunk};

  Result details = h.Run({"records", "get", "3"});
  REQUIRE(details.code == kExitOk);
  CHECK(h.hub.GetRecord_requests[0].record_id() == 3);
  CHECK_THAT(details.out, Catch::StartsWith("record:          3\n"));
  CHECK_THAT(details.out, Catch::Contains("status:          received\n"));
  CHECK_THAT(details.out, !Catch::Contains("raw"));

  Result payload = h.Run({"records", "get", "3", "--payload"});
  CHECK(payload.out == "{\"raw\": true}");
  // The bytes come from the payload stream, which reads any size.
  REQUIRE(h.hub.ReadRecordPayload_requests.size() == 1);
  CHECK(h.hub.ReadRecordPayload_requests[0].record_id() == 3);

  Result json = h.Run({"records", "get", "3", "--json"});
  CHECK(nlohmann::json::parse(json.out)["record"]["payload"] == "");
}

TEST_CASE("records show prints exceptions with their field paths",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::ShowRecordResponse s;
  s.mutable_record()->set_record_id(7);
  s.mutable_record()->set_status(hubv1::RECORD_STATUS_FAILED);
  auto* e = s.add_exceptions();
  e->set_exception_id(1);
  e->set_field_path("Name");
  e->set_reason("expected a string, got a number");
  hub.ShowRecord_answers.push_back(s);
  Result r = RunWith(hub, {"records", "show", "7"});
  CHECK(r.code == kExitOk);
  CHECK(hub.ShowRecord_requests.at(0).record_id() == 7);
  CHECK_THAT(r.out, Catch::Contains("Name: expected a string, got a number"));
  CHECK_THAT(r.out, Catch::Contains("failed"));
}

TEST_CASE("records replay takes an id, or --system with --failed, not both",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::ReplayRecordResponse one;
  one.mutable_outcome()->set_record_id(3);
  one.mutable_outcome()->set_status(hubv1::RECORD_STATUS_APPLIED);
  one.mutable_outcome()->set_entities_changed(1);
  hub.ReplayRecord_answers.push_back(one);
  Result r = RunWith(hub, {"records", "replay", "3"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("record 3: applied, 1 entity changed"));

  // Every FAILED record: an operation whose progress is followed.
  hubv1::StartReplayResponse started;
  started.mutable_operation()->set_operation_id("op_1");
  started.mutable_operation()->set_system("sf");
  started.mutable_operation()->set_state(hubv1::OPERATION_STATE_RUNNING);
  started.mutable_operation()->set_total(2);
  hub.StartReplay_answers.push_back(started);
  hubv1::GetOperationResponse finished;
  *finished.mutable_operation() = started.operation();
  finished.mutable_operation()->set_state(hubv1::OPERATION_STATE_SUCCEEDED);
  finished.mutable_operation()->set_done(2);
  finished.mutable_operation()->set_applied(2);
  hub.GetOperation_answers.push_back(finished);
  r = RunWith(hub, {"records", "replay", "--system", "sf", "--failed"});
  CHECK(r.code == kExitOk);
  CHECK(hub.StartReplay_requests.at(0).system() == "sf");
  CHECK(hub.GetOperation_requests.at(0).operation_id() == "op_1");
  CHECK_THAT(r.out, Catch::Contains("op_1 RUNNING sf: 0/2 replayed"));
  CHECK_THAT(
      r.out,
      Catch::Contains("op_1 SUCCEEDED sf: 2/2 replayed (2 applied, 0 failed)"));

  // --resume follows (and resumes) an operation by its id.
  hubv1::StartReplayResponse resumed;
  *resumed.mutable_operation() = finished.operation();
  hub.StartReplay_answers.push_back(resumed);
  r = RunWith(hub, {"records", "replay", "--resume", "op_1"});
  CHECK(r.code == kExitOk);
  CHECK(hub.StartReplay_requests.at(1).resume_operation_id() == "op_1");
  CHECK(hub.StartReplay_requests.at(1).system().empty());

  const int calls = hub.calls;
  CHECK(RunWith(hub, {"records", "replay"}).code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "3", "--failed", "--system", "x"})
            .code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "--failed"}).code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "--resume", "op_1", "--failed",
                      "--system", "x"})
            .code == kExitUsage);
  CHECK(hub.calls == calls);
}

TEST_CASE("records get --payload joins the chunks of a large payload",
          "[commands]") {
  Harness h;
  const std::string first(1 << 20, 'a');
  const std::string second = "tail";
  for (const auto& [offset, data] :
       std::vector<std::pair<int64_t, std::string>>{{0, first},
                                                    {1 << 20, second}}) {
    hubv1::ReadRecordPayloadResponse chunk;
    chunk.set_offset(offset);
    chunk.set_data(data);
    chunk.set_size_bytes(static_cast<int64_t>(first.size() + second.size()));
    h.hub.ReadRecordPayload_chunks.push_back(chunk);
  }
  Result payload = h.Run({"records", "get", "9", "--payload"});
  REQUIRE(payload.code == kExitOk);
  CHECK(payload.out == first + second);

  // With --json, the record whose payload GetRecord left out gets it from
  // the stream.
  hubv1::GetRecordResponse answer;
  answer.mutable_record()->set_record_id(9);
  answer.mutable_record()->set_size_bytes(
      static_cast<int64_t>(first.size() + second.size()));
  answer.set_payload_left_out(true);
  h.hub.GetRecord_answers = {answer};
  Result json = h.Run({"records", "get", "9", "--payload", "--json"});
  REQUIRE(json.code == kExitOk);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["record"]["payload"].get<std::string>().size() ==
        ((first.size() + second.size() + 2) / 3) * 4);  // base64
  CHECK(parsed["payloadLeftOut"] == false);

  // A stream that stops short is an error, not a short file.
  h.hub.ReadRecordPayload_chunks.pop_back();
  Result cut = h.Run({"records", "get", "9", "--payload"});
  CHECK(cut.code != kExitOk);
  CHECK_THAT(cut.err, Catch::Contains("DATA_LOSS"));
}

TEST_CASE("records get and list say why a record waits or was skipped",
          "[commands]") {
  Harness h;
  hubv1::GetRecordResponse waiting;
  auto* r = waiting.mutable_record();
  r->set_record_id(4);
  r->set_status(hubv1::RECORD_STATUS_WAITING);
  r->set_status_reason(
      "invoice.customer_id: refers to ENTITY_TYPE_CUSTOMER "
      "stripe/customer/cus_1, which the hub has not received");
  r->set_waiting_for_type(canonical::v1::ENTITY_TYPE_CUSTOMER);
  r->mutable_waiting_for()->set_system("stripe");
  r->mutable_waiting_for()->set_object_type("customer");
  r->mutable_waiting_for()->set_vendor_id("cus_1");
  r->mutable_waiting_since()->set_seconds(1767225600);  // 2026-01-01
  h.hub.GetRecord_answers = {waiting};
  Result got = h.Run({"records", "get", "4"});
  REQUIRE(got.code == kExitOk);
  CHECK_THAT(got.out, Catch::Contains("status:          waiting\n"));
  CHECK_THAT(got.out, Catch::Contains(
                          "waiting for:     customer stripe/customer/cus_1"));
  CHECK_THAT(got.out, Catch::Contains("waiting since:   2026-01-01"));
  CHECK_THAT(got.out, Catch::Contains("status reason:   invoice.customer_id"));

  hubv1::ListRecordsResponse page;
  *page.add_records() = waiting.record();
  auto* skipped = page.add_records();
  skipped->set_record_id(5);
  skipped->set_status(hubv1::RECORD_STATUS_SKIPPED);
  skipped->set_status_reason("Stripe object \"balance\" has no counterpart");
  h.hub.ListRecords_answers = {page};
  Result list = h.Run({"records", "list", "--status", "waiting"});
  REQUIRE(list.code == kExitOk);
  REQUIRE(h.hub.ListRecords_requests.size() == 1);
  CHECK(h.hub.ListRecords_requests[0].status() == hubv1::RECORD_STATUS_WAITING);
  CHECK_THAT(list.out, Catch::Contains("WHY"));
  CHECK_THAT(list.out,
             Catch::Contains("waits for customer stripe/customer/cus_1"));
  CHECK_THAT(list.out, Catch::Contains("has no counterpart"));
}

TEST_CASE("records show names the vendor field of a canonical error",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::ShowRecordResponse s;
  s.mutable_record()->set_record_id(8);
  s.mutable_record()->set_status(hubv1::RECORD_STATUS_FAILED);
  auto* e = s.add_exceptions();
  e->set_exception_id(2);
  e->set_field_path("contract.lines[0].quantity");
  e->set_vendor_field_path("items.data[0].quantity");
  e->set_reason("must not be negative");
  hub.ShowRecord_answers.push_back(s);
  Result r = RunWith(hub, {"records", "show", "8"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out,
             Catch::Contains("contract.lines[0].quantity: must not be negative "
                             "(vendor field items.data[0].quantity)"));
}

}  // namespace
}  // namespace revhub::cli
