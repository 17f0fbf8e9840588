// Builder: what takes revenue back besides a credit note, and where a
// cancellation stops a fixed-term contract.
//
//   a refund no credit note covers   REFUND contra revenue   (billing.h)
//   a dispute lost                   DISPUTE contra revenue
//   a void of a cancelled sale       VOID contra revenue
//
// Each is made into a credit-like document (its net amount, at its date,
// naming the contract lines it concerns) and applied exactly as a credit note
// is (schedule_credit.cc; schedule_billed.cc for open-ended contracts), with
// its own line kind and cause. A cancellation of a fixed-term contract ends
// every obligation at cancelled_at: what was recognised stays, what was left
// to deliver is recognised then as far as it was billed, and a credit or
// refund afterwards takes from that first.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/schedule_builder.h"
#include "canonical/status_macros.h"

namespace revhub::revenue::schedule_internal {

using canonical::v1::InvoiceKind;
using canonical::v1::RevenueRule;

// True when revenue can be taken back from the line: an active line with an
// allocation (not usage, which earns what it reports). Lines that are not
// (removed since, or usage) are left to the others; with none left the
// reduction falls on every line, as an unnamed credit does.
bool Builder::Reducible(const std::string& line_id) {
  if (line_id.empty()) return false;
  const ObState* s = Find(line_id);
  return s != nullptr && s->ob.rule != RevenueRule::REVENUE_RULE_USAGE;
}

absl::Status Builder::CollectReductions(const Contract& latest,
                                        const RecognitionEvents& events) {
  for (const Invoice& inv : events.invoices) {
    if (!inv.contract_id().empty() && inv.contract_id() != latest.id())
      continue;
    if (Issued(inv) && inv.has_issued_at()) documents_[inv.id()] = &inv;
  }
  const auto money = [&](Nanos nanos) { return MinorToMoney(ToMinor(nanos)); };
  // Voids of cancelled sales: the whole invoice back at its void time.
  for (size_t i = 0; i < events.invoices.size(); ++i) {
    const Invoice& inv = events.invoices[i];
    if (!documents_.contains(inv.id()) || !VoidedSaleCancelled(inv)) continue;
    const std::string field = absl::StrCat("invoices[", i, "]");
    ASSIGN_OR_RETURN(const DocumentAmounts doc,
                     ReadDocumentAmounts(inv, currency_, field));
    if (doc.net == 0) continue;
    Reduction r;
    r.at = VoidedAt(inv);
    r.field = field;
    r.kind = RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_VOID;
    r.cause = {canonical::v1::REVENUE_CAUSE_KIND_VOID, inv.id(), 0};
    r.what = absl::StrCat("void of invoice ", inv.id(), " (sale cancelled)");
    Invoice& c = r.credit;
    c.set_id(inv.id());
    c.set_kind(InvoiceKind::INVOICE_KIND_CREDIT_NOTE);
    c.set_currency_code(currency_);
    *c.mutable_issued_at() = FromMs(r.at);
    *c.mutable_total() = money(doc.net);
    *c.mutable_subtotal() = money(doc.net);
    if (billed_) {
      // Back from the periods it billed, line by line.
      for (const auto& line : inv.lines()) {
        auto* l = c.add_lines();
        *l = line;
        l->clear_tax_amount();
      }
    } else {
      for (const auto& line : inv.lines()) {
        if (line.contract_line_id().empty()) continue;
        c.add_lines()->set_contract_line_id(line.contract_line_id());
      }
    }
    (*c.mutable_attributes())["revhub.reduction"] = r.what;
    reductions_.push_back(std::move(r));
  }
  if (payments_ == nullptr || payments_->empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      const std::vector<CashEvent> cash,
      CashEvents(latest.id(), currency_, events.invoices, *payments_));
  for (const CashEvent& e : cash) {
    if (e.net == 0) continue;
    if (e.kind != CashEvent::kRefund && e.kind != CashEvent::kDisputeLost)
      continue;
    const bool refund = e.kind == CashEvent::kRefund;
    const std::string& payment = (*payments_)[e.payment_index].id();
    Reduction r;
    r.at = e.at;
    r.field = e.field;
    r.kind = refund
                 ? RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_REFUND
                 : RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_DISPUTE;
    r.cause = {refund ? canonical::v1::REVENUE_CAUSE_KIND_REFUND
                      : canonical::v1::REVENUE_CAUSE_KIND_DISPUTE,
               e.id, 0};
    r.what = refund
                 ? absl::StrCat("refund ", e.id, " of payment ", payment)
                 : absl::StrCat("dispute ", e.id, " lost on payment ", payment);
    Invoice& c = r.credit;
    c.set_id(e.id);
    c.set_kind(InvoiceKind::INVOICE_KIND_CREDIT_NOTE);
    c.set_currency_code(currency_);
    *c.mutable_issued_at() = FromMs(e.at);
    *c.mutable_total() = money(e.net);
    *c.mutable_subtotal() = money(e.net);
    for (const std::string& line : e.contract_line_ids)
      c.add_lines()->set_contract_line_id(line);
    (*c.mutable_attributes())["revhub.reduction"] = r.what;
    reductions_.push_back(std::move(r));
  }
  return absl::OkStatus();
}

absl::Status Builder::ApplyReduction(size_t index) {
  const Reduction& r = reductions_[index];
  contra_kind_ = r.kind;
  contra_cause_ = r.cause;
  // The lines it concerns as they stand now (an amendment since may have
  // removed one); lines with amounts (a void's mirrored periods) stay.
  Invoice credit = r.credit;
  credit.clear_lines();
  for (const auto& line : r.credit.lines()) {
    if (line.has_amount() || Reducible(line.contract_line_id()))
      *credit.add_lines() = line;
  }
  absl::Status status = billed_ ? CreditBilledPeriods(credit, r.field)
                                : ApplyCredit(credit, r.field);
  contra_kind_ = RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT;
  contra_cause_ = {};
  return status;
}

// Ends every obligation at t. What each recognised before t stays; of what
// it had left, the part the customer was billed for (the contract's net
// billings beyond what was recognised before t, shared by what each had
// left) is recognised at t; the rest of the price is no longer expected.
absl::Status Builder::TerminateAt(const Contract& version, int64_t t) {
  cancel_cause_ = {canonical::v1::REVENUE_CAUSE_KIND_CANCELLATION, "",
                   version.version()};
  Nanos billed = 0;
  for (const auto& [id, doc] : documents_) {
    if (doc->kind() != InvoiceKind::INVOICE_KIND_INVOICE) continue;
    if (doc->status() == canonical::v1::INVOICE_STATUS_VOID) continue;
    ASSIGN_OR_RETURN(const DocumentAmounts a,
                     ReadDocumentAmounts(*doc, currency_, "invoice"));
    billed += ToMinor(a.net);
  }
  Nanos recognised = 0;
  std::vector<Nanos> left(states_.size(), 0);
  Nanos left_sum = 0;
  for (size_t i = 0; i < states_.size(); ++i) {
    ObState& s = states_[i];
    if (!s.active || s.ob.rule == RevenueRule::REVENUE_RULE_USAGE) {
      if (s.active) recognised += RecognisedBefore(s, t);
      continue;
    }
    const Nanos before = RecognisedBefore(s, t);
    recognised += before;
    left[i] = std::max<Nanos>(s.allocated - before, 0);
    left_sum += left[i];
  }
  const Nanos keep = std::clamp<Nanos>(billed - recognised, 0, left_sum);
  std::vector<Nanos> parts(states_.size(), 0);
  if (keep > 0) {
    ASSIGN_OR_RETURN(std::vector<Nanos> split,
                     SplitNanos(currency_, keep * step_, left));
    for (size_t i = 0; i < split.size(); ++i) parts[i] = ToMinor(split[i]);
  }
  for (size_t i = 0; i < states_.size(); ++i) {
    ObState& s = states_[i];
    if (!s.active || s.ob.rule == RevenueRule::REVENUE_RULE_USAGE) continue;
    const Nanos before = RecognisedBefore(s, t);
    CutAt(&s, t);
    s.pending = 0;
    s.pending_reason.clear();
    s.terminated_at = t;
    if (parts[i] != 0) {
      s.pieces.push_back(
          Point(t, parts[i],
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_RECOGNITION,
                cancel_cause_));
    }
    s.allocated = before + parts[i];
  }
  current_cause_ = cancel_cause_;
  Record(&version, nullptr, t,
         canonical::v1::MODIFICATION_TREATMENT_PROSPECTIVE,
         absl::StrCat("cancelled: recognition stops at ", FormatInstant(t),
                      "; of what was left to deliver, the ",
                      FormatMoney(MinorToMoney(keep)),
                      " billed beyond the revenue recognised is recognised "
                      "then (a later credit note or refund takes it back "
                      "first), the rest is no longer expected"));
  return absl::OkStatus();
}

}  // namespace revhub::revenue::schedule_internal
