// The Chargebee mappings, one file per resource family, that
// ChargebeeAdapter dispatches to by object type (chargebee_adapter.cc).
// A record's payload is the bare resource as Chargebee renders it (the
// "customer" object of {"customer": {...}}), the same whether Read pulled it
// or a webhook carried it; "event" is a webhook envelope pushed whole.
//
//   customer        -> Customer                         (CustomerChanged)
//   item            -> Product                          (ProductChanged)
//   item_price      -> Product, known by the item price and its item
//   plan, addon     -> Product (Product Catalog 1.0)    (ProductChanged)
//   subscription    -> Contract, one line per subscription item (or 1.0
//                      plan and addons) (ContractBooked; ContractCancelled
//                      once cancelled; from a subscription_changed event
//                      ContractAmended)
//   invoice         -> Invoice (InvoiceIssued unless pending)
//   credit_note     -> Invoice of kind CREDIT_NOTE (CreditIssued)
//   transaction     -> Payment for type "payment" (PaymentReceived when
//                      successful); refunds, authorizations and reversals
//                      are skipped with the reason
//   event           -> the content resource its event_type is about
//
//   chargebee_customers_products.cc  customer, item, item_price, plan, addon
//   chargebee_subscriptions.cc       subscription
//   chargebee_invoices.cc            invoice, credit_note and their lines
//   chargebee_transactions.cc        transaction
//   chargebee_common.cc              the helpers below
//   chargebee_pull.cc                Read
//   chargebee_webhooks.cc            VerifyWebhook
//
// Chargebee ids go into ExternalRef(system, resource, id); references to
// other resources (customer_id, subscription_id, item_price_id,
// reference_invoice_id, linked_invoices) become EntityLinks. A subscription
// line is known by its item price id (Chargebee subscription items have no
// id of their own), an invoice line names it in entity_id.
// With config.contract_ref_field, a subscription whose meta_data (or custom
// field cf_...) names a CRM record carries that record's ref as well.
//
// Every Map* function maps Chargebee resource `o` into `out`; `ev` is the
// webhook event the resource came in, or null for a bare resource. They are
// pure functions of their input: thread-safe.
#ifndef REVHUB_ADAPTERS_CHARGEBEE_CHARGEBEE_MAPPING_H_
#define REVHUB_ADAPTERS_CHARGEBEE_CHARGEBEE_MAPPING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/mapping.h"

namespace revhub::adapter::chargebee {

// What a webhook envelope says about its content.
struct EventInfo {
  std::string id;          // "ev_16BPgETyVrQbiGhA"
  std::string event_type;  // "subscription_changed"
  std::optional<Timestamp> occurred_at;
};

// The resources the adapter translates, by Chargebee's name, in the order
// Describe lists them.
const std::vector<std::string>& TranslatedResources();

// Defined in chargebee_common.cc.

// Requires `o` to be an object whose "object", when present, is `expected`.
absl::Status CheckObject(const Field& o, absl::string_view expected);
// The event's timestamp when there is one, else `fallback` (may be null).
const Timestamp* EventTime(const EventInfo* ev,
                           const std::optional<Timestamp>& fallback);
// Copies meta_data's scalar values to attributes "meta_data.<k>" and the
// resource's custom fields (cf_*) to attributes "cf_<k>".
void PutCustomFields(const Field& o,
                     google::protobuf::Map<std::string, std::string>* attrs);
// Returns the resource's updated_at (Unix seconds), when present.
absl::StatusOr<std::optional<Timestamp>> UpdatedAt(const Field& o);
// Returns the billing interval of period and period_unit ("day", "week",
// "month", "year"); none when the unit is absent.
absl::StatusOr<std::optional<canonical::v1::Interval>> PeriodInterval(
    const Field& count, const Field& unit);
// Returns Money for `minor` (integer minor units) or, when it is absent,
// `decimal` (a decimal string in units: Chargebee's *_in_decimal fields of
// multi-decimal pricing); none when both are absent.
absl::StatusOr<std::optional<Money>> AmountAt(const Field& minor,
                                              const Field& decimal,
                                              absl::string_view currency);
// Returns the quantity of an item: quantity, else quantity_in_decimal, else
// `fallback` when given; an error when none is there.
absl::StatusOr<Decimal> QuantityAt(const Field& item,
                                   absl::string_view quantity_key,
                                   std::optional<int64_t> fallback);
// The contract's record in another system that a subscription names under
// config.contract_ref_field (a meta_data key, or a custom field "cf_..."),
// when it names one; an error naming the config field when the rule is
// incomplete.
absl::StatusOr<std::optional<ExternalRef>> SubscriptionContractRef(
    const TranslateContext& ctx, const Field& o);
// The product ref of a line's entity: item_price for Product Catalog 2.0
// (plan_item_price, addon_item_price, charge_item_price), plan or addon for
// 1.0; none for ad hoc charges.
std::optional<ExternalRef> LineProductRef(const TranslateContext& ctx,
                                          absl::string_view entity_type,
                                          absl::string_view entity_id);

// Defined in chargebee_customers_products.cc.

absl::Status MapCustomer(const TranslateContext& ctx, const Field& o,
                         const EventInfo* ev, TranslationBuilder& out);
absl::Status MapItem(const TranslateContext& ctx, const Field& o,
                     const EventInfo* ev, TranslationBuilder& out);
absl::Status MapItemPrice(const TranslateContext& ctx, const Field& o,
                          const EventInfo* ev, TranslationBuilder& out);
// plan and addon (`resource` says which).
absl::Status MapPlan(const TranslateContext& ctx, const Field& o,
                     absl::string_view resource, const EventInfo* ev,
                     TranslationBuilder& out);

// Defined in chargebee_subscriptions.cc.

absl::Status MapSubscription(const TranslateContext& ctx, const Field& o,
                             const EventInfo* ev, TranslationBuilder& out);

// Defined in chargebee_invoices.cc.

absl::Status MapInvoice(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out);
absl::Status MapCreditNote(const TranslateContext& ctx, const Field& o,
                           const EventInfo* ev, TranslationBuilder& out);

// Defined in chargebee_transactions.cc.

absl::Status MapTransaction(const TranslateContext& ctx, const Field& o,
                            const EventInfo* ev, TranslationBuilder& out);

}  // namespace revhub::adapter::chargebee

namespace revhub::adapter {

// Defined in chargebee_adapter.cc: config.base_url, else
// https://<config.site>.chargebee.com; an error naming config.site.
absl::StatusOr<std::string> ChargebeeBaseUrl(const Config& config);

// Defined in chargebee_pull.cc: one page of `ctx.request.object_type()`.
ReadResponse ChargebeeRead(const ReadContext& ctx);
// The readable resources: (object type, list path) pairs.
struct ChargebeeListing {
  const char* object_type;  // "credit_note"
  const char* path;         // "/api/v2/credit_notes"
  const char* sort_by;      // "updated_at", or "" when Chargebee cannot
};
const std::vector<ChargebeeListing>& ChargebeeListings();
// Returns the version of a resource: resource_version, else updated_at, as
// decimal text; an error naming the field when neither is there.
absl::StatusOr<std::string> ChargebeeVersion(const Field& resource);

// Defined in chargebee_webhooks.cc.
VerifyWebhookResponse ChargebeeVerifyWebhook(const WebhookContext& ctx);

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_CHARGEBEE_CHARGEBEE_MAPPING_H_
