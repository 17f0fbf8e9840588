// Transaction price and its allocation to performance obligations (ASC 606
// steps 3 and 4).
//
// Transaction price: the sum of the lines' net prices less the contract's
// discounts. Tax is never in it. USAGE lines are variable consideration
// allocated wholly to their own obligation (ASC 606-10-32-40): they are left
// out here and earn what their reported usage is worth.
//
// Allocation, in this order:
//   1. A downgrade line (negative quantity) is allocated exactly its own
//      price; the rest of the price goes to the other lines.
//   2. A contract discount tied to some lines (ASC 606-10-32-37) lowers the
//      standalone selling prices of those lines only, split among them by
//      relative SSP. It may not exceed their SSP.
//   3. An obligation whose SSP is highly variable gets the residual SSP:
//      the price left after the others' SSPs, never below zero, shared among
//      such obligations by net price (ASC 606-10-32-34c).
//   4. The price is allocated by relative (adjusted) SSP. When every SSP is
//      zero the net prices are the weights, and when those are zero too the
//      obligations share equally.
// Every split is money.h's SplitByWeights: whole minor units, rounded down,
// the leftover minor units one each to the largest remainders (ties to the
// earlier line), so the allocations sum exactly to the transaction price.
//
// Pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_ALLOCATION_H_
#define REVHUB_CANONICAL_REVENUE_ALLOCATION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "canonical/revenue/obligations.h"

namespace revhub::revenue {

// Returns the transaction price (nanos, whole minor units) of the fixed
// consideration: net prices of non-USAGE lines less contract discounts.
// INVALID_ARGUMENT for a malformed or negative discount.
absl::StatusOr<Nanos> TransactionPrice(
    const Contract& contract, const std::vector<Obligation>& obligations);

// Returns the amount allocated to each obligation (nanos, whole minor units),
// in the order of `obligations`; 0 for USAGE obligations. The non-USAGE
// amounts sum exactly to TransactionPrice().
absl::StatusOr<std::vector<Nanos>> AllocateTransactionPrice(
    const Contract& contract, const std::vector<Obligation>& obligations);

// Splits `total` (whole minor units of `currency_code`) by weights with
// money.h's largest-remainder rule; all-zero weights split equally.
// REQUIRES: weights non-negative and not empty.
absl::StatusOr<std::vector<Nanos>> SplitNanos(
    absl::string_view currency_code, Nanos total,
    const std::vector<Nanos>& weights);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_ALLOCATION_H_
