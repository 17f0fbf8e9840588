#include "tests/vendor_emulator/hubspot_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace revhub::emulator {

namespace {

// HubSpot's association type ids (HUBSPOT_DEFINED).
constexpr int kDealToCompanyPrimary = 5;
constexpr int kCompanyToDealPrimary = 6;
constexpr int kDealToLineItem = 19;
constexpr int kLineItemToDeal = 20;
constexpr int kDealToCompany = 341;
constexpr int kCompanyToDeal = 342;

constexpr int kSearchMaxLimit = 200;
constexpr int kBatchReadMax = 100;
constexpr int kAssociationBatchMax = 1000;

// The properties search and batch read return when none are asked for.
const std::map<std::string, std::vector<std::string>>& DefaultProperties() {
  static const auto* d = new std::map<std::string, std::vector<std::string>>{
      {"companies",
       {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"}},
      {"deals",
       {"amount", "closedate", "createdate", "dealname", "dealstage",
        "hs_lastmodifieddate", "hs_object_id", "pipeline"}},
      {"line_items",
       {"createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price",
        "quantity"}},
      {"products",
       {"createdate", "description", "hs_lastmodifieddate", "hs_object_id",
        "name", "price"}}};
  return *d;
}

bool IsTimeProperty(const std::string& name) {
  return name == "hs_lastmodifieddate" || name == "createdate" ||
         name == "closedate" || name == "lastmodifieddate";
}

std::string PropertyText(const json& object, const std::string& name) {
  const json& props = object["properties"];
  if (!props.contains(name) || !props[name].is_string()) return "";
  return props[name].get<std::string>();
}

// Compares an object's property with a filter value: <0, 0, >0; `ok` false
// when the property is absent or not comparable.
int Compare(const json& object, const std::string& name,
            const std::string& value, bool* ok) {
  std::string mine = PropertyText(object, name);
  *ok = !mine.empty();
  if (!*ok) return 0;
  if (IsTimeProperty(name)) {
    auto a = ParseMillis(mine);
    auto b = ParseMillis(value);
    *ok = a.ok() && b.ok();
    return *ok ? (*a < *b ? -1 : *a > *b ? 1 : 0) : 0;
  }
  double a, b;
  if (absl::SimpleAtod(mine, &a) && absl::SimpleAtod(value, &b)) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return mine.compare(value) < 0 ? -1 : mine == value ? 0 : 1;
}

// Whether `object` passes one filter; an unknown operator is an error.
absl::StatusOr<bool> Passes(const json& object, const json& filter) {
  std::string name = filter.value("propertyName", "");
  std::string op = filter.value("operator", "EQ");
  std::string value = filter.contains("value") && filter["value"].is_string()
                          ? filter["value"].get<std::string>()
                      : filter.contains("value") ? filter["value"].dump()
                                                 : "";
  if (op == "HAS_PROPERTY") return !PropertyText(object, name).empty();
  if (op == "NOT_HAS_PROPERTY") return PropertyText(object, name).empty();
  bool ok = false;
  int c = Compare(object, name, value, &ok);
  if (op == "EQ") return ok && c == 0;
  if (op == "NEQ") return !ok || c != 0;
  if (op == "LT") return ok && c < 0;
  if (op == "LTE") return ok && c <= 0;
  if (op == "GT") return ok && c > 0;
  if (op == "GTE") return ok && c >= 0;
  return absl::InvalidArgumentError(
      absl::StrCat("Unsupported filter operator ", op));
}

std::string Singular(const std::string& type) {
  return type == "companies" ? "company" : type.substr(0, type.size() - 1);
}

}  // namespace

json HubSpotError(const std::string& message, const std::string& category) {
  return {{"status", "error"},
          {"message", message},
          {"correlationId", "4f5c8f1e-1b1c-4d3a-9c55-6a0e2f7b9d10"},
          {"category", category}};
}

std::string IsoMillis(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseMillis(const std::string& text) {
  int64_t ms;
  if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit) &&
      absl::SimpleAtoi(text, &ms)) {
    return ms;
  }
  absl::Time t;
  std::string err;
  std::string full = text.size() == 10 ? text + "T00:00:00Z" : text;
  if (!absl::ParseTime(absl::RFC3339_full, full, &t, &err)) {
    return absl::InvalidArgumentError("not a time: " + text);
  }
  return absl::ToUnixMillis(t);
}

int64_t NowMillis() { return absl::ToUnixMillis(absl::Now()); }

bool HubSpotStore::KnownType(const std::string& type) {
  return DefaultProperties().count(type) > 0;
}

void HubSpotStore::Clear() {
  objects_.clear();
  links_.clear();
}

json& HubSpotStore::Put(const std::string& type, json object) {
  std::string id = object["id"].get<std::string>();
  if (!object.contains("properties") || !object["properties"].is_object())
    object["properties"] = json::object();
  json& props = object["properties"];
  props["hs_object_id"] = id;
  int64_t now = NowMillis();
  if (!object.contains("createdAt")) {
    object["createdAt"] =
        props.contains("createdate") && props["createdate"].is_string()
            ? props["createdate"]
            : json(IsoMillis(now));
  }
  if (!object.contains("updatedAt")) {
    object["updatedAt"] = props.contains("hs_lastmodifieddate") &&
                                  props["hs_lastmodifieddate"].is_string()
                              ? props["hs_lastmodifieddate"]
                              : object["createdAt"];
  }
  props["createdate"] = object["createdAt"];
  props["hs_lastmodifieddate"] = object["updatedAt"];
  if (!object.contains("archived")) object["archived"] = false;
  object.erase("associations");
  object.erase("line_items");
  json& slot = objects_[type][id];
  slot = std::move(object);
  return slot;
}

void HubSpotStore::Associate(const std::string& from_type,
                             const std::string& from_id,
                             const std::string& to_type,
                             const std::string& to_id,
                             std::vector<int> type_ids,
                             std::vector<int> reverse_type_ids) {
  auto add = [this](const LinkKey& key, const std::string& id,
                    const std::vector<int>& ids) {
    auto& links = links_[key];
    for (Link& l : links) {
      if (l.to_id == id) {
        for (int t : ids) {
          if (std::find(l.type_ids.begin(), l.type_ids.end(), t) ==
              l.type_ids.end())
            l.type_ids.push_back(t);
        }
        return;
      }
    }
    links.push_back({id, ids});
  };
  add({from_type, from_id, to_type}, to_id, type_ids);
  add({to_type, to_id, from_type}, from_id, reverse_type_ids);
}

void HubSpotStore::Generate(int n) {
  Clear();
  // 2026-01-01T00:00:00Z; object i is created and last modified i seconds
  // later.
  const int64_t base = 1767225600000;
  int made = 0;
  auto stamp = [&] { return IsoMillis(base + int64_t{made} * 1000); };
  for (int g = 0; made < n; ++g) {
    std::string company = absl::StrCat(1000000 + g);
    std::string product = absl::StrCat(2000000 + g);
    std::string line = absl::StrCat(3000000 + g);
    std::string deal = absl::StrCat(4000000 + g);
    std::string day = IsoMillis(base + int64_t{g} * 86400000).substr(0, 10);
    Put("companies", {{"id", company},
                      {"properties",
                       {{"name", absl::StrCat("Company ", g)},
                        {"domain", absl::StrCat("company", g, ".example")},
                        {"city", "Berlin"},
                        {"country", "DE"}}},
                      {"createdAt", stamp()}});
    if (++made == n) break;
    Put("products", {{"id", product},
                     {"properties",
                      {{"name", absl::StrCat("Plan ", g)},
                       {"hs_sku", absl::StrCat("PLAN-", g)},
                       {"price", "1200.00"},
                       {"recurringbillingfrequency", "annually"},
                       {"hs_recurring_billing_period", "P12M"}}},
                     {"createdAt", stamp()}});
    if (++made == n) break;
    Put("line_items", {{"id", line},
                       {"properties",
                        {{"name", absl::StrCat("Plan ", g)},
                         {"hs_product_id", product},
                         {"quantity", absl::StrCat(1 + g % 3)},
                         {"price", "1200.00"},
                         {"hs_line_item_currency_code", "EUR"},
                         {"recurringbillingfrequency", "annually"},
                         {"hs_recurring_billing_period", "P12M"},
                         {"hs_recurring_billing_start_date", day}}},
                       {"createdAt", stamp()}});
    if (++made == n) break;
    bool won = g % 5 != 4;
    Put("deals", {{"id", deal},
                  {"properties",
                   {{"dealname", absl::StrCat("Company ", g, " - Plan ", g)},
                    {"dealstage", won ? "closedwon" : "appointmentscheduled"},
                    {"pipeline", "default"},
                    {"amount", absl::StrCat(1200 * (1 + g % 3), ".00")},
                    {"deal_currency_code", "EUR"},
                    {"closedate", absl::StrCat(day, "T00:00:00.000Z")}}},
                  {"createdAt", stamp()}});
    Associate("deals", deal, "companies", company,
              {kDealToCompanyPrimary, kDealToCompany},
              {kCompanyToDealPrimary, kCompanyToDeal});
    Associate("deals", deal, "line_items", line, {kDealToLineItem},
              {kLineItemToDeal});
    ++made;
  }
}

absl::StatusOr<int> HubSpotStore::Load(const std::string& type,
                                       const json& doc) {
  if (!KnownType(type))
    return absl::InvalidArgumentError("unknown type " + type);
  if (doc.is_object() && doc.contains("results") && !doc.contains("id")) {
    int n = 0;
    for (const json& o : doc["results"]) {
      auto one = Load(type, o);
      if (!one.ok()) return one.status();
      n += *one;
    }
    return n;
  }
  if (!doc.is_object() || !doc.contains("id"))
    return absl::InvalidArgumentError("expected a v3 object with an id");
  json object = doc;
  if (object["id"].is_number()) object["id"] = object["id"].dump();
  std::string id = object["id"].get<std::string>();
  int n = 1;
  if (type == "deals") {
    if (doc.contains("line_items")) {
      auto lines = Load("line_items", doc["line_items"].is_array()
                                          ? json{{"results", doc["line_items"]}}
                                          : doc["line_items"]);
      if (!lines.ok()) return lines.status();
      n += *lines;
    }
    const json assoc = doc.value("associations", json::object());
    if (assoc.contains("companies")) {
      for (const json& a : assoc["companies"].value("results", json::array())) {
        bool primary = a.value("type", "") == "deal_to_company";
        Associate("deals", id, "companies", a["id"].get<std::string>(),
                  {primary ? kDealToCompanyPrimary : kDealToCompany},
                  {primary ? kCompanyToDealPrimary : kCompanyToDeal});
      }
    }
    if (assoc.contains("line_items")) {
      for (const json& a :
           assoc["line_items"].value("results", json::array())) {
        Associate("deals", id, "line_items", a["id"].get<std::string>(),
                  {kDealToLineItem}, {kLineItemToDeal});
      }
    }
  }
  Put(type, std::move(object));
  return n;
}

absl::StatusOr<int> HubSpotStore::LoadDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) return absl::NotFoundError("cannot read folder " + dir);
  std::sort(files.begin(), files.end());
  int n = 0;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    json doc = json::parse(text.str(), nullptr, false);
    if (doc.is_discarded())
      return absl::InvalidArgumentError(path.string() + ": not JSON");
    std::string name = absl::AsciiStrToLower(path.filename().string());
    std::string type;
    for (const char* t : {"companies", "deals", "line_items", "products"}) {
      if (absl::StartsWith(name, Singular(t))) type = t;
    }
    if (type.empty()) {
      const json props = doc.value("properties", json::object());
      type = props.contains("dealname")   ? "deals"
             : props.contains("quantity") ? "line_items"
             : props.contains("hs_sku") || props.contains("price")
                 ? "products"
                 : "companies";
    }
    auto loaded = Load(type, doc);
    if (!loaded.ok())
      return absl::InvalidArgumentError(path.string() + ": " +
                                        std::string(loaded.status().message()));
    n += *loaded;
  }
  return n;
}

