// chargebee-emulator: a local stand-in for Chargebee's API v2 list
// endpoints, for tests. Listens on 127.0.0.1 port 0 (or --port) and prints
// one line "CHARGEBEE-EMULATOR|127.0.0.1:<port>" on stdout. Exits on SIGTERM
// or when stdin (a pipe) closes.
//
// Vendor API (what the Chargebee adapter uses), every answer with a Date
// header:
//   GET /api/v2/<resources>        customers, items, item_prices, plans,
//       addons, subscriptions, invoices, credit_notes, transactions
//       ?limit=1..100 (default 10) &offset=<next_offset>
//       &sort_by[asc|desc]=updated_at|created_at|date
//       &updated_at[after|before]=<unix s> &include_deleted=true
//     -> {"list": [{"<resource>": {...}}, ...], "next_offset": "..."}
//     next_offset is Chargebee-like key-set text ["<sort key>","<id>"]: the
//     next page starts after that key, so an object changed meanwhile moves
//     behind the offset when the list is sorted by updated_at.
//   GET /api/v2/<resources>/<id>   -> {"<resource>": {...}}
// Auth: HTTP basic with the API key as the username (--api-key=KEY; none:
// every request is accepted). Errors have Chargebee's shape: {"message",
// "type", "api_error_code", "param", "error_code", "http_status_code"}.
//
// Control API (not recorded as vendor requests):
//   GET    /__control/requests   vendor requests received, in order
//   POST   /__control/faults     {"mode": "status"|"timeout"|"reset",
//          "status": 429, "retry_after_seconds": 1, "path_regex": "...",
//          "count": N (0: unlimited), "every": K (every K-th matching
//          request; default 1), "delay_ms": for timeouts (default 15000)}
//   DELETE /__control/faults
//   POST   /__control/dataset    {"generate": N} | {"dir": PATH} |
//          {"clear": true}; --data DIR loads a folder at start
//   POST   /__control/touch      {"type", "id", "set": {...}}: bumps
//          updated_at and resource_version, appends an event
//   POST   /__control/webhooks/send  {"url", "secret": "user:password",
//          "type", "id", "event_type", "resend_event_id", "sign_with",
//          "timestamp_offset_seconds"} -> {"status", "event_id"}
//   GET    /__control/objects?type=T  every stored object of one type
//   GET    /__control/events     every event appended, in order
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "httplib.h"
#include "tests/vendor_emulator/chargebee_dataset.h"
#include "tests/vendor_emulator/emulator_main.h"

