// The Node HubSpot adapter used by the hub exactly like the C++ adapters:
// registered with a launch spec, started and supervised by revhubd, and fed
// through the ingest pipeline.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "tests/support/files.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

// Waits until the record leaves RECEIVED (or, given `until`, reaches that
// status); returns its status.
v1::RecordStatus Settle(
    v1::IngestService::Stub& ingest, int64_t id,
    v1::RecordStatus until = v1::RECORD_STATUS_UNSPECIFIED) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  v1::RecordStatus status = v1::RECORD_STATUS_RECEIVED;
  while (std::chrono::steady_clock::now() < deadline) {
    v1::GetRecordRequest req;
    req.set_record_id(id);
    v1::GetRecordResponse resp;
    REQUIRE(ingest.GetRecord(Ctx().get(), req, &resp).ok());
    status = resp.record().status();
    if (until == v1::RECORD_STATUS_UNSPECIFIED
            ? status != v1::RECORD_STATUS_RECEIVED
            : status == until) {
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status;
}

int64_t Ingest(Hub& hub, const std::string& type, const std::string& payload) {
  v1::IngestRequest req;
  req.set_system("hubspot");
  req.set_object_type(type);
  req.set_payload(payload);
  return CallOk(*hub.ingest, &v1::IngestService::Stub::Ingest, req).record_id();
}

TEST_CASE("the Node HubSpot adapter runs inside the hub's pipeline",
          "[pipeline][hubspot]") {
  Hub hub;
  auto pipeline = v1::PipelineService::NewStub(hub.process->channel());
  const std::string golden = SourceDir() + "/tests/adapters/golden/hubspot/";

  v1::RegisterSystemRequest reg = Text<v1::RegisterSystemRequest>(R"pb(
    system {
      name: "hubspot"
      kind: SYSTEM_KIND_CRM
      adapter { launch { command: "revhub-adapter-hubspot" } }
      config {
        fields {
          key: "portal_id"
          value { number_value: 147893286 }
        }
      }
      authoritative_for: ENTITY_TYPE_CUSTOMER
    }
  )pb");
  v1::RegisterSystemResponse registered;
  REQUIRE(hub.registry->RegisterSystem(Ctx().get(), reg, &registered).ok());

  // The hub started the adapter: Describe goes through it.
  v1::DescribeSystemAdapterRequest describe;
  describe.set_system("hubspot");
  v1::DescribeSystemAdapterResponse described;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  grpc::Status st;
  do {
    st = pipeline->DescribeSystemAdapter(Ctx().get(), describe, &described);
    if (st.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  REQUIRE(st.error_message() == "");
  CHECK(described.description().vendor() == "HubSpot");

  // A company becomes a customer.
  int64_t company =
      Ingest(hub, "companies", ReadFile(golden + "company_berlin.json"));
  REQUIRE(Settle(*hub.ingest, company) == v1::RECORD_STATUS_APPLIED);
  v1::GetCustomerRequest by_ref;
  by_ref.mutable_external_ref()->set_system("hubspot");
  by_ref.mutable_external_ref()->set_object_type("companies");
  by_ref.mutable_external_ref()->set_vendor_id("9001");
  v1::GetCustomerResponse customer;
  REQUIRE(hub.customers->GetCustomer(Ctx().get(), by_ref, &customer).ok());
  CHECK(customer.customer().name() == "Initech GmbH");

  // The closed-won deal names HubSpot products the hub does not know yet:
  // the record waits for the first, naming the canonical field path.
  int64_t deal = Ingest(
      hub, "deals", ReadFile(golden + "deal_closedwon_with_line_items.json"));
  REQUIRE(Settle(*hub.ingest, deal) == v1::RECORD_STATUS_WAITING);
  v1::ShowRecordRequest show;
  show.set_record_id(deal);
  v1::ShowRecordResponse shown;
  REQUIRE(pipeline->ShowRecord(Ctx().get(), show, &shown).ok());
  CHECK(shown.exceptions_size() == 0);
  CHECK(shown.record().status_reason().find("product_id") != std::string::npos);
  CHECK(shown.record().waiting_for_type() == cv1::ENTITY_TYPE_PRODUCT);

  // The products arrive (here through the API, with HubSpot's ids): each
  // upsert releases the deal, which waits for the next and is then applied
  // by itself; a replay applies nothing twice.
  for (const char* product_id : {"3001", "3002"}) {
    v1::UpsertProductRequest p;
    p.mutable_product()->set_name(std::string("HubSpot product ") + product_id);
    p.mutable_product()->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
    auto* ref = p.mutable_product()->add_external_refs();
    ref->set_system("hubspot");
    ref->set_object_type("products");
    ref->set_vendor_id(product_id);
    v1::UpsertProductResponse pr;
    REQUIRE(hub.products->UpsertProduct(Ctx().get(), p, &pr).ok());
  }
  REQUIRE(Settle(*hub.ingest, deal, v1::RECORD_STATUS_APPLIED) ==
          v1::RECORD_STATUS_APPLIED);
  v1::ReplayRecordRequest replay;
  replay.set_record_id(deal);
  v1::ReplayRecordResponse replayed;
  st = pipeline->ReplayRecord(Ctx().get(), replay, &replayed);
  REQUIRE(st.error_message() == "");
  CHECK(replayed.outcome().entities_changed() == 0);
  REQUIRE(Settle(*hub.ingest, deal) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(pipeline->ReplayRecord(Ctx().get(), replay, &replayed)
              .ok());  // again: nothing new
  REQUIRE(Settle(*hub.ingest, deal) == v1::RECORD_STATUS_APPLIED);

  v1::ListContractsRequest l;
  l.set_customer_id(customer.customer().id());
  v1::ListContractsResponse contracts;
  REQUIRE(hub.contracts->ListContracts(Ctx().get(), l, &contracts).ok());
  REQUIRE(contracts.contracts_size() == 1);
  const cv1::Contract& c = contracts.contracts(0);
  CHECK(c.status() == cv1::CONTRACT_STATUS_ACTIVE);
  CHECK(c.currency_code() == "EUR");
  CHECK(c.version() == 1);
  REQUIRE(c.lines_size() == 3);
  CHECK(c.lines(0).unit_price().units() == 1500);
  CHECK(c.lines(0).unit_price().nanos() == 500000000);

  v1::ListEventsRequest booked;
  booked.add_types(cv1::EVENT_TYPE_CONTRACT_BOOKED);
  v1::ListEventsResponse events;
  REQUIRE(hub.events->ListEvents(Ctx().get(), booked, &events).ok());
  CHECK(events.events_size() == 1);
}

}  // namespace
}  // namespace revhub::testing
