// The Salesforce emulator's org (salesforce_org.h): storing, generating and
// touching records, and running SOQL over them.
#include "tests/vendor_emulator/salesforce_org.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/vendor_emulator/salesforce_soql.h"

namespace revhub::emulator {
namespace {

using adapter::DumpExactJson;
using adapter::ExactNumber;
using adapter::ParseExactJson;

// A parent's child relationship: Opportunity.OpportunityLineItems are the
// OpportunityLineItem records whose OpportunityId is the opportunity's Id.
struct ChildRelationship {
  const char* parent;
  const char* name;
  const char* child;
  const char* foreign_key;
};
constexpr ChildRelationship kChildren[] = {
    {"Opportunity", "OpportunityLineItems", "OpportunityLineItem",
     "OpportunityId"},
    {"Order", "OrderItems", "OrderItem", "OrderId"},
    {"Account", "Opportunities", "Opportunity", "AccountId"},
    {"Contract", "Orders", "Order", "ContractId"},
};

const ChildRelationship* ChildOf(const std::string& parent,
                                 const std::string& name) {
  for (const ChildRelationship& c : kChildren) {
    if (parent == c.parent && absl::EqualsIgnoreCase(name, c.name)) return &c;
  }
  return nullptr;
}

std::string Text(const Json& record, const char* key) {
  return record.is_object() && record.contains(key) && record[key].is_string()
             ? record[key].get<std::string>()
             : std::string();
}

// Orders two field values: date-times by instant, other strings as text,
// null first.
int Compare(const Json& a, const Json& b) {
  if (a.is_null() || b.is_null())
    return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
  if (a.is_string() && b.is_string()) {
    const std::string& x = a.get_ref<const std::string&>();
    const std::string& y = b.get_ref<const std::string&>();
    std::optional<int64_t> mx = DateTimeMillis(x), my = DateTimeMillis(y);
    if (mx && my) return *mx < *my ? -1 : *mx > *my;
    return x.compare(y) < 0 ? -1 : x.compare(y) > 0;
  }
  const std::string x = DumpExactJson(a), y = DumpExactJson(b);
  return x.compare(y) < 0 ? -1 : x.compare(y) > 0;
}

bool Holds(const Json& value, const SoqlCondition& c) {
  using Kind = SoqlLiteral::Kind;
  int cmp = 0;
  switch (c.value.kind) {
    case Kind::kNull:
      if (c.op == "=") return value.is_null();
      if (c.op == "!=") return !value.is_null();
      return false;
    case Kind::kBool:
      if (!value.is_boolean()) return false;
      cmp = value.get<bool>() == c.value.truth ? 0 : 1;
      break;
    case Kind::kDateTime: {
      if (!value.is_string()) return false;
      std::optional<int64_t> ms = DateTimeMillis(value.get<std::string>());
      if (!ms) return false;
      cmp = *ms < c.value.millis ? -1 : *ms > c.value.millis;
      break;
    }
    case Kind::kDate:
    case Kind::kString: {
      if (!value.is_string()) return false;
      int r = value.get<std::string>().compare(c.value.text);
      cmp = r < 0 ? -1 : r > 0;
      break;
    }
  }
  if (c.op == "=") return cmp == 0;
  if (c.op == "!=") return cmp != 0;
  if (c.op == "<") return cmp < 0;
  if (c.op == "<=") return cmp <= 0;
  if (c.op == ">") return cmp > 0;
  if (c.op == ">=") return cmp >= 0;
  return false;
}

// Money in cents as Salesforce's decimal JSON number ("1200.00").
Json Cents(int64_t cents) {
  return ExactNumber(absl::StrFormat("%d.%02d", cents / 100, cents % 100));
}

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

std::string MakeId(const char* prefix, int n) {
  return absl::StrFormat("%sEm%010dAAA", prefix, n);
}

}  // namespace

std::string SalesforceTime(int64_t millis) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3S+0000",
                          absl::FromUnixMillis(millis), absl::UTCTimeZone());
}

