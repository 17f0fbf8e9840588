// Revenue schedules: per performance obligation and accounting period, how
// much revenue a contract recognises (ASC 606 step 5), through its
// amendments and credits.
//
// How each obligation earns its allocated amount:
//   RATABLE with a service period   spread over the period by the schedule's
//                                   PeriodConvention (pattern.h);
//   POINT_IN_TIME                   at its activation (ServiceActivated), else
//                                   at its service period's start;
//   USAGE                           each usage report, quantity x unit price
//                                   rounded half-even to the minor unit,
//                                   spread over the usage's period;
//   MILESTONE                       each milestone reached earns its share;
//                                   cumulative shares are truncated the same
//                                   way as periods, so the shares that reach 1
//                                   earn exactly the allocation;
//   a one-off line (delivered_at)   whole at delivered_at;
//   any line without a service period (and no activation) is recognised when
//   the first invoice billing it (InvoiceLine.contract_line_id) is issued,
//   or at that invoice line's delivered_at when it is a one-off line.
// What cannot be scheduled yet (no invoice, milestone or activation) is the
// obligation's pending_amount, with the reason.
//
// Versions of a contract are applied in version order; each later version is
// a modification at its effective_at, accounted for as modification.h
// decides:
//   separate contract  added lines earn their own price; nothing else moves;
//   prospective        revenue before the date stays; the consideration not
//                      yet recognised plus the new consideration (new
//                      transaction price less revenue recognised before the
//                      date by the other obligations) is allocated over the
//                      remaining obligations by their SSP times the share
//                      still to deliver, and spread from the date;
//   catch-up           the obligation is re-allocated its relative-SSP share
//                      of the new price and re-measured as if it had always
//                      had it: the difference to what was recognised is a
//                      CATCH_UP line in the modification's period;
//   mixed              catch-up obligations first, then prospective ones
//                      share what is left.
// A cancellation that changes no line leaves the schedule as it is. A credit
// note (not void) reduces the transaction price at its issue date: its
// amount before tax is split over the obligations it names (else all) by
// allocation, and each share reduces recognised revenue (a CREDIT line in the
// credit's period) and the revenue still to come, pro rata to the
// recognised and unrecognised parts of the allocation.
//
// Open-ended contracts (any version IsOpenEnded, canonical/validation.h) are
// recognised by the periods billed instead; nothing above about allocation,
// amendments or triggers applies to them:
//   - every issued, not void invoice of the contract is the consideration
//     for what it bills: its net amount (billing.h) is split over its lines,
//     proration and negative lines keeping their own amount and the others
//     sharing the rest by relative SSP (the contract line's unit SSP times
//     the billed quantity, by the billed months for a product SSP with
//     ssp_period_months; the billed amount where no SSP is given). Each
//     line belongs to the contract line named by contract_line_id, else to
//     the only line selling its product; an invoice line matching none is
//     an error.
//   - a billed line with a service period is recognised over that period by
//     the convention; a one-off line at its delivered_at (the invoice
//     line's, else the contract line's); any other when the invoice is
//     issued. Nothing is recognised for periods not billed.
//   - a credit note whose lines carry amounts takes each line's share of its
//     net amount from the period the line credits: the part that period
//     recognised before the credit's date is a CREDIT line at the date, the
//     rest lowers what it still had to earn (a credit line without a period
//     reduces its obligation pro rata, as above; a credit note without line
//     amounts is split by allocation, as above).
//   - a cancelled contract stops at cancelled_at (else the version's
//     effective_at): what billed periods had still to earn beyond it is
//     recognised at cancelled_at, unless a credit note takes it back.
//   - a later version is recorded (NONE when its lines are unchanged, else
//     PROSPECTIVE: periods billed stay as billed) and moves nothing.
//   - usage reports, activations and milestones are refused.
//
// Lines sum exactly to each obligation's allocated amount less its pending
// amount; the obligations' allocations sum exactly to the schedule's
// transaction_price. Pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_SCHEDULE_H_
#define REVHUB_CANONICAL_REVENUE_SCHEDULE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "canonical/revenue/obligations.h"
#include "canonical/revenue/pattern.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::revenue {

using canonical::v1::Invoice;
using canonical::v1::MilestoneAchieved;
using canonical::v1::RevenueSchedule;
using canonical::v1::ServiceActivated;
using canonical::v1::UsageReported;

// The facts, besides the contract, that trigger recognition.
struct RecognitionEvents {
  std::vector<Invoice> invoices;  // invoices and credit notes
  std::vector<UsageReported> usage;
  std::vector<ServiceActivated> activations;
  std::vector<MilestoneAchieved> milestones;
};

struct ScheduleSettings {
  PeriodConvention convention = PeriodConvention::PERIOD_CONVENTION_BY_DAY;
};

// Returns the schedule of the latest of `versions` (one contract, any order,
// distinct version numbers), with every modification applied and recorded.
// Lines are ordered by period, then obligation (line order), then kind.
// INVALID_ARGUMENT names the field and the rule for bad input.
absl::StatusOr<RevenueSchedule> BuildRevenueSchedule(
    const std::vector<Contract>& versions, const ProductCatalog& products,
    const RecognitionEvents& events, const ScheduleSettings& settings);

// The same, with the payments of the contract's invoices: their refunds and
// lost disputes reduce revenue (schedule_reductions.cc) unless a credit note
// covers them.
absl::StatusOr<RevenueSchedule> BuildRevenueSchedule(
    const std::vector<Contract>& versions, const ProductCatalog& products,
    const RecognitionEvents& events, const ScheduleSettings& settings,
    const std::vector<canonical::v1::Payment>& payments);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_SCHEDULE_H_