namespace {

namespace fs = std::filesystem;
using revhub::adapter::Base64Decode;
using revhub::adapter::Base64Encode;
using revhub::adapter::DumpExactJson;
using revhub::adapter::Json;
using revhub::adapter::ParseExactJson;
using revhub::testing::chargebee::GenerateDataset;
using revhub::testing::chargebee::ResourceOfPath;

struct FaultRule {
  std::string mode = "status";
  int status = 503;
  int retry_after_seconds = -1;
  int delay_ms = 15000;
  std::optional<std::regex> path_regex;
  int remaining = 0;  // 0: unlimited
  int every = 1;
  int seen = 0;
};

struct State {
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  // resource -> id -> object
  std::map<std::string, std::map<std::string, Json>> objects;
  Json events = Json::array();
  int64_t next_event = 1;
  Json requests = Json::array();
  std::vector<FaultRule> faults;
  std::string api_key;
};

State g_state;

std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

void SendError(httplib::Response& res, int status, const std::string& type,
               const std::string& api_code, const std::string& message,
               const std::string& param = "",
               const std::string& error_code = "") {
  Json body = {{"message", message},
               {"type", type},
               {"api_error_code", api_code},
               {"error_code", error_code.empty() ? api_code : error_code},
               {"error_msg", message},
               {"http_status_code", status}};
  if (!param.empty()) body["param"] = param;
  res.status = status;
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

int64_t IntOf(const Json& o, const char* key) {
  return o.contains(key) && o[key].is_number_integer() ? o[key].get<int64_t>()
                                                       : 0;
}

// The sort key of `o` for a sort attribute.
int64_t SortKey(const Json& o, const std::string& attribute) {
  if (attribute == "updated_at") return IntOf(o, "updated_at");
  if (attribute == "date") return IntOf(o, "date");
  int64_t created = IntOf(o, "created_at");
  return created ? created : IntOf(o, "date");
}

void ListApi(const httplib::Request& req, httplib::Response& res,
             const std::string& resource, const std::string& id) {
  std::lock_guard<std::mutex> lock(g_state.mu);
  auto& all = g_state.objects[resource];
  if (!id.empty()) {
    auto it = all.find(id);
    if (it == all.end()) {
      return SendError(res, 404, "invalid_request", "resource_not_found",
                       absl::StrCat(resource, " not found for id ", id), "id");
    }
    res.set_content(DumpExactJson(Json{{resource, it->second}}),
                    "application/json;charset=UTF-8");
    return;
  }
  int64_t limit = 10;
  if (req.has_param("limit") &&
      (!absl::SimpleAtoi(req.get_param_value("limit"), &limit) || limit < 1 ||
       limit > 100)) {
    return SendError(res, 400, "invalid_request", "invalid_request",
                     "limit : The value should be between 1 and 100", "limit",
                     "param_not_in_range");
  }
  std::string sort_attribute = "created_at";
  bool ascending = false;
  for (const char* order : {"asc", "desc"}) {
    std::string key = absl::StrCat("sort_by[", order, "]");
    if (!req.has_param(key)) continue;
    sort_attribute = req.get_param_value(key);
    ascending = std::string(order) == "asc";
    bool allowed = sort_attribute == "updated_at" ||
                   sort_attribute == "created_at" || sort_attribute == "date";
    if (resource == "credit_note") allowed = sort_attribute == "date";
    if (!allowed) {
      return SendError(
          res, 400, "invalid_request", "invalid_request",
          absl::StrCat("sort_by[", order, "] : invalid value ", sort_attribute),
          absl::StrCat("sort_by[", order, "]"), "param_invalid");
    }
  }
  std::optional<int64_t> after, before;
  for (auto [param, slot] : {std::pair{"updated_at[after]", &after},
                             std::pair{"updated_at[before]", &before}}) {
    if (!req.has_param(param)) continue;
    int64_t v = 0;
    if (!absl::SimpleAtoi(req.get_param_value(param), &v)) {
      return SendError(res, 400, "invalid_request", "invalid_request",
                       absl::StrCat(param, " : invalid timestamp"), param,
                       "param_invalid");
    }
    *slot = v;
  }
  bool include_deleted = req.get_param_value("include_deleted") == "true";
  std::vector<std::pair<std::pair<int64_t, std::string>, const Json*>> rows;
  for (const auto& [oid, o] : all) {
    if (!include_deleted && o.value("deleted", false)) continue;
    int64_t updated = IntOf(o, "updated_at");
    if (after && !(updated > *after)) continue;
    if (before && !(updated < *before)) continue;
    rows.push_back({{SortKey(o, sort_attribute), oid}, &o});
  }
  std::sort(rows.begin(), rows.end(),
            [ascending](const auto& a, const auto& b) {
              return ascending ? a.first < b.first : b.first < a.first;
            });
  size_t start = 0;
  if (req.has_param("offset")) {
    Json key = Json::parse(req.get_param_value("offset"), nullptr, false);
    int64_t k = 0;
    if (!key.is_array() || key.size() != 2 || !key[0].is_string() ||
        !key[1].is_string() ||
        !absl::SimpleAtoi(key[0].get<std::string>(), &k)) {
      return SendError(res, 400, "invalid_request", "invalid_request",
                       "offset : invalid value", "offset", "param_invalid");
    }
    std::pair<int64_t, std::string> from{k, key[1].get<std::string>()};
    while (start < rows.size() && (ascending ? !(from < rows[start].first)
                                             : !(rows[start].first < from)))
      ++start;
  }
  Json list = Json::array();
  size_t end = std::min(rows.size(), start + static_cast<size_t>(limit));
  for (size_t i = start; i < end; ++i)
    list.push_back(Json{{resource, *rows[i].second}});
  Json body = {{"list", list}};
  if (end < rows.size()) {
    body["next_offset"] = Json::array({absl::StrCat(rows[end - 1].first.first),
                                       rows[end - 1].first.second})
                              .dump();
  }
  res.set_content(DumpExactJson(body), "application/json;charset=UTF-8");
}

// Loads every *.json of `dir`: a bare resource ({"object": ...}) or a
// retrieve answer holding resources by name ({"subscription": {...},
// "customer": {...}}). Returns an error text, or "".
std::string LoadDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return absl::StrCat(dir, ": not a folder");
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir, ec))
    if (f.path().extension() == ".json") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<Json> doc = ParseExactJson(text.str());
    if (!doc.ok() || !doc->is_object())
      return absl::StrCat(f.string(), ": not a JSON object");
    std::vector<Json> found;
    if (doc->contains("object") && (*doc)["object"].is_string()) {
      found.push_back(*doc);
    } else {
      for (const auto& [k, v] : doc->items())
        if (v.is_object() && v.contains("object")) found.push_back(v);
    }
    for (const Json& o : found) {
      if (!o.contains("id") || !o["id"].is_string())
        return absl::StrCat(f.string(), ": a resource without an id");
      g_state.objects[o["object"].get<std::string>()][o["id"]] = o;
    }
  }
  return "";
}

