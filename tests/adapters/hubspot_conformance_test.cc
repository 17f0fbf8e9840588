// Conformance of the Node HubSpot adapter on the shared HubSpot samples
// (../shared/fixtures/vendors/hubspot, see SOURCES.md there): every sample
// is translated by the real adapter process through the AdapterHost and the
// result is checked field by field against the payload, which the test
// parses on its own (nlohmann::json; decimals by canonical::ParseDecimal,
// times by absl).
//
// The recorded deals carry no associations (SOURCES.md: requested with
// associations=companies,contacts, none had any), as deals from the search
// API never do. So every deal sample is checked twice: as recorded, it must
// translate without a customer link, its sources naming
// associations.companies as where the company would be; with a company
// association added by this test, linked to it. Every other field of the
// contract must match the payload both times.
#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <set>

#include "absl/time/time.h"
#include "canonical/money.h"
#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

constexpr char kSystem[] = "conformance";
constexpr char kCompany[] = "conformance-company";
constexpr char kCurrency[] = "EUR";

fs::path HubSpotDir() {
  return fs::path(REVHUB_SHARED_DIR) / "fixtures" / "vendors" / "hubspot";
}

// The object type of a v3 record, from the object type id in its url
// (".../record/0-2/<id>": 0-2 companies, 0-3 deals, 0-8 line items).
std::string ObjectTypeOf(const json& record) {
  std::string url = record.value("url", "");
  if (url.find("/record/0-2/") != std::string::npos) return "companies";
  if (url.find("/record/0-3/") != std::string::npos) return "deals";
  if (url.find("/record/0-8/") != std::string::npos) return "line_items";
  if (url.find("/record/0-7/") != std::string::npos) return "products";
  return "";
}

// The portal (account) id in a record's url.
std::string PortalOf(const json& record) {
  std::string url = record.value("url", "");
  auto at = url.find("/contacts/");
  if (at == std::string::npos) return "";
  at += 10;
  return url.substr(at, url.find('/', at) - at);
}

bool Present(const json& props, const char* key) {
  return props.contains(key) && !props[key].is_null() &&
         !(props[key].is_string() && props[key].get<std::string>().empty());
}

void CheckTime(const google::protobuf::Timestamp& ts, const json& text) {
  INFO("time " << text);
  absl::Time t;
  std::string err;
  REQUIRE(
      absl::ParseTime(absl::RFC3339_full, text.get<std::string>(), &t, &err));
  int64_t s = absl::ToUnixSeconds(t);
  CHECK(ts.seconds() == s);
  CHECK(ts.nanos() == (t - absl::FromUnixSeconds(s)) / absl::Nanoseconds(1));
}

bool HasRef(const google::protobuf::RepeatedPtrField<cv1::ExternalRef>& refs,
            const std::string& type, const std::string& id) {
  for (const auto& r : refs) {
    if (r.system() == kSystem && r.object_type() == type && r.vendor_id() == id)
      return true;
  }
  return false;
}

void CheckCompany(const json& rec, const av1::CanonicalEntity& e) {
  const json& p = rec["properties"];
  const auto& c = e.customer();
  CHECK(HasRef(c.external_refs(), "companies", rec["id"]));
  CHECK(c.external_refs_size() == 1);
  CHECK(c.name() == p["name"].get<std::string>());
  if (Present(p, "city"))
    CHECK(c.billing_address().city() == p["city"].get<std::string>());
  if (Present(p, "state"))
    CHECK(c.billing_address().region() == p["state"].get<std::string>());
  if (Present(p, "country")) {
    std::string country = p["country"];
    // Only a two-letter code is an ISO 3166-1 code; the text is kept.
    CHECK(c.billing_address().country_code() ==
          (country.size() == 2 ? country : ""));
    CHECK(c.attributes().at("country") == country);
  }
  if (Present(p, "domain"))
    CHECK(c.attributes().at("domain") == p["domain"].get<std::string>());
  CHECK(c.status() == (rec.value("archived", false)
                           ? cv1::CUSTOMER_STATUS_INACTIVE
                           : cv1::CUSTOMER_STATUS_ACTIVE));
  CheckTime(c.effective_at(), p["createdate"]);
  CheckTime(c.source_updated_at(), p["hs_lastmodifieddate"]);
  CHECK(c.currency_code().empty());
}

