// Tests of `revhub events …`, run in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "hub/cli/events_format.h"
#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;
using namespace ::revhub::cli::fixtures;  // NOLINT

canon::BusinessEvent EventAt(int64_t position, canon::EventType type) {
  canon::BusinessEvent event;
  event.set_position(position);
  event.set_type(type);
  event.set_event_id("evt_" + std::to_string(position));
  event.mutable_subject()->set_entity_type(canon::ENTITY_TYPE_CUSTOMER);
  event.mutable_subject()->set_id("cus_1");
  event.mutable_subject()->set_version(position);
  return event;
}

TEST_CASE("events tail reads the log page by page and stops", "[commands]") {
  Harness h;
  hubv1::ListEventsResponse first;
  *first.add_events() = EventAt(5, canon::EVENT_TYPE_CUSTOMER_CHANGED);
  *first.add_events() = EventAt(6, canon::EVENT_TYPE_CONTRACT_BOOKED);
  first.set_next_position(7);
  hubv1::ListEventsResponse second;
  *second.add_events() = EventAt(7, canon::EVENT_TYPE_CONTRACT_BOOKED);

  SECTION("from a position, filtered, as a table") {
    h.hub.ListEvents_answers = {first, second};
    Result r = h.Run({"events", "tail", "--from", "5", "--type",
                      "contract_booked", "--type", "customer-changed"});
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.ListEvents_requests.size() == 2);
    CHECK(h.hub.ListEvents_requests[0].from_position() == 5);
    CHECK(h.hub.ListEvents_requests[1].from_position() == 7);
    REQUIRE(h.hub.ListEvents_requests[0].types_size() == 2);
    CHECK(h.hub.ListEvents_requests[0].types(0) ==
          canon::EVENT_TYPE_CONTRACT_BOOKED);
    CHECK(h.hub.ListEvents_requests[0].types(1) ==
          canon::EVENT_TYPE_CUSTOMER_CHANGED);
    CHECK(h.hub.Subscribe_requests.empty());
    CHECK(r.out ==
          "POSITION  RECORDED  TYPE              SUBJECT            SOURCE  "
          "PRINCIPAL\n"
          "       5  -         customer_changed  customer cus_1 v5  -       -\n"
          "       6  -         contract_booked   customer cus_1 v6  -       -\n"
          "       7  -         contract_booked   customer cus_1 v7  -       "
          "-\n");
  }
  SECTION("json: one event per line") {
    h.hub.ListEvents_answers = {first, second};
    Result r = h.Run({"events", "tail", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.ListEvents_requests[0].from_position() == 1);
    std::istringstream lines(r.out);
    std::vector<nlohmann::json> events;
    for (std::string line; std::getline(lines, line);) {
      events.push_back(nlohmann::json::parse(line));
    }
    REQUIRE(events.size() == 3);
    CHECK(events[0]["position"] == "5");
    CHECK(events[2]["type"] == "EVENT_TYPE_CONTRACT_BOOKED");
  }
  SECTION("a consumer resumes after its acknowledged position") {
    hubv1::GetConsumerResponse consumer;
    consumer.mutable_consumer()->set_name("billing-sync");
    consumer.mutable_consumer()->set_acknowledged_position(4);
    h.hub.GetConsumer_answers = {consumer};
    h.hub.ListEvents_answers = {first, second};
    REQUIRE(h.Run({"events", "tail", "--consumer", "billing-sync"}).code ==
            kExitOk);
    CHECK(h.hub.GetConsumer_requests[0].consumer() == "billing-sync");
    CHECK(h.hub.ListEvents_requests[0].from_position() == 5);
  }
  SECTION("a consumer never seen starts at the beginning") {
    h.hub.GetConsumer_answers = {absl::NotFoundError("no consumer x")};
    h.hub.ListEvents_answers = {hubv1::ListEventsResponse()};
    Result r = h.Run({"events", "tail", "--consumer", "x"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.ListEvents_requests[0].from_position() == 1);
    CHECK(r.out == "no events\n");
  }
  SECTION("a position that does not advance is an error, not a loop") {
    hubv1::ListEventsResponse stuck;
    stuck.set_next_position(3);
    h.hub.ListEvents_answers = {stuck};
    Result r = h.Run({"events", "tail", "--from", "3"});
    CHECK(r.code == kExitServerError);
    CHECK_THAT(r.err, Catch::StartsWith("revhub: INTERNAL: the hub's next"));
  }
}

TEST_CASE("events tail --follow subscribes and streams", "[commands]") {
  Harness h;
  for (int64_t position : {1, 2}) {
    hubv1::SubscribeResponse response;
    *response.mutable_event() =
        EventAt(position, canon::EVENT_TYPE_CUSTOMER_CHANGED);
    h.hub.Subscribe_events.push_back(response);
  }
  SECTION("until the stream ends") {
    Result r = h.Run({"events", "tail", "--follow", "--from", "1", "--type",
                      "customer_changed", "--consumer", "audit", "--json"});
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.Subscribe_requests.size() == 1);
    const hubv1::SubscribeRequest& sent = h.hub.Subscribe_requests[0];
    CHECK(sent.from_position() == 1);
    CHECK(sent.consumer() == "audit");
    CHECK(sent.types(0) == canon::EVENT_TYPE_CUSTOMER_CHANGED);
    CHECK_FALSE(sent.live_only());
    CHECK(h.hub.ListEvents_requests.empty());
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
  }
  SECTION("--timeout ends following normally") {
    h.hub.Subscribe_end = absl::DeadlineExceededError("deadline");
    Result r = h.Run({"--timeout", "1", "events", "tail", "-f", "--live-only"});
    CHECK(r.code == kExitOk);
    CHECK(h.hub.Subscribe_requests[0].live_only());
    CHECK(h.hub.Subscribe_requests[0].from_position() == 0);
    CHECK_THAT(r.out, Catch::StartsWith("POSITION  RECORDED"));
  }
  SECTION("a broken stream is an error") {
    h.hub.Subscribe_end = absl::UnavailableError("hub shutting down");
    Result r = h.Run({"events", "tail", "--follow"});
    CHECK(r.code == kExitUnreachable);
    CHECK_THAT(r.err,
               Catch::StartsWith("revhub: UNAVAILABLE: hub shutting down\n"));
  }
}

