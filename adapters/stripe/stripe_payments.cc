// Stripe payment_intent, charge and refund -> canonical Payment.
//
// A payment intent and its charges are one payment: each carries the
// other's id as an external ref, so the hub keeps one Payment whichever
// arrives first. Refunds: charge.amount_refunded; on a payment intent the
// charges it lists (charges.data[], before API 2022-11-15) or its expanded
// latest_charge (2022-11-15 and later). An invoice link (the payment's
// "invoice", gone from API 2025-03-31) becomes an allocation.
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

using canonical::v1::Payment;

namespace cv1 = ::revhub::canonical::v1;

namespace {

cv1::RefundStatus RefundStatusOf(const std::string& status) {
  if (status == "succeeded") return cv1::REFUND_STATUS_SUCCEEDED;
  if (status == "pending" || status == "requires_action")
    return cv1::REFUND_STATUS_PENDING;
  if (status == "failed") return cv1::REFUND_STATUS_FAILED;
  if (status == "canceled") return cv1::REFUND_STATUS_CANCELED;
  return cv1::REFUND_STATUS_UNSPECIFIED;
}

// Adds a Stripe refund object to the payment's refunds (once by id).
absl::Status AddRefund(const Field& r, const std::string& currency,
                       Payment* pay) {
  ASSIGN_OR_RETURN(std::string id, r["id"].String());
  for (const auto& known : pay->refunds()) {
    if (known.id() == id) return absl::OkStatus();
  }
  cv1::Refund refund;
  refund.set_id(id);
  ASSIGN_OR_RETURN(*refund.mutable_amount(),
                   MinorUnitsAt(r["amount"], currency));
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(r["created"]));
  if (created) *refund.mutable_refunded_at() = *created;
  ASSIGN_OR_RETURN(std::optional<std::string> status,
                   r["status"].OptionalString());
  refund.set_status(RefundStatusOf(status.value_or("succeeded")));
  ASSIGN_OR_RETURN(std::optional<std::string> reason,
                   r["reason"].OptionalString());
  refund.set_reason(reason.value_or(""));
  *pay->add_refunds() = std::move(refund);
  return absl::OkStatus();
}

// The refunds a charge lists (charge.refunds.data[], when the charge carries
// them: before API 2022-11-15, or expanded).
absl::Status AddChargeRefunds(const Field& charge, const std::string& currency,
                              Payment* pay) {
  if (!charge.json().is_object()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<Field> refunds,
                   charge["refunds"]["data"].Elements());
  for (const Field& r : refunds) {
    if (!r.json().is_object()) continue;
    RETURN_IF_ERROR(AddRefund(r, currency, pay));
  }
  return absl::OkStatus();
}

}  // namespace

