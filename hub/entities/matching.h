// Matching rules: when a customer from one system is one the hub already
// knows from another (hub.v1.MatchingRule on the system's registration).
//
// Customers are indexed by the values rules compare (CustomerMatchIndex, in
// EntityTraits<Customer>::Index), so a rule is one index lookup inside the
// pipeline's write transaction.
#ifndef REVHUB_HUB_ENTITIES_MATCHING_H_
#define REVHUB_HUB_ENTITIES_MATCHING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"
#include "revhub/canonical/v1/customer.pb.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

// Returns OK when every rule names a field customers can be matched on;
// else INVALID_ARGUMENT naming "system.matching_rules[i].<field>".
absl::Status ValidateMatchingRules(const hub::v1::System& system);

// Returns the normalized value of `field` ("email", "name", "tax_id",
// "attributes.KEY") of the customer: trimmed, lower-cased for email and
// name; nullopt when the field is empty or unknown.
std::optional<std::string> CustomerMatchValue(
    const canonical::v1::Customer& customer, absl::string_view field);

// Returns the index entries ("match:<field>" = value) for every matchable
// field the customer has.
std::vector<IndexEntry> CustomerMatchIndex(
    const canonical::v1::Customer& customer);

// Returns the hub id of the customer the rules of `system` say `customer`
// is, or nullopt when no rule matches. A rule matching more than one
// customer is FAILED_PRECONDITION naming the rule and the candidates.
absl::StatusOr<std::optional<std::string>> MatchCustomer(
    WriteTxn& txn, const hub::v1::System& system,
    const canonical::v1::Customer& customer);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ENTITIES_MATCHING_H_
