// The Salesforce emulator's org: the sObjects it stores (Account, Product2,
// Opportunity, OpportunityLineItem, Order, OrderItem, Contract), their
// fields, and SOQL run against them as the REST query resource answers.
//
// Records are stored flat, children apart (an OpportunityLineItem with its
// OpportunityId); a query puts them back together: a parent field
// ("Product2.Name") is looked up through its "<Parent>Id" field, a
// parent-child subquery ("(SELECT ... FROM OpportunityLineItems)") becomes
// {"totalSize", "done", "records"} or null when there are no children, and
// a selected field a record lacks is null. A field is known when it is a
// standard field of its type or any stored record of the type has it
// (custom fields such as Contract_Start_Date__c); selecting another is
// INVALID_FIELD.
//
// Not thread-safe: the emulator holds its one mutex around every call.
#ifndef REVHUB_TESTS_VENDOR_EMULATOR_SALESFORCE_ORG_H_
#define REVHUB_TESTS_VENDOR_EMULATOR_SALESFORCE_ORG_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/sdk/mapping.h"

namespace revhub::emulator {

using adapter::Json;

// A query error as Salesforce names it.
struct SoqlError {
  std::string code;  // MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE
  std::string message;
};

class Org {
 public:
  Org();

  // Forgets every record.
  void Clear();
  // Stores one record as the REST API returns it ("attributes.type" names
  // its type), its child relationships ({"records": [...]}) as child
  // records. Of two versions of one Id the later SystemModstamp is kept.
  absl::Status Load(const Json& record);
  // Loads every *.json file of `dir`, each one record.
  absl::Status LoadDir(const std::string& dir);
  // Replaces the data with `n` generated objects: Product2 records, then
  // Accounts, then Opportunities of those accounts with 1-3
  // OpportunityLineItems of those products. Deterministic; consecutive
  // pairs share a SystemModstamp.
  void Generate(int n);
  // Sets `set` on the record and bumps its SystemModstamp (and
  // LastModifiedDate) to now, later than any stamp stored; a line item
  // bumps its Opportunity or Order too (its amount changes). Returns the
  // record; NOT_FOUND for an unknown type or id.
  absl::StatusOr<Json> Touch(const std::string& type, const std::string& id,
                             const Json& set);
  // Every record of `type`, flat, by Id.
  Json Objects(const std::string& type) const;

  // Runs `soql`; the records in order, or the error.
  std::vector<Json> Query(const std::string& soql,
                          const std::string& api_version,
                          SoqlError* error) const;

 private:
  // The known field of `type` spelled as `name` (any case), or "".
  std::string KnownField(const std::string& type,
                         const std::string& name) const;
  Json Render(const std::string& type, const Json& record,
              const std::vector<std::string>& fields,
              const std::string& api_version) const;
  int64_t NextStamp();

  std::map<std::string, std::map<std::string, Json>> objects_;
  std::map<std::string, std::set<std::string>> standard_fields_;
  int64_t last_stamp_ms_ = 0;
};

// Formats Unix milliseconds as Salesforce does
// ("2026-01-20T18:02:44.000+0000").
std::string SalesforceTime(int64_t millis);

}  // namespace revhub::emulator

#endif  // REVHUB_TESTS_VENDOR_EMULATOR_SALESFORCE_ORG_H_
