// revhub-adapter-salesforce: Salesforce CRM records to the canonical model.
// Inbound only. See salesforce_adapter.cc for the mapping table. Amounts
// are Salesforce decimals read digit for digit (never through a float), in
// the record's CurrencyIsoCode or, in a single-currency org, the configured
// default_currency.
#ifndef REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_ADAPTER_H_
#define REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_ADAPTER_H_

#include <memory>

#include "adapters/sdk/adapter.h"

namespace revhub::adapter {

// Returns the Salesforce adapter. Thread-safe and stateless.
std::unique_ptr<Adapter> NewSalesforceAdapter();

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_ADAPTER_H_
