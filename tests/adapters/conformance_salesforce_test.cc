// Conformance of the Salesforce adapter on the shared Salesforce samples:
// every sample of a declared sObject type (or a query response) is
// translated by the real adapter process and checked record by record,
// field by field, against the payload; a sample whose payload lacks a
// required field must fail naming it.
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <set>

#include "tests/adapters/conformance_util.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
using namespace revhub::testing::conformance;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

// Seconds since the epoch of "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS.sss+0000".
int64_t SalesforceTime(const std::string& s) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  int n = sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec);
  REQUIRE(n >= 3);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return timegm(&tm);
}

// Checks one Salesforce record's entity; returns false when the record
// must make the translation fail (a required field absent), with the field.
bool ExpectSalesforceOk(const json& rec, std::string* missing) {
  std::string type = rec["attributes"]["type"];
  if (type == "Opportunity") {
    std::string stage = rec.value("StageName", "");
    if (stage == "Closed Lost") return true;
    if (!rec.contains("AccountId") || rec["AccountId"].is_null()) {
      *missing = "AccountId";
      return false;
    }
  }
  if (type == "Contract" || type == "Order") {
    if (!rec.contains("AccountId") || rec["AccountId"].is_null()) {
      *missing = "AccountId";
      return false;
    }
  }
  if (type == "Contract" && rec.value("Status", "") == "Activated") {
    bool items = false;
    if (rec.contains("Orders") && rec["Orders"].is_object()) {
      for (const auto& order : rec["Orders"]["records"]) {
        items = items || (order.contains("OrderItems") &&
                          order["OrderItems"].is_object() &&
                          !order["OrderItems"]["records"].empty());
      }
    }
    if (!items) {
      *missing = "Orders";
      return false;
    }
  }
  return true;
}

// The vendor path the entity's sources give for a canonical field.
std::string SourceOf(const av1::CanonicalEntity& e, const std::string& field) {
  for (const auto& s : e.sources()) {
    if (s.field_path() == field) return s.vendor_path();
  }
  return "";
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool Null(const json& rec, const char* key) {
  return !rec.contains(key) || rec[key].is_null();
}

void CheckSalesforceRecord(const json& rec, const av1::CanonicalEntity& e) {
  std::string type = rec["attributes"]["type"];
  std::string id = rec["Id"];
  if (type == "Account") {
    const auto& c = e.customer();
    CHECK(HasRef(c.external_refs(), "Account", id));
    CHECK(c.name() == rec["Name"].get<std::string>());
    if (rec.contains("BillingCity") && !rec["BillingCity"].is_null())
      CHECK(c.billing_address().city() ==
            rec["BillingCity"].get<std::string>());
    if (rec.contains("BillingCountryCode") &&
        !rec["BillingCountryCode"].is_null())
      CHECK(c.billing_address().country_code() ==
            rec["BillingCountryCode"].get<std::string>());
    if (rec.contains("SystemModstamp"))
      CHECK(c.source_updated_at().seconds() ==
            SalesforceTime(rec["SystemModstamp"]));
    CHECK(EndsWith(SourceOf(e, "name"), "Name"));
  } else if (type == "Product2") {
    CHECK(HasRef(e.product().external_refs(), "Product2", id));
    CHECK(e.product().name() == rec["Name"].get<std::string>());
    CHECK(e.product().active() == rec.value("IsActive", true));
    // No rule is configured by code or family: the default, RATABLE.
    CHECK(e.product().revenue_rule() == cv1::REVENUE_RULE_RATABLE);
    CHECK(EndsWith(SourceOf(e, "revenue_rule"), "Family"));
  } else if (type == "Opportunity") {
    const auto& c = e.contract();
    CHECK(HasRef(c.external_refs(), "Opportunity", id));
    CheckLink(e, "customer_id", "Account", rec["AccountId"]);
    bool won = rec["StageName"] == "Closed Won";
    CHECK(c.status() ==
          (won ? cv1::CONTRACT_STATUS_ACTIVE : cv1::CONTRACT_STATUS_DRAFT));
    CHECK(c.currency_code() ==
          rec.value("CurrencyIsoCode", std::string("USD")));
    if (rec.contains("CloseDate"))
      CHECK(c.effective_at().seconds() == SalesforceTime(rec["CloseDate"]));
    const json items = rec.contains("OpportunityLineItems")
                           ? rec["OpportunityLineItems"]["records"]
                           : json::array();
    REQUIRE(c.lines_size() == static_cast<int>(items.size()));
    for (size_t i = 0; i < items.size(); ++i) {
      INFO("line " << i);
      const auto& line = c.lines(static_cast<int>(i));
      CHECK(line.line_id() == items[i]["Id"].get<std::string>());
      CheckDecimal(line.quantity().units(), line.quantity().nanos(),
                   items[i]["Quantity"]);
      CheckDecimal(line.unit_price().units(), line.unit_price().nanos(),
                   items[i]["UnitPrice"]);
      CHECK(line.unit_price().currency_code() == c.currency_code());
      std::string product = items[i].contains("Product2Id")
                                ? items[i]["Product2Id"]
                                : items[i]["PricebookEntry"]["Product2Id"];
      const std::string at = "lines[" + std::to_string(i) + "]";
      CheckLink(e, at + ".product_id", "Product2", product);
      const std::string vendor =
          "OpportunityLineItems.records[" + std::to_string(i) + "]";
      CHECK(EndsWith(SourceOf(e, at + ".quantity"), vendor + ".Quantity"));
      CHECK(EndsWith(SourceOf(e, at + ".unit_price"), vendor + ".UnitPrice"));
      // Dates: a ServiceDate alone is the day a one-off line is delivered.
      if (!Null(items[i], "ServiceDate")) {
        CHECK(line.delivered_at().seconds() ==
              SalesforceTime(items[i]["ServiceDate"]));
      } else {
        CHECK_FALSE(line.has_delivered_at());
        CHECK_FALSE(line.has_service_period());
      }
      CHECK(line.downgrade() == false);
    }
    CHECK(EndsWith(SourceOf(e, "customer_id"), "AccountId"));
  } else if (type == "Order") {
    const auto& c = e.contract();
    CHECK(HasRef(c.external_refs(), "Order", id));
    if (!rec["ContractId"].is_null())
      CHECK(HasRef(c.external_refs(), "Contract", rec["ContractId"]));
    CheckLink(e, "customer_id", "Account", rec["AccountId"]);
    CHECK(c.status() == (rec["Status"] == "Activated"
                             ? cv1::CONTRACT_STATUS_ACTIVE
                             : cv1::CONTRACT_STATUS_DRAFT));
    CHECK(c.effective_at().seconds() == SalesforceTime(rec["EffectiveDate"]));
    CHECK(c.term().start_time().seconds() ==
          SalesforceTime(rec["EffectiveDate"]));
    if (Null(rec, "EndDate")) {
      CHECK_FALSE(c.term().has_end_time());
      CHECK(c.renewal_behavior() == cv1::RENEWAL_BEHAVIOR_EVERGREEN);
    } else {
      CHECK(c.term().end_time().seconds() == SalesforceTime(rec["EndDate"]));
      CHECK(c.renewal_behavior() == cv1::RENEWAL_BEHAVIOR_FIXED);
    }
    int items = rec.contains("OrderItems") && rec["OrderItems"].is_object()
                    ? static_cast<int>(rec["OrderItems"]["records"].size())
                    : 0;
    CHECK(c.lines_size() == items);
    CHECK(EndsWith(SourceOf(e, "status"), "Status"));
  } else {
    FAIL("no check written for " << type);
  }
}

}  // namespace

