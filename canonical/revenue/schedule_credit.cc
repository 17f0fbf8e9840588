// Builder::ApplyCredit: a credit note (not void) reduces the transaction
// price at its issue date. Its amount before tax is split over the
// obligations it names (else all) by allocation, and each share reduces the
// revenue recognised (a CREDIT line at the date) and the revenue still to
// come, pro rata to the recognised and unrecognised parts of the allocation.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/schedule_builder.h"
#include "canonical/status_macros.h"

namespace revhub::revenue::schedule_internal {
namespace {

using canonical::v1::RevenueRule;

// Returns `pieces` with cuts[i] taken off what piece i recognises at or
// after t (after[i]); a span is split at t into the part before, unchanged,
// and the rest, reduced.
std::vector<Piece> CutPieces(const std::vector<Piece>& pieces,
                             const std::vector<Nanos>& after,
                             const std::vector<Nanos>& cuts, int64_t t) {
  std::vector<Piece> next;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const Piece& p = pieces[i];
    if (after[i] == 0) {
      next.push_back(p);
      continue;
    }
    if (p.is_span) {
      Piece head = p;
      head.until = std::min(p.until, t);
      if (head.until > std::max(head.from, head.span.start_ms))
        next.push_back(head);
      Piece tail;
      tail.is_span = true;
      tail.kind = p.kind;
      tail.cause = p.cause;
      tail.span = Span{std::max({t, p.from, p.span.start_ms}),
                       std::min(p.until, p.span.end_ms), p.span.convention};
      tail.amount = after[i] - cuts[i];
      if (tail.amount != 0) next.push_back(tail);
    } else {
      Piece q = p;
      q.amount -= cuts[i];
      if (q.amount != 0) next.push_back(q);
    }
  }
  return next;
}

}  // namespace

absl::Status Builder::ApplyCredit(const Invoice& credit,
                                  const std::string& field) {
  const int64_t t = ToMs(credit.issued_at());
  ASSIGN_OR_RETURN(const DocumentAmounts doc,
                   ReadDocumentAmounts(credit, currency_, field));
  Nanos amount = doc.net;
  amount = ToMinor(amount);
  if (amount == 0) return absl::OkStatus();
  // What was billed beyond the transaction price (a line ended or removed
  // after it was paid for) is given back first: that part of the credit
  // reverses no revenue.
  {
    Nanos billed = 0;
    for (const auto& [id, doc_ptr] : documents_) {
      const Invoice& d = *doc_ptr;
      if (d.kind() != canonical::v1::INVOICE_KIND_INVOICE) continue;
      if (ToMs(d.issued_at()) > t) continue;
      // A void counts until it takes effect (a cancelled sale's own
      // reduction sees it billed).
      if (d.status() == canonical::v1::INVOICE_STATUS_VOID &&
          (!VoidedSaleCancelled(d) || VoidedAt(d) < t)) {
        continue;
      }
      auto a = ReadDocumentAmounts(d, currency_, "invoice");
      if (a.ok()) billed += ToMinor(a->net);
    }
    Nanos price = 0;
    for (const ObState& st : states_) price += st.allocated;
    const Nanos excess = billed - taken_back_ - price;
    const Nanos absorbed = std::clamp<Nanos>(excess, 0, amount);
    taken_back_ += amount;
    amount -= absorbed;
    if (amount == 0) {
      Record(nullptr, &credit, t, canonical::v1::MODIFICATION_TREATMENT_NONE,
             absl::StrCat(credit.id(), " gives back ",
                          FormatMoney(MinorToMoney(absorbed)),
                          " billed beyond the transaction price; no revenue "
                          "is reversed"));
      return absl::OkStatus();
    }
  }
  ASSIGN_OR_RETURN(const std::vector<int> targets,
                   CreditTargets(credit, field));
  std::vector<Nanos> weights;
  Nanos available = 0;
  for (int i : targets) {
    weights.push_back(std::max<Nanos>(states_[i].allocated, 0));
    available += weights.back();
  }
  // A refund, dispute or void cannot take back more revenue than the lines
  // it concerns were allocated: what is beyond gave back money billed
  // beyond the price. A credit note beyond them is refused (below).
  if (contra_kind_ !=
          RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT &&
      !targets.empty() && amount > available) {
    amount = available;
    if (amount == 0) return absl::OkStatus();
  }
  if (targets.empty() || amount > available) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        contra_kind_ ==
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT
            ? ".subtotal: the credit exceeds the revenue allocated to its lines"
            : ".amount: takes back more than the revenue allocated to the "
              "lines it paid"));
  }
  ASSIGN_OR_RETURN(std::vector<Nanos> shares,
                   SplitNanos(currency_, amount * step_, weights));
  for (size_t k = 0; k < targets.size(); ++k) {
    const Nanos share = ToMinor(shares[k]);
    if (share == 0) continue;
    RETURN_IF_ERROR(ReduceObligation(states_[targets[k]], share, t));
  }
  Record(nullptr, &credit, t,
         canonical::v1::MODIFICATION_TREATMENT_CUMULATIVE_CATCH_UP,
         absl::StrCat(
             credit.attributes().contains("revhub.reduction")
                 ? credit.attributes().at("revhub.reduction")
                 : absl::StrCat("credit note ", credit.id()),
             " reduces the transaction price by ",
             FormatMoney(MinorToMoney(amount)),
             ": first what was left to deliver at a cancellation, then pro "
             "rata between revenue recognised and revenue still to come"));
  return absl::OkStatus();
}

