// Salesforce Read (salesforce_read.h): SOQL by SystemModstamp, paged by
// nextRecordsUrl.
//
// The cursor is JSON:
//   {"since": stamp, "after_id": Id, "next": nextRecordsUrl,
//    "floor": SOQL lower bound of the running query, "second": bool}
// `since` and `after_id` are the (SystemModstamp, Id) of the last record
// read; a record at or before that position is not returned again. A
// query's lower bound is `since` cut to the whole second, with >=, so that
// an object changed meanwhile (it moves to a later stamp) is never
// skipped; what is read twice has the same key and collapses. While a
// query runs, `next` continues it; a query locator Salesforce no longer
// knows (INVALID_QUERY_LOCATOR) restarts the query from `since`. A query
// stops at read_query_limit records; the next one starts where it
// stopped. When more than that many records share one second, the next
// query reads that second alone, without a limit ("second": true), and the
// one after starts at the following second.
#include "adapters/salesforce/salesforce_read.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {
namespace {

// What Read selects of one sObject type: every field its mapping reads,
// and the child records Translate takes with it.
struct SObjectQuery {
  const char* type;
  const char* description;
  std::vector<const char*> fields;
  // Configuration fields naming custom fields of this type.
  std::vector<const char*> configured_fields;
  // Parent-child subquery: relationship name, child type, child fields.
  const char* children = nullptr;
  const char* child_type = nullptr;
  std::vector<const char*> child_fields;
  std::vector<const char*> configured_child_fields;
};

const std::vector<SObjectQuery>& Queries() {
  static const auto* queries = new std::vector<SObjectQuery>{
      {"Account",
       "Account -> Customer",
       {"Id", "Name", "AccountNumber", "Type", "Industry", "Phone", "Website",
        "ParentId", "BillingStreet", "BillingCity", "BillingState",
        "BillingStateCode", "BillingPostalCode", "BillingCountryCode",
        "CurrencyIsoCode", "IsDeleted", "CreatedDate", "LastModifiedDate",
        "SystemModstamp"},
       {}},
      {"Product2",
       "Product2 -> Product",
       {"Id", "Name", "ProductCode", "Description", "IsActive", "Family",
        "QuantityUnitOfMeasure", "IsDeleted", "CreatedDate", "LastModifiedDate",
        "SystemModstamp"},
       {}},
      {"Opportunity",
       "Opportunity with its OpportunityLineItems (subquery) -> Contract",
       {"Id", "Name", "AccountId", "StageName", "IsClosed", "IsWon",
        "CloseDate", "Type", "Amount", "CurrencyIsoCode", "CreatedDate",
        "LastModifiedDate", "SystemModstamp"},
       {"opportunity_start_date_field", "opportunity_end_date_field",
        "opportunity_term_months_field", "evergreen_field", "auto_renew_field",
        "renewal_term_field"},
       "OpportunityLineItems",
       "OpportunityLineItem",
       {"Id", "OpportunityId", "Product2Id", "PricebookEntryId",
        "Product2.Name", "Product2.Family", "Product2.ProductCode",
        "ProductCode", "Name", "Quantity", "UnitPrice", "Discount",
        "ServiceDate", "Description"},
       {"line_end_date_field"}},
      {"Order",
       "Order with its OrderItems (subquery) -> new Contract version",
       {"Id", "AccountId", "ContractId", "OpportunityId", "OrderNumber",
        "Status", "StatusCode", "IsReductionOrder", "EffectiveDate", "EndDate",
        "ActivatedDate", "TotalAmount", "CurrencyIsoCode", "CreatedDate",
        "LastModifiedDate", "SystemModstamp"},
       {"evergreen_field", "auto_renew_field", "renewal_term_field"},
       "OrderItems",
       "OrderItem",
       {"Id", "OrderId", "Product2Id", "PricebookEntryId", "Product2.Name",
        "Product2.Family", "Product2.ProductCode", "Quantity", "UnitPrice",
        "ServiceDate", "EndDate", "Description"},
       {}},
  };
  return *queries;
}

const SObjectQuery* QueryFor(absl::string_view type) {
  for (const SObjectQuery& q : Queries()) {
    if (type == q.type) return &q;
  }
  return nullptr;
}

// Default values of the configuration fields Translate reads; a field left
// at its default is not selected (the defaults name CPQ fields a standard
// org lacks).
std::string DeclaredDefault(absl::string_view name) {
  if (name == "line_end_date_field") return "EndDate";
  if (name == "evergreen_field") return "SBQQ__Evergreen__c";
  if (name == "renewal_term_field") return "SBQQ__RenewalTerm__c";
  return "";
}

// Appends `field` to `out` unless it is there or omitted.
void AddField(const std::string& field, const std::vector<std::string>& omit,
              std::vector<std::string>* out) {
  if (field.empty()) return;
  if (std::find(omit.begin(), omit.end(), field) != omit.end()) return;
  if (std::find(out->begin(), out->end(), field) != out->end()) return;
  out->push_back(field);
}

std::vector<std::string> ListOf(const Config& config, const char* map_name,
                                absl::string_view type) {
  std::vector<std::string> out;
  auto map = config.GetStringMap(map_name);
  auto it = map.find(std::string(type));
  if (it == map.end()) return out;
  for (absl::string_view f : absl::StrSplit(it->second, ',')) {
    f = absl::StripAsciiWhitespace(f);
    if (!f.empty()) out.emplace_back(f);
  }
  return out;
}

// Returns the field list of `type` (and of its children, when
// `child_type`) for `config`.
std::vector<std::string> FieldsOf(const Config& config, const char* type,
                                  const std::vector<const char*>& fields,
                                  const std::vector<const char*>& configured) {
  const std::vector<std::string> omit =
      ListOf(config, "read_omitted_fields", type);
  std::vector<std::string> out;
  for (const char* f : fields) AddField(f, omit, &out);
  for (const char* name : configured) {
    const std::string value = config.GetString(name);
    if (value != DeclaredDefault(name)) AddField(value, omit, &out);
  }
  for (const std::string& f : ListOf(config, "read_extra_fields", type))
    AddField(f, omit, &out);
  return out;
}

// Returns the SELECT ... FROM part of the query of `q`.
std::string SelectFrom(const Config& config, const SObjectQuery& q) {
  std::vector<std::string> fields =
      FieldsOf(config, q.type, q.fields, q.configured_fields);
  if (q.children != nullptr) {
    fields.push_back(absl::StrCat(
        "(SELECT ",
        absl::StrJoin(FieldsOf(config, q.child_type, q.child_fields,
                               q.configured_child_fields),
                      ", "),
        " FROM ", q.children, ")"));
  }
  return absl::StrCat("SELECT ", absl::StrJoin(fields, ", "), " FROM ", q.type);
}

// The cursor (see the top of this file).
struct Cursor {
  std::string since;
  std::string after_id;
  std::string next;
  std::string floor;
  bool second = false;
};

absl::StatusOr<Cursor> ParseCursor(absl::string_view text) {
  Cursor c;
  if (text.empty()) return c;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object())
    return absl::InvalidArgumentError("cursor: not a Salesforce read cursor");
  for (auto [key, out] :
       {std::pair<const char*, std::string*>{"since", &c.since},
        {"after_id", &c.after_id},
        {"next", &c.next},
        {"floor", &c.floor}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string())
      return absl::InvalidArgumentError(
          absl::StrCat("cursor.", key, ": must be a string"));
    *out = j[key].get<std::string>();
  }
  c.second = j.value("second", false);
  return c;
}

