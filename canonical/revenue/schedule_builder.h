// The machinery behind BuildRevenueSchedule (schedule.h), shared by the files
// that implement it; not part of the engine's interface.
//
//   schedule_plan.cc          pieces and plans: how an obligation earns an
//                             amount, and how much of it is still to deliver
//   schedule.cc               Builder: validation, booking, usage, the order
//                             of changes, and the schedule it returns
//   schedule_modification.cc  Builder::Amend, one function per kind of
//                             contract modification (modification.h)
//   schedule_credit.cc        Builder::ApplyCredit: credit notes
//   schedule_billed.cc        open-ended contracts: recognition by the
//                             periods billed
//
// Amounts in Piece, Plan and ObState are in the currency's minor units; times
// are milliseconds since the epoch. A Builder builds one schedule and is not
// thread-safe; everything else is pure.
#ifndef REVHUB_CANONICAL_REVENUE_SCHEDULE_BUILDER_H_
#define REVHUB_CANONICAL_REVENUE_SCHEDULE_BUILDER_H_

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/modification.h"
#include "canonical/revenue/obligations.h"
#include "canonical/revenue/pattern.h"
#include "canonical/revenue/schedule.h"
#include "revhub/canonical/v1/payment.pb.h"

namespace revhub::revenue::schedule_internal {

using canonical::v1::RevenueScheduleLineKind;

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kDawn = std::numeric_limits<int64_t>::min();
inline constexpr Nanos kWholeShare = kNanosPerUnit;  // a share of 1 in nanos

// Returns 10^n.
Nanos Pow10(int n);

// What made a piece (RevenueCause): a contract version, a document, a
// refund, a usage record, a delivery.
struct Cause {
  canonical::v1::RevenueCauseKind kind =
      canonical::v1::REVENUE_CAUSE_KIND_UNSPECIFIED;
  std::string id;
  int64_t version = 0;
  bool operator<(const Cause& o) const {
    return std::tie(kind, id, version) < std::tie(o.kind, o.id, o.version);
  }
  bool operator==(const Cause& o) const {
    return kind == o.kind && id == o.id && version == o.version;
  }
};

// A recognised or planned amount: a point at an instant or a span spread by
// its convention, seen through the window [from, until).
struct Piece {
  bool is_span = false;
  Span span;
  Nanos amount = 0;
  int64_t from = kDawn;
  int64_t until = kNever;
  int64_t at = 0;
  RevenueScheduleLineKind kind =
      RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_RECOGNITION;
  Cause cause;
};

// Returns the part of the piece recognised before t.
Nanos PieceBefore(const Piece& p, int64_t t);
// Returns all the piece recognises.
Nanos PieceTotal(const Piece& p);
// Returns a point piece.
Piece Point(int64_t at, Nanos amount,
            RevenueScheduleLineKind kind =
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_RECOGNITION,
            Cause cause = {});

// How an obligation earns an amount: its pieces, and what cannot be
// scheduled yet (pending) with the reason.
struct Plan {
  std::vector<Piece> pieces;
  Nanos pending = 0;
  std::string pending_reason;
};

// One obligation as the schedule stands.
struct ObState {
  Obligation ob;
  bool active = true;
  Nanos allocated = 0;
  Nanos pending = 0;
  std::string pending_reason;
  std::vector<Piece> pieces;
  // Ended by a cancellation: what it had left to earn then, recognised at
  // the cancellation (a credit or refund takes from it first).
  int64_t terminated_at = kNever;
};

// Returns what the state recognises before t.
Nanos RecognisedBefore(const ObState& s, int64_t t);
// Drops everything the state would recognise at or after t.
void CutAt(ObState* s, int64_t t);

struct Milestone {
  int64_t at;
  std::string name;
  Nanos share;
  std::string id;  // the Delivery's id, when stored
};

// An activation of a line: all of it (quantity 0) or part of its quantity.
struct Activation {
  int64_t at;
  Nanos quantity;  // nanos; 0: all of it
  std::string id;  // the Delivery's id, when stored
};

// Everything outside the contract that triggers recognition, by line id.
struct Triggers {
  absl::flat_hash_map<std::string, int64_t> invoiced_at;
  absl::flat_hash_map<std::string, std::string> invoiced_by;  // invoice id
  absl::flat_hash_map<std::string, int64_t> activated_at;     // the first
  absl::flat_hash_map<std::string, std::vector<Activation>> activations;
  absl::flat_hash_map<std::string, std::vector<Milestone>> milestones;
};

// Returns the plan by which `ob` earns `amount`.
Plan PlanRecognition(const Obligation& ob, Nanos amount, const Triggers& trig,
                     PeriodConvention convention);
// Returns the share of `ob` still to deliver at t, as num / den.
std::pair<Nanos, Nanos> RemainingShare(const Obligation& ob,
                                       const Triggers& trig,
                                       PeriodConvention convention, int64_t t);
// How a billed part of an obligation is earned: over a span, or at an
// instant.
struct Earning {
  bool is_span = false;
  Span span;
  int64_t at = 0;
};

// Returns the pieces by which `amount` billed (or, negative, credited) as
// `earning` is recognised when the contract stops at `cancelled` (kNever:
// not cancelled): a span up to `cancelled`, and what the span has beyond it
// at `cancelled`. What these pieces would recognise before `not_before` (a
// credit note's date) is one CREDIT point at not_before instead.
std::vector<Piece> EarnBilled(const Earning& earning, Nanos amount,
                              int64_t cancelled, int64_t not_before);

// True when both versions carry the same discounts.
bool SameDiscounts(const Contract& a, const Contract& b);

// A modification being applied: the new version's obligations, their
// allocation and how modification.h classified each.
struct Amendment {
  const Contract* after = nullptr;
  int64_t t = 0;  // the modification date
  std::vector<Obligation> obs;
  std::vector<Nanos> alloc;  // minor units, per obligation
  ModificationDecision decision;
  // Index in states_ of obligation j's state, -1 until an added line gets
  // one (StateFor). Indexes, not pointers: adding a state may move states_.
  std::vector<int> old_index;
  // Index in states_ of each line the new version removed.
  std::vector<int> removed_index;
};

// Builds one contract's schedule: books the first version, applies every
// amendment and credit note in time order, then usage, and returns the
// schedule.
class Builder {
 public:
  Builder(const ProductCatalog& products, const ScheduleSettings& settings,
          const std::vector<canonical::v1::Payment>* payments)
      : products_(products), settings_(settings), payments_(payments) {}

