#include "canonical/revenue/allocation.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {

absl::StatusOr<std::vector<Nanos>> SplitNanos(
    absl::string_view currency_code, Nanos total,
    const std::vector<Nanos>& weights) {
  std::vector<Nanos> out(weights.size(), 0);
  if (weights.empty()) return out;
  Nanos sum = 0;
  for (Nanos w : weights) sum += w;
  std::vector<Nanos> equal;
  const std::vector<Nanos>* use = &weights;
  if (sum == 0) {
    equal.assign(weights.size(), 1);
    use = &equal;
  }
  ASSIGN_OR_RETURN(Money whole, MoneyFromNanos(currency_code, total));
  ASSIGN_OR_RETURN(std::vector<Money> parts, SplitByWeights(whole, *use));
  for (size_t i = 0; i < parts.size(); ++i) out[i] = ToNanos(parts[i]);
  return out;
}

absl::StatusOr<Nanos> TransactionPrice(
    const Contract& contract, const std::vector<Obligation>& obligations) {
  Nanos price = 0;
  for (const Obligation& ob : obligations) {
    if (ob.rule != RevenueRule::REVENUE_RULE_USAGE) price += ob.net_price;
  }
  for (int k = 0; k < contract.discounts_size(); ++k) {
    const auto& d = contract.discounts(k);
    const std::string field =
        absl::StrCat("contract.discounts[", k, "].amount");
    RETURN_IF_ERROR(
        ValidateMoney(d.amount(), field, /*require_minor_unit=*/true));
    if (d.amount().currency_code() != contract.currency_code()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": currency differs from the contract's"));
    }
    if (IsNegative(d.amount())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must not be negative"));
    }
    price -= ToNanos(d.amount());
  }
  return price;
}

absl::StatusOr<std::vector<Nanos>> AllocateTransactionPrice(
    const Contract& contract, const std::vector<Obligation>& obligations) {
  ASSIGN_OR_RETURN(const Nanos price, TransactionPrice(contract, obligations));
  const std::string& ccy = contract.currency_code();
  std::vector<Nanos> allocated(obligations.size(), 0);
  // 1. Downgrades keep their own price; the rest is shared by the others.
  std::vector<size_t> shared;
  Nanos to_share = price;
  for (size_t i = 0; i < obligations.size(); ++i) {
    const Obligation& ob = obligations[i];
    if (ob.rule == RevenueRule::REVENUE_RULE_USAGE) continue;
    if (ob.downgrade) {
      allocated[i] = ob.net_price;
      to_share -= ob.net_price;
    } else {
      shared.push_back(i);
    }
  }
  if (shared.empty()) {
    if (to_share != 0) {
      return absl::InvalidArgumentError(
          "contract.discounts: a discount needs a line it can be allocated to");
    }
    return allocated;
  }
  absl::flat_hash_map<std::string, size_t> by_line;
  std::vector<Nanos> adjusted(obligations.size(), 0);
  for (size_t i : shared) {
    by_line[obligations[i].line_id] = i;
    if (obligations[i].ssp < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "contract.lines[", obligations[i].line_index,
          "].standalone_selling_price: must not be negative on a line that is "
          "not a downgrade"));
    }
    adjusted[i] = obligations[i].ssp;
  }
  // 2. Discounts tied to a subset of lines.
  for (int k = 0; k < contract.discounts_size(); ++k) {
    const auto& d = contract.discounts(k);
    if (d.line_ids().empty()) continue;
    std::vector<size_t> members;
    for (int j = 0; j < d.line_ids_size(); ++j) {
      auto it = by_line.find(d.line_ids(j));
      if (it == by_line.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "contract.discounts[", k, "].line_ids[", j, "]: \"", d.line_ids(j),
            "\" is not a line that shares the price (not usage, not a "
            "downgrade)"));
      }
      members.push_back(it->second);
    }
    std::vector<Nanos> weights;
    Nanos subset_ssp = 0;
    for (size_t m : members) {
      weights.push_back(adjusted[m]);
      subset_ssp += adjusted[m];
    }
    const Nanos amount = ToNanos(d.amount());
    if (amount > subset_ssp) {
      return absl::InvalidArgumentError(absl::StrCat(
          "contract.discounts[", k,
          "].amount: exceeds the standalone selling price of its lines"));
    }
    ASSIGN_OR_RETURN(std::vector<Nanos> parts,
                     SplitNanos(ccy, amount, weights));
    for (size_t j = 0; j < members.size(); ++j)
      adjusted[members[j]] -= parts[j];
  }
  // 3. Residual approach for highly variable SSPs.
  std::vector<size_t> residual;
  Nanos observable = 0;
  for (size_t i : shared) {
    if (obligations[i].ssp_highly_variable) {
      residual.push_back(i);
    } else {
      observable += adjusted[i];
    }
  }
  if (!residual.empty()) {
    Nanos rest = to_share - observable;
    if (rest < 0) rest = 0;
    std::vector<Nanos> weights;
    for (size_t i : residual) weights.push_back(obligations[i].net_price);
    const int exp = MinorUnitExponent(ccy);
    const Nanos step = [&] {
      Nanos s = 1;
      for (int e = 0; e < 9 - exp; ++e) s *= 10;
      return s;
    }();
    rest -= rest % step;  // the residual SSP is a weight: whole minor units
    ASSIGN_OR_RETURN(std::vector<Nanos> parts, SplitNanos(ccy, rest, weights));
    for (size_t j = 0; j < residual.size(); ++j)
      adjusted[residual[j]] = parts[j];
  }
  // 4. Relative SSP.
  std::vector<Nanos> weights;
  Nanos weight_sum = 0;
  for (size_t i : shared) {
    weights.push_back(adjusted[i]);
    weight_sum += adjusted[i];
  }
  if (weight_sum == 0) {
    for (size_t j = 0; j < shared.size(); ++j) {
      weights[j] = obligations[shared[j]].net_price;
    }
  }
  ASSIGN_OR_RETURN(std::vector<Nanos> parts,
                   SplitNanos(ccy, to_share, weights));
  for (size_t j = 0; j < shared.size(); ++j) allocated[shared[j]] = parts[j];
  return allocated;
}

}  // namespace revhub::revenue
