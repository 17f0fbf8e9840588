// NetSuite read back: pages through the SuiteTalk REST record collections
// (GET record/v1/<type>?limit=&offset=, NetSuite's collection paging) and
// fetches each record (GET record/v1/<type>/<id>?expandSubResources=true),
// and translates journal entries read back (see netsuite_mapping.h).
#include <algorithm>
#include <chrono>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/netsuite/netsuite_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::netsuite {

namespace cv1 = ::revhub::canonical::v1;

namespace {

constexpr int kDefaultPageSize = 100;
// NetSuite serves at most 1000 records per collection page.
constexpr int kMaxPageSize = 1000;

// GETs `url`; on success returns the parsed object, else sets *failure.
std::optional<Json> GetObject(const ReadContext& ctx, const std::string& url,
                              ReadResponse* failure) {
  HttpRequest req = BaseRequest(ctx.config);
  req.url = url;
  absl::StatusOr<HttpResponse> resp = SendHttp(req);
  if (!resp.ok()) {
    *failure = ReadRetry(
        absl::StrCat("NetSuite not reached: ", resp.status().message()),
        std::chrono::milliseconds(ctx.config.GetInt("default_retry_after_ms")));
    return std::nullopt;
  }
  if (resp->status == 401 || resp->status == 403) {
    *failure =
        ReadFailed(absl::StrCat("NetSuite refused the access token (HTTP ",
                                resp->status, ")"),
                   absl::StrCat(resp->status));
    return std::nullopt;
  }
  if (resp->status / 100 != 2) {
    *failure = ReadHttpFailure(
        resp->status, resp->body,
        RetryAfterOf(*resp, std::chrono::milliseconds(
                                ctx.config.GetInt("default_retry_after_ms"))));
    return std::nullopt;
  }
  absl::StatusOr<Json> doc = ParseExactJson(resp->body);
  if (!doc.ok() || !doc->is_object()) {
    *failure = ReadFailed(absl::StrCat("GET ", url, ": not a JSON object"));
    return std::nullopt;
  }
  return std::move(*doc);
}

}  // namespace

ReadResponse ReadRecords(const ReadContext& ctx) {
  const std::string& type = ctx.request.object_type();
  int64_t offset = 0;
  if (!ctx.request.cursor().empty() &&
      (!absl::SimpleAtoi(ctx.request.cursor(), &offset) || offset < 0)) {
    return ReadFailed(absl::StrCat("cursor \"", ctx.request.cursor(),
                                   "\" is not a NetSuite collection offset"));
  }
  int limit = ctx.request.page_size() > 0
                  ? std::min(ctx.request.page_size(), kMaxPageSize)
                  : kDefaultPageSize;
  const std::string base =
      absl::StrCat(ctx.config.GetString("base_url"), kRecordPath, type);
  ReadResponse failure;
  std::optional<Json> page = GetObject(
      ctx, absl::StrCat(base, "?limit=", limit, "&offset=", offset), &failure);
  if (!page) return failure;
  Field root(*page);
  absl::StatusOr<std::vector<Field>> items = root["items"].Elements();
  absl::StatusOr<std::optional<bool>> more = root["hasMore"].OptionalBool();
  if (!items.ok() || !more.ok())
    return ReadFailed(absl::StrCat("GET ", type,
                                   ": not a NetSuite collection (items, "
                                   "hasMore)"));
  ReadResponse out;
  out.set_outcome(adapter::v1::READ_OUTCOME_OK);
  for (const Field& item : *items) {
    absl::StatusOr<std::string> id = item["id"].String();
    if (!id.ok()) return ReadFailed(std::string(id.status().message()));
    std::optional<Json> record =
        GetObject(ctx, absl::StrCat(base, "/", *id, "?expandSubResources=true"),
                  &failure);
    if (!record) return failure;
    std::string version =
        record->value("lastModifiedDate", std::string("read"));
    *out.add_records() =
        MakeSourcedRecord(type, *id, version, DumpExactJson(*record));
  }
  absl::StatusOr<std::optional<int64_t>> total =
      root["totalResults"].OptionalInt();
  if (total.ok() && *total) out.set_total_estimate(**total);
  out.set_has_more(more->value_or(false));
  out.set_next_cursor(
      absl::StrCat(offset + static_cast<int64_t>(items->size())));
  return out;
}

absl::Status MapJournalEntry(const TranslateContext& ctx, const Field& r,
                             TranslationBuilder& out) {
  cv1::JournalEntry je;
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *je.add_external_refs() = ctx.Ref("journalEntry", id);
  ASSIGN_OR_RETURN(std::optional<std::string> tran_id,
                   r["tranId"].OptionalString());
  je.set_entry_number(tran_id.value_or(""));
  ASSIGN_OR_RETURN(std::optional<Timestamp> tran_date,
                   TextTimeAt(r["tranDate"]));
  if (tran_date) {
    *je.mutable_posting_date() = *tran_date;
    *je.mutable_effective_at() = *tran_date;
    je.set_period(FormatDate(*tran_date).substr(0, 7));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> memo, r["memo"].OptionalString());
  je.set_memo(memo.value_or(""));
  ASSIGN_OR_RETURN(std::optional<std::string> subsidiary,
                   r["subsidiary"]["refName"].OptionalString());
  if (!subsidiary) {
    ASSIGN_OR_RETURN(subsidiary, r["subsidiary"]["id"].OptionalString());
  }
  je.set_legal_entity(subsidiary.value_or(""));
  // The external id names the hub entry revhub delivered under it.
  ASSIGN_OR_RETURN(std::optional<std::string> external_id,
                   r["externalId"].OptionalString());
  if (external_id) {
    je.set_source_kind("externalId");
    je.set_source_id(*external_id);
  }
  ASSIGN_OR_RETURN(std::string currency, RecordCurrency(ctx, r));
  ASSIGN_OR_RETURN(std::vector<Field> lines, r["line"]["items"].Elements());
  if (lines.size() < 2)
    return MappingError(r["line"]["items"].path(), "fewer than two lines");
  for (const Field& l : lines) {
    cv1::JournalLine* line = je.add_lines();
    ASSIGN_OR_RETURN(std::string account, l["account"]["id"].String());
    line->set_account(account);
    if (l["debit"].present()) {
      ASSIGN_OR_RETURN(*line->mutable_debit(),
                       DecimalMoneyAt(l["debit"], currency));
    }
    if (l["credit"].present()) {
      ASSIGN_OR_RETURN(*line->mutable_credit(),
                       DecimalMoneyAt(l["credit"], currency));
    }
    ASSIGN_OR_RETURN(std::optional<std::string> line_memo,
                     l["memo"].OptionalString());
    line->set_memo(line_memo.value_or(""));
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  if (modified) *je.mutable_source_updated_at() = *modified;
  CanonicalEntity e;
  AddSource(&e, "lines", r["line"]["items"]);
  *e.mutable_journal_entry() = std::move(je);
  out.AddEntity(std::move(e));
  return absl::OkStatus();
}

}  // namespace revhub::adapter::netsuite
