// stripe-emulator: a local stand-in for Stripe's API, for tests. Listens on
// 127.0.0.1 port 0 (or --port) and prints one line
// "STRIPE-EMULATOR|127.0.0.1:<port>" on stdout. Exits on SIGTERM or when
// stdin (a pipe) closes. Flags: --api-key=KEY (the only key accepted; any
// "Bearer sk_..." / "Bearer rk_..." without it), --data=DIR (load a folder
// at start, as POST /__control/dataset {"dir"}), --port=PORT.
//
// Stripe API (what the Stripe adapter uses), answered as Stripe does:
//   GET /v1/<customers|products|prices|plans|subscriptions|
//           subscription_schedules|invoices|credit_notes|payment_intents|
//           charges|refunds>
//       {"object":"list","url","has_more","data"} newest first; limit 1-100
//       (default 10), starting_after, ending_before, created[gte|gt|lte|lt];
//       subscriptions: status (default: all but canceled; "all")
//   GET /v1/<collection>/<id>, GET /v1/balance
//   GET /v1/events  the same paging, types[] / type ("invoice.*" by
//       prefix); only events of the last 30 days
// Errors use Stripe's shape {"error": {"type", "code", "message", "param"}};
// 401 without the API key.
//
// Control API (not recorded as vendor requests):
//   GET    /__control/requests  every API request, in order: method, path,
//          query, authorized, status, fault
//   POST   /__control/faults    {"mode":"status"|"timeout"|"reset",
//          "status":429,"retry_after_seconds":1,"path_regex":"...",
//          "count":N (0: until removed),"every":K (default 1),
//          "delay_ms":M (timeout: how long before answering; 30000)}
//   DELETE /__control/faults
//   POST   /__control/dataset   {"generate":N} | {"dir":PATH} | {"clear":true}
//          answers {"counts": {type: n}}
//   POST   /__control/touch     {"type","id","set":{field:value}}: changes
//          the object and appends "<prefix>.updated" with
//          previous_attributes; answers {"event_id","object"}
//   POST   /__control/webhooks/send {"url","secret","type","id",
//          "event_type","resend_event_id","sign_with",
//          "timestamp_offset_seconds"}: posts the event signed as Stripe
//          signs (Stripe-Signature t=<now>,v1=HMAC-SHA256(secret,
//          "<t>.<body>")); answers {"status": <HTTP status>, "event_id"}
//   GET    /__control/objects?type=T  every object of T, oldest first
//   GET    /__control/events    every event, oldest first
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "httplib.h"
#include "tests/vendor_emulator/emulator_main.h"
#include "tests/vendor_emulator/stripe_emulator_data.h"

