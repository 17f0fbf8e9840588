// hubspot-emulator: a local stand-in for HubSpot's CRM API, for tests.
// Listens on 127.0.0.1 port 0 (or --port) and prints one line
// "HUBSPOT-EMULATOR|127.0.0.1:<port>" on stdout. Exits on SIGTERM or when
// stdin (a pipe) closes.
//
// Flags (--flag=value or --flag value): --token (private app token the
// API requires as "Authorization: Bearer"; none: any), --client-secret
// (signs webhooks), --search-cap (results one search query can page
// through; HubSpot: 10000), --portal-id (147893286), --data DIR (loaded at
// start, see /__control/dataset), --port.
//
// HubSpot API (what the revhub HubSpot adapter uses; hubspot_store.h):
//   POST /crm/v3/objects/{type}/search              filterGroups, sorts,
//        properties, limit (<= 200), after; 400 when after >= the cap
//   POST /crm/v3/objects/{type}/batch/read          inputs (<= 100)
//   POST /crm/v4/associations/{from}/{to}/batch/read
//   GET  /account-info/v3/details
// {type}: companies, deals, line_items, products. Errors have HubSpot's
// body ({"status":"error","message","correlationId","category"}).
//
// Control API (not recorded):
//   GET    /__control/requests          API requests received, in order
//   POST   /__control/faults            a fault rule: {"mode": "status" |
//          "timeout" | "reset" | "expire_token", "status": 429,
//          "retry_after_seconds": 1, "path_regex": "...", "count": N (0:
//          unlimited), "every": K (fault every K-th matching request),
//          "delay_ms": D (timeout)}; expire_token makes the token invalid
//          (401 EXPIRED_AUTHENTICATION) until the faults are cleared
//   DELETE /__control/faults            clears them
//   POST   /__control/dataset           {"generate": N} | {"dir": PATH} |
//          {"clear": true}
//   POST   /__control/touch             {"type", "id", "set": {property:
//          value}}: changes the object and bumps hs_lastmodifieddate
//   POST   /__control/webhooks/send     {"url", "secret", "type", "id",
//          "event_type"} sends a webhook event of that object signed with
//          X-HubSpot-Signature-v3 as HubSpot does; "resend_event_id"
//          resends an earlier body unchanged (freshly signed, as HubSpot's
//          retries are), "sign_with" signs with another secret,
//          "timestamp_offset_seconds" shifts X-HubSpot-Request-Timestamp.
//          Answers {"status": <the receiver's HTTP status>, "event_id"}.
//   GET    /__control/objects?type=T    every stored object of one type,
//          with its associations
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/sdk/webhook_crypto.h"
#include "httplib.h"
#include "tests/vendor_emulator/emulator_main.h"
#include "tests/vendor_emulator/hubspot_store.h"

