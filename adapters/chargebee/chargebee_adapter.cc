// ChargebeeAdapter: describes the Chargebee adapter, checks its
// credentials, dispatches each record to its resource's mapping by object
// type through kResourceMappings (the mappings are listed in
// chargebee_mapping.h), and hands Read and VerifyWebhook to
// chargebee_pull.cc and chargebee_webhooks.cc.
#include "adapters/chargebee/chargebee_adapter.h"

#include <chrono>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "adapters/sdk/webhook_crypto.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using chargebee::EventInfo;

// Maps one Chargebee resource named `resource`.
using ResourceMapper = absl::Status (*)(const TranslateContext& ctx,
                                        const Field& o,
                                        absl::string_view resource,
                                        const EventInfo* ev,
                                        TranslationBuilder& out);

// One Chargebee resource the adapter translates: what Describe says about
// it and the mapping it is dispatched to.
struct ResourceMapping {
  const char* resource;
  const char* description;
  std::vector<EntityType> produces;
  ResourceMapper map;
};

const std::vector<ResourceMapping>& ResourceMappings() {
  static const auto* const kResourceMappings = new std::vector<ResourceMapping>{
      {"customer",
       "Customer -> Customer",
       {cv1::ENTITY_TYPE_CUSTOMER},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapCustomer(ctx, o, ev, out);
       }},
      {"item",
       "Item (Product Catalog 2.0) -> Product",
       {cv1::ENTITY_TYPE_PRODUCT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapItem(ctx, o, ev, out);
       }},
      {"item_price",
       "Item price -> its item's Product (selling price, billing period)",
       {cv1::ENTITY_TYPE_PRODUCT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapItemPrice(ctx, o, ev, out);
       }},
      {"plan",
       "Plan (Product Catalog 1.0) -> Product",
       {cv1::ENTITY_TYPE_PRODUCT},
       &chargebee::MapPlan},
      {"addon",
       "Addon (Product Catalog 1.0) -> Product",
       {cv1::ENTITY_TYPE_PRODUCT},
       &chargebee::MapPlan},
      {"subscription",
       "Subscription with subscription_items (or 1.0 plan and addons) -> "
       "Contract with lines",
       {cv1::ENTITY_TYPE_CONTRACT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapSubscription(ctx, o, ev, out);
       }},
      {"invoice",
       "Invoice with line_items, discounts, taxes -> Invoice",
       {cv1::ENTITY_TYPE_INVOICE},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapInvoice(ctx, o, ev, out);
       }},
      {"credit_note",
       "Credit note (adjustment or refundable) -> Invoice of kind "
       "CREDIT_NOTE",
       {cv1::ENTITY_TYPE_INVOICE},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapCreditNote(ctx, o, ev, out);
       }},
      {"transaction",
       "Transaction of type payment -> Payment (linked_refunds -> "
       "refunded_amount, linked_invoices -> allocations); refunds skipped",
       {cv1::ENTITY_TYPE_PAYMENT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return chargebee::MapTransaction(ctx, o, ev, out);
       }},
  };
  return *kResourceMappings;
}

std::string DeclaredTypes() {
  std::vector<std::string> names;
  for (const ResourceMapping& m : ResourceMappings())
    names.push_back(m.resource);
  names.push_back("event");
  return absl::StrJoin(names, ", ");
}

const ResourceMapping* FindMapping(absl::string_view resource) {
  for (const ResourceMapping& m : ResourceMappings()) {
    if (resource == m.resource) return &m;
  }
  return nullptr;
}

// The resource an event is about: the longest translated resource name
// that prefixes its event_type ("credit_note_created" -> credit_note,
// "item_price_updated" -> item_price); payment_* and refund_* events are
// about their transaction, pending_invoice_* about the invoice.
std::string PrimaryResource(absl::string_view event_type) {
  if (absl::StartsWith(event_type, "payment_") ||
      absl::StartsWith(event_type, "refund_"))
    return "transaction";
  if (absl::StartsWith(event_type, "pending_invoice_")) return "invoice";
  std::string best;
  for (const ResourceMapping& m : ResourceMappings()) {
    std::string prefix = absl::StrCat(m.resource, "_");
    if (absl::StartsWith(event_type, prefix) && prefix.size() > best.size() + 1)
      best = m.resource;
  }
  return best;
}

absl::Status MapEvent(const TranslateContext& ctx, const Field& root,
                      TranslationBuilder& out) {
  RETURN_IF_ERROR(chargebee::CheckObject(root, "event"));
  EventInfo ev;
  ASSIGN_OR_RETURN(ev.id, root["id"].String());
  ASSIGN_OR_RETURN(ev.event_type, root["event_type"].String());
  ASSIGN_OR_RETURN(ev.occurred_at, UnixTimeAt(root["occurred_at"]));
  Field content = root["content"];
  RETURN_IF_ERROR(content.RequireObject());
  std::string resource = PrimaryResource(ev.event_type);
  if (resource.empty() || !content[resource].present()) {
    out.Skip(absl::StrCat("event ", ev.event_type,
                          " carries no resource the adapter translates "
                          "for it; the adapter translates ",
                          DeclaredTypes()));
    return absl::OkStatus();
  }
  return FindMapping(resource)->map(ctx, content[resource], resource, &ev, out);
}

