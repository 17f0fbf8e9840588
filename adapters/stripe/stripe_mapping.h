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
//   usage_record,            -> UsageRecord of the subscription item's line
//   billing.meter_event_summary  (UsageReported)
//   event                    -> the envelope's data.object, with the event's
//                               type deciding the business event
//
//   stripe_customers_products.cc  customer, product, price, plan
//   stripe_subscriptions.cc       subscription, subscription_schedule
//   stripe_invoices.cc            invoice, credit_note
//   stripe_payments.cc            payment_intent, charge
//   stripe_usage.cc               usage_record, billing.meter_event_summary
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
#include <vector>

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
  // The API version the envelope was rendered in ("2022-11-15"); empty
  // when the envelope does not say. The mappings read every shape by the
  // fields present, so this is kept for the record (attributes).
  std::string api_version;
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
// Returns Money for an amount in decimal minor units, a number or a numeric
// string ("1000", "12.5": Stripe's *_decimal and unit_amount_excluding_tax);
// none when absent.
absl::StatusOr<std::optional<Money>> DecimalMinorUnitsAt(
    const Field& dec, absl::string_view currency);
// Copies the string values of a metadata object to attributes "metadata.<k>".
void PutMetadata(const Field& metadata,
                 google::protobuf::Map<std::string, std::string>* attributes);
// Requires `obj` to be an object whose "object", when present, is `expected`.
absl::Status CheckObject(const Field& obj, absl::string_view expected);
// The price of a subscription item, schedule phase item or invoice line:
// "price" (API 2018-02-05 and later), else the legacy "plan". Expanded
// object or id.
Field PriceOf(const Field& item);
// True when an expanded price is a legacy plan (amount, interval at top).
bool IsPlan(const Field& price);
// The billing interval of an expanded price (recurring.interval and
// interval_count) or plan; none for a one-time price or a price id.
absl::StatusOr<std::optional<canonical::v1::Interval>> PriceInterval(
    const Field& price);
// The sum of the percentages of the tax rates (expanded tax_rate objects)
// that are inclusive; none when no rate is inclusive.
absl::StatusOr<std::optional<Decimal>> InclusivePercent(
    const std::vector<Field>& rates);
// Returns `gross` without the tax it includes at `percent`, rounded half up
// to the currency's minor unit: gross * 100 / (100 + percent).
absl::StatusOr<Money> NetOfInclusiveTax(const Money& gross,
                                        const Decimal& percent);

// The taxes of an invoice or credit note line: legacy tax_amounts[]
// ({amount, inclusive, taxable_amount}) or, from API 2025-03-31, taxes[]
// ({amount, tax_behavior, taxable_amount}).
struct LineTaxes {
  Money total;      // every tax on the line
  Money inclusive;  // the part already inside the line's amount
  // taxable_amount of the first inclusive tax: the amount after discounts
  // and without the inclusive tax, when Stripe says it.
  std::optional<Money> taxable;
  std::string path;  // the vendor array they were read from
};
absl::StatusOr<LineTaxes> ReadLineTaxes(const Field& line,
                                        absl::string_view currency);
// Returns `gross` (an amount that includes `taxes.inclusive`, before the
// line's `discount`) without its inclusive tax: gross * T / (T + inclusive),
// T the taxable amount (taxable_amount, else gross - discount - inclusive),
// rounded half up to the minor unit. `gross` itself when there is no
// inclusive tax.
absl::StatusOr<Money> NetOfLineTax(const Money& gross, const LineTaxes& taxes,
                                   const Money& line_gross,
                                   const Money& discount);

// Defined in stripe_contract_refs.cc.

// The subscription an invoice or line bills: legacy top-level
// "subscription" or parent.subscription_details.subscription (2025-03-31).
absl::StatusOr<std::optional<std::string>> InvoiceSubscription(const Field& o);
// Links entity `index`'s contract_id by config.contract_ref_metadata_key
// (see stripe_contract_refs.cc); returns whether it did.
absl::StatusOr<bool> LinkContractByMetadata(const TranslateContext& ctx,
                                            const Field& o, bool invoice,
                                            int index, TranslationBuilder& out);
// The contract's record in another system that a subscription (or
// schedule) names in its metadata under config.contract_ref_metadata_key
// (the Salesforce opportunity it was sold as), when it names one. The
// contract translated from the subscription carries it as one more external
// ref: with that system authoritative for contracts, the hub binds the
// subscription to the CRM's contract instead of booking a second one.
absl::StatusOr<std::optional<ExternalRef>> SubscriptionContractRef(
    const TranslateContext& ctx, const Field& o);

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
// refund: the charge (or payment intent) it refunds when expanded, whose
// amount_refunded includes it; otherwise skipped with the reason.
absl::Status MapRefund(const TranslateContext& ctx, const Field& o,
                       const EventInfo* ev, TranslationBuilder& out);
// dispute -> its Payment's disputes (charge expanded), else skipped.
absl::Status MapDispute(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out);

// Defined in stripe_usage.cc.

// usage_record and billing.meter_event_summary: the record names its
// subscription item and that item's subscription (stripe_usage.cc says
// how, since Stripe's objects do not).
absl::Status MapUsageRecord(const TranslateContext& ctx, const Field& o,
                            const EventInfo* ev, TranslationBuilder& out);
absl::Status MapMeterEventSummary(const TranslateContext& ctx, const Field& o,
                                  const EventInfo* ev, TranslationBuilder& out);

}  // namespace revhub::adapter::stripe

#endif  // REVHUB_ADAPTERS_STRIPE_STRIPE_MAPPING_H_
