// NetSuite outbound: the request body of each canonical entity Apply
// delivers, and its delivery as an upsert by external id (see
// netsuite_mapping.h).
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/netsuite/netsuite_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::netsuite {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Customer;
using canonical::v1::Invoice;
using canonical::v1::JournalEntry;

namespace {

// Looks up the reference the hub resolved for a field path.
const ExternalRef* KnownRef(const ApplyRequest& request,
                            absl::string_view path) {
  for (const auto& link : request.known_refs()) {
    if (link.field_path() == path) return &link.target();
  }
  return nullptr;
}

// Returns the NetSuite reference for the entity whose hub id sits at `path`.
absl::StatusOr<Json> Reference(const ApplyRequest& request,
                               absl::string_view path,
                               absl::string_view hub_id) {
  if (const ExternalRef* ref = KnownRef(request, path); ref != nullptr) {
    return Json{{"id", ref->vendor_id()}};
  }
  if (hub_id.empty()) {
    return MappingError(absl::StrCat("entity.", path),
                        "required: NetSuite needs this reference");
  }
  return Json{{"externalId", std::string(hub_id)}};
}

void PutMapped(const std::map<std::string, std::string>& ids,
               const std::string& key, const char* field, Json& body) {
  auto it = ids.find(key);
  if (!key.empty() && it != ids.end()) body[field] = Json{{"id", it->second}};
}

// The subsidiary of a record of `legal_entity`: its config.subsidiary_ids
// entry, else config.default_subsidiary_id, else none ("").
std::string SubsidiaryFor(const Config& config,
                          const std::string& legal_entity) {
  auto ids = config.GetStringMap("subsidiary_ids");
  if (auto it = ids.find(legal_entity);
      !legal_entity.empty() && it != ids.end())
    return it->second;
  return config.Has("default_subsidiary_id")
             ? config.GetString("default_subsidiary_id")
             : std::string();
}

void PutSubsidiary(const Config& config, const std::string& legal_entity,
                   Json& body) {
  std::string id = SubsidiaryFor(config, legal_entity);
  if (!id.empty()) body["subsidiary"] = Json{{"id", id}};
}

}  // namespace

absl::StatusOr<Outbound> CustomerBody(const ApplyContext& ctx,
                                      const Customer& c) {
  if (c.name().empty())
    return MappingError("entity.customer.name",
                        "required: NetSuite companyName");
  Outbound out{"customer", Json::object()};
  out.body["companyName"] = c.name();
  out.body["isPerson"] = false;
  if (!c.email().empty()) out.body["email"] = c.email();
  PutSubsidiary(ctx.config, c.legal_entity(), out.body);
  PutMapped(ctx.config.GetStringMap("currency_ids"), c.currency_code(),
            "currency", out.body);
  if (c.status() == cv1::CUSTOMER_STATUS_INACTIVE)
    out.body["isInactive"] = true;
  return out;
}

absl::StatusOr<Outbound> InvoiceBody(const ApplyContext& ctx,
                                     const Invoice& inv) {
  const ApplyRequest& req = ctx.request;
  bool credit = inv.kind() == cv1::INVOICE_KIND_CREDIT_NOTE;
  Outbound out{credit ? "creditMemo" : "invoice", Json::object()};
  ASSIGN_OR_RETURN(out.body["entity"],
                   Reference(req, "customer_id", inv.customer_id()));
  if (!inv.invoice_number().empty()) out.body["tranId"] = inv.invoice_number();
  if (inv.has_issued_at()) out.body["tranDate"] = FormatDate(inv.issued_at());
  if (inv.has_due_at() && !credit)
    out.body["dueDate"] = FormatDate(inv.due_at());
  PutSubsidiary(ctx.config, inv.legal_entity(), out.body);
  PutMapped(ctx.config.GetStringMap("currency_ids"), inv.currency_code(),
            "currency", out.body);
  if (credit && (!inv.credited_invoice_id().empty() ||
                 KnownRef(req, "credited_invoice_id"))) {
    ASSIGN_OR_RETURN(
        out.body["createdFrom"],
        Reference(req, "credited_invoice_id", inv.credited_invoice_id()));
  }
  if (inv.lines_size() == 0)
    return MappingError("entity.invoice.lines",
                        "NetSuite needs at least one line");
  Json items = Json::array();
  for (int i = 0; i < inv.lines_size(); ++i) {
    const auto& line = inv.lines(i);
    std::string path = absl::StrCat("lines[", i, "].product_id");
    Json item = Json::object();
    ASSIGN_OR_RETURN(item["item"], Reference(req, path, line.product_id()));
    if (line.has_quantity()) item["quantity"] = DecimalToJson(line.quantity());
    if (line.has_unit_amount())
      item["rate"] = MoneyAmountToJson(line.unit_amount());
    if (!line.has_amount())
      return MappingError(absl::StrCat("entity.invoice.lines[", i, "].amount"),
                          "required");
    if (line.amount().currency_code() != inv.currency_code()) {
      return MappingError(absl::StrCat("entity.invoice.lines[", i, "].amount"),
                          "currency differs from the invoice's");
    }
    item["amount"] = MoneyAmountToJson(line.amount());
    if (!line.description().empty()) item["description"] = line.description();
    items.push_back(std::move(item));
  }
  out.body["item"] = Json{{"items", std::move(items)}};
  return out;
}

absl::StatusOr<Outbound> JournalBody(const ApplyContext& ctx,
                                     const JournalEntry& je) {
  Outbound out{"journalEntry", Json::object()};
  auto accounts = ctx.config.GetStringMap("account_ids");
  std::string subsidiary = SubsidiaryFor(ctx.config, je.legal_entity());
  if (subsidiary.empty() && je.legal_entity().empty()) {
    return MappingError("entity.journal_entry.legal_entity",
                        "required (and no config.default_subsidiary_id)");
  }
  if (subsidiary.empty()) {
    return MappingError("entity.journal_entry.legal_entity",
                        absl::StrCat("no NetSuite subsidiary configured for \"",
                                     je.legal_entity(),
                                     "\" (config.subsidiary_ids) and no "
                                     "config.default_subsidiary_id"));
  }
  out.body["subsidiary"] = Json{{"id", subsidiary}};
  if (je.has_posting_date())
    out.body["tranDate"] = FormatDate(je.posting_date());
  if (!je.memo().empty()) out.body["memo"] = je.memo();
  if (je.lines_size() < 2)
    return MappingError("entity.journal_entry.lines",
                        "a journal entry needs two or more lines");
  Json items = Json::array();
  for (int i = 0; i < je.lines_size(); ++i) {
    const auto& line = je.lines(i);
    std::string path = absl::StrCat("entity.journal_entry.lines[", i, "]");
    std::string account = line.account();
    if (account.empty()) {
      std::string role = cv1::AccountRole_Name(line.account_role());
      if (role.rfind("ACCOUNT_ROLE_", 0) == 0) role = role.substr(13);
      auto it = accounts.find(role);
      if (it == accounts.end()) {
        return MappingError(
            absl::StrCat(path, ".account"),
            absl::StrCat("no account and no config.account_ids entry for role ",
                         role));
      }
      account = it->second;
    }
    Json item = Json::object();
    item["account"] = Json{{"id", account}};
    bool debit = line.has_debit() && !IsZero(line.debit());
    bool credit = line.has_credit() && !IsZero(line.credit());
    if (debit == credit) {
      return MappingError(path,
                          "exactly one of debit and credit must be non-zero");
    }
    item[debit ? "debit" : "credit"] =
        MoneyAmountToJson(debit ? line.debit() : line.credit());
    if (!line.memo().empty()) item["memo"] = line.memo();
    items.push_back(std::move(item));
  }
  out.body["line"] = Json{{"items", std::move(items)}};
  return out;
}

namespace {

std::chrono::milliseconds RetryAfter(const HttpResponse& resp,
                                     const Config& config) {
  return RetryAfterOf(
      resp, std::chrono::milliseconds(config.GetInt("default_retry_after_ms")));
}

// NetSuite's error body:
// {"o:errorDetails":[{"detail":..,"o:errorCode":..,"o:errorPath":..}]}.
void ErrorDetail(const std::string& body, std::string* detail,
                 std::string* code, std::string* path) {
  absl::StatusOr<Json> doc = ParseExactJson(body);
  if (!doc.ok() || !doc->is_object()) return;
  Field first = Field(*doc)["o:errorDetails"].At(0);
  auto text = [](const Field& f) {
    return f.present() && f.json().is_string() ? f.json().get<std::string>()
                                               : std::string();
  };
  *detail = text(first["detail"]);
  *code = text(first["o:errorCode"]);
  *path = text(first["o:errorPath"]);
  if (detail->empty()) *detail = text(Field(*doc)["title"]);
}

}  // namespace

HttpRequest BaseRequest(const Config& config) {
  HttpRequest req;
  req.headers.emplace_back("Authorization",
                           "Bearer " + config.GetString("access_token"));
  req.headers.emplace_back("Accept", "application/json");
  req.timeout = std::chrono::milliseconds(config.GetInt("request_timeout_ms"));
  req.connect_timeout =
      std::chrono::milliseconds(config.GetInt("connect_timeout_ms"));
  return req;
}

namespace {

std::string UrlEscape(absl::string_view s) {
  std::string out;
  for (unsigned char ch : s) {
    if (absl::ascii_isalnum(ch) || ch == '-' || ch == '_' || ch == '.' ||
        ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(ch, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

ApplyResponse Deliver(const ApplyContext& ctx, const Outbound& out,
                      const std::string& external_id) {
  const Config& config = ctx.config;
  std::string record_url =
      absl::StrCat(config.GetString("base_url"), kRecordPath, out.record_type,
                   "/eid:", UrlEscape(external_id));
  HttpRequest req = BaseRequest(config);
  req.method = "PUT";
  req.url = record_url;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("X-NetSuite-Idempotency-Key",
                           ctx.request.idempotency_key());
  req.body = DumpExactJson(out.body);
  ctx.log.Info(absl::StrCat("PUT ", out.record_type, " eid:", external_id));
  absl::StatusOr<HttpResponse> resp = SendHttp(req);
  if (!resp.ok()) {
    return Retry(
        absl::StrCat("NetSuite not reached: ", resp.status().message()),
        std::chrono::milliseconds(config.GetInt("default_retry_after_ms")),
        resp.status().code() == absl::StatusCode::kDeadlineExceeded
            ? "timeout"
            : "connection");
  }
  std::string code = absl::StrCat("HTTP ", resp->status);
  if (resp->status == 429)
    return Retry("NetSuite rate limit (HTTP 429)", RetryAfter(*resp, config),
                 code);
  if (resp->status >= 500 || resp->status == 408) {
    return Retry(absl::StrCat("NetSuite server error (", code, ")"),
                 RetryAfter(*resp, config), code);
  }
  if (resp->status / 100 != 2) {
    std::string detail, ns_code, ns_path;
    ErrorDetail(resp->body, &detail, &ns_code, &ns_path);
    if (resp->status == 401 || resp->status == 403) {
      return Rejected(absl::StrCat("NetSuite refused the credentials (", code,
                                   ")", detail.empty() ? "" : ": ", detail),
                      "config.access_token", code);
    }
    return Rejected(
        detail.empty()
            ? absl::StrCat("NetSuite rejected the record (", code, ")")
            : detail,
        ns_path, ns_code.empty() ? code : absl::StrCat(code, " ", ns_code));
  }
  // The record's internal id is the last segment of the Location header;
  // without one, read the record back by external id.
  std::string location = resp->Header("location");
  std::string vendor_id;
  if (auto slash = location.rfind('/'); slash != std::string::npos)
    vendor_id = location.substr(slash + 1);
  if (vendor_id.empty() || vendor_id.rfind("eid:", 0) == 0) {
    HttpRequest get = BaseRequest(config);
    get.url = record_url;
    absl::StatusOr<HttpResponse> read = SendHttp(get);
    if (!read.ok() || read->status != 200) {
      return Retry(
          "NetSuite accepted the record but it could not be read back",
          std::chrono::milliseconds(config.GetInt("default_retry_after_ms")),
          code);
    }
    absl::StatusOr<Json> doc = ParseExactJson(read->body);
    if (doc.ok() && doc->is_object() && doc->contains("id") &&
        (*doc)["id"].is_string()) {
      vendor_id = (*doc)["id"].get<std::string>();
    }
  }
  if (vendor_id.empty())
    return Retry("NetSuite gave no record id", std::chrono::seconds(1), code);
  ExternalRef ref;
  ref.set_system(ctx.request.system());
  ref.set_object_type(out.record_type);
  ref.set_vendor_id(vendor_id);
  return Applied({ref});
}

}  // namespace revhub::adapter::netsuite
