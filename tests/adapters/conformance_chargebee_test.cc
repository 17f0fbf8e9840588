// Conformance of the Chargebee adapter on the shared Chargebee samples
// (../shared/fixtures/vendors/chargebee, see SOURCES.md there): retrieve
// answers ({"subscription": {...}, "customer": {...}}) have each resource
// translated as the bare resource a Read or a webhook record carries;
// webhook events are translated whole (object type "event") and verified as
// deliveries. The canonical result is checked field by field against the
// payload, which the test parses on its own. Every sample is translated:
// none is skipped.
#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <set>

#include "tests/adapters/chargebee_util.h"
#include "tests/adapters/conformance_util.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
using namespace revhub::testing::conformance;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(tolower(c));
  return s;
}

// Checks one invoice or credit note line against its Chargebee line item
// (tax exclusive: the amounts are the vendor's).
void CheckLine(const cv1::InvoiceLine& line, const json& l,
               const std::string& cur) {
  CHECK(line.line_id() == l["id"].get<std::string>());
  CHECK(line.description() == l["description"].get<std::string>());
  CHECK(line.quantity().units() == l["quantity"].get<int64_t>());
  CheckMinor(line.amount(), l["amount"], cur);
  CheckMinor(line.unit_amount(), l["unit_amount"], cur);
  CheckMinor(line.tax_amount(), l["tax_amount"], cur);
  CheckMinor(line.discount_amount(), l["discount_amount"], cur);
  CHECK(line.service_period().start_time().seconds() ==
        l["date_from"].get<int64_t>());
  CHECK(line.service_period().end_time().seconds() ==
        l["date_to"].get<int64_t>());
}

void CheckResource(const std::string& type, const json& o,
                   const av1::TranslationResult& r) {
  REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(r.entities_size() == 1);
  const auto& e = r.entities(0);
  if (type == "customer") {
    const auto& c = e.customer();
    CHECK(HasRef(c.external_refs(), "customer", o["id"]));
    CHECK(c.name() == o["company"].get<std::string>());
    CHECK(c.email() == o["email"].get<std::string>());
    CHECK(c.currency_code() == o["preferred_currency_code"].get<std::string>());
    CHECK(c.effective_at().seconds() == o["created_at"].get<int64_t>());
    CHECK(c.status() == cv1::CUSTOMER_STATUS_ACTIVE);
  } else if (type == "subscription") {
    const auto& c = e.contract();
    std::string cur = Lower(o["currency_code"]);
    CHECK(HasRef(c.external_refs(), "subscription", o["id"]));
    CheckLink(e, "customer_id", "customer", o["customer_id"]);
    CHECK(c.status() == cv1::CONTRACT_STATUS_ACTIVE);  // none is cancelled
    int64_t start = o.contains("started_at") ? o["started_at"].get<int64_t>()
                                             : o["start_date"].get<int64_t>();
    CHECK(c.term().start_time().seconds() == start);
    if (o.contains("cancelled_at")) {
      CHECK(c.term().end_time().seconds() == o["cancelled_at"].get<int64_t>());
      CHECK(c.renewal_behavior() == cv1::RENEWAL_BEHAVIOR_FIXED);
    } else {
      CHECK_FALSE(c.term().has_end_time());
      CHECK(c.renewal_behavior() == cv1::RENEWAL_BEHAVIOR_EVERGREEN);
    }
    if (o.contains("subscription_items")) {
      const json& items = o["subscription_items"];
      REQUIRE(c.lines_size() == static_cast<int>(items.size()));
      for (size_t i = 0; i < items.size(); ++i) {
        const auto& line = c.lines(static_cast<int>(i));
        CHECK(line.line_id() == items[i]["item_price_id"].get<std::string>());
        CHECK(line.quantity().units() == items[i]["quantity"].get<int64_t>());
        CheckMinor(line.unit_price(), items[i]["unit_price"], cur);
        CheckLink(e, "lines[" + std::to_string(i) + "].product_id",
                  "item_price", items[i]["item_price_id"]);
      }
    } else {
      // Product Catalog 1.0: the plan is the first line.
      REQUIRE(c.lines_size() >= 1);
      CHECK(c.lines(0).line_id() == o["plan_id"].get<std::string>());
      CHECK(c.lines(0).quantity().units() == o["plan_quantity"].get<int64_t>());
      CheckMinor(c.lines(0).unit_price(), o["plan_unit_price"], cur);
      CheckLink(e, "lines[0].product_id", "plan", o["plan_id"]);
    }
  } else if (type == "invoice" || type == "credit_note") {
    const auto& inv = e.invoice();
    std::string cur = Lower(o["currency_code"]);
    CHECK(HasRef(inv.external_refs(), type, o["id"]));
    CHECK(inv.kind() == (type == "invoice" ? cv1::INVOICE_KIND_INVOICE
                                           : cv1::INVOICE_KIND_CREDIT_NOTE));
    CheckLink(e, "customer_id", "customer", o["customer_id"]);
    if (o.contains("subscription_id"))
      CheckLink(e, "contract_id", "subscription", o["subscription_id"]);
    CHECK_FALSE(inv.tax_inclusive());  // every sample is tax_exclusive
    CheckMinor(inv.total(), o["total"], cur);
    CheckMinor(inv.subtotal(), o["sub_total"], cur);
    const json& lines = o["line_items"];
    REQUIRE(inv.lines_size() == static_cast<int>(lines.size()));
    for (size_t i = 0; i < lines.size(); ++i)
      CheckLine(inv.lines(static_cast<int>(i)), lines[i], cur);
    if (type == "invoice") {
      CheckMinor(inv.tax_total(), o["tax"], cur);
      CheckMinor(inv.amount_paid(), o["amount_paid"], cur);
      CheckMinor(inv.amount_remaining(), o["amount_due"], cur);
      CHECK(inv.due_at().seconds() == o["due_date"].get<int64_t>());
      CHECK(inv.status() == (o["status"] == "paid" ? cv1::INVOICE_STATUS_PAID
                                                   : cv1::INVOICE_STATUS_OPEN));
    } else {
      CheckLink(e, "credited_invoice_id", "invoice", o["reference_invoice_id"]);
      CHECK(inv.status() == cv1::INVOICE_STATUS_PAID);  // none is voided
      CHECK(inv.effective_at().seconds() == o["date"].get<int64_t>());
    }
  } else {
    FAIL("no check for " << type);
  }
}

}  // namespace