// Returns the indexes in states_ of the obligations the credit names by
// contract_line_id, else of every active non-usage obligation with an
// allocation.
absl::StatusOr<std::vector<int>> Builder::CreditTargets(
    const Invoice& credit, const std::string& field) {
  std::vector<int> targets;
  for (const auto& line : credit.lines()) {
    if (line.contract_line_id().empty()) continue;
    ObState* s = Find(line.contract_line_id());
    if (s == nullptr || s->ob.rule == RevenueRule::REVENUE_RULE_USAGE) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".lines.contract_line_id: \"", line.contract_line_id(),
          "\" is not an active non-usage line of the contract"));
    }
    const int idx = static_cast<int>(s - states_.data());
    if (std::find(targets.begin(), targets.end(), idx) == targets.end()) {
      targets.push_back(idx);
    }
  }
  if (targets.empty()) {
    for (size_t i = 0; i < states_.size(); ++i) {
      if (states_[i].active && states_[i].allocated > 0 &&
          states_[i].ob.rule != RevenueRule::REVENUE_RULE_USAGE) {
        targets.push_back(static_cast<int>(i));
      }
    }
  }
  return targets;
}

// Takes `share` off obligation `s` at t: off what it recognised (a CREDIT
// line at t) and off what is still to come, pro rata to its allocation.
absl::Status Builder::ReduceObligation(ObState& s, Nanos share, int64_t t) {
  // After a cancellation, a credit or refund takes back first what the
  // obligation had left to deliver then (recognised at the cancellation):
  // that is what the customer is given back for.
  Nanos taken_at_t = 0;  // recognised revenue taken back at t just now
  if (s.terminated_at != kNever && t >= s.terminated_at) {
    for (Piece& p : s.pieces) {
      if (share == 0) break;
      if (p.is_span || p.amount <= 0 ||
          p.cause.kind != canonical::v1::REVENUE_CAUSE_KIND_CANCELLATION) {
        continue;
      }
      const Nanos take = std::min(share, p.amount);
      if (p.at >= t) {
        p.amount -= take;  // not yet recognised: it simply shrinks
      } else {
        s.pieces.push_back(Point(t, -take, contra_kind_, contra_cause_));
        taken_at_t += take;
      }
      share -= take;
      s.allocated -= take;
    }
    if (share == 0) return absl::OkStatus();
  }
  const Nanos recognised = RecognisedBefore(s, t) - taken_at_t;
  Nanos on_recognised = s.allocated != 0
                            ? CumulativeShare(share, recognised, s.allocated)
                            : share;
  // Never more than the share, never less than nothing (revenue recognised
  // beyond the allocation, or below zero, is not the credit's to take).
  on_recognised = std::clamp<Nanos>(on_recognised, 0, share);
  Nanos on_future = share - on_recognised;
  // What each piece still has to recognise after t, and the pending part.
  std::vector<Nanos> after;
  for (const Piece& p : s.pieces)
    after.push_back(std::max<Nanos>(PieceTotal(p) - PieceBefore(p, t), 0));
  after.push_back(std::max<Nanos>(s.pending, 0));
  Nanos after_sum = 0;
  for (Nanos a : after) after_sum += a;
  std::vector<Nanos> cuts(after.size(), 0);
  if (after_sum < on_future) {
    on_recognised += on_future - after_sum;
    on_future = after_sum;
  }
  if (on_future > 0) {
    ASSIGN_OR_RETURN(cuts, SplitNanos(currency_, on_future * step_, after));
    for (Nanos& c : cuts) c = ToMinor(c);
  }
  s.pieces = CutPieces(s.pieces, after, cuts, t);
  s.pending -= cuts.back();
  if (s.pending == 0) s.pending_reason.clear();
  if (on_recognised != 0) {
    s.pieces.push_back(Point(t, -on_recognised, contra_kind_, contra_cause_));
  }
  s.allocated -= share;
  return absl::OkStatus();
}

}  // namespace revhub::revenue::schedule_internal
