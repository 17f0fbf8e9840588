// NetSuite records read in, through the real adapter process: the record
// types Describe declares, and SuiteBilling subscriptions whose prices do
// not fit their term, refused naming the NetSuite field. The mappings
// themselves are golden cases (golden/netsuite/).
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "tests/adapters/test_util.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

const std::string kConfig =
    R"({"base_url": "http://127.0.0.1:9", "access_token": "unused-token"})";

// A subscription of one recurring line priced `frequency`, from
// `start` to `end` (the last day).
std::string Subscription(const std::string& start, const std::string& end,
                         const std::string& frequency) {
  return R"({"id": "401", "customer": {"id": "614"},
    "currency": {"id": "1", "refName": "USD"}, "status": {"id": "ACTIVE"},
    "startDate": ")" +
         start + R"(", "endDate": ")" + end + R"(",
    "subscriptionLine": {"items": [{"lineNumber": 1, "item": {"id": "86"},
      "subscriptionLineType": {"id": "2"}, "startDate": ")" +
         start + R"("}]},
    "priceInterval": {"items": [{"lineNumber": 1, "startDate": ")" +
         start + R"(", "quantity": 2, "recurringAmount": 100.0,
      "frequency": {"id": ")" +
         frequency + R"("}}]}})";
}

}  // namespace

TEST_CASE("NetSuite declares the records it reads in and the ones it writes",
          "[netsuite]") {
  auto host = StartAdapter("netsuite");
  auto d = host->Describe();
  REQUIRE(d.ok());
  std::map<std::string, std::set<cv1::EntityType>> inbound;
  for (const auto& t : d->inbound_object_types()) {
    CHECK_FALSE(t.description().empty());
    for (int p : t.produces())
      inbound[t.object_type()].insert(cv1::EntityType(p));
  }
  using Set = std::set<cv1::EntityType>;
  CHECK(inbound == std::map<std::string, Set>{
                       {"customer", {cv1::ENTITY_TYPE_CUSTOMER}},
                       {"invoice", {cv1::ENTITY_TYPE_INVOICE}},
                       {"creditMemo", {cv1::ENTITY_TYPE_INVOICE}},
                       {"subscription", {cv1::ENTITY_TYPE_CONTRACT}},
                       {"subscriptionPlan", {cv1::ENTITY_TYPE_PRODUCT}},
                       {"journalEntry", {cv1::ENTITY_TYPE_JOURNAL_ENTRY}}});
  std::set<std::string> outbound;
  for (const auto& o : d->outbound_operations())
    outbound.insert(o.vendor_object_type());
  CHECK(outbound ==
        std::set<std::string>{"customer", "invoice", "journalEntry"});
}

TEST_CASE("a subscription's price must fill its term in whole billing cycles",
          "[netsuite]") {
  auto host = StartAdapter("netsuite");
  // A year of quarters: 4 x 100.00 for 2 units, 200.00 a unit.
  auto year =
      Translate(*host, "subscription",
                Subscription("2025-01-01", "2025-12-31", "QUARTERLY"), kConfig);
  for (const auto& e : year.errors())
    UNSCOPED_INFO(e.field_path() << ": " << e.reason());
  REQUIRE(year.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  const auto& line = year.entities(0).contract().lines(0);
  CHECK(line.unit_price().units() == 200);
  CHECK(line.quantity().units() == 2);
  CHECK(year.entities(0).contract().renewal_behavior() ==
        cv1::RENEWAL_BEHAVIOR_FIXED);

  // Ten months are not whole quarters.
  auto ragged =
      Translate(*host, "subscription",
                Subscription("2025-01-01", "2025-10-31", "QUARTERLY"), kConfig);
  REQUIRE(ragged.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  REQUIRE(ragged.errors_size() == 1);
  CHECK(ragged.errors(0).field_path() == "priceInterval.items[0].frequency");
  CHECK(ragged.errors(0).reason().find("not a whole number of billing") !=
        std::string::npos);

  auto unknown = Translate(
      *host, "subscription",
      Subscription("2025-01-01", "2025-12-31", "FORTNIGHTLY"), kConfig);
  REQUIRE(unknown.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(unknown.errors(0).field_path() == "priceInterval.items[0].frequency");

  // An end before the start is refused at the end.
  auto backwards =
      Translate(*host, "subscription",
                Subscription("2025-06-01", "2025-01-31", "MONTHLY"), kConfig);
  REQUIRE(backwards.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(backwards.errors(0).field_path() == "endDate");
}
