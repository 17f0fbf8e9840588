// Pieces and plans of a revenue schedule (schedule_builder.h): how an
// obligation earns an amount, and how much of it is still to deliver.
#include <algorithm>

#include "canonical/revenue/schedule_builder.h"

namespace revhub::revenue::schedule_internal {

using canonical::v1::RevenueRule;

Nanos Pow10(int n) {
  Nanos p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// Returns the part of the piece recognised before t.
Nanos PieceBefore(const Piece& p, int64_t t) {
  if (!p.is_span) return p.at < t ? p.amount : 0;
  const int64_t lo = std::max(p.from, p.span.start_ms);
  const int64_t hi = std::min(p.until, t);
  if (hi <= lo) return 0;
  return AmountBefore(p.span, p.amount, hi) -
         AmountBefore(p.span, p.amount, lo);
}

Nanos PieceTotal(const Piece& p) { return PieceBefore(p, kNever); }

Piece Point(int64_t at, Nanos amount, RevenueScheduleLineKind kind,
            Cause cause) {
  Piece p;
  p.at = at;
  p.amount = amount;
  p.kind = kind;
  p.cause = std::move(cause);
  return p;
}

namespace {

constexpr auto kRecognition =
    RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_RECOGNITION;

// The share (of kWholeShare) of the line's quantity an activation delivers:
// all of what is left for a whole activation.
Nanos ActivatedShare(const Obligation& ob, const Activation& a) {
  if (a.quantity == 0 || ob.quantity <= 0) return kWholeShare;
  return a.quantity * kWholeShare / ob.quantity;
}

}  // namespace

Nanos RecognisedBefore(const ObState& s, int64_t t) {
  Nanos sum = 0;
  for (const Piece& p : s.pieces) sum += PieceBefore(p, t);
  return sum;
}

void CutAt(ObState* s, int64_t t) {
  std::vector<Piece> kept;
  kept.reserve(s->pieces.size());
  for (Piece p : s->pieces) {
    if (p.is_span) {
      p.until = std::min(p.until, t);
      if (p.until <= std::max(p.from, p.span.start_ms)) continue;
    } else if (p.at >= t) {
      continue;
    }
    kept.push_back(p);
  }
  s->pieces = std::move(kept);
}

// Returns the plan by which `ob` earns `amount` (minor units).
Plan PlanRecognition(const Obligation& ob, Nanos amount, const Triggers& trig,
                     PeriodConvention convention) {
  Plan plan;
  if (amount == 0) return plan;
  if (ob.rule == RevenueRule::REVENUE_RULE_MILESTONE) {
    Nanos cumulative_share = 0;
    Nanos earned = 0;
    auto it = trig.milestones.find(ob.line_id);
    if (it != trig.milestones.end()) {
      for (const Milestone& m : it->second) {
        cumulative_share = std::min(cumulative_share + m.share, kWholeShare);
        const Nanos to_date =
            CumulativeShare(amount, cumulative_share, kWholeShare);
        if (to_date != earned) {
          plan.pieces.push_back(
              Point(m.at, to_date - earned, kRecognition,
                    {canonical::v1::REVENUE_CAUSE_KIND_MILESTONE,
                     m.id.empty() ? m.name : m.id, 0}));
        }
        earned = to_date;
      }
    }
    plan.pending = amount - earned;
    if (plan.pending != 0) plan.pending_reason = "awaiting milestone";
    return plan;
  }
  if (ob.one_off) {
    plan.pieces.push_back(Point(ob.delivered_ms, amount));
    return plan;
  }
  const bool point = ob.rule == RevenueRule::REVENUE_RULE_POINT_IN_TIME;
  if (point) {
    auto acts = trig.activations.find(ob.line_id);
    if (acts != trig.activations.end() && !acts->second.empty()) {
      // Each delivery earns its share of the line's quantity; cumulative
      // shares are truncated like periods, so full delivery earns exactly
      // the amount.
      Nanos cumulative_share = 0;
      Nanos earned = 0;
      for (const Activation& a : acts->second) {
        cumulative_share =
            std::min(cumulative_share + ActivatedShare(ob, a), kWholeShare);
        const Nanos to_date =
            CumulativeShare(amount, cumulative_share, kWholeShare);
        if (to_date != earned) {
          plan.pieces.push_back(
              Point(a.at, to_date - earned, kRecognition,
                    {canonical::v1::REVENUE_CAUSE_KIND_DELIVERY, a.id, 0}));
        }
        earned = to_date;
      }
      plan.pending = amount - earned;
      if (plan.pending != 0) plan.pending_reason = "awaiting delivery";
      return plan;
    }
  }
  if (ob.has_period) {
    if (point) {
      plan.pieces.push_back(Point(ob.start_ms, amount));
    } else {
      Piece p;
      p.is_span = true;
      p.span = Span{ob.start_ms, ob.end_ms, convention};
      p.amount = amount;
      plan.pieces.push_back(p);
    }
    return plan;
  }
  auto inv = trig.invoiced_at.find(ob.line_id);
  if (inv != trig.invoiced_at.end()) {
    auto by = trig.invoiced_by.find(ob.line_id);
    plan.pieces.push_back(
        Point(inv->second, amount, kRecognition,
              {canonical::v1::REVENUE_CAUSE_KIND_INVOICE,
               by == trig.invoiced_by.end() ? "" : by->second, 0}));
  } else {
    plan.pending = amount;
    plan.pending_reason = "awaiting invoice";
  }
  return plan;
}

// The share of `ob` still to deliver at t, as num / den.
std::pair<Nanos, Nanos> RemainingShare(const Obligation& ob,
                                       const Triggers& trig,
                                       PeriodConvention convention, int64_t t) {
  if (ob.rule == RevenueRule::REVENUE_RULE_MILESTONE) {
    Nanos done = 0;
    auto it = trig.milestones.find(ob.line_id);
    if (it != trig.milestones.end()) {
      for (const Milestone& m : it->second) {
        if (m.at < t) done = std::min(done + m.share, kWholeShare);
      }
    }
    return {kWholeShare - done, kWholeShare};
  }
  if (ob.one_off) return {ob.delivered_ms < t ? 0 : 1, 1};
  if (ob.rule == RevenueRule::REVENUE_RULE_RATABLE && ob.has_period) {
    const Span span{ob.start_ms, ob.end_ms, convention};
    const Weight whole = TotalWeight(span);
    if (whole == 0) return {ob.start_ms >= t ? 1 : 0, 1};
    return {whole - WeightBefore(span, t), whole};
  }
  int64_t trigger = kNever;
  if (ob.rule == RevenueRule::REVENUE_RULE_POINT_IN_TIME) {
    auto acts = trig.activations.find(ob.line_id);
    if (acts != trig.activations.end() && !acts->second.empty()) {
      Nanos done = 0;
      for (const Activation& a : acts->second) {
        if (a.at < t)
          done = std::min(done + ActivatedShare(ob, a), kWholeShare);
      }
      return {kWholeShare - done, kWholeShare};
    }
    if (ob.has_period) {
      trigger = ob.start_ms;
    }
  }
  if (trigger == kNever) {
    auto inv = trig.invoiced_at.find(ob.line_id);
    if (inv != trig.invoiced_at.end()) trigger = inv->second;
  }
  return {trigger < t ? 0 : 1, 1};
}

bool SameDiscounts(const Contract& a, const Contract& b) {
  if (a.discounts_size() != b.discounts_size()) return false;
  for (int i = 0; i < a.discounts_size(); ++i) {
    if (a.discounts(i).SerializeAsString() !=
        b.discounts(i).SerializeAsString()) {
      return false;
    }
  }
  return true;
}

}  // namespace revhub::revenue::schedule_internal
