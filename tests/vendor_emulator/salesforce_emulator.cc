// salesforce-emulator: a local stand-in for Salesforce's OAuth 2.0 token
// endpoint and REST query resource, for tests. Listens on 127.0.0.1 port 0
// (or --port) and prints one line "SALESFORCE-EMULATOR|127.0.0.1:<port>"
// on stdout. Exits on SIGTERM or when stdin (a pipe) closes.
//
// Flags (--name=value or --name value):
//   --client-id ID --client-secret S  the connected app (client_credentials)
//   --jwt-public-key FILE             PEM public key checking JWT bearer
//                                     assertions (RS256; iss = client id,
//                                     aud = this emulator's base URL, exp
//                                     within 3 minutes from now)
//   --username U                      the only JWT sub accepted (default any)
//   --access-token T                  a token valid from the start
//   --token-ttl-seconds N             lifetime of issued tokens (7200)
//   --batch-size N                    records per query page (2000)
//   --data DIR                        records loaded at start (see dataset)
//
// Vendor API:
//   POST /services/oauth2/token  grant_type=client_credentials (client_id,
//        client_secret) or urn:ietf:params:oauth:grant-type:jwt-bearer
//        (assertion) -> {access_token, instance_url, id, token_type,
//        issued_at, signature}; refusals are 400 {error, error_description}
//   GET  /services/data/vXX.X/query?q=SOQL  (salesforce_soql.h)
//   GET  /services/data/vXX.X/query/<locator>-<offset>  the next page
//   GET  /services/data/vXX.X/limits
// Data calls need "Authorization: Bearer <token>" with a live token, else
// 401 [{"message":"Session expired or invalid","errorCode":
// "INVALID_SESSION_ID"}]. Pages hold --batch-size records, or fewer when the
// request's Sforce-Query-Options: batchSize=N asks; a query with more
// answers done=false and nextRecordsUrl. Query results are kept at query
// time (a locator is a snapshot).
//
// Control API (not recorded as vendor requests):
//   GET    /__control/requests  vendor requests in order: method, path, q,
//          grant_type, batch_size, authorized, status, fault, received_ms
//   POST   /__control/faults    {"mode": "status"|"timeout"|"reset",
//          "status": 503, "retry_after_seconds": 1, "path_regex": "...",
//          "count": N (0: unlimited), "every": K (the K-th, 2K-th ...
//          matching request), "error_code": ..., "message": ...,
//          "delay_ms": 3000 (timeout)}; {"mode": "expire_token"} ends every
//          token issued so far, now
//   DELETE /__control/faults
//   POST   /__control/dataset   {"generate": N} | {"dir": PATH} |
//          {"clear": true}
//   POST   /__control/touch     {"type", "id", "set": {...}}: the record
//          after the change (its SystemModstamp bumped)
//   GET    /__control/objects?type=T  every stored record of T, by Id
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
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

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "httplib.h"
#include "tests/vendor_emulator/emulator_main.h"
#include "tests/vendor_emulator/salesforce_org.h"
#include "tests/vendor_emulator/salesforce_soql.h"