// The event type Chargebee sends when a resource of `resource` changes.
std::string ChangedEventType(const std::string& resource) {
  if (resource == "customer" || resource == "subscription")
    return resource + "_changed";
  if (resource == "transaction") return "transaction_updated";
  return resource + "_updated";
}

Json NewEvent(const std::string& type, const std::string& event_type,
              const Json& o, int64_t occurred_at) {
  Json ev = {{"id", absl::StrCat("ev_emu_", g_state.next_event++)},
             {"occurred_at", occurred_at},
             {"source", "api"},
             {"object", "event"},
             {"api_version", "v2"},
             {"event_type", event_type},
             {"content", Json{{type, o}}}};
  // Events carry the resources the object refers to, as Chargebee's do.
  if (o.contains("customer_id") && o["customer_id"].is_string() &&
      type != "customer") {
    auto& customers = g_state.objects["customer"];
    auto it = customers.find(o["customer_id"].get<std::string>());
    if (it != customers.end()) ev["content"]["customer"] = it->second;
  }
  g_state.events.push_back(ev);
  return ev;
}

void Touch(const Json& j, httplib::Response& res) {
  std::string type = j.value("type", "");
  std::string id = j.value("id", "");
  auto& objs = g_state.objects[type];
  auto it = objs.find(id);
  if (it == objs.end()) {
    res.status = 404;
    res.set_content(absl::StrCat("no ", type, " ", id), "text/plain");
    return;
  }
  Json& o = it->second;
  if (j.contains("set") && j["set"].is_object())
    for (const auto& [k, v] : j["set"].items()) o[k] = v;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  int64_t updated = std::max(now, IntOf(o, "updated_at") + 1);
  o["updated_at"] = updated;
  o["resource_version"] =
      std::max(updated * 1000, IntOf(o, "resource_version") + 1);
  NewEvent(type, ChangedEventType(type), o, updated);
  res.set_content(DumpExactJson(o), "application/json");
}

// Builds the event a webhook sends (REQUIRES: g_state.mu held); sets an
// error on `res` and returns null when there is none to send.
Json WebhookEvent(const Json& j, httplib::Response& res) {
  if (j.contains("resend_event_id")) {
    std::string wanted = j.value("resend_event_id", "");
    for (const Json& e : g_state.events)
      if (e["id"] == wanted) return e;
    res.status = 404;
    res.set_content("no event " + wanted, "text/plain");
    return Json();
  }
  std::string type = j.value("type", "");
  auto& objs = g_state.objects[type];
  auto it = objs.find(j.value("id", ""));
  if (it == objs.end()) {
    res.status = 404;
    res.set_content("no such object", "text/plain");
    return Json();
  }
  int64_t when = IntOf(it->second, "updated_at") +
                 j.value("timestamp_offset_seconds", int64_t{0});
  return NewEvent(type, j.value("event_type", ChangedEventType(type)),
                  it->second, when);
}