  absl::StatusOr<RevenueSchedule> Run(const std::vector<Contract>& versions,
                                      const RecognitionEvents& events);

 private:
  // schedule.cc
  absl::Status Validate(const std::vector<const Contract*>& versions);
  absl::Status CollectTriggers(const Contract& latest,
                               const RecognitionEvents& events);
  absl::Status Book(const Contract& contract);
  absl::Status ApplyChanges(const std::vector<const Contract*>& ordered,
                            const RecognitionEvents& events);
  absl::Status ScheduleUsage(const Contract& latest,
                             const RecognitionEvents& events);
  void WriteObligations(const Contract& latest);
  void WriteLines();
  absl::StatusOr<std::vector<Nanos>> AllocateMinor(
      const Contract& contract, const std::vector<Obligation>& obs);
  ObState* Find(const std::string& line_id);
  // Adds the plan's pieces from `from` on: spans windowed, points before
  // `from` dropped (keep_early_points false) or moved to `from`.
  void Install(ObState* s, const Plan& plan, int64_t from,
               bool keep_early_points = true);
  Nanos ToMinor(Nanos nanos) const { return nanos / step_; }
  Money MinorToMoney(Nanos minor) const;
  void Record(const Contract* version, const Invoice* credit, int64_t at,
              canonical::v1::ModificationTreatment treatment,
              std::string reason);

