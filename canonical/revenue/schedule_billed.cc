// Open-ended contracts (canonical/validation.h IsOpenEnded): recognition by
// the periods billed (schedule.h). An evergreen subscription has no total
// price to allocate up front; each invoice is the consideration for what it
// bills, so each billed invoice line is an obligation period of its contract
// line, recognised over its service period (or at its delivery), and a
// credit note takes back from the periods it credits.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/schedule_builder.h"
#include "canonical/status_macros.h"

namespace revhub::revenue::schedule_internal {

using canonical::v1::ContractStatus;
using canonical::v1::InvoiceKind;
using canonical::v1::InvoiceLine;
using canonical::v1::InvoiceStatus;

std::vector<Piece> EarnBilled(const Earning& earning, Nanos amount,
                              int64_t cancelled, int64_t not_before) {
  std::vector<Piece> out;
  if (amount == 0) return out;
  if (!earning.is_span) {
    if (earning.at < not_before) {
      out.push_back(
          Point(not_before, amount,
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT));
    } else {
      out.push_back(Point(earning.at, amount));
    }
    return out;
  }
  const Span& span = earning.span;
  // What the span has left at the cancellation is earned there.
  const Nanos tail = amount - AmountBefore(span, amount, cancelled);
  if (not_before != kDawn) {
    Nanos early = AmountBefore(span, amount, std::min(not_before, cancelled));
    if (not_before > cancelled) early += tail;
    if (early != 0) {
      out.push_back(
          Point(not_before, early,
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT));
    }
  }
  Piece p;
  p.is_span = true;
  p.span = span;
  p.amount = amount;
  p.from = not_before;
  p.until = cancelled;
  if (p.until > std::max(p.from, span.start_ms)) out.push_back(p);
  if (tail != 0 && cancelled >= not_before)
    out.push_back(Point(cancelled, tail));
  return out;
}

absl::Status Builder::RecogniseBilledPeriods(
    const std::vector<const Contract*>& ordered,
    const RecognitionEvents& events) {
  const Contract& latest = *ordered.back();
  const auto refuse = [&](absl::string_view kind, size_t i,
                          const std::string& contract_id) -> absl::Status {
    if (!contract_id.empty() && contract_id != latest.id())
      return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        kind, "[", i,
        "]: an open-ended contract is recognised by the periods its invoices "
        "bill; usage, activations and milestones do not apply"));
  };
  for (size_t i = 0; i < events.usage.size(); ++i)
    RETURN_IF_ERROR(refuse("usage", i, events.usage[i].contract_id()));
  for (size_t i = 0; i < events.activations.size(); ++i)
    RETURN_IF_ERROR(
        refuse("activations", i, events.activations[i].contract_id()));
  for (size_t i = 0; i < events.milestones.size(); ++i)
    RETURN_IF_ERROR(
        refuse("milestones", i, events.milestones[i].contract_id()));
  if (latest.status() == ContractStatus::CONTRACT_STATUS_CANCELLED) {
    cancel_cause_ = {canonical::v1::REVENUE_CAUSE_KIND_CANCELLATION, "",
                     latest.version()};
    if (latest.has_cancelled_at()) {
      cancelled_at_ = ToMs(latest.cancelled_at());
    } else if (latest.has_effective_at()) {
      cancelled_at_ = ToMs(latest.effective_at());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "contract_versions[", latest.version(),
          "].cancelled_at: required for a cancelled open-ended contract "
          "(recognition stops there)"));
    }
  }
  RETURN_IF_ERROR(BookBilledObligations(ordered));
  for (size_t i = 0; i < events.invoices.size(); ++i) {
    const Invoice& inv = events.invoices[i];
    if (!inv.contract_id().empty() && inv.contract_id() != latest.id())
      continue;
    if (inv.kind() != InvoiceKind::INVOICE_KIND_INVOICE) continue;
    if (!Issued(inv) || (inv.status() == InvoiceStatus::INVOICE_STATUS_VOID &&
                         !VoidedSaleCancelled(inv)))
      continue;
    if (!inv.has_issued_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invoices[", i, "].issued_at: required once issued"));
    }
    RETURN_IF_ERROR(BillInvoice(inv, static_cast<int>(i)));
  }
  RETURN_IF_ERROR(ApplyChanges(ordered, events));
  for (ObState& s : states_) {
    if (s.allocated == 0 && s.pieces.empty()) {
      s.pending_reason = "open-ended: recognised as its periods are billed";
    }
  }
  return absl::OkStatus();
}

