// netsuite-emulator: a local stand-in for NetSuite's SuiteTalk REST record
// API, for tests. Listens on 127.0.0.1 port 0 (or --port) and prints one
// line "NETSUITE-EMULATOR|127.0.0.1:<port>" on stdout. Exits on SIGTERM or
// when stdin (a pipe) closes.
//
// Record API (what the NetSuite adapter uses):
//   PUT  /services/rest/record/v1/<type>/eid:<externalId>  upsert by external
//   id POST /services/rest/record/v1/<type>                   create; a second
//        record with the same externalId is refused (external ids are unique
//        per record type)
//   GET  /services/rest/record/v1/<type>/<id> | eid:<externalId>
//   GET  /services/rest/record/v1/<type>?limit=&offset=    list, one page:
//        {links, count, hasMore, items: [{links, id}], offset, totalResults}
//        in internal id order; limit defaults to (and is capped at) 1000
// A create or upsert answers 204 with Location: .../<type>/<internal id>.
// Requests need "Authorization: Bearer <token>" when --token is given.
// Business rules: a customer needs companyName (or firstName and lastName
// when isPerson); an invoice or creditMemo needs an entity that exists and
// at least one item line; a journalEntry needs balanced debits and credits.
//
// Control API (not recorded):
//   GET    /__control/requests  every record-API request received, in order,
//          with "received_ms" (milliseconds since the emulator started) and
//          the W3C "traceparent" header it carried ("" for none)
//   GET    /__control/records   every stored record, {type: {id: record}};
//          ?type=<record type> (any case) keeps one type
//   POST   /__control/faults    add a fault rule (JSON, see FaultRule)
//   DELETE /__control/faults    remove all fault rules
//   POST   /__control/reset     forget records, requests and faults
//   POST   /__control/lose      forget the stored records (?type=<record
//          type> keeps the others), as a NetSuite restored from an old
//          backup would; requests and faults are kept
//
// --data-dir=DIR keeps the records in DIR/netsuite-records.json (written
// after every change, read at start), so a restarted emulator holds what it
// held; without it the records live in memory only.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/sdk/mapping.h"
#include "canonical/money.h"
#include "httplib.h"
#include "tests/vendor_emulator/emulator_main.h"

namespace {

using revhub::adapter::DumpExactJson;
using revhub::adapter::Field;
using revhub::adapter::Json;
using revhub::adapter::ParseExactJson;

constexpr char kRecordPrefix[] = "/services/rest/record/v1/";

// FaultRule: {"mode": "status"|"timeout"|"reset", "status": 503,
// "retry_after": "2", "delay_ms": 2000, "count": N (0 = unlimited),
// "for_ms": M (0 = until used up or removed; else the rule ends M ms after
// it was added), "method": "PUT", "path_contains": "invoice", "body":
// "{...}"}. A rule with both count and for_ms ends at whichever comes first.
// mode "status" with a 4xx status and a NetSuite error body is a business
// rejection. "timeout" waits delay_ms and then handles the request
// normally (the client has usually given up: the write may still land).
// "reset" drops the connection mid-response.
struct FaultRule {
  std::string mode = "status";
  int status = 503;
  std::string retry_after;
  int delay_ms = 0;
  int remaining = 0;  // 0: unlimited
  std::optional<std::chrono::steady_clock::time_point> expires;
  std::string method;
  std::string path_contains;
  std::string body;
};

struct State {
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::map<std::string, std::map<std::string, Json>>
      records;  // type -> id -> record
  std::map<std::string, std::map<std::string, std::string>> by_external_id;
  int64_t next_id = 1001;
  Json requests = Json::array();
  std::vector<FaultRule> faults;
  std::string token;
  std::string base;
  std::string data_file;  // empty: records in memory only
  std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
};

State g_state;

// Writes the records to g_state.data_file (when set), replacing it whole.
// REQUIRES: g_state.mu held.
void SaveRecords() {
  if (g_state.data_file.empty()) return;
  Json doc = {{"next_id", g_state.next_id}, {"records", Json::object()}};
  for (const auto& [type, recs] : g_state.records)
    for (const auto& [id, rec] : recs) doc["records"][type][id] = rec;
  std::string tmp = g_state.data_file + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    std::cerr << "netsuite-emulator: cannot write " << tmp << "\n";
    return;
  }
  std::string text = DumpExactJson(doc);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), g_state.data_file.c_str()) != 0)
    std::cerr << "netsuite-emulator: cannot write " << g_state.data_file
              << "\n";
}

