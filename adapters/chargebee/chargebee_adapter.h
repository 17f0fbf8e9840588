// revhub-adapter-chargebee: Chargebee Billing resources (customers, items
// and item prices, subscriptions, invoices, credit notes, transactions) to
// the canonical model; Read pulls them by updated_at with offset paging and
// VerifyWebhook authenticates Chargebee's webhooks by HTTP basic auth. See
// chargebee_mapping.h for the mapping table. Amounts are integer minor units
// converted exactly (MinorUnitsAt), so zero-decimal (JPY) and three-decimal
// (KWD, BHD) currencies are exact.
#ifndef REVHUB_ADAPTERS_CHARGEBEE_CHARGEBEE_ADAPTER_H_
#define REVHUB_ADAPTERS_CHARGEBEE_CHARGEBEE_ADAPTER_H_

#include <memory>

#include "adapters/sdk/adapter.h"

namespace revhub::adapter {

// Returns the Chargebee adapter. Thread-safe and stateless.
std::unique_ptr<Adapter> NewChargebeeAdapter();

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_CHARGEBEE_CHARGEBEE_ADAPTER_H_
