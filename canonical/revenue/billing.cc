#include "canonical/revenue/billing.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "canonical/revenue/calendar.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {
namespace {

absl::StatusOr<Nanos> Amount(const Money& m, const std::string& currency,
                             absl::string_view field) {
  RETURN_IF_ERROR(ValidateMoney(m, field, /*require_minor_unit=*/true));
  if (m.currency_code() != currency) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": currency ", m.currency_code(),
                     " differs from the contract's ", currency));
  }
  if (IsNegative(m)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must not be negative (the kind gives the direction)"));
  }
  return ToNanos(m);
}

}  // namespace

absl::StatusOr<DocumentAmounts> ReadDocumentAmounts(const Invoice& doc,
                                                    const std::string& currency,
                                                    absl::string_view field) {
  if (doc.currency_code() != currency) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".currency_code: ", doc.currency_code(),
                     " differs from the contract's ", currency));
  }
  DocumentAmounts a;
  if (doc.has_tax_total()) {
    ASSIGN_OR_RETURN(a.tax, Amount(doc.tax_total(), currency,
                                   absl::StrCat(field, ".tax_total")));
  }
  if (doc.has_total()) {
    ASSIGN_OR_RETURN(
        a.total, Amount(doc.total(), currency, absl::StrCat(field, ".total")));
  } else {
    Nanos subtotal = 0;
    Nanos discount = 0;
    if (doc.has_subtotal()) {
      ASSIGN_OR_RETURN(subtotal, Amount(doc.subtotal(), currency,
                                        absl::StrCat(field, ".subtotal")));
    }
    if (doc.has_discount_total()) {
      ASSIGN_OR_RETURN(discount,
                       Amount(doc.discount_total(), currency,
                              absl::StrCat(field, ".discount_total")));
    }
    // One definition, tax_inclusive or not: subtotal and discount_total are
    // net of tax, tax_total is added.
    a.total = subtotal - discount + a.tax;
  }
  a.net = a.total - a.tax;
  if (a.net < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".tax_total: exceeds the document's total"));
  }
  return a;
}

bool Issued(const Invoice& doc) {
  return doc.status() != canonical::v1::INVOICE_STATUS_DRAFT;
}

int64_t VoidedAt(const Invoice& doc) {
  const int64_t issued = ToMs(doc.issued_at());
  if (!doc.has_effective_at()) return issued;
  return std::max(issued, ToMs(doc.effective_at()));
}

bool VoidedSaleCancelled(const Invoice& doc) {
  return doc.kind() == canonical::v1::INVOICE_KIND_INVOICE &&
         doc.status() == canonical::v1::INVOICE_STATUS_VOID &&
         doc.void_reason() == canonical::v1::VOID_REASON_SALE_CANCELLED;
}

bool Settled(const Payment& payment) {
  return payment.status() == canonical::v1::PAYMENT_STATUS_SUCCEEDED ||
         payment.status() == canonical::v1::PAYMENT_STATUS_PARTIALLY_REFUNDED ||
         payment.status() == canonical::v1::PAYMENT_STATUS_REFUNDED;
}

namespace {

Nanos Scale(Nanos amount, Nanos num, Nanos den) {
  if (den == 0) return 0;
  return amount * num / den;
}

bool Counts(const canonical::v1::Refund& r) {
  return r.status() == canonical::v1::REFUND_STATUS_UNSPECIFIED ||
         r.status() == canonical::v1::REFUND_STATUS_SUCCEEDED;
}

}  // namespace

