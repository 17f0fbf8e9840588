// Performance obligations (ASC 606 step 2) and their prices, from a
// contract's lines.
//
// Each contract line is one performance obligation: lines are taken to be
// distinct goods or services (a bundle that is not distinct is one line).
// For every line this module fixes:
//   - the revenue rule: the line's own, else its product's; a one-off line
//     (delivered_at) is POINT_IN_TIME at delivered_at whatever its
//     product's rule;
//   - the net price: quantity x unit price, less the line's discount amount
//     and discount percent, rounded once to the currency's minor unit, half
//     to even. Tax is never part of a contract line.
//   - the standalone selling price (SSP): the line's unit SSP, else the
//     product's, times the quantity; for a RATABLE product with
//     ssp_period_months > 0, times the service period's length in months
//     (monthly pro rata) over ssp_period_months. With no SSP given anywhere
//     the net price is the SSP.
// A negative quantity is allowed only on a downgrade line. A service period
// without an end is allowed only on a line of an open-ended contract
// (canonical/validation.h IsOpenEnded), whose obligations are recognised by
// the periods billed (schedule.h); such a line has no period here.
//
// Pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_OBLIGATIONS_H_
#define REVHUB_CANONICAL_REVENUE_OBLIGATIONS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "canonical/money.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/product.pb.h"

namespace revhub::revenue {

using canonical::v1::Contract;
using canonical::v1::Product;
using canonical::v1::RevenueRule;

// Product attribute that, set to "false", says a RATABLE product's periods
// are not a series of distinct services: a modification of it is a
// cumulative catch-up, not prospective.
inline constexpr char kDistinctPeriodsAttribute[] = "revenue.distinct_periods";

// Products by hub id. The pointers must outlive the catalogue's use.
using ProductCatalog = absl::flat_hash_map<std::string, const Product*>;

struct Obligation {
  std::string id;  // "po_<contract id>_<line id>"
  std::string line_id;
  std::string product_id;
  std::string description;
  int line_index = 0;  // position in contract.lines
  RevenueRule rule = RevenueRule::REVENUE_RULE_UNSPECIFIED;
  bool has_period = false;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // A one-off line: delivered, whole, at delivered_ms.
  bool one_off = false;
  int64_t delivered_ms = 0;
  Nanos net_price = 0;   // whole minor units, in nanos
  Nanos unit_price = 0;  // nanos, for usage
  Nanos ssp = 0;         // nanos
  bool ssp_given = false;
  Nanos quantity = 0;  // nanos
  Nanos unit_ssp = 0;  // nanos, when ssp_given
  // The product's ssp_period_months when the unit SSP is the product's and
  // the line is RATABLE; else 0.
  int ssp_period_months = 0;
  bool ssp_highly_variable = false;
  // Negative quantity (a downgrade line): allocated its own price.
  bool downgrade = false;
  // False when the remaining service is not distinct from what was already
  // delivered (MILESTONE, or a product marked revenue.distinct_periods=false).
  bool distinct_periods = true;
};

// Returns the obligations of the contract's lines, in line order.
// INVALID_ARGUMENT names the field ("contract.lines[2].quantity") and the
// rule broken: unknown product, no revenue rule, a currency other than the
// contract's, a service period that ends before it starts, a negative
// quantity on a line that is not a downgrade, a duplicate line id, a one-off
// line with a service period or a USAGE or MILESTONE rule of its own, a
// service period without an end outside an open-ended contract.
absl::StatusOr<std::vector<Obligation>> IdentifyObligations(
    const Contract& contract, const ProductCatalog& products);

// Returns the standalone selling price (nanos) of a part of `ob` billed on
// its own (an open-ended contract's billed period): the unit SSP times
// `quantity` (nanos), times the billed period's months (monthly pro rata)
// over ssp_period_months when that is set and the part has a period
// [start_ms, end_ms). Without a given SSP, `billed_amount` (nanos), or 0
// when that is negative.
Nanos BilledStandaloneSellingPrice(const Obligation& ob, Nanos quantity,
                                   bool has_period, int64_t start_ms,
                                   int64_t end_ms, Nanos billed_amount);

// Returns true when two obligations are the same promise at the same price
// (rule, period or delivery, net price, SSP, product).
bool SameTerms(const Obligation& a, const Obligation& b);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_OBLIGATIONS_H_
