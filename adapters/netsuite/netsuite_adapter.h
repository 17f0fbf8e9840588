// revhub-adapter-netsuite: delivers customers, invoices, credit memos and
// journal entries to NetSuite's SuiteTalk REST record API, and reads
// NetSuite customer, invoice and credit memo records back, and SuiteBilling
// subscriptions and subscription plans in (netsuite_mapping.h).
//
// Delivery is an upsert by external id: PUT
// {base_url}/services/rest/record/v1/<type>/eid:<hub id>. The hub id of the
// entity is the NetSuite externalId, so delivering the same change twice,
// or a retry after a timeout whose first attempt did land, updates the one
// record instead of creating a second. Outcomes: 2xx APPLIED (vendor id from
// the Location header); 429 RETRY after Retry-After; 5xx, 408, timeouts and
// dropped connections RETRY; 401/403 and other 4xx REJECTED with NetSuite's
// error detail. The access token is a secret: never logged.
#ifndef REVHUB_ADAPTERS_NETSUITE_NETSUITE_ADAPTER_H_
#define REVHUB_ADAPTERS_NETSUITE_NETSUITE_ADAPTER_H_

#include <memory>

#include "adapters/sdk/adapter.h"

namespace revhub::adapter {

// Returns the NetSuite adapter. Thread-safe and stateless.
std::unique_ptr<Adapter> NewNetSuiteAdapter();

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_NETSUITE_NETSUITE_ADAPTER_H_
