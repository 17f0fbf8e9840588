// The NetSuite mappings NetSuiteAdapter dispatches to (netsuite_adapter.cc),
// outbound (Apply, netsuite_apply.cc) and inbound (Translate,
// netsuite_translate.cc):
//
//   Apply      Customer               -> customer     {companyName, email,
//                                                      subsidiary, currency}
//              Invoice (INVOICE)      -> invoice      {entity, tranId,
//                                                      tranDate, dueDate,
//                                                      item.items[]}
//              Invoice (CREDIT_NOTE)  -> creditMemo   {... createdFrom: the
//                                                      credited invoice}
//              JournalEntry           -> journalEntry {subsidiary, tranDate,
//                                                      memo, line.items[]}
//   Translate  customer               -> Customer
//              invoice                -> Invoice (lines when item.items is
//                                        expanded); amountRemaining is
//                                        amount_remaining
//              creditMemo             -> Invoice of kind CREDIT_NOTE, the
//                                        credited invoice from createdFrom
//                                        or its one applied invoice
//              subscription           -> Contract: term from startDate and
//                                        endDate, renewal from autoRenewal
//                                        and initialTerm, lines from
//                                        subscriptionLine priced by
//                                        priceInterval
//              subscriptionPlan       -> a Product per member item, its
//                                        revenue rule from the line type
//              journalEntry           -> JournalEntry (read back, for
//                                        reconciliation)
//   Read       customer, invoice, creditMemo, journalEntry: the record
//              collection page by page (limit/offset), each record whole
//
// A reference to another record is {"id": <internal id>} when the hub knows
// the record's NetSuite id (ApplyRequest.known_refs), otherwise
// {"externalId": <hub id>}, which names the record revhub delivered earlier.
// The subsidiary is config.subsidiary_ids[legal_entity], else
// config.default_subsidiary_id; a journal entry without either is refused.
//
// All functions are pure functions of their input except Deliver, which
// sends one HTTP request per attempt; all are thread-safe.
#ifndef REVHUB_ADAPTERS_NETSUITE_NETSUITE_MAPPING_H_
#define REVHUB_ADAPTERS_NETSUITE_NETSUITE_MAPPING_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"

namespace revhub::adapter::netsuite {

// The SuiteTalk REST record API, below config.base_url.
inline constexpr char kRecordPath[] = "/services/rest/record/v1/";

// A body to send, or the reason the change cannot be sent.
struct Outbound {
  std::string record_type;
  Json body;
};

// Outbound, defined in netsuite_apply.cc. Each returns the record to send
// for one canonical entity, or a mapping error naming the entity field.
absl::StatusOr<Outbound> CustomerBody(const ApplyContext& ctx,
                                      const canonical::v1::Customer& c);
absl::StatusOr<Outbound> InvoiceBody(const ApplyContext& ctx,
                                     const canonical::v1::Invoice& inv);
absl::StatusOr<Outbound> JournalBody(const ApplyContext& ctx,
                                     const canonical::v1::JournalEntry& je);
// Returns a request with the bearer token and the configured timeouts.
HttpRequest BaseRequest(const Config& config);
// Sends `out` as an upsert of `external_id` (the hub id) and returns the
// outcome (APPLIED, RETRY or REJECTED, as netsuite_adapter.h describes).
ApplyResponse Deliver(const ApplyContext& ctx, const Outbound& out,
                      const std::string& external_id);

// Inbound helpers, defined in netsuite_translate.cc.

// Returns the ISO code of a record's currency: currency.refName when it is
// one, else the code config.currency_ids maps to currency.id, else (no
// currency) config.default_currency.
absl::StatusOr<std::string> RecordCurrency(const TranslateContext& ctx,
                                           const Field& r);
// The vendor path the record's currency came from.
std::string CurrencySourcePath(const Field& r);
// Returns a NetSuite enumeration, written as text ("ACTIVE") or as a
// reference ({"id": "ACTIVE", "refName": "Active"}: the id); "" when absent.
absl::StatusOr<std::string> EnumAt(const Field& field);
// Returns the exclusive end of a NetSuite end date, which names the last
// day of service: the day after; nullopt when absent.
absl::StatusOr<std::optional<Timestamp>> LastDayAt(const Field& field);

// Inbound, one record `r` into `out`. In netsuite_translate.cc:
absl::Status MapCustomer(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out);
absl::Status MapInvoice(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out);
absl::Status MapCreditMemo(const TranslateContext& ctx, const Field& r,
                           TranslationBuilder& out);
// In netsuite_read.cc: a journalEntry read back -> JournalEntry (lines by
// account id, posting date from tranDate; source_kind "externalId" and
// source_id the externalId when revhub delivered it).
absl::Status MapJournalEntry(const TranslateContext& ctx, const Field& r,
                             TranslationBuilder& out);
// Reads one page of customer, invoice, creditMemo or journalEntry records:
// cursor = the collection offset, each record fetched whole.
ReadResponse ReadRecords(const ReadContext& ctx);

// In netsuite_subscriptions.cc:
absl::Status MapSubscription(const TranslateContext& ctx, const Field& r,
                             TranslationBuilder& out);
absl::Status MapSubscriptionPlan(const TranslateContext& ctx, const Field& r,
                                 TranslationBuilder& out);

}  // namespace revhub::adapter::netsuite

#endif  // REVHUB_ADAPTERS_NETSUITE_NETSUITE_MAPPING_H_