namespace {

using revhub::adapter::DumpExactJson;
using revhub::adapter::Json;
using revhub::adapter::ParseExactJson;
using revhub::emulator::Page;
using revhub::emulator::PageQuery;
using revhub::emulator::StripeData;

constexpr int64_t kEventRetentionSeconds = 30 * 86400;
constexpr char kApiVersion[] = "2024-06-20";

struct FaultRule {
  std::string mode = "status";
  int status = 503;
  int retry_after_seconds = -1;  // -1: no Retry-After
  std::optional<std::regex> path_regex;
  int remaining = 0;  // faults left; 0: unlimited
  int every = 1;
  int matched = 0;
  int delay_ms = 30000;
};

struct State {
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  StripeData data;
  Json requests = Json::array();
  std::vector<FaultRule> faults;
  std::map<std::string, std::string> sent_bodies;  // event id -> body
  std::string api_key;
};

State g;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Stripe's collection paths.
const std::map<std::string, std::string>& Collections() {
  static const auto* const kMap = new std::map<std::string, std::string>{
      {"customers", "customer"},
      {"products", "product"},
      {"prices", "price"},
      {"plans", "plan"},
      {"subscriptions", "subscription"},
      {"subscription_schedules", "subscription_schedule"},
      {"invoices", "invoice"},
      {"credit_notes", "credit_note"},
      {"payment_intents", "payment_intent"},
      {"charges", "charge"},
      {"refunds", "refund"}};
  return *kMap;
}

// The prefix of a type's event types ("customer.subscription").
std::string EventPrefix(const std::string& type) {
  if (type == "subscription") return "customer.subscription";
  return type;
}

void SendError(httplib::Response& res, int status, const std::string& type,
               const std::string& code, const std::string& message,
               const std::string& param = "") {
  Json err = {{"type", type}, {"message", message}};
  if (!code.empty()) err["code"] = code;
  if (!param.empty()) err["param"] = param;
  if (!code.empty()) {
    err["doc_url"] = "https://stripe.com/docs/error-codes/" + code;
  }
  res.status = status;
  res.set_content(Json{{"error", err}}.dump(), "application/json");
}

void SendJson(httplib::Response& res, const Json& body) {
  res.status = 200;
  res.set_content(DumpExactJson(body), "application/json");
}

// Reads the paging parameters; false (with the error sent) when invalid.
bool ParsePaging(const httplib::Request& req, httplib::Response& res,
                 PageQuery* q) {
  if (req.has_param("limit")) {
    std::string v = req.get_param_value("limit");
    int limit = 0;
    if (!absl::SimpleAtoi(v, &limit)) {
      SendError(res, 400, "invalid_request_error", "parameter_invalid_integer",
                "Invalid integer: " + v, "limit");
      return false;
    }
    if (limit < 1 || limit > 100) {
      SendError(res, 400, "invalid_request_error", "parameter_invalid_integer",
                "This value must be greater than or equal to 1 and less than "
                "or equal to 100.",
                "limit");
      return false;
    }
    q->limit = limit;
  }
  q->starting_after = req.get_param_value("starting_after");
  q->ending_before = req.get_param_value("ending_before");
  if (!q->starting_after.empty() && !q->ending_before.empty()) {
    SendError(res, 400, "invalid_request_error", "",
              "You may only specify one of these parameters: ending_before, "
              "starting_after.");
    return false;
  }
  for (const char* op : {"gte", "gt", "lte", "lt"}) {
    std::string name = absl::StrCat("created[", op, "]");
    if (!req.has_param(name.c_str())) continue;
    int64_t v = 0;
    if (!absl::SimpleAtoi(req.get_param_value(name.c_str()), &v)) {
      SendError(res, 400, "invalid_request_error", "parameter_invalid_integer",
                "Invalid integer: " + req.get_param_value(name.c_str()), name);
      return false;
    }
    std::string o = op;
    if (o == "gte") q->created_gte = v;
    if (o == "gt") q->created_gte = v + 1;
    if (o == "lte") q->created_lte = v;
    if (o == "lt") q->created_lte = v - 1;
  }
  return true;
}

void SendPage(httplib::Response& res, const std::string& url,
              const Page& page) {
  Json data = Json::array();
  for (const Json* obj : page.data) data.push_back(*obj);
  SendJson(res, {{"object", "list"},
                 {"url", url},
                 {"has_more", page.has_more},
                 {"data", std::move(data)}});
}

void SendMissing(httplib::Response& res, const absl::Status& s) {
  std::string msg(s.message());
  auto bar = msg.find('|');
  SendError(res, 400, "invalid_request_error", "resource_missing",
            msg.substr(bar + 1), msg.substr(0, bar));
}

// GET /v1/...; REQUIRES: g.mu held.
void StripeApi(const httplib::Request& req, httplib::Response& res) {
  if (req.method != "GET") {
    return SendError(
        res, 404, "invalid_request_error", "",
        "Unrecognized request URL (" + req.method + ": " + req.path + ").");
  }
  std::string rest = req.path.substr(4);  // after "/v1/"
  if (rest == "balance") {
    return SendJson(res, {{"object", "balance"},
                          {"available", Json::array()},
                          {"livemode", false},
                          {"pending", Json::array()}});
  }
  if (rest == "events") {
    PageQuery q;
    if (!ParsePaging(req, res, &q)) return;
    std::vector<std::string> types;
    for (const char* name : {"types[]", "type"}) {
      auto range = req.params.equal_range(name);
      for (auto it = range.first; it != range.second; ++it) {
        types.push_back(it->second);
      }
    }
    Page page;
    absl::Status s =
        g.data.ListEvents(types, Now() - kEventRetentionSeconds, q, &page);
    if (!s.ok()) return SendMissing(res, s);
    return SendPage(res, "/v1/events", page);
  }
  auto slash = rest.find('/');
  auto coll = Collections().find(rest.substr(0, slash));
  if (coll == Collections().end()) {
    return SendError(res, 404, "invalid_request_error", "",
                     "Unrecognized request URL (GET: " + req.path + ").");
  }
  const std::string& type = coll->second;
  if (slash != std::string::npos) {
    std::string id = rest.substr(slash + 1);
    Json* obj = g.data.Find(type, id);
    if (obj == nullptr) {
      return SendError(res, 404, "invalid_request_error", "resource_missing",
                       "No such " + type + ": '" + id + "'", "id");
    }
    return SendJson(res, *obj);
  }
  PageQuery q;
  if (!ParsePaging(req, res, &q)) return;
  if (type == "subscription") {
    std::string status = req.get_param_value("status");
    q.keep = [status](const Json& s) {
      std::string st = s.value("status", "");
      if (status.empty()) return st != "canceled";
      return status == "all" || st == status;
    };
  }
  Page page;
  absl::Status s = g.data.ListObjects(type, q, &page);
  if (!s.ok()) return SendMissing(res, s);
  SendPage(res, "/v1/" + coll->first, page);
}

// Returns the fault to inject for `req`, if any (consuming one use).
std::optional<FaultRule> TakeFault(const httplib::Request& req) {
  std::lock_guard<std::mutex> lock(g.mu);
  for (auto it = g.faults.begin(); it != g.faults.end(); ++it) {
    if (it->path_regex && !std::regex_search(req.path, *it->path_regex)) {
      continue;
    }
    if (++it->matched % it->every != 0) continue;
    FaultRule rule = *it;
    if (it->remaining > 0 && --it->remaining == 0) g.faults.erase(it);
    return rule;
  }
  return std::nullopt;
}

Json EventOf(const Json& obj, const std::string& type,
             const Json& previous = nullptr) {
  Json data = {{"object", obj}};
  if (!previous.is_null()) data["previous_attributes"] = previous;
  return {{"object", "event"},
          {"api_version", kApiVersion},
          {"created", Now()},
          {"data", std::move(data)},
          {"livemode", false},
          {"pending_webhooks", 1},
          {"request", {{"id", nullptr}, {"idempotency_key", nullptr}}},
          {"type", type}};
}

void ControlError(httplib::Response& res, int status, const std::string& msg) {
  res.status = status;
  res.set_content(Json{{"error", msg}}.dump(), "application/json");
}

// POST /__control/webhooks/send. Sends without holding the lock.
void SendWebhook(const Json& j, httplib::Response& res) {
  std::string url = j.value("url", "");
  std::string secret = j.value("sign_with", j.value("secret", ""));
  std::smatch m;
  static const std::regex kUrl(R"(^(http://[^/]+)(/.*)$)");
  if (!std::regex_match(url, m, kUrl)) {
    return ControlError(res, 400, "url: http://HOST:PORT/PATH required");
  }
  std::string event_id, body;
  {
    std::lock_guard<std::mutex> lock(g.mu);
    if (j.contains("resend_event_id")) {
      event_id = j.value("resend_event_id", "");
      auto it = g.sent_bodies.find(event_id);
      if (it == g.sent_bodies.end()) {
        return ControlError(res, 404, "resend_event_id: no such sent event");
      }
      body = it->second;
    } else {
      std::string type = j.value("type", ""), id = j.value("id", "");
      Json* obj = g.data.Find(type, id);
      if (obj == nullptr) {
        return ControlError(res, 404, "type/id: no such object");
      }
      std::string event_type =
          j.value("event_type", EventPrefix(type) + ".updated");
      const Json& ev = g.data.AppendEvent(EventOf(*obj, event_type));
      event_id = ev["id"].get<std::string>();
      body = DumpExactJson(ev);
      g.sent_bodies[event_id] = body;
    }
  }
  int64_t t = Now() + j.value("timestamp_offset_seconds", int64_t{0});
  std::string sig =
      revhub::adapter::HmacSha256Hex(secret, absl::StrCat(t, ".", body));
  httplib::Client client(m[1].str());
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers = {
      {"Stripe-Signature", absl::StrCat("t=", t, ",v1=", sig)},
      {"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}};
  auto result = client.Post(m[2].str().c_str(), headers, body,
                            "application/json; charset=utf-8");
  Json out = {{"event_id", event_id}};
  if (result) {
    out["status"] = result->status;
    out["response_body"] = result->body;
  } else {
    out["status"] = 0;
    out["error"] = httplib::to_string(result.error());
  }
  SendJson(res, out);
}

void Control(const httplib::Request& req, httplib::Response& res) {
  Json j = Json::object();
  if (req.method == "POST") {
    j = Json::parse(req.body, nullptr, false);
    if (!j.is_object()) {
      return ControlError(res, 400, "body: a JSON object required");
    }
  }
  if (req.path == "/__control/webhooks/send" && req.method == "POST") {
    return SendWebhook(j, res);
  }
  std::lock_guard<std::mutex> lock(g.mu);
  if (req.path == "/__control/requests" && req.method == "GET") {
    SendJson(res, g.requests);
  } else if (req.path == "/__control/faults" && req.method == "POST") {
    FaultRule r;
    r.mode = j.value("mode", "status");
    r.status = j.value("status", 503);
    r.retry_after_seconds = j.value("retry_after_seconds", -1);
    r.remaining = j.value("count", 0);
    r.every = std::max(1, j.value("every", 1));
    r.delay_ms = j.value("delay_ms", 30000);
    if (j.contains("path_regex")) {
      try {
        r.path_regex.emplace(j.value("path_regex", ""));
      } catch (const std::regex_error&) {
        return ControlError(res, 400, "path_regex: not a regular expression");
      }
    }
    if (r.mode != "status" && r.mode != "timeout" && r.mode != "reset") {
      return ControlError(res, 400, "mode: status, timeout or reset");
    }
    g.faults.push_back(std::move(r));
    res.status = 204;
  } else if (req.path == "/__control/faults" && req.method == "DELETE") {
    g.faults.clear();
    res.status = 204;
  } else if (req.path == "/__control/dataset" && req.method == "POST") {
    if (j.contains("generate")) {
      g.data.Generate(j.value("generate", 0));
    } else if (j.contains("dir")) {
      absl::StatusOr<int> n = g.data.LoadDir(j.value("dir", ""));
      if (!n.ok())
        return ControlError(res, 400, std::string(n.status().message()));
    } else if (j.value("clear", false)) {
      g.data.Clear();
    } else {
      return ControlError(res, 400, "generate, dir or clear required");
    }
    SendJson(res, {{"counts", g.data.Counts()}});
  } else if (req.path == "/__control/touch" && req.method == "POST") {
    std::string type = j.value("type", ""), id = j.value("id", "");
    Json* obj = g.data.Find(type, id);
    if (obj == nullptr)
      return ControlError(res, 404, "type/id: no such object");
    if (!j.contains("set") || !j["set"].is_object()) {
      return ControlError(res, 400, "set: an object of fields required");
    }
    Json previous = Json::object();
    for (const auto& [k, v] : j["set"].items()) {
      previous[k] = obj->contains(k) ? (*obj)[k] : Json(nullptr);
      (*obj)[k] = v;
    }
    const Json& ev = g.data.AppendEvent(
        EventOf(*obj, EventPrefix(type) + ".updated", previous));
    SendJson(res, {{"event_id", ev["id"]}, {"object", *obj}});
  } else if (req.path == "/__control/objects" && req.method == "GET") {
    Json all = Json::array();
    for (const Json* obj : g.data.Objects(req.get_param_value("type"))) {
      all.push_back(*obj);
    }
    SendJson(res, all);
  } else if (req.path == "/__control/events" && req.method == "GET") {
    PageQuery q;
    q.limit = 1 << 30;
    Page page;
    (void)g.data.ListEvents({}, 0, q, &page);
    Json all = Json::array();
    for (auto it = page.data.rbegin(); it != page.data.rend(); ++it) {
      all.push_back(**it);
    }
    SendJson(res, all);
  } else {
    ControlError(res, 404, "unknown control path");
  }
}

bool Authorized(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (!absl::StartsWith(auth, "Bearer ")) return false;
  std::string key = auth.substr(7);
  if (!g.api_key.empty()) return key == g.api_key;
  return absl::StartsWith(key, "sk_") || absl::StartsWith(key, "rk_");
}

void Handle(const httplib::Request& req, httplib::Response& res) {
  if (absl::StartsWith(req.path, "/__control/")) return Control(req, res);
  size_t seq;
  std::string query;
  for (const auto& [k, v] : req.params) {
    absl::StrAppend(&query, query.empty() ? "" : "&", k, "=", v);
  }
  bool authorized = Authorized(req);
  {
    std::lock_guard<std::mutex> lock(g.mu);
    seq = g.requests.size();
    g.requests.push_back({{"method", req.method},
                          {"path", req.path},
                          {"query", query},
                          {"authorized", authorized}});
  }
  auto finish = [&](const std::string& fault) {
    std::lock_guard<std::mutex> lock(g.mu);
    g.requests[seq]["status"] = res.status;
    if (!fault.empty()) g.requests[seq]["fault"] = fault;
  };
  if (std::optional<FaultRule> fault = TakeFault(req)) {
    if (fault->mode == "timeout") {
      std::unique_lock<std::mutex> lock(g.mu);
      g.stop_cv.wait_for(lock, std::chrono::milliseconds(fault->delay_ms),
                         [] { return g.stopping; });
      lock.unlock();
      finish("timeout");
      // then answered normally: the client has likely given up already
    } else if (fault->mode == "reset") {
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json", [](size_t, httplib::DataSink&) { return false; });
      finish("reset");
      return;
    } else {
      if (fault->retry_after_seconds >= 0) {
        res.set_header("Retry-After", absl::StrCat(fault->retry_after_seconds));
      }
      if (fault->status == 429) {
        SendError(res, 429, "invalid_request_error", "rate_limit",
                  "Too many requests hit the API too quickly. We recommend "
                  "an exponential backoff of your requests.");
      } else {
        SendError(res, fault->status, "api_error", "",
                  "Something went wrong on Stripe's end.");
      }
      finish("status");
      return;
    }
  }
  if (!authorized) {
    // Stripe shows the key's start only: "sk_test_****".
    std::string auth = req.get_header_value("Authorization");
    std::string key = absl::StartsWith(auth, "Bearer ") ? auth.substr(7) : "";
    SendError(res, 401, "invalid_request_error", "",
              key.empty()
                  ? "You did not provide an API key."
                  : "Invalid API Key provided: " + key.substr(0, 8) + "****");
  } else if (absl::StartsWith(req.path, "/v1/")) {
    std::lock_guard<std::mutex> lock(g.mu);
    StripeApi(req, res);
  } else {
    SendError(
        res, 404, "invalid_request_error", "",
        "Unrecognized request URL (" + req.method + ": " + req.path + ").");
  }
  res.set_header("Request-Id", absl::StrCat("req_emu", seq));
  finish("");
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string data_dir;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--api-key=")) {
      g.api_key = arg.substr(10);
    } else if (absl::StartsWith(arg, "--port=")) {
      port = std::stoi(arg.substr(7));
    } else if (absl::StartsWith(arg, "--data=")) {
      data_dir = arg.substr(7);
    } else {
      std::cerr << "usage: stripe-emulator [--api-key=KEY] [--data=DIR] "
                   "[--port=PORT]\n";
      return 2;
    }
  }
  if (!data_dir.empty()) {
    absl::StatusOr<int> n = g.data.LoadDir(data_dir);
    if (!n.ok()) {
      std::cerr << "stripe-emulator: --data: " << n.status().message() << "\n";
      return 2;
    }
  }
  return revhub::emulator::ServeEmulator(
      "STRIPE-EMULATOR", "stripe-emulator", port, Handle, nullptr, [] {
        {
          std::lock_guard<std::mutex> lock(g.mu);
          g.stopping = true;
        }
        g.stop_cv.notify_all();
      });
}