TEST_CASE("Salesforce samples translate field by field",
          "[conformance][salesforce]") {
  if (SharedAbsent("salesforce")) return;
  auto host = StartAdapter("salesforce");
  std::set<std::string> declared = Declared(*host);
  const std::string config = R"({"default_currency": "USD"})";
  int checked = 0, skipped = 0;
  for (const fs::path& f : Samples("salesforce")) {
    json payload = json::parse(ReadFile(f));
    std::string object_type;
    std::vector<json> records;
    if (payload.is_object() && payload.contains("records")) {
      object_type = "query_response";
      for (const auto& r : payload["records"]) records.push_back(r);
    } else if (payload.is_array()) {
      object_type = payload.at(0)["attributes"]["type"];
      for (const auto& r : payload) records.push_back(r);
    } else {
      object_type = payload["attributes"]["type"];
      records.push_back(payload);
    }
    if (!declared.count(object_type)) {
      std::cout << "SKIP salesforce/" << f.filename().string() << ": \""
                << object_type << "\" not declared\n";
      ++skipped;
      continue;
    }
    INFO("sample salesforce/" << f.filename().string());
    auto r = Translate(*host, object_type, ReadFile(f), config, kSystem);
    // What the payload says must happen, decided from the payload alone.
    std::string expected_error;
    size_t entity = 0;
    for (size_t i = 0; i < records.size() && expected_error.empty(); ++i) {
      std::string missing;
      if (!ExpectSalesforceOk(records[i], &missing)) {
        std::string prefix = object_type == "query_response"
                                 ? "records[" + std::to_string(i) + "]."
                             : payload.is_array()
                                 ? "[" + std::to_string(i) + "]."
                                 : "";
        expected_error = prefix + missing;
      }
    }
    if (!expected_error.empty()) {
      REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
      REQUIRE(r.errors_size() == 1);
      CHECK(r.errors(0).field_path() == expected_error);
      CHECK(r.entities_size() == 0);
      std::cout << "OK   salesforce/" << f.filename().string()
                << " fails as the payload lacks " << expected_error << "\n";
      ++checked;
      continue;
    }
    for (const auto& err : r.errors())
      UNSCOPED_INFO("error " << err.field_path() << ": " << err.reason());
    REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
    for (const json& rec : records) {
      if (rec["attributes"]["type"] == "Opportunity" &&
          rec.value("StageName", "") == "Closed Lost")
        continue;
      REQUIRE(static_cast<int>(entity) < r.entities_size());
      CheckSalesforceRecord(rec, r.entities(static_cast<int>(entity++)));
    }
    CHECK(r.entities_size() == static_cast<int>(entity));
    std::cout << "OK   salesforce/" << f.filename().string() << " (" << entity
              << " entities)\n";
    ++checked;
  }
  std::cout << "salesforce conformance: " << checked << " checked, " << skipped
            << " skipped\n";
  CHECK(checked >= 5);
}
