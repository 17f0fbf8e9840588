// BuildRevenueSchedule (schedule.h) and the Builder's core: validation,
// recognition triggers, booking the first version, the order of amendments
// and credit notes, usage, and the schedule returned. Amendments are in
// schedule_modification.cc, credit notes in schedule_credit.cc, pieces and
// plans in schedule_plan.cc (see schedule_builder.h).
#include "canonical/revenue/schedule.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/schedule_builder.h"
#include "canonical/status_macros.h"
#include "canonical/validation.h"

namespace revhub::revenue {
namespace schedule_internal {

using canonical::v1::InvoiceKind;
using canonical::v1::InvoiceStatus;
using canonical::v1::RevenueRule;
using canonical::v1::RevenueScheduleStatus;

Money Builder::MinorToMoney(Nanos minor) const {
  Money m;
  m.set_currency_code(currency_);
  const Nanos scale = Pow10(exponent_);
  m.set_units(static_cast<int64_t>(minor / scale));
  m.set_nanos(static_cast<int32_t>((minor % scale) * step_));
  return m;
}

ObState* Builder::Find(const std::string& line_id) {
  for (ObState& s : states_) {
    if (s.active && s.ob.line_id == line_id) return &s;
  }
  return nullptr;
}

void Builder::Install(ObState* s, const Plan& plan, int64_t from,
                      bool keep_early_points) {
  for (Piece p : plan.pieces) {
    if (p.cause.kind == canonical::v1::REVENUE_CAUSE_KIND_UNSPECIFIED)
      p.cause = current_cause_;
    if (p.is_span) {
      p.from = std::max(p.from, from);
    } else {
      if (p.at < from && !keep_early_points) continue;
      p.at = std::max(p.at, from);
    }
    s->pieces.push_back(p);
  }
  s->pending = plan.pending;
  s->pending_reason = plan.pending_reason;
}

void Builder::Record(const Contract* version, const Invoice* credit, int64_t at,
                     canonical::v1::ModificationTreatment treatment,
                     std::string reason) {
  auto* m = schedule_.add_modifications();
  if (version != nullptr) m->set_contract_version(version->version());
  if (credit != nullptr) m->set_credit_note_id(credit->id());
  *m->mutable_effective_at() = FromMs(at);
  m->set_treatment(treatment);
  m->set_reason(std::move(reason));
  const Cause& c = credit != nullptr ? contra_cause_ : current_cause_;
  m->mutable_cause()->set_kind(c.kind);
  m->mutable_cause()->set_id(c.id);
  m->mutable_cause()->set_contract_version(c.version);
}

absl::StatusOr<std::vector<Nanos>> Builder::AllocateMinor(
    const Contract& contract, const std::vector<Obligation>& obs) {
  ASSIGN_OR_RETURN(std::vector<Nanos> alloc,
                   AllocateTransactionPrice(contract, obs));
  for (Nanos& a : alloc) a = ToMinor(a);
  return alloc;
}

absl::Status Builder::Validate(const std::vector<const Contract*>& versions) {
  const Contract& first = *versions.front();
  for (size_t i = 0; i < versions.size(); ++i) {
    const Contract& v = *versions[i];
    const std::string field =
        absl::StrCat("contract_versions[", v.version(), "]");
    if (v.id() != first.id()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".id: \"", v.id(), "\" is not contract \"", first.id(), "\""));
    }
    if (v.currency_code() != first.currency_code()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".currency_code: a contract keeps one currency"));
    }
    if (i > 0) {
      if (v.version() == versions[i - 1]->version()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".version: given twice"));
      }
      if (!v.has_effective_at()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field,
                         ".effective_at: required for an amendment (the "
                         "modification date)"));
      }
    }
  }
  currency_ = first.currency_code();
  exponent_ = MinorUnitExponent(currency_);
  if (exponent_ < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("contract.currency_code: \"", currency_,
                     "\" is not an ISO 4217 currency"));
  }
  step_ = Pow10(9 - exponent_);
  return absl::OkStatus();
}

