#include "canonical/revenue/journal.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/calendar.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {
namespace {

using canonical::v1::AccountRole;
using canonical::v1::JournalLine;
using canonical::v1::RevenueScheduleLineKind;

enum Rank {
  kInvoice = 0,
  kCredit = 1,
  kPayment = 2,
  kRefund = 3,
  kDispute = 4,
  kVoid = 5
};

constexpr int kRoles = 16;  // above the largest AccountRole

struct Event {
  PeriodIndex period;
  int phase;  // 0 billing, 1 recognition
  int64_t at;
  int rank;
  std::string id;
  size_t index;
  std::string moved_from;  // the closed period it would have been posted in
};

class Poster {
 public:
  Poster(const RevenueSchedule& schedule, const AccountMapping& accounts)
      : schedule_(schedule), accounts_(accounts) {}

  JournalEntry* Open(absl::string_view kind, absl::string_view source_id,
                     int64_t at, absl::string_view memo) {
    JournalEntry& e = entries_.emplace_back();
    e.set_id(absl::StrCat("je_", schedule_.contract_id(), "_", kind, "_",
                          source_id));
    e.set_version(1);
    e.set_legal_entity(schedule_.legal_entity());
    e.set_contract_id(schedule_.contract_id());
    e.set_entry_number(
        absl::StrCat(schedule_.contract_id(), "-", entries_.size()));
    *e.mutable_posting_date() = FromMs(at);
    *e.mutable_effective_at() = FromMs(at);
    e.set_period(PeriodName(PeriodOf(at)));
    e.set_memo(std::string(memo));
    e.set_source_kind(std::string(kind));
    e.set_source_id(std::string(source_id));
    return &e;
  }

  // Adds a line: a positive amount is a debit, a negative one a credit.
  absl::Status Line(JournalEntry* e, AccountRole role, Nanos amount,
                    absl::string_view obligation = "") {
    if (amount == 0) return absl::OkStatus();
    const int r = static_cast<int>(role);
    if (!account_known_[r]) {
      auto account = accounts_.AccountFor(schedule_.legal_entity(), role);
      if (!account.ok()) return account.status();
      account_[r] = *std::move(account);
      account_known_[r] = true;
    }
    JournalLine* l = e->add_lines();
    l->set_account_role(role);
    if (!account_[r].empty()) l->set_account(account_[r]);
    const Nanos magnitude = amount > 0 ? amount : -amount;
    Money* side = amount > 0 ? l->mutable_debit() : l->mutable_credit();
    Money* other = amount > 0 ? l->mutable_credit() : l->mutable_debit();
    side->set_currency_code(schedule_.currency_code());
    side->set_units(static_cast<int64_t>(magnitude / kNanosPerUnit));
    side->set_nanos(static_cast<int32_t>(magnitude % kNanosPerUnit));
    other->set_currency_code(schedule_.currency_code());
    if (!obligation.empty()) {
      l->set_performance_obligation_id(std::string(obligation));
    }
    return absl::OkStatus();
  }

  // Moves the contract position (billed - recognised) by delta.
  absl::Status Position(JournalEntry* e, Nanos delta) {
    const Nanos next = position_ + delta;
    const Nanos liability =
        std::max<Nanos>(next, 0) - std::max<Nanos>(position_, 0);
    const Nanos asset =
        std::max<Nanos>(-next, 0) - std::max<Nanos>(-position_, 0);
    position_ = next;
    RETURN_IF_ERROR(
        Line(e, AccountRole::ACCOUNT_ROLE_UNBILLED_RECEIVABLE, asset));
    return Line(e, AccountRole::ACCOUNT_ROLE_DEFERRED_REVENUE, -liability);
  }

  std::vector<JournalEntry> Take() { return std::move(entries_); }

  // Notes on the last entry that it belongs to a closed period.
  void NoteMoved(absl::string_view closed_period) {
    JournalEntry& e = entries_.back();
    e.set_memo(absl::StrCat(e.memo(), " (", closed_period,
                            " is closed: posted in ", e.period(), ")"));
  }

 private:
  const RevenueSchedule& schedule_;
  const AccountMapping& accounts_;
  std::vector<JournalEntry> entries_;
  Nanos position_ = 0;
  // Accounts by role, looked up once.
  std::string account_[kRoles];
  bool account_known_[kRoles] = {};
};

}  // namespace

