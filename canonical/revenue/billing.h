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

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_BILLING_H_
