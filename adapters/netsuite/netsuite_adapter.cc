// NetSuite mappings, outbound (Apply) and inbound (Translate).
//
//   Apply   Customer                 -> customer      {companyName, email,
//   subsidiary, currency}
//           Invoice (INVOICE)        -> invoice       {entity, tranId,
//           tranDate, dueDate, item.items[]} Invoice (CREDIT_NOTE)    ->
//           creditMemo    {... createdFrom: the credited invoice} JournalEntry
//           -> journalEntry  {subsidiary, tranDate, memo, line.items[]}
//   Translate customer               -> Customer
//             invoice                -> Invoice (lines when item.items is
//             expanded)
//
// A reference to another record is {"id": <internal id>} when the hub knows
// the record's NetSuite id (ApplyRequest.known_refs), otherwise
// {"externalId": <hub id>}, which names the record revhub delivered earlier.
// The subsidiary is config.subsidiary_ids[legal_entity], else
// config.default_subsidiary_id; a journal entry without either is refused.
#include "adapters/netsuite/netsuite_adapter.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Customer;
using canonical::v1::Invoice;
using canonical::v1::JournalEntry;

constexpr char kRecordPath[] = "/services/rest/record/v1/";

// A body to send, or the reason the change cannot be sent.
struct Outbound {
  std::string record_type;
  Json body;
};

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

std::chrono::milliseconds RetryAfter(const HttpResponse& resp,
                                     const Config& config) {
  int64_t seconds = 0;
  std::string header = resp.Header("retry-after");
  if (!header.empty() && absl::SimpleAtoi(header, &seconds) && seconds >= 0) {
    return std::chrono::seconds(seconds);
  }
  return std::chrono::milliseconds(config.GetInt("default_retry_after_ms"));
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

// ---- Translate: NetSuite records read back -----------------------------

absl::StatusOr<std::string> RecordCurrency(const TranslateContext& ctx,
                                           const Field& r) {
  Field currency = r["currency"]["refName"];
  if (currency.present()) return CurrencyAt(currency);
  if (ctx.config.Has("default_currency"))
    return ctx.config.GetString("default_currency");
  return MappingError(
      currency.path(),
      "required field is missing (and no config.default_currency)");
}

absl::Status MapCustomer(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Customer c;
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *c.add_external_refs() = ctx.Ref("customer", id);
  ASSIGN_OR_RETURN(std::optional<bool> is_person, r["isPerson"].OptionalBool());
  if (is_person.value_or(false)) {
    ASSIGN_OR_RETURN(std::string first, r["firstName"].String());
    ASSIGN_OR_RETURN(std::string last, r["lastName"].String());
    c.set_name(absl::StrCat(first, " ", last));
  } else {
    ASSIGN_OR_RETURN(std::string company, r["companyName"].String());
    c.set_name(company);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> email,
                   r["email"].OptionalString());
  c.set_email(email.value_or(""));
  if (r["currency"]["refName"].present()) {
    ASSIGN_OR_RETURN(std::string currency,
                     CurrencyAt(r["currency"]["refName"]));
    c.set_currency_code(currency);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> subsidiary,
                   r["subsidiary"]["refName"].OptionalString());
  c.set_legal_entity(subsidiary.value_or(""));
  ASSIGN_OR_RETURN(std::optional<bool> inactive,
                   r["isInactive"].OptionalBool());
  c.set_status(inactive.value_or(false) ? cv1::CUSTOMER_STATUS_INACTIVE
                                        : cv1::CUSTOMER_STATUS_ACTIVE);
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  if (modified) *c.mutable_source_updated_at() = *modified;
  ASSIGN_OR_RETURN(std::optional<Timestamp> created,
                   TextTimeAt(r["dateCreated"]));
  if (created) *c.mutable_effective_at() = *created;
  ASSIGN_OR_RETURN(std::optional<std::string> external_id,
                   r["externalId"].OptionalString());
  if (external_id) (*c.mutable_attributes())["externalId"] = *external_id;
  ASSIGN_OR_RETURN(std::optional<std::string> entity_id,
                   r["entityId"].OptionalString());
  if (entity_id) (*c.mutable_attributes())["entityId"] = *entity_id;
  CanonicalEntity e;
  *e.mutable_customer() = std::move(c);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
               modified ? &*modified : nullptr);
  return absl::OkStatus();
}

