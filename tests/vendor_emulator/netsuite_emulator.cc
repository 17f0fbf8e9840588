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
//   GET  /services/rest/record/v1/<type>                   list
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
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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
  std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
};

State g_state;

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
  if (!external_id.empty()) {
    rec["externalId"] = external_id;
    g_state.by_external_id[type][external_id] = id;
  }
  return id;
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
    if (key.empty()) {
      Json items = Json::array();
      for (const auto& [id, rec] : g_state.records[type])
        items.push_back({{"id", id}});
      res.set_content(
          Json{{"count", items.size()}, {"hasMore", false}, {"items", items}}
              .dump(),
          "application/vnd.oracle.resource+json; type=collection");
      return;
    }
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
    } else {
      std::cerr << "usage: netsuite-emulator [--token=TOKEN] [--port=PORT]\n";
      return 2;
    }
  }
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