// Every line of every version is an obligation (a later version's terms
// replace an earlier one's), so an invoice may bill a line a later version
// removed.
absl::Status Builder::BookBilledObligations(
    const std::vector<const Contract*>& ordered) {
  for (const Contract* v : ordered) {
    ASSIGN_OR_RETURN(std::vector<Obligation> obs,
                     IdentifyObligations(*v, products_));
    for (Obligation& ob : obs) {
      ObState* s = Find(ob.line_id);
      if (s != nullptr) {
        s->ob = std::move(ob);
      } else {
        ObState added;
        added.ob = std::move(ob);
        states_.push_back(std::move(added));
      }
    }
  }
  const Contract& first = *ordered.front();
  const int64_t at = first.has_effective_at() ? ToMs(first.effective_at())
                     : first.has_signed_at()  ? ToMs(first.signed_at())
                                              : 0;
  Record(&first, nullptr, at, canonical::v1::MODIFICATION_TREATMENT_NONE,
         "first schedule of the contract; open-ended: each period billed is "
         "recognised over that period");
  return absl::OkStatus();
}

absl::Status Builder::RecordBilledVersion(const Contract& before,
                                          const Contract& after) {
  const int64_t t = ToMs(after.effective_at());
  ASSIGN_OR_RETURN(const std::vector<Obligation> was,
                   IdentifyObligations(before, products_));
  ASSIGN_OR_RETURN(const std::vector<Obligation> now,
                   IdentifyObligations(after, products_));
  bool same = was.size() == now.size() && SameDiscounts(before, after);
  for (size_t j = 0; same && j < now.size(); ++j) {
    same = was[j].line_id == now[j].line_id && SameTerms(was[j], now[j]);
  }
  std::string reason;
  if (after.status() == ContractStatus::CONTRACT_STATUS_CANCELLED) {
    const int64_t stop =
        after.has_cancelled_at() ? ToMs(after.cancelled_at()) : t;
    reason = absl::StrCat(
        "cancelled: recognition stops at ", FormatInstant(stop),
        "; what the periods billed beyond it had still to earn is recognised "
        "then, unless a credit note takes it back");
  } else if (same) {
    reason = "no change to its lines";
  } else {
    reason = absl::StrCat(
        "open-ended contract: the periods billed stay as billed; the new "
        "terms apply to the periods billed from ",
        FormatInstant(t));
  }
  Record(&after, nullptr, t,
         same ? canonical::v1::MODIFICATION_TREATMENT_NONE
              : canonical::v1::MODIFICATION_TREATMENT_PROSPECTIVE,
         std::move(reason));
  return absl::OkStatus();
}

