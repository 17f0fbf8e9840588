// Stripe payment_intent and charge -> canonical Payment.
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

using canonical::v1::Payment;

namespace cv1 = ::revhub::canonical::v1;

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
    ASSIGN_OR_RETURN(std::optional<std::string> charge,
                     ExpandableId(o["latest_charge"]));
    if (charge) *pay.add_external_refs() = ctx.Ref("charge", *charge);
  } else {
    ASSIGN_OR_RETURN(amount, MinorUnitsAt(o["amount"], currency));
    ASSIGN_OR_RETURN(Money refunded,
                     MinorUnitsAt(o["amount_refunded"], currency));
    *pay.mutable_refunded_amount() = refunded;
    if (status == "succeeded") {
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
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("customer", *customer));
  if (invoice) {
    auto* alloc = pay.add_allocations();
    *alloc->mutable_amount() = amount;
    out.Link(index, "allocations[0].invoice_id", cv1::ENTITY_TYPE_INVOICE,
             ctx.Ref("invoice", *invoice));
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

}  // namespace revhub::adapter::stripe
