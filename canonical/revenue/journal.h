// Journal entries for a contract: invoicing, recognition, payment, credit,
// refund and void, each balanced in the contract's currency.
//
// The contract position is billed minus recognised consideration. Presented
// net per contract (ASC 606-10-45-1): a positive position is a contract
// liability (DEFERRED_REVENUE), a negative one a contract asset
// (UNBILLED_RECEIVABLE). Every entry that moves the position moves those two
// accounts so that afterwards deferred revenue = max(position, 0) and the
// contract asset = max(-position, 0); neither balance is ever negative.
//
// Templates (Dr debit, Cr credit; "position +x" means the lines above):
//   invoice       Dr RECEIVABLE total; Cr TAX_PAYABLE tax; position +net
//   credit note   Dr TAX_PAYABLE tax; Cr RECEIVABLE total; position -net
//   void          the voided document's template in the other direction
//                 (an invoice's void is posted like a credit note), with
//                 reverses_entry_id naming the entry it undoes
//   recognition   per period, per obligation: Cr REVENUE (Dr when
//                 negative), or Dr the contra revenue role of a CREDIT,
//                 REFUND, VOID or DISPUTE line (RoleOf);
//                 position -recognised
//   payment       Dr CASH; Cr RECEIVABLE
//   refund        Dr RECEIVABLE; Cr CASH; and for the part no credit note
//                 covers (billing.h CashEvents): Cr RECEIVABLE, Dr
//                 TAX_PAYABLE its tax, position -its net (the recognised
//                 part is the schedule's REFUND line)
//   dispute       opened: Dr RECEIVABLE; Cr CASH. won: Dr CASH; Cr
//                 RECEIVABLE. lost ("dispute_lost"): Cr RECEIVABLE, Dr
//                 TAX_PAYABLE its tax, position -its net
// Order: by period; within a period documents, payments and refunds by time
// (at equal times: invoice, credit note, payment, refund, void, then id),
// then the period's recognition entry, dated the period's last second. The
// order of the inputs never matters.
//
// Pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_JOURNAL_H_
#define REVHUB_CANONICAL_REVENUE_JOURNAL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "canonical/money.h"
#include "canonical/revenue/account_mapping.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::revenue {

using canonical::v1::Invoice;
using canonical::v1::JournalEntry;
using canonical::v1::Payment;
using canonical::v1::RevenueSchedule;

// Returns the contract's journal entries from its schedule and billing.
// Documents of other contracts (contract_id set and different) are skipped.
// INVALID_ARGUMENT names the field for bad documents; FAILED_PRECONDITION
// when the mapping lacks an account.
absl::StatusOr<std::vector<JournalEntry>> BuildJournalEntries(
    const RevenueSchedule& schedule, const std::vector<Invoice>& invoices,
    const std::vector<Payment>& payments, const AccountMapping& accounts);

// Closed accounting periods, for posting: an entry that would be dated in a
// closed period is posted on the first instant of the first open period
// after it, unless it was already posted in that period (`posted`: entry id
// to the period it was posted in, from the stored entries).
struct ClosedBooks {
  std::vector<std::string> closed;  // "YYYY-MM"
  std::map<std::string, std::string> posted;
};

// The same, posting around closed periods. INVALID_ARGUMENT names a
// malformed closed period.
absl::StatusOr<std::vector<JournalEntry>> BuildJournalEntries(
    const RevenueSchedule& schedule, const std::vector<Invoice>& invoices,
    const std::vector<Payment>& payments, const AccountMapping& accounts,
    const ClosedBooks& books);

// Returns the account role a schedule line of `kind` posts to: REVENUE, or
// the contra revenue role of its category (CREDIT: CONTRA_REVENUE, REFUND,
// VOID, DISPUTE: their own).
canonical::v1::AccountRole RoleOf(canonical::v1::RevenueScheduleLineKind kind);

// Balance of each role (debit minus credit, in nanos) at the end of a
// period, cumulative from the first entry.
struct RoleBalances {
  std::map<int, Nanos> by_role;  // AccountRole -> debit - credit
  Nanos Get(canonical::v1::AccountRole role) const {
    auto it = by_role.find(static_cast<int>(role));
    return it == by_role.end() ? 0 : it->second;
  }
};

// Returns the balances at the end of every period that has an entry, keyed
// by "YYYY-MM".
std::map<std::string, RoleBalances> BalancesByPeriod(
    const std::vector<JournalEntry>& entries);

// Returns OK when every entry balances per currency and every line has
// exactly one of debit and credit, non-negative; else INTERNAL naming the
// entry.
absl::Status CheckBalanced(const std::vector<JournalEntry>& entries);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_JOURNAL_H_
