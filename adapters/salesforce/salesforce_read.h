// Pulling from Salesforce: OAuth 2.0 sessions (salesforce_auth.cc) and
// Read by SOQL over the REST query resource (salesforce_read.cc).
//
// Sessions. config.auth_flow chooses how the adapter gets an access token:
//   "access_token"        the configured access_token and instance_url, as
//                         is (no refresh: a refused token is FAILED);
//   "client_credentials"  POST {login_url}/services/oauth2/token with
//                         grant_type=client_credentials, client_id and
//                         client_secret;
//   "jwt_bearer"          the same endpoint with grant_type=urn:ietf:params:
//                         oauth:grant-type:jwt-bearer and an RS256 JWT
//                         (iss=client_id, sub=username, aud=login_url,
//                         exp=now+180 s) signed with private_key_pem.
// The token endpoint answers access_token and instance_url. Tokens are
// cached per (system, flow, login_url, client_id) for the life of the
// process; Salesforce does not say when a token expires, so a cached token
// is used until the REST API answers 401 INVALID_SESSION_ID, and then
// replaced once within the same call.
//
// Read. One readable sObject type per Read; each record comes back alone
// as the REST API returns it, in the shape Translate takes for its type
// (an Opportunity with its OpportunityLineItems: {records: [...]} from a
// parent-child subquery, an Order with its OrderItems). The query is
//   SELECT <fields> FROM <type> WHERE SystemModstamp >= <since>
//   ORDER BY SystemModstamp, Id LIMIT <read_query_limit>
// paged by nextRecordsUrl. The version of a record is its SystemModstamp;
// see salesforce_read.cc for the cursor.
//
// Thread-safety: everything here may be called from several threads at
// once; the token cache is guarded by a mutex.
#ifndef REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_READ_H_
#define REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_READ_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/sdk/adapter.h"

namespace revhub::adapter::salesforce {

// The configuration fields of the session and of Read.
std::vector<ConfigField> SessionConfigFields();
std::vector<ConfigField> ReadConfigFields();

// The sObject types Read serves and Salesforce's documented API limits.
std::vector<ReadableObjectType> ReadableTypes();
std::vector<VendorRateLimit> RateLimits();

// A session with Salesforce's REST API.
struct Session {
  std::string access_token;
  std::string instance_url;  // no trailing slash
  // Whether a refused token can be replaced (not for "access_token").
  bool refreshable = false;
};

// Returns a session for `config`: the cached one, or (when `stale` is not
// empty and is the cached token, or nothing is cached) a new one from the
// token endpoint. Errors name the config field at fault:
// INVALID_ARGUMENT for a missing field, UNAUTHENTICATED for refused
// credentials, UNAVAILABLE (or DEADLINE_EXCEEDED) when the token endpoint
// cannot answer now, RESOURCE_EXHAUSTED when it is rate limited.
absl::StatusOr<Session> GetSession(absl::string_view system,
                                   const Config& config,
                                   absl::string_view stale = "");

// Returns the message of a refused credential, naming the config field
// that holds it ("config.access_token").
std::string RefusedCredentialField(const Config& config);

// Percent-encodes `text` for a query string or a form body (RFC 3986
// unreserved characters stay as they are).
std::string PercentEncode(absl::string_view text);

// Reads one page (adapter.h). REQUIRES: ctx.request.object_type() is one of
// ReadableTypes().
ReadResponse ReadObjects(const ReadContext& ctx);

}  // namespace revhub::adapter::salesforce

#endif  // REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_READ_H_