  // schedule_modification.cc
  absl::Status Amend(const Contract& before, const Contract& after);
  std::vector<ObligationFacts> CollectFacts(Amendment& a);
  ObState& StateFor(Amendment& a, size_t j);
  absl::Status AmendAsSeparateContract(Amendment& a);
  absl::Status AmendAsTerminationAndNewContract(Amendment& a);
  Nanos TerminateRemovedLines(Amendment& a);
  Nanos KeptAmounts(Amendment& a);
  Nanos RemeasureWithCatchUp(Amendment& a, int* first_catch_up);
  absl::StatusOr<Nanos> ReallocateProspectively(Amendment& a, Nanos pool);
  Nanos KeepDowngradePrice(Amendment& a, size_t j, Nanos num, Nanos den);
  void RespreadFrom(Amendment& a, size_t j, Nanos amount, bool drop_zero);
  absl::Status CarryResidual(Amendment& a, Nanos pool, int first_catch_up);

  // A change that reduces revenue by a document or cash event: a credit
  // note, or a refund, dispute or void turned into a credit-like document.
  struct Reduction {
    int64_t at = 0;
    Invoice credit;  // a credit note, real or made from the event
    std::string field;
    RevenueScheduleLineKind kind =
        RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT;
    Cause cause;
    std::string what;  // "refund re_1 of payment py_1"
  };
  std::vector<Reduction> reductions_;
  // What credits and reductions took back so far (minor units).
  Nanos taken_back_ = 0;
  // The kind and cause of the contra lines being written, and the cause of
  // the recognition pieces being installed.
  RevenueScheduleLineKind contra_kind_ =
      RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT;
  Cause contra_cause_;
  Cause current_cause_;
  // The cancellation's cause (the cancelled version), for what it
  // recognises at cancelled_at.
  Cause cancel_cause_;

  // schedule_billed.cc
  absl::Status RecogniseBilledPeriods(
      const std::vector<const Contract*>& ordered,
      const RecognitionEvents& events);
  absl::Status BookBilledObligations(
      const std::vector<const Contract*>& ordered);
  absl::Status RecordBilledVersion(const Contract& before,
                                   const Contract& after);
  absl::Status BillInvoice(const Invoice& invoice, int index);
  absl::Status CreditBilledPeriods(const Invoice& credit,
                                   const std::string& field);
  absl::StatusOr<int> BilledTarget(const canonical::v1::InvoiceLine& line,
                                   const std::string& field);
  absl::StatusOr<Earning> HowBilled(const canonical::v1::InvoiceLine& line,
                                    const Obligation& ob, int64_t issued_ms,
                                    const std::string& field) const;
  absl::StatusOr<Nanos> LineAmount(const canonical::v1::InvoiceLine& line,
                                   const std::string& field) const;

  // schedule_credit.cc
  absl::Status ApplyCredit(const Invoice& credit, const std::string& field);
  absl::StatusOr<std::vector<int>> CreditTargets(const Invoice& credit,
                                                 const std::string& field);
  absl::Status ReduceObligation(ObState& s, Nanos share, int64_t t);

  // schedule_reductions.cc: refunds, disputes lost, voids of cancelled sales
  // and cancellations.
  absl::Status CollectReductions(const Contract& latest,
                                 const RecognitionEvents& events);
  absl::Status ApplyReduction(size_t index);
  bool Reducible(const std::string& line_id);
  absl::Status TerminateAt(const Contract& version, int64_t t);
  // The contract's billing documents, by id (issued, this contract's).
  absl::flat_hash_map<std::string, const Invoice*> documents_;

  const ProductCatalog& products_;
  ScheduleSettings settings_;
  // The payments of the contract's invoices (refunds, disputes).
  const std::vector<canonical::v1::Payment>* payments_ = nullptr;
  std::string currency_;
  int exponent_ = 2;
  Nanos step_ = 10'000'000;
  Triggers trig_;
  // The contract is (or was, at some version) open-ended: recognised by the
  // periods billed.
  bool billed_ = false;
  // An open-ended contract's cancellation: recognition stops there.
  int64_t cancelled_at_ = kNever;
  std::vector<ObState> states_;
  RevenueSchedule schedule_;
};

}  // namespace revhub::revenue::schedule_internal

#endif  // REVHUB_CANONICAL_REVENUE_SCHEDULE_BUILDER_H_