TEST_CASE("Chargebee samples translate field by field",
          "[conformance][chargebee]") {
  if (SharedAbsent("chargebee")) return;
  auto host = StartAdapter("chargebee");
  std::set<std::string> declared = Declared(*host);
  chargebee::ChargebeeAdapterProcess direct;
  int checked = 0;
  for (const fs::path& f : Samples("chargebee")) {
    INFO("sample chargebee/" << f.filename().string());
    json payload = json::parse(ReadFile(f));
    if (payload.contains("event_type")) {
      // A webhook event: translated whole, and accepted as a delivery.
      auto r = Translate(*host, "event", payload.dump(), "{}", kSystem);
      for (const auto& err : r.errors())
        UNSCOPED_INFO("error " << err.field_path() << ": " << err.reason());
      std::string type = payload["event_type"] == "credit_note_created"
                             ? "credit_note"
                             : "subscription";
      REQUIRE(payload["content"].contains(type));
      CheckResource(type, payload["content"][type], r);
      REQUIRE(r.events_size() == 1);
      CHECK(r.events(0).vendor_event_id() == payload["id"].get<std::string>());
      CHECK(r.events(0).occurred_at().seconds() ==
            payload["occurred_at"].get<int64_t>());
      CHECK(r.events(0).type() == (type == "credit_note"
                                       ? cv1::EVENT_TYPE_CREDIT_ISSUED
                                       : cv1::EVENT_TYPE_CONTRACT_AMENDED));
      auto v = direct.Verify(
          json{{"webhook_username", "u"}, {"webhook_password", "p"}}.dump(),
          ReadFile(f), {{"authorization", chargebee::BasicAuth("u:p")}});
      REQUIRE(v.verdict() == av1::WEBHOOK_VERDICT_ACCEPTED);
      CHECK(v.event_type() == payload["event_type"].get<std::string>());
      CHECK(v.records_size() == static_cast<int>(payload["content"].size()));
      for (const auto& rec : v.records()) {
        const json& o = payload["content"][rec.record().object_type()];
        CHECK(rec.idempotency_key() ==
              rec.record().object_type() + "/" + o["id"].get<std::string>() +
                  "@" + std::to_string(o["resource_version"].get<int64_t>()));
      }
      std::cout << "OK   chargebee/" << f.filename().string() << " (event "
                << payload["event_type"].get<std::string>() << ")\n";
      ++checked;
      continue;
    }
    // A retrieve answer: every resource it holds, as a bare record.
    REQUIRE(payload.is_object());
    for (const auto& [type, o] : payload.items()) {
      INFO("resource " << type);
      REQUIRE(declared.count(type));
      auto r = Translate(*host, type, o.dump(), "{}", kSystem);
      for (const auto& err : r.errors())
        UNSCOPED_INFO("error " << err.field_path() << ": " << err.reason());
      CheckResource(type, o, r);
      std::cout << "OK   chargebee/" << f.filename().string() << " (" << type
                << ")\n";
    }
    ++checked;
  }
  std::cout << "chargebee conformance: " << checked << " checked, 0 skipped\n";
  CHECK(checked == static_cast<int>(Samples("chargebee").size()));
  CHECK(checked >= 6);
}
