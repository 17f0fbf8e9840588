// StripeAdapter: describes the Stripe adapter, checks its credentials, and
// dispatches each record to its object family's mapping by object type
// through kObjectMappings (the mappings are listed in stripe_mapping.h).
#include "adapters/stripe/stripe_adapter.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "adapters/stripe/stripe_mapping.h"
#include "adapters/stripe/stripe_pull.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using stripe::EventInfo;

// Maps one Stripe object whose "object" is `object`.
using ObjectMapper = absl::Status (*)(const TranslateContext& ctx,
                                      const Field& o, absl::string_view object,
                                      const EventInfo* ev,
                                      TranslationBuilder& out);

// One Stripe object type the adapter translates: what Describe says about
// it and the mapping it is dispatched to.
struct ObjectMapping {
  const char* object;
  const char* description;
  std::vector<EntityType> produces;
  ObjectMapper map;
};

// Every Stripe object type, in the order Describe lists them. "event" is the
// envelope around one of these (MapEvent).
const std::vector<ObjectMapping>& ObjectMappings() {
  static const auto* const kObjectMappings = new std::vector<ObjectMapping>{
      {"customer",
       "Customer -> Customer",
       {cv1::ENTITY_TYPE_CUSTOMER},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapCustomer(ctx, o, ev, out);
       }},
      {"product",
       "Product -> Product",
       {cv1::ENTITY_TYPE_PRODUCT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapProduct(ctx, o, ev, out);
       }},
      {"price",
       "Price -> Product (standalone selling price, billing interval)",
       {cv1::ENTITY_TYPE_PRODUCT},
       &stripe::MapPrice},
      {"plan",
       "Legacy plan -> Product",
       {cv1::ENTITY_TYPE_PRODUCT},
       &stripe::MapPrice},
      {"subscription",
       "Subscription with items -> Contract with lines",
       {cv1::ENTITY_TYPE_CONTRACT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapSubscription(ctx, o, ev, out);
       }},
      {"subscription_schedule",
       "Subscription schedule -> one Contract version per phase",
       {cv1::ENTITY_TYPE_CONTRACT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapSubscriptionSchedule(ctx, o, ev, out);
       }},
      {"invoice",
       "Invoice with lines, discounts, tax, prorations -> Invoice",
       {cv1::ENTITY_TYPE_INVOICE},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapInvoice(ctx, o, ev, out);
       }},
      {"credit_note",
       "Credit note -> Invoice of kind CREDIT_NOTE",
       {cv1::ENTITY_TYPE_INVOICE},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapCreditNote(ctx, o, ev, out);
       }},
      {"payment_intent",
       "PaymentIntent -> Payment",
       {cv1::ENTITY_TYPE_PAYMENT},
       &stripe::MapPayment},
      {"charge",
       "Charge -> Payment (amount_refunded -> refunded_amount)",
       {cv1::ENTITY_TYPE_PAYMENT},
       &stripe::MapPayment},
      {"refund",
       "Refund -> the refunded Payment when its charge is expanded "
       "(otherwise skipped: the charge carries amount_refunded)",
       {cv1::ENTITY_TYPE_PAYMENT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapRefund(ctx, o, ev, out);
       }},
      {"dispute",
       "Dispute -> the disputed Payment's disputes, when its charge is "
       "expanded (otherwise skipped with the reason)",
       {cv1::ENTITY_TYPE_PAYMENT},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapDispute(ctx, o, ev, out);
       }},
      {"usage_record",
       "Usage record (legacy metered billing) -> UsageRecord of the "
       "subscription item's contract line",
       {cv1::ENTITY_TYPE_USAGE_RECORD},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapUsageRecord(ctx, o, ev, out);
       }},
      {"billing.meter_event_summary",
       "Meter event summary -> UsageRecord of the subscription item's "
       "contract line over [start_time, end_time)",
       {cv1::ENTITY_TYPE_USAGE_RECORD},
       [](const TranslateContext& ctx, const Field& o, absl::string_view,
          const EventInfo* ev, TranslationBuilder& out) {
         return stripe::MapMeterEventSummary(ctx, o, ev, out);
       }},
  };
  return *kObjectMappings;
}