Org::Org() {
  const std::vector<std::string> common = {"Id",
                                           "IsDeleted",
                                           "CreatedDate",
                                           "LastModifiedDate",
                                           "SystemModstamp",
                                           "CurrencyIsoCode"};
  const std::map<std::string, std::vector<std::string>> own = {
      {"Account",
       {"Name", "AccountNumber", "Type", "Industry", "Phone", "Website",
        "ParentId", "BillingStreet", "BillingCity", "BillingState",
        "BillingStateCode", "BillingPostalCode", "BillingCountry",
        "BillingCountryCode"}},
      {"Product2",
       {"Name", "ProductCode", "Description", "IsActive", "Family",
        "QuantityUnitOfMeasure"}},
      {"Opportunity",
       {"Name", "AccountId", "StageName", "IsClosed", "IsWon", "Probability",
        "CloseDate", "Type", "Amount", "ContractId"}},
      {"OpportunityLineItem",
       {"OpportunityId", "Product2Id", "PricebookEntryId", "ProductCode",
        "Name", "Quantity", "UnitPrice", "ListPrice", "TotalPrice", "Discount",
        "ServiceDate", "Description"}},
      {"Order",
       {"AccountId", "ContractId", "OpportunityId", "OrderNumber", "Status",
        "StatusCode", "IsReductionOrder", "EffectiveDate", "EndDate",
        "ActivatedDate", "TotalAmount"}},
      {"OrderItem",
       {"OrderId", "Product2Id", "PricebookEntryId", "Quantity", "UnitPrice",
        "ListPrice", "TotalPrice", "ServiceDate", "EndDate", "Description"}},
      {"Contract",
       {"AccountId", "ContractNumber", "Status", "StatusCode", "StartDate",
        "EndDate", "ContractTerm", "ActivatedDate", "CustomerSignedDate"}},
  };
  for (const auto& [type, fields] : own) {
    auto& set = standard_fields_[type];
    set.insert(common.begin(), common.end());
    set.insert(fields.begin(), fields.end());
  }
}

void Org::Clear() { objects_.clear(); }

int64_t Org::NextStamp() {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  last_stamp_ms_ = std::max(now, last_stamp_ms_ + 1);
  return last_stamp_ms_;
}

absl::Status Org::Load(const Json& in) {
  if (!in.is_object()) return absl::InvalidArgumentError("not an object");
  const std::string type = Text(in.value("attributes", Json::object()), "type");
  if (!standard_fields_.count(type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attributes.type: \"", type, "\" is not stored"));
  }
  const std::string id = Text(in, "Id");
  if (id.empty()) return absl::InvalidArgumentError("Id: required");
  Json record = in;
  for (const ChildRelationship& c : kChildren) {
    if (type != c.parent || !record.contains(c.name)) continue;
    const Json children = record[c.name];
    record.erase(c.name);
    if (!children.is_object() || !children.contains("records")) continue;
    for (Json child : children["records"]) {
      if (!child.is_object()) continue;
      child["attributes"]["type"] = c.child;
      if (!child.contains(c.foreign_key)) child[c.foreign_key] = id;
      for (const char* stamp :
           {"SystemModstamp", "LastModifiedDate", "CreatedDate"}) {
        if (!child.contains(stamp) && record.contains(stamp))
          child[stamp] = record[stamp];
      }
      if (absl::Status s = Load(child); !s.ok()) return s;
    }
  }
  // Parent records ride along in query results; they are stored apart.
  for (auto it = record.begin(); it != record.end();) {
    if (it.key() != "attributes" && it->is_object() &&
        it->contains("attributes")) {
      it = record.erase(it);
    } else {
      ++it;
    }
  }
  record["attributes"] = {
      {"type", type},
      {"url", absl::StrCat("/services/data/v59.0/sobjects/", type, "/", id)}};
  std::optional<int64_t> stamp = DateTimeMillis(Text(record, "SystemModstamp"));
  auto& slot = objects_[type][id];
  std::optional<int64_t> kept = DateTimeMillis(Text(slot, "SystemModstamp"));
  if (!slot.is_null() && kept && stamp && *kept > *stamp)
    return absl::OkStatus();
  slot = std::move(record);
  if (stamp) last_stamp_ms_ = std::max(last_stamp_ms_, *stamp);
  return absl::OkStatus();
}

absl::Status Org::LoadDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) return absl::NotFoundError(absl::StrCat(dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<Json> doc = ParseExactJson(text.str());
    if (!doc.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(f.string(), ": ", doc.status().message()));
    if (absl::Status s = Load(*doc); !s.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(f.string(), ": ", s.message()));
  }
  return absl::OkStatus();
}

