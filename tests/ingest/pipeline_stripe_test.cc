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

}  // namespace
}  // namespace revhub::testing