namespace {

using revhub::adapter::DumpExactJson;
using revhub::adapter::Json;
using revhub::emulator::Org;
using revhub::emulator::SoqlError;
using Clock = std::chrono::steady_clock;

constexpr char kJwtGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

struct FaultRule {
  std::string mode = "status";
  int status = 503;
  int retry_after_seconds = -1;
  std::optional<std::regex> path_regex;
  int remaining = 0;  // 0: unlimited
  int every = 1;
  int seen = 0;
  int delay_ms = 3000;
  std::string error_code;
  std::string message;
};

struct Options {
  std::string client_id;
  std::string client_secret;
  std::string jwt_public_key_pem;
  std::string username;
  std::string access_token;
  int token_ttl_seconds = 7200;
  int batch_size = 2000;
  std::string data_dir;
  int port = 0;
};

struct Locator {
  std::vector<Json> rows;
  std::string api_version;
};

struct State {
  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  Options options;
  Org org;
  Json requests = Json::array();
  std::vector<FaultRule> faults;
  // token -> when it stops being valid
  std::map<std::string, Clock::time_point> tokens;
  std::map<std::string, Locator> locators;
  int64_t next_locator = 1;
  int64_t next_token = 1;
  std::string base;
  Clock::time_point started = Clock::now();
};

State g;

void SendErrors(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  res.status = status;
  res.set_content(
      Json::array({{{"message", message}, {"errorCode", code}}}).dump(),
      "application/json;charset=UTF-8");
}

void SendOAuthError(httplib::Response& res, const std::string& error,
                    const std::string& description) {
  res.status = 400;
  res.set_content(
      Json{{"error", error}, {"error_description", description}}.dump(),
      "application/json;charset=UTF-8");
}

std::optional<std::string> Base64UrlDecode(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text.push_back('=');
  return revhub::adapter::Base64Decode(text);
}

bool VerifyRs256(const std::string& public_pem, const std::string& message,
                 const std::string& signature) {
  BIO* bio =
      BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx,
                       reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

// Checks a JWT bearer assertion; "" when valid, else the error description
// (and `error` the OAuth error).
std::string CheckAssertion(const std::string& assertion, std::string* error) {
  *error = "invalid_grant";
  if (g.options.jwt_public_key_pem.empty()) return "JWT bearer is not enabled";
  std::vector<std::string> parts = absl::StrSplit(assertion, '.');
  if (parts.size() != 3) return "invalid assertion";
  std::optional<std::string> header = Base64UrlDecode(parts[0]);
  std::optional<std::string> claims_text = Base64UrlDecode(parts[1]);
  std::optional<std::string> signature = Base64UrlDecode(parts[2]);
  if (!header || !claims_text || !signature) return "invalid assertion";
  Json h = Json::parse(*header, nullptr, false);
  Json claims = Json::parse(*claims_text, nullptr, false);
  if (!h.is_object() || h.value("alg", "") != "RS256")
    return "invalid assertion";
  if (!VerifyRs256(g.options.jwt_public_key_pem, parts[0] + "." + parts[1],
                   *signature)) {
    return "invalid assertion";
  }
  if (!claims.is_object()) return "invalid assertion";
  if (claims.value("iss", "") != g.options.client_id) {
    *error = "invalid_client_id";
    return "client identifier invalid";
  }
  if (claims.value("aud", "") != g.base) return "audience is invalid";
  const std::string sub = claims.value("sub", "");
  if (sub.empty() ||
      (!g.options.username.empty() && sub != g.options.username)) {
    return "user hasn't approved this consumer";
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (!claims.contains("exp") || !claims["exp"].is_number_integer())
    return "invalid assertion";
  const int64_t exp = claims["exp"].get<int64_t>();
  if (exp <= now) return "expired authorization code";
  if (exp > now + 300) return "invalid assertion: exp too far in the future";
  return "";
}

// POST /services/oauth2/token. REQUIRES: g.mu held.
void Token(const httplib::Request& req, httplib::Response& res) {
  const std::string grant = req.get_param_value("grant_type");
  if (grant == "client_credentials") {
    if (g.options.client_id.empty() ||
        req.get_param_value("client_id") != g.options.client_id) {
      return SendOAuthError(res, "invalid_client_id",
                            "client identifier invalid");
    }
    if (req.get_param_value("client_secret") != g.options.client_secret) {
      return SendOAuthError(res, "invalid_client",
                            "invalid client credentials");
    }
  } else if (grant == kJwtGrant) {
    std::string error;
    std::string problem =
        CheckAssertion(req.get_param_value("assertion"), &error);
    if (!problem.empty()) return SendOAuthError(res, error, problem);
  } else {
    return SendOAuthError(res, "unsupported_grant_type",
                          "grant type not supported");
  }
  const std::string token =
      absl::StrCat("00DEm0000000001!AQ.emulated.", g.next_token++);
  g.tokens[token] =
      Clock::now() + std::chrono::seconds(g.options.token_ttl_seconds);
  const std::string issued_at =
      absl::StrCat(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count());
  const std::string id =
      absl::StrCat(g.base, "/id/00DEm0000000001AAA/005Em0000000001AAA");
  res.set_content(
      Json{{"access_token", token},
           {"instance_url", g.base},
           {"id", id},
           {"token_type", "Bearer"},
           {"issued_at", issued_at},
           {"scope", "api"},
           {"signature",
            revhub::adapter::Base64Encode(revhub::adapter::HmacSha256(
                g.options.client_secret, id + issued_at))}}
          .dump(),
      "application/json;charset=UTF-8");
}

int BatchSize(const httplib::Request& req) {
  int size = g.options.batch_size;
  const std::string opts = req.get_header_value("Sforce-Query-Options");
  for (absl::string_view part : absl::StrSplit(opts, ',')) {
    part = absl::StripAsciiWhitespace(part);
    int asked = 0;
    if (absl::ConsumePrefix(&part, "batchSize=") &&
        absl::SimpleAtoi(part, &asked) && asked > 0) {
      size = std::min(size, asked);
    }
  }
  return std::max(1, size);
}

// One page of a locator's rows from `offset`. REQUIRES: g.mu held.
void SendPage(httplib::Response& res, const std::string& locator_id,
              size_t offset, int batch) {
  const Locator& loc = g.locators[locator_id];
  Json page = {{"totalSize", loc.rows.size()}};
  Json records = Json::array();
  size_t end = std::min(loc.rows.size(), offset + batch);
  for (size_t i = offset; i < end; ++i) records.push_back(loc.rows[i]);
  page["done"] = end >= loc.rows.size();
  if (end < loc.rows.size()) {
    page["nextRecordsUrl"] = absl::StrCat("/services/data/", loc.api_version,
                                          "/query/", locator_id, "-", end);
  } else {
    g.locators.erase(locator_id);
  }
  page["records"] = std::move(records);
  res.set_content(DumpExactJson(page), "application/json;charset=UTF-8");
}

// GET /services/data/<version>/<rest>. REQUIRES: g.mu held.
void Data(const httplib::Request& req, httplib::Response& res,
          const std::string& version, const std::string& rest) {
  if (rest == "limits") {
    res.set_content(R"({"DailyApiRequests":{"Max":100000,"Remaining":99999}})",
                    "application/json;charset=UTF-8");
    return;
  }
  if (rest == "query" || rest == "query/") {
    if (!req.has_param("q")) {
      return SendErrors(res, 400, "MALFORMED_QUERY", "q: missing");
    }
    SoqlError error;
    std::vector<Json> rows =
        g.org.Query(req.get_param_value("q"), version, &error);
    if (!error.code.empty()) {
      return SendErrors(res, 400, error.code, error.message);
    }
    const std::string id = absl::StrFormat("01gEm%013d", g.next_locator++);
    g.locators[id] = Locator{std::move(rows), version};
    return SendPage(res, id, 0, BatchSize(req));
  }
  if (absl::StartsWith(rest, "query/")) {
    const std::string locator = rest.substr(6);
    const size_t dash = locator.rfind('-');
    size_t offset = 0;
    if (dash == std::string::npos ||
        !absl::SimpleAtoi(locator.substr(dash + 1), &offset) ||
        !g.locators.count(locator.substr(0, dash))) {
      return SendErrors(res, 400, "INVALID_QUERY_LOCATOR",
                        "invalid query locator");
    }
    return SendPage(res, locator.substr(0, dash), offset, BatchSize(req));
  }
  SendErrors(res, 404, "NOT_FOUND", "The requested resource does not exist");
}

// Returns the first matching fault rule that fires (consuming one use).
std::optional<FaultRule> TakeFault(const httplib::Request& req) {
  std::lock_guard<std::mutex> lock(g.mu);
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

std::string DefaultCode(int status) {
  switch (status) {
    case 400:
      return "MALFORMED_QUERY";
    case 401:
      return "INVALID_SESSION_ID";
    case 403:
    case 429:
      return "REQUEST_LIMIT_EXCEEDED";
    case 500:
      return "UNKNOWN_EXCEPTION";
    case 503:
      return "SERVER_UNAVAILABLE";
    default:
      return "ERROR";
  }
}

void Control(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(g.mu);
  Json body =
      req.body.empty() ? Json::object() : Json::parse(req.body, nullptr, false);
  auto bad = [&res](const std::string& why) {
    res.status = 400;
    res.set_content(why, "text/plain");
  };
  if (req.path == "/__control/requests" && req.method == "GET") {
    res.set_content(DumpExactJson(g.requests), "application/json");
  } else if (req.path == "/__control/faults" && req.method == "POST") {
    if (!body.is_object()) return bad("a fault rule is a JSON object");
    FaultRule r;
    r.mode = body.value("mode", "status");
    if (r.mode == "expire_token") {
      g.tokens.clear();
      res.status = 204;
      return;
    }
    if (r.mode != "status" && r.mode != "timeout" && r.mode != "reset")
      return bad("mode must be status, timeout, reset or expire_token");
    r.status = body.value("status", 503);
    r.retry_after_seconds = body.value("retry_after_seconds", -1);
    if (body.contains("path_regex")) {
      try {
        r.path_regex = std::regex(body["path_regex"].get<std::string>());
      } catch (const std::exception& e) {
        return bad(absl::StrCat("path_regex: ", e.what()));
      }
    }
    r.remaining = body.value("count", 0);
    r.every = std::max(1, body.value("every", 1));
    r.delay_ms = body.value("delay_ms", 3000);
    r.error_code = body.value("error_code", DefaultCode(r.status));
    r.message = body.value("message", "injected failure");
    g.faults.push_back(std::move(r));
    res.status = 204;
  } else if (req.path == "/__control/faults" && req.method == "DELETE") {
    g.faults.clear();
    res.status = 204;
  } else if (req.path == "/__control/dataset" && req.method == "POST") {
    if (!body.is_object()) return bad("a dataset request is a JSON object");
    g.locators.clear();
    if (body.contains("generate") && body["generate"].is_number_integer()) {
      g.org.Generate(body["generate"].get<int>());
    } else if (body.contains("dir") && body["dir"].is_string()) {
      g.org.Clear();
      absl::Status s = g.org.LoadDir(body["dir"].get<std::string>());
      if (!s.ok()) return bad(std::string(s.message()));
    } else if (body.value("clear", false)) {
      g.org.Clear();
    } else {
      return bad(
          "expected {\"generate\": N}, {\"dir\": PATH} or "
          "{\"clear\": true}");
    }
    res.status = 204;
  } else if (req.path == "/__control/touch" && req.method == "POST") {
    if (!body.is_object()) return bad("a touch is a JSON object");
    absl::StatusOr<Json> r =
        g.org.Touch(body.value("type", ""), body.value("id", ""),
                    body.value("set", Json::object()));
    if (!r.ok()) {
      res.status = 404;
      res.set_content(std::string(r.status().message()), "text/plain");
      return;
    }
    res.set_content(DumpExactJson(*r), "application/json");
  } else if (req.path == "/__control/objects" && req.method == "GET") {
    res.set_content(DumpExactJson(g.org.Objects(req.get_param_value("type"))),
                    "application/json");
  } else {
    res.status = 404;
  }
}

void Handle(const httplib::Request& req, httplib::Response& res) {
  if (absl::StartsWith(req.path, "/__control/")) return Control(req, res);
  size_t seq;
  {
    std::lock_guard<std::mutex> lock(g.mu);
    Json entry = {
        {"method", req.method},
        {"path", req.path},
        {"received_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                            Clock::now() - g.started)
                            .count()}};
    if (req.has_param("q")) entry["q"] = req.get_param_value("q");
    if (req.has_param("grant_type"))
      entry["grant_type"] = req.get_param_value("grant_type");
    if (req.has_header("Sforce-Query-Options"))
      entry["batch_size"] = BatchSize(req);
    seq = g.requests.size();
    g.requests.push_back(std::move(entry));
  }
  auto finish = [&](const std::string& fault, bool authorized) {
    std::lock_guard<std::mutex> lock(g.mu);
    g.requests[seq]["status"] = res.status;
    g.requests[seq]["authorized"] = authorized;
    if (!fault.empty()) g.requests[seq]["fault"] = fault;
  };
  if (std::optional<FaultRule> fault = TakeFault(req)) {
    if (fault->mode == "timeout") {
      std::unique_lock<std::mutex> lock(g.mu);
      g.stop_cv.wait_for(lock, std::chrono::milliseconds(fault->delay_ms),
                         [] { return g.stopping; });
      g.requests[seq]["fault"] = "timeout";
    } else if (fault->mode == "reset") {
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json", [](size_t, httplib::DataSink&) { return false; });
      finish("reset", false);
      return;
    } else {
      SendErrors(res, fault->status, fault->error_code, fault->message);
      if (fault->retry_after_seconds >= 0)
        res.set_header("Retry-After", absl::StrCat(fault->retry_after_seconds));
      finish("status", false);
      return;
    }
  }
  std::lock_guard<std::mutex> lock(g.mu);
  res.status = 200;
  bool authorized = false;
  if (req.method == "POST" && req.path == "/services/oauth2/token") {
    Token(req, res);
    authorized = res.status == 200;
  } else if (req.method == "GET" &&
             absl::StartsWith(req.path, "/services/data/v")) {
    const std::string header = req.get_header_value("Authorization");
    absl::string_view auth = header;
    auto it = absl::ConsumePrefix(&auth, "Bearer ")
                  ? g.tokens.find(std::string(auth))
                  : g.tokens.end();
    authorized = it != g.tokens.end() && it->second > Clock::now();
    const std::string rest = req.path.substr(15);  // after /services/data/
    const size_t slash = rest.find('/');
    if (!authorized) {
      SendErrors(res, 401, "INVALID_SESSION_ID", "Session expired or invalid");
    } else if (slash == std::string::npos) {
      SendErrors(res, 404, "NOT_FOUND",
                 "The requested resource does not exist");
    } else {
      Data(req, res, rest.substr(0, slash), rest.substr(slash + 1));
    }
  } else {
    SendErrors(res, 404, "NOT_FOUND", "The requested resource does not exist");
  }
  g.requests[seq]["status"] = res.status;
  g.requests[seq]["authorized"] = authorized;
}

bool ParseFlags(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return false;
    }
    if (arg == "--client-id") {
      o->client_id = value;
    } else if (arg == "--client-secret") {
      o->client_secret = value;
    } else if (arg == "--jwt-public-key") {
      std::ifstream in(value);
      std::stringstream text;
      text << in.rdbuf();
      o->jwt_public_key_pem = text.str();
      if (!in || o->jwt_public_key_pem.empty()) return false;
    } else if (arg == "--username") {
      o->username = value;
    } else if (arg == "--access-token") {
      o->access_token = value;
    } else if (arg == "--token-ttl-seconds") {
      if (!absl::SimpleAtoi(value, &o->token_ttl_seconds)) return false;
    } else if (arg == "--batch-size") {
      if (!absl::SimpleAtoi(value, &o->batch_size) || o->batch_size < 1)
        return false;
    } else if (arg == "--data") {
      o->data_dir = value;
    } else if (arg == "--port") {
      if (!absl::SimpleAtoi(value, &o->port)) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!ParseFlags(argc, argv, &g.options)) {
    std::cerr << "usage: salesforce-emulator [--client-id ID] "
                 "[--client-secret S] [--jwt-public-key FILE] [--username U] "
                 "[--access-token T] [--token-ttl-seconds N] [--batch-size N] "
                 "[--data DIR] [--port P]\n";
    return 2;
  }
  if (!g.options.access_token.empty()) {
    g.tokens[g.options.access_token] = Clock::time_point::max();
  }
  if (!g.options.data_dir.empty()) {
    if (absl::Status s = g.org.LoadDir(g.options.data_dir); !s.ok()) {
      std::cerr << "salesforce-emulator: " << s.message() << "\n";
      return 2;
    }
  }
  return revhub::emulator::ServeEmulator(
      "SALESFORCE-EMULATOR", "salesforce-emulator", g.options.port, Handle,
      [](int bound_port) {
        g.base = absl::StrCat("http://127.0.0.1:", bound_port);
      },
      [] {
        {
          std::lock_guard<std::mutex> lock(g.mu);
          g.stopping = true;
        }
        g.stop_cv.notify_all();
      });
}
