// The Salesforce mappings SalesforceAdapter dispatches to by sObject type
// (salesforce_adapter.cc):
//
//   Account         -> Customer (CustomerChanged)
//   Product2        -> Product (ProductChanged)
//   Opportunity     -> Contract from its OpportunityLineItems: Closed Won is
//                      ACTIVE (ContractBooked), an open stage DRAFT
//                      (ContractChanged), Closed Lost is skipped
//   Order           -> a new version of the contract it belongs to (by
//                      ContractId and OpportunityId) with its OrderItems:
//                      Activated -> ContractAmended, Draft -> ContractChanged;
//                      reduction orders give downgrade lines
//   Contract        -> a new version of the contract (ContractAmended when
//                      Activated)
//   query_response  -> every record of a SOQL query result, each by its
//                      attributes.type
//
//   salesforce_accounts_products.cc  Account, Product2
//   salesforce_contracts.cc          Opportunity, Order, Contract
//   salesforce_common.cc             the helpers below
//
// A payload that is a JSON array holds several records of the one type.
// Salesforce ids go into ExternalRef(system, sObject type, Id); the account
// and products are linked by ExternalRef("Account"/"Product2", Id).
//
// Every Map* function maps one record `r` into `out`. Pure and thread-safe.
#ifndef REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_MAPPING_H_
#define REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_MAPPING_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

// Defined in salesforce_common.cc.

// Returns the record's CurrencyIsoCode, else config.default_currency.
absl::StatusOr<std::string> Currency(const TranslateContext& ctx,
                                     const Field& r);
// Copies r[key] to attributes[key] when it is a string.
void PutIfString(const Field& r, const char* key,
                 google::protobuf::Map<std::string, std::string>* attributes);

// Sets source_updated_at from SystemModstamp (or LastModifiedDate) and,
// when `with_effective`, effective_at from CreatedDate; absent times stay
// unset.
template <typename Entity>
absl::Status SetTimes(const Field& r, Entity& entity, bool with_effective) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> modstamp,
                   TextTimeAt(r["SystemModstamp"]));
  if (!modstamp) {
    ASSIGN_OR_RETURN(modstamp, TextTimeAt(r["LastModifiedDate"]));
  }
  if (modstamp) *entity.mutable_source_updated_at() = *modstamp;
  ASSIGN_OR_RETURN(std::optional<Timestamp> created,
                   TextTimeAt(r["CreatedDate"]));
  if (created && with_effective) *entity.mutable_effective_at() = *created;
  return absl::OkStatus();
}

// Defined in salesforce_accounts_products.cc.

absl::Status MapAccount(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out);
absl::Status MapProduct2(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out);

// Defined in salesforce_contracts.cc.

absl::Status MapOpportunity(const TranslateContext& ctx, const Field& r,
                            TranslationBuilder& out);
absl::Status MapOrder(const TranslateContext& ctx, const Field& r,
                      TranslationBuilder& out);
absl::Status MapContract(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out);

}  // namespace revhub::adapter::salesforce

#endif  // REVHUB_ADAPTERS_SALESFORCE_SALESFORCE_MAPPING_H_
