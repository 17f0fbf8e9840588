// RevenueConfig: how revhubd's revenue recomputation posts, read from the
// JSON file named by `revhubd --revenue-config FILE`.
//
//   {
//     "period_convention": "BY_DAY",            // optional
//     "accounts": {                             // optional
//       "":        { "RECEIVABLE": "1100", "CASH": "1000" },
//       "ACME-US": { "RECEIVABLE": "1200" }
//     }
//   }
//
// `accounts` maps a legal entity ("" = every entity) to AccountRole short
// names (RECEIVABLE, UNBILLED_RECEIVABLE, DEFERRED_REVENUE, REVENUE,
// CONTRA_REVENUE, TAX_PAYABLE, CASH) and ledger account numbers. The file's
// accounts are laid over DefaultRevenueSettings()'s chart: an entity or role
// the file does not name keeps the default, so every journal line gets an
// account. docs/revenue.md describes the format.
#ifndef REVHUB_HUB_REVENUE_REVENUE_CONFIG_H_
#define REVHUB_HUB_REVENUE_REVENUE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "canonical/revenue/engine.h"

namespace revhub::hub {

// Returns the settings used without a configuration file: BY_DAY, and the
// default chart for every legal entity: CASH 1000, RECEIVABLE 1100,
// UNBILLED_RECEIVABLE 1250, TAX_PAYABLE 2200, DEFERRED_REVENUE 2400,
// REVENUE 4000, CONTRA_REVENUE 4050.
revenue::RevenueSettings DefaultRevenueSettings();

// Returns the settings of a configuration document. INVALID_ARGUMENT names
// the JSON path and the rule (e.g. `accounts["ACME-US"].RECEVABLE: not an
// account role (one of …)`); `source` prefixes every message.
absl::StatusOr<revenue::RevenueSettings> ParseRevenueConfig(
    absl::string_view json, absl::string_view source);

// Returns the settings of the file at `path` (DefaultRevenueSettings() when
// path is empty). NOT_FOUND when it cannot be read.
absl::StatusOr<revenue::RevenueSettings> LoadRevenueConfig(
    const std::string& path);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_REVENUE_REVENUE_CONFIG_H_