// "customer, product, ..., event": the object types the adapter declares.
std::string DeclaredTypes() {
  std::vector<std::string> names;
  for (const ObjectMapping& m : ObjectMappings()) names.push_back(m.object);
  names.push_back("event");
  return absl::StrJoin(names, ", ");
}

const ObjectMapping* FindMapping(absl::string_view object) {
  for (const ObjectMapping& m : ObjectMappings()) {
    if (object == m.object) return &m;
  }
  return nullptr;
}

// Maps a record's object: an object type the adapter does not declare is
// refused, naming the ones it does.
absl::Status MapObject(const TranslateContext& ctx, absl::string_view object,
                       const Field& o, TranslationBuilder& out) {
  const ObjectMapping* m = FindMapping(object);
  if (m == nullptr) {
    return MappingError(
        "object_type",
        absl::StrCat("unknown Stripe object type \"", object,
                     "\"; the adapter translates ", DeclaredTypes()));
  }
  return m->map(ctx, o, object, nullptr, out);
}

absl::Status MapEvent(const TranslateContext& ctx, const Field& root,
                      TranslationBuilder& out) {
  RETURN_IF_ERROR(stripe::CheckObject(root, "event"));
  EventInfo ev;
  ASSIGN_OR_RETURN(ev.id, root["id"].String());
  ASSIGN_OR_RETURN(ev.type, root["type"].String());
  ASSIGN_OR_RETURN(ev.created, UnixTimeAt(root["created"]));
  Field data = root["data"];
  RETURN_IF_ERROR(data.RequireObject());
  Field obj = data["object"];
  RETURN_IF_ERROR(obj.RequireObject());
  Field prev = data["previous_attributes"];
  if (prev.present()) {
    RETURN_IF_ERROR(prev.RequireObject());
    for (const auto& [k, v] : prev.json().items()) ev.changed.insert(k);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> api_version,
                   root["api_version"].OptionalString());
  ev.api_version = api_version.value_or("");
  ASSIGN_OR_RETURN(std::string object, obj["object"].String());
  const ObjectMapping* m = FindMapping(object);
  if (m == nullptr) {
    // Webhooks about coupons, tax rates, invoice items, ...: nothing for
    // the canonical model, and nothing wrong with the record.
    out.Skip(absl::StrCat("event ", ev.type, " is about a Stripe \"", object,
                          "\", which has no canonical counterpart; the "
                          "adapter translates ",
                          DeclaredTypes()));
    return absl::OkStatus();
  }
  return m->map(ctx, obj, object, &ev, out);
}