TEST_CASE("events ack and consumer", "[commands]") {
  Harness h;
  hubv1::AcknowledgeEventsResponse acked;
  acked.mutable_consumer()->set_name("billing-sync");
  acked.mutable_consumer()->set_acknowledged_position(42);
  h.hub.AcknowledgeEvents_answers.push_back(acked);
  Result r = h.Run(
      {"events", "ack", "--consumer", "billing-sync", "--position", "42"});
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.AcknowledgeEvents_requests[0].consumer() == "billing-sync");
  CHECK(h.hub.AcknowledgeEvents_requests[0].position() == 42);
  CHECK_THAT(r.out, Catch::Contains("acknowledged position: 42\n"));

  hubv1::GetConsumerResponse got;
  *got.mutable_consumer() = acked.consumer();
  h.hub.GetConsumer_answers.push_back(got);
  Result json = h.Run({"events", "consumer", "billing-sync", "--json"});
  CHECK(nlohmann::json::parse(json.out)["consumer"]["acknowledgedPosition"] ==
        "42");
}

TEST_CASE("Event lines keep columns across a stream", "[format]") {
  canon::BusinessEvent event;
  event.set_position(42);
  event.set_type(canon::EVENT_TYPE_CONTRACT_BOOKED);
  event.mutable_subject()->set_entity_type(canon::ENTITY_TYPE_CONTRACT);
  event.mutable_subject()->set_id("ctr_1");
  event.mutable_subject()->set_version(1);
  event.set_source_system("sf-prod");
  event.set_principal("alice");
  *event.mutable_recorded_at() = At(1735689600);
  std::string line = RenderEventLine(event);
  std::string header = RenderEventLineHeader();
  CHECK(line.find("contract_booked") == header.find("TYPE"));
  CHECK(line.find("contract ctr_1 v1") == header.find("SUBJECT"));
  CHECK(line.find("alice") == header.find("PRINCIPAL"));
  CHECK(line.substr(0, 8) == "      42");
  CHECK(RenderEventTable({event}) ==
        "POSITION  RECORDED              TYPE             SUBJECT            "
        "SOURCE   PRINCIPAL\n"
        "      42  2025-01-01T00:00:00Z  contract_booked  contract ctr_1 v1  "
        "sf-prod  alice\n");
}

}  // namespace
}  // namespace revhub::cli
