// The Salesforce mappings SalesforceAdapter dispatches to by sObject type
// (salesforce_adapter.cc):
//
//   Account             -> Customer (CustomerChanged)
//   Product2            -> Product with the configured revenue rule
//                          (ProductChanged)
//   Opportunity         -> Contract from its OpportunityLineItems: Closed Won
//                          is ACTIVE (ContractBooked), an open stage DRAFT
//                          (ContractChanged), Closed Lost is skipped
//   Order               -> a new version of the contract it belongs to (by
//                          ContractId and OpportunityId) with its
//                          OrderItems: Activated -> ContractAmended, Draft ->
//                          ContractChanged; reduction orders give downgrade
//                          lines
//   Contract            -> a new version of the contract, its lines from the
//                          OrderItems of its Orders (ContractAmended when
//                          Activated)
//   OpportunityLineItem,
//   OrderItem           -> checked on their own, then skipped: a line is
//                          booked with its Opportunity or Order
//   query_response      -> every record of a SOQL query result, each by its
//                          attributes.type
//
//   salesforce_accounts_products.cc  Account, Product2
//   salesforce_contracts.cc          Opportunity, Order, Contract
//   salesforce_lines.cc              the lines of all three, line items alone
//   salesforce_terms.cc              revenue rules, terms and renewals
//   salesforce_common.cc             currency, attributes, times
//
// A payload that is a JSON array holds several records of the one type.
// Salesforce ids go into ExternalRef(system, sObject type, Id); the account
// and products are linked by ExternalRef("Account"/"Product2", Id). Every
// canonical field that validation can refuse names, in the entity's
// sources, the Salesforce field it came from
// ("OpportunityLineItems.records[0].Quantity").
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
#include "revhub/canonical/v1/contract.pb.h"

namespace revhub::adapter::salesforce {

// Defined in salesforce_common.cc.

// Returns the record's CurrencyIsoCode, else config.default_currency.
absl::StatusOr<std::string> Currency(const TranslateContext& ctx,
                                     const Field& r);
// Copies r[key] to attributes[key] when it is a string.
void PutIfString(const Field& r, const char* key,
                 google::protobuf::Map<std::string, std::string>* attributes);
// True when `object` is a JSON object with member `key`, even a null one (a
// field the query selected and Salesforce left empty).
bool HasKey(const Field& object, const char* key);

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

// Defined in salesforce_terms.cc.

// The revenue rule names the configuration takes (RATABLE, POINT_IN_TIME,
// USAGE, MILESTONE), and NONE for default_revenue_rule.
const std::vector<std::string>& RevenueRuleNames();

// A revenue rule and the vendor field that decided it ("" with
// REVENUE_RULE_UNSPECIFIED).
struct RuleChoice {
  canonical::v1::RevenueRule rule = canonical::v1::REVENUE_RULE_UNSPECIFIED;
  std::string vendor_path;
};
// Returns the rule of a Product2 record: revenue_rule_by_product_code for
// its ProductCode, else revenue_rule_by_family for its Family, else
// default_revenue_rule (UNSPECIFIED for NONE).
RuleChoice Product2Rule(const Config& config, const Field& product);
// Returns the rule of a line item from the product fields the query sent
// with it (ProductCode, Product2.Family, PricebookEntry.Product2.…), by the
// same configuration; UNSPECIFIED when the line does not carry the fields
// the configuration needs, so that its product's rule applies.
RuleChoice LineRule(const Config& config, const Field& line);

// The term of a contract as read from Salesforce, with the vendor fields it
// came from. `end` is exclusive.
struct Term {
  std::optional<Timestamp> start;
  std::optional<Timestamp> end;
  std::string start_path;
  std::string end_path;
  canonical::v1::RenewalBehavior renewal =
      canonical::v1::RENEWAL_BEHAVIOR_UNSPECIFIED;
  std::optional<canonical::v1::Interval> renewal_interval;
  std::string renewal_path;
  std::string renewal_interval_path;
  // No end: lines without an end date run as long as the contract.
  bool open_ended() const {
    return start.has_value() && !end.has_value() &&
           renewal == canonical::v1::RENEWAL_BEHAVIOR_EVERGREEN;
  }
};
// Returns the exclusive end of a date field that names the last day of
// service when config.end_date_inclusive is set (the day after), else the
// date itself; nullopt when absent.
absl::StatusOr<std::optional<Timestamp>> EndDateAt(const Config& config,
                                                   const Field& field);
// Returns a whole positive number of months from `field`; nullopt when
// absent.
absl::StatusOr<std::optional<int>> MonthsAt(const Field& field);
// Returns the Opportunity's term from the configured start/end/term-months
// fields, with its renewal behaviour (see salesforce_terms.cc).
absl::StatusOr<Term> OpportunityTerm(const TranslateContext& ctx,
                                     const Field& r);
// Returns the Contract sObject's term: StartDate for ContractTerm months,
// else to EndDate (the last day in effect), with its renewal behaviour.
absl::StatusOr<Term> ContractTerm(const TranslateContext& ctx, const Field& r);
// Returns the Order's term: EffectiveDate to EndDate, open-ended without an
// EndDate.
absl::StatusOr<Term> OrderTerm(const TranslateContext& ctx, const Field& r);
// Sets the renewal behaviour from the configured evergreen and auto-renew
// checkbox fields of `r`, else FIXED with an end and EVERGREEN without.
absl::Status SetRenewal(const TranslateContext& ctx, const Field& r,
                        Term& term);
// Writes the term and renewal into `c` and their sources into `entity`.
void ApplyTerm(const Term& term, canonical::v1::Contract& c,
               CanonicalEntity* entity);

// Defined in salesforce_lines.cc.

// How the line items of one record are read.
struct LineSet {
  // "OpportunityLineItem" or "OrderItem".
  const char* item_type = "";
  std::string currency;
  // A reduction order: every line is a downgrade and may be negative.
  bool reduction = false;
  // The contract term lines without their own dates fall back to.
  const Term* term = nullptr;
  // The CloseDate of an opportunity, where a one-off line without a date
  // is delivered.
  std::optional<Timestamp> delivered_by_default;
  std::string delivered_by_default_path;
};
// Appends the records of `items` ({records: [...]}) to c.lines, linking
// each line's product in entity `index`.
absl::Status MapLines(const TranslateContext& ctx, const Field& items,
                      const LineSet& set, int index, TranslationBuilder& out,
                      canonical::v1::Contract& c);
absl::Status MapOpportunityLineItem(const TranslateContext& ctx, const Field& r,
                                    TranslationBuilder& out);
absl::Status MapOrderItem(const TranslateContext& ctx, const Field& r,
                          TranslationBuilder& out);

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