// The vendor path the entity's sources give for a canonical field.
std::string SourceOf(const av1::CanonicalEntity& e, const std::string& field) {
  for (const auto& s : e.sources()) {
    if (s.field_path() == field) return s.vendor_path();
  }
  return "";
}

// A deal as translated as recorded (`with_company` false: no company link)
// or with a company association added by the test; `at` is the record's
// path in the payload ("results[3]." or "").
void CheckDeal(const json& rec, const av1::CanonicalEntity& e,
               bool with_company, const std::string& at) {
  const json& p = rec["properties"];
  const auto& k = e.contract();
  INFO("deal " << rec["id"]);
  CHECK(HasRef(k.external_refs(), "deals", rec["id"]));
  if (with_company) {
    REQUIRE(e.links_size() == 1);
    CHECK(e.links(0).field_path() == "customer_id");
    CHECK(e.links(0).target_type() == cv1::ENTITY_TYPE_CUSTOMER);
    CHECK(e.links(0).target().system() == kSystem);
    CHECK(e.links(0).target().object_type() == "companies");
    CHECK(e.links(0).target().vendor_id() == kCompany);
    CHECK(SourceOf(e, "customer_id") ==
          at + "associations.companies.results[0]");
  } else {
    CHECK(e.links_size() == 0);
    CHECK(SourceOf(e, "customer_id") == at + "associations.companies");
  }
  CHECK(SourceOf(e, "status") == at + "properties.dealstage");
  std::string stage = Present(p, "dealstage") ? p["dealstage"] : "";
  bool won = stage == "closedwon";
  CHECK(k.status() ==
        (won ? cv1::CONTRACT_STATUS_ACTIVE : cv1::CONTRACT_STATUS_DRAFT));
  // No deal_currency_code in the recordings: the configured currency.
  CHECK(k.currency_code() == (Present(p, "deal_currency_code")
                                  ? p["deal_currency_code"].get<std::string>()
                                  : kCurrency));
  if (Present(p, "amount")) {
    auto amount = revhub::ParseDecimal(p["amount"].get<std::string>());
    REQUIRE(amount.ok());
    CHECK(k.attributes().at("amount") == revhub::FormatDecimal(*amount));
  } else {
    CHECK(k.attributes().count("amount") == 0);
  }
  if (Present(p, "dealname"))
    CHECK(k.attributes().at("dealname") == p["dealname"].get<std::string>());
  if (Present(p, "dealstage")) CHECK(k.attributes().at("dealstage") == stage);
  CheckTime(k.effective_at(),
            Present(p, "closedate") ? p["closedate"] : p["createdate"]);
  if (won) {
    CheckTime(k.signed_at(), p["closedate"]);
  } else {
    CHECK_FALSE(k.has_signed_at());
  }
  CheckTime(k.source_updated_at(), p["hs_lastmodifieddate"]);
  CHECK(k.lines_size() == 0);  // the recordings have no line items
}

// The deal records of a sample, and the sample with a company association
// added to each.
std::vector<json> DealsOf(const json& payload) {
  if (payload.contains("results"))
    return payload["results"].get<std::vector<json>>();
  return {payload};
}

json WithCompany(json payload) {
  json assoc = {{"companies",
                 {{"results", json::array({{{"id", kCompany},
                                            {"type", "deal_to_company"}}})}}}};
  if (payload.contains("results")) {
    for (auto& r : payload["results"]) r["associations"] = assoc;
  } else {
    payload["associations"] = assoc;
  }
  return payload;
}

}  // namespace

