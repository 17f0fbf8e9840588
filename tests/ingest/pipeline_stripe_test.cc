// The ingest pipeline with Stripe's price records: a price updates its
// product's price facts and keeps the product's name, a price that arrives
// before its product waits for it, and a subscription
// schedule of API 2020-08-27 (no phase currency, items naming only a price
// id) is booked through the product the hub knows by that price.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "tests/ingest/pipeline_fixture.h"

namespace revhub::testing {
namespace {

// The Stripe account's currency, for schedule phases that do not say theirs.
constexpr char kStripeConfig[] =
    R"(fields { key: "default_currency" value { string_value: "USD" } })";

cv1::Product ProductByRef(PipelineHub& hub, const std::string& type,
                          const std::string& id) {
  v1::GetProductRequest req;
  req.mutable_external_ref()->set_system("stripe");
  req.mutable_external_ref()->set_object_type(type);
  req.mutable_external_ref()->set_vendor_id(id);
  return CallOk(*hub.products, &v1::ProductService::Stub::GetProduct, req)
      .product();
}

TEST_CASE(
    "a Stripe price keeps its product's name; a 2020-08-27 schedule naming "
    "only price ids is booked at those prices",
    "[pipeline][stripe]") {
  PipelineHub hub;
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", kStripeConfig);
  REQUIRE(
      hub.Settle(hub.Ingest("stripe", "customer",
                            R"json({"id": "cus_Sched1", "object": "customer",
      "name": "Schedule Co", "email": "ap@schedule.example",
      "created": 1735000000})json")) == v1::RECORD_STATUS_APPLIED);
  int64_t product = hub.Ingest("stripe", "product", R"json({"id": "prod_Sched1",
      "object": "product", "active": true, "created": 1735000000,
      "default_price": "price_Sched1m", "description": "Team plan",
      "metadata": {"family": "subscription"}, "name": "Team",
      "type": "service", "updated": 1735000000})json");
  INFO(hub.Explain(product));
  REQUIRE(hub.Settle(product) == v1::RECORD_STATUS_APPLIED);

  // The price names its product by id only: the product keeps its name,
  // description and metadata and takes the price's amount and interval.
  int64_t price = hub.Ingest("stripe", "price", R"json({"id": "price_Sched1m",
      "object": "price", "active": true, "billing_scheme": "per_unit",
      "created": 1735000100, "currency": "usd", "metadata": {},
      "nickname": "Team (monthly)", "product": "prod_Sched1",
      "recurring": {"interval": "month", "interval_count": 1,
                    "usage_type": "licensed"},
      "tax_behavior": "exclusive", "type": "recurring", "unit_amount": 4900,
      "unit_amount_decimal": "4900"
})json");
  INFO(hub.Explain(price));
  const v1::RecordStatus price_status = hub.Settle(price);
  INFO(hub.Record(price).status_reason() << " | " << hub.Explain(price));
  REQUIRE(price_status == v1::RECORD_STATUS_APPLIED);
  cv1::Product p = ProductByRef(hub, "price", "price_Sched1m");
  CHECK(p.name() == "Team");
  CHECK(p.description() == "Team plan");
  CHECK(p.active());
  CHECK(p.attributes().at("metadata.family") == "subscription");
  CHECK(p.standalone_selling_price().currency_code() == "USD");
  CHECK(p.standalone_selling_price().units() == 49);
  CHECK(p.ssp_period_months() == 1);
  CHECK(ProductByRef(hub, "product", "prod_Sched1").id() == p.id());