void Org::Generate(int n) {
  Clear();
  struct Catalog {
    const char* name;
    const char* family;
    int64_t cents;
  };
  static constexpr Catalog kCatalog[] = {
      {"Platform (annual seat)", "Subscription", 120000},
      {"Analytics add-on (annual)", "Subscription", 45000},
      {"Onboarding package", "Professional Services", 300000},
      {"Premium support (annual)", "Support", 250000},
      {"Data connector (annual)", "Subscription", 80000},
      {"Training day", "Professional Services", 150000},
  };
  static constexpr const char* kCities[][4] = {
      {"Seattle", "Washington", "WA", "98104"},
      {"Austin", "Texas", "TX", "78701"},
      {"Boston", "Massachusetts", "MA", "02110"},
      {"Denver", "Colorado", "CO", "80202"},
  };
  static constexpr const char* kIndustries[] = {"Technology", "Finance",
                                                "Healthcare", "Retail"};
  const int products = n >= 3 ? std::max(1, n / 10) : 0;
  const int accounts = n >= 3 ? std::max(1, (n - products) / 3) : n;
  const int opportunities = n - products - accounts;
  const int64_t base = absl::ToUnixMillis(absl::FromCivil(
      absl::CivilSecond(2025, 1, 1, 0, 0, 0), absl::UTCTimeZone()));
  int k = 0;  // generation order: pairs share a stamp
  auto stamps = [&](Json& r) {
    const int64_t at = base + (k++ / 2) * 1000;
    r["SystemModstamp"] = SalesforceTime(at);
    r["LastModifiedDate"] = SalesforceTime(at);
    r["CreatedDate"] = SalesforceTime(at - 86400000);
    r["IsDeleted"] = false;
    last_stamp_ms_ = std::max(last_stamp_ms_, at);
  };
  auto store = [&](const char* type, Json r) {
    const std::string id = r["Id"].get<std::string>();
    r["attributes"] = {
        {"type", type},
        {"url", absl::StrCat("/services/data/v59.0/sobjects/", type, "/", id)}};
    objects_[type][id] = std::move(r);
  };
  for (int p = 0; p < products; ++p) {
    const Catalog& c = kCatalog[p % 6];
    Json r = {{"Id", MakeId("01t", p)},
              {"Name", p < 6 ? std::string(c.name)
                             : absl::StrCat(c.name, " ", p / 6 + 1)},
              {"ProductCode", absl::StrFormat("EM-%04d", p)},
              {"Family", c.family},
              {"Description", absl::StrCat(c.name, ", sold by the emulator")},
              {"IsActive", true},
              {"QuantityUnitOfMeasure", "Each"},
              {"CurrencyIsoCode", "USD"}};
    stamps(r);
    store("Product2", std::move(r));
  }
  for (int a = 0; a < accounts; ++a) {
    const auto* city = kCities[a % 4];
    Json r = {{"Id", MakeId("001", a)},
              {"Name", absl::StrFormat("Emulated Customer %04d, Inc.", a)},
              {"AccountNumber", absl::StrFormat("EMU-%05d", a)},
              {"Type", "Customer - Direct"},
              {"Industry", kIndustries[a % 4]},
              {"BillingStreet", absl::StrFormat("%d Market Street", 100 + a)},
              {"BillingCity", city[0]},
              {"BillingState", city[1]},
              {"BillingStateCode", city[2]},
              {"BillingPostalCode", city[3]},
              {"BillingCountry", "United States"},
              {"BillingCountryCode", "US"},
              {"Phone", absl::StrFormat("(555) 010-%04d", a % 10000)},
              {"Website", absl::StrFormat("https://customer%d.example", a)},
              {"CurrencyIsoCode", "USD"}};
    stamps(r);
    store("Account", std::move(r));
  }
  int line_number = 0;
  for (int o = 0; o < opportunities; ++o) {
    const absl::CivilDay close = absl::CivilDay(2025, 1, 15) + o % 700;
    const absl::CivilDay start = absl::CivilDay(absl::CivilMonth(close) + 1);
    const std::string id = MakeId("006", o);
    const bool lost = o % 7 == 6, open = o % 7 == 5;
    const std::string stage = lost   ? "Closed Lost"
                              : open ? "Negotiation/Review"
                                     : "Closed Won";
    Json lines = Json::array();
    int64_t amount = 0;
    const int count = products == 0 ? 0 : 1 + o % 3;
    for (int j = 0; j < count; ++j) {
      const int p = (o + j) % products;
      const int64_t price = kCatalog[p % 6].cents;
      const int quantity = 1 + (o + j) % 10;
      amount += price * quantity;
      Json li = {{"Id", MakeId("00k", line_number++)},
                 {"OpportunityId", id},
                 {"Product2Id", MakeId("01t", p)},
                 {"PricebookEntryId", MakeId("01u", p)},
                 {"ProductCode", absl::StrFormat("EM-%04d", p)},
                 {"Name", objects_["Product2"][MakeId("01t", p)]["Name"]},
                 {"Quantity", ExactNumber(absl::StrCat(quantity, ".0"))},
                 {"UnitPrice", Cents(price)},
                 {"ListPrice", Cents(price)},
                 {"TotalPrice", Cents(price * quantity)},
                 {"ServiceDate", Day(start)},
                 {"Description",
                  absl::StrFormat("%d x %s", quantity, kCatalog[p % 6].name)},
                 {"CurrencyIsoCode", "USD"}};
      lines.push_back(std::move(li));
    }
    Json r = {{"Id", id},
              {"Name", absl::StrFormat("Emulated deal %05d", o)},
              {"AccountId", MakeId("001", o % accounts)},
              {"StageName", stage},
              {"IsClosed", !open},
              {"IsWon", !open && !lost},
              {"Probability", lost   ? 0
                              : open ? 90
                                     : 100},
              {"CloseDate", Day(close)},
              {"Type", "New Business"},
              {"Amount", Cents(amount)},
              {"CurrencyIsoCode", "USD"},
              {"Contract_Start_Date__c", Day(start)},
              {"Contract_Term_Months__c", o % 3 == 0 ? 24 : 12}};
    stamps(r);
    for (Json& li : lines) {
      for (const char* s :
           {"SystemModstamp", "LastModifiedDate", "CreatedDate", "IsDeleted"})
        li[s] = r[s];
      store("OpportunityLineItem", std::move(li));
    }
    store("Opportunity", std::move(r));
  }
}

