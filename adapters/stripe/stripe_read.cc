// ReadStripe: backfill through the list endpoints, then incremental reads of
// /v1/events (the cursor is described in stripe_pull.h).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "adapters/stripe/stripe_pull.h"

namespace revhub::adapter::stripe {
namespace {

// Stripe lists events of the last 30 days only.
constexpr int64_t kEventRetentionSeconds = 30 * 86400;
// An anchor event this old is not trusted to be served any more: the read
// falls back to listing by created time.
constexpr int64_t kAnchorTrustSeconds = 29 * 86400;
// Events created this long before a stamp are read again, for clock skew
// between Stripe's servers (duplicates collapse by key).
constexpr int64_t kSafetyMarginSeconds = 300;
constexpr int kMaxPageSize = 100;
constexpr std::chrono::milliseconds kDefaultRetry{1000};

std::string PercentEncode(absl::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
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

// What one GET brought: the parsed list, or the ReadResponse that ends the
// read (RETRY or FAILED).
struct ListAnswer {
  std::optional<Json> list;
  ReadResponse failure;
};

// The calls of one Read share the configuration.
class StripeReader {
 public:
  explicit StripeReader(const ReadContext& ctx) : ctx_(ctx) {}

  // GETs `path_and_query` and checks it is a Stripe list.
  ListAnswer GetList(const std::string& path_and_query) {
    ++calls_;
    HttpRequest req;
    req.url = ctx_.config.GetString("api_base") + path_and_query;
    req.headers.emplace_back("Authorization",
                             "Bearer " + ctx_.config.GetString("secret_key"));
    req.timeout =
        std::chrono::milliseconds(ctx_.config.GetInt("request_timeout_ms"));
    absl::StatusOr<HttpResponse> resp = SendHttp(req);
    ListAnswer answer;
    if (!resp.ok()) {
      answer.failure =
          ReadRetry(absl::StrCat("Stripe did not answer GET ", path_and_query,
                                 ": ", resp.status().message()),
                    kDefaultRetry);
      return answer;
    }
    absl::StatusOr<Json> doc = ParseExactJson(resp->body);
    if (resp->status / 100 != 2) {
      // Stripe's error shape: {"error": {"type", "code", "message", ...}}.
      std::string message = resp->body;
      if (doc.ok() && doc->is_object() && doc->contains("error") &&
          (*doc)["error"].is_object() &&
          (*doc)["error"].value("message", "") != "") {
        message = (*doc)["error"]["message"].get<std::string>();
      }
      if (resp->status == 401) {
        answer.failure = ReadFailed(
            absl::StrCat("Stripe refused the API key (config.secret_key): ",
                         message),
            "401");
      } else {
        answer.failure = ReadHttpFailure(
            resp->status, absl::StrCat("GET ", path_and_query, ": ", message),
            RetryAfterOf(*resp, kDefaultRetry));
      }
      return answer;
    }
    if (!doc.ok() || !doc->is_object() || doc->value("object", "") != "list" ||
        !doc->contains("data") || !(*doc)["data"].is_array()) {
      answer.failure = ReadFailed(absl::StrCat(
          "GET ", path_and_query, ": Stripe's answer is not a list object"));
      return answer;
    }
    answer.list = std::move(*doc);
    return answer;
  }

  int calls() const { return calls_; }

 private:
  const ReadContext& ctx_;
  int calls_ = 0;
};

std::string EventsQuery(const ReadableType& type, int limit) {
  std::string q = absl::StrCat("/v1/events?limit=", limit);
  for (const char* t : type.event_types) {
    absl::StrAppend(&q, "&", PercentEncode("types[]"), "=", PercentEncode(t));
  }
  return q;
}

bool HasMore(const Json& list) {
  return list.contains("has_more") && list["has_more"].is_boolean() &&
         list["has_more"].get<bool>();
}

int64_t IntOr(const Json& j, const char* key, int64_t fallback) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>()
                                                       : fallback;
}

std::string StringOr(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

void SetCursorTime(int64_t unix_seconds, ReadResponse& out) {
  if (unix_seconds <= 0) return;
  out.mutable_cursor_time()->set_seconds(unix_seconds);
}

// Appends the records of `events` (newest first, as Stripe lists them)
// oldest first, keeping those whose data.object is of `object`.
absl::Status AppendEventRecords(const Json& events, absl::string_view object,
                                ReadResponse& out) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const Json& ev = *it;
    if (!ev.is_object() || !ev.contains("data") || !ev["data"].is_object() ||
        !ev["data"].contains("object") || !ev["data"]["object"].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "event ", StringOr(ev, "id"), " has no data.object to read"));
    }
    const Json& obj = ev["data"]["object"];
    if (StringOr(obj, "object") != object) continue;  // charge.dispute.*, ...
    absl::StatusOr<SourcedRecord> rec = RecordOfObject(obj);
    if (!rec.ok()) return rec.status();
    *out.add_records() = std::move(*rec);
  }
  return absl::OkStatus();
}