absl::StatusOr<json> HubSpotStore::Touch(const std::string& type,
                                         const std::string& id,
                                         const json& set) {
  auto t = objects_.find(type);
  if (t == objects_.end() || !t->second.count(id))
    return absl::NotFoundError(absl::StrCat("no ", type, " ", id));
  json& object = t->second[id];
  if (set.is_object()) {
    for (const auto& [k, v] : set.items()) object["properties"][k] = v;
  }
  auto previous = ParseMillis(object["updatedAt"].get<std::string>());
  int64_t stamp = std::max(NowMillis(), previous.ok() ? *previous + 1 : 0);
  object["updatedAt"] = IsoMillis(stamp);
  object["properties"]["hs_lastmodifieddate"] = object["updatedAt"];
  return object;
}

const json* HubSpotStore::Find(const std::string& type,
                               const std::string& id) const {
  auto t = objects_.find(type);
  if (t == objects_.end()) return nullptr;
  auto it = t->second.find(id);
  return it == t->second.end() ? nullptr : &it->second;
}

json HubSpotStore::All(const std::string& type) const {
  json out = json::array();
  auto t = objects_.find(type);
  if (t == objects_.end()) return out;
  for (const auto& [id, object] : t->second) {
    json o = object;
    for (const char* other : {"companies", "deals", "line_items", "products"}) {
      auto l = links_.find({type, id, other});
      if (l == links_.end()) continue;
      for (const Link& link : l->second) {
        o["associations"][other]["results"].push_back(
            {{"id", link.to_id}, {"typeIds", link.type_ids}});
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

json HubSpotStore::Project(const std::string& type, const json& object,
                           const json& properties) const {
  json out = {{"id", object["id"]},
              {"properties", json::object()},
              {"createdAt", object["createdAt"]},
              {"updatedAt", object["updatedAt"]},
              {"archived", object["archived"]}};
  const json& props = object["properties"];
  std::vector<std::string> names = {"createdate", "hs_lastmodifieddate",
                                    "hs_object_id"};
  if (properties.is_array() && !properties.empty()) {
    for (const json& p : properties) {
      if (p.is_string()) names.push_back(p.get<std::string>());
    }
  } else {
    names = DefaultProperties().at(type);
  }
  for (const std::string& name : names) {
    out["properties"][name] = props.contains(name) ? props[name] : json();
  }
  return out;
}

Answer HubSpotStore::Search(const std::string& type, const json& body,
                            int cap) const {
  if (!body.is_object())
    return {400, HubSpotError("Invalid input JSON", "VALIDATION_ERROR")};
  int limit = 10;
  if (body.contains("limit")) {
    if (!body["limit"].is_number_integer() || body["limit"].get<int>() < 1 ||
        body["limit"].get<int>() > kSearchMaxLimit) {
      return {400, HubSpotError(absl::StrCat("limit must be between 1 and ",
                                             kSearchMaxLimit),
                                "VALIDATION_ERROR")};
    }
    limit = body["limit"].get<int>();
  }
  int64_t after = 0;
  if (body.contains("after")) {
    std::string text = body["after"].is_string()
                           ? body["after"].get<std::string>()
                           : body["after"].dump();
    if (!absl::SimpleAtoi(text, &after) || after < 0) {
      return {400, HubSpotError("after must be a non-negative integer",
                                "VALIDATION_ERROR")};
    }
  }
  if (after >= cap) {
    return {400,
            HubSpotError(
                absl::StrCat("The search API can page through at most ", cap,
                             " results of one query (after=", after, ")"),
                "VALIDATION_ERROR")};
  }
  std::vector<const json*> hits;
  auto t = objects_.find(type);
  if (t != objects_.end()) {
    for (const auto& [id, object] : t->second) {
      if (object.value("archived", false)) continue;
      const json groups = body.value("filterGroups", json::array());
      bool pass = groups.empty();
      for (const json& group : groups) {
        bool all = true;
        for (const json& filter : group.value("filters", json::array())) {
          auto ok = Passes(object, filter);
          if (!ok.ok()) {
            return {400, HubSpotError(std::string(ok.status().message()),
                                      "VALIDATION_ERROR")};
          }
          all = all && *ok;
        }
        pass = pass || all;
      }
      if (pass) hits.push_back(&object);
    }
  }
  // One sort (HubSpot honours one); ties in id order.
  const json sorts = body.value("sorts", json::array());
  if (!sorts.empty()) {
    std::string name = sorts[0].is_string()
                           ? sorts[0].get<std::string>()
                           : sorts[0].value("propertyName", "");
    bool descending = !sorts[0].is_string() &&
                      sorts[0].value("direction", "ASCENDING") == "DESCENDING";
    std::stable_sort(hits.begin(), hits.end(),
                     [&](const json* a, const json* b) {
                       bool ok = false;
                       int c = Compare(*a, name, PropertyText(*b, name), &ok);
                       return descending ? c > 0 : c < 0;
                     });
  }
  json results = json::array();
  for (int64_t i = after;
       i < static_cast<int64_t>(hits.size()) && i < after + limit; ++i) {
    results.push_back(
        Project(type, *hits[i], body.value("properties", json::array())));
  }
  json out = {{"total", hits.size()}, {"results", results}};
  if (after + limit < static_cast<int64_t>(hits.size())) {
    out["paging"] = {{"next", {{"after", absl::StrCat(after + limit)}}}};
  }
  return {200, out};
}

Answer HubSpotStore::BatchRead(const std::string& type,
                               const json& body) const {
  const json inputs =
      body.is_object() ? body.value("inputs", json::array()) : json::array();
  if (inputs.size() > kBatchReadMax) {
    return {400, HubSpotError(absl::StrCat("inputs: at most ", kBatchReadMax),
                              "VALIDATION_ERROR")};
  }
  json results = json::array();
  json missing = json::array();
  for (const json& input : inputs) {
    std::string id = input.value("id", "");
    const json* object = Find(type, id);
    if (object == nullptr) {
      missing.push_back(id);
      continue;
    }
    results.push_back(
        Project(type, *object, body.value("properties", json::array())));
  }
  std::string now = IsoMillis(NowMillis());
  json out = {{"status", "COMPLETE"},
              {"results", results},
              {"startedAt", now},
              {"completedAt", now}};
  if (missing.empty()) return {200, out};
  std::string upper = absl::AsciiStrToUpper(Singular(type));
  out["numErrors"] = 1;
  out["errors"] = json::array(
      {{{"status", "error"},
        {"category", "OBJECT_NOT_FOUND"},
        {"message", absl::StrCat("Could not get some ", upper,
                                 " objects, they may be deleted or not "
                                 "exist. Check that ids are valid.")},
        {"context", {{"ids", missing}}}}});
  return {207, out};
}

Answer HubSpotStore::AssociationsBatchRead(const std::string& from,
                                           const std::string& to,
                                           const json& body) const {
  const json inputs =
      body.is_object() ? body.value("inputs", json::array()) : json::array();
  if (inputs.size() > kAssociationBatchMax) {
    return {400,
            HubSpotError(absl::StrCat("inputs: at most ", kAssociationBatchMax),
                         "VALIDATION_ERROR")};
  }
  json results = json::array();
  json errors = json::array();
  for (const json& input : inputs) {
    std::string id = input.value("id", "");
    auto l = links_.find({from, id, to});
    if (l == links_.end() || l->second.empty()) {
      errors.push_back(
          {{"status", "error"},
           {"category", "OBJECT_NOT_FOUND"},
           {"subCategory", "crm.associations.NO_ASSOCIATIONS_FOUND"},
           {"context", {{"fromObjectId", json::array({id})}}},
           {"message", absl::StrCat("No ", Singular(to), " is associated with ",
                                    Singular(from), " ", id, ".")}});
      continue;
    }
    json targets = json::array();
    for (const Link& link : l->second) {
      json types = json::array();
      for (int t : link.type_ids) {
        types.push_back(
            {{"category", "HUBSPOT_DEFINED"},
             {"typeId", t},
             {"label", t == kDealToCompanyPrimary || t == kCompanyToDealPrimary
                           ? json("Primary")
                           : json()}});
      }
      int64_t to_id = 0;
      (void)absl::SimpleAtoi(link.to_id, &to_id);
      targets.push_back({{"toObjectId", to_id}, {"associationTypes", types}});
    }
    results.push_back({{"from", {{"id", id}}}, {"to", targets}});
  }
  std::string now = IsoMillis(NowMillis());
  json out = {{"status", "COMPLETE"},
              {"results", results},
              {"startedAt", now},
              {"completedAt", now}};
  if (errors.empty()) return {200, out};
  out["numErrors"] = errors.size();
  out["errors"] = errors;
  return {207, out};
}

}  // namespace revhub::emulator