// The invoice's net amount (total less tax) is the consideration for what
// it bills. Proration and negative lines keep their own amount; the rest is
// allocated over the other lines by relative standalone selling price (the
// billed amount where none is given), so without an invoice-level discount
// or given SSPs each line earns exactly its amount.
absl::Status Builder::BillInvoice(const Invoice& inv, int index) {
  const std::string field = absl::StrCat("invoices[", index, "]");
  ASSIGN_OR_RETURN(const DocumentAmounts doc,
                   ReadDocumentAmounts(inv, currency_, field));
  const Nanos net = ToMinor(doc.net);
  if (inv.lines_size() == 0) {
    if (net == 0) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ".lines: required: an open-ended contract is recognised by the "
        "periods its invoice lines bill"));
  }
  struct Billed {
    int state;
    Nanos amount;
    Earning earning;
  };
  std::vector<Billed> billed;
  std::vector<size_t> shared;
  std::vector<Nanos> weights;
  Nanos to_share = net;
  const int64_t issued = ToMs(inv.issued_at());
  for (int j = 0; j < inv.lines_size(); ++j) {
    const InvoiceLine& line = inv.lines(j);
    const std::string lf = absl::StrCat(field, ".lines[", j, "]");
    ASSIGN_OR_RETURN(const int target, BilledTarget(line, lf));
    const Obligation& ob = states_[target].ob;
    ASSIGN_OR_RETURN(const Nanos amount, LineAmount(line, lf));
    ASSIGN_OR_RETURN(const Earning earning, HowBilled(line, ob, issued, lf));
    billed.push_back({target, amount, earning});
    if (line.proration() || amount < 0) {
      to_share -= amount;
      continue;
    }
    Nanos quantity = ob.quantity;
    if (line.has_quantity()) {
      RETURN_IF_ERROR(
          ValidateDecimal(line.quantity(), absl::StrCat(lf, ".quantity")));
      quantity = ToNanos(line.quantity());
    }
    shared.push_back(billed.size() - 1);
    weights.push_back(std::max<Nanos>(
        0, BilledStandaloneSellingPrice(ob, quantity, earning.is_span,
                                        earning.span.start_ms,
                                        earning.span.end_ms, amount * step_)));
  }
  if (shared.empty() && to_share != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ".discount_total: the invoice's net amount differs from its lines' "
        "and only proration lines are left to carry the difference"));
  }
  if (!shared.empty()) {
    ASSIGN_OR_RETURN(std::vector<Nanos> parts,
                     SplitNanos(currency_, to_share * step_, weights));
    for (size_t k = 0; k < shared.size(); ++k) {
      billed[shared[k]].amount = ToMinor(parts[k]);
    }
  }
  const Cause by_invoice{canonical::v1::REVENUE_CAUSE_KIND_INVOICE, inv.id(),
                         0};
  for (const Billed& b : billed) {
    ObState& s = states_[b.state];
    for (Piece p : EarnBilled(b.earning, b.amount, cancelled_at_, kDawn)) {
      p.cause =
          !p.is_span && p.at == cancelled_at_ ? cancel_cause_ : by_invoice;
      s.pieces.push_back(p);
    }
    s.allocated += b.amount;
  }
  return absl::OkStatus();
}

// A credit note whose lines carry amounts takes each line's share of its net
// amount from the contract line it names: from the period the line credits
// (what that period recognised before the credit's date is a CREDIT line at
// the date, the rest lowers what it still had to earn), or, for a line
// without a period, pro rata from the obligation as a whole. A credit note
// without line amounts is split by allocation (ApplyCredit).
absl::Status Builder::CreditBilledPeriods(const Invoice& credit,
                                          const std::string& field) {
  bool line_amounts = false;
  for (const InvoiceLine& line : credit.lines())
    line_amounts = line_amounts || line.has_amount();
  if (!line_amounts) return ApplyCredit(credit, field);
  const int64_t t = ToMs(credit.issued_at());
  ASSIGN_OR_RETURN(const DocumentAmounts doc,
                   ReadDocumentAmounts(credit, currency_, field));
  const Nanos amount = ToMinor(doc.net);
  if (amount == 0) return absl::OkStatus();
  std::vector<Nanos> weights;
  for (int j = 0; j < credit.lines_size(); ++j) {
    const std::string lf = absl::StrCat(field, ".lines[", j, "]");
    ASSIGN_OR_RETURN(const Nanos w, LineAmount(credit.lines(j), lf));
    if (w < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          lf,
          ".amount: must not be negative on a credit note (the kind "
          "gives the direction)"));
    }
    weights.push_back(w);
  }
  ASSIGN_OR_RETURN(const std::vector<Nanos> shares,
                   SplitNanos(currency_, amount * step_, weights));
  for (int j = 0; j < credit.lines_size(); ++j) {
    const Nanos share = ToMinor(shares[j]);
    if (share == 0) continue;
    const InvoiceLine& line = credit.lines(j);
    const std::string lf = absl::StrCat(field, ".lines[", j, "]");
    ASSIGN_OR_RETURN(const int target, BilledTarget(line, lf));
    ObState& s = states_[target];
    if (share > s.allocated) {
      return absl::InvalidArgumentError(absl::StrCat(
          lf, ".amount: credits ", FormatMoney(MinorToMoney(share)),
          ", more than the ", FormatMoney(MinorToMoney(s.allocated)),
          " billed to line \"", s.ob.line_id, "\""));
    }
    if (line.has_service_period() || line.has_delivered_at()) {
      ASSIGN_OR_RETURN(const Earning earning, HowBilled(line, s.ob, t, lf));
      for (Piece p : EarnBilled(earning, -share, cancelled_at_, t)) {
        if (p.kind ==
            RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT) {
          p.kind = contra_kind_;
        }
        p.cause = contra_cause_;
        s.pieces.push_back(p);
      }
      s.allocated -= share;
    } else {
      RETURN_IF_ERROR(ReduceObligation(s, share, t));
    }
  }
  Record(nullptr, &credit, t,
         canonical::v1::MODIFICATION_TREATMENT_CUMULATIVE_CATCH_UP,
         absl::StrCat(credit.attributes().contains("revhub.reduction")
                          ? credit.attributes().at("revhub.reduction")
                          : absl::StrCat("credit note ", credit.id()),
                      " takes ", FormatMoney(MinorToMoney(amount)),
                      " back from the periods it credits: what they "
                      "recognised before its date is a CREDIT line then, the "
                      "rest lowers what they still had to earn"));
  return absl::OkStatus();
}