absl::StatusOr<std::vector<CashEvent>> CashEvents(
    const std::string& contract_id, const std::string& currency,
    const std::vector<Invoice>& invoices,
    const std::vector<Payment>& payments) {
  const int exponent = MinorUnitExponent(currency);
  Nanos step = 1;
  for (int i = exponent; i < 9; ++i) step *= 10;
  const auto mine = [&](const Invoice& d) {
    return (d.contract_id().empty() || d.contract_id() == contract_id) &&
           Issued(d) && d.has_issued_at();
  };
  // Credit notes that may cover refunds, with what they have left.
  struct Cover {
    const Invoice* doc;
    Nanos left;
  };
  std::vector<Cover> covers;
  absl::flat_hash_set<std::string> linked_refunds;
  absl::flat_hash_set<std::string> credit_ids;
  for (size_t i = 0; i < invoices.size(); ++i) {
    const Invoice& d = invoices[i];
    if (!mine(d) || d.kind() != canonical::v1::INVOICE_KIND_CREDIT_NOTE ||
        d.status() == canonical::v1::INVOICE_STATUS_VOID) {
      continue;
    }
    credit_ids.insert(d.id());
    for (const std::string& r : d.refund_ids()) linked_refunds.insert(r);
    if (d.refund_ids_size() > 0) continue;
    ASSIGN_OR_RETURN(
        const DocumentAmounts a,
        ReadDocumentAmounts(d, currency, absl::StrCat("invoices[", i, "]")));
    covers.push_back({&d, a.total});
  }
  std::sort(covers.begin(), covers.end(), [](const Cover& a, const Cover& b) {
    return std::make_pair(ToMs(a.doc->issued_at()), a.doc->id()) <
           std::make_pair(ToMs(b.doc->issued_at()), b.doc->id());
  });
  for (const Payment& p : payments) {
    for (const auto& r : p.refunds()) {
      if (!r.credit_note_id().empty() &&
          credit_ids.contains(r.credit_note_id()))
        linked_refunds.insert(r.id());
    }
  }

  std::vector<CashEvent> out;
  // Refunds wait until every payment is read: credit notes cover them in
  // time order, whatever the order of the payments.
  struct PendingRefund {
    CashEvent event;
    bool linked;
    std::vector<std::string> paid;
    std::function<void(CashEvent&, Nanos)> revenue_part;
  };
  std::vector<PendingRefund> pending;
  // A refund or dispute id names one refund or dispute: the same id on two
  // payments (a payment stored twice) would count it twice.
  std::map<std::string, std::string> owner;
  for (size_t pi = 0; pi < payments.size(); ++pi) {
    const Payment& p = payments[pi];
    const auto claim = [&](const std::string& id,
                           const std::string& field) -> absl::Status {
      if (id.empty()) return absl::OkStatus();
      auto [it, inserted] = owner.try_emplace(id, p.id());
      if (!inserted && it->second != p.id()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".id: \"", id,
                         "\" is already a refund or "
                         "dispute of payment ",
                         it->second));
      }
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".id: \"", id, "\" is given twice"));
      }
      return absl::OkStatus();
    };
    if (!Settled(p)) continue;
    for (int k = 0; k < p.refunds_size(); ++k) {
      RETURN_IF_ERROR(
          claim(p.refunds(k).id(),
                absl::StrCat("payments[", pi, "].refunds[", k, "]")));
    }
    for (int k = 0; k < p.disputes_size(); ++k) {
      RETURN_IF_ERROR(
          claim(p.disputes(k).id(),
                absl::StrCat("payments[", pi, "].disputes[", k, "]")));
    }
  }
  for (size_t pi = 0; pi < payments.size(); ++pi) {
    const Payment& p = payments[pi];
    if (!Settled(p)) continue;
    const std::string field = absl::StrCat("payments[", pi, "]");
    if (p.amount().currency_code() != currency || IsNegative(p.amount()) ||
        IsZero(p.amount())) {
      continue;  // the journal refuses it with the field
    }
    const Nanos amount = ToNanos(p.amount());
    // The contract's invoices it paid, and how much of it they took.
    std::vector<const Invoice*> paid;
    Nanos applied = 0;
    if (p.allocations_size() == 0) {
      applied = amount;
      for (const Invoice& d : invoices) {
        if (mine(d) && d.kind() == canonical::v1::INVOICE_KIND_INVOICE)
          paid.push_back(&d);
      }
    } else {
      for (const auto& a : p.allocations()) {
        for (const Invoice& d : invoices) {
          if (d.id() == a.invoice_id() && mine(d) &&
              d.kind() == canonical::v1::INVOICE_KIND_INVOICE) {
            paid.push_back(&d);
            applied += ToNanos(a.amount());
            break;
          }
        }
      }
    }
    if (applied == 0) continue;
    // How the paid invoices split into consideration and tax; their lines.
    Nanos sum_total = 0;
    Nanos sum_net = 0;
    std::vector<std::string> lines;
    for (const Invoice* d : paid) {
      auto a = ReadDocumentAmounts(*d, currency, "invoice");
      if (!a.ok()) continue;  // the journal refuses it with the field
      sum_total += a->total;
      sum_net += a->net;
      for (const auto& l : d->lines()) {
        if (!l.contract_line_id().empty() &&
            std::find(lines.begin(), lines.end(), l.contract_line_id()) ==
                lines.end()) {
          lines.push_back(l.contract_line_id());
        }
      }
    }
    std::sort(lines.begin(), lines.end());
    const auto revenue_part = [step, sum_total, sum_net, lines](CashEvent& e,
                                                                Nanos gross) {
      e.revenue_gross = gross;
      e.net = sum_total == 0 ? gross
                             : Scale(gross, sum_net, sum_total) / step * step;
      e.tax = gross - e.net;
      e.contract_line_ids = lines;
    };
    const int64_t received = p.has_received_at() ? ToMs(p.received_at()) : 0;

    // Refunds: one by one, or the refunded amount as one.
    struct One {
      std::string id;
      Nanos amount;
      int64_t at;
      std::string field;
      bool linked;
    };
    std::vector<One> refunds;
    if (p.refunds_size() > 0) {
      for (int k = 0; k < p.refunds_size(); ++k) {
        const auto& r = p.refunds(k);
        const std::string rf = absl::StrCat(field, ".refunds[", k, "]");
        if (!Counts(r)) continue;
        if (r.id().empty()) {
          return absl::InvalidArgumentError(absl::StrCat(rf, ".id: required"));
        }
        RETURN_IF_ERROR(
            ValidateMoney(r.amount(), absl::StrCat(rf, ".amount"), true));
        if (r.amount().currency_code() != currency || IsNegative(r.amount())) {
          return absl::InvalidArgumentError(absl::StrCat(
              rf, ".amount: must be a positive amount in ", currency));
        }
        if (!r.has_refunded_at()) {
          return absl::InvalidArgumentError(
              absl::StrCat(rf, ".refunded_at: required"));
        }
        refunds.push_back({r.id(), ToNanos(r.amount()),
                           std::max(received, ToMs(r.refunded_at())), rf,
                           linked_refunds.contains(r.id())});
      }
    } else if (p.has_refunded_amount() && !IsZero(p.refunded_amount())) {
      RETURN_IF_ERROR(ValidateMoney(
          p.refunded_amount(), absl::StrCat(field, ".refunded_amount"), true));
      const int64_t at = p.has_effective_at()
                             ? std::max(received, ToMs(p.effective_at()))
                             : received;
      refunds.push_back({p.id(), ToNanos(p.refunded_amount()), at,
                         absl::StrCat(field, ".refunded_amount"),
                         linked_refunds.contains(p.id())});
    }
    std::sort(refunds.begin(), refunds.end(), [](const One& a, const One& b) {
      return std::tie(a.at, a.id) < std::tie(b.at, b.id);
    });
    std::vector<std::string> paid_ids;
    for (const Invoice* d : paid) paid_ids.push_back(d->id());
    Nanos refunded_so_far = 0;
    for (const One& r : refunds) {
      // What of it belongs to this contract, never more than was applied.
      Nanos cash =
          amount == applied ? r.amount : Scale(r.amount, applied, amount);
      cash = std::min(cash, applied - refunded_so_far);
      if (cash <= 0) continue;
      refunded_so_far += cash;
      CashEvent e;
      e.kind = CashEvent::kRefund;
      e.id = r.id;
      e.payment_index = pi;
      e.field = r.field;
      e.at = r.at;
      e.cash = cash;
      pending.push_back({std::move(e), r.linked, paid_ids, revenue_part});
    }

    for (int k = 0; k < p.disputes_size(); ++k) {
      const auto& d = p.disputes(k);
      const std::string df = absl::StrCat(field, ".disputes[", k, "]");
      if (d.id().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(df, ".id: required"));
      }
      RETURN_IF_ERROR(
          ValidateMoney(d.amount(), absl::StrCat(df, ".amount"), true));
      if (d.amount().currency_code() != currency || IsNegative(d.amount())) {
        return absl::InvalidArgumentError(absl::StrCat(
            df, ".amount: must be a positive amount in ", currency));
      }
      if (!d.has_opened_at()) {
        return absl::InvalidArgumentError(
            absl::StrCat(df, ".opened_at: required"));
      }
      const bool closed = d.status() == canonical::v1::DISPUTE_STATUS_WON ||
                          d.status() == canonical::v1::DISPUTE_STATUS_LOST;
      if (closed && !d.has_closed_at()) {
        return absl::InvalidArgumentError(absl::StrCat(
            df, ".closed_at: required once the dispute is won or lost"));
      }
      Nanos cash = amount == applied
                       ? ToNanos(d.amount())
                       : Scale(ToNanos(d.amount()), applied, amount);
      cash = std::min(cash, applied);
      if (cash <= 0) continue;
      CashEvent opened;
      opened.kind = CashEvent::kDisputeOpened;
      opened.id = d.id();
      opened.payment_index = pi;
      opened.field = df;
      opened.at = std::max(received, ToMs(d.opened_at()));
      opened.cash = cash;
      out.push_back(opened);
      if (!closed) continue;
      CashEvent end = opened;
      end.at = std::max(opened.at, ToMs(d.closed_at()));
      if (d.status() == canonical::v1::DISPUTE_STATUS_WON) {
        end.kind = CashEvent::kDisputeWon;
      } else {
        end.kind = CashEvent::kDisputeLost;
        end.cash = 0;
        revenue_part(end, cash);
      }
      out.push_back(std::move(end));
    }
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const PendingRefund& a, const PendingRefund& b) {
                     return std::tie(a.event.at, a.event.id) <
                            std::tie(b.event.at, b.event.id);
                   });
  for (PendingRefund& r : pending) {
    Nanos uncovered = r.linked ? 0 : r.event.cash;
    for (Cover& c : covers) {
      if (uncovered == 0) break;
      if (c.left == 0) continue;
      bool applies = c.doc->credited_invoice_id().empty();
      for (const std::string& id : r.paid)
        applies = applies || id == c.doc->credited_invoice_id();
      if (!applies) continue;
      const Nanos take = std::min(c.left, uncovered);
      c.left -= take;
      uncovered -= take;
    }
    r.revenue_part(r.event, uncovered);
    out.push_back(std::move(r.event));
  }
  std::stable_sort(
      out.begin(), out.end(), [](const CashEvent& a, const CashEvent& b) {
        return std::tie(a.at, a.kind, a.id) < std::tie(b.at, b.kind, b.id);
      });
  return out;
}

}  // namespace revhub::revenue
