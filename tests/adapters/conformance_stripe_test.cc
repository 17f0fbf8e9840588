// Conformance of the Stripe adapter on the shared Stripe samples: every
// sample of an object type the adapter declares is translated by the real
// adapter process, and the canonical result is checked field by field
// against the payload, which the test parses on its own. Samples of
// undeclared types are listed as skipped. Some samples hold placeholder
// values (SOURCES.md): they are compared value for value, never for
// arithmetic consistency.
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

void CheckStripeObject(const json& o, const av1::TranslationResult& r) {
  std::string object = o["object"];
  if ((object == "payment_intent" || object == "charge") &&
      o["customer"].is_null()) {
    CHECK(r.outcome() == av1::TRANSLATION_OUTCOME_SKIPPED);
    CHECK(r.skip_reason().find("no customer") != std::string::npos);
    return;
  }
  if (object == "refund" && o["charge"].is_string()) {
    // A refund naming its charge by id: the charge carries amount_refunded.
    CHECK(r.outcome() == av1::TRANSLATION_OUTCOME_SKIPPED);
    CHECK(r.skip_reason().find(o["charge"].get<std::string>()) !=
          std::string::npos);
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
    // Open-ended unless Stripe says when it ends.
    if (!o["ended_at"].is_null()) {
      CHECK(c.term().end_time().seconds() == o["ended_at"].get<int64_t>());
    } else if (!o["cancel_at"].is_null()) {
      CHECK(c.term().end_time().seconds() == o["cancel_at"].get<int64_t>());
    } else if (!o.value("cancel_at_period_end", false)) {
      CHECK_FALSE(c.term().has_end_time());
      CHECK(c.renewal_behavior() == cv1::RENEWAL_BEHAVIOR_EVERGREEN);
    }
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
    // Inclusive tax is taken out of the lines and the subtotal (these
    // samples carry no discount and no amount_excluding_tax).
    auto inclusive_tax = [](const json& taxes) {
      int64_t sum = 0;
      if (!taxes.is_array()) return sum;
      for (const json& t : taxes) {
        if (t.value("inclusive", false) ||
            t.value("tax_behavior", "") == "inclusive")
          sum += t["amount"].get<int64_t>();
      }
      return sum;
    };
    int64_t invoice_inclusive =
        inclusive_tax(o.contains("total_tax_amounts") ? o["total_tax_amounts"]
                                                      : o["total_taxes"]);
    CHECK(inv.tax_inclusive() == (invoice_inclusive != 0));
    CheckMinor(inv.subtotal(),
               json(o["subtotal"].get<int64_t>() - invoice_inclusive), cur);
    CheckMinor(inv.total(), o["total"], cur);
    CheckMinor(inv.amount_credited(),
               json(o["pre_payment_credit_notes_amount"].get<int64_t>() +
                    o["post_payment_credit_notes_amount"].get<int64_t>()),
               cur);
    CheckMinor(inv.amount_remaining(), o["amount_remaining"], cur);
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
      const json& taxes = lines[i].contains("tax_amounts")
                              ? lines[i]["tax_amounts"]
                              : lines[i]["taxes"];
      CheckMinor(l.amount(),
                 json(lines[i]["amount"].get<int64_t>() - inclusive_tax(taxes)),
                 cur);
      int64_t start = lines[i]["period"]["start"].get<int64_t>();
      int64_t end = lines[i]["period"]["end"].get<int64_t>();
      bool invoice_item =
          lines[i].value("type", "") == "invoiceitem" ||
          (lines[i].contains("parent") && lines[i]["parent"].is_object() &&
           lines[i]["parent"].value("type", "") == "invoice_item_details");
      bool subscription = lines[i].contains("subscription") &&
                          !lines[i]["subscription"].is_null();
      if (start == end || (invoice_item && !subscription)) {
        // A one-off charge: delivered at an instant, no service period.
        CHECK(l.delivered_at().seconds() == end);
        CHECK_FALSE(l.has_service_period());
      } else {
        CHECK(l.service_period().start_time().seconds() == start);
        CHECK(l.service_period().end_time().seconds() == end);
      }
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

TEST_CASE("Stripe samples translate field by field", "[conformance][stripe]") {
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
