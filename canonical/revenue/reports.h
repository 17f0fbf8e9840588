// The reports finance closes the month with, computed from contracts' books
// (each contract's schedule and its journal entries) for a range of
// accounting periods. Pure, no I/O, thread-safe; every amount is exact (nanos
// of the contract's currency) and every row is in one currency.
//
//   Waterfall             net billings per billing period (cohort) and the
//                         revenue each cohort recognises per period.
//   RollForward           opening + movements by source = closing, for the
//                         contract liability (DEFERRED_REVENUE) or the
//                         contract asset (UNBILLED_RECEIVABLE).
//   RemainingObligations  ASC 606-10-50-13: schedule lines after the range
//                         plus what is still pending, within 12 periods or
//                         later.
//   ContractBalances      per contract and period end: asset, liability,
//                         receivable (ASC 606-10-45-1).
//   ContraRevenue         contra revenue per category and period.
//
// Every figure but the remaining obligations is read from journal lines
// (account role and the entry's source_kind), so each ties to the journal to
// the minor unit; docs/revenue.md, "Reports", states each definition. The
// hub reads the books and turns these rows into revhub.hub.v1 messages
// (hub/revenue/report_messages.h).
#ifndef REVHUB_CANONICAL_REVENUE_REPORTS_H_
#define REVHUB_CANONICAL_REVENUE_REPORTS_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "canonical/money.h"
#include "canonical/revenue/calendar.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::revenue {

// One contract's books as stored: its current schedule and its current
// journal entries (withdrawn ones left out), in any order.
struct ContractBooks {
  std::string contract_id;
  std::string customer_id;
  std::string legal_entity;
  std::string currency_code;
  canonical::v1::RevenueSchedule schedule;
  std::vector<canonical::v1::JournalEntry> entries;
};

enum class ReportGroupBy {
  kContract,
  kCustomer,
  kProduct,
  kLegalEntity,
  kCurrency
};

// The most periods one report covers.
inline constexpr int kMaxReportPeriods = 120;

// Which contracts and periods a report covers. Empty filters match all; a
// product filter keeps the contracts selling the product and, in the
// reports that are per obligation (remaining obligations, contra revenue),
// only that product's amounts.
struct ReportQuery {
  PeriodIndex first = 0;  // inclusive
  PeriodIndex last = 0;   // inclusive
  ReportGroupBy group_by = ReportGroupBy::kContract;
  std::string contract_id;
  std::string customer_id;
  std::string product_id;
  std::string legal_entity;
  std::string currency_code;
};

// Returns OK when last >= first and the range has at most kMaxReportPeriods
// periods; else INVALID_ARGUMENT naming query.period_end.
absl::Status ValidateReportRange(const ReportQuery& query);

// What moved a balance: the category of a journal entry, by source_kind, and
// of a contra revenue line, by account role (one table in reports.cc).
enum class Movement {
  kBillings,
  kRecognised,
  kCreditNotes,
  kRefunds,
  kVoids,
  kDisputes,
};
inline constexpr int kMovementCount = 6;

// Returns the category of an entry's source_kind ("invoice" billings,
// "recognition" recognised, "credit_note", "refund", "void", "dispute",
// "dispute_won", "dispute_lost"); a kind the table does not name counts as
// billings, so a roll-forward still closes.
Movement MovementOfSourceKind(absl::string_view source_kind);
// Returns true for the kinds whose position movement is a net billing
// (invoices, credit notes, voids).
bool IsNetBilling(absl::string_view source_kind);
// Returns the contra category of an account role, or false when the role is
// not contra revenue.
bool ContraCategoryOf(canonical::v1::AccountRole role, Movement* category);

// The label of the waterfall cohort of recognition beyond billings.
inline constexpr char kUnbilledCohort[] = "unbilled";

struct WaterfallRow {
  std::string group;
  std::string currency_code;
  std::string billed_period;  // "YYYY-MM", or kUnbilledCohort
  Nanos billed = 0;
  std::vector<Nanos> recognised;  // one per period of the range
  Nanos remaining = 0;            // billed - recognised to the range's end
};