absl::Status Builder::CollectTriggers(const Contract& latest,
                                      const RecognitionEvents& events) {
  for (size_t i = 0; i < events.invoices.size(); ++i) {
    const Invoice& inv = events.invoices[i];
    if (!inv.contract_id().empty() && inv.contract_id() != latest.id())
      continue;
    if (inv.kind() != InvoiceKind::INVOICE_KIND_INVOICE) continue;
    // A void that replaced the invoice leaves it out; a cancelled sale
    // counted until its void (schedule_reductions.cc takes it back).
    if (!Issued(inv) || (inv.status() == InvoiceStatus::INVOICE_STATUS_VOID &&
                         !VoidedSaleCancelled(inv)))
      continue;
    if (!inv.has_issued_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invoices[", i, "].issued_at: required once issued"));
    }
    const int64_t at = ToMs(inv.issued_at());
    for (const auto& line : inv.lines()) {
      if (line.contract_line_id().empty()) continue;
      // A one-off invoice line says when it was delivered.
      const int64_t line_at =
          line.has_delivered_at() ? ToMs(line.delivered_at()) : at;
      auto [it, inserted] =
          trig_.invoiced_at.try_emplace(line.contract_line_id(), line_at);
      if (inserted || line_at < it->second) {
        it->second = line_at;
        trig_.invoiced_by[line.contract_line_id()] = inv.id();
      }
    }
  }
  for (size_t i = 0; i < events.activations.size(); ++i) {
    const ServiceActivated& a = events.activations[i];
    if (!a.contract_id().empty() && a.contract_id() != latest.id()) continue;
    if (!a.has_activated_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat("activations[", i, "].activated_at: required"));
    }
    const int64_t at = ToMs(a.activated_at());
    Nanos quantity = 0;
    if (a.has_quantity()) {
      const std::string qf = absl::StrCat("activations[", i, "].quantity");
      RETURN_IF_ERROR(ValidateDecimal(a.quantity(), qf));
      quantity = ToNanos(a.quantity());
      if (quantity <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(qf, ": must be above 0 (unset delivers all of it)"));
      }
      if (a.line_ids_size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            qf, ": a partial delivery names exactly one line, not ",
            a.line_ids_size()));
      }
    }
    for (const std::string& line_id : a.line_ids()) {
      auto [it, inserted] = trig_.activated_at.try_emplace(line_id, at);
      if (!inserted) it->second = std::min(it->second, at);
      auto& list = trig_.activations[line_id];
      // A stored delivery counts once, however often it is given.
      bool seen = false;
      for (const Activation& prior : list)
        seen =
            seen || (!a.delivery_id().empty() && prior.id == a.delivery_id());
      if (!seen) list.push_back({at, quantity, a.delivery_id()});
    }
  }
  for (auto& [line, list] : trig_.activations) {
    std::sort(list.begin(), list.end(),
              [](const Activation& a, const Activation& b) {
                return std::tie(a.at, a.quantity, a.id) <
                       std::tie(b.at, b.quantity, b.id);
              });
  }
  for (size_t i = 0; i < events.milestones.size(); ++i) {
    const MilestoneAchieved& m = events.milestones[i];
    if (!m.contract_id().empty() && m.contract_id() != latest.id()) continue;
    const std::string field = absl::StrCat("milestones[", i, "]");
    RETURN_IF_ERROR(ValidateDecimal(m.share(), absl::StrCat(field, ".share")));
    const Nanos share = ToNanos(m.share());
    if (share <= 0 || share > kWholeShare) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".share: must be above 0 and at most 1"));
    }
    if (!m.has_achieved_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".achieved_at: required"));
    }
    auto& list = trig_.milestones[m.line_id()];
    bool seen = false;
    for (const Milestone& prior : list)
      seen = seen || (!m.delivery_id().empty() && prior.id == m.delivery_id());
    if (!seen)
      list.push_back({ToMs(m.achieved_at()), m.name(), share, m.delivery_id()});
  }
  for (auto& [line, list] : trig_.milestones) {
    std::sort(list.begin(), list.end(),
              [](const Milestone& a, const Milestone& b) {
                return std::tie(a.at, a.name, a.share, a.id) <
                       std::tie(b.at, b.name, b.share, b.id);
              });
  }
  return absl::OkStatus();
}