std::string DumpCursor(const Cursor& c) {
  Json j = Json::object();
  j["since"] = c.since;
  if (!c.after_id.empty()) j["after_id"] = c.after_id;
  if (!c.next.empty()) j["next"] = c.next;
  if (!c.floor.empty()) j["floor"] = c.floor;
  if (c.second) j["second"] = true;
  return j.dump();
}

// Reads a Salesforce or RFC 3339 time.
std::optional<Timestamp> StampAt(const std::string& text) {
  if (text.empty()) return std::nullopt;
  Json j = text;
  absl::StatusOr<std::optional<Timestamp>> t = TextTimeAt(Field(j));
  if (!t.ok()) return std::nullopt;
  return *t;
}

bool Before(const Timestamp& a, const Timestamp& b) {
  return a.seconds() != b.seconds() ? a.seconds() < b.seconds()
                                    : a.nanos() < b.nanos();
}

Timestamp Seconds(int64_t s) {
  Timestamp t;
  t.set_seconds(s);
  return t;
}

// The first {message, errorCode} of a Salesforce REST error body.
struct VendorError {
  std::string code;
  std::string message;
};
VendorError ErrorOf(const HttpResponse& resp) {
  VendorError e;
  Json j = Json::parse(resp.body, nullptr, false);
  if (j.is_array() && !j.empty()) j = j[0];
  if (j.is_object()) {
    if (j.contains("errorCode") && j["errorCode"].is_string())
      e.code = j["errorCode"].get<std::string>();
    if (j.contains("message") && j["message"].is_string())
      e.message = j["message"].get<std::string>();
  }
  if (e.message.empty()) e.message = resp.body.substr(0, 300);
  return e;
}