// Returns the index in states_ of the contract line an invoice line bills:
// the one named by contract_line_id, else the only one selling its product.
absl::StatusOr<int> Builder::BilledTarget(const InvoiceLine& line,
                                          const std::string& field) {
  if (!line.contract_line_id().empty()) {
    ObState* s = Find(line.contract_line_id());
    if (s == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".contract_line_id: \"", line.contract_line_id(),
                       "\" is not a line of the contract"));
    }
    return static_cast<int>(s - states_.data());
  }
  if (line.product_id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ".contract_line_id: required: an open-ended contract's invoice line "
        "names the contract line it bills (or a product only one line "
        "sells)"));
  }
  int found = -1;
  int count = 0;
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i].active && states_[i].ob.product_id == line.product_id()) {
      found = static_cast<int>(i);
      ++count;
    }
  }
  if (count == 1) return found;
  if (count == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".product_id: no line of the contract sells \"",
                     line.product_id(), "\""));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".contract_line_id: required: ", count,
                   " lines of the contract sell \"", line.product_id(), "\""));
}

// A line with a service period is earned over it; a one-off line at its
// delivered_at (the invoice line's, else the contract line's); any other at
// the invoice's issue.
absl::StatusOr<Earning> Builder::HowBilled(const InvoiceLine& line,
                                           const Obligation& ob,
                                           int64_t issued_ms,
                                           const std::string& field) const {
  Earning e;
  if (line.has_service_period()) {
    if (line.has_delivered_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field,
                       ".delivered_at: a one-off line (delivered_at) has no "
                       "service_period; set one or the other"));
    }
    const auto& p = line.service_period();
    if (!p.has_start_time() || !p.has_end_time() ||
        ToMs(p.end_time()) <= ToMs(p.start_time())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          ".service_period: needs a start and an end after it (a one-off "
          "charge has delivered_at instead)"));
    }
    e.is_span = true;
    e.span =
        Span{ToMs(p.start_time()), ToMs(p.end_time()), settings_.convention};
  } else if (line.has_delivered_at()) {
    e.at = ToMs(line.delivered_at());
  } else if (ob.one_off) {
    e.at = ob.delivered_ms;
  } else {
    e.at = issued_ms;
  }
  return e;
}

// Returns the line's amount in minor units.
absl::StatusOr<Nanos> Builder::LineAmount(const InvoiceLine& line,
                                          const std::string& field) const {
  const std::string f = absl::StrCat(field, ".amount");
  if (!line.has_amount()) {
    return absl::InvalidArgumentError(absl::StrCat(
        f,
        ": required: an open-ended contract is recognised by the amounts its "
        "invoice lines bill"));
  }
  RETURN_IF_ERROR(ValidateMoney(line.amount(), f, /*require_minor_unit=*/true));
  if (line.amount().currency_code() != currency_) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ": currency ", line.amount().currency_code(),
                     " differs from the contract's ", currency_));
  }
  return ToMinor(ToNanos(line.amount()));
}

}  // namespace revhub::revenue::schedule_internal