namespace {

using revhub::emulator::Answer;
using revhub::emulator::HubSpotError;
using revhub::emulator::HubSpotStore;
using revhub::emulator::json;
using revhub::emulator::NowMillis;

struct FaultRule {
  std::string mode = "status";
  int status = 503;
  int retry_after_seconds = -1;
  int delay_ms = 30000;
  int remaining = 0;  // 0: unlimited
  int every = 1;
  int seen = 0;
  std::optional<std::regex> path_regex;
};

struct State {
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  HubSpotStore store;
  json requests = json::array();
  std::vector<FaultRule> faults;
  bool token_expired = false;
  std::string token;
  std::string client_secret;
  int search_cap = 10000;
  int64_t portal_id = 147893286;
  int64_t next_event_id = 1001;
  std::map<std::string, std::string> sent;  // event id -> body
  std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
};

State g;

void Send(httplib::Response& res, const Answer& a) {
  res.status = a.status;
  res.set_content(a.body.dump(), "application/json;charset=utf-8");
}

// The first matching fault rule (consuming one use), if any. REQUIRES:
// g.mu held.
std::optional<FaultRule> TakeFault(const httplib::Request& req) {
  for (auto it = g.faults.begin(); it != g.faults.end(); ++it) {
    if (it->path_regex && !std::regex_search(req.path, *it->path_regex))
      continue;
    if (++it->seen % it->every != 0) continue;
    FaultRule rule = *it;
    if (it->remaining > 0 && --it->remaining == 0) g.faults.erase(it);
    return rule;
  }
  return std::nullopt;
}

json ParseBody(const std::string& body) {
  return body.empty() ? json() : json::parse(body, nullptr, false);
}

// The vendor API, after faults and authentication. REQUIRES: g.mu held.
Answer Api(const httplib::Request& req) {
  std::vector<std::string> parts =
      absl::StrSplit(req.path.substr(1), '/', absl::SkipEmpty());
  json body = ParseBody(req.body);
  if (req.method == "POST" && body.is_discarded())
    return {400,
            HubSpotError("Invalid input JSON on line 1", "VALIDATION_ERROR")};
  if (req.method == "POST" && parts.size() == 5 && parts[0] == "crm" &&
      parts[1] == "v3" && parts[2] == "objects" &&
      HubSpotStore::KnownType(parts[3])) {
    if (parts[4] == "search")
      return g.store.Search(parts[3], body, g.search_cap);
  }
  if (req.method == "POST" && parts.size() == 6 && parts[0] == "crm" &&
      parts[1] == "v3" && parts[2] == "objects" &&
      HubSpotStore::KnownType(parts[3]) && parts[4] == "batch" &&
      parts[5] == "read") {
    return g.store.BatchRead(parts[3], body);
  }
  if (req.method == "POST" && parts.size() == 7 && parts[0] == "crm" &&
      parts[1] == "v4" && parts[2] == "associations" &&
      HubSpotStore::KnownType(parts[3]) && HubSpotStore::KnownType(parts[4]) &&
      parts[5] == "batch" && parts[6] == "read") {
    return g.store.AssociationsBatchRead(parts[3], parts[4], body);
  }
  if (req.method == "GET" && req.path == "/account-info/v3/details") {
    return {200,
            {{"portalId", g.portal_id},
             {"timeZone", "Europe/Berlin"},
             {"companyCurrency", "EUR"},
             {"uiDomain", "app-eu1.hubspot.com"},
             {"dataHostingLocation", "eu1"}}};
  }
  return {404,
          HubSpotError(absl::StrCat("No route for ", req.method, " ", req.path),
                       "OBJECT_NOT_FOUND")};
}

std::string Singular(const std::string& type) {
  return type == "companies" ? "company" : type.substr(0, type.size() - 1);
}

// The URL as HubSpot signs it: %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C
// %3B decoded, every other escape kept.
std::string SignedUri(const std::string& url) {
  static const std::regex kEscape("%(3[AaFfBb]|2[Ff]|40|2[1478]|29|2[AaCc])");
  std::string out;
  auto begin = std::sregex_iterator(url.begin(), url.end(), kEscape);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += url.substr(last, it->position() - last);
    out += static_cast<char>(std::stoi(it->str().substr(1), nullptr, 16));
    last = it->position() + it->length();
  }
  return out + url.substr(last);
}