// payment_intent and charge.
absl::Status MapPayment(const TranslateContext& ctx, const Field& o,
                        absl::string_view object, const EventInfo* ev,
                        TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, object));
  Payment pay;
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  *pay.add_external_refs() = ctx.Ref(object, id);
  ASSIGN_OR_RETURN(std::optional<std::string> customer,
                   ExpandableId(o["customer"]));
  ASSIGN_OR_RETURN(std::optional<std::string> invoice,
                   ExpandableId(o["invoice"]));
  if (!customer) {
    out.Skip(absl::StrCat(object, " ", id,
                          " has no customer: a guest payment is not a "
                          "customer's payment in the canonical model"));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  Money amount;
  cv1::PaymentStatus pstatus = cv1::PAYMENT_STATUS_PENDING;
  if (object == "payment_intent") {
    if (status == "succeeded") {
      pstatus = cv1::PAYMENT_STATUS_SUCCEEDED;
      ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount_received"], currency));
    } else {
      if (status == "canceled") pstatus = cv1::PAYMENT_STATUS_FAILED;
      ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount"], currency));
    }
    ASSIGN_OR_RETURN(std::vector<Field> methods,
                     o["payment_method_types"].Elements());
    if (!methods.empty()) {
      ASSIGN_OR_RETURN(std::string method, methods[0].String());
      pay.set_method(method);
    }
    // The charges: charges.data[] (before 2022-11-15), latest_charge after.
    ASSIGN_OR_RETURN(std::vector<Field> charges,
                     o["charges"]["data"].Elements());
    if (o["latest_charge"].present()) charges.push_back(o["latest_charge"]);
    std::optional<Money> refunded;
    for (const Field& charge : charges) {
      ASSIGN_OR_RETURN(std::optional<std::string> charge_id,
                       ExpandableId(charge));
      if (!charge_id) continue;
      if (charge.json().is_object()) {
        ASSIGN_OR_RETURN(std::optional<std::string> charge_status,
                         charge["status"].OptionalString());
        // A failed attempt is not this payment's charge.
        if (charge_status && *charge_status == "failed") continue;
      }
      ExternalRef ref = ctx.Ref("charge", *charge_id);
      bool seen = false;
      for (const auto& r : pay.external_refs())
        seen = seen || r.vendor_id() == ref.vendor_id();
      if (seen) continue;
      *pay.add_external_refs() = ref;
      if (!charge.json().is_object()) continue;
      RETURN_IF_ERROR(AddChargeRefunds(charge, currency, &pay));
      ASSIGN_OR_RETURN(
          std::optional<Money> part,
          OptionalMinorUnitsAt(charge["amount_refunded"], currency));
      if (!part) continue;
      if (refunded) {
        ASSIGN_OR_RETURN(refunded, Add(*refunded, *part));
      } else {
        refunded = part;
      }
    }
    if (refunded && pstatus == cv1::PAYMENT_STATUS_SUCCEEDED) {
      *pay.mutable_refunded_amount() = *refunded;
      if (!IsZero(*refunded)) {
        pstatus = Compare(*refunded, amount) >= 0
                      ? cv1::PAYMENT_STATUS_REFUNDED
                      : cv1::PAYMENT_STATUS_PARTIALLY_REFUNDED;
      }
    }
  } else {
    ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount"], currency));
    ASSIGN_OR_RETURN(Money refunded,
                     MinorUnitsAt(o["amount_refunded"], currency));
    *pay.mutable_refunded_amount() = refunded;
    RETURN_IF_ERROR(AddChargeRefunds(o, currency, &pay));
    ASSIGN_OR_RETURN(std::optional<bool> captured,
                     o["captured"].OptionalBool());
    if (status == "succeeded" && !captured.value_or(true)) {
      // Authorised, not captured: no money has moved yet.
      pstatus = cv1::PAYMENT_STATUS_PENDING;
    } else if (status == "succeeded") {
      pstatus = IsZero(refunded) ? cv1::PAYMENT_STATUS_SUCCEEDED
                : Compare(refunded, amount) >= 0
                    ? cv1::PAYMENT_STATUS_REFUNDED
                    : cv1::PAYMENT_STATUS_PARTIALLY_REFUNDED;
    } else if (status == "failed") {
      pstatus = cv1::PAYMENT_STATUS_FAILED;
    }
    ASSIGN_OR_RETURN(std::optional<std::string> method,
                     o["payment_method_details"]["type"].OptionalString());
    pay.set_method(method.value_or(""));
    ASSIGN_OR_RETURN(std::optional<std::string> intent,
                     ExpandableId(o["payment_intent"]));
    if (intent) *pay.add_external_refs() = ctx.Ref("payment_intent", *intent);
  }
  *pay.mutable_amount() = amount;
  pay.set_status(pstatus);
  (*pay.mutable_attributes())["stripe_status"] = status;
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (created) {
    *pay.mutable_received_at() = *created;
    *pay.mutable_effective_at() = *created;
  }
  // Refunded without the refunds themselves: the refund happened when the
  // event reporting it did (charge.refunded), not when the charge was made.
  if (pay.refunds_size() == 0 && pay.has_refunded_amount() &&
      !IsZero(pay.refunded_amount()) && ev && ev->created) {
    *pay.mutable_effective_at() = *ev->created;
  }
  int index = out.AddEntity(CanonicalEntity());
  CanonicalEntity* entity = out.result().mutable_entities(index);
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", *customer));
  AddSource(entity, "customer_id", o["customer"]);
  AddSource(entity, "amount",
            object == "payment_intent" && status == "succeeded"
                ? o["amount_received"]
                : o["amount"]);
  AddSource(entity, "refunded_amount",
            object == "charge" ? o["amount_refunded"] : o["charges"]);
  if (invoice) {
    auto* alloc = pay.add_allocations();
    *alloc->mutable_amount() = amount;
    out.Link(index, "allocations[0].invoice_id", cv1::ENTITY_TYPE_INVOICE,
             ctx.Ref("invoice", *invoice));
    AddSource(entity, "allocations[0]", o["invoice"]);
  }
  PutMetadata(o["metadata"], pay.mutable_attributes());
  *out.result().mutable_entities(index)->mutable_payment() = std::move(pay);
  out.AddEvent(
      pstatus == cv1::PAYMENT_STATUS_SUCCEEDED
          ? cv1::EVENT_TYPE_PAYMENT_RECEIVED
          : cv1::EVENT_TYPE_PAYMENT_CHANGED,
      index,
      ev && ev->created ? &*ev->created : (created ? &*created : nullptr),
      ev ? ev->id : "");
  return absl::OkStatus();
}