  // A price of a product the hub has not received yet (webhooks arrive in
  // any order): it waits for that product, then applies by itself.
  int64_t early = hub.Ingest("stripe", "price", R"json({"id": "price_Early1",
      "object": "price", "active": true, "created": 1735000100,
      "currency": "usd", "product": "prod_Early1", "recurring": null,
      "type": "one_time", "unit_amount": 1000})json");
  REQUIRE(hub.Settle(early) == v1::RECORD_STATUS_WAITING);
  {
    v1::RawRecord waiting = hub.Record(early);
    CHECK(waiting.waiting_for_type() == cv1::ENTITY_TYPE_PRODUCT);
    CHECK(waiting.waiting_for().object_type() == "product");
    CHECK(waiting.waiting_for().vendor_id() == "prod_Early1");
    CHECK_THAT(waiting.status_reason(), Catch::Contains("product.id"));
    CHECK(hub.Show(early).exceptions_size() == 0);
  }
  REQUIRE(
      hub.Settle(hub.Ingest("stripe", "product", R"json({"id": "prod_Early1",
      "object": "product", "active": true, "created": 1735000000,
      "name": "Onboarding", "type": "service"})json")) ==
      v1::RECORD_STATUS_APPLIED);
  {
    INFO(hub.Explain(early));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (hub.Record(early).status() != v1::RECORD_STATUS_APPLIED &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(hub.Record(early).status() == v1::RECORD_STATUS_APPLIED);
  }
  cv1::Product onboarding = ProductByRef(hub, "price", "price_Early1");
  CHECK(onboarding.name() == "Onboarding");
  CHECK(onboarding.standalone_selling_price().units() == 10);
  CHECK(onboarding.revenue_rule() == cv1::REVENUE_RULE_POINT_IN_TIME);
  CHECK(ProductByRef(hub, "product", "prod_Early1").id() == onboarding.id());

  // The schedule: no phase currency (config.default_currency), items with
  // price ids: the lines find the product by the price and its amount.
  int64_t schedule = hub.Ingest("stripe", "subscription_schedule", R"json({
      "id": "sub_sched_Sched1", "object": "subscription_schedule",
      "canceled_at": null, "completed_at": null, "created": 1735689600,
      "customer": "cus_Sched1", "end_behavior": "release", "metadata": {},
      "phases": [{"add_invoice_items": [], "coupon": null,
        "default_tax_rates": [], "end_date": 1743465600,
        "items": [{"billing_thresholds": null, "price": "price_Sched1m",
                   "quantity": 4, "tax_rates": []}],
        "proration_behavior": "create_prorations",
        "start_date": 1735689600, "trial_end": null}],
      "released_at": null, "released_subscription": null,
      "status": "active", "subscription": "sub_Sched1"})json");
  INFO(hub.Explain(schedule));
  REQUIRE(hub.Settle(schedule) == v1::RECORD_STATUS_APPLIED);
  v1::GetContractRequest get;
  get.mutable_external_ref()->set_system("stripe");
  get.mutable_external_ref()->set_object_type("subscription_schedule");
  get.mutable_external_ref()->set_vendor_id("sub_sched_Sched1");
  v1::GetContractResponse got;
  REQUIRE(hub.contracts->GetContract(Ctx().get(), get, &got).ok());
  const cv1::Contract& c = got.contract();
  CHECK(c.currency_code() == "USD");
  CHECK(c.status() == cv1::CONTRACT_STATUS_ACTIVE);
  REQUIRE(c.lines_size() == 1);
  CHECK(c.lines(0).product_id() == p.id());
  CHECK(c.lines(0).quantity().units() == 4);
  CHECK(c.lines(0).unit_price().currency_code() == "USD");
  CHECK(c.lines(0).unit_price().units() == 49);
  CHECK(c.term().end_time().seconds() == 1743465600);
}

// Waits (at most 30 s) until the contract's schedule reaches `version`.
cv1::RevenueSchedule WaitForSchedule(PipelineHub& hub,
                                     const std::string& contract_id,
                                     int64_t version) {
  v1::GetScheduleRequest req;
  req.set_contract_id(contract_id);
  v1::GetScheduleResponse resp;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    resp.Clear();
    if (hub.revenue->GetSchedule(Ctx().get(), req, &resp).ok() &&
        resp.schedule().version() >= version) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(resp.schedule().version() == version);
  return resp.schedule();
}

// Revenue in `period`, every line summed, in minor units of USD.
int64_t CentsIn(const cv1::RevenueSchedule& s, const std::string& period) {
  int64_t nanos = 0;
  for (const auto& l : s.lines()) {
    if (l.period() == period) {
      nanos += l.amount().units() * 1000000000 + l.amount().nanos();
    }
  }
  return nanos / 10000000;
}

