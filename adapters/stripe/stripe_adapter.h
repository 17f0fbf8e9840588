// revhub-adapter-stripe: Stripe Billing objects and webhook events to the
// canonical model. Inbound only. See stripe_mapping.h for the mapping
// table; amounts are integer minor units converted exactly
// (MoneyFromMinorUnits), so zero-decimal currencies such as JPY are exact.
#ifndef REVHUB_ADAPTERS_STRIPE_STRIPE_ADAPTER_H_
#define REVHUB_ADAPTERS_STRIPE_STRIPE_ADAPTER_H_

#include <memory>

#include "adapters/sdk/adapter.h"

namespace revhub::adapter {

// Returns the Stripe adapter. Thread-safe and stateless.
std::unique_ptr<Adapter> NewStripeAdapter();

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_STRIPE_STRIPE_ADAPTER_H_
