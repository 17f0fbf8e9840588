// The Salesforce adapter through its real process: what Describe declares
// (object types, the revenue-rule configuration as JSON Schema), Check and
// Translate refusing a revenue rule that does not exist, and errors and
// sources naming the Salesforce field inside a SOQL query result. The
// mappings themselves are golden cases (golden/salesforce/).
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "tests/adapters/test_util.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

std::map<std::string, std::string> Sources(const av1::CanonicalEntity& e) {
  std::map<std::string, std::string> out;
  for (const auto& s : e.sources()) out[s.field_path()] = s.vendor_path();
  return out;
}

const json kRules =
    json::array({"RATABLE", "POINT_IN_TIME", "USAGE", "MILESTONE"});

}  // namespace

TEST_CASE(
    "Salesforce declares every object type it translates and its "
    "revenue-rule configuration",
    "[salesforce]") {
  auto host = StartAdapter("salesforce");
  auto d = host->Describe();
  REQUIRE(d.ok());
  std::map<std::string, std::set<cv1::EntityType>> types;
  for (const auto& t : d->inbound_object_types()) {
    CHECK_FALSE(t.description().empty());
    for (int p : t.produces())
      types[t.object_type()].insert(cv1::EntityType(p));
    types[t.object_type()];
  }
  using Set = std::set<cv1::EntityType>;
  CHECK(types == std::map<std::string, Set>{
                     {"Account", {cv1::ENTITY_TYPE_CUSTOMER}},
                     {"Product2", {cv1::ENTITY_TYPE_PRODUCT}},
                     {"Opportunity", {cv1::ENTITY_TYPE_CONTRACT}},
                     {"Order", {cv1::ENTITY_TYPE_CONTRACT}},
                     {"Contract", {cv1::ENTITY_TYPE_CONTRACT}},
                     {"OpportunityLineItem", {}},
                     {"OrderItem", {}},
                     {"query_response",
                      {cv1::ENTITY_TYPE_CUSTOMER, cv1::ENTITY_TYPE_PRODUCT,
                       cv1::ENTITY_TYPE_CONTRACT}}});
  json schema = json::parse(d->config_schema_json());
  const json& props = schema["properties"];
  for (const char* map :
       {"revenue_rule_by_family", "revenue_rule_by_product_code"}) {
    INFO(map);
    CHECK(props[map]["type"] == "object");
    CHECK(props[map]["additionalProperties"]["enum"] == kRules);
  }
  json with_none = kRules;
  with_none.push_back("NONE");
  CHECK(props["default_revenue_rule"]["enum"] == with_none);
  CHECK(props["default_revenue_rule"]["default"] == "RATABLE");
  for (const char* field :
       {"opportunity_start_date_field", "opportunity_end_date_field",
        "opportunity_term_months_field", "line_end_date_field",
        "end_date_inclusive", "evergreen_field", "auto_renew_field",
        "renewal_term_field"}) {
    INFO(field);
    CHECK(props.contains(field));
  }
}