class StripeAdapter final : public Adapter {
 public:
  // Adapter
  AdapterInfo Info() const override {
    AdapterInfo info;
    info.name = "stripe";
    info.vendor = "Stripe Billing";
    info.version = "1.0.0";
    auto add = [&info](const char* type, const char* description,
                       const std::vector<EntityType>& produces) {
      InboundObjectType t;
      t.set_object_type(type);
      t.set_description(description);
      for (EntityType e : produces) t.add_produces(e);
      info.inbound.push_back(t);
    };
    for (const ObjectMapping& m : ObjectMappings()) {
      add(m.object, m.description, m.produces);
    }
    add("event",
        "Webhook event envelope (type, data.object, previous_attributes)",
        {cv1::ENTITY_TYPE_CUSTOMER, cv1::ENTITY_TYPE_PRODUCT,
         cv1::ENTITY_TYPE_CONTRACT, cv1::ENTITY_TYPE_INVOICE,
         cv1::ENTITY_TYPE_PAYMENT});
    info.config_fields = {
        {"api_base", ConfigType::kUrl, false, false,
         "Stripe API base URL, used by Check and Read",
         "\"https://api.stripe.com\""},
        {"secret_key", ConfigType::kString, false, true,
         "Restricted or secret API key (sk_... / rk_...), used by Check "
         "and Read (it needs read access to the types read and to events)",
         ""},
        {"webhook_secret", ConfigType::kString, false, true,
         "Webhook signing secret (whsec_...), for the hub's webhook endpoint",
         ""},
        {"webhook_tolerance_seconds", ConfigType::kInteger, false, false,
         "How far a delivery's Stripe-Signature timestamp may be from the "
         "time the hub received it",
         "300"},
        {"request_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout of one HTTP request", "10000"},
        {"default_currency", ConfigType::kCurrency, false, false,
         "The Stripe account's default currency, for records that do not "
         "say theirs (subscription schedule phases of API versions before "
         "2022-08-01 whose items carry price ids only)",
         ""},
        {"contract_ref_metadata_key", ConfigType::kString, false, false,
         "Metadata key of invoices and credit notes (or their subscription "
         "details or lines) naming the contract's record in another system, "
         "e.g. salesforce_opportunity_id",
         ""},
        {"contract_ref_system", ConfigType::kString, false, false,
         "The system named by contract_ref_metadata_key's value, e.g. "
         "salesforce (required with the key)",
         ""},
        {"contract_ref_object_type", ConfigType::kString, false, false,
         "The object type of that record, e.g. Opportunity (required with "
         "the key)",
         ""},
    };
    for (const stripe::ReadableType& t : stripe::ReadableTypes()) {
      ReadableObjectType r;
      r.set_object_type(t.object);
      r.set_description(absl::StrCat("GET ", t.list_path,
                                     ", then /v1/events of ",
                                     absl::StrJoin(t.event_types, " ")));
      r.set_incremental(true);
      r.set_backfill_start(true);
      info.readable.push_back(r);
    }
    auto limit = [&info](int requests, const char* scope) {
      VendorRateLimit l;
      l.set_requests(requests);
      l.mutable_per()->set_seconds(1);
      l.set_scope(scope);
      l.set_documentation_url("https://docs.stripe.com/rate-limits");
      info.rate_limits.push_back(l);
    };
    limit(100, "read requests, live mode");
    limit(25, "read requests, sandbox (test mode)");
    info.verifies_webhooks = true;
    info.webhook_authentication =
        "Stripe-Signature HMAC-SHA256 (v1) with config.webhook_secret and a "
        "timestamp tolerance of config.webhook_tolerance_seconds (300 s)";
    return info;
  }

  absl::Status Translate(const TranslateContext& ctx,
                         TranslationBuilder& out) override {
    ASSIGN_OR_RETURN(Json doc, ParseExactJson(ctx.record.payload()));
    Field root(doc);
    const std::string& type = ctx.record.object_type();
    if (type == "event") return MapEvent(ctx, root, out);
    return MapObject(ctx, type, root, out);
  }

  absl::Status Check(const CheckContext& ctx) override {
    if (!ctx.config.Has("secret_key")) {
      return MappingError("config.secret_key", "required to reach Stripe");
    }
    HttpRequest req;
    req.url = ctx.config.GetString("api_base") + "/v1/balance";
    req.headers.emplace_back("Authorization",
                             "Bearer " + ctx.config.GetString("secret_key"));
    req.timeout =
        std::chrono::milliseconds(ctx.config.GetInt("request_timeout_ms"));
    ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
    return CredentialCheckStatus(resp.status, "Stripe", "the API key",
                                 "the API key may not read the balance");
  }

  ReadResponse Read(const ReadContext& ctx) override {
    return stripe::ReadStripe(ctx);
  }

  VerifyWebhookResponse VerifyWebhook(const WebhookContext& ctx) override {
    return stripe::VerifyStripeWebhook(ctx);
  }
};

}  // namespace

std::unique_ptr<Adapter> NewStripeAdapter() {
  return std::make_unique<StripeAdapter>();
}

}  // namespace revhub::adapter