absl::StatusOr<Json> Org::Touch(const std::string& type, const std::string& id,
                                const Json& set) {
  auto t = objects_.find(type);
  if (t == objects_.end() || !t->second.count(id)) {
    return absl::NotFoundError(absl::StrCat(type, " ", id, " does not exist"));
  }
  Json& r = t->second[id];
  if (set.is_object()) {
    for (const auto& [key, value] : set.items()) r[key] = value;
  }
  const std::string now = SalesforceTime(NextStamp());
  r["SystemModstamp"] = now;
  r["LastModifiedDate"] = now;
  for (const ChildRelationship& c : kChildren) {
    if (type != c.child ||
        (type != "OpportunityLineItem" && type != "OrderItem")) {
      continue;
    }
    const std::string parent = Text(r, c.foreign_key);
    auto p = objects_[c.parent].find(parent);
    if (p != objects_[c.parent].end()) {
      p->second["SystemModstamp"] = now;
      p->second["LastModifiedDate"] = now;
    }
  }
  return r;
}

Json Org::Objects(const std::string& type) const {
  auto t = objects_.find(type);
  Json out = Json::object();
  if (t == objects_.end()) return out;
  for (const auto& [id, r] : t->second) out[id] = r;
  return out;
}

std::string Org::KnownField(const std::string& type,
                            const std::string& name) const {
  auto std_fields = standard_fields_.find(type);
  if (std_fields == standard_fields_.end()) return "";
  for (const std::string& f : std_fields->second) {
    if (absl::EqualsIgnoreCase(f, name)) return f;
  }
  auto t = objects_.find(type);
  if (t == objects_.end()) return "";
  for (const auto& [id, r] : t->second) {
    for (const auto& [key, value] : r.items()) {
      if (key != "attributes" && absl::EqualsIgnoreCase(key, name)) return key;
    }
  }
  return "";
}

Json Org::Render(const std::string& type, const Json& record,
                 const std::vector<std::string>& fields,
                 const std::string& api_version) const {
  const std::string id = Text(record, "Id");
  Json out = {{"attributes",
               {{"type", type},
                {"url", absl::StrCat("/services/data/", api_version,
                                     "/sobjects/", type, "/", id)}}}};
  for (const std::string& f : fields) {
    const size_t dot = f.find('.');
    if (dot == std::string::npos) {
      out[f] = record.contains(f) ? record[f] : Json();
      continue;
    }
    const std::string parent = f.substr(0, dot);
    const std::string field = f.substr(dot + 1);
    const std::string parent_id = Text(record, (parent + "Id").c_str());
    auto t = objects_.find(parent);
    if (parent_id.empty() || t == objects_.end() ||
        !t->second.count(parent_id)) {
      out[parent] = Json();
      continue;
    }
    const Json& p = t->second.at(parent_id);
    if (!out[parent].is_object()) {
      out[parent] = {
          {"attributes",
           {{"type", parent},
            {"url", absl::StrCat("/services/data/", api_version, "/sobjects/",
                                 parent, "/", parent_id)}}}};
    }
    out[parent][field] = p.contains(field) ? p[field] : Json();
  }
  return out;
}