ReadResponse ReadList(const ReadContext& ctx, const ReadableType& type,
                      Json cursor, int limit) {
  StripeReader reader(ctx);
  ReadResponse out;
  if (!cursor.contains("started")) {
    // A new backfill: remember the newest event first, so that whatever
    // changes while the list is walked is read from the events after it.
    cursor["started"] = absl::ToUnixSeconds(absl::Now());
    ListAnswer newest = reader.GetList(EventsQuery(type, 1));
    if (!newest.list) {
      newest.failure.set_vendor_calls(reader.calls());
      return newest.failure;
    }
    const Json& data = (*newest.list)["data"];
    if (!data.empty() && data[0].is_object()) {
      cursor["anchor"] = StringOr(data[0], "id");
      cursor["anchor_created"] = IntOr(data[0], "created", 0);
    }
  }
  std::string q = absl::StrCat(type.list_path, "?limit=", limit);
  if (*type.list_query != '\0') absl::StrAppend(&q, "&", type.list_query);
  if (!StringOr(cursor, "after").empty()) {
    absl::StrAppend(
        &q, "&starting_after=", PercentEncode(StringOr(cursor, "after")));
  }
  if (cursor.contains("gte")) {
    absl::StrAppend(&q, "&", PercentEncode("created[gte]"), "=",
                    IntOr(cursor, "gte", 0));
  }
  ListAnswer page = reader.GetList(q);
  if (!page.list) {
    page.failure.set_vendor_calls(reader.calls());
    return page.failure;
  }
  for (const Json& obj : (*page.list)["data"]) {
    absl::StatusOr<SourcedRecord> rec = RecordOfObject(obj);
    if (!rec.ok()) {
      return ReadFailed(absl::StrCat("GET ", q, ": ", rec.status().message()));
    }
    *out.add_records() = std::move(*rec);
  }
  const Json& data = (*page.list)["data"];
  if (HasMore(*page.list) && !data.empty()) {
    cursor["after"] = StringOr(data.back(), "id");
  } else {
    // The list is read: from here on the events say what changed.
    Json next = {{"phase", "events"}, {"checked", IntOr(cursor, "started", 0)}};
    if (!StringOr(cursor, "anchor").empty()) {
      next["last_event"] = cursor["anchor"];
      next["last_created"] = IntOr(cursor, "anchor_created", 0);
    }
    cursor = std::move(next);
  }
  out.set_outcome(adapter::v1::READ_OUTCOME_OK);
  out.set_next_cursor(cursor.dump());
  // The end of the list is followed by the events: more to read either way.
  out.set_has_more(true);
  out.set_vendor_calls(reader.calls());
  return out;
}

ReadResponse ReadEvents(const ReadContext& ctx, const ReadableType& type,
                        const Json& cursor, int limit) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  std::string last_event = StringOr(cursor, "last_event");
  const int64_t last_created = IntOr(cursor, "last_created", 0);
  const int64_t checked = IntOr(cursor, "checked", 0);
  const int64_t covered = std::max(last_created, checked);
  if (now - covered > kEventRetentionSeconds) {
    return ReadFailed(absl::StrCat(
        "cursor: the events after it are ", (now - covered) / 86400,
        " days old and Stripe serves events of the last 30 days only; run a "
        "full sync of ",
        type.object, " (revhub sync run ", ctx.system, " --object-type ",
        type.object, " --full)"));
  }
  StripeReader reader(ctx);
  ReadResponse out;
  Json next = cursor;
  const std::string base = EventsQuery(type, limit);
  std::optional<Json> page;
  bool more = false;
  if (!last_event.empty() && now - last_created <= kAnchorTrustSeconds) {
    // The events just newer than the last one read, newest first.
    ListAnswer a = reader.GetList(
        absl::StrCat(base, "&ending_before=", PercentEncode(last_event)));
    if (!a.list) {
      a.failure.set_vendor_calls(reader.calls());
      return a.failure;
    }
    more = HasMore(*a.list);
    page = std::move(a.list);
  } else {
    // No event to page from: the oldest page of those created since the
    // coverage (less a margin) is at the end of the newest-first list.
    std::string q =
        absl::StrCat(base, "&", PercentEncode("created[gte]"), "=",
                     std::max<int64_t>(covered - kSafetyMarginSeconds, 0));
    std::string after;
    int pages = 0;
    while (true) {
      ListAnswer a = reader.GetList(
          after.empty()
              ? q
              : absl::StrCat(q, "&starting_after=", PercentEncode(after)));
      if (!a.list) {
        a.failure.set_vendor_calls(reader.calls());
        return a.failure;
      }
      if ((*a.list)["data"].empty()) break;
      // Pages before this one hold newer events, read after this one.
      more = pages++ > 0;
      page = std::move(a.list);
      if (!HasMore(*page)) break;
      after = StringOr((*page)["data"].back(), "id");
    }
  }
  if (page) {
    const Json& data = (*page)["data"];
    if (absl::Status s = AppendEventRecords(data, type.object, out); !s.ok()) {
      return ReadFailed(absl::StrCat("/v1/events: ", s.message()));
    }
    if (!data.empty()) {
      next["last_event"] = StringOr(data[0], "id");
      next["last_created"] = IntOr(data[0], "created", 0);
    }
  }
  if (!more) next["checked"] = now;
  SetCursorTime(
      std::max(IntOr(next, "last_created", 0), IntOr(next, "checked", 0)), out);
  out.set_outcome(adapter::v1::READ_OUTCOME_OK);
  out.set_next_cursor(next.dump());
  out.set_has_more(more);
  out.set_vendor_calls(reader.calls());
  return out;
}

}  // namespace