absl::Status MapInvoice(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out) {
  Invoice inv;
  inv.set_kind(cv1::INVOICE_KIND_INVOICE);
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  *inv.add_external_refs() = ctx.Ref("invoice", id);
  ASSIGN_OR_RETURN(std::string customer, r["entity"]["id"].String());
  ASSIGN_OR_RETURN(std::string currency, RecordCurrency(ctx, r));
  inv.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::optional<std::string> tran_id,
                   r["tranId"].OptionalString());
  inv.set_invoice_number(tran_id.value_or(""));
  ASSIGN_OR_RETURN(std::optional<Timestamp> tran_date,
                   TextTimeAt(r["tranDate"]));
  if (tran_date) {
    *inv.mutable_issued_at() = *tran_date;
    *inv.mutable_effective_at() = *tran_date;
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> due, TextTimeAt(r["dueDate"]));
  if (due) *inv.mutable_due_at() = *due;
  ASSIGN_OR_RETURN(std::optional<Timestamp> modified,
                   TextTimeAt(r["lastModifiedDate"]));
  if (modified) *inv.mutable_source_updated_at() = *modified;
  ASSIGN_OR_RETURN(std::optional<std::string> status,
                   r["status"]["refName"].OptionalString());
  std::string s = absl::AsciiStrToLower(status.value_or(""));
  inv.set_status(s == "paid in full" ? cv1::INVOICE_STATUS_PAID
                 : s == "voided"     ? cv1::INVOICE_STATUS_VOID
                 : s.empty()         ? cv1::INVOICE_STATUS_UNSPECIFIED
                                     : cv1::INVOICE_STATUS_OPEN);
  if (status) (*inv.mutable_attributes())["status"] = *status;
  struct Amount {
    const char* key;
    Money* (Invoice::*field)();
  };
  for (const Amount& a :
       {Amount{"subtotal", &Invoice::mutable_subtotal},
        Amount{"taxTotal", &Invoice::mutable_tax_total},
        Amount{"discountTotal", &Invoice::mutable_discount_total},
        Amount{"total", &Invoice::mutable_total},
        Amount{"amountPaid", &Invoice::mutable_amount_paid},
        Amount{"amountRemaining", &Invoice::mutable_amount_due}}) {
    if (!r[a.key].present()) continue;
    ASSIGN_OR_RETURN(*(inv.*a.field)(), DecimalMoneyAt(r[a.key], currency));
  }
  if (!r["total"].present())
    return MappingError(r["total"].path(), "required field is missing");
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", customer));
  ASSIGN_OR_RETURN(std::vector<Field> items, r["item"]["items"].Elements());
  for (size_t i = 0; i < items.size(); ++i) {
    auto* line = inv.add_lines();
    const Field& it = items[i];
    ASSIGN_OR_RETURN(std::optional<int64_t> line_no, it["line"].OptionalInt());
    line->set_line_id(line_no ? absl::StrCat(*line_no) : absl::StrCat(i + 1));
    ASSIGN_OR_RETURN(std::string item_id, it["item"]["id"].String());
    out.Link(index, absl::StrCat("lines[", i, "].product_id"),
             cv1::ENTITY_TYPE_PRODUCT, ctx.Ref("item", item_id));
    ASSIGN_OR_RETURN(*line->mutable_amount(),
                     DecimalMoneyAt(it["amount"], currency));
    ASSIGN_OR_RETURN(std::optional<Decimal> quantity,
                     it["quantity"].OptionalNumber());
    if (quantity) *line->mutable_quantity() = *quantity;
    if (it["rate"].present()) {
      ASSIGN_OR_RETURN(*line->mutable_unit_amount(),
                       DecimalMoneyAt(it["rate"], currency));
    }
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     it["description"].OptionalString());
    line->set_description(description.value_or(""));
  }
  *out.result().mutable_entities(index)->mutable_invoice() = std::move(inv);
  out.AddEvent(cv1::EVENT_TYPE_INVOICE_CHANGED, index,
               modified ? &*modified : nullptr);
  return absl::OkStatus();
}

