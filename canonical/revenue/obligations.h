// Performance obligations (ASC 606 step 2) and their prices, from a
// contract's lines.
//
// Each contract line is one performance obligation: lines are taken to be
// distinct goods or services (a bundle that is not distinct is one line).
// For every line this module fixes:
//   - the revenue rule: the line's own, else its product's;
//   - the net price: quantity x unit price, less the line's discount amount
//     and discount percent, rounded once to the currency's minor unit, half
//     to even. Tax is never part of a contract line.
//   - the standalone selling price (SSP): the line's unit SSP, else the
//     product's, times the quantity; for a RATABLE product with
//     ssp_period_months > 0, times the service period's length in months
//     (monthly pro rata) over ssp_period_months. With no SSP given anywhere
//     the net price is the SSP.
// A negative quantity is allowed only on a downgrade line.
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
  Nanos net_price = 0;   // whole minor units, in nanos
  Nanos unit_price = 0;  // nanos, for usage
  Nanos ssp = 0;         // nanos
  bool ssp_given = false;
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
// quantity on a line that is not a downgrade, a duplicate line id.
absl::StatusOr<std::vector<Obligation>> IdentifyObligations(
    const Contract& contract, const ProductCatalog& products);

// Returns true when two obligations are the same promise at the same price
// (rule, period, net price, SSP, product).
bool SameTerms(const Obligation& a, const Obligation& b);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_OBLIGATIONS_H_
