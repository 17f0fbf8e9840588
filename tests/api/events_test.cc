#include <thread>

#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

// Reads `n` events from a Subscribe stream (or fewer when it ends).
std::vector<cv1::BusinessEvent> ReadEvents(
    grpc::ClientReader<v1::SubscribeResponse>* reader, int n) {
  std::vector<cv1::BusinessEvent> out;
  v1::SubscribeResponse msg;
  while (static_cast<int>(out.size()) < n && reader->Read(&msg))
    out.push_back(msg.event());
  return out;
}

TEST_CASE("every change appends its named event", "[events]") {
  Hub hub;
  auto acme = CreateCustomer(hub, "Acme", "a");
  auto req = Text<v1::UpsertContractRequest>(R"pb(
    contract {
      status: CONTRACT_STATUS_DRAFT
      currency_code: "EUR"
      lines {
        line_id: "L1"
        quantity { units: 1 }
        unit_price { currency_code: "EUR" units: 100 }
      }
    }
    correlation_id: "deal-42"
  )pb");
  req.mutable_contract()->set_customer_id(acme.id());
  v1::UpsertContractResponse draft, booked, amended, cancelled;
  REQUIRE(hub.contracts->UpsertContract(Ctx().get(), req, &draft).ok());
  req.mutable_contract()->set_id(draft.contract().id());
  req.mutable_contract()->set_status(cv1::CONTRACT_STATUS_ACTIVE);
  REQUIRE(hub.contracts->UpsertContract(Ctx().get(), req, &booked).ok());
  req.mutable_contract()->mutable_lines(0)->mutable_quantity()->set_units(2);
  REQUIRE(hub.contracts->UpsertContract(Ctx().get(), req, &amended).ok());
  req.mutable_contract()->set_status(cv1::CONTRACT_STATUS_CANCELLED);
  REQUIRE(hub.contracts->UpsertContract(Ctx().get(), req, &cancelled).ok());

  v1::ListEventsResponse log;
  REQUIRE(
      hub.events->ListEvents(Ctx().get(), v1::ListEventsRequest(), &log).ok());
  REQUIRE(log.events_size() == 5);
  CHECK(log.events(0).type() == cv1::EVENT_TYPE_CUSTOMER_CHANGED);
  CHECK(log.events(1).type() == cv1::EVENT_TYPE_CONTRACT_CHANGED);
  CHECK(log.events(2).type() == cv1::EVENT_TYPE_CONTRACT_BOOKED);
  CHECK(log.events(3).type() == cv1::EVENT_TYPE_CONTRACT_AMENDED);
  CHECK(log.events(3).contract_amended().previous_version() == 2);
  CHECK(log.events(4).type() == cv1::EVENT_TYPE_CONTRACT_CANCELLED);
  for (int i = 0; i < 5; ++i) CHECK(log.events(i).position() == i + 1);
  CHECK(log.events(2).correlation_id() == "deal-42");
  CHECK(log.events(2).subject().id() == draft.contract().id());
  CHECK(log.events(2).subject().version() == 2);
  CHECK(log.events(2).contract_booked().contract().version() == 2);
  // The caller is the authenticated principal: the fixture acts as admin.
  CHECK(log.events(2).principal() == "admin");
  CHECK(booked.event_position() == 3);

  SECTION("filtered by type") {
    v1::ListEventsRequest only;
    only.add_types(cv1::EVENT_TYPE_CONTRACT_BOOKED);
    only.add_types(cv1::EVENT_TYPE_CONTRACT_CANCELLED);
    v1::ListEventsResponse some;
    REQUIRE(hub.events->ListEvents(Ctx().get(), only, &some).ok());
    REQUIRE(some.events_size() == 2);
    CHECK(some.events(0).position() == 3);
    CHECK(some.events(1).position() == 5);
  }
}

TEST_CASE(
    "a subscription turns history into live events without gap or duplicate",
    "[events]") {
  Hub hub;
  for (int i = 0; i < 300; ++i)
    CreateCustomer(hub, "H" + std::to_string(i), "h" + std::to_string(i));

  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_from_position(1);
  auto reader = hub.events->Subscribe(&ctx, req);

  // Writers keep committing while the subscriber works through history.
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i)
      CreateCustomer(hub, "L" + std::to_string(i), "l" + std::to_string(i));
  });
  auto events = ReadEvents(reader.get(), 500);
  writer.join();
  REQUIRE(events.size() == 500);
  for (size_t i = 0; i < events.size(); ++i) {
    REQUIRE(events[i].position() == static_cast<int64_t>(i + 1));
  }
  // Nothing more is delivered than was written: a new write arrives next.
  CreateCustomer(hub, "after", "after");
  auto next = ReadEvents(reader.get(), 1);
  REQUIRE(next.size() == 1);
  CHECK(next[0].position() == 501);
  ctx.TryCancel();
  reader->Finish();
}

TEST_CASE("a type filter and live_only", "[events]") {
  Hub hub;
  CreateCustomer(hub, "Old", "old");
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_live_only(true);
  req.add_types(cv1::EVENT_TYPE_PRODUCT_CHANGED);
  auto reader = hub.events->Subscribe(&ctx, req);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CreateCustomer(hub, "Skipped", "skipped");
  v1::UpsertProductRequest p;
  p.mutable_product()->set_name("Platform");
  v1::UpsertProductResponse pr;
  REQUIRE(hub.products->UpsertProduct(Ctx().get(), p, &pr).ok());
  auto got = ReadEvents(reader.get(), 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].type() == cv1::EVENT_TYPE_PRODUCT_CHANGED);
  CHECK(got[0].position() == 3);
  ctx.TryCancel();
  reader->Finish();
}

