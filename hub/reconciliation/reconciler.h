// Reconciler: compares, for one accounting period (and legal entity), the
// CRM's bookings, billing's documents, the hub's posting ledger and what the
// ERP holds, read back through the ERP system's adapter (Read, then
// Translate) at run time, never from the hub's own ledger.
//
//   MISSING_IN_ERP     a ledger row (customer, invoice, credit note, journal
//                      entry) whose external id the ERP does not hold
//   AMOUNT_DIFFERS     the ERP record's total (debits for an entry) differs
//   TIMING             the ERP record's date is in another period
//   POSTED_TWICE       two ERP documents with one document number, or two
//                      ERP records for one external id
//   UNLINKED_INVOICE   a billing invoice of the period with no contract
//   BILLED_NOT_BOOKED  an invoice of the period whose contract is not booked
//   BOOKED_NOT_BILLED  a contract booked (ACTIVE) whose term starts in the
//                      period, with no invoice at all
//
// A variance's id is derived from the period, the category and the records
// (so a rerun finds the same one). Run() stores the report and the
// variances, opens a RECONCILIATION_VARIANCE exception per new open
// variance (routing from the orchestration configuration), updates those
// found again, and resolves variances (and their exceptions) not found
// again. Accept() and Redeliver() are the two actions.
//
// Thread-safe; the calls block on the store and the adapters.
#ifndef REVHUB_HUB_RECONCILIATION_RECONCILER_H_
#define REVHUB_HUB_RECONCILIATION_RECONCILER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/exceptions/exceptions.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/reconciliation_service.pb.h"

namespace revhub::hub {

class Reconciler {
 public:
  // No pointer is owned; all outlive the reconciler. `notify` (may be
  // empty) is called after a redelivery workflow was started.
  Reconciler(Store* store, AdapterSupervisor* adapters,
             const ExceptionRouting* routing, std::function<void()> notify);

  // Runs a reconciliation. INVALID_ARGUMENT naming `period` or `systems`;
  // UNAVAILABLE / FAILED_PRECONDITION when an ERP cannot be read back.
  absl::StatusOr<hub::v1::ReconciliationReport> Run(
      const hub::v1::RunReconciliationRequest& request,
      absl::string_view principal);
  // The latest report, with each variance as it stands now; NOT_FOUND when
  // the period was never reconciled.
  absl::StatusOr<hub::v1::ReconciliationReport> Get(
      absl::string_view period, absl::string_view legal_entity);
  // Accepts an OPEN variance; INVALID_ARGUMENT "reason: required".
  absl::StatusOr<hub::v1::Variance> Accept(absl::string_view variance_id,
                                           absl::string_view reason,
                                           absl::string_view principal);
  // Starts a REDELIVERY workflow delivering again, from the posting ledger,
  // what a MISSING_IN_ERP variance lacks (and the customer it needs when the
  // latest run found that missing too). FAILED_PRECONDITION for another
  // category or a variance not OPEN.
  absl::StatusOr<hub::v1::RedeliverVarianceResponse> Redeliver(
      absl::string_view variance_id, absl::string_view note,
      absl::string_view principal);

 private:
  Store* store_;
  AdapterSupervisor* adapters_;
  const ExceptionRouting* routing_;
  std::function<void()> notify_;
};

// What one side holds, from which the variances are classified
// (reconcile_compare.cc). Exposed for the reconciler's own files.
namespace reconcile {

// One record the ERP holds, as its adapter translated it.
struct ErpRecord {
  std::string system;
  std::string object_type;  // customer, invoice, creditMemo, journalEntry
  std::string vendor_id;
  std::string external_id;  // the hub id revhub delivered it under
  std::string number;       // tranId
  std::string period;       // of its date, "" for a customer
  std::string legal_entity;
  canonical::v1::Money amount;
};

// What a run compares.
struct Inputs {
  std::string period;
  std::string legal_entity;
  std::vector<hub::v1::System> systems;
  std::vector<PostingRow> postings;  // of the ERP systems, in scope
  std::vector<ErpRecord> erp;        // read back, every period
  std::vector<canonical::v1::Contract> contracts;
  std::vector<canonical::v1::Invoice> invoices;  // every period
  std::vector<canonical::v1::Payment> payments;  // of the period
  // The hub's journal entries (every period).
  std::vector<canonical::v1::JournalEntry> journal_entries;
};

// Returns the variances (state OPEN, no times) and the side totals.
void Compare(const Inputs& in, std::vector<hub::v1::Variance>* variances,
             std::vector<hub::v1::SideTotal>* sides);

// "YYYY-MM" of a time (UTC).
std::string PeriodOf(const google::protobuf::Timestamp& t);

}  // namespace reconcile
}  // namespace revhub::hub

#endif  // REVHUB_HUB_RECONCILIATION_RECONCILER_H_
