// Validation of canonical entities before the hub accepts them.
//
// Each function checks the rules that hold for the entity on its own (shape,
// money, currencies, periods, arithmetic that must add up). Rules that need
// other records (the customer a contract names exists) are the hub's.
// On failure the status is INVALID_ARGUMENT and its message starts with the
// field path, then the rule: "contract.lines[1].quantity: must not be
// negative (got -2) unless the line is a downgrade"; the path is attached
// (canonical/field_path.h FieldPathOf). The first broken rule is reported.
//
// All functions are pure and thread-safe.
#ifndef REVHUB_CANONICAL_VALIDATION_H_
#define REVHUB_CANONICAL_VALIDATION_H_

#include "absl/status/status.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/customer.pb.h"
#include "revhub/canonical/v1/fulfilment.pb.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"
#include "revhub/canonical/v1/product.pb.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub {

// Customer: name required; currency, when set, a known ISO 4217 code; email,
// when set, has one '@'; country a two-letter upper-case code; every external
// ref complete.
absl::Status ValidateCustomer(const canonical::v1::Customer& customer);

// Product: name required; SSP, when set, well formed and not negative.
absl::Status ValidateProduct(const canonical::v1::Product& product);

// Returns true when the contract is open-ended: renewal_behavior EVERGREEN,
// or UNSPECIFIED with a term that has a start and no end. A contract without
// a term is not open-ended.
bool IsOpenEnded(const canonical::v1::Contract& contract);

// Contract: customer_id, status and a known currency required; lines with
// unique ids; every amount in the contract's currency; quantity not negative
// unless the line is a downgrade; unit price and included tax not negative;
// discounts between 0 and 100 percent and not above the line's extended
// price; contract discounts positive and naming existing lines; an ACTIVE
// contract has at least one line. Term: a term has a start_time; its end is
// after the start, and is unset exactly when the contract is open-ended
// (EVERGREEN refuses an end, FIXED and AUTO_RENEW need one); AUTO_RENEW needs
// renewal_interval; an interval, when set, has a unit and a count of at least
// 1. A line's service period has a start and an end after it; only a line of
// an open-ended contract may leave the end unset. A one-off line has
// delivered_at and no service_period.
absl::Status ValidateContract(const canonical::v1::Contract& contract);

// Invoice and credit note: customer_id, kind, status and a known currency
// required; every amount in the invoice's currency and, except a proration
// line's, not negative (amount_paid, amount_remaining and amount_credited
// included); a line's service period has an end after its start, and a
// one-off line has delivered_at instead of a service period; when given,
// subtotal equals the sum of line amounts, and total equals subtotal -
// discount_total + tax_total (absent ones count 0), tax_inclusive or not.
absl::Status ValidateInvoice(const canonical::v1::Invoice& invoice);

// Payment: customer_id and a positive amount required; allocations and
// refunds in the payment's currency, positive, and not more than the amount.
absl::Status ValidatePayment(const canonical::v1::Payment& payment);

// Usage record: contract_id, line_id and quantity required; the quantity
// not negative; a period with a start and an end after it. That the line is
// a USAGE line of the contract is the hub's check (it needs the contract).
absl::Status ValidateUsageRecord(const canonical::v1::UsageRecord& record);

// Delivery: contract_id, line_id, kind and delivered_at required. An
// ACTIVATION's quantity, when set, is above 0 and it names no milestone or
// share; a MILESTONE needs its name and a share above 0 and at most 1, and
// has no quantity. The line's revenue rule is the hub's check.
absl::Status ValidateDelivery(const canonical::v1::Delivery& delivery);

// Journal entry: legal_entity required; at least two lines; each line has an
// account role and exactly one of debit and credit, positive; per currency,
// debits equal credits.
absl::Status ValidateJournalEntry(const canonical::v1::JournalEntry& entry);

}  // namespace revhub

#endif  // REVHUB_CANONICAL_VALIDATION_H_
