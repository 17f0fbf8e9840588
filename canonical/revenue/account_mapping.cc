#include "canonical/revenue/account_mapping.h"

#include "absl/strings/str_cat.h"

namespace revhub::revenue {

AccountMapping& AccountMapping::Set(absl::string_view legal_entity,
                                    AccountRole role,
                                    absl::string_view account) {
  accounts[std::string(legal_entity)][static_cast<int>(role)] =
      std::string(account);
  return *this;
}

absl::StatusOr<std::string> AccountMapping::AccountFor(
    absl::string_view legal_entity, AccountRole role) const {
  if (accounts.empty()) return std::string();
  for (absl::string_view entity : {legal_entity, absl::string_view()}) {
    auto e = accounts.find(std::string(entity));
    if (e == accounts.end()) continue;
    auto r = e->second.find(static_cast<int>(role));
    if (r != e->second.end()) return r->second;
  }
  // A contra revenue category without its own account posts to the credit
  // notes' contra revenue account.
  if (role == AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND ||
      role == AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE_VOID ||
      role == AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE) {
    auto fallback =
        AccountFor(legal_entity, AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE);
    if (fallback.ok()) return fallback;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("account_mapping[\"", legal_entity, "\"]: no account for ",
                   canonical::v1::AccountRole_Name(role), " and no default"));
}

}  // namespace revhub::revenue