absl::Status Builder::Book(const Contract& contract) {
  ASSIGN_OR_RETURN(std::vector<Obligation> obs,
                   IdentifyObligations(contract, products_));
  ASSIGN_OR_RETURN(std::vector<Nanos> alloc, AllocateMinor(contract, obs));
  current_cause_ = {canonical::v1::REVENUE_CAUSE_KIND_CONTRACT_VERSION, "",
                    contract.version()};
  states_.reserve(obs.size());
  for (size_t i = 0; i < obs.size(); ++i) {
    ObState s;
    s.ob = std::move(obs[i]);
    if (s.ob.rule != RevenueRule::REVENUE_RULE_USAGE) {
      s.allocated = alloc[i];
      Install(&s,
              PlanRecognition(s.ob, s.allocated, trig_, settings_.convention),
              kDawn);
    }
    states_.push_back(std::move(s));
  }
  const int64_t at = contract.has_effective_at() ? ToMs(contract.effective_at())
                     : contract.has_signed_at()  ? ToMs(contract.signed_at())
                                                 : 0;
  Record(&contract, nullptr, at, canonical::v1::MODIFICATION_TREATMENT_NONE,
         "first schedule of the contract");
  return absl::OkStatus();
}

absl::Status Builder::ScheduleUsage(const Contract& latest,
                                    const RecognitionEvents& events) {
  // A stored usage record counts once: its last report wins.
  absl::flat_hash_map<std::string, size_t> last;
  for (size_t i = 0; i < events.usage.size(); ++i) {
    if (!events.usage[i].usage_record_id().empty())
      last[events.usage[i].usage_record_id()] = i;
  }
  for (size_t i = 0; i < events.usage.size(); ++i) {
    const UsageReported& u = events.usage[i];
    if (!u.contract_id().empty() && u.contract_id() != latest.id()) continue;
    if (!u.usage_record_id().empty() && last[u.usage_record_id()] != i)
      continue;
    const std::string field = absl::StrCat("usage[", i, "]");
    ObState* s = nullptr;
    for (ObState& st : states_) {
      if (st.ob.line_id == u.line_id()) s = &st;
    }
    if (s == nullptr || s->ob.rule != RevenueRule::REVENUE_RULE_USAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".line_id: \"", u.line_id(),
                       "\" is not a USAGE line of the contract"));
    }
    RETURN_IF_ERROR(
        ValidateDecimal(u.quantity(), absl::StrCat(field, ".quantity")));
    if (ToNanos(u.quantity()) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".quantity: must not be negative"));
    }
    if (!u.has_period() ||
        ToMs(u.period().end_time()) <= ToMs(u.period().start_time())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".period: required, and must end after it starts"));
    }
    const Nanos nanos = s->ob.unit_price * ToNanos(u.quantity());
    Nanos exact = nanos / kNanosPerUnit;
    const Nanos rem = nanos % kNanosPerUnit;
    const Nanos twice = (rem < 0 ? -rem : rem) * 2;
    if (twice > kNanosPerUnit || (twice == kNanosPerUnit && exact % 2 != 0)) {
      exact += nanos < 0 ? -1 : 1;
    }
    const Nanos amount =
        ToMinor(RoundNanos(exact, exponent_, RoundingMode::kHalfEven));
    Piece p;
    p.is_span = true;
    p.span = Span{ToMs(u.period().start_time()), ToMs(u.period().end_time()),
                  settings_.convention};
    p.amount = amount;
    p.cause = {canonical::v1::REVENUE_CAUSE_KIND_USAGE, u.usage_record_id(), 0};
    s->pieces.push_back(p);
    s->allocated += amount;
  }
  return absl::OkStatus();
}

struct LineKey {
  PeriodIndex period;
  int obligation;
  int kind;
  const Cause* cause;
  Nanos amount;
};

absl::StatusOr<RevenueSchedule> Builder::Run(
    const std::vector<Contract>& versions, const RecognitionEvents& events) {
  if (versions.empty()) {
    return absl::InvalidArgumentError("contract: required");
  }
  std::vector<const Contract*> ordered;
  for (const Contract& c : versions) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Contract* a, const Contract* b) {
                     return a->version() < b->version();
                   });
  RETURN_IF_ERROR(Validate(ordered));
  const Contract& latest = *ordered.back();
  for (const Contract* v : ordered) billed_ = billed_ || IsOpenEnded(*v);
  if (billed_) {
    RETURN_IF_ERROR(RecogniseBilledPeriods(ordered, events));
  } else {
    RETURN_IF_ERROR(CollectTriggers(latest, events));
    RETURN_IF_ERROR(Book(*ordered.front()));
    RETURN_IF_ERROR(ApplyChanges(ordered, events));
    RETURN_IF_ERROR(ScheduleUsage(latest, events));
  }

  RevenueSchedule& out = schedule_;
  out.set_id(absl::StrCat("rs_", latest.id()));
  out.set_contract_id(latest.id());
  out.set_contract_version(latest.version());
  out.set_legal_entity(latest.legal_entity());
  out.set_currency_code(currency_);
  if (latest.has_effective_at())
    *out.mutable_effective_at() = latest.effective_at();
  out.set_status(RevenueScheduleStatus::REVENUE_SCHEDULE_STATUS_DRAFT);
  out.set_period_convention(settings_.convention);
  const auto& last_mod = out.modifications(out.modifications_size() - 1);
  out.set_modification_treatment(last_mod.treatment());
  out.set_modification_reason(last_mod.reason());
  WriteObligations(latest);
  WriteLines();
  return std::move(schedule_);
}