// The API base URL: config.base_url, else https://<site>.chargebee.com.
absl::StatusOr<std::string> BaseUrl(const Config& config) {
  if (config.Has("base_url")) {
    std::string url = config.GetString("base_url");
    while (absl::EndsWith(url, "/")) url.pop_back();
    return url;
  }
  if (!config.Has("site") || config.GetString("site").empty()) {
    return MappingError("config.site",
                        "required (or config.base_url) to reach Chargebee");
  }
  std::string site = config.GetString("site");
  for (char ch : site) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(ch)) || ch == '-')) {
      return MappingError("config.site",
                          absl::StrCat("\"", site,
                                       "\" is not a Chargebee site name "
                                       "(letters, digits and '-', as in "
                                       "acme-test)"));
    }
  }
  return absl::StrCat("https://", site, ".chargebee.com");
}

class ChargebeeAdapter final : public Adapter {
 public:
  // Adapter
  AdapterInfo Info() const override {
    AdapterInfo info;
    info.name = "chargebee";
    info.vendor = "Chargebee Billing";
    info.version = "1.0.0";
    auto add = [&info](const char* type, const char* description,
                       const std::vector<EntityType>& produces) {
      InboundObjectType t;
      t.set_object_type(type);
      t.set_description(description);
      for (EntityType e : produces) t.add_produces(e);
      info.inbound.push_back(t);
    };
    for (const ResourceMapping& m : ResourceMappings()) {
      add(m.resource, m.description, m.produces);
    }
    add("event",
        "Webhook event envelope (event_type, content): the resource the "
        "event is about",
        {cv1::ENTITY_TYPE_CUSTOMER, cv1::ENTITY_TYPE_PRODUCT,
         cv1::ENTITY_TYPE_CONTRACT, cv1::ENTITY_TYPE_INVOICE,
         cv1::ENTITY_TYPE_PAYMENT});
    for (const ChargebeeListing& l : ChargebeeListings()) {
      ReadableObjectType r;
      r.set_object_type(l.object_type);
      r.set_description(absl::StrCat("GET ", l.path, " by updated_at"));
      r.set_incremental(true);
      r.set_backfill_start(true);
      info.readable.push_back(r);
    }
    VendorRateLimit limit;
    limit.set_requests(150);
    limit.mutable_per()->set_seconds(60);
    limit.set_scope(
        "all API requests of a test site or a Starter live site (live "
        "Performance and Enterprise sites allow more)");
    limit.set_documentation_url(
        "https://www.chargebee.com/docs/billing/2.0/kb/platform/"
        "what-are-the-chargebee-api-limits");
    info.rate_limits.push_back(limit);
    info.verifies_webhooks = true;
    info.webhook_authentication =
        "HTTP basic auth (Authorization: Basic) with the username and "
        "password set on the Chargebee webhook endpoint: "
        "config.webhook_username and config.webhook_password";
    info.config_fields = {
        {"site", ConfigType::kString, false, false,
         "Chargebee site name: acme-test reads https://acme-test.chargebee.com",
         ""},
        {"base_url", ConfigType::kUrl, false, false,
         "API base URL instead of the site's (a proxy, or an emulator)", ""},
        {"api_key", ConfigType::kString, false, true,
         "API key (read-only keys suffice), used by Check and Read", ""},
        {"webhook_username", ConfigType::kString, false, false,
         "Username of the basic auth set on the Chargebee webhook", ""},
        {"webhook_password", ConfigType::kString, false, true,
         "Password of the basic auth set on the Chargebee webhook", ""},
        {"request_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout of one HTTP request", "30000"},
        {"contract_ref_field", ConfigType::kString, false, false,
         "Where a subscription names the contract's record in another "
         "system: a meta_data key (salesforce_opportunity_id) or a custom "
         "field (cf_opportunity_id)",
         ""},
        {"contract_ref_system", ConfigType::kString, false, false,
         "The system named by contract_ref_field's value, e.g. salesforce "
         "(required with the field)",
         ""},
        {"contract_ref_object_type", ConfigType::kString, false, false,
         "The object type of that record, e.g. Opportunity (required with "
         "the field)",
         ""},
    };
    return info;
  }

  absl::Status Translate(const TranslateContext& ctx,
                         TranslationBuilder& out) override {
    ASSIGN_OR_RETURN(Json doc, ParseExactJson(ctx.record.payload()));
    Field root(doc);
    const std::string& type = ctx.record.object_type();
    if (type == "event") return MapEvent(ctx, root, out);
    const ResourceMapping* m = FindMapping(type);
    if (m == nullptr) {
      return MappingError(
          "object_type",
          absl::StrCat("unknown Chargebee resource \"", type,
                       "\"; the adapter translates ", DeclaredTypes()));
    }
    return m->map(ctx, root, type, nullptr, out);
  }

  absl::Status Check(const CheckContext& ctx) override {
    ASSIGN_OR_RETURN(std::string base, BaseUrl(ctx.config));
    if (!ctx.config.Has("api_key")) {
      return MappingError("config.api_key", "required to reach Chargebee");
    }
    HttpRequest req;
    req.url = base + "/api/v2/customers?limit=1";
    req.headers.emplace_back(
        "Authorization",
        "Basic " + Base64Encode(ctx.config.GetString("api_key") + ":"));
    req.timeout =
        std::chrono::milliseconds(ctx.config.GetInt("request_timeout_ms"));
    ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
    return CredentialCheckStatus(resp.status, "Chargebee", "config.api_key",
                                 "the API key may not list customers");
  }

  ReadResponse Read(const ReadContext& ctx) override {
    return ChargebeeRead(ctx);
  }

  VerifyWebhookResponse VerifyWebhook(const WebhookContext& ctx) override {
    return ChargebeeVerifyWebhook(ctx);
  }
};

}  // namespace

absl::StatusOr<std::string> ChargebeeBaseUrl(const Config& config) {
  return BaseUrl(config);
}

std::unique_ptr<Adapter> NewChargebeeAdapter() {
  return std::make_unique<ChargebeeAdapter>();
}

}  // namespace revhub::adapter