// Reads g_state.data_file when it exists. Returns false (having said why)
// when it exists and cannot be read.
bool LoadRecords() {
  FILE* f = std::fopen(g_state.data_file.c_str(), "r");
  if (f == nullptr) return true;
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  absl::StatusOr<Json> doc = ParseExactJson(text);
  if (!doc.ok() || !doc->is_object() || !doc->contains("records") ||
      !(*doc)["records"].is_object()) {
    std::cerr << "netsuite-emulator: " << g_state.data_file
              << " is not a records file\n";
    return false;
  }
  g_state.next_id = doc->value("next_id", int64_t{1001});
  for (auto& [type, recs] : (*doc)["records"].items()) {
    for (auto& [id, rec] : recs.items()) {
      g_state.records[type][id] = rec;
      if (rec.contains("externalId") && rec["externalId"].is_string())
        g_state.by_external_id[type][rec["externalId"].get<std::string>()] = id;
    }
  }
  return true;
}

Json ErrorBody(int status, const std::string& code, const std::string& detail,
               const std::string& path = "") {
  Json detail_obj = {{"detail", detail}, {"o:errorCode", code}};
  if (!path.empty()) detail_obj["o:errorPath"] = path;
  return {
      {"type", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"},
      {"title", status == 404   ? "Not Found"
                : status == 401 ? "Unauthorized"
                                : "Bad Request"},
      {"status", status},
      {"o:errorDetails", Json::array({detail_obj})}};
}

void SendError(httplib::Response& res, int status, const std::string& code,
               const std::string& detail, const std::string& path = "") {
  res.status = status;
  res.set_content(ErrorBody(status, code, detail, path).dump(),
                  "application/vnd.oracle.resource+json; type=error");
}

// Resolves {"id": ..} or {"externalId": ..} to a stored record of `type`.
bool RefExists(const std::string& type, const Json& ref) {
  if (!ref.is_object()) return false;
  if (ref.contains("id") && ref["id"].is_string()) {
    auto t = g_state.records.find(type);
    return t != g_state.records.end() &&
           t->second.count(ref["id"].get<std::string>());
  }
  if (ref.contains("externalId") && ref["externalId"].is_string()) {
    auto t = g_state.by_external_id.find(type);
    return t != g_state.by_external_id.end() &&
           t->second.count(ref["externalId"].get<std::string>());
  }
  return false;
}

// Returns "" when the record satisfies NetSuite's rules for `type`, else the
// error detail; `path` gets the offending field.
std::string Validate(const std::string& type, const Json& body,
                     std::string* path) {
  if (!body.is_object()) return "The request body must be a JSON object.";
  if (type == "customer") {
    bool person = body.contains("isPerson") && body["isPerson"] == true;
    if (person) {
      if (!body.contains("firstName") || !body.contains("lastName")) {
        *path = "lastName";
        return "Please enter value(s) for: First Name, Last Name";
      }
    } else if (!body.contains("companyName") ||
               !body["companyName"].is_string() ||
               body["companyName"].get<std::string>().empty()) {
      *path = "companyName";
      return "Please enter value(s) for: Company Name";
    }
    return "";
  }
  if (type == "invoice" || type == "creditmemo") {
    if (!body.contains("entity") || !RefExists("customer", body["entity"])) {
      *path = "entity";
      return "Invalid Field Value for field entity: the customer does not "
             "exist.";
    }
    const Json* items = body.contains("item") && body["item"].is_object() &&
                                body["item"].contains("items")
                            ? &body["item"]["items"]
                            : nullptr;
    if (items == nullptr || !items->is_array() || items->empty()) {
      *path = "item";
      return "You must enter at least one line item for this transaction.";
    }
    for (size_t i = 0; i < items->size(); ++i) {
      if (!(*items)[i].contains("item")) {
        *path = absl::StrCat("item.items[", i, "].item");
        return "Please enter value(s) for: Item";
      }
    }
    return "";
  }
  if (type == "journalentry") {
    const Json* items = body.contains("line") && body["line"].is_object() &&
                                body["line"].contains("items")
                            ? &body["line"]["items"]
                            : nullptr;
    if (items == nullptr || !items->is_array() || items->size() < 2) {
      *path = "line";
      return "A journal entry needs at least two lines.";
    }
    revhub::Nanos debits = 0, credits = 0;
    for (size_t i = 0; i < items->size(); ++i) {
      Field line(*items, "line.items");
      Field l = line.At(i);
      if (!l["account"].present()) {
        *path = absl::StrCat("line.items[", i, "].account");
        return "Please enter value(s) for: Account";
      }
      auto debit = l["debit"].OptionalNumber();
      auto credit = l["credit"].OptionalNumber();
      if (!debit.ok() || !credit.ok()) {
        *path = absl::StrCat("line.items[", i, "]");
        return "Invalid number.";
      }
      if (*debit) debits += revhub::ToNanos(**debit);
      if (*credit) credits += revhub::ToNanos(**credit);
    }
    if (debits != credits) {
      *path = "line";
      return "The total of debit entries must equal the total of credit "
             "entries.";
    }
    return "";
  }
  return "";
}

// Sets an invoice's or credit memo's total (and subtotal) to the sum of its
// item lines' amounts, as NetSuite computes them.
void SetTotal(Json& rec) {
  if (!rec.contains("item") || !rec["item"].is_object()) return;
  Field items(rec["item"], "item");
  absl::StatusOr<std::vector<Field>> lines = items["items"].Elements();
  if (!lines.ok()) return;
  revhub::Nanos total = 0;
  for (const Field& line : *lines) {
    auto amount = line["amount"].OptionalNumber();
    if (amount.ok() && *amount) total += revhub::ToNanos(**amount);
  }
  absl::StatusOr<revhub::canonical::v1::Decimal> d =
      revhub::DecimalFromNanos(total);
  if (!d.ok()) return;
  rec["total"] = revhub::adapter::DecimalToJson(*d);
  rec["subtotal"] = rec["total"];
}

// Returns the internal id of the `type` record with `external_id`, making
// one (an item NetSuite holds under that external id) when there is none.
// REQUIRES: g_state.mu held.
std::string IdForExternalId(const std::string& type,
                            const std::string& external_id) {
  auto& ids = g_state.by_external_id[type];
  auto it = ids.find(external_id);
  if (it != ids.end()) return it->second;
  std::string id = absl::StrCat(g_state.next_id++);
  g_state.records[type][id] = {{"id", id}, {"externalId", external_id}};
  ids[external_id] = id;
  return id;
}

// Answers references as NetSuite does, with the internal id: the entity
// (customer) and each line's item named by externalId get their id.
// REQUIRES: g_state.mu held.
void ResolveRefs(Json& rec) {
  auto resolve = [](Json& ref, const std::string& type) {
    if (!ref.is_object() || ref.contains("id") || !ref.contains("externalId") ||
        !ref["externalId"].is_string())
      return;
    ref["id"] = IdForExternalId(type, ref["externalId"].get<std::string>());
  };
  if (rec.contains("entity")) resolve(rec["entity"], "customer");
  if (rec.contains("createdFrom")) resolve(rec["createdFrom"], "invoice");
  if (rec.contains("item") && rec["item"].is_object() &&
      rec["item"].contains("items") && rec["item"]["items"].is_array()) {
    for (Json& line : rec["item"]["items"])
      if (line.is_object() && line.contains("item"))
        resolve(line["item"], "item");
  }
}

// Stores a record; returns its internal id. REQUIRES: g_state.mu held.
std::string Store(const std::string& type, Json body,
                  const std::string& external_id,
                  const std::string& existing_id) {
  std::string id =
      existing_id.empty() ? absl::StrCat(g_state.next_id++) : existing_id;
  Json& rec = g_state.records[type][id];
  if (!existing_id.empty() && rec.is_object()) {
    for (auto& [k, v] : body.items())
      rec[k] = v;  // an update keeps other fields
  } else {
    rec = std::move(body);
  }
  rec["id"] = id;
  if (type == "invoice" || type == "creditmemo") {
    SetTotal(rec);
    ResolveRefs(rec);
  }
  if (!external_id.empty()) {
    rec["externalId"] = external_id;
    g_state.by_external_id[type][external_id] = id;
  }
  return id;
}

// Numeric internal ids sort as numbers.
bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// One page of the records of `type`, in internal id order, as NetSuite's
// collection resource. REQUIRES: g_state.mu held.
void ListRecords(const httplib::Request& req, httplib::Response& res,
                 const std::string& type, const std::string& location_base) {
  int64_t limit = 1000, offset = 0;
  try {
    if (req.has_param("limit"))
      limit = std::stoll(req.get_param_value("limit"));
    if (req.has_param("offset"))
      offset = std::stoll(req.get_param_value("offset"));
  } catch (const std::exception&) {
    return SendError(res, 400, "INVALID_PARAMETER",
                     "limit and offset must be integers.");
  }
  if (limit < 1 || limit > 1000 || offset < 0)
    return SendError(res, 400, "INVALID_PARAMETER",
                     "limit must be 1 to 1000 and offset at least 0.");
  std::vector<std::string> ids;
  for (const auto& [id, rec] : g_state.records[type]) ids.push_back(id);
  std::sort(ids.begin(), ids.end(), IdLess);
  const int64_t total = static_cast<int64_t>(ids.size());
  Json items = Json::array();
  for (int64_t i = offset; i < total && i < offset + limit; ++i) {
    items.push_back(
        {{"links",
          Json::array({{{"rel", "self"}, {"href", location_base + ids[i]}}})},
         {"id", ids[i]}});
  }
  const bool more = offset + limit < total;
  std::string self = location_base.substr(0, location_base.size() - 1);
  auto page = [&](int64_t at) {
    return absl::StrCat(self, "?limit=", limit, "&offset=", at);
  };
  Json links = Json::array();
  if (more) links.push_back({{"rel", "next"}, {"href", page(offset + limit)}});
  links.push_back({{"rel", "self"}, {"href", page(offset)}});
  res.set_content(Json{{"links", links},
                       {"count", items.size()},
                       {"hasMore", more},
                       {"items", items},
                       {"offset", offset},
                       {"totalResults", total}}
                      .dump(),
                  "application/vnd.oracle.resource+json; type=collection");
}

void RecordApi(const httplib::Request& req, httplib::Response& res) {
  std::string rest = req.path.substr(sizeof(kRecordPrefix) - 1);
  auto slash = rest.find('/');
  std::string type = absl::AsciiStrToLower(rest.substr(0, slash));
  std::string key = slash == std::string::npos ? "" : rest.substr(slash + 1);
  std::string location_base =
      absl::StrCat(g_state.base, kRecordPrefix, rest.substr(0, slash), "/");
  std::lock_guard<std::mutex> lock(g_state.mu);
  bool by_eid = absl::StartsWith(key, "eid:");
  std::string eid = by_eid ? key.substr(4) : "";
  auto find_id = [&]() -> std::string {
    if (by_eid) {
      auto t = g_state.by_external_id.find(type);
      if (t == g_state.by_external_id.end()) return "";
      auto it = t->second.find(eid);
      return it == t->second.end() ? "" : it->second;
    }
    auto t = g_state.records.find(type);
    return t != g_state.records.end() && t->second.count(key) ? key : "";
  };
  if (req.method == "GET") {
    if (key.empty()) return ListRecords(req, res, type, location_base);
    std::string id = find_id();
    if (id.empty())
      return SendError(res, 404, "NONEXISTENT_ID",
                       "The record instance does not exist.");
    res.set_content(DumpExactJson(g_state.records[type][id]),
                    "application/vnd.oracle.resource+json; type=singular");
    return;
  }
  if (req.method != "PUT" && req.method != "POST") {
    return SendError(res, 405, "METHOD_NOT_ALLOWED", "Method not allowed.");
  }
  absl::StatusOr<Json> body = ParseExactJson(req.body);
  if (!body.ok())
    return SendError(res, 400, "INVALID_CONTENT",
                     std::string(body.status().message()));
  std::string path;
  std::string problem = Validate(type, *body, &path);
  if (!problem.empty()) return SendError(res, 400, "USER_ERROR", problem, path);
  std::string id;
  if (req.method == "PUT") {
    if (!by_eid)
      return SendError(res, 400, "INVALID_REQUEST",
                       "PUT is an upsert by external id: use eid:<id>.");
    id = Store(type, std::move(*body), eid, find_id());
  } else {
    if (!key.empty())
      return SendError(res, 405, "METHOD_NOT_ALLOWED",
                       "POST to a record instance.");
    std::string external_id =
        body->contains("externalId") && (*body)["externalId"].is_string()
            ? (*body)["externalId"].get<std::string>()
            : "";
    if (!external_id.empty() &&
        g_state.by_external_id[type].count(external_id)) {
      return SendError(res, 400, "DUP_RCRD",
                       absl::StrCat("A record with external ID ", external_id,
                                    " already exists."),
                       "externalId");
    }
    id = Store(type, std::move(*body), external_id, "");
  }
  SaveRecords();
  res.status = 204;
  res.set_header("Location", location_base + id);
}

// Returns the first matching fault rule (consuming one use), if any.
std::optional<FaultRule> TakeFault(const httplib::Request& req) {
  std::lock_guard<std::mutex> lock(g_state.mu);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(g_state.faults, [now](const FaultRule& rule) {
    return rule.expires && *rule.expires <= now;
  });
  for (auto it = g_state.faults.begin(); it != g_state.faults.end(); ++it) {
    if (!it->method.empty() && it->method != req.method) continue;
    if (!it->path_contains.empty() &&
        !absl::StrContains(req.path, it->path_contains))
      continue;
    FaultRule rule = *it;
    if (it->remaining > 0 && --it->remaining == 0) g_state.faults.erase(it);
    return rule;
  }
  return std::nullopt;
}

void Control(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(g_state.mu);
  if (req.path == "/__control/requests" && req.method == "GET") {
    res.set_content(DumpExactJson(g_state.requests), "application/json");
  } else if (req.path == "/__control/records" && req.method == "GET") {
    std::string only = absl::AsciiStrToLower(req.get_param_value("type"));
    Json all = Json::object();
    for (const auto& [type, recs] : g_state.records) {
      if (!only.empty() && type != only) continue;
      for (const auto& [id, rec] : recs) all[type][id] = rec;
    }
    res.set_content(DumpExactJson(all), "application/json");
  } else if (req.path == "/__control/faults" && req.method == "POST") {
    Json j = Json::parse(req.body, nullptr, false);
    if (!j.is_object()) {
      res.status = 400;
      res.set_content("fault rule must be a JSON object", "text/plain");
      return;
    }
    FaultRule r;
    r.mode = j.value("mode", "status");
    r.status = j.value("status", 503);
    r.retry_after = j.value("retry_after", "");
    r.delay_ms = j.value("delay_ms", 0);
    r.remaining = j.value("count", 0);
    if (int for_ms = j.value("for_ms", 0); for_ms > 0) {
      r.expires =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(for_ms);
    }
    r.method = j.value("method", "");
    r.path_contains = j.value("path_contains", "");
    r.body = j.contains("body") ? j["body"].dump() : "";
    if (r.mode != "status" && r.mode != "timeout" && r.mode != "reset") {
      res.status = 400;
      res.set_content("mode must be status, timeout or reset", "text/plain");
      return;
    }
    g_state.faults.push_back(r);
    res.status = 204;
  } else if (req.path == "/__control/faults" && req.method == "DELETE") {
    g_state.faults.clear();
    res.status = 204;
  } else if (req.path == "/__control/reset" && req.method == "POST") {
    g_state.faults.clear();
    g_state.records.clear();
    g_state.by_external_id.clear();
    g_state.requests = Json::array();
    SaveRecords();
    res.status = 204;
  } else if (req.path == "/__control/lose" && req.method == "POST") {
    std::string only = absl::AsciiStrToLower(req.get_param_value("type"));
    for (auto it = g_state.records.begin(); it != g_state.records.end();)
      it = only.empty() || it->first == only ? g_state.records.erase(it)
                                             : std::next(it);
    for (auto it = g_state.by_external_id.begin();
         it != g_state.by_external_id.end();)
      it = only.empty() || it->first == only ? g_state.by_external_id.erase(it)
                                             : std::next(it);
    SaveRecords();
    res.status = 204;
  } else {
    res.status = 404;
  }
}

void Handle(const httplib::Request& req, httplib::Response& res) {
  if (absl::StartsWith(req.path, "/__control/")) return Control(req, res);
  size_t seq;
  {
    std::lock_guard<std::mutex> lock(g_state.mu);
    Json entry = {
        {"method", req.method},
        {"path", req.path},
        {"received_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - g_state.started)
                            .count()},
        {"idempotency_key", req.get_header_value("X-NetSuite-Idempotency-Key")},
        {"traceparent", req.get_header_value("traceparent")},
        {"authorized",
         g_state.token.empty() || req.get_header_value("Authorization") ==
                                      "Bearer " + g_state.token}};
    absl::StatusOr<Json> body = ParseExactJson(req.body);
    entry["body"] = req.body.empty() ? Json()
                    : body.ok()      ? *body
                                     : Json(req.body);
    seq = g_state.requests.size();
    g_state.requests.push_back(std::move(entry));
  }
  auto finish = [&](const std::string& fault) {
    std::lock_guard<std::mutex> lock(g_state.mu);
    g_state.requests[seq]["status"] = res.status;
    if (!fault.empty()) g_state.requests[seq]["fault"] = fault;
  };
  if (std::optional<FaultRule> fault = TakeFault(req)) {
    if (fault->mode == "timeout") {
      std::unique_lock<std::mutex> lock(g_state.mu);
      g_state.stop_cv.wait_for(lock, std::chrono::milliseconds(fault->delay_ms),
                               [] { return g_state.stopping; });
      // then handle normally: the client has likely given up already
    } else if (fault->mode == "reset") {
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json", [](size_t, httplib::DataSink&) { return false; });
      finish("reset");
      return;
    } else {
      res.status = fault->status;
      if (!fault->retry_after.empty())
        res.set_header("Retry-After", fault->retry_after);
      res.set_content(
          fault->body.empty()
              ? ErrorBody(fault->status, "INJECTED", "injected failure").dump()
              : fault->body,
          "application/json");
      finish("status");
      return;
    }
  }
  if (!g_state.token.empty() &&
      req.get_header_value("Authorization") != "Bearer " + g_state.token) {
    SendError(res, 401, "INVALID_LOGIN", "Invalid login attempt.");
  } else if (absl::StartsWith(req.path, kRecordPrefix)) {
    RecordApi(req, res);
  } else {
    SendError(res, 404, "NOT_FOUND", "Unknown path.");
  }
  finish("");
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--token=")) {
      g_state.token = arg.substr(8);
    } else if (absl::StartsWith(arg, "--port=")) {
      port = std::stoi(arg.substr(7));
    } else if (absl::StartsWith(arg, "--data-dir=")) {
      std::string dir = arg.substr(11);
      mkdir(dir.c_str(), 0700);
      g_state.data_file = dir + "/netsuite-records.json";
    } else {
      std::cerr << "usage: netsuite-emulator [--token=TOKEN] [--port=PORT] "
                   "[--data-dir=DIR]\n";
      return 2;
    }
  }
  if (!g_state.data_file.empty() && !LoadRecords()) return 1;
  return revhub::emulator::ServeEmulator(
      "NETSUITE-EMULATOR", "netsuite-emulator", port, Handle,
      [](int bound_port) {
        g_state.base = absl::StrCat("http://127.0.0.1:", bound_port);
      },
      [] {
        {
          std::lock_guard<std::mutex> lock(g_state.mu);
          g_state.stopping = true;
        }
        g_state.stop_cv.notify_all();
      });
}
