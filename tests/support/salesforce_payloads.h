// Salesforce REST records (the JSON the Salesforce adapter translates) for
// the suites that ingest them.
//
// Thread-safety: the functions keep no state.
#ifndef REVHUB_TESTS_SUPPORT_SALESFORCE_PAYLOADS_H_
#define REVHUB_TESTS_SUPPORT_SALESFORCE_PAYLOADS_H_

#include <string>

#include "absl/strings/str_cat.h"

namespace revhub::testing {

// An Account in EUR, account number "AN-<id>", last modified at
// `system_modstamp` (Salesforce's "2025-03-01T10:00:00.000+0000" form).
inline std::string SalesforceAccount(const std::string& id,
                                     const std::string& name,
                                     const std::string& system_modstamp) {
  return absl::StrCat(
      R"({"attributes": {"type": "Account"}, "Id": ")", id, R"(", "Name": ")",
      name, R"(", "CurrencyIsoCode": "EUR", "AccountNumber": "AN-)", id,
      R"(", "SystemModstamp": ")", system_modstamp, R"("})");
}

// An active Product2 with product code "SKU-<id>".
inline std::string SalesforceProduct2(const std::string& id,
                                      const std::string& name) {
  return absl::StrCat(R"({"attributes": {"type": "Product2"}, "Id": ")", id,
                      R"(", "Name": ")", name, R"(", "ProductCode": "SKU-)", id,
                      R"(", "IsActive": true})");
}

// One line of a Salesforce opportunity.
struct SalesforceLine {
  std::string id;
  std::string product_id;
  int quantity = 1;
  std::string unit_price;    // JSON number text, e.g. "1200.50"
  std::string service_date;  // "2025-01-01"
  std::string end_date;
};

// A Closed Won "Platform 2025" opportunity (New Business, EUR) of
// `account`, closed and last modified on `close_date` ("2025-03-14"), with
// one line.
inline std::string SalesforceOpportunity(const std::string& id,
                                         const std::string& account,
                                         const std::string& close_date,
                                         const SalesforceLine& line) {
  return absl::StrCat(
      R"({"attributes": {"type": "Opportunity"}, "Id": ")", id,
      R"(", "Name": "Platform 2025", "AccountId": ")", account,
      R"(", "StageName": "Closed Won", "IsWon": true, "IsClosed": true,
      "CloseDate": ")",
      close_date, R"(", "CurrencyIsoCode": "EUR", "Type": "New Business",
      "SystemModstamp": ")",
      close_date, R"(T16:02:11.000+0000",
      "OpportunityLineItems": {"totalSize": 1, "done": true, "records": [
        {"attributes": {"type": "OpportunityLineItem"}, "Id": ")",
      line.id, R"(", "Quantity": )", line.quantity, R"(, "UnitPrice": )",
      line.unit_price, R"(, "ServiceDate": ")", line.service_date,
      R"(", "EndDate": ")", line.end_date, R"(", "Product2Id": ")",
      line.product_id, R"("}]}})");
}

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_SALESFORCE_PAYLOADS_H_