std::vector<Json> Org::Query(const std::string& soql,
                             const std::string& api_version,
                             SoqlError* error) const {
  absl::StatusOr<SoqlQuery> q = ParseSoql(soql);
  if (!q.ok()) {
    *error = {"MALFORMED_QUERY", std::string(q.status().message())};
    return {};
  }
  std::string type;
  for (const auto& [t, fields] : standard_fields_) {
    if (absl::EqualsIgnoreCase(t, q->from)) type = t;
  }
  if (type.empty()) {
    *error = {"INVALID_TYPE",
              absl::StrCat("sObject type '", q->from, "' is not supported.")};
    return {};
  }
  // Resolves every selected name to its spelling; false on an unknown one.
  auto resolve = [&](const std::string& on,
                     std::vector<std::string>& names) -> bool {
    for (std::string& name : names) {
      const size_t dot = name.find('.');
      std::string spelled;
      if (dot == std::string::npos) {
        spelled = KnownField(on, name);
      } else {
        const std::string parent = KnownField(on, name.substr(0, dot) + "Id");
        const std::string parent_type =
            parent.size() > 2 ? parent.substr(0, parent.size() - 2) : "";
        const std::string field =
            standard_fields_.count(parent_type)
                ? KnownField(parent_type, name.substr(dot + 1))
                : "";
        if (!field.empty()) spelled = parent_type + "." + field;
      }
      if (spelled.empty()) {
        *error = {"INVALID_FIELD",
                  absl::StrCat("No such column '", name, "' on entity '", on,
                               "'. If you are attempting to use a custom "
                               "field, be sure to append the '__c' after the "
                               "custom field name.")};
        return false;
      }
      name = spelled;
    }
    return true;
  };
  if (!resolve(type, q->fields)) return {};
  const ChildRelationship* child = nullptr;
  if (q->subquery) {
    child = ChildOf(type, q->subquery->relationship);
    if (child == nullptr) {
      *error = {"INVALID_TYPE", absl::StrCat("Didn't understand relationship '",
                                             q->subquery->relationship,
                                             "' in FROM part of query call.")};
      return {};
    }
    if (!resolve(child->child, q->subquery->fields)) return {};
  }
  for (SoqlCondition& c : q->where) {
    std::vector<std::string> one = {c.field};
    if (!resolve(type, one)) return {};
    c.field = one[0];
  }
  for (SoqlOrder& o : q->order_by) {
    std::vector<std::string> one = {o.field};
    if (!resolve(type, one)) return {};
    o.field = one[0];
  }
  std::vector<const Json*> rows;
  auto t = objects_.find(type);
  if (t != objects_.end()) {
    for (const auto& [id, r] : t->second) {
      bool all = true;
      for (const SoqlCondition& c : q->where) {
        all = all && Holds(r.contains(c.field) ? r[c.field] : Json(), c);
      }
      if (all) rows.push_back(&r);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const Json* a, const Json* b) {
    for (const SoqlOrder& o : q->order_by) {
      int c = Compare(a->contains(o.field) ? (*a)[o.field] : Json(),
                      b->contains(o.field) ? (*b)[o.field] : Json());
      if (c != 0) return o.descending ? c > 0 : c < 0;
    }
    return false;
  });
  if (q->limit && rows.size() > static_cast<size_t>(*q->limit))
    rows.resize(*q->limit);
  std::vector<Json> out;
  for (const Json* r : rows) {
    Json rendered = Render(type, *r, q->fields, api_version);
    if (child != nullptr) {
      Json records = Json::array();
      auto kids = objects_.find(child->child);
      if (kids != objects_.end()) {
        for (const auto& [id, k] : kids->second) {
          if (Text(k, child->foreign_key) == Text(*r, "Id"))
            records.push_back(
                Render(child->child, k, q->subquery->fields, api_version));
        }
      }
      rendered[child->name] = records.empty()
                                  ? Json()
                                  : Json{{"totalSize", records.size()},
                                         {"done", true},
                                         {"records", records}};
    }
    out.push_back(std::move(rendered));
  }
  return out;
}

}  // namespace revhub::emulator