// Applies the amendments (versions after the first) and the issued, not
// void, credit notes of the contract in time order; at equal times
// amendments first, then by version or credit note id. For an open-ended
// contract (billed_) an amendment is only recorded and a credit note takes
// back from the periods it credits (schedule_billed.cc).
absl::Status Builder::ApplyChanges(const std::vector<const Contract*>& ordered,
                                   const RecognitionEvents& events) {
  const Contract& latest = *ordered.back();
  struct Change {
    int64_t at;
    int order;
    std::string id;
    size_t index;
  };
  std::vector<Change> changes;
  for (size_t i = 1; i < ordered.size(); ++i) {
    changes.push_back({ToMs(ordered[i]->effective_at()), 0, "", i});
  }
  for (size_t i = 0; i < events.invoices.size(); ++i) {
    const Invoice& inv = events.invoices[i];
    if (inv.kind() != InvoiceKind::INVOICE_KIND_CREDIT_NOTE) continue;
    if (!inv.contract_id().empty() && inv.contract_id() != latest.id())
      continue;
    if (!Issued(inv) || inv.status() == InvoiceStatus::INVOICE_STATUS_VOID)
      continue;
    if (!inv.has_issued_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invoices[", i, "].issued_at: required once issued"));
    }
    changes.push_back({ToMs(inv.issued_at()), 1, inv.id(), i});
  }
  RETURN_IF_ERROR(CollectReductions(latest, events));
  for (size_t i = 0; i < reductions_.size(); ++i) {
    changes.push_back({reductions_[i].at, 2, reductions_[i].credit.id(), i});
  }
  std::sort(changes.begin(), changes.end(),
            [&](const Change& a, const Change& b) {
              return std::tie(a.at, a.order, a.id, a.index) <
                     std::tie(b.at, b.order, b.id, b.index);
            });
  for (const Change& c : changes) {
    if (c.order == 0) {
      const Contract& before = *ordered[c.index - 1];
      const Contract& after = *ordered[c.index];
      current_cause_ = {canonical::v1::REVENUE_CAUSE_KIND_CONTRACT_VERSION, "",
                        after.version()};
      if (billed_) {
        RETURN_IF_ERROR(RecordBilledVersion(before, after));
        continue;
      }
      RETURN_IF_ERROR(Amend(before, after));
      if (after.status() == canonical::v1::CONTRACT_STATUS_CANCELLED) {
        RETURN_IF_ERROR(TerminateAt(after, after.has_cancelled_at()
                                               ? ToMs(after.cancelled_at())
                                               : c.at));
      }
    } else if (c.order == 1) {
      const Invoice& credit = events.invoices[c.index];
      const std::string field = absl::StrCat("invoices[", c.index, "]");
      contra_cause_ = {canonical::v1::REVENUE_CAUSE_KIND_CREDIT_NOTE,
                       credit.id(), 0};
      RETURN_IF_ERROR(billed_ ? CreditBilledPeriods(credit, field)
                              : ApplyCredit(credit, field));
      contra_cause_ = {};
    } else {
      RETURN_IF_ERROR(ApplyReduction(c.index));
    }
  }
  return absl::OkStatus();
}