absl::Status MapRefund(const TranslateContext& ctx, const Field& o,
                       const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "refund"));
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  // The refunded payment, when the refund carries it expanded: its
  // amount_refunded already counts this refund once it succeeded, and the
  // refund itself joins its refunds.
  for (const char* key : {"charge", "payment_intent"}) {
    Field paid = o[key];
    if (paid.present() && paid.json().is_object()) {
      RETURN_IF_ERROR(MapPayment(ctx, paid, key, ev, out));
      auto* entities = out.result().mutable_entities();
      if (entities->empty() || !entities->rbegin()->has_payment())
        return absl::OkStatus();  // skipped (a guest payment)
      Payment* pay = entities->rbegin()->mutable_payment();
      return AddRefund(o, pay->amount().currency_code(), pay);
    }
  }
  ASSIGN_OR_RETURN(std::optional<std::string> charge,
                   ExpandableId(o["charge"]));
  ASSIGN_OR_RETURN(std::optional<std::string> intent,
                   ExpandableId(o["payment_intent"]));
  out.Skip(absl::StrCat(
      "refund ", id, " of ",
      charge   ? absl::StrCat("charge ", *charge)
      : intent ? absl::StrCat("payment_intent ", *intent)
               : std::string("no charge"),
      ": a refund changes its payment's amount_refunded, which the hub takes "
      "from the charge (the charge.refunded event, or the charge record) or "
      "from this refund sent with \"charge\" expanded"));
  return absl::OkStatus();
}

cv1::DisputeStatus DisputeStatusOf(const std::string& status) {
  if (status == "won") return cv1::DISPUTE_STATUS_WON;
  if (status == "lost") return cv1::DISPUTE_STATUS_LOST;
  // needs_response, under_review, warning_*: funds withdrawn (for a
  // warning, an inquiry, none were: see MapDispute), outcome pending.
  return cv1::DISPUTE_STATUS_OPEN;
}

// A dispute joins its payment when the charge is expanded (the hub keeps one
// Payment per charge, and a dispute alone does not say what was paid);
// otherwise it is skipped with the reason.
absl::Status MapDispute(const TranslateContext& ctx, const Field& o,
                        const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "dispute"));
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  Field charge = o["charge"];
  if (!charge.present() || !charge.json().is_object()) {
    ASSIGN_OR_RETURN(std::optional<std::string> charge_id,
                     ExpandableId(charge));
    out.Skip(absl::StrCat(
        "dispute ", id, " of charge ", charge_id.value_or("(none)"),
        ": send it with \"charge\" expanded so the hub can attach it to the "
        "charge's payment"));
    return absl::OkStatus();
  }
  // An inquiry (warning_*) withdraws no funds and never becomes a
  // chargeback unless Stripe opens a dispute: it does not touch the money.
  if (absl::StartsWith(status, "warning_")) {
    out.Skip(absl::StrCat("dispute ", id, " is an inquiry (", status,
                          "): no funds were withdrawn"));
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(MapPayment(ctx, charge, "charge", ev, out));
  auto* entities = out.result().mutable_entities();
  if (entities->empty() || !entities->rbegin()->has_payment())
    return absl::OkStatus();
  Payment* pay = entities->rbegin()->mutable_payment();
  cv1::Dispute d;
  d.set_id(id);
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency"]));
  ASSIGN_OR_RETURN(*d.mutable_amount(), MinorUnitsAt(o["amount"], currency));
  d.set_status(DisputeStatusOf(status));
  ASSIGN_OR_RETURN(std::optional<Timestamp> created, UnixTimeAt(o["created"]));
  if (created) *d.mutable_opened_at() = *created;
  ASSIGN_OR_RETURN(std::optional<std::string> reason,
                   o["reason"].OptionalString());
  d.set_reason(reason.value_or(""));
  if (d.status() == cv1::DISPUTE_STATUS_WON ||
      d.status() == cv1::DISPUTE_STATUS_LOST) {
    // Closed when the event saying so was sent, else at its last balance
    // transaction (the reinstatement of a won dispute), else when opened.
    std::optional<Timestamp> closed = ev ? ev->created : std::nullopt;
    if (!closed) {
      ASSIGN_OR_RETURN(std::vector<Field> txns,
                       o["balance_transactions"].Elements());
      for (const Field& t : txns) {
        if (!t.json().is_object()) continue;
        ASSIGN_OR_RETURN(std::optional<Timestamp> at, UnixTimeAt(t["created"]));
        if (at && (!closed || at->seconds() > closed->seconds())) closed = at;
      }
    }
    if (!closed) closed = created;
    if (closed) *d.mutable_closed_at() = *closed;
  }
  *pay->add_disputes() = std::move(d);
  return absl::OkStatus();
}

}  // namespace revhub::adapter::stripe