TEST_CASE("Stripe usage records change a metered subscription's schedule",
          "[pipeline][stripe][revenue]") {
  PipelineHub hub;
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", kStripeConfig);
  REQUIRE(
      hub.Settle(hub.Ingest("stripe", "customer",
                            R"json({"id": "cus_Meter1", "object": "customer",
      "name": "Metered Co", "created": 1717000000})json")) ==
      v1::RECORD_STATUS_APPLIED);
  REQUIRE(hub.Settle(hub.Ingest("stripe", "product", R"json({"id":
      "prod_Calls", "object": "product", "active": true, "created":
      1717000000, "name": "API calls", "type": "service", "updated":
      1717000000})json")) == v1::RECORD_STATUS_APPLIED);
  // June to August 2024 (cancel_at: a fixed term, not open-ended): a
  // base fee and a metered item at 0.02 USD a call.
  int64_t sub = hub.Ingest("stripe", "subscription", R"json({
      "id": "sub_metered_1", "object": "subscription",
      "cancel_at": 1725148800, "cancel_at_period_end": false,
      "canceled_at": null, "created": 1717200000, "currency": "usd",
      "customer": "cus_Meter1", "ended_at": null, "start_date": 1717200000,
      "status": "active", "default_tax_rates": [],
      "items": {"object": "list", "has_more": false, "data": [
        {"id": "si_QBase01", "object": "subscription_item",
         "created": 1717200000, "quantity": 1, "tax_rates": [],
         "price": {"id": "price_base", "object": "price",
           "currency": "usd", "product": "prod_Calls",
           "recurring": {"interval": "month", "interval_count": 1,
                         "usage_type": "licensed"},
           "type": "recurring", "unit_amount": 10000,
           "unit_amount_decimal": "10000"}},
        {"id": "si_QApiCalls01", "object": "subscription_item",
         "created": 1717200000, "quantity": null, "tax_rates": [],
         "price": {"id": "price_api_calls", "object": "price",
           "currency": "usd", "product": "prod_Calls",
           "recurring": {"interval": "month", "interval_count": 1,
                         "usage_type": "metered"},
           "type": "recurring", "unit_amount": 2,
           "unit_amount_decimal": "2"}}]}})json");
  INFO(hub.Explain(sub));
  REQUIRE(hub.Settle(sub) == v1::RECORD_STATUS_APPLIED);
  v1::GetContractRequest get;
  get.mutable_external_ref()->set_system("stripe");
  get.mutable_external_ref()->set_object_type("subscription");
  get.mutable_external_ref()->set_vendor_id("sub_metered_1");
  const cv1::Contract c =
      CallOk(*hub.contracts, &v1::ContractService::Stub::GetContract, get)
          .contract();
  REQUIRE(c.lines_size() == 2);
  CHECK(c.lines(1).line_id() == "si_QApiCalls01");
  CHECK(c.lines(1).revenue_rule() == cv1::REVENUE_RULE_USAGE);
  const cv1::RevenueSchedule v1 = WaitForSchedule(hub, c.id(), 1);

  // 1,250 calls on 2024-06-15: 25.00 USD in June.
  const std::string usage = R"json({"id": "mbur_1PWxYz2eZvKYlo2C5kQ3rUsg",
      "object": "usage_record", "livemode": false, "quantity": 1250,
      "subscription_item": {"id": "si_QApiCalls01",
        "object": "subscription_item", "subscription": "sub_metered_1"},
      "timestamp": 1718409600})json";
  int64_t record = hub.Ingest("stripe", "usage_record", usage);
  INFO(hub.Explain(record));
  REQUIRE(hub.Settle(record) == v1::RECORD_STATUS_APPLIED);
  const cv1::RevenueSchedule v2 = WaitForSchedule(hub, c.id(), 2);
  CHECK(CentsIn(v2, "2024-06") - CentsIn(v1, "2024-06") == 2500);

  v1::ListFulfilmentRequest list;
  list.set_contract_id(c.id());
  auto listed =
      CallOk(*hub.revenue, &v1::RevenueService::Stub::ListFulfilment, list);
  REQUIRE(listed.usage_size() == 1);
  CHECK(listed.usage(0).line_id() == "si_QApiCalls01");
  CHECK(listed.usage(0).quantity().units() == 1250);
  REQUIRE(listed.usage(0).external_refs_size() == 1);
  CHECK(listed.usage(0).external_refs(0).vendor_id() ==
        "mbur_1PWxYz2eZvKYlo2C5kQ3rUsg");

  // A meter event summary of July, and the usage record sent again under
  // another key: one more version, for July only.
  int64_t summary = hub.Ingest("stripe", "billing.meter_event_summary",
                               R"json({"id": "mtrusg_test_july",
      "object": "billing.meter_event_summary", "aggregated_value": 500,
      "start_time": 1719792000, "end_time": 1719878400, "livemode": false,
      "meter": "mtr_test_calls", "subscription": "sub_metered_1",
      "subscription_item": "si_QApiCalls01"})json");
  INFO(hub.Explain(summary));
  REQUIRE(hub.Settle(summary) == v1::RECORD_STATUS_APPLIED);
  v1::IngestRequest again;
  again.set_system("stripe");
  again.set_object_type("usage_record");
  again.set_payload(usage);
  again.set_idempotency_key("usage-resent");
  int64_t resent =
      CallOk(*hub.ingest, &v1::IngestService::Stub::Ingest, again).record_id();
  REQUIRE(hub.Settle(resent) == v1::RECORD_STATUS_APPLIED);
  const cv1::RevenueSchedule v3 = WaitForSchedule(hub, c.id(), 3);
  CHECK(CentsIn(v3, "2024-06") == CentsIn(v2, "2024-06"));
  CHECK(CentsIn(v3, "2024-07") - CentsIn(v2, "2024-07") == 1000);
  listed =
      CallOk(*hub.revenue, &v1::RevenueService::Stub::ListFulfilment, list);
  CHECK(listed.usage_size() == 2);
  CHECK(listed.usage(0).version() == 1);
}

}  // namespace
}  // namespace revhub::testing