// What a session error means for a read.
ReadResponse SessionFailure(const absl::Status& s) {
  if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) ||
      absl::IsResourceExhausted(s)) {
    return ReadRetry(s.message(), std::chrono::seconds(10));
  }
  return ReadFailed(s.message(), "oauth");
}

// What a REST answer that is not 200 means for a read.
ReadResponse QueryFailure(const Config& config, const HttpResponse& resp) {
  const VendorError e = ErrorOf(resp);
  const std::string vendor =
      absl::StrCat(e.code.empty() ? absl::StrCat("HTTP ", resp.status) : e.code,
                   ": ", e.message);
  if (resp.status == 401) {
    return ReadFailed(
        absl::StrCat(RefusedCredentialField(config),
                     ": Salesforce refused the session (", vendor, ")"),
        e.code);
  }
  if (e.code == "REQUEST_LIMIT_EXCEEDED" || resp.status == 429 ||
      resp.status >= 500) {
    return ReadRetry(absl::StrCat("Salesforce is busy (", vendor, ")"),
                     RetryAfterOf(resp, e.code == "REQUEST_LIMIT_EXCEEDED"
                                            ? std::chrono::seconds(60)
                                            : std::chrono::seconds(10)),
                     e.code.empty() ? absl::StrCat(resp.status) : e.code);
  }
  if (resp.status == 400 || resp.status == 403 || resp.status == 404) {
    return ReadFailed(
        absl::StrCat("Salesforce refused the query (", vendor, ")"),
        e.code.empty() ? absl::StrCat(resp.status) : e.code);
  }
  return ReadHttpFailure(resp.status, resp.body,
                         RetryAfterOf(resp, std::chrono::seconds(10)));
}

}  // namespace

std::vector<ConfigField> ReadConfigFields() {
  return {
      {"read_query_limit", ConfigType::kInteger, false, false,
       "Read: records one SOQL query covers (its LIMIT) before the next "
       "query starts where it stopped",
       "50000"},
      {"read_extra_fields", ConfigType::kStringMap, false, false,
       "Read: sObject type -> comma-separated fields to select besides "
       "those the mapping reads (e.g. {\"Opportunity\": \"Term__c\"})",
       ""},
      {"read_omitted_fields", ConfigType::kStringMap, false, false,
       "Read: sObject type -> comma-separated fields the org does not have "
       "(e.g. {\"Account\": \"CurrencyIsoCode, BillingStateCode\"} in a "
       "single-currency org without state picklists)",
       ""},
  };
}

std::vector<ReadableObjectType> ReadableTypes() {
  std::vector<ReadableObjectType> out;
  for (const SObjectQuery& q : Queries()) {
    ReadableObjectType t;
    t.set_object_type(q.type);
    t.set_description(absl::StrCat(q.description,
                                   "; SOQL by SystemModstamp, paged by "
                                   "nextRecordsUrl"));
    t.set_incremental(true);
    t.set_backfill_start(true);
    out.push_back(t);
  }
  return out;
}

