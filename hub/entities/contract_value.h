// ContractValue: a contract's total value, the money at stake when work
// about the whole contract fails (a record that waits in vain, a revenue
// schedule that cannot be computed).
#ifndef REVHUB_HUB_ENTITIES_CONTRACT_VALUE_H_
#define REVHUB_HUB_ENTITIES_CONTRACT_VALUE_H_

#include <optional>

#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/money.pb.h"

namespace revhub::hub {

// Returns the sum over the contract's lines of unit price × quantity less
// the line's discount, in the contract's currency; nullopt when no line has
// a price or the lines' currencies differ.
std::optional<canonical::v1::Money> ContractValue(
    const canonical::v1::Contract& contract);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ENTITIES_CONTRACT_VALUE_H_
