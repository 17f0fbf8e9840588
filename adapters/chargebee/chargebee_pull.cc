// Read: one page of a Chargebee list API.
//
//   GET /api/v2/<resources>?limit=100&include_deleted=true
//       &sort_by[asc]=updated_at&updated_at[after]=<since - 1>&offset=<o>
//   Authorization: Basic base64(<api key>:)
// answers {"list": [{"<resource>": {...}}, ...], "next_offset": "..."}.
//
// The cursor is JSON {"since": S, "offset": O, "max": M, "start": T}: a
// sweep reads every object whose updated_at >= S (updated_at[after] is
// strict, hence S - 1), page after page through next_offset O; M is the
// largest updated_at read so far in the sweep and T the vendor's clock (its
// Date header) when the sweep began. When a sweep ends, the next one starts
// at S' = max(S, min(M, T - 60 s)): an object changed while the sweep ran
// has updated_at >= T, so it is read again even where Chargebee cannot sort
// by updated_at (credit notes sort by date only) and the offset had passed
// it; what is read twice has the same version and collapses into one
// record. An empty cursor starts a sweep at ReadRequest.backfill_start, or
// at the beginning.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/webhook_crypto.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {

namespace {

// Chargebee's largest page.
constexpr int kMaxPage = 100;
// How far before the vendor's clock at a sweep's start the next sweep
// begins: clock differences between Chargebee's servers.
constexpr int64_t kClockSlackSeconds = 60;

struct Cursor {
  int64_t since = 0;  // 0: no updated_at filter
  std::string offset;
  int64_t max = 0;
  int64_t start = 0;
};

absl::StatusOr<Cursor> ParseCursor(const ReadRequest& request) {
  Cursor c;
  if (request.cursor().empty()) {
    if (request.has_backfill_start())
      c.since = std::max<int64_t>(0, request.backfill_start().seconds());
    return c;
  }
  absl::StatusOr<Json> doc = ParseExactJson(request.cursor());
  if (!doc.ok() || !doc->is_object()) {
    return MappingError("cursor", "not a Chargebee cursor (a JSON object)");
  }
  Field root(*doc, "cursor");
  ASSIGN_OR_RETURN(std::optional<int64_t> since, root["since"].OptionalInt());
  ASSIGN_OR_RETURN(std::optional<std::string> offset,
                   root["offset"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<int64_t> max, root["max"].OptionalInt());
  ASSIGN_OR_RETURN(std::optional<int64_t> start, root["start"].OptionalInt());
  c.since = since.value_or(0);
  c.offset = offset.value_or("");
  c.max = max.value_or(0);
  c.start = start.value_or(0);
  return c;
}

std::string EncodeCursor(const Cursor& c) {
  Json j = Json::object();
  j["since"] = c.since;
  if (!c.offset.empty()) j["offset"] = c.offset;
  if (c.max > 0) j["max"] = c.max;
  if (c.start > 0) j["start"] = c.start;
  return j.dump();
}

// The Unix seconds of an HTTP Date header ("Tue, 01 Dec 2026 00:00:00
// GMT"); 0 when absent or unreadable.
int64_t VendorClock(const HttpResponse& resp) {
  std::string date = resp.Header("date");
  absl::Time t;
  std::string err;
  if (date.empty() || !absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", date,
                                       absl::UTCTimeZone(), &t, &err))
    return 0;
  return absl::ToUnixSeconds(t);
}

// Percent-encodes a query value.
std::string QueryEscape(absl::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (absl::ascii_isalnum(ch) || ch == '-' || ch == '_' || ch == '.' ||
        ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

// The reason of a Chargebee error body ({"message": ..., "api_error_code":
// ...}), or the body itself.
std::string ErrorMessage(const HttpResponse& resp) {
  absl::StatusOr<Json> doc = ParseExactJson(resp.body);
  if (doc.ok() && doc->is_object() && doc->contains("message") &&
      (*doc)["message"].is_string()) {
    std::string code =
        doc->contains("api_error_code") && (*doc)["api_error_code"].is_string()
            ? (*doc)["api_error_code"].get<std::string>()
            : std::string();
    return absl::StrCat((*doc)["message"].get<std::string>(),
                        code.empty() ? "" : absl::StrCat(" (", code, ")"));
  }
  return resp.body.substr(0, 300);
}

}  // namespace

const std::vector<ChargebeeListing>& ChargebeeListings() {
  // Credit notes sort by date only (Chargebee's list credit notes API); the
  // cursor's clock bound covers them (see the file comment).
  static const auto* const kListings = new std::vector<ChargebeeListing>{
      {"customer", "/api/v2/customers", "updated_at"},
      {"item", "/api/v2/items", "updated_at"},
      {"item_price", "/api/v2/item_prices", "updated_at"},
      {"subscription", "/api/v2/subscriptions", "updated_at"},
      {"invoice", "/api/v2/invoices", "updated_at"},
      {"credit_note", "/api/v2/credit_notes", ""},
      {"transaction", "/api/v2/transactions", "updated_at"},
  };
  return *kListings;
}

absl::StatusOr<std::string> ChargebeeVersion(const Field& resource) {
  ASSIGN_OR_RETURN(std::optional<int64_t> version,
                   resource["resource_version"].OptionalInt());
  if (version) return absl::StrCat(*version);
  ASSIGN_OR_RETURN(std::optional<int64_t> updated,
                   resource["updated_at"].OptionalInt());
  if (updated) return absl::StrCat(*updated);
  return MappingError(resource["resource_version"].path(),
                      "required to version the record (nor updated_at)");
}

ReadResponse ChargebeeRead(const ReadContext& ctx) {
  const std::string& type = ctx.request.object_type();
  const ChargebeeListing* listing = nullptr;
  for (const ChargebeeListing& l : ChargebeeListings()) {
    if (type == l.object_type) listing = &l;
  }
  if (listing == nullptr) {
    return ReadFailed(absl::StrCat("object_type: Chargebee has no list of \"",
                                   type, "\" the adapter reads"));
  }
  absl::StatusOr<std::string> base = ChargebeeBaseUrl(ctx.config);
  if (!base.ok()) return ReadFailed(base.status().message());
  if (!ctx.config.Has("api_key")) {
    return ReadFailed("config.api_key: required to read from Chargebee");
  }
  absl::StatusOr<Cursor> cursor = ParseCursor(ctx.request);
  if (!cursor.ok()) return ReadFailed(cursor.status().message());

  int limit = ctx.request.page_size() > 0
                  ? std::min(ctx.request.page_size(), kMaxPage)
                  : kMaxPage;
  std::string url = absl::StrCat(*base, listing->path, "?limit=", limit,
                                 "&include_deleted=true");
  if (*listing->sort_by) {
    absl::StrAppend(&url, "&", QueryEscape("sort_by[asc]"), "=",
                    listing->sort_by);
  }
  if (cursor->since > 0) {
    absl::StrAppend(&url, "&", QueryEscape("updated_at[after]"), "=",
                    cursor->since - 1);
  }
  if (!cursor->offset.empty()) {
    absl::StrAppend(&url, "&offset=", QueryEscape(cursor->offset));
  }
  HttpRequest req;
  req.url = url;
  req.headers.emplace_back(
      "Authorization",
      "Basic " + Base64Encode(ctx.config.GetString("api_key") + ":"));
  req.headers.emplace_back("Accept", "application/json");
  req.timeout =
      std::chrono::milliseconds(ctx.config.GetInt("request_timeout_ms"));
  absl::StatusOr<HttpResponse> resp = SendHttp(req);
  ReadResponse out;
  if (!resp.ok()) {
    out = ReadRetry(
        absl::StrCat("Chargebee unreachable: ", resp.status().message()),
        std::chrono::seconds(5));
    out.set_vendor_calls(1);
    return out;
  }
  if (resp->status == 401) {
    out = ReadFailed(absl::StrCat("config.api_key: Chargebee refused the API "
                                  "key (HTTP 401): ",
                                  ErrorMessage(*resp)),
                     "401");
  } else if (resp->status < 200 || resp->status > 299) {
    // Chargebee's limits reset within about a minute.
    out = ReadHttpFailure(resp->status, ErrorMessage(*resp),
                          RetryAfterOf(*resp, std::chrono::seconds(60)));
  }
  if (out.outcome() != adapter::v1::READ_OUTCOME_UNSPECIFIED) {
    out.set_vendor_calls(1);
    return out;
  }

  absl::StatusOr<Json> doc = ParseExactJson(resp->body);
  if (!doc.ok() || !doc->is_object()) {
    out = ReadRetry("Chargebee answered a body that is not a JSON object",
                    std::chrono::seconds(5));
    out.set_vendor_calls(1);
    return out;
  }
  Field root(*doc);
  absl::StatusOr<std::vector<Field>> entries = root["list"].Elements();
  absl::StatusOr<std::optional<std::string>> next =
      root["next_offset"].OptionalString();
  if (!entries.ok() || !next.ok()) {
    return ReadFailed(absl::StrCat(
        "Chargebee list answer: ",
        (!entries.ok() ? entries.status() : next.status()).message()));
  }
  Cursor c = *cursor;
  if (c.offset.empty() && c.start == 0) c.start = VendorClock(*resp);
  out.set_outcome(adapter::v1::READ_OUTCOME_OK);
  out.set_vendor_calls(1);
  for (const Field& entry : *entries) {
    Field resource = entry[type];
    absl::Status shape = resource.RequireObject();
    absl::StatusOr<std::string> id = resource["id"].String();
    absl::StatusOr<std::string> version = ChargebeeVersion(resource);
    absl::StatusOr<std::optional<int64_t>> updated =
        resource["updated_at"].OptionalInt();
    for (const absl::Status& s :
         {shape, id.status(), version.status(), updated.status()}) {
      if (!s.ok())
        return ReadFailed(absl::StrCat("Chargebee list answer: ", s.message()));
    }
    if (*updated) c.max = std::max(c.max, **updated);
    *out.add_records() =
        MakeSourcedRecord(type, *id, *version, DumpExactJson(resource.json()));
  }
  if (*next && !(*next)->empty()) {
    c.offset = **next;
    out.set_has_more(true);
  } else {
    // The sweep is over: the next one starts where nothing can be missed.
    int64_t next_since = c.max > 0 ? c.max : c.since;
    if (c.start > 0)
      next_since = std::min(next_since, c.start - kClockSlackSeconds);
    c = Cursor{std::max(c.since, next_since), "", 0, 0};
    out.set_has_more(false);
  }
  out.set_next_cursor(EncodeCursor(c));
  int64_t stand = std::max(c.max, c.since);
  if (stand > 0) out.mutable_cursor_time()->set_seconds(stand);
  return out;
}

}  // namespace revhub::adapter