std::vector<VendorRateLimit> RateLimits() {
  constexpr char kUrl[] =
      "https://developer.salesforce.com/docs/atlas.en-us."
      "salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/"
      "salesforce_app_limits_platform_api.htm";
  VendorRateLimit daily;
  daily.set_requests(100000);
  daily.mutable_per()->set_seconds(24 * 3600);
  daily.set_scope(
      "all REST and SOAP API requests of the org, rolling 24 hours: 100,000 "
      "plus 1,000 per Enterprise or Professional user license (5,000 per "
      "Unlimited or Performance license) and purchased add-ons; the "
      "smallest allocation is shown");
  daily.set_documentation_url(kUrl);
  VendorRateLimit concurrent;
  concurrent.set_requests(25);
  concurrent.mutable_per()->set_seconds(20);
  concurrent.set_scope(
      "concurrent long-running requests (20 s or longer) of a production "
      "org or sandbox (5 in Developer Edition and trial orgs); beyond it "
      "Salesforce answers REQUEST_LIMIT_EXCEEDED");
  concurrent.set_documentation_url(kUrl);
  return {daily, concurrent};
}

ReadResponse ReadObjects(const ReadContext& ctx) {
  const Config& config = ctx.config;
  const SObjectQuery* q = QueryFor(ctx.request.object_type());
  if (q == nullptr) {
    return ReadFailed(absl::StrCat("object_type: \"", ctx.request.object_type(),
                                   "\" is not read from Salesforce"));
  }
  absl::StatusOr<Cursor> parsed = ParseCursor(ctx.request.cursor());
  if (!parsed.ok()) return ReadFailed(parsed.status().message());
  Cursor cursor = *parsed;
  if (ctx.request.cursor().empty() && ctx.request.has_backfill_start()) {
    cursor.since = FormatTimestamp(ctx.request.backfill_start());
  }
  const std::optional<Timestamp> since = StampAt(cursor.since);
  if (!cursor.since.empty() && !since) {
    return ReadFailed(
        absl::StrCat("cursor.since: not a time: \"", cursor.since, "\""));
  }
  const int64_t limit = std::max<int64_t>(1, config.GetInt("read_query_limit"));

  absl::StatusOr<Session> session = GetSession(ctx.system, config);
  if (!session.ok()) return SessionFailure(session.status());

  ReadResponse out;
  HttpResponse resp;
  bool refreshed = false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    HttpRequest req;
    req.timeout =
        std::chrono::milliseconds(config.GetInt("request_timeout_ms"));
    if (cursor.next.empty()) {
      // A new query from `since`, cut to the second (SOQL literals have no
      // fraction).
      const int64_t floor = since ? since->seconds() : 0;
      cursor.floor = FormatTimestamp(Seconds(floor));
      std::string where = absl::StrCat("SystemModstamp >= ", cursor.floor);
      std::string tail = absl::StrCat(" LIMIT ", limit);
      if (cursor.second) {
        absl::StrAppend(&where, " AND SystemModstamp < ",
                        FormatTimestamp(Seconds(floor + 1)));
        tail.clear();
      }
      const std::string soql =
          absl::StrCat(SelectFrom(config, *q), " WHERE ", where,
                       " ORDER BY SystemModstamp, Id", tail);
      req.url = absl::StrCat(session->instance_url, "/services/data/",
                             config.GetString("api_version"),
                             "/query?q=", PercentEncode(soql));
    } else {
      req.url = absl::StrCat(session->instance_url, cursor.next);
    }
    req.headers.emplace_back("Authorization",
                             "Bearer " + session->access_token);
    req.headers.emplace_back("Accept", "application/json");
    if (ctx.request.page_size() > 0) {
      req.headers.emplace_back(
          "Sforce-Query-Options",
          absl::StrCat("batchSize=",
                       std::clamp(ctx.request.page_size(), 200, 2000)));
    }
    absl::StatusOr<HttpResponse> sent = SendHttp(req);
    out.set_vendor_calls(out.vendor_calls() + 1);
    if (!sent.ok()) {
      ReadResponse r = ReadRetry(
          absl::StrCat("Salesforce did not answer: ", sent.status().message()),
          std::chrono::seconds(10));
      r.set_vendor_calls(out.vendor_calls());
      return r;
    }
    resp = std::move(*sent);
    const VendorError e = resp.status == 200 ? VendorError{} : ErrorOf(resp);
    if (resp.status == 401 && session->refreshable && !refreshed) {
      // The token expired or was revoked: one new token, then once more.
      refreshed = true;
      session = GetSession(ctx.system, config, session->access_token);
      if (!session.ok()) {
        ReadResponse r = SessionFailure(session.status());
        r.set_vendor_calls(out.vendor_calls());
        return r;
      }
      continue;
    }
    if (!cursor.next.empty() &&
        (e.code == "INVALID_QUERY_LOCATOR" || resp.status == 404)) {
      // The locator expired: the same query again from `since`.
      cursor.next.clear();
      continue;
    }
    break;
  }
  if (resp.status != 200) {
    ReadResponse r = QueryFailure(config, resp);
    r.set_vendor_calls(out.vendor_calls());
    return r;
  }
  absl::StatusOr<Json> body = ParseExactJson(resp.body);
  if (!body.ok() || !body->is_object() || !body->contains("records") ||
      !(*body)["records"].is_array()) {
    ReadResponse r =
        ReadRetry("Salesforce answered a query without a records array",
                  std::chrono::seconds(10));
    r.set_vendor_calls(out.vendor_calls());
    return r;
  }
  const Json& records = (*body)["records"];
  std::optional<Timestamp> at = since;
  std::string after_id = cursor.after_id;
  for (size_t i = 0; i < records.size(); ++i) {
    const Json& rec = records[i];
    const Field r(rec, absl::StrCat("records[", i, "]"));
    absl::StatusOr<std::string> id = r["Id"].String();
    absl::StatusOr<std::string> stamp_text = r["SystemModstamp"].String();
    if (!id.ok() || !stamp_text.ok()) {
      return ReadFailed(absl::StrCat(
          "Salesforce record ", r.path(),
          " has no Id or SystemModstamp: the query must select both"));
    }
    const std::optional<Timestamp> stamp = StampAt(*stamp_text);
    if (!stamp) {
      return ReadFailed(absl::StrCat("Salesforce record ", r.path(),
                                     ".SystemModstamp: not a time"));
    }
    // Read already: at or before the cursor's (stamp, Id).
    if (at &&
        (Before(*stamp, *at) || (!Before(*at, *stamp) && *id <= after_id))) {
      continue;
    }
    *out.add_records() =
        MakeSourcedRecord(q->type, *id, *stamp_text, DumpExactJson(rec));
    at = stamp;
    after_id = *id;
    cursor.since = *stamp_text;
  }
  cursor.after_id = after_id;
  const int64_t total = body->value("totalSize", int64_t{0});
  out.set_total_estimate(total);
  const bool done = body->value("done", true);
  if (!done) {
    cursor.next = body->value("nextRecordsUrl", std::string());
    if (cursor.next.empty()) {
      return ReadFailed(
          "Salesforce answered done=false without nextRecordsUrl");
    }
    out.set_has_more(true);
  } else {
    cursor.next.clear();
    const std::optional<Timestamp> floor_at = StampAt(cursor.floor);
    const int64_t floor = floor_at ? floor_at->seconds()
                          : since  ? since->seconds()
                                   : 0;
    if (cursor.second) {
      // That second is read whole: the next query starts after it.
      cursor.second = false;
      cursor.since = FormatTimestamp(Seconds(floor + 1));
      cursor.after_id.clear();
      out.set_has_more(true);
    } else if (total >= limit) {
      // The query stopped at its limit; when all of it lay in one second,
      // read that second whole.
      cursor.second = at && at->seconds() == floor;
      out.set_has_more(true);
    }
    cursor.floor.clear();
  }
  if (at) *out.mutable_cursor_time() = *at;
  out.set_next_cursor(DumpCursor(cursor));
  out.set_outcome(adapter::v1::READ_OUTCOME_OK);
  return out;
}

}  // namespace revhub::adapter::salesforce