AccountRole RoleOf(RevenueScheduleLineKind kind) {
  switch (kind) {
    case RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT:
      return AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE;
    case RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_REFUND:
      return AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND;
    case RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_VOID:
      return AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE_VOID;
    case RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_DISPUTE:
      return AccountRole::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE;
    default:
      return AccountRole::ACCOUNT_ROLE_REVENUE;
  }
}

absl::StatusOr<std::vector<JournalEntry>> BuildJournalEntries(
    const RevenueSchedule& schedule, const std::vector<Invoice>& invoices,
    const std::vector<Payment>& payments, const AccountMapping& accounts) {
  return BuildJournalEntries(schedule, invoices, payments, accounts,
                             ClosedBooks{});
}

absl::StatusOr<std::vector<JournalEntry>> BuildJournalEntries(
    const RevenueSchedule& schedule, const std::vector<Invoice>& invoices,
    const std::vector<Payment>& payments, const AccountMapping& accounts,
    const ClosedBooks& books) {
  const std::string& ccy = schedule.currency_code();
  const std::string& contract = schedule.contract_id();
  std::vector<Event> events;
  std::vector<DocumentAmounts> amounts(invoices.size());
  absl::flat_hash_set<std::string> contract_invoices;
  for (size_t i = 0; i < invoices.size(); ++i) {
    const Invoice& doc = invoices[i];
    if (!doc.contract_id().empty() && doc.contract_id() != contract) continue;
    if (!Issued(doc)) continue;
    const std::string field = absl::StrCat("invoices[", i, "]");
    if (!doc.has_issued_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".issued_at: required once issued"));
    }
    ASSIGN_OR_RETURN(amounts[i], ReadDocumentAmounts(doc, ccy, field));
    contract_invoices.insert(doc.id());
    const bool credit = doc.kind() == canonical::v1::INVOICE_KIND_CREDIT_NOTE;
    const int64_t at = ToMs(doc.issued_at());
    events.push_back(
        {PeriodOf(at), 0, at, credit ? kCredit : kInvoice, doc.id(), i});
    if (doc.status() == canonical::v1::INVOICE_STATUS_VOID) {
      const int64_t void_at = VoidedAt(doc);
      events.push_back({PeriodOf(void_at), 0, void_at, kVoid, doc.id(), i});
    }
  }
  std::vector<Nanos> applied(payments.size(), 0);
  for (size_t i = 0; i < payments.size(); ++i) {
    const Payment& p = payments[i];
    if (!Settled(p)) continue;
    const std::string field = absl::StrCat("payments[", i, "]");
    RETURN_IF_ERROR(
        ValidateMoney(p.amount(), absl::StrCat(field, ".amount"), true));
    if (p.amount().currency_code() != ccy || IsNegative(p.amount())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          ".amount: must be a positive amount in the contract's currency ",
          ccy));
    }
    if (!p.has_received_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".received_at: required"));
    }
    Nanos amount = ToNanos(p.amount());
    if (p.allocations_size() > 0) {
      amount = 0;
      for (int k = 0; k < p.allocations_size(); ++k) {
        const auto& a = p.allocations(k);
        if (!contract_invoices.contains(a.invoice_id())) continue;
        RETURN_IF_ERROR(ValidateMoney(
            a.amount(), absl::StrCat(field, ".allocations[", k, "].amount"),
            true));
        amount += ToNanos(a.amount());
      }
    }
    if (amount == 0) continue;
    applied[i] = amount;
    const int64_t at = ToMs(p.received_at());
    events.push_back({PeriodOf(at), 0, at, kPayment, p.id(), i});
  }
  // Refunds and disputes (billing.h): cash back, and what no credit note
  // covers out of revenue.
  ASSIGN_OR_RETURN(const std::vector<CashEvent> cash,
                   CashEvents(contract, ccy, invoices, payments));
  for (size_t i = 0; i < cash.size(); ++i) {
    if (applied[cash[i].payment_index] == 0) continue;
    events.push_back({PeriodOf(cash[i].at), 0, cash[i].at,
                      cash[i].kind == CashEvent::kRefund ? kRefund : kDispute,
                      cash[i].id, i});
  }
  // Closed periods: what would be dated in one is posted at the start of
  // the first open period after it, unless it was posted there already.
  absl::flat_hash_set<PeriodIndex> closed;
  for (size_t i = 0; i < books.closed.size(); ++i) {
    ASSIGN_OR_RETURN(
        PeriodIndex p,
        ParsePeriod(books.closed[i], absl::StrCat("closed_periods[", i, "]")));
    closed.insert(p);
  }
  if (!closed.empty()) {
    for (size_t k = 0; k < events.size(); ++k) {
      Event& ev = events[k];
      if (!closed.contains(ev.period)) continue;
      const char* kind = "invoice";
      switch (ev.rank) {
        case kInvoice:
          kind = "invoice";
          break;
        case kCredit:
          kind = "credit_note";
          break;
        case kPayment:
          kind = "payment";
          break;
        case kVoid:
          kind = "void";
          break;
        default: {
          const CashEvent& c = cash[ev.index];
          kind = c.kind == CashEvent::kRefund          ? "refund"
                 : c.kind == CashEvent::kDisputeOpened ? "dispute"
                 : c.kind == CashEvent::kDisputeWon    ? "dispute_won"
                                                       : "dispute_lost";
        }
      }
      const std::string id =
          absl::StrCat("je_", contract, "_", kind, "_", ev.id);
      auto posted = books.posted.find(id);
      if (posted != books.posted.end() &&
          posted->second == PeriodName(ev.period)) {
        continue;
      }
      PeriodIndex open = ev.period + 1;
      while (closed.contains(open)) ++open;
      ev.moved_from = PeriodName(ev.period);
      ev.period = open;
      ev.at = PeriodStartMs(open);
    }
  }
  // Recognition: one event per period with schedule lines.
  for (int i = 0; i < schedule.lines_size();) {
    const std::string& period = schedule.lines(i).period();
    ASSIGN_OR_RETURN(PeriodIndex p,
                     ParsePeriod(period, "schedule.lines.period"));
    events.push_back(
        {p, 1, PeriodStartMs(p + 1) - 1000, 0, period, static_cast<size_t>(i)});
    while (i < schedule.lines_size() && schedule.lines(i).period() == period)
      ++i;
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.period, a.phase, a.at, a.rank, a.id, a.index) <
           std::tie(b.period, b.phase, b.at, b.rank, b.id, b.index);
  });

  Poster post(schedule, accounts);
  for (const Event& ev : events) {
    if (ev.phase == 1) {
      JournalEntry* e =
          post.Open("recognition", ev.id, ev.at,
                    absl::StrCat("Revenue recognised in ", ev.id));
      Nanos total = 0;
      for (int i = static_cast<int>(ev.index);
           i < schedule.lines_size() && schedule.lines(i).period() == ev.id;
           ++i) {
        const auto& line = schedule.lines(i);
        const Nanos a = ToNanos(line.amount());
        total += a;
        const AccountRole role = RoleOf(line.kind());
        RETURN_IF_ERROR(
            post.Line(e, role, -a, line.performance_obligation_id()));
      }
      RETURN_IF_ERROR(post.Position(e, -total));
      continue;
    }
    switch (ev.rank) {
      case kInvoice:
      case kCredit:
      case kVoid: {
        const Invoice& doc = invoices[ev.index];
        const DocumentAmounts& a = amounts[ev.index];
        const bool credit =
            doc.kind() == canonical::v1::INVOICE_KIND_CREDIT_NOTE;
        // +1 bills the customer, -1 credits them.
        const int direction = (credit ? -1 : 1) * (ev.rank == kVoid ? -1 : 1);
        const char* kind = ev.rank == kVoid ? "void"
                           : credit         ? "credit_note"
                                            : "invoice";
        JournalEntry* e = post.Open(
            kind, doc.id(), ev.at,
            absl::StrCat(ev.rank == kVoid ? "Void of " : "",
                         credit ? "Credit note " : "Invoice ",
                         doc.invoice_number().empty() ? doc.id()
                                                      : doc.invoice_number()));
        if (ev.rank == kVoid) {
          e->set_reverses_entry_id(
              absl::StrCat("je_", contract, "_",
                           credit ? "credit_note" : "invoice", "_", doc.id()));
        }
        RETURN_IF_ERROR(post.Line(e, AccountRole::ACCOUNT_ROLE_RECEIVABLE,
                                  direction * a.total));
        RETURN_IF_ERROR(post.Line(e, AccountRole::ACCOUNT_ROLE_TAX_PAYABLE,
                                  -direction * a.tax));
        RETURN_IF_ERROR(post.Position(e, direction * a.net));
        break;
      }
      case kPayment: {
        JournalEntry* e =
            post.Open("payment", ev.id, ev.at, absl::StrCat("Payment ", ev.id));
        RETURN_IF_ERROR(
            post.Line(e, AccountRole::ACCOUNT_ROLE_CASH, applied[ev.index]));
        RETURN_IF_ERROR(post.Line(e, AccountRole::ACCOUNT_ROLE_RECEIVABLE,
                                  -applied[ev.index]));
        break;
      }
      case kRefund:
      case kDispute: {
        const CashEvent& c = cash[ev.index];
        const std::string& payment = payments[c.payment_index].id();
        const char* kind = "refund";
        std::string memo = absl::StrCat("Refund ", c.id, " of ", payment);
        if (c.kind == CashEvent::kDisputeOpened) {
          kind = "dispute";
          memo = absl::StrCat("Dispute ", c.id, " opened on ", payment);
        } else if (c.kind == CashEvent::kDisputeWon) {
          kind = "dispute_won";
          memo = absl::StrCat("Dispute ", c.id, " won on ", payment);
        } else if (c.kind == CashEvent::kDisputeLost) {
          kind = "dispute_lost";
          memo = absl::StrCat("Dispute ", c.id, " lost on ", payment);
        }
        // A refund given only as refunded_amount keeps the payment's id.
        JournalEntry* e = post.Open(kind, c.id, ev.at, memo);
        // Cash out (refund, dispute opened) or back (dispute won).
        const Nanos cash_in =
            c.kind == CashEvent::kDisputeWon ? c.cash : -c.cash;
        RETURN_IF_ERROR(
            post.Line(e, AccountRole::ACCOUNT_ROLE_RECEIVABLE, -cash_in));
        RETURN_IF_ERROR(post.Line(e, AccountRole::ACCOUNT_ROLE_CASH, cash_in));
        // What no credit note covers leaves the receivable and revenue: tax
        // back off tax payable, the consideration off the contract position
        // (the recognised part is the schedule's REFUND / DISPUTE line).
        if (c.revenue_gross != 0) {
          RETURN_IF_ERROR(post.Line(e, AccountRole::ACCOUNT_ROLE_RECEIVABLE,
                                    -c.revenue_gross));
          RETURN_IF_ERROR(
              post.Line(e, AccountRole::ACCOUNT_ROLE_TAX_PAYABLE, c.tax));
          RETURN_IF_ERROR(post.Position(e, -c.net));
        }
        break;
      }
    }
    if (!ev.moved_from.empty()) post.NoteMoved(ev.moved_from);
  }
  return post.Take();
}