// Writes the obligations, as they stand, and the transaction price.
void Builder::WriteObligations(const Contract& latest) {
  RevenueSchedule& out = schedule_;
  Nanos price = 0;
  for (const ObState& s : states_) {
    auto* po = out.add_obligations();
    po->set_id(s.ob.id);
    po->set_legal_entity(latest.legal_entity());
    po->set_contract_id(latest.id());
    po->add_contract_line_ids(s.ob.line_id);
    po->set_product_id(s.ob.product_id);
    po->set_description(s.ob.description);
    po->set_revenue_rule(s.ob.rule);
    *po->mutable_standalone_selling_price() = MinorToMoney(ToMinor(s.ob.ssp));
    *po->mutable_allocated_amount() = MinorToMoney(s.allocated);
    if (s.ob.has_period) {
      *po->mutable_service_period()->mutable_start_time() =
          FromMs(s.ob.start_ms);
      *po->mutable_service_period()->mutable_end_time() = FromMs(s.ob.end_ms);
    }
    po->set_ssp_highly_variable(s.ob.ssp_highly_variable);
    po->set_recognition_pending_reason(s.pending_reason);
    *po->mutable_pending_amount() = MinorToMoney(s.pending);
    price += s.allocated;
  }
  *out.mutable_transaction_price() = MinorToMoney(price);
}

// Writes the schedule's lines: each piece's amounts by period, summed per
// period, obligation and kind, in that order; zero sums are left out.
void Builder::WriteLines() {
  std::vector<LineKey> keys;
  std::vector<PeriodAmount> spread;
  for (size_t i = 0; i < states_.size(); ++i) {
    for (const Piece& p : states_[i].pieces) {
      if (p.is_span) {
        spread.clear();
        SpreadAmount(p.span, p.amount, p.from, p.until, &spread);
        for (const PeriodAmount& pa : spread) {
          keys.push_back(
              {pa.period, static_cast<int>(i), p.kind, &p.cause, pa.amount});
        }
      } else if (p.amount != 0) {
        keys.push_back(
            {PeriodOf(p.at), static_cast<int>(i), p.kind, &p.cause, p.amount});
      }
    }
  }
  std::sort(keys.begin(), keys.end(), [](const LineKey& a, const LineKey& b) {
    if (std::tie(a.period, a.obligation, a.kind) !=
        std::tie(b.period, b.obligation, b.kind))
      return std::tie(a.period, a.obligation, a.kind) <
             std::tie(b.period, b.obligation, b.kind);
    return *a.cause < *b.cause;
  });
  RevenueSchedule& out = schedule_;
  out.mutable_lines()->Reserve(static_cast<int>(keys.size()));
  for (size_t i = 0; i < keys.size();) {
    LineKey k = keys[i];
    size_t j = i + 1;
    while (j < keys.size() && keys[j].period == k.period &&
           keys[j].obligation == k.obligation && keys[j].kind == k.kind &&
           *keys[j].cause == *k.cause) {
      k.amount += keys[j].amount;
      ++j;
    }
    i = j;
    if (k.amount == 0) continue;
    auto* line = out.add_lines();
    line->set_performance_obligation_id(states_[k.obligation].ob.id);
    line->set_period(PeriodName(k.period));
    *line->mutable_period_start() = FromMs(PeriodStartMs(k.period));
    *line->mutable_period_end() = FromMs(PeriodStartMs(k.period + 1));
    *line->mutable_amount() = MinorToMoney(k.amount);
    line->set_kind(static_cast<RevenueScheduleLineKind>(k.kind));
    if (k.cause->kind != canonical::v1::REVENUE_CAUSE_KIND_UNSPECIFIED) {
      auto* cause = line->mutable_cause();
      cause->set_kind(k.cause->kind);
      cause->set_id(k.cause->id);
      cause->set_contract_version(k.cause->version);
    }
  }
}

}  // namespace schedule_internal

absl::StatusOr<RevenueSchedule> BuildRevenueSchedule(
    const std::vector<Contract>& versions, const ProductCatalog& products,
    const RecognitionEvents& events, const ScheduleSettings& settings) {
  static const std::vector<canonical::v1::Payment> kNone;
  return BuildRevenueSchedule(versions, products, events, settings, kNone);
}

absl::StatusOr<RevenueSchedule> BuildRevenueSchedule(
    const std::vector<Contract>& versions, const ProductCatalog& products,
    const RecognitionEvents& events, const ScheduleSettings& settings,
    const std::vector<canonical::v1::Payment>& payments) {
  ScheduleSettings s = settings;
  if (s.convention == PeriodConvention::PERIOD_CONVENTION_UNSPECIFIED) {
    s.convention = PeriodConvention::PERIOD_CONVENTION_BY_DAY;
  }
  schedule_internal::Builder builder(products, s, &payments);
  return builder.Run(versions, events);
}

}  // namespace revhub::revenue
