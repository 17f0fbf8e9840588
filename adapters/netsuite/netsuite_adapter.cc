// NetSuiteAdapter: describes the NetSuite adapter, checks its credentials,
// and dispatches Translate by record type and Apply by entity type to the
// mappings of netsuite_mapping.h.
#include "adapters/netsuite/netsuite_adapter.h"

#include "absl/strings/str_cat.h"
#include "adapters/netsuite/netsuite_mapping.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using netsuite::BaseRequest;
using netsuite::CustomerBody;
using netsuite::Deliver;
using netsuite::InvoiceBody;
using netsuite::JournalBody;
using netsuite::kRecordPath;
using netsuite::Outbound;

// The NetSuite record types Translate reads back, with their mapping.
struct RecordMapping {
  const char* record_type;
  absl::Status (*map)(const TranslateContext& ctx, const Field& r,
                      TranslationBuilder& out);
};
constexpr RecordMapping kRecordMappings[] = {
    {"customer", &netsuite::MapCustomer},
    {"invoice", &netsuite::MapInvoice},
    {"creditMemo", &netsuite::MapCreditMemo},
    {"subscription", &netsuite::MapSubscription},
    {"subscriptionPlan", &netsuite::MapSubscriptionPlan},
    {"journalEntry", &netsuite::MapJournalEntry},
};

// The record types Read serves: what revhub delivers, read back.
constexpr const char* kReadableTypes[] = {"customer", "invoice", "creditMemo",
                                          "journalEntry"};

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
    InboundObjectType credit_memo;
    credit_memo.set_object_type("creditMemo");
    credit_memo.set_description(
        "creditMemo record (GET record/v1/creditMemo/{id}?expandSubResources="
        "true) -> Invoice of kind CREDIT_NOTE crediting its invoice");
    credit_memo.add_produces(cv1::ENTITY_TYPE_INVOICE);
    InboundObjectType subscription;
    subscription.set_object_type("subscription");
    subscription.set_description(
        "SuiteBilling subscription (GET record/v1/subscription/{id}?"
        "expandSubResources=true) -> Contract, lines from subscriptionLine "
        "priced by priceInterval");
    subscription.add_produces(cv1::ENTITY_TYPE_CONTRACT);
    InboundObjectType plan;
    plan.set_object_type("subscriptionPlan");
    plan.set_description(
        "SuiteBilling subscription plan (GET record/v1/subscriptionPlan/{id}?"
        "expandSubResources=true) -> a Product per member item");
    plan.add_produces(cv1::ENTITY_TYPE_PRODUCT);
    InboundObjectType journal;
    journal.set_object_type("journalEntry");
    journal.set_description(
        "journalEntry record (GET record/v1/journalEntry/{id}?"
        "expandSubResources=true) -> JournalEntry, for reconciliation");
    journal.add_produces(cv1::ENTITY_TYPE_JOURNAL_ENTRY);
    info.inbound = {customer,     invoice, credit_memo,
                    subscription, plan,    journal};
    for (const char* type : kReadableTypes) {
      ReadableObjectType r;
      r.set_object_type(type);
      r.set_description(absl::StrCat(
          "GET record/v1/", type,
          "?limit=&offset= then each record; a full read (cursor: offset)"));
      info.readable.push_back(r);
    }
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
    for (const RecordMapping& m : kRecordMappings) {
      if (ctx.record.object_type() == m.record_type)
        return m.map(ctx, root, out);
    }
    // The SDK refuses an object type Info does not declare.
    return MappingError("object_type", "not a NetSuite record type read back");
  }

  absl::Status Check(const CheckContext& ctx) override {
    HttpRequest req = BaseRequest(ctx.config);
    req.url = absl::StrCat(ctx.config.GetString("base_url"), kRecordPath,
                           "customer?limit=1");
    ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
    return CredentialCheckStatus(resp.status, "NetSuite", "the access token",
                                 "the token's role may not read customers");
  }

  ReadResponse Read(const ReadContext& ctx) override {
    return netsuite::ReadRecords(ctx);
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