std::map<std::string, RoleBalances> BalancesByPeriod(
    const std::vector<JournalEntry>& entries) {
  std::map<std::string, RoleBalances> out;
  std::vector<const JournalEntry*> sorted;
  for (const JournalEntry& e : entries) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const JournalEntry* a, const JournalEntry* b) {
                     return a->period() < b->period();
                   });
  RoleBalances running;
  for (const JournalEntry* e : sorted) {
    for (const auto& l : e->lines()) {
      running.by_role[l.account_role()] +=
          ToNanos(l.debit()) - ToNanos(l.credit());
    }
    out[e->period()] = running;
  }
  return out;
}

absl::Status CheckBalanced(const std::vector<JournalEntry>& entries) {
  for (const JournalEntry& e : entries) {
    std::map<std::string, Nanos> net;
    for (const auto& l : e.lines()) {
      const Nanos d = ToNanos(l.debit());
      const Nanos c = ToNanos(l.credit());
      if (d < 0 || c < 0 || (d != 0) == (c != 0)) {
        return absl::InternalError(
            absl::StrCat("journal entry ", e.id(),
                         ": a line needs exactly one of debit and credit, "
                         "non-negative"));
      }
      net[d != 0 ? l.debit().currency_code() : l.credit().currency_code()] +=
          d - c;
    }
    for (const auto& [ccy, sum] : net) {
      if (sum != 0) {
        return absl::InternalError(absl::StrCat("journal entry ", e.id(),
                                                ": does not balance in ", ccy));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace revhub::revenue
