// Conformance on the shared vendor samples (../shared/fixtures/vendors):
// every sample of an object type the adapter declares is translated by the
// real adapter process, and the canonical result is checked field by field
// against the payload, which the test parses on its own. Samples of
// undeclared types are listed as skipped. Some Stripe samples hold
// placeholder values (SOURCES.md): they are compared value for value, never
// for arithmetic consistency.
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <set>

#include "canonical/money.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

constexpr char kSystem[] = "conformance";

fs::path VendorDir(const std::string& vendor) {
  return fs::path(REVHUB_SHARED_DIR) / "fixtures" / "vendors" / vendor;
}

bool SharedAbsent(const std::string& vendor) {
  if (fs::is_directory(VendorDir(vendor))) return false;
  std::cout << "SKIP conformance for " << vendor << ": " << VendorDir(vendor)
            << " is absent (the shared fixtures live beside the checkout)\n";
  return true;
}

std::set<std::string> Declared(revhub::hub::AdapterHost& host) {
  auto d = host.Describe();
  REQUIRE(d.ok());
  std::set<std::string> out;
  for (const auto& t : d->inbound_object_types()) out.insert(t.object_type());
  return out;
}

std::vector<fs::path> Samples(const std::string& vendor) {
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(VendorDir(vendor))) {
    if (f.path().extension() == ".json") files.push_back(f.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Money from an integer in minor units, computed without the adapter's code.
void CheckMinor(const cv1::Money& m, const json& minor,
                const std::string& currency_lower) {
  std::string upper = currency_lower;
  for (auto& c : upper) c = static_cast<char>(toupper(c));
  int exp = revhub::MinorUnitExponent(upper);
  REQUIRE(exp >= 0);
  int64_t v = minor.get<int64_t>();
  int64_t scale = 1;
  for (int i = 0; i < exp; ++i) scale *= 10;
  CHECK(m.currency_code() == upper);
  CHECK(m.units() == v / scale);
  int64_t nanos_per_minor = 1000000000 / scale;
  CHECK(m.nanos() == (v % scale) * nanos_per_minor);
}

// A decimal as the vendor wrote it (parsed by nlohmann as a double).
void CheckDecimal(int64_t units, int32_t nanos, const json& value) {
  double expected = value.get<double>();
  double actual = static_cast<double>(units) + static_cast<double>(nanos) / 1e9;
  CHECK(actual == Approx(expected).margin(1e-9));
  // And exactly, when the value is a whole number.
  if (expected == static_cast<double>(static_cast<int64_t>(expected))) {
    CHECK(units == static_cast<int64_t>(expected));
    CHECK(nanos == 0);
  }
}

const cv1::ExternalRef* LinkTarget(const av1::CanonicalEntity& e,
                                   const std::string& path) {
  for (const auto& l : e.links()) {
    if (l.field_path() == path) return &l.target();
  }
  return nullptr;
}

void CheckLink(const av1::CanonicalEntity& e, const std::string& path,
               const std::string& object_type, const std::string& vendor_id) {
  INFO("link " << path);
  const cv1::ExternalRef* t = LinkTarget(e, path);
  REQUIRE(t != nullptr);
  CHECK(t->system() == kSystem);
  CHECK(t->object_type() == object_type);
  CHECK(t->vendor_id() == vendor_id);
}

bool HasRef(const google::protobuf::RepeatedPtrField<cv1::ExternalRef>& refs,
            const std::string& type, const std::string& id) {
  for (const auto& r : refs) {
    if (r.system() == kSystem && r.object_type() == type && r.vendor_id() == id)
      return true;
  }
  return false;
}

std::string IdOf(const json& v) {
  return v.is_object() ? v["id"].get<std::string>() : v.get<std::string>();
}

int64_t SumAmounts(const json& list) {
  int64_t s = 0;
  for (const auto& x : list) s += x["amount"].get<int64_t>();
  return s;
}

// ---- Stripe --------------------------------------------------------------

void CheckStripeObject(const json& o, const av1::TranslationResult& r) {
  std::string object = o["object"];
  if ((object == "payment_intent" || object == "charge") &&
      o["customer"].is_null()) {
    CHECK(r.outcome() == av1::TRANSLATION_OUTCOME_SKIPPED);
    CHECK(r.skip_reason().find("no customer") != std::string::npos);
    return;
  }
  REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(r.entities_size() >= 1);
  const auto& e = r.entities(0);
  if (object == "customer") {
    const auto& c = e.customer();
    CHECK(HasRef(c.external_refs(), "customer", o["id"]));
    std::string name = !o["name"].is_null()    ? o["name"]
                       : !o["email"].is_null() ? o["email"]
                                               : o["id"];
    CHECK(c.name() == name);
    if (!o["currency"].is_null()) CHECK(c.currency_code() == "USD");
    CHECK(c.effective_at().seconds() == o["created"].get<int64_t>());
  } else if (object == "product") {
    CHECK(HasRef(e.product().external_refs(), "product", o["id"]));
    CHECK(e.product().name() == o["name"].get<std::string>());
    CHECK(e.product().active() == o["active"].get<bool>());
  } else if (object == "price" || object == "plan") {
    const auto& p = e.product();
    CHECK(HasRef(p.external_refs(), object, o["id"]));
    CHECK(HasRef(p.external_refs(), "product", IdOf(o["product"])));
    CheckMinor(p.standalone_selling_price(),
               o[object == "plan" ? "amount" : "unit_amount"], o["currency"]);
  } else if (object == "subscription") {
    const auto& c = e.contract();
    CHECK(HasRef(c.external_refs(), "subscription", o["id"]));
    CheckLink(e, "customer_id", "customer", IdOf(o["customer"]));
    const json& items = o["items"]["data"];
    REQUIRE(c.lines_size() == static_cast<int>(items.size()));
    for (size_t i = 0; i < items.size(); ++i) {
      INFO("item " << i);
      const auto& line = c.lines(static_cast<int>(i));
      const json& price =
          items[i].contains("price") ? items[i]["price"] : items[i]["plan"];
      CHECK(line.line_id() == items[i]["id"].get<std::string>());
      CHECK(line.quantity().units() == items[i]["quantity"].get<int64_t>());
      CheckMinor(line.unit_price(), price["unit_amount"], price["currency"]);
      CheckLink(e, "lines[" + std::to_string(i) + "].product_id", "product",
                IdOf(price["product"]));
    }
    CHECK(c.term().start_time().seconds() == o["start_date"].get<int64_t>());
    CHECK(c.status() == (o["status"] == "canceled"
                             ? cv1::CONTRACT_STATUS_CANCELLED
                             : cv1::CONTRACT_STATUS_ACTIVE));
  } else if (object == "subscription_schedule") {
    const json& phases = o["phases"];
    REQUIRE(r.entities_size() == static_cast<int>(phases.size()));
    for (size_t p = 0; p < phases.size(); ++p) {
      const auto& c = r.entities(static_cast<int>(p)).contract();
      CHECK(c.currency_code() == "USD");
      CHECK(c.lines_size() == static_cast<int>(phases[p]["items"].size()));
      CHECK(c.effective_at().seconds() ==
            phases[p]["start_date"].get<int64_t>());
      CHECK(c.term().end_time().seconds() ==
            phases[p]["end_date"].get<int64_t>());
      CHECK(HasRef(c.external_refs(), "subscription_schedule", o["id"]));
    }
    CheckLink(e, "customer_id", "customer", IdOf(o["customer"]));
  } else if (object == "invoice") {
    const auto& inv = e.invoice();
    std::string cur = o["currency"];
    CHECK(inv.kind() == cv1::INVOICE_KIND_INVOICE);
    CHECK(HasRef(inv.external_refs(), "invoice", o["id"]));
    CheckLink(e, "customer_id", "customer", IdOf(o["customer"]));
    CheckMinor(inv.subtotal(), o["subtotal"], cur);
    CheckMinor(inv.total(), o["total"], cur);
    CheckMinor(inv.amount_due(), o["amount_due"], cur);
    CheckMinor(inv.amount_paid(), o["amount_paid"], cur);
    int64_t tax =
        o.contains("tax") && !o["tax"].is_null() ? o["tax"].get<int64_t>()
        : o.contains("total_tax_amounts") ? SumAmounts(o["total_tax_amounts"])
        : o.contains("total_taxes") && o["total_taxes"].is_array()
            ? SumAmounts(o["total_taxes"])
            : 0;
    CheckMinor(inv.tax_total(), json(tax), cur);
    CHECK(inv.invoice_number() ==
          (o["number"].is_null() ? "" : o["number"].get<std::string>()));
    if (!o["due_date"].is_null())
      CHECK(inv.due_at().seconds() == o["due_date"].get<int64_t>());
    const json& lines = o["lines"]["data"];
    REQUIRE(inv.lines_size() == static_cast<int>(lines.size()));
    for (size_t i = 0; i < lines.size(); ++i) {
      const auto& l = inv.lines(static_cast<int>(i));
      CHECK(l.line_id() == lines[i]["id"].get<std::string>());
      CheckMinor(l.amount(), lines[i]["amount"], cur);
      CHECK(l.service_period().start_time().seconds() ==
            lines[i]["period"]["start"].get<int64_t>());
      bool proration = lines[i].value("proration", false);
      if (lines[i].contains("parent") && lines[i]["parent"].is_object()) {
        for (const char* d :
             {"subscription_item_details", "invoice_item_details"}) {
          if (lines[i]["parent"].contains(d) &&
              lines[i]["parent"][d].is_object())
            proration =
                proration || lines[i]["parent"][d].value("proration", false);
        }
      }
      CHECK(l.proration() == proration);
    }
  } else if (object == "credit_note") {
    const auto& cn = e.invoice();
    std::string cur = o["currency"];
    CHECK(cn.kind() == cv1::INVOICE_KIND_CREDIT_NOTE);
    CheckLink(e, "credited_invoice_id", "invoice", IdOf(o["invoice"]));
    CheckMinor(cn.total(), o["total"], cur);
    CheckMinor(cn.subtotal(), o["subtotal"], cur);
    CheckMinor(cn.discount_total(), o["discount_amount"], cur);
    const json& lines = o["lines"]["data"];
    REQUIRE(cn.lines_size() == static_cast<int>(lines.size()));
    for (size_t i = 0; i < lines.size(); ++i)
      CheckMinor(cn.lines(static_cast<int>(i)).amount(), lines[i]["amount"],
                 cur);
    CHECK(cn.invoice_number() == o["number"].get<std::string>());
  } else if (object == "payment_intent" || object == "charge") {
    const auto& p = e.payment();
    CheckLink(e, "customer_id", "customer", IdOf(o["customer"]));
    CheckMinor(p.amount(),
               o[object == "payment_intent" && o["status"] == "succeeded"
                     ? "amount_received"
                     : "amount"],
               o["currency"]);
  } else {
    FAIL("no check written for " << object);
  }
}

}  // namespace

TEST_CASE("Stripe samples translate field by field", "[conformance]") {
  if (SharedAbsent("stripe")) return;
  auto host = StartAdapter("stripe");
  std::set<std::string> declared = Declared(*host);
  int checked = 0, skipped = 0;
  for (const fs::path& f : Samples("stripe")) {
    json payload = json::parse(ReadFile(f));
    std::string object = payload.value("object", "");
    if (!declared.count(object)) {
      std::cout << "SKIP stripe/" << f.filename().string() << ": object \""
                << object << "\" is not declared by the adapter\n";
      ++skipped;
      continue;
    }
    INFO("sample stripe/" << f.filename().string());
    auto r = Translate(*host, object, ReadFile(f), "{}", kSystem);
    for (const auto& err : r.errors())
      UNSCOPED_INFO("error " << err.field_path() << ": " << err.reason());
    if (object == "event") {
      REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
      REQUIRE(r.events_size() >= 1);
      CHECK(r.events(0).vendor_event_id() == payload["id"].get<std::string>());
      CHECK(r.events(0).occurred_at().seconds() ==
            payload["created"].get<int64_t>());
      CheckStripeObject(payload["data"]["object"], r);
      if (payload["type"] == "invoice.finalized")
        CHECK(r.events(0).type() == cv1::EVENT_TYPE_INVOICE_ISSUED);
      if (payload["type"] == "customer.subscription.updated") {
        // previous_attributes names only "schedule": not a commercial change.
        CHECK(r.events(0).type() == cv1::EVENT_TYPE_CONTRACT_CHANGED);
      }
    } else {
      CheckStripeObject(payload, r);
    }
    std::cout << "OK   stripe/" << f.filename().string() << " (" << object
              << ")\n";
    ++checked;
  }
  std::cout << "stripe conformance: " << checked << " checked, " << skipped
            << " skipped\n";
  CHECK(checked >= 10);
}

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
  return true;
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
  } else if (type == "Product2") {
    CHECK(HasRef(e.product().external_refs(), "Product2", id));
    CHECK(e.product().name() == rec["Name"].get<std::string>());
    CHECK(e.product().active() == rec.value("IsActive", true));
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
      CheckLink(e, "lines[" + std::to_string(i) + "].product_id", "Product2",
                product);
    }
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
    int items = rec.contains("OrderItems") && rec["OrderItems"].is_object()
                    ? static_cast<int>(rec["OrderItems"]["records"].size())
                    : 0;
    CHECK(c.lines_size() == items);
  } else {
    FAIL("no check written for " << type);
  }
}

}  // namespace

TEST_CASE("Salesforce samples translate field by field", "[conformance]") {
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

TEST_CASE(
    "NetSuite samples: records are translated, request bodies are Apply's "
    "shape",
    "[conformance]") {
  if (SharedAbsent("netsuite")) return;
  auto host = StartAdapter("netsuite");
  std::set<std::string> declared = Declared(*host);
  for (const fs::path& f : Samples("netsuite")) {
    std::string name = f.filename();
    std::string type = name.substr(0, name.find('.'));
    if (name.find(".create_request.") != std::string::npos) {
      bool outbound =
          type == "customer" || type == "invoice" || type == "journalEntry";
      std::cout
          << (outbound ? "NOTE netsuite/" : "SKIP netsuite/") << name
          << (outbound
                  ? ": a request body, compared with what Apply sends in the "
                    "[netsuite] tests\n"
                  : ": a request body for a record type Apply does not send\n");
      continue;
    }
    if (!declared.count(type)) {
      std::cout << "SKIP netsuite/" << name << ": record type \"" << type
                << "\" is not declared\n";
      continue;
    }
    FAIL(
        "a declared NetSuite record sample appeared; add its checks: " << name);
  }
}
