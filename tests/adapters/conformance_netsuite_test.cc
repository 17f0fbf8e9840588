// Conformance of the NetSuite adapter on the shared NetSuite samples
// (oracle-devrel and Oracle's help center, see SOURCES.md):
//   <type>.create_request.json  Oracle's POST body for a record type. For a
//       type Apply delivers (customer, invoice, journalEntry) the test builds
//       the canonical entity holding the sample's values, delivers it through
//       the real adapter process to the NetSuite emulator, and checks every
//       field of the sample in the body sent: the same value, or, for the
//       fields the canonical model does not carry, that nothing is sent.
//   <type>.json  a record read back. A record type the adapter declares
//       must have checks written here; any other (salesOrder) must be
//       refused by Translate, naming object_type.
// Every sample is checked; a sample the test has no check for fails it.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>

#include "tests/adapters/conformance_util.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
using namespace revhub::testing::conformance;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

constexpr char kToken[] = "ns-conformance-token";
constexpr char kLegalEntity[] = "conformance-le";

// Money in USD from a decimal the sample wrote (1000.0, 300).
cv1::Money Usd(const json& amount) {
  const double v = amount.get<double>();
  cv1::Money m;
  m.set_currency_code("USD");
  m.set_units(static_cast<int64_t>(std::floor(v)));
  m.set_nanos(static_cast<int32_t>(std::llround((v - std::floor(v)) * 1e9)));
  return m;
}

av1::EntityLink Known(const std::string& path, const std::string& type,
                      const std::string& id) {
  av1::EntityLink l;
  l.set_field_path(path);
  l.mutable_target()->set_system(kSystem);
  l.mutable_target()->set_object_type(type);
  l.mutable_target()->set_vendor_id(id);
  return l;
}

// Delivers `entity` and returns the body the emulator received. The
// emulator holds only what the test delivered, so a reference to one of
// Oracle's internal ids (customer 614) is refused there: `refused_path`
// names the one field whose refusal is expected (none when empty).
json Deliver(revhub::hub::AdapterClient& adapter, const Emulator& emu,
             const json& config, const av1::CanonicalEntity& entity,
             const std::vector<av1::EntityLink>& known,
             const std::string& refused_path = "") {
  const size_t before = emu.Requests().size();
  av1::ApplyRequest req;
  req.set_system(kSystem);
  *req.mutable_config() = ConfigStruct(config.dump());
  req.set_idempotency_key("conformance-" +
                          std::to_string(entity.entity_case()));
  req.set_operation(av1::CHANGE_OPERATION_UPSERT);
  *req.mutable_entity() = entity;
  for (const auto& k : known) *req.add_known_refs() = k;
  auto resp = adapter.Apply(req);
  REQUIRE(resp.ok());
  INFO("apply: " << ToJson(*resp));
  if (refused_path.empty()) {
    REQUIRE(resp->outcome() == av1::APPLY_OUTCOME_APPLIED);
  } else {
    REQUIRE((resp->outcome() == av1::APPLY_OUTCOME_APPLIED ||
             resp->outcome() == av1::APPLY_OUTCOME_REJECTED));
    if (resp->outcome() == av1::APPLY_OUTCOME_REJECTED)
      CHECK(resp->field_path() == refused_path);
  }
  json requests = emu.Requests();
  REQUIRE(requests.size() == before + 1);
  return requests.back()["body"];
}

// The sample's fields the canonical model does not carry: the adapter must
// not send them (NetSuite fills them from the account's defaults).
void CheckNotSent(const json& sent, const json& sample,
                  const std::set<std::string>& keys) {
  for (const auto& key : keys) {
    INFO("field " << key << " (not in the canonical model)");
    CHECK(sample.contains(key));
    CHECK_FALSE(sent.contains(key));
  }
}

// Fails for a field of the sample that no check below covers.
void CheckAllCovered(const json& sample, const std::set<std::string>& covered,
                     const std::string& name) {
  for (const auto& [key, value] : sample.items()) {
    INFO("sample " << name);
    CHECK(covered.count(key) == 1);
  }
}

void CheckCustomer(revhub::hub::AdapterClient& adapter, const Emulator& emu,
                   const json& config, const json& sample) {
  av1::CanonicalEntity e;
  auto* c = e.mutable_customer();
  c->set_id("cus_conformance");
  c->set_name(sample["companyName"].get<std::string>());
  c->set_email(sample["email"].get<std::string>());
  json sent = Deliver(adapter, emu, config, e, {});
  CHECK(sent["companyName"] == sample["companyName"]);
  CHECK(sent["email"] == sample["email"]);
  CheckAllCovered(sample, {"companyName", "email"}, "customer");
}

