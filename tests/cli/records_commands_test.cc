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

  Result details = h.Run({"records", "get", "3"});
  REQUIRE(details.code == kExitOk);
  CHECK(h.hub.GetRecord_requests[0].record_id() == 3);
  CHECK_THAT(details.out, Catch::StartsWith("record:          3\n"));
  CHECK_THAT(details.out, Catch::Contains("status:          received\n"));
  CHECK_THAT(details.out, !Catch::Contains("raw"));

  Result payload = h.Run({"records", "get", "3", "--payload"});
  CHECK(payload.out == "{\"raw\": true}");

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

  hubv1::ReplayFailedRecordsResponse all;
  all.set_applied(2);
  hub.ReplayFailedRecords_answers.push_back(all);
  r = RunWith(hub, {"records", "replay", "--system", "sf", "--failed"});
  CHECK(r.code == kExitOk);
  CHECK(hub.ReplayFailedRecords_requests.at(0).system() == "sf");
  CHECK_THAT(r.out, Catch::Contains("2 applied"));

  const int calls = hub.calls;
  CHECK(RunWith(hub, {"records", "replay"}).code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "3", "--failed", "--system", "x"})
            .code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "--failed"}).code == kExitUsage);
  CHECK(hub.calls == calls);
}

}  // namespace
}  // namespace revhub::cli