TEST_CASE(
    "a revenue rule that does not exist is refused by Check and by "
    "Translate, naming the configuration field",
    "[salesforce]") {
  auto host = StartAdapter("salesforce");
  const std::string bad =
      json{{"default_currency", "USD"},
           {"instance_url", "http://127.0.0.1:9"},
           {"access_token", "sf-token-123456"},
           {"revenue_rule_by_family", {{"Software", "RATEABLE"}}}}
          .dump();
  av1::CheckRequest check;
  check.set_system("salesforce");
  *check.mutable_config() = ConfigStruct(bad);
  auto checked = host->Check(check);
  REQUIRE(checked.ok());
  CHECK(checked->outcome() == av1::CHECK_OUTCOME_INVALID_CONFIG);
  REQUIRE(checked->config_errors_size() == 1);
  CHECK(checked->config_errors(0).field_path() ==
        "config.revenue_rule_by_family");
  CHECK(checked->config_errors(0).reason() ==
        "value of \"Software\" must be one of RATABLE, POINT_IN_TIME, USAGE, "
        "MILESTONE (got \"RATEABLE\")");

  av1::TranslateRequest translate;
  translate.set_system("salesforce");
  *translate.mutable_config() = ConfigStruct(bad);
  translate.mutable_record()->set_object_type("Product2");
  translate.mutable_record()->set_payload(
      R"({"Id": "01t000000000011AAA", "Name": "Platform Seat",
          "Family": "Software"})");
  auto refused = host->Translate(translate);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(refused.status().message())
            .find("config.revenue_rule_by_family") != std::string::npos);

  // The same product with a rule that exists.
  auto ok = Translate(
      *host, "Product2", translate.record().payload(),
      json{{"default_currency", "USD"},
           {"revenue_rule_by_family", {{"Software", "POINT_IN_TIME"}}}}
          .dump());
  REQUIRE(ok.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  CHECK(ok.entities(0).product().revenue_rule() ==
        cv1::REVENUE_RULE_POINT_IN_TIME);
  CHECK(Sources(ok.entities(0)).at("revenue_rule") == "Family");
}

TEST_CASE(
    "inside a SOQL query result, errors and sources name the "
    "Salesforce field by its path in the payload",
    "[salesforce]") {
  auto host = StartAdapter("salesforce");
  const std::string config = R"({"default_currency": "EUR"})";
  auto opportunity = [](const std::string& id, const std::string& quantity) {
    return R"({"attributes": {"type": "Opportunity"}, "Id": ")" + id +
           R"(", "AccountId": "001000000000001AAA", "StageName": "Closed Won",
           "CloseDate": "2025-03-14", "OpportunityLineItems": {"records": [
             {"Id": "00k)" +
           id.substr(3) + R"(", "Quantity": )" + quantity +
           R"(, "UnitPrice": 100.00, "Product2Id": "01t000000000011AAA",
              "ServiceDate": "2025-04-01", "EndDate": "2026-04-01"}]}})";
  };
  auto page = [&](const std::string& second_quantity) {
    return R"({"totalSize": 2, "done": true, "records": [)" +
           opportunity("006000000000201AAA", "3") + "," +
           opportunity("006000000000202AAA", second_quantity) + "]}";
  };

  auto ok = Translate(*host, "query_response", page("1"), config);
  REQUIRE(ok.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(ok.entities_size() == 2);
  auto sources = Sources(ok.entities(1));
  CHECK(sources.at("customer_id") == "records[1].AccountId");
  CHECK(sources.at("lines[0]") == "records[1].OpportunityLineItems.records[0]");
  CHECK(sources.at("lines[0].quantity") ==
        "records[1].OpportunityLineItems.records[0].Quantity");
  CHECK(sources.at("lines[0].service_period") ==
        "records[1].OpportunityLineItems.records[0].ServiceDate");
  CHECK(sources.at("lines[0].service_period.end_time") ==
        "records[1].OpportunityLineItems.records[0].EndDate");
  CHECK(sources.at("currency_code") == "config.default_currency");
  // The lines' span is the opportunity's term, fixed.
  const auto& c = ok.entities(1).contract();
  CHECK(c.renewal_behavior() == cv1::RENEWAL_BEHAVIOR_FIXED);
  CHECK(c.term().start_time().seconds() == 1743465600);  // 2025-04-01
  CHECK(c.term().end_time().seconds() == 1775001600);    // 2026-04-01

  auto negative = Translate(*host, "query_response", page("-1"), config);
  REQUIRE(negative.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  REQUIRE(negative.errors_size() == 1);
  CHECK(negative.errors(0).field_path() ==
        "records[1].OpportunityLineItems.records[0].Quantity");
  CHECK(negative.errors(0).reason().rfind("must not be negative (got -1)", 0) ==
        0);
  CHECK(negative.entities_size() == 0);
}