void CheckInvoice(revhub::hub::AdapterClient& adapter, const Emulator& emu,
                  const json& config, const json& sample) {
  av1::CanonicalEntity e;
  auto* inv = e.mutable_invoice();
  inv->set_id("inv_conformance");
  inv->set_kind(cv1::INVOICE_KIND_INVOICE);
  inv->set_customer_id("cus_conformance");
  inv->set_currency_code("USD");
  inv->set_legal_entity(kLegalEntity);
  std::vector<av1::EntityLink> known = {
      Known("customer_id", "customer", sample["entity"]["id"])};
  const json& items = sample["item"]["items"];
  for (size_t i = 0; i < items.size(); ++i) {
    auto* line = inv->add_lines();
    line->set_line_id(std::to_string(i + 1));
    line->set_product_id("prd_conformance_" + std::to_string(i));
    *line->mutable_amount() = Usd(items[i]["amount"]);
    known.push_back(Known("lines[" + std::to_string(i) + "].product_id", "item",
                          items[i]["item"]["id"]));
  }
  json sent = Deliver(adapter, emu, config, e, known, "entity");
  CHECK(sent["entity"] == sample["entity"]);
  CHECK(sent["subsidiary"] == sample["subsidiary"]);
  REQUIRE(sent["item"]["items"].size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("item.items[" << i << "]");
    const json& got = sent["item"]["items"][i];
    CHECK(got["item"] == items[i]["item"]);
    CHECK(got["amount"].get<double>() == items[i]["amount"].get<double>());
    for (const auto& [key, value] : items[i].items()) {
      INFO("item field " << key);
      CHECK((key == "item" || key == "amount"));
    }
  }
  CheckNotSent(sent, sample, {"postingperiod", "location", "terms"});
  CheckAllCovered(
      sample,
      {"entity", "subsidiary", "item", "postingperiod", "location", "terms"},
      "invoice");
}

void CheckJournalEntry(revhub::hub::AdapterClient& adapter, const Emulator& emu,
                       const json& config, const json& sample) {
  av1::CanonicalEntity e;
  auto* je = e.mutable_journal_entry();
  je->set_id("je_conformance");
  je->set_legal_entity(kLegalEntity);
  const json& lines = sample["line"]["items"];
  for (const json& l : lines) {
    auto* line = je->add_lines();
    line->set_account(l["account"]["id"].get<std::string>());
    if (l.contains("debit")) *line->mutable_debit() = Usd(l["debit"]);
    if (l.contains("credit")) *line->mutable_credit() = Usd(l["credit"]);
  }
  json sent = Deliver(adapter, emu, config, e, {});
  CHECK(sent["subsidiary"] == sample["subsidiary"]);
  REQUIRE(sent["line"]["items"].size() == lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO("line.items[" << i << "]");
    const json& got = sent["line"]["items"][i];
    for (const auto& [key, value] : lines[i].items()) {
      INFO("line field " << key);
      if (key == "account") {
        CHECK(got["account"] == value);
      } else if (key == "debit" || key == "credit") {
        REQUIRE(got.contains(key));
        CHECK(got[key].get<double>() == value.get<double>());
      } else {
        FAIL("no check written for journal line field " << key);
      }
    }
  }
  CheckAllCovered(sample, {"subsidiary", "line"}, "journalEntry");
}

// A record type the adapter neither reads nor writes is refused by name.
void CheckRefused(revhub::hub::AdapterClient& adapter,
                  const std::set<std::string>& declared,
                  const std::string& type, const std::string& payload,
                  const json& config) {
  CHECK(declared.count(type) == 0);
  auto d = adapter.Describe();
  REQUIRE(d.ok());
  for (const auto& op : d->outbound_operations())
    CHECK(op.vendor_object_type() != type);
  auto r = Translate(adapter, type, payload, config.dump(), kSystem);
  CHECK(r.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  REQUIRE(r.errors_size() == 1);
  CHECK(r.errors(0).field_path() == "object_type");
  CHECK(r.entities_size() == 0);
}

}  // namespace

TEST_CASE(
    "NetSuite samples: Apply sends Oracle's request bodies field by field",
    "[conformance][netsuite]") {
  if (SharedAbsent("netsuite")) return;
  Emulator emu(kToken);
  auto host = StartAdapter("netsuite");
  std::set<std::string> declared = Declared(*host);
  int checked = 0;
  const std::vector<fs::path> samples = Samples("netsuite");
  for (const fs::path& f : samples) {
    const std::string name = f.filename();
    const std::string type = name.substr(0, name.find('.'));
    const bool request = name.find(".create_request.") != std::string::npos;
    const json sample = json::parse(ReadFile(f));
    INFO("sample netsuite/" << name);
    json config = {{"base_url", emu.base_url()},
                   {"access_token", kToken},
                   {"request_timeout_ms", 2000}};
    if (sample.contains("subsidiary")) {
      config["subsidiary_ids"] = {
          {kLegalEntity, sample["subsidiary"]["id"].get<std::string>()}};
    }
    if (request && type == "customer") {
      CheckCustomer(*host, emu, config, sample);
    } else if (request && type == "invoice") {
      CheckInvoice(*host, emu, config, sample);
    } else if (request && type == "journalEntry") {
      CheckJournalEntry(*host, emu, config, sample);
    } else if (declared.count(type)) {
      FAIL("a declared NetSuite record sample appeared; add its checks: "
           << name);
    } else if (type == "salesOrder") {
      CheckRefused(*host, declared, type, ReadFile(f), config);
    } else {
      FAIL("no check written for " << name);
    }
    std::cout << "OK   netsuite/" << name << "\n";
    ++checked;
  }
  std::cout << "netsuite conformance: " << checked << " checked\n";
  CHECK(checked == static_cast<int>(samples.size()));
  CHECK(checked >= 5);
}
