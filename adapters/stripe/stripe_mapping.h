// The Stripe mappings, one file per object family, that StripeAdapter
// dispatches to by object type (stripe_adapter.cc):
//
//   customer                 -> Customer                    (CustomerChanged)
//   product                  -> Product                     (ProductChanged)
//   price, plan              -> Product, known by the price and its product
//                               (ProductChanged)
//   subscription             -> Contract, one line per item (ContractBooked;
//                               from an "updated" event ContractAmended when
//                               items, quantities or discounts changed)
//   subscription_schedule    -> one Contract version per phase (the first
//                               ContractBooked, later phases ContractAmended)
//   invoice                  -> Invoice (InvoiceIssued once finalized)
//   credit_note              -> Invoice of kind CREDIT_NOTE (CreditIssued)
//   payment_intent, charge   -> Payment (PaymentReceived when succeeded)
//   event                    -> the envelope's data.object, with the event's
//                               type deciding the business event
//
//   stripe_customers_products.cc  customer, product, price, plan
//   stripe_subscriptions.cc       subscription, subscription_schedule
//   stripe_invoices.cc            invoice, credit_note
//   stripe_payments.cc            payment_intent, charge
//   stripe_common.cc              the helpers below
//
// Stripe ids go into ExternalRef(system, object, id); references to other
// objects (customer, product, subscription, invoice) become EntityLinks.
// With config.contract_ref_metadata_key, an invoice or credit note whose
// metadata names a CRM record links its contract to that record instead
// (see LinkContractByMetadata in stripe_invoices.cc).
// Stripe discounts are invoice-level (coupons): a line's discount_amounts are
// its share, reported in line.discount_amount; line.amount stays Stripe's
// pre-discount amount and Invoice.discount_total carries the whole discount.
//
// Every Map* function maps Stripe object `o` into `out`; `ev` is the webhook
// event the object came in, or null for a bare object. They are pure
// functions of their input: thread-safe.
#ifndef REVHUB_ADAPTERS_STRIPE_STRIPE_MAPPING_H_
#define REVHUB_ADAPTERS_STRIPE_STRIPE_MAPPING_H_

#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/mapping.h"

namespace revhub::adapter::stripe {

// What a webhook envelope says about its data.object.
struct EventInfo {
  std::string id;
  std::string type;               // "customer.subscription.updated"
  std::set<std::string> changed;  // keys of previous_attributes
  std::optional<Timestamp> created;
};

// Defined in stripe_common.cc.

// Returns the id of an expandable field: a string id or an object's "id".
absl::StatusOr<std::optional<std::string>> ExpandableId(const Field& f);
// Returns the id of a required expandable field; a mapping error when absent.
absl::StatusOr<std::string> RequiredId(const Field& f);
// Sums the "amount" members of an array of objects, in minor units; none
// when the array is absent.
absl::StatusOr<std::optional<Money>> SumAmounts(const Field& list,
                                                absl::string_view currency);
// Returns Money for a price's unit amount: `amount_key` (integer minor
// units) or `amount_key`_decimal (decimal minor units, "12.5").
absl::StatusOr<std::optional<Money>> UnitAmount(const Field& price,
                                                absl::string_view amount_key,
                                                absl::string_view currency);
// Copies the string values of a metadata object to attributes "metadata.<k>".
void PutMetadata(const Field& metadata,
                 google::protobuf::Map<std::string, std::string>* attributes);
// Requires `obj` to be an object whose "object", when present, is `expected`.
absl::Status CheckObject(const Field& obj, absl::string_view expected);

// Defined in stripe_customers_products.cc.

absl::Status MapCustomer(const TranslateContext& ctx, const Field& o,
                         const EventInfo* ev, TranslationBuilder& out);
absl::Status MapProduct(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out);
// price and its legacy form plan (`object` says which).
absl::Status MapPrice(const TranslateContext& ctx, const Field& o,
                      absl::string_view object, const EventInfo* ev,
                      TranslationBuilder& out);

// Defined in stripe_subscriptions.cc.

absl::Status MapSubscription(const TranslateContext& ctx, const Field& o,
                             const EventInfo* ev, TranslationBuilder& out);
absl::Status MapSubscriptionSchedule(const TranslateContext& ctx,
                                     const Field& o, const EventInfo* ev,
                                     TranslationBuilder& out);

// Defined in stripe_invoices.cc.

absl::Status MapInvoice(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out);
absl::Status MapCreditNote(const TranslateContext& ctx, const Field& o,
                           const EventInfo* ev, TranslationBuilder& out);

// Defined in stripe_payments.cc.

// payment_intent and charge (`object` says which).
absl::Status MapPayment(const TranslateContext& ctx, const Field& o,
                        absl::string_view object, const EventInfo* ev,
                        TranslationBuilder& out);

}  // namespace revhub::adapter::stripe

#endif  // REVHUB_ADAPTERS_STRIPE_STRIPE_MAPPING_H_