struct WaterfallReport {
  std::vector<WaterfallRow> rows;  // by group, currency, cohort
  // Per currency, recognised per period of the range, all rows.
  std::vector<std::pair<std::string, std::vector<Nanos>>> recognised_total;
};

// Returns the waterfall. Per contract, net billings of a period are the
// contract position's movement (DEFERRED_REVENUE and UNBILLED_RECEIVABLE
// credits - debits) by invoice, credit note and void entries; recognised
// revenue of a period is REVENUE and every CONTRA_REVENUE role's credits -
// debits. Recognition is allotted to the cohorts billed up to the range's
// end, oldest first; a reduction gives back from the latest; recognition
// beyond them is the "unbilled" cohort (a contract asset). INVALID_ARGUMENT
// for a bad range, or grouping by product (billings are per contract).
absl::StatusOr<WaterfallReport> Waterfall(
    const ReportQuery& query, const std::vector<ContractBooks>& books);

struct RollForwardRow {
  std::string group;
  std::string currency_code;
  PeriodIndex period = 0;
  Nanos opening = 0;
  // Signed movements by Movement; opening + their sum = closing.
  std::array<Nanos, kMovementCount> movements{};
  Nanos closing = 0;
};

// Returns the roll-forward of `account` (ACCOUNT_ROLE_DEFERRED_REVENUE,
// shown positive in credit, or ACCOUNT_ROLE_UNBILLED_RECEIVABLE, positive
// in debit) per group and period of the range, by group, currency, period;
// groups whose figures are all zero are left out. INVALID_ARGUMENT for a
// bad range, another role, or grouping by product.
absl::StatusOr<std::vector<RollForwardRow>> RollForward(
    const ReportQuery& query, canonical::v1::AccountRole account,
    const std::vector<ContractBooks>& books);

struct RemainingObligationsRow {
  std::string group;
  std::string currency_code;
  Nanos total = 0;
  Nanos within_12_months = 0;
  Nanos later = 0;  // after 12 periods, and pending amounts
};

// Returns the remaining performance obligations at the end of query.last:
// the schedule lines (every kind) of later periods plus the obligations'
// pending amounts; lines of the next 12 periods are within_12_months.
// Grouping by product uses each obligation's product_id. Zero rows are left
// out.
absl::StatusOr<std::vector<RemainingObligationsRow>> RemainingObligations(
    const ReportQuery& query, const std::vector<ContractBooks>& books);

struct ContractBalanceRow {
  std::string contract_id;
  std::string customer_id;
  std::string legal_entity;
  std::string currency_code;
  PeriodIndex period = 0;
  Nanos contract_asset = 0;      // UNBILLED_RECEIVABLE debit balance
  Nanos contract_liability = 0;  // DEFERRED_REVENUE credit balance
  Nanos receivable = 0;          // RECEIVABLE debit balance
};

// Returns each contract's balances at the end of each period of the range
// (rows where all three are zero left out), by contract then period.
// INVALID_ARGUMENT for a bad range or a group_by other than contract.
absl::StatusOr<std::vector<ContractBalanceRow>> ContractBalances(
    const ReportQuery& query, const std::vector<ContractBooks>& books);

struct ContraRevenueRow {
  std::string group;
  std::string currency_code;
  PeriodIndex period = 0;
  Nanos credit_notes = 0;
  Nanos refunds = 0;
  Nanos voids = 0;
  Nanos disputes = 0;
  Nanos total = 0;
};

// Returns contra revenue per group and period of the range: each
// CONTRA_REVENUE* role's debits - credits in the period's entries. Grouping
// by product uses the line's obligation's product_id. Zero rows are left
// out.
absl::StatusOr<std::vector<ContraRevenueRow>> ContraRevenue(
    const ReportQuery& query, const std::vector<ContractBooks>& books);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_REPORTS_H_