const std::vector<ReadableType>& ReadableTypes() {
  static const auto* const kTypes = new std::vector<ReadableType>{
      {"customer",
       "/v1/customers",
       "",
       {"customer.created", "customer.updated", "customer.deleted"}},
      {"product", "/v1/products", "", {"product.*"}},
      {"price", "/v1/prices", "", {"price.*"}},
      {"plan", "/v1/plans", "", {"plan.*"}},
      {"subscription",
       "/v1/subscriptions",
       "status=all",
       {"customer.subscription.*"}},
      {"subscription_schedule",
       "/v1/subscription_schedules",
       "",
       {"subscription_schedule.*"}},
      {"invoice", "/v1/invoices", "", {"invoice.*"}},
      {"credit_note", "/v1/credit_notes", "", {"credit_note.*"}},
      {"payment_intent", "/v1/payment_intents", "", {"payment_intent.*"}},
      {"charge", "/v1/charges", "", {"charge.*"}},
      {"refund", "/v1/refunds", "", {"refund.*", "charge.refund.updated"}},
  };
  return *kTypes;
}

const ReadableType* FindReadableType(absl::string_view object) {
  for (const ReadableType& t : ReadableTypes()) {
    if (object == t.object) return &t;
  }
  return nullptr;
}

absl::StatusOr<SourcedRecord> RecordOfObject(const Json& object) {
  std::string id = object.is_object() ? StringOr(object, "id") : "";
  std::string type = object.is_object() ? StringOr(object, "object") : "";
  if (id.empty() || type.empty()) {
    return absl::InvalidArgumentError(
        "a Stripe object without a string \"id\" and \"object\"");
  }
  std::string canonical = DumpExactJson(object);
  std::string version = Sha256Hex(canonical);
  return MakeSourcedRecord(type, id, version, std::move(canonical));
}

ReadResponse ReadStripe(const ReadContext& ctx) {
  const ReadableType* type = FindReadableType(ctx.request.object_type());
  if (type == nullptr) {
    return ReadFailed(absl::StrCat("object_type: Stripe has no readable \"",
                                   ctx.request.object_type(), "\""));
  }
  if (ctx.config.GetString("secret_key").empty()) {
    return ReadFailed("config.secret_key: required to read from Stripe");
  }
  int limit = ctx.request.page_size() <= 0
                  ? kMaxPageSize
                  : std::min(ctx.request.page_size(), kMaxPageSize);
  if (ctx.request.cursor().empty()) {
    Json cursor = {{"phase", "list"}};
    if (ctx.request.has_backfill_start()) {
      cursor["gte"] = ctx.request.backfill_start().seconds();
    }
    return ReadList(ctx, *type, std::move(cursor), limit);
  }
  Json cursor = Json::parse(ctx.request.cursor(), nullptr, false);
  std::string phase = cursor.is_object() ? StringOr(cursor, "phase") : "";
  if (phase == "list" && cursor.contains("started")) {
    return ReadList(ctx, *type, std::move(cursor), limit);
  }
  if (phase == "events") return ReadEvents(ctx, *type, cursor, limit);
  return ReadFailed(absl::StrCat(
      "cursor: not a Stripe read cursor (a JSON object with \"phase\" "
      "\"list\" or \"events\"): \"",
      ctx.request.cursor().substr(0, 80), "\"; start over with a full sync"));
}

}  // namespace revhub::adapter::stripe
