// Chargebee transaction -> canonical Payment.
//
// A transaction of type "payment" is the payment: its linked_invoices[] are
// its allocations, its linked_refunds[] (successful ones) its refunded
// amount, as a Stripe charge carries amount_refunded. A "refund"
// transaction is skipped with the reason: the payment it refunds lists it
// in linked_refunds (Chargebee sends the payment again, updated, when a
// refund is recorded). Authorizations move no money and payment reversals
// (chargebacks) are skipped with the reason, too.
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/chargebee/chargebee_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::chargebee {

using canonical::v1::Payment;

namespace cv1 = ::revhub::canonical::v1;

namespace {

// The payment status of a Chargebee transaction status.
absl::StatusOr<cv1::PaymentStatus> TransactionStatus(const Field& f) {
  ASSIGN_OR_RETURN(std::string status, f.String());
  if (status == "success") return cv1::PAYMENT_STATUS_SUCCEEDED;
  if (status == "in_progress" || status == "needs_attention")
    return cv1::PAYMENT_STATUS_PENDING;
  if (status == "failure" || status == "voided" || status == "timeout" ||
      status == "late_failure")
    return cv1::PAYMENT_STATUS_FAILED;
  return MappingError(
      f.path(), absl::StrCat("unknown transaction status \"", status,
                             "\" (in_progress, success, voided, failure, "
                             "timeout, needs_attention or late_failure)"));
}

}  // namespace

absl::Status MapTransaction(const TranslateContext& ctx, const Field& o,
                            const EventInfo* ev, TranslationBuilder& out) {
  RETURN_IF_ERROR(CheckObject(o, "transaction"));
  ASSIGN_OR_RETURN(std::string id, o["id"].String());
  ASSIGN_OR_RETURN(std::string type, o["type"].String());
  if (type == "refund") {
    ASSIGN_OR_RETURN(std::optional<std::string> refunded,
                     o["refunded_txn_id"].OptionalString());
    out.Skip(absl::StrCat(
        "refund transaction ", id, " of ",
        refunded ? absl::StrCat("payment ", *refunded)
                 : std::string("no payment"),
        ": a refund changes its payment's refunded amount, which the hub "
        "takes from the payment transaction's linked_refunds"));
    return absl::OkStatus();
  }
  if (type == "authorization" || type == "payment_reversal") {
    out.Skip(absl::StrCat(
        type, " transaction ", id, ": ",
        type == "authorization"
            ? "an authorization moves no money until it is captured as a "
              "payment transaction"
            : "a payment reversal (chargeback) has no canonical "
              "counterpart; the payment keeps the amount it received"));
    return absl::OkStatus();
  }
  if (type != "payment") {
    return MappingError(o["type"].path(),
                        absl::StrCat("unknown transaction type \"", type,
                                     "\" (authorization, payment, refund or "
                                     "payment_reversal)"));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> customer,
                   o["customer_id"].OptionalString());
  if (!customer || customer->empty()) {
    out.Skip(absl::StrCat("transaction ", id,
                          " has no customer: a payment of no customer is "
                          "not a customer's payment in the canonical model"));
    return absl::OkStatus();
  }
  Payment pay;
  *pay.add_external_refs() = ctx.Ref("transaction", id);
  ASSIGN_OR_RETURN(std::string currency, CurrencyAt(o["currency_code"]));
  ASSIGN_OR_RETURN(Money amount, MinorUnitsAt(o["amount"], currency));
  ASSIGN_OR_RETURN(cv1::PaymentStatus pstatus, TransactionStatus(o["status"]));
  ASSIGN_OR_RETURN(std::string status, o["status"].String());
  *pay.mutable_amount() = amount;

  // Refunds recorded against it that went through.
  ASSIGN_OR_RETURN(Money refunded, MoneyFromMinorUnits(currency, 0));
  ASSIGN_OR_RETURN(std::vector<Field> refunds, o["linked_refunds"].Elements());
  for (const Field& r : refunds) {
    ASSIGN_OR_RETURN(std::optional<std::string> rstatus,
                     r["txn_status"].OptionalString());
    if (rstatus && *rstatus != "success") continue;
    ASSIGN_OR_RETURN(Money part, MinorUnitsAt(r["txn_amount"], currency));
    ASSIGN_OR_RETURN(refunded, Add(refunded, part));
  }
  if (pstatus == cv1::PAYMENT_STATUS_SUCCEEDED) {
    *pay.mutable_refunded_amount() = refunded;
    if (!IsZero(refunded)) {
      pstatus = Compare(refunded, amount) >= 0
                    ? cv1::PAYMENT_STATUS_REFUNDED
                    : cv1::PAYMENT_STATUS_PARTIALLY_REFUNDED;
    }
  }
  pay.set_status(pstatus);
  (*pay.mutable_attributes())["chargebee_status"] = status;
  ASSIGN_OR_RETURN(std::optional<std::string> method,
                   o["payment_method"].OptionalString());
  pay.set_method(method.value_or(""));
  ASSIGN_OR_RETURN(std::optional<Timestamp> date, UnixTimeAt(o["date"]));
  if (date) {
    *pay.mutable_received_at() = *date;
    *pay.mutable_effective_at() = *date;
  }
  ASSIGN_OR_RETURN(std::optional<Timestamp> updated, UpdatedAt(o));
  if (updated) *pay.mutable_source_updated_at() = *updated;
  for (const char* key : {"gateway", "id_at_gateway", "subscription_id"}) {
    ASSIGN_OR_RETURN(std::optional<std::string> v, o[key].OptionalString());
    if (v && !v->empty()) (*pay.mutable_attributes())[key] = *v;
  }
  ASSIGN_OR_RETURN(std::optional<Money> unused,
                   OptionalMinorUnitsAt(o["amount_unused"], currency));
  if (unused && !IsZero(*unused))
    (*pay.mutable_attributes())["amount_unused"] = FormatMoney(*unused);

  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", *customer));
  CanonicalEntity* entity = out.result().mutable_entities(index);
  AddSource(entity, "customer_id", o["customer_id"]);
  AddSource(entity, "amount", o["amount"]);
  AddSource(entity, "refunded_amount", o["linked_refunds"]);
  AddSource(entity, "status", o["status"]);
  ASSIGN_OR_RETURN(std::vector<Field> invoices,
                   o["linked_invoices"].Elements());
  for (size_t i = 0; i < invoices.size(); ++i) {
    ASSIGN_OR_RETURN(std::string invoice, invoices[i]["invoice_id"].String());
    auto* alloc = pay.add_allocations();
    ASSIGN_OR_RETURN(*alloc->mutable_amount(),
                     MinorUnitsAt(invoices[i]["applied_amount"], currency));
    const std::string ap = absl::StrCat("allocations[", i, "]");
    out.Link(index, ap + ".invoice_id", cv1::ENTITY_TYPE_INVOICE,
             ctx.Ref("invoice", invoice));
    AddSource(out.result().mutable_entities(index), ap + ".invoice_id",
              invoices[i]["invoice_id"]);
    AddSource(out.result().mutable_entities(index), ap + ".amount",
              invoices[i]["applied_amount"]);
  }
  *out.result().mutable_entities(index)->mutable_payment() = std::move(pay);
  out.AddEvent(pstatus == cv1::PAYMENT_STATUS_SUCCEEDED
                   ? cv1::EVENT_TYPE_PAYMENT_RECEIVED
                   : cv1::EVENT_TYPE_PAYMENT_CHANGED,
               index, EventTime(ev, date), ev ? ev->id : "");
  return absl::OkStatus();
}

}  // namespace revhub::adapter::chargebee
