#include "hub/entities/contract_value.h"

#include "canonical/money.h"

namespace revhub::hub {

std::optional<canonical::v1::Money> ContractValue(
    const canonical::v1::Contract& contract) {
  std::optional<canonical::v1::Money> total;
  for (const auto& line : contract.lines()) {
    if (!line.has_unit_price()) continue;
    absl::StatusOr<canonical::v1::Money> amount =
        revhub::Multiply(line.unit_price(), line.quantity());
    if (amount.ok() && line.has_discount_amount()) {
      amount = revhub::Subtract(*amount, line.discount_amount());
    }
    if (amount.ok() && total.has_value()) {
      amount = revhub::Add(*total, *amount);
    }
    if (!amount.ok()) return std::nullopt;
    total = *amount;
  }
  return total;
}

}  // namespace revhub::hub