class NetSuiteAdapter final : public Adapter {
 public:
  // Adapter
  AdapterInfo Info() const override {
    AdapterInfo info;
    info.name = "netsuite";
    info.vendor = "Oracle NetSuite (SuiteTalk REST)";
    info.version = "1.0.0";
    InboundObjectType customer;
    customer.set_object_type("customer");
    customer.set_description(
        "customer record (GET record/v1/customer/{id}) -> Customer");
    customer.add_produces(cv1::ENTITY_TYPE_CUSTOMER);
    InboundObjectType invoice;
    invoice.set_object_type("invoice");
    invoice.set_description(
        "invoice record (GET record/v1/invoice/{id}?expandSubResources=true) "
        "-> Invoice");
    invoice.add_produces(cv1::ENTITY_TYPE_INVOICE);
    info.inbound = {customer, invoice};
    auto op = [](const char* name, EntityType type, const char* vendor_type,
                 const char* description) {
      OutboundOperation o;
      o.set_name(name);
      o.set_entity_type(type);
      o.set_operation(adapter::v1::CHANGE_OPERATION_UPSERT);
      o.set_vendor_object_type(vendor_type);
      o.set_description(description);
      return o;
    };
    info.outbound = {
        op("upsert_customer", cv1::ENTITY_TYPE_CUSTOMER, "customer",
           "Customer -> customer, upsert by externalId"),
        op("upsert_invoice", cv1::ENTITY_TYPE_INVOICE, "invoice",
           "Invoice -> invoice (credit notes -> creditMemo), upsert by "
           "externalId"),
        op("upsert_journal_entry", cv1::ENTITY_TYPE_JOURNAL_ENTRY,
           "journalEntry",
           "JournalEntry -> journalEntry, upsert by externalId"),
    };
    info.config_fields = {
        {"base_url", ConfigType::kUrl, true, false,
         "https://<account id>.suitetalk.api.netsuite.com (no trailing slash)",
         ""},
        {"access_token", ConfigType::kString, true, true,
         "OAuth 2.0 access token (Bearer)", ""},
        {"account_id", ConfigType::kString, false, false,
         "NetSuite account id, for operators", ""},
        {"request_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout of one HTTP request", "30000"},
        {"connect_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout to connect", "5000"},
        {"default_retry_after_ms", ConfigType::kInteger, false, false,
         "Suggested delay for a RETRY when NetSuite gives no Retry-After",
         "1000"},
        {"subsidiary_ids", ConfigType::kStringMap, false, false,
         "Legal entity -> NetSuite subsidiary internal id", ""},
        {"default_subsidiary_id", ConfigType::kString, false, false,
         "NetSuite subsidiary internal id for customers, invoices, credit "
         "memos and journal entries whose legal entity is empty or not in "
         "subsidiary_ids",
         ""},
        {"currency_ids", ConfigType::kStringMap, false, false,
         "ISO 4217 code -> NetSuite currency internal id", ""},
        {"account_ids", ConfigType::kStringMap, false, false,
         "Account role (RECEIVABLE, DEFERRED_REVENUE, REVENUE, ...) -> "
         "NetSuite account internal id",
         ""},
        {"default_currency", ConfigType::kCurrency, false, false,
         "Currency of records read without a currency (single-currency "
         "accounts)",
         ""},
    };
    return info;
  }

  absl::Status Translate(const TranslateContext& ctx,
                         TranslationBuilder& out) override {
    ASSIGN_OR_RETURN(Json doc, ParseExactJson(ctx.record.payload()));
    Field root(doc);
    RETURN_IF_ERROR(root.RequireObject());
    if (ctx.record.object_type() == "customer")
      return MapCustomer(ctx, root, out);
    return MapInvoice(ctx, root, out);
  }

  absl::Status Check(const CheckContext& ctx) override {
    HttpRequest req = BaseRequest(ctx.config);
    req.url = absl::StrCat(ctx.config.GetString("base_url"), kRecordPath,
                           "customer?limit=1");
    ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
    return CredentialCheckStatus(resp.status, "NetSuite", "the access token",
                                 "the token's role may not read customers");
  }

  ApplyResponse Apply(const ApplyContext& ctx) override {
    const ApplyRequest& req = ctx.request;
    if (req.operation() != adapter::v1::CHANGE_OPERATION_UPSERT) {
      return Rejected("only UPSERT is delivered to NetSuite", "operation");
    }
    const CanonicalEntity& e = req.entity();
    absl::StatusOr<Outbound> out;
    std::string hub_id;
    switch (e.entity_case()) {
      case CanonicalEntity::kCustomer:
        hub_id = e.customer().id();
        out = CustomerBody(ctx, e.customer());
        break;
      case CanonicalEntity::kInvoice:
        hub_id = e.invoice().id();
        out = InvoiceBody(ctx, e.invoice());
        break;
      case CanonicalEntity::kJournalEntry:
        hub_id = e.journal_entry().id();
        out = JournalBody(ctx, e.journal_entry());
        break;
      default:
        return Rejected(
            "NetSuite receives customers, invoices and journal entries only",
            "entity");
    }
    if (hub_id.empty())
      return Rejected("required: the hub id becomes the NetSuite externalId",
                      "entity.id");
    if (!out.ok())
      return Rejected(ReasonOf(out.status()), FieldPathOf(out.status()));
    return Deliver(ctx, *out, hub_id);
  }
};

}  // namespace

std::unique_ptr<Adapter> NewNetSuiteAdapter() {
  return std::make_unique<NetSuiteAdapter>();
}

}  // namespace revhub::adapter