TEST_CASE("HubSpot samples translate field by field through the Node adapter",
          "[conformance]") {
  if (!fs::is_directory(HubSpotDir())) {
    std::cout << "SKIP conformance for hubspot: " << HubSpotDir()
              << " is absent (the shared fixtures live beside the checkout)\n";
    return;
  }
  auto host = StartAdapter("hubspot");
  std::set<std::string> declared;
  auto d = host->Describe();
  REQUIRE(d.ok());
  for (const auto& t : d->inbound_object_types())
    declared.insert(t.object_type());

  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(HubSpotDir())) {
    if (f.path().extension() == ".json") files.push_back(f.path());
  }
  std::sort(files.begin(), files.end());
  int checked = 0, skipped = 0, deals = 0;
  for (const fs::path& f : files) {
    std::string name = f.filename();
    json payload = json::parse(ReadFile(f));
    bool list = payload.is_object() && payload.contains("results");
    const json& first = list ? payload["results"].at(0) : payload;
    std::string type = ObjectTypeOf(first);
    if (!declared.count(type)) {
      std::cout << "SKIP hubspot/" << name << ": object type \"" << type
                << "\" is not declared by the adapter\n";
      ++skipped;
      continue;
    }
    INFO("sample hubspot/" << name);
    json config = {{"portal_id", std::stoll(PortalOf(first))},
                   {"default_currency", kCurrency}};
    auto r = Translate(*host, type, payload.dump(), config.dump(), kSystem);
    for (const auto& err : r.errors())
      UNSCOPED_INFO("error " << err.field_path() << ": " << err.reason());

    if (type == "companies") {
      REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
      std::vector<json> records =
          list ? payload["results"].get<std::vector<json>>()
               : std::vector<json>{payload};
      REQUIRE(r.entities_size() == static_cast<int>(records.size()));
      for (size_t i = 0; i < records.size(); ++i)
        CheckCompany(records[i], r.entities(static_cast<int>(i)));
      REQUIRE(r.events_size() == static_cast<int>(records.size()));
      CHECK(r.events(0).type() == cv1::EVENT_TYPE_CUSTOMER_CHANGED);
      CheckTime(r.events(0).occurred_at(),
                records[0]["properties"]["hs_lastmodifieddate"]);
    } else if (type == "deals") {
      std::vector<json> records = DealsOf(payload);
      auto path_of = [&](size_t i) {
        return list ? "results[" + std::to_string(i) + "]." : std::string();
      };
      // As recorded: every deal translates, without its company.
      REQUIRE(r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
      REQUIRE(r.entities_size() == static_cast<int>(records.size()));
      for (size_t i = 0; i < records.size(); ++i)
        CheckDeal(records[i], r.entities(static_cast<int>(i)), false,
                  path_of(i));

      // With the company association: every field.
      auto with = Translate(*host, type, WithCompany(payload).dump(),
                            config.dump(), kSystem);
      for (const auto& err : with.errors())
        UNSCOPED_INFO("error " << err.field_path() << ": " << err.reason());
      REQUIRE(with.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
      REQUIRE(with.entities_size() == static_cast<int>(records.size()));
      REQUIRE(with.events_size() == static_cast<int>(records.size()));
      for (size_t i = 0; i < records.size(); ++i) {
        int at = static_cast<int>(i);
        CheckDeal(records[i], with.entities(at), true, path_of(i));
        CHECK(with.events(at).entity_index() == at);
        CHECK(with.events(at).type() == cv1::EVENT_TYPE_CONTRACT_CHANGED);
        CheckTime(with.events(at).occurred_at(),
                  records[i]["properties"]["hs_lastmodifieddate"]);
      }
      deals += static_cast<int>(records.size());

      // A system configured for another HubSpot account refuses them.
      json other = config;
      other["portal_id"] = 1;
      auto refused = Translate(*host, type, WithCompany(payload).dump(),
                               other.dump(), kSystem);
      REQUIRE(refused.outcome() == av1::TRANSLATION_OUTCOME_FAILED);
      CHECK(refused.errors(0).field_path() ==
            (list ? "results[0].url" : "url"));
    }
    std::cout << "OK   hubspot/" << name << " (" << type << ", "
              << (type == "deals" ? DealsOf(payload).size() : 1)
              << " records)\n";
    ++checked;
  }
  std::cout << "hubspot conformance: " << checked << " checked (" << deals
            << " deals field by field), " << skipped << " skipped\n";
  CHECK(checked >= 3);
}