// Posts `body` to `url` signed as HubSpot signs v3 webhooks. Returns the
// receiver's status (0 when it cannot be reached).
int Deliver(const std::string& url, const std::string& body,
            const std::string& secret, int64_t timestamp_ms) {
  static const std::regex kUrl(R"(^(https?://[^/]+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return 0;
  std::string timestamp = absl::StrCat(timestamp_ms);
  std::string signature =
      revhub::adapter::Base64Encode(revhub::adapter::HmacSha256(
          secret, "POST" + SignedUri(url) + body + timestamp));
  httplib::Client client(m[1].str());
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers = {
      {"X-HubSpot-Signature-v3", signature},
      {"X-HubSpot-Request-Timestamp", timestamp},
      {"User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)"}};
  auto res = client.Post(m[2].matched ? m[2].str() : "/", headers, body,
                         "application/json");
  return res ? res->status : 0;
}

void SendWebhook(const json& j, httplib::Response& res) {
  std::string url = j.value("url", "");
  std::string body;
  std::string event_id;
  std::string secret;
  {
    std::lock_guard<std::mutex> lock(g.mu);
    secret = j.value("secret", g.client_secret);
    if (j.contains("resend_event_id")) {
      event_id = j["resend_event_id"].is_string()
                     ? j["resend_event_id"].get<std::string>()
                     : j["resend_event_id"].dump();
      auto it = g.sent.find(event_id);
      if (it == g.sent.end()) {
        res.status = 404;
        res.set_content("no event " + event_id + " was sent", "text/plain");
        return;
      }
      body = it->second;
    } else {
      std::string type = j.value("type", "");
      std::string id = j.value("id", "");
      const json* object = g.store.Find(type, id);
      if (object == nullptr) {
        res.status = 404;
        res.set_content("no " + type + " " + id, "text/plain");
        return;
      }
      std::string event_type =
          j.value("event_type", Singular(type) + ".propertyChange");
      int64_t object_id = 0;
      (void)absl::SimpleAtoi(id, &object_id);
      int64_t number = g.next_event_id++;
      json event = {
          {"eventId", number},         {"subscriptionId", 4242},
          {"portalId", g.portal_id},   {"appId", 1234567},
          {"occurredAt", NowMillis()}, {"subscriptionType", event_type},
          {"attemptNumber", 0},        {"objectId", object_id},
          {"changeSource", "CRM"}};
      if (absl::EndsWith(event_type, ".propertyChange")) {
        std::string property =
            j.value("property", type == "deals"        ? "dealstage"
                                : type == "line_items" ? "quantity"
                                : type == "products"   ? "price"
                                                       : "name");
        event["propertyName"] = property;
        const json& props = (*object)["properties"];
        event["propertyValue"] =
            props.contains(property) ? props[property] : json("");
      }
      event_id = absl::StrCat(number);
      body = json::array({event}).dump();
      g.sent[event_id] = body;
    }
  }
  if (j.contains("sign_with")) secret = j["sign_with"].get<std::string>();
  int64_t offset_ms =
      static_cast<int64_t>(j.value("timestamp_offset_seconds", 0)) * 1000;
  // Not under the lock: the receiver may call the API while it answers.
  int status = Deliver(url, body, secret, NowMillis() + offset_ms);
  res.set_content(json{{"status", status}, {"event_id", event_id}}.dump(),
                  "application/json");
}

void Control(const httplib::Request& req, httplib::Response& res) {
  json j = ParseBody(req.body);
  if (req.method == "POST" && !j.is_object()) {
    res.status = 400;
    res.set_content("the body must be a JSON object", "text/plain");
    return;
  }
  if (req.path == "/__control/webhooks/send" && req.method == "POST") {
    return SendWebhook(j, res);
  }
  std::lock_guard<std::mutex> lock(g.mu);
  if (req.path == "/__control/requests" && req.method == "GET") {
    res.set_content(g.requests.dump(), "application/json");
  } else if (req.path == "/__control/objects" && req.method == "GET") {
    std::string type = req.get_param_value("type");
    if (!HubSpotStore::KnownType(type)) {
      res.status = 400;
      res.set_content("type: one of companies, deals, line_items, products",
                      "text/plain");
      return;
    }
    res.set_content(g.store.All(type).dump(), "application/json");
  } else if (req.path == "/__control/faults" && req.method == "POST") {
    FaultRule r;
    r.mode = j.value("mode", "status");
    r.status = j.value("status", 503);
    r.retry_after_seconds = j.value("retry_after_seconds", -1);
    r.delay_ms = j.value("delay_ms", 30000);
    r.remaining = j.value("count", 0);
    r.every = std::max(1, j.value("every", 1));
    if (j.contains("path_regex"))
      r.path_regex = std::regex(j["path_regex"].get<std::string>());
    if (r.mode == "expire_token") {
      g.token_expired = true;
    } else if (r.mode == "status" || r.mode == "timeout" || r.mode == "reset") {
      g.faults.push_back(std::move(r));
    } else {
      res.status = 400;
      res.set_content("mode: status, timeout, reset or expire_token",
                      "text/plain");
      return;
    }
    res.status = 204;
  } else if (req.path == "/__control/faults" && req.method == "DELETE") {
    g.faults.clear();
    g.token_expired = false;
    res.status = 204;
  } else if (req.path == "/__control/dataset" && req.method == "POST") {
    if (j.contains("generate") && j["generate"].is_number_integer()) {
      g.store.Generate(j["generate"].get<int>());
    } else if (j.contains("dir") && j["dir"].is_string()) {
      g.store.Clear();
      auto loaded = g.store.LoadDir(j["dir"].get<std::string>());
      if (!loaded.ok()) {
        res.status = 400;
        res.set_content(std::string(loaded.status().message()), "text/plain");
        return;
      }
    } else if (j.value("clear", false)) {
      g.store.Clear();
    } else {
      res.status = 400;
      res.set_content(
          "expected {\"generate\": N}, {\"dir\": PATH} or "
          "{\"clear\": true}",
          "text/plain");
      return;
    }
    res.status = 204;
  } else if (req.path == "/__control/touch" && req.method == "POST") {
    auto object = g.store.Touch(j.value("type", ""), j.value("id", ""),
                                j.value("set", json::object()));
    if (!object.ok()) {
      res.status = 404;
      res.set_content(std::string(object.status().message()), "text/plain");
      return;
    }
    res.set_content(object->dump(), "application/json");
  } else {
    res.status = 404;
  }
}

void Handle(const httplib::Request& req, httplib::Response& res) {
  if (absl::StartsWith(req.path, "/__control/")) return Control(req, res);
  std::unique_lock<std::mutex> lock(g.mu);
  std::string auth = req.get_header_value("Authorization");
  json entry = {
      {"method", req.method},
      {"path", req.path},
      {"received_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - g.started)
                          .count()},
      {"authorized", g.token.empty() || auth == "Bearer " + g.token}};
  json body = ParseBody(req.body);
  entry["body"] = body.is_discarded() ? json(req.body) : body;
  size_t seq = g.requests.size();
  g.requests.push_back(std::move(entry));
  auto finish = [&](const std::string& fault) {
    g.requests[seq]["status"] = res.status;
    if (!fault.empty()) g.requests[seq]["fault"] = fault;
  };
  if (std::optional<FaultRule> fault = TakeFault(req)) {
    if (fault->mode == "timeout") {
      g.stop_cv.wait_for(lock, std::chrono::milliseconds(fault->delay_ms),
                         [] { return g.stopping; });
    } else if (fault->mode == "reset") {
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json", [](size_t, httplib::DataSink&) { return false; });
      finish("reset");
      return;
    } else {
      res.status = fault->status;
      if (fault->retry_after_seconds >= 0)
        res.set_header("Retry-After", absl::StrCat(fault->retry_after_seconds));
      json error =
          fault->status == 429
              ? json{{"status", "error"},
                     {"message",
                      "You have reached your ten_secondly_rolling "
                      "limit."},
                     {"errorType", "RATE_LIMIT"},
                     {"correlationId", "8a1d2c3b-0000-4000-8000-000000000429"},
                     {"policyName", "TEN_SECONDLY_ROLLING"}}
              : HubSpotError("internal error", "INTERNAL_ERROR");
      res.set_content(error.dump(), "application/json;charset=utf-8");
      finish("status");
      return;
    }
  }
  if (g.token_expired) {
    Send(res, {401, HubSpotError("The OAuth token used to make this call "
                                 "expired 1 second(s) ago.",
                                 "EXPIRED_AUTHENTICATION")});
  } else if (!g.token.empty() && auth != "Bearer " + g.token) {
    Send(res,
         {401, HubSpotError("Authentication credentials not found. This API "
                            "supports OAuth 2.0 authentication and you can "
                            "find more details at "
                            "https://developers.hubspot.com/docs/methods/auth/"
                            "oauth-overview",
                            "INVALID_AUTHENTICATION")});
  } else {
    Send(res, Api(req));
  }
  finish("");
}

// Reads --name=value or --name value.
bool Flag(int argc, char** argv, int* i, const std::string& name,
          std::string* value) {
  std::string arg = argv[*i];
  if (absl::StartsWith(arg, name + "=")) {
    *value = arg.substr(name.size() + 1);
    return true;
  }
  if (arg == name && *i + 1 < argc) {
    *value = argv[++*i];
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string data_dir;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (Flag(argc, argv, &i, "--token", &v)) {
      g.token = v;
    } else if (Flag(argc, argv, &i, "--client-secret", &v)) {
      g.client_secret = v;
    } else if (Flag(argc, argv, &i, "--search-cap", &v) &&
               absl::SimpleAtoi(v, &g.search_cap) && g.search_cap > 0) {
    } else if (Flag(argc, argv, &i, "--portal-id", &v) &&
               absl::SimpleAtoi(v, &g.portal_id)) {
    } else if (Flag(argc, argv, &i, "--data", &v)) {
      data_dir = v;
    } else if (Flag(argc, argv, &i, "--port", &v) &&
               absl::SimpleAtoi(v, &port)) {
    } else {
      std::cerr << "usage: hubspot-emulator [--token T] [--client-secret S] "
                   "[--search-cap N] [--portal-id N] [--data DIR] [--port P]\n";
      return 2;
    }
  }
  if (!data_dir.empty()) {
    auto loaded = g.store.LoadDir(data_dir);
    if (!loaded.ok()) {
      std::cerr << "hubspot-emulator: " << loaded.status().message() << "\n";
      return 1;
    }
  }
  return revhub::emulator::ServeEmulator(
      "HUBSPOT-EMULATOR", "hubspot-emulator", port, Handle, nullptr, [] {
        {
          std::lock_guard<std::mutex> lock(g.mu);
          g.stopping = true;
        }
        g.stop_cv.notify_all();
      });
}
