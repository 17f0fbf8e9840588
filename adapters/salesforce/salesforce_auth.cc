// Salesforce OAuth 2.0 sessions (salesforce_read.h): the static access
// token, the client credentials flow and the JWT bearer flow, with a
// process-wide token cache.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "adapters/salesforce/salesforce_read.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {
namespace {

// How long a JWT assertion is valid: Salesforce takes at most 3 minutes.
constexpr int kJwtLifetimeSeconds = 180;

// The token cache: key -> session. Guarded by TokenMutex().
std::mutex& TokenMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::map<std::string, Session>& TokenCache() {
  static auto* cache = new std::map<std::string, Session>;
  return *cache;
}

}  // namespace

std::string PercentEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

absl::Status Missing(absl::string_view field, absl::string_view flow) {
  return MappingError(
      absl::StrCat("config.", field),
      absl::StrCat("required to reach Salesforce with auth_flow \"", flow,
                   "\""));
}

// Returns the signed JWT bearer assertion.
absl::StatusOr<std::string> JwtAssertion(const Config& config) {
  const std::string header = Base64UrlEncode(R"({"alg":"RS256"})");
  const int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      kJwtLifetimeSeconds;
  Json claims = {{"iss", config.GetString("client_id")},
                 {"sub", config.GetString("username")},
                 {"aud", config.GetString("login_url")},
                 {"exp", exp}};
  const std::string signing_input =
      absl::StrCat(header, ".", Base64UrlEncode(claims.dump()));
  std::optional<std::string> signature =
      RsaSha256Sign(config.GetString("private_key_pem"), signing_input);
  if (!signature) {
    return MappingError("config.private_key_pem", "not a PEM RSA private key");
  }
  return absl::StrCat(signing_input, ".", Base64UrlEncode(*signature));
}

// Asks the token endpoint for a new session.
absl::StatusOr<Session> RequestToken(const Config& config,
                                     absl::string_view flow) {
  for (const char* field : {"client_id", "login_url"}) {
    if (config.GetString(field).empty()) return Missing(field, flow);
  }
  HttpRequest req;
  req.method = "POST";
  req.url = absl::StrCat(absl::StripSuffix(config.GetString("login_url"), "/"),
                         "/services/oauth2/token");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Accept", "application/json");
  req.timeout = std::chrono::milliseconds(config.GetInt("request_timeout_ms"));
  std::string credential_field;
  if (flow == "client_credentials") {
    if (config.GetString("client_secret").empty())
      return Missing("client_secret", flow);
    req.body = absl::StrCat(
        "grant_type=client_credentials&client_id=",
        PercentEncode(config.GetString("client_id")),
        "&client_secret=", PercentEncode(config.GetString("client_secret")));
    credential_field = "client_secret";
  } else {
    for (const char* field : {"username", "private_key_pem"}) {
      if (config.GetString(field).empty()) return Missing(field, flow);
    }
    ASSIGN_OR_RETURN(std::string assertion, JwtAssertion(config));
    req.body = absl::StrCat(
        "grant_type=",
        PercentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer"),
        "&assertion=", PercentEncode(assertion));
    credential_field = "private_key_pem";
  }
  ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
  Json body = Json::parse(resp.body, nullptr, false);
  auto text = [&body](const char* key) {
    return body.is_object() && body.contains(key) && body[key].is_string()
               ? body[key].get<std::string>()
               : std::string();
  };
  if (resp.status == 200) {
    Session s;
    s.access_token = text("access_token");
    s.instance_url = std::string(absl::StripSuffix(text("instance_url"), "/"));
    s.refreshable = true;
    if (s.access_token.empty() || s.instance_url.empty()) {
      return absl::UnavailableError(
          "the Salesforce token endpoint answered without access_token or "
          "instance_url");
    }
    return s;
  }
  const std::string error = text("error");
  const std::string description = text("error_description");
  const std::string vendor =
      absl::StrCat(error.empty() ? absl::StrCat("HTTP ", resp.status) : error,
                   description.empty() ? "" : ": ", description);
  if (resp.status == 429 || resp.status == 503 || resp.status >= 500) {
    return absl::UnavailableError(absl::StrCat(
        "the Salesforce token endpoint is unavailable (", vendor, ")"));
  }
  // Salesforce names what it refused: invalid_client_id (the consumer key),
  // invalid_client (the secret), invalid_grant (the assertion or its user).
  std::string field = credential_field;
  if (error == "invalid_client_id") field = "client_id";
  if (flow == "jwt_bearer" &&
      absl::StrContains(absl::AsciiStrToLower(description), "user"))
    field = "username";
  return absl::UnauthenticatedError(
      absl::StrCat("config.", field, ": Salesforce refused the ", flow,
                   " credentials (", vendor, ")"));
}

}  // namespace

std::vector<ConfigField> SessionConfigFields() {
  ConfigField flow{"auth_flow",
                   ConfigType::kString,
                   false,
                   false,
                   "How the adapter gets an access token: access_token (the "
                   "configured token as is), client_credentials, jwt_bearer",
                   "\"access_token\""};
  flow.allowed_values = {"access_token", "client_credentials", "jwt_bearer"};
  return {
      flow,
      {"login_url", ConfigType::kUrl, false, false,
       "Base of the OAuth token endpoint ({login_url}/services/oauth2/token); "
       "the client credentials flow needs the org's My Domain URL",
       "\"https://login.salesforce.com\""},
      {"client_id", ConfigType::kString, false, false,
       "Consumer key of the connected app (client_credentials, jwt_bearer)",
       ""},
      {"client_secret", ConfigType::kString, false, true,
       "Consumer secret of the connected app (client_credentials)", ""},
      {"username", ConfigType::kString, false, false,
       "User the JWT bearer flow acts as (the JWT's sub)", ""},
      {"private_key_pem", ConfigType::kString, false, true,
       "PEM RSA private key whose certificate the connected app holds "
       "(jwt_bearer)",
       ""},
  };
}

std::string RefusedCredentialField(const Config& config) {
  const std::string flow = config.GetString("auth_flow");
  if (flow == "client_credentials") return "config.client_secret";
  if (flow == "jwt_bearer") return "config.private_key_pem";
  return "config.access_token";
}

absl::StatusOr<Session> GetSession(absl::string_view system,
                                   const Config& config,
                                   absl::string_view stale) {
  const std::string flow = config.GetString("auth_flow");
  if (flow.empty() || flow == "access_token") {
    if (config.GetString("instance_url").empty())
      return Missing("instance_url", "access_token");
    if (config.GetString("access_token").empty())
      return Missing("access_token", "access_token");
    Session s;
    s.access_token = config.GetString("access_token");
    s.instance_url =
        std::string(absl::StripSuffix(config.GetString("instance_url"), "/"));
    return s;
  }
  const std::string key =
      absl::StrCat(system, "\n", flow, "\n", config.GetString("login_url"),
                   "\n", config.GetString("client_id"));
  {
    std::lock_guard<std::mutex> lock(TokenMutex());
    auto it = TokenCache().find(key);
    if (it != TokenCache().end() &&
        (stale.empty() || it->second.access_token != stale)) {
      return it->second;
    }
  }
  // Two threads may both fetch a token; both are valid, the last is kept.
  ASSIGN_OR_RETURN(Session s, RequestToken(config, flow));
  std::lock_guard<std::mutex> lock(TokenMutex());
  TokenCache()[key] = s;
  return s;
}

}  // namespace revhub::adapter::salesforce
