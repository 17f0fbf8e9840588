// Builder::Amend: a later contract version applied as a modification at its
// effective_at, one function per kind modification.h decides:
//
//   NONE                 nothing moves (AmendAsNone is Amend's early return);
//   SEPARATE_CONTRACT    (ASC 606-10-25-12) AmendAsSeparateContract;
//   PROSPECTIVE, CUMULATIVE_CATCH_UP, MIXED
//                        (25-13a/b/c) AmendAsTerminationAndNewContract: the
//                        old contract ends for what remains and a new one
//                        takes the remaining and new consideration; each
//                        obligation is kept, re-measured with a catch-up
//                        (RemeasureWithCatchUp) or re-spread prospectively
//                        (ReallocateProspectively), catch-up first.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/schedule_builder.h"
#include "canonical/status_macros.h"

namespace revhub::revenue::schedule_internal {

using canonical::v1::ContractStatus;
using canonical::v1::RevenueRule;

absl::Status Builder::Amend(const Contract& before, const Contract& after) {
  Amendment a;
  a.after = &after;
  a.t = ToMs(after.effective_at());
  ASSIGN_OR_RETURN(a.obs, IdentifyObligations(after, products_));
  ASSIGN_OR_RETURN(a.alloc, AllocateMinor(after, a.obs));
  const std::vector<ObligationFacts> facts = CollectFacts(a);
  a.decision = ClassifyModification(facts, !SameDiscounts(before, after));
  std::string reason = a.decision.reason;
  if (a.decision.treatment == canonical::v1::MODIFICATION_TREATMENT_NONE &&
      after.status() == ContractStatus::CONTRACT_STATUS_CANCELLED) {
    reason =
        "cancelled with no change to its lines; without a refund or credit "
        "the schedule is left as it is";
  }
  const bool cancelled =
      after.status() == ContractStatus::CONTRACT_STATUS_CANCELLED;
  // A cancellation is recorded where it stops the contract (TerminateAt).
  if (!(cancelled &&
        a.decision.treatment == canonical::v1::MODIFICATION_TREATMENT_NONE)) {
    Record(&after, nullptr, a.t, a.decision.treatment, reason);
  }
  switch (a.decision.treatment) {
    case canonical::v1::MODIFICATION_TREATMENT_NONE:
      return absl::OkStatus();
    case canonical::v1::MODIFICATION_TREATMENT_SEPARATE_CONTRACT:
      return AmendAsSeparateContract(a);
    default:  // PROSPECTIVE, CUMULATIVE_CATCH_UP, MIXED
      return AmendAsTerminationAndNewContract(a);
  }
}

// Returns the classifier's facts: the new version's lines, then the lines it
// removed. Fills a.old_index and a.removed_index.
std::vector<ObligationFacts> Builder::CollectFacts(Amendment& a) {
  std::vector<ObligationFacts> facts;
  for (const Obligation& ob : a.obs) {
    ObligationFacts f;
    f.line_id = ob.line_id;
    ObState* s = Find(ob.line_id);
    a.old_index.push_back(s == nullptr ? -1
                                       : static_cast<int>(s - states_.data()));
    f.usage = ob.rule == RevenueRule::REVENUE_RULE_USAGE;
    f.distinct_periods = ob.distinct_periods;
    if (s == nullptr) {
      f.change = LineChange::kAdded;
      f.priced_at_ssp = ob.ssp_given && ob.net_price == ob.ssp;
    } else {
      f.change =
          SameTerms(s->ob, ob) ? LineChange::kUnchanged : LineChange::kChanged;
      f.remaining =
          RemainingShare(ob, trig_, settings_.convention, a.t).first > 0 ||
          s->pending != 0;
    }
    facts.push_back(f);
  }
  for (size_t i = 0; i < states_.size(); ++i) {
    const ObState& s = states_[i];
    if (!s.active) continue;
    bool present = false;
    for (const Obligation& ob : a.obs)
      present = present || ob.line_id == s.ob.line_id;
    if (!present) {
      ObligationFacts f;
      f.line_id = s.ob.line_id;
      f.change = LineChange::kRemoved;
      f.usage = s.ob.rule == RevenueRule::REVENUE_RULE_USAGE;
      facts.push_back(f);
      a.removed_index.push_back(static_cast<int>(i));
    }
  }
  return facts;
}

// Returns obligation j's state, adding one for a line the version added.
ObState& Builder::StateFor(Amendment& a, size_t j) {
  if (a.old_index[j] < 0) {
    ObState s;
    s.ob = a.obs[j];
    states_.push_back(std::move(s));
    a.old_index[j] = static_cast<int>(states_.size() - 1);
  }
  return states_[a.old_index[j]];
}

// 25-12: each added line earns its own price; nothing else moves.
absl::Status Builder::AmendAsSeparateContract(Amendment& a) {
  for (size_t j = 0; j < a.obs.size(); ++j) {
    if (a.decision.per_line[j] != ObligationTreatment::kSeparate) continue;
    ObState& s = StateFor(a, j);
    s.allocated = ToMinor(a.obs[j].net_price);
    Install(&s, PlanRecognition(s.ob, s.allocated, trig_, settings_.convention),
            kDawn);
  }
  return absl::OkStatus();
}

// 25-13: the new transaction price, less what removed and untouched lines
// keep, goes first to catch-up obligations, then prospectively to the rest;
// what nothing remains to carry is a catch-up (CarryResidual).
absl::Status Builder::AmendAsTerminationAndNewContract(Amendment& a) {
  Nanos pool = 0;  // new transaction price, minor units
  for (size_t j = 0; j < a.obs.size(); ++j) {
    if (a.obs[j].rule != RevenueRule::REVENUE_RULE_USAGE) pool += a.alloc[j];
  }
  pool -= TerminateRemovedLines(a);
  pool -= KeptAmounts(a);
  int first_catch_up = -1;
  pool -= RemeasureWithCatchUp(a, &first_catch_up);
  ASSIGN_OR_RETURN(pool, ReallocateProspectively(a, pool));
  RETURN_IF_ERROR(CarryResidual(a, pool, first_catch_up));
  for (size_t j = 0; j < a.obs.size(); ++j) StateFor(a, j).ob = a.obs[j];
  return absl::OkStatus();
}

// Ends the removed lines at the date; returns what they keep (what they
// recognised before it).
Nanos Builder::TerminateRemovedLines(Amendment& a) {
  Nanos kept = 0;
  for (int idx : a.removed_index) {
    ObState& s = states_[idx];
    if (s.ob.rule == RevenueRule::REVENUE_RULE_USAGE) {
      s.active = false;
      continue;
    }
    CutAt(&s, a.t);
    s.allocated = RecognisedBefore(s, a.t);
    s.pending = 0;
    s.pending_reason.clear();
    s.active = false;
    kept += s.allocated;
  }
  return kept;
}

// Returns what the obligations left alone (nothing left to deliver at the
// date) keep. A line the version changed so that it ends by the date (its
// service period cut short: a termination of that line) stops there: it
// keeps what it recognised before the date and nothing after it.
Nanos Builder::KeptAmounts(Amendment& a) {
  Nanos kept = 0;
  for (size_t j = 0; j < a.obs.size(); ++j) {
    if (a.obs[j].rule == RevenueRule::REVENUE_RULE_USAGE) continue;
    if (a.decision.per_line[j] != ObligationTreatment::kKeep ||
        a.old_index[j] < 0) {
      continue;
    }
    ObState& s = states_[a.old_index[j]];
    if (!SameTerms(s.ob, a.obs[j])) {
      CutAt(&s, a.t);
      s.allocated = RecognisedBefore(s, a.t);
      s.pending = 0;
      s.pending_reason.clear();
      s.ob = a.obs[j];
    }
    kept += s.allocated;
  }
  return kept;
}

// 25-13b: each catch-up obligation is re-allocated its share of the new
// price and re-measured as if it had always had it; the difference to what
// it recognised is a CATCH_UP line at the date. Returns the amounts
// re-allocated; sets *first_catch_up to the first such obligation (or -1).
Nanos Builder::RemeasureWithCatchUp(Amendment& a, int* first_catch_up) {
  Nanos reallocated = 0;
  for (size_t j = 0; j < a.obs.size(); ++j) {
    if (a.decision.per_line[j] != ObligationTreatment::kCatchUp) continue;
    ObState& s = StateFor(a, j);
    if (*first_catch_up < 0) *first_catch_up = static_cast<int>(j);
    const Nanos recognised = RecognisedBefore(s, a.t);
    const Plan plan =
        PlanRecognition(a.obs[j], a.alloc[j], trig_, settings_.convention);
    Nanos remeasured = 0;
    for (const Piece& p : plan.pieces) remeasured += PieceBefore(p, a.t);
    CutAt(&s, a.t);
    s.ob = a.obs[j];
    // What the plan puts before t is replaced by the catch-up line.
    Install(&s, plan, a.t, /*keep_early_points=*/false);
    if (remeasured != recognised) {
      s.pieces.push_back(
          Point(a.t, remeasured - recognised,
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CATCH_UP,
                current_cause_));
    }
    s.allocated = a.alloc[j];
    reallocated += a.alloc[j];
  }
  return reallocated;
}

// 25-13a: the prospective obligations share `pool`, less what they
// recognised before the date, by SSP times the share still to deliver; a
// downgrade keeps its own price. Returns what is left to carry (0 once
// shared).
absl::StatusOr<Nanos> Builder::ReallocateProspectively(Amendment& a,
                                                       Nanos pool) {
  std::vector<size_t> shared;
  std::vector<Nanos> weights;
  for (size_t j = 0; j < a.obs.size(); ++j) {
    if (a.decision.per_line[j] != ObligationTreatment::kProspective) continue;
    const auto [num, den] =
        RemainingShare(a.obs[j], trig_, settings_.convention, a.t);
    if (a.old_index[j] >= 0)
      pool -= RecognisedBefore(states_[a.old_index[j]], a.t);
    if (a.obs[j].downgrade) {
      pool -= KeepDowngradePrice(a, j, num, den);
      continue;
    }
    shared.push_back(j);
    weights.push_back(a.obs[j].ssp * num / den);
  }
  if (shared.empty()) return pool;
  ASSIGN_OR_RETURN(std::vector<Nanos> parts,
                   SplitNanos(currency_, pool * step_, weights));
  for (size_t k = 0; k < shared.size(); ++k) {
    RespreadFrom(a, shared[k], ToMinor(parts[k]), /*drop_zero=*/true);
  }
  return 0;
}

// A downgrade keeps its own price for what remains (num / den of it);
// returns that amount.
Nanos Builder::KeepDowngradePrice(Amendment& a, size_t j, Nanos num,
                                  Nanos den) {
  const Nanos own = ToMinor(a.obs[j].net_price) * num / den;
  RespreadFrom(a, j, own, /*drop_zero=*/false);
  return own;
}

// Replaces obligation j's schedule from the date on by `amount` earned from
// the date: a ratable obligation with a period spreads it over what remains
// of the period (no piece for a zero amount when drop_zero), any other
// follows its plan.
void Builder::RespreadFrom(Amendment& a, size_t j, Nanos amount,
                           bool drop_zero) {
  ObState& s = StateFor(a, j);
  const Nanos recognised = RecognisedBefore(s, a.t);
  CutAt(&s, a.t);
  s.ob = a.obs[j];
  Plan plan;
  if (s.ob.rule == RevenueRule::REVENUE_RULE_RATABLE && s.ob.has_period) {
    if (amount != 0 || !drop_zero) {
      Piece p;
      p.is_span = true;
      p.span =
          Span{std::max(a.t, s.ob.start_ms), s.ob.end_ms, settings_.convention};
      p.amount = amount;
      plan.pieces.push_back(p);
    }
  } else {
    plan = PlanRecognition(s.ob, amount, trig_, settings_.convention);
  }
  Install(&s, plan, a.t);
  s.allocated = recognised + amount;
}

// A change in price that no remaining obligation carries is a catch-up of the
// first catch-up obligation, else of the first non-usage line.
absl::Status Builder::CarryResidual(Amendment& a, Nanos pool,
                                    int first_catch_up) {
  if (pool == 0) return absl::OkStatus();
  int j = first_catch_up;
  for (size_t k = 0; j < 0 && k < a.obs.size(); ++k) {
    if (a.obs[k].rule != RevenueRule::REVENUE_RULE_USAGE)
      j = static_cast<int>(k);
  }
  if (j < 0) {
    // Every line removed: the contract ends at the date. Revenue for what
    // was delivered stays (a refund or credit note takes it back, not the
    // amendment); a higher price with nothing left to deliver is refused.
    if (pool < 0) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("contract_versions[", a.after->version(),
                     "].lines: the amendment raises the price but leaves no "
                     "line to carry it"));
  }
  ObState& s = StateFor(a, static_cast<size_t>(j));
  s.pieces.push_back(Point(
      a.t, pool, RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CATCH_UP,
      current_cause_));
  s.allocated += pool;
  return absl::OkStatus();
}

}  // namespace revhub::revenue::schedule_internal