// POSTs `ev` to j["url"] with basic auth from "user:password" (j["secret"],
// or j["sign_with"] to authenticate wrongly), as Chargebee does.
void PostWebhook(const Json& j, const Json& ev, httplib::Response& res) {
  std::string secret = j.value("sign_with", j.value("secret", ""));
  std::smatch m;
  std::string url = j.value("url", "");
  static const std::regex kUrl(R"(^(http://[^/]+)(/.*)?$)");
  if (!std::regex_match(url, m, kUrl)) {
    res.status = 400;
    res.set_content("url must be http://host:port/path", "text/plain");
    return;
  }
  httplib::Client client(m[1].str());
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers;
  if (!secret.empty())
    headers.emplace("Authorization", "Basic " + Base64Encode(secret));
  auto answer = client.Post(m[2].str().empty() ? "/" : m[2].str(), headers,
                            DumpExactJson(ev), "application/json");
  Json out = {{"event_id", ev["id"]}, {"status", answer ? answer->status : 0}};
  if (!answer) out["error"] = httplib::to_string(answer.error());
  res.set_content(out.dump(), "application/json");
}

void Control(const httplib::Request& req, httplib::Response& res) {
  Json j =
      req.body.empty() ? Json::object() : Json::parse(req.body, nullptr, false);
  if (req.method == "POST" && !j.is_object()) {
    res.status = 400;
    res.set_content("body must be a JSON object", "text/plain");
    return;
  }
  if (req.path == "/__control/webhooks/send" && req.method == "POST") {
    Json ev;
    {
      std::lock_guard<std::mutex> lock(g_state.mu);
      ev = WebhookEvent(j, res);
    }
    // Posted without the lock: the emulator keeps serving meanwhile.
    if (!ev.is_null()) PostWebhook(j, ev, res);
    return;
  }
  std::lock_guard<std::mutex> lock(g_state.mu);
  if (req.path == "/__control/requests" && req.method == "GET") {
    res.set_content(DumpExactJson(g_state.requests), "application/json");
  } else if (req.path == "/__control/events" && req.method == "GET") {
    res.set_content(DumpExactJson(g_state.events), "application/json");
  } else if (req.path == "/__control/objects" && req.method == "GET") {
    Json list = Json::array();
    for (const auto& [id, o] : g_state.objects[req.get_param_value("type")])
      list.push_back(o);
    res.set_content(DumpExactJson(list), "application/json");
  } else if (req.path == "/__control/faults" && req.method == "POST") {
    FaultRule r;
    r.mode = j.value("mode", "status");
    r.status = j.value("status", 503);
    r.retry_after_seconds = j.value("retry_after_seconds", -1);
    r.delay_ms = j.value("delay_ms", 15000);
    r.remaining = j.value("count", 0);
    r.every = std::max(1, j.value("every", 1));
    if (j.contains("path_regex")) {
      try {
        r.path_regex.emplace(j["path_regex"].get<std::string>());
      } catch (const std::exception&) {
        res.status = 400;
        res.set_content("path_regex: not a regular expression", "text/plain");
        return;
      }
    }
    if (r.mode != "status" && r.mode != "timeout" && r.mode != "reset") {
      res.status = 400;
      res.set_content(
          "mode must be status, timeout or reset (Chargebee has "
          "no tokens to expire)",
          "text/plain");
      return;
    }
    g_state.faults.push_back(std::move(r));
    res.status = 204;
  } else if (req.path == "/__control/faults" && req.method == "DELETE") {
    g_state.faults.clear();
    res.status = 204;
  } else if (req.path == "/__control/dataset" && req.method == "POST") {
    if (j.contains("generate")) {
      g_state.objects = GenerateDataset(j.value("generate", 0));
    } else if (j.contains("dir")) {
      g_state.objects.clear();
      std::string error = LoadDir(j.value("dir", ""));
      if (!error.empty()) {
        res.status = 400;
        res.set_content(error, "text/plain");
        return;
      }
    } else if (j.value("clear", false)) {
      g_state.objects.clear();
    } else {
      res.status = 400;
      res.set_content("expected generate, dir or clear", "text/plain");
      return;
    }
    g_state.events = Json::array();
    Json counts = Json::object();
    for (const auto& [type, objs] : g_state.objects) counts[type] = objs.size();
    res.set_content(counts.dump(), "application/json");
  } else if (req.path == "/__control/touch" && req.method == "POST") {
    Touch(j, res);
  } else {
    res.status = 404;
  }
}

// Returns the first fault rule this request triggers (consuming one use).
std::optional<FaultRule> TakeFault(const httplib::Request& req) {
  for (auto it = g_state.faults.begin(); it != g_state.faults.end(); ++it) {
    if (it->path_regex && !std::regex_search(req.path, *it->path_regex))
      continue;
    if (++it->seen % it->every != 0) continue;
    FaultRule rule = *it;
    if (it->remaining > 0 && --it->remaining == 0) g_state.faults.erase(it);
    return rule;
  }
  return std::nullopt;
}

