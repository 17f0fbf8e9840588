// AccountMapping: which ledger account each AccountRole posts to, per legal
// entity.
//
// Journal lines carry an AccountRole (receivable, unbilled receivable,
// deferred revenue, revenue, contra-revenue, tax payable, cash); the ledger's
// chart of accounts differs per legal entity, so configuration maps roles to
// account numbers. The entity "" holds defaults used by every entity that
// does not name the role itself. An empty mapping leaves accounts empty
// (previews without ledger configuration).
//
// Immutable after setup; safe to share between threads for reading.
#ifndef REVHUB_CANONICAL_REVENUE_ACCOUNT_MAPPING_H_
#define REVHUB_CANONICAL_REVENUE_ACCOUNT_MAPPING_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::revenue {

using canonical::v1::AccountRole;

struct AccountMapping {
  // accounts[legal_entity][role] = ledger account number.
  absl::flat_hash_map<std::string, absl::flat_hash_map<int, std::string>>
      accounts;

  // Sets one account; returns *this for chaining.
  AccountMapping& Set(absl::string_view legal_entity, AccountRole role,
                      absl::string_view account);

  bool empty() const { return accounts.empty(); }

  // Returns the account for the role in the entity, else the default; ""
  // when the mapping is empty. FAILED_PRECONDITION names the entity and role
  // when a non-empty mapping has neither.
  absl::StatusOr<std::string> AccountFor(absl::string_view legal_entity,
                                         AccountRole role) const;
};

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_ACCOUNT_MAPPING_H_
