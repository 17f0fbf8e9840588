// What a workflow delivers to a target system, decided from the hub's
// current data and the ledger of what was already delivered there
// (store.h PostingRow). Nothing posted is ever edited:
//
//   customer        delivered when it was never delivered or has changed
//                   since (master data: the same external id again);
//   invoice /       delivered once, external id = the hub id; a posted
//   credit note     document whose total later changes (or that is voided)
//                   is an AMOUNT_MISMATCH check, never a second posting;
//   journal entry   the contract's "recognition" entries whose posting date
//                   has passed. An entry never posted is posted (external
//                   id = its hub id, or "<id>~r<n>" for the n-th revision).
//                   A posted entry whose lines changed is reversed (external
//                   id "<posted id>~rev", debits and credits swapped, same
//                   date) and its new lines posted as the next revision; a
//                   posted entry the engine no longer produces is reversed.
//
// Also: the credit notes a cancellation with CANCELLATION_CREDIT_UNUSED_
// PORTION issues. Pure reads; thread-safe.
#ifndef REVHUB_HUB_ORCHESTRATION_PLANNER_H_
#define REVHUB_HUB_ORCHESTRATION_PLANNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hub/store/store.h"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "revhub/canonical/v1/invoice.pb.h"

namespace revhub::hub {

// Step names.
inline constexpr char kStepIssueCreditNote[] = "issue_credit_note";
inline constexpr char kStepConfirmSchedule[] = "confirm_schedule";
inline constexpr char kStepPlanPostings[] = "plan_postings";
inline constexpr char kStepSyncCustomer[] = "sync_customer";
inline constexpr char kStepPostInvoice[] = "post_invoice";
inline constexpr char kStepPostCreditNote[] = "post_credit_note";
inline constexpr char kStepPostJournalEntry[] = "post_journal_entry";
inline constexpr char kStepPostReversal[] = "post_reversal";
inline constexpr char kStepCheckPostedInvoice[] = "check_posted_invoice";

// The ledger kind a delivery step writes ("customer", "invoice",
// "credit_note", "journal_entry", "reversal"); empty for other steps.
std::string PostingKindOf(absl::string_view step_name);

// A fingerprint of what matters in a delivery: for a customer its posted
// fields, for a document its total, for a journal entry its date, ledger
// and lines.
std::string ContentHash(const adapter::v1::CanonicalEntity& entity);

// The hub id a payload carries (its external id at the target).
std::string PayloadId(const adapter::v1::CanonicalEntity& entity);

// The amount a payload moves: a document's total, a journal entry's debits.
canonical::v1::Money PayloadAmount(const adapter::v1::CanonicalEntity& entity);

// Returns the delivery steps for `contract_id` to `target` as of `now`,
// in order, with name, target_system, entity, payload, amount and detail
// set (index and idempotency key are the caller's).
absl::StatusOr<std::vector<hub::v1::WorkflowStep>> PlanPostings(
    Store& store, absl::string_view target, absl::string_view contract_id,
    absl::Time now);

// For a check_posted_invoice step: empty when the hub's document matches
// what was posted, else why not; *difference is hub total minus posted.
absl::StatusOr<std::string> CheckPostedDocument(
    Store& store, absl::string_view target, const canonical::v1::Invoice& doc,
    canonical::v1::Money* difference);

// The external ref of a cancellation's credit note: (revhub,
// cancellation_credit, <credited invoice id>).
inline constexpr char kCancellationCreditSystem[] = "revhub";
inline constexpr char kCancellationCreditObject[] = "cancellation_credit";

// Returns the credit notes cancelling the unused portion of the contract's
// invoices at `cancelled_at`: for each invoice line with a service period,
// the share of its amount after cancelled_at (by time, rounded down to the
// minor unit). One note per invoice with anything to credit, without id
// (the hub assigns it) and with the external ref above.
absl::StatusOr<std::vector<canonical::v1::Invoice>> CancellationCredits(
    Store& store, absl::string_view contract_id, absl::Time cancelled_at);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ORCHESTRATION_PLANNER_H_