bool Authorized(const httplib::Request& req) {
  if (g_state.api_key.empty()) return true;
  std::string auth = req.get_header_value("Authorization");
  if (!absl::StartsWith(auth, "Basic ")) return false;
  std::optional<std::string> user = Base64Decode(auth.substr(6));
  return user && (*user == g_state.api_key + ":" || *user == g_state.api_key);
}

void Handle(const httplib::Request& req, httplib::Response& res) {
  res.set_header("Date", HttpDate());
  if (absl::StartsWith(req.path, "/__control/")) return Control(req, res);
  size_t seq;
  std::optional<FaultRule> fault;
  bool authorized;
  {
    std::lock_guard<std::mutex> lock(g_state.mu);
    authorized = Authorized(req);
    Json query = Json::object();
    for (const auto& [k, v] : req.params) query[k] = v;
    g_state.requests.push_back({{"method", req.method},
                                {"path", req.path},
                                {"query", query},
                                {"authorized", authorized}});
    seq = g_state.requests.size() - 1;
    fault = TakeFault(req);
  }
  auto finish = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(g_state.mu);
    g_state.requests[seq]["status"] = res.status;
    if (!what.empty()) g_state.requests[seq]["fault"] = what;
  };
  if (fault && fault->mode == "reset") {
    res.status = 200;
    res.set_chunked_content_provider(
        "application/json", [](size_t, httplib::DataSink&) { return false; });
    return finish("reset");
  }
  if (fault && fault->mode == "timeout") {
    std::unique_lock<std::mutex> lock(g_state.mu);
    g_state.stop_cv.wait_for(lock, std::chrono::milliseconds(fault->delay_ms),
                             [] { return g_state.stopping; });
  } else if (fault) {
    if (fault->retry_after_seconds >= 0)
      res.set_header("Retry-After", absl::StrCat(fault->retry_after_seconds));
    if (fault->status == 429) {
      SendError(res, 429, "invalid_request", "api_request_limit_exceeded",
                "Sorry, access has been blocked temporarily due to request "
                "count exceeding acceptable limits. Please try after some "
                "time.");
    } else {
      SendError(res, fault->status, "operation_failed", "internal_error",
                "Sorry, something went wrong (injected)");
    }
    return finish("status");
  }
  if (!authorized) {
    SendError(res, 401, "invalid_request", "api_authentication_failed",
              "Sorry, authentication failed. Invalid api key", "",
              "api_authentication_invalid_key");
    return finish(fault ? "timeout" : "");
  }
  static const std::regex kPath(R"(^/api/v2/([a-z_]+)(?:/([^/]+))?$)");
  std::smatch m;
  std::string resource;
  if (req.method == "GET" && std::regex_match(req.path, m, kPath))
    resource = ResourceOfPath(m[1].str());
  if (resource.empty()) {
    SendError(res, 404, "invalid_request", "resource_not_found",
              "Sorry, we couldn't find that resource");
  } else {
    ListApi(req, res, resource, m[2].str());
  }
  finish(fault ? "timeout" : "");
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string data;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      std::string eq = absl::StrCat(flag, "=");
      if (absl::StartsWith(arg, eq)) return arg.substr(eq.size());
      if (arg == flag && i + 1 < argc) return std::string(argv[++i]);
      return std::nullopt;
    };
    if (auto key = value("--api-key")) {
      g_state.api_key = *key;
    } else if (auto p = value("--port")) {
      port = std::stoi(*p);
    } else if (auto dir = value("--data")) {
      data = *dir;
    } else {
      std::cerr << "usage: chargebee-emulator [--api-key KEY] [--port PORT] "
                   "[--data DIR]\n";
      return 2;
    }
  }
  if (!data.empty()) {
    std::string error = LoadDir(data);
    if (!error.empty()) {
      std::cerr << "chargebee-emulator: " << error << "\n";
      return 2;
    }
  }
  return revhub::emulator::ServeEmulator(
      "CHARGEBEE-EMULATOR", "chargebee-emulator", port, Handle, nullptr, [] {
        {
          std::lock_guard<std::mutex> lock(g_state.mu);
          g_state.stopping = true;
        }
        g_state.stop_cv.notify_all();
      });
}