TEST_CASE("a durable consumer resumes after its acknowledged position",
          "[events]") {
  Hub hub;
  for (int i = 0; i < 10; ++i)
    CreateCustomer(hub, "C" + std::to_string(i), "c" + std::to_string(i));
  {
    grpc::ClientContext ctx;
    v1::SubscribeRequest req;
    req.set_consumer("erp-sync");
    auto reader = hub.events->Subscribe(&ctx, req);
    auto got = ReadEvents(reader.get(), 4);
    REQUIRE(got.size() == 4);
    CHECK(got[0].position() == 1);
    v1::AcknowledgeEventsRequest ack;
    ack.set_consumer("erp-sync");
    ack.set_position(got.back().position());
    v1::AcknowledgeEventsResponse ackr;
    REQUIRE(hub.events->AcknowledgeEvents(Ctx().get(), ack, &ackr).ok());
    CHECK(ackr.consumer().acknowledged_position() == 4);
    ack.set_position(2);  // older: changes nothing
    REQUIRE(hub.events->AcknowledgeEvents(Ctx().get(), ack, &ackr).ok());
    CHECK(ackr.consumer().acknowledged_position() == 4);
    ack.set_position(99);
    auto st = hub.events->AcknowledgeEvents(Ctx().get(), ack, &ackr);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "position: 99 is beyond the last event (10)");
    ack.set_consumer("revenue-engine");
    ack.set_position(1);
    st = hub.events->AcknowledgeEvents(Ctx().get(), ack, &ackr);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "consumer: \"revenue-engine\" is one of the hub's own consumers; "
          "only its work moves it");
    ack.set_consumer("orchestrator");
    st = hub.events->AcknowledgeEvents(Ctx().get(), ack, &ackr);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "consumer: \"orchestrator\" is one of the hub's own consumers; "
          "only its work moves it");
    ctx.TryCancel();
    reader->Finish();
  }
  hub.Restart();
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_consumer("erp-sync");
  auto reader = hub.events->Subscribe(&ctx, req);
  auto got = ReadEvents(reader.get(), 6);
  REQUIRE(got.size() == 6);
  CHECK(got.front().position() == 5);
  CHECK(got.back().position() == 10);
  v1::GetConsumerRequest g;
  g.set_consumer("erp-sync");
  v1::GetConsumerResponse gr;
  REQUIRE(hub.events->GetConsumer(Ctx().get(), g, &gr).ok());
  CHECK(gr.consumer().acknowledged_position() == 4);
  ctx.TryCancel();
  reader->Finish();
}

TEST_CASE(
    "max_batch: history in full batches, then live events as they come, "
    "each exactly once in position order",
    "[events][batch]") {
  Hub hub;
  for (int i = 0; i < 25; ++i) {
    CreateCustomer(hub, "Before " + std::to_string(i), "b" + std::to_string(i));
  }
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_max_batch(10);
  auto reader = hub.events->Subscribe(&ctx, req);
  std::vector<int> sizes;
  std::vector<cv1::BusinessEvent> got;
  v1::SubscribeResponse msg;
  while (got.size() < 25 && reader->Read(&msg)) {
    CHECK_FALSE(msg.has_event());  // batches use `events`
    sizes.push_back(msg.events_size());
    for (const auto& e : msg.events()) got.push_back(e);
  }
  // 25 stored events: two full batches and the rest.
  CHECK(sizes == std::vector<int>{10, 10, 5});
  CreateCustomer(hub, "Live", "live");
  REQUIRE(reader->Read(&msg));
  REQUIRE(msg.events_size() == 1);
  got.push_back(msg.events(0));
  REQUIRE(got.size() == 26);
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].position() == static_cast<int64_t>(i + 1));
    CHECK(got[i].type() == cv1::EVENT_TYPE_CUSTOMER_CHANGED);
  }
  CHECK(got.back().customer_changed().customer().name() == "Live");
  ctx.TryCancel();
  reader->Finish();

  // Out of range: named, with the range.
  grpc::ClientContext bad_ctx;
  v1::SubscribeRequest bad;
  bad.set_max_batch(1001);
  auto bad_reader = hub.events->Subscribe(&bad_ctx, bad);
  CHECK_FALSE(bad_reader->Read(&msg));
  auto st = bad_reader->Finish();
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "max_batch: 1001 is not within 0 to 1000");
}

TEST_CASE("the hub stops cleanly with subscribers attached", "[events]") {
  Hub hub;
  grpc::ClientContext ctx;
  auto reader = hub.events->Subscribe(&ctx, v1::SubscribeRequest());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(hub.process->Stop() == 0);
  v1::SubscribeResponse msg;
  CHECK_FALSE(reader->Read(&msg));
  auto st = reader->Finish();
  CHECK(st.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(st.error_message() ==
        "revhubd is shutting down; resubscribe from the next position");
}

}  // namespace
}  // namespace revhub::testing
