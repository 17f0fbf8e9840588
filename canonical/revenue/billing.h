// Billing documents as the revenue engine reads them: which invoices, credit
// notes, payments and refunds count, when, and for how much.
//
//   - A document counts once issued: DRAFT documents are ignored, and an
//     issued document needs issued_at.
//   - A VOID document that was issued counts at issued_at and is reversed at
//     its void time: effective_at when set and not earlier, else issued_at.
//     A void credit note does not reduce the transaction price.
//   - Amounts: total (or, when unset, subtotal - discount_total +
//     tax_total, whether the vendor's prices included tax or not: the
//     canonical amounts are net and tax_total is the tax), of which
//     tax_total is tax and the rest, the net amount, is consideration. Tax
//     is never revenue.
//   - A payment counts when SUCCEEDED, PARTIALLY_REFUNDED or REFUNDED, at
//     received_at, for the sum of its allocations to the contract's
//     invoices (all of it when it has no allocations); its refunded_amount
//     is paid back at its effective_at (else received_at).
//
// Pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_BILLING_H_
#define REVHUB_CANONICAL_REVENUE_BILLING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "canonical/money.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"

namespace revhub::revenue {

using canonical::v1::Invoice;
using canonical::v1::Payment;

struct DocumentAmounts {
  Nanos total = 0;  // what the customer owes (invoice) or is credited
  Nanos tax = 0;
  Nanos net = 0;  // total - tax: the consideration
};

// Returns the document's amounts, all positive for both kinds.
// INVALID_ARGUMENT names `field` ("invoices[2].total") and the rule broken.
absl::StatusOr<DocumentAmounts> ReadDocumentAmounts(const Invoice& doc,
                                                    const std::string& currency,
                                                    absl::string_view field);

// Returns true when the document was issued (not draft, issued_at set or
// required).
bool Issued(const Invoice& doc);

// Returns the void time (ms) of a VOID document.
int64_t VoidedAt(const Invoice& doc);

// Returns true when the payment moved money.
bool Settled(const Payment& payment);

// True for a VOID invoice whose sale was cancelled
// (VOID_REASON_SALE_CANCELLED): it counts from issued_at and its revenue is
// taken back at its void time.
bool VoidedSaleCancelled(const Invoice& doc);

// Money going back to the customer after a payment, as it touches one
// contract (docs/revenue.md, "Refunds" and "Disputes"):
//   kRefund        a refund: cash back; the part no credit note covers
//                  (revenue_gross) reduces revenue;
//   kDisputeOpened the bank takes the disputed amount back;
//   kDisputeWon    and returns it;
//   kDisputeLost   the disputed amount reduces revenue (revenue_gross).
// A refund linked to a credit note (Refund.credit_note_id, or the credit
// note's refund_ids) is covered whole; an unlinked refund is covered by the
// unlinked credit notes of the invoices it paid (credited_invoice_id, or no
// invoice named), up to their totals, in issue order; only the rest reduces
// revenue, so a refund given with its credit note is never counted twice.
// The revenue part splits into net (consideration) and tax as the paid
// invoices do. A payment that also paid other contracts' invoices counts in
// proportion to what it paid of this contract's.
struct CashEvent {
  enum Kind { kRefund, kDisputeOpened, kDisputeWon, kDisputeLost };
  Kind kind = kRefund;
  std::string id;  // refund or dispute id (the payment's id for a refund
                   // given only as refunded_amount)
  size_t payment_index = 0;
  std::string field;        // "payments[2].refunds[0]"
  int64_t at = 0;           // ms
  Nanos cash = 0;           // money moved (refund, dispute opened or won)
  Nanos revenue_gross = 0;  // taken off the receivable and out of revenue
  Nanos net = 0;            // of which consideration
  Nanos tax = 0;            // of which tax
  std::vector<std::string> contract_line_ids;  // lines the invoices paid bill
};

// Returns the contract's cash events in time order. Documents and payments
// of other contracts are skipped. INVALID_ARGUMENT names the field.
absl::StatusOr<std::vector<CashEvent>> CashEvents(
    const std::string& contract_id, const std::string& currency,
    const std::vector<Invoice>& invoices, const std::vector<Payment>& payments);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_BILLING_H_
