#include "canonical/revenue/schedule.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "canonical/revenue/allocation.h"
#include "canonical/revenue/billing.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/modification.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {
namespace {

using canonical::v1::ContractStatus;
using canonical::v1::InvoiceKind;
using canonical::v1::InvoiceStatus;
using canonical::v1::RevenueScheduleLineKind;
using canonical::v1::RevenueScheduleStatus;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kDawn = std::numeric_limits<int64_t>::min();
constexpr Nanos kWholeShare = kNanosPerUnit;  // a share of 1 in nanos

Nanos Pow10(int n) {
  Nanos p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// A recognised or planned amount: a point at an instant or a span spread by
// its convention, seen through the window [from, until). Amounts are in the
// currency's minor units.
struct Piece {
  bool is_span = false;
  Span span;
  Nanos amount = 0;
  int64_t from = kDawn;
  int64_t until = kNever;
  int64_t at = 0;
  RevenueScheduleLineKind kind =
      RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_RECOGNITION;
};

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

Piece Point(
    int64_t at, Nanos amount,
    RevenueScheduleLineKind kind =
        RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_RECOGNITION) {
  Piece p;
  p.at = at;
  p.amount = amount;
  p.kind = kind;
  return p;
}

struct Plan {
  std::vector<Piece> pieces;
  Nanos pending = 0;
  std::string pending_reason;
};

struct ObState {
  Obligation ob;
  bool active = true;
  Nanos allocated = 0;  // minor units
  Nanos pending = 0;
  std::string pending_reason;
  std::vector<Piece> pieces;
};

Nanos RecognisedBefore(const ObState& s, int64_t t) {
  Nanos sum = 0;
  for (const Piece& p : s.pieces) sum += PieceBefore(p, t);
  return sum;
}

// Drops everything the state would recognise at or after t.
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

struct Milestone {
  int64_t at;
  std::string name;
  Nanos share;
};

// Everything outside the contract that triggers recognition, by line id.
struct Triggers {
  absl::flat_hash_map<std::string, int64_t> invoiced_at;
  absl::flat_hash_map<std::string, int64_t> activated_at;
  absl::flat_hash_map<std::string, std::vector<Milestone>> milestones;
};

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
        if (to_date != earned)
          plan.pieces.push_back(Point(m.at, to_date - earned));
        earned = to_date;
      }
    }
    plan.pending = amount - earned;
    if (plan.pending != 0) plan.pending_reason = "awaiting milestone";
    return plan;
  }
  const bool point = ob.rule == RevenueRule::REVENUE_RULE_POINT_IN_TIME;
  if (point) {
    auto act = trig.activated_at.find(ob.line_id);
    if (act != trig.activated_at.end()) {
      plan.pieces.push_back(Point(act->second, amount));
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
    plan.pieces.push_back(Point(inv->second, amount));
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
  if (ob.rule == RevenueRule::REVENUE_RULE_RATABLE && ob.has_period) {
    const Span span{ob.start_ms, ob.end_ms, convention};
    const Weight whole = TotalWeight(span);
    if (whole == 0) return {ob.start_ms >= t ? 1 : 0, 1};
    return {whole - WeightBefore(span, t), whole};
  }
  int64_t trigger = kNever;
  if (ob.rule == RevenueRule::REVENUE_RULE_POINT_IN_TIME) {
    auto act = trig.activated_at.find(ob.line_id);
    if (act != trig.activated_at.end()) {
      trigger = act->second;
    } else if (ob.has_period) {
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

class Builder {
 public:
  Builder(const ProductCatalog& products, const ScheduleSettings& settings)
      : products_(products), settings_(settings) {}

  absl::StatusOr<RevenueSchedule> Run(const std::vector<Contract>& versions,
                                      const RecognitionEvents& events);

 private:
  absl::Status Validate(const std::vector<const Contract*>& versions);
  absl::Status CollectTriggers(const Contract& latest,
                               const RecognitionEvents& events);
  absl::Status Book(const Contract& contract);
  absl::Status Amend(const Contract& before, const Contract& after);
  absl::Status ApplyCredit(const Invoice& credit, int index);
  absl::Status ScheduleUsage(const Contract& latest,
                             const RecognitionEvents& events);
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

  const ProductCatalog& products_;
  ScheduleSettings settings_;
  std::string currency_;
  int exponent_ = 2;
  Nanos step_ = 10'000'000;
  Triggers trig_;
  std::vector<ObState> states_;
  RevenueSchedule schedule_;
};

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
    if (!Issued(inv) || inv.status() == InvoiceStatus::INVOICE_STATUS_VOID)
      continue;
    if (!inv.has_issued_at()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invoices[", i, "].issued_at: required once issued"));
    }
    const int64_t at = ToMs(inv.issued_at());
    for (const auto& line : inv.lines()) {
      if (line.contract_line_id().empty()) continue;
      auto [it, inserted] =
          trig_.invoiced_at.try_emplace(line.contract_line_id(), at);
      if (!inserted) it->second = std::min(it->second, at);
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
    for (const std::string& line_id : a.line_ids()) {
      auto [it, inserted] = trig_.activated_at.try_emplace(line_id, at);
      if (!inserted) it->second = std::min(it->second, at);
    }
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
    trig_.milestones[m.line_id()].push_back(
        {ToMs(m.achieved_at()), m.name(), share});
  }
  for (auto& [line, list] : trig_.milestones) {
    std::sort(list.begin(), list.end(),
              [](const Milestone& a, const Milestone& b) {
                return std::tie(a.at, a.name, a.share) <
                       std::tie(b.at, b.name, b.share);
              });
  }
  return absl::OkStatus();
}

absl::Status Builder::Book(const Contract& contract) {
  ASSIGN_OR_RETURN(std::vector<Obligation> obs,
                   IdentifyObligations(contract, products_));
  ASSIGN_OR_RETURN(std::vector<Nanos> alloc, AllocateMinor(contract, obs));
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

absl::Status Builder::Amend(const Contract& before, const Contract& after) {
  const int64_t t = ToMs(after.effective_at());
  ASSIGN_OR_RETURN(std::vector<Obligation> obs,
                   IdentifyObligations(after, products_));
  ASSIGN_OR_RETURN(std::vector<Nanos> alloc, AllocateMinor(after, obs));
  const PeriodConvention conv = settings_.convention;

  // Facts: the new version's lines, then the lines it removed.
  std::vector<ObligationFacts> facts;
  std::vector<ObState*> old_state;
  for (const Obligation& ob : obs) {
    ObligationFacts f;
    f.line_id = ob.line_id;
    ObState* s = Find(ob.line_id);
    old_state.push_back(s);
    f.usage = ob.rule == RevenueRule::REVENUE_RULE_USAGE;
    f.distinct_periods = ob.distinct_periods;
    if (s == nullptr) {
      f.change = LineChange::kAdded;
      f.priced_at_ssp = ob.ssp_given && ob.net_price == ob.ssp;
    } else {
      f.change =
          SameTerms(s->ob, ob) ? LineChange::kUnchanged : LineChange::kChanged;
      f.remaining =
          RemainingShare(ob, trig_, conv, t).first > 0 || s->pending != 0;
    }
    facts.push_back(f);
  }
  std::vector<ObState*> removed;
  for (ObState& s : states_) {
    if (!s.active) continue;
    bool present = false;
    for (const Obligation& ob : obs)
      present = present || ob.line_id == s.ob.line_id;
    if (!present) {
      ObligationFacts f;
      f.line_id = s.ob.line_id;
      f.change = LineChange::kRemoved;
      f.usage = s.ob.rule == RevenueRule::REVENUE_RULE_USAGE;
      facts.push_back(f);
      removed.push_back(&s);
    }
  }
  const ModificationDecision d =
      ClassifyModification(facts, !SameDiscounts(before, after));
  std::string reason = d.reason;
  if (d.treatment == canonical::v1::MODIFICATION_TREATMENT_NONE &&
      after.status() == ContractStatus::CONTRACT_STATUS_CANCELLED) {
    reason =
        "cancelled with no change to its lines; without a refund or credit "
        "the schedule is left as it is";
  }
  Record(&after, nullptr, t, d.treatment, reason);

  if (d.treatment == canonical::v1::MODIFICATION_TREATMENT_NONE)
    return absl::OkStatus();

  // States of added lines are appended below, which may move states_: keep
  // indexes, not pointers, from here on.
  std::vector<int> old_index(obs.size(), -1);
  for (size_t j = 0; j < obs.size(); ++j) {
    if (old_state[j] != nullptr)
      old_index[j] = static_cast<int>(old_state[j] - states_.data());
  }
  std::vector<int> removed_index;
  for (ObState* s : removed)
    removed_index.push_back(static_cast<int>(s - states_.data()));
  auto state_for = [&](size_t j) -> ObState& {
    if (old_index[j] < 0) {
      ObState s;
      s.ob = obs[j];
      states_.push_back(std::move(s));
      old_index[j] = static_cast<int>(states_.size() - 1);
    }
    return states_[old_index[j]];
  };

  if (d.treatment == canonical::v1::MODIFICATION_TREATMENT_SEPARATE_CONTRACT) {
    for (size_t j = 0; j < obs.size(); ++j) {
      if (d.per_line[j] != ObligationTreatment::kSeparate) continue;
      ObState& s = state_for(j);
      s.allocated = ToMinor(obs[j].net_price);
      Install(&s, PlanRecognition(s.ob, s.allocated, trig_, conv), kDawn);
    }
    return absl::OkStatus();
  }

  Nanos price = 0;  // new transaction price, minor units
  for (size_t j = 0; j < obs.size(); ++j) {
    if (obs[j].rule != RevenueRule::REVENUE_RULE_USAGE) price += alloc[j];
  }
  Nanos pool = price;
  // Removed lines keep what they recognised before the date.
  for (int idx : removed_index) {
    ObState& s = states_[idx];
    if (s.ob.rule == RevenueRule::REVENUE_RULE_USAGE) {
      s.active = false;
      continue;
    }
    CutAt(&s, t);
    s.allocated = RecognisedBefore(s, t);
    s.pending = 0;
    s.pending_reason.clear();
    s.active = false;
    pool -= s.allocated;
  }
  // Obligations left alone (satisfied before the date) keep their amount.
  for (size_t j = 0; j < obs.size(); ++j) {
    if (obs[j].rule == RevenueRule::REVENUE_RULE_USAGE) continue;
    if (d.per_line[j] == ObligationTreatment::kKeep && old_index[j] >= 0) {
      pool -= states_[old_index[j]].allocated;
    }
  }
  // Catch-up obligations: re-allocated and re-measured.
  int first_catch_up = -1;
  for (size_t j = 0; j < obs.size(); ++j) {
    if (d.per_line[j] != ObligationTreatment::kCatchUp) continue;
    ObState& s = state_for(j);
    if (first_catch_up < 0) first_catch_up = static_cast<int>(j);
    const Nanos recognised = RecognisedBefore(s, t);
    const Plan plan = PlanRecognition(obs[j], alloc[j], trig_, conv);
    Nanos remeasured = 0;
    for (const Piece& p : plan.pieces) remeasured += PieceBefore(p, t);
    CutAt(&s, t);
    s.ob = obs[j];
    // What the plan puts before t is replaced by the catch-up line.
    Install(&s, plan, t, /*keep_early_points=*/false);
    if (remeasured != recognised) {
      s.pieces.push_back(
          Point(t, remeasured - recognised,
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CATCH_UP));
    }
    s.allocated = alloc[j];
    pool -= alloc[j];
  }
  // Prospective obligations share what is left, by SSP still to deliver.
  std::vector<size_t> shared;
  std::vector<Nanos> weights;
  for (size_t j = 0; j < obs.size(); ++j) {
    if (d.per_line[j] != ObligationTreatment::kProspective) continue;
    const auto [num, den] = RemainingShare(obs[j], trig_, conv, t);
    if (old_index[j] >= 0) pool -= RecognisedBefore(states_[old_index[j]], t);
    if (obs[j].downgrade) {
      // A downgrade keeps its own price for what remains.
      const Nanos own = ToMinor(obs[j].net_price) * num / den;
      ObState& s = state_for(j);
      const Nanos recognised = RecognisedBefore(s, t);
      CutAt(&s, t);
      s.ob = obs[j];
      Plan plan;
      if (s.ob.rule == RevenueRule::REVENUE_RULE_RATABLE && s.ob.has_period) {
        Piece p;
        p.is_span = true;
        p.span = Span{std::max(t, s.ob.start_ms), s.ob.end_ms, conv};
        p.amount = own;
        plan.pieces.push_back(p);
      } else {
        plan = PlanRecognition(s.ob, own, trig_, conv);
      }
      Install(&s, plan, t);
      s.allocated = recognised + own;
      pool -= own;
      continue;
    }
    shared.push_back(j);
    weights.push_back(obs[j].ssp * num / den);
  }
  if (!shared.empty()) {
    ASSIGN_OR_RETURN(std::vector<Nanos> parts,
                     SplitNanos(currency_, pool * step_, weights));
    for (size_t k = 0; k < shared.size(); ++k) {
      const size_t j = shared[k];
      const Nanos share = ToMinor(parts[k]);
      ObState& s = state_for(j);
      const Nanos recognised = RecognisedBefore(s, t);
      CutAt(&s, t);
      s.ob = obs[j];
      Plan plan;
      if (s.ob.rule == RevenueRule::REVENUE_RULE_RATABLE && s.ob.has_period) {
        if (share != 0) {
          Piece p;
          p.is_span = true;
          p.span = Span{std::max(t, s.ob.start_ms), s.ob.end_ms, conv};
          p.amount = share;
          plan.pieces.push_back(p);
        }
      } else {
        plan = PlanRecognition(s.ob, share, trig_, conv);
      }
      Install(&s, plan, t);
      s.allocated = recognised + share;
    }
    pool = 0;
  }
  if (pool != 0) {
    // Nothing remains to carry the change in price: it is a catch-up of the
    // first catch-up obligation, else of the first line.
    int j = first_catch_up;
    for (size_t k = 0; j < 0 && k < obs.size(); ++k) {
      if (obs[k].rule != RevenueRule::REVENUE_RULE_USAGE)
        j = static_cast<int>(k);
    }
    if (j < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("contract_versions[", after.version(),
                       "].lines: the amendment changes the price but leaves no "
                       "line to carry it"));
    }
    ObState& s = state_for(static_cast<size_t>(j));
    s.pieces.push_back(Point(
        t, pool, RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CATCH_UP));
    s.allocated += pool;
  }
  for (size_t j = 0; j < obs.size(); ++j) state_for(j).ob = obs[j];
  return absl::OkStatus();
}

absl::Status Builder::ApplyCredit(const Invoice& credit, int index) {
  const std::string field = absl::StrCat("invoices[", index, "]");
  const int64_t t = ToMs(credit.issued_at());
  ASSIGN_OR_RETURN(const DocumentAmounts doc,
                   ReadDocumentAmounts(credit, currency_, field));
  Nanos amount = doc.net;
  amount = ToMinor(amount);
  if (amount == 0) return absl::OkStatus();
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
  std::vector<Nanos> weights;
  Nanos available = 0;
  for (int i : targets) {
    weights.push_back(std::max<Nanos>(states_[i].allocated, 0));
    available += weights.back();
  }
  if (targets.empty() || amount > available) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ".subtotal: the credit exceeds the revenue allocated to its lines"));
  }
  ASSIGN_OR_RETURN(std::vector<Nanos> shares,
                   SplitNanos(currency_, amount * step_, weights));
  for (size_t k = 0; k < targets.size(); ++k) {
    ObState& s = states_[targets[k]];
    const Nanos share = ToMinor(shares[k]);
    if (share == 0) continue;
    const Nanos recognised = RecognisedBefore(s, t);
    Nanos on_recognised = s.allocated != 0
                              ? CumulativeShare(share, recognised, s.allocated)
                              : share;
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
    std::vector<Piece> next;
    for (size_t i = 0; i < s.pieces.size(); ++i) {
      const Piece& p = s.pieces[i];
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
    s.pieces = std::move(next);
    s.pending -= cuts.back();
    if (s.pending == 0) s.pending_reason.clear();
    if (on_recognised != 0) {
      s.pieces.push_back(
          Point(t, -on_recognised,
                RevenueScheduleLineKind::REVENUE_SCHEDULE_LINE_KIND_CREDIT));
    }
    s.allocated -= share;
  }
  Record(
      nullptr, &credit, t,
      canonical::v1::MODIFICATION_TREATMENT_CUMULATIVE_CATCH_UP,
      absl::StrCat(
          "credit note ", credit.id(), " reduces the transaction price by ",
          FormatMoney(MinorToMoney(amount)),
          ", pro rata between revenue recognised and revenue still to come"));
  return absl::OkStatus();
}

absl::Status Builder::ScheduleUsage(const Contract& latest,
                                    const RecognitionEvents& events) {
  for (size_t i = 0; i < events.usage.size(); ++i) {
    const UsageReported& u = events.usage[i];
    if (!u.contract_id().empty() && u.contract_id() != latest.id()) continue;
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
    s->pieces.push_back(p);
    s->allocated += amount;
  }
  return absl::OkStatus();
}

struct LineKey {
  PeriodIndex period;
  int obligation;
  int kind;
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
  RETURN_IF_ERROR(CollectTriggers(latest, events));
  RETURN_IF_ERROR(Book(*ordered.front()));

  // Amendments and credit notes, in time order; at equal times amendments
  // first, then by version or credit note id.
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
  std::sort(changes.begin(), changes.end(),
            [&](const Change& a, const Change& b) {
              if (a.at != b.at) return a.at < b.at;
              if (a.order != b.order) return a.order < b.order;
              if (a.order == 0) return a.index < b.index;
              if (a.id != b.id) return a.id < b.id;
              return events.invoices[a.index].SerializeAsString() <
                     events.invoices[b.index].SerializeAsString();
            });
  for (const Change& c : changes) {
    if (c.order == 0) {
      RETURN_IF_ERROR(Amend(*ordered[c.index - 1], *ordered[c.index]));
    } else {
      RETURN_IF_ERROR(
          ApplyCredit(events.invoices[c.index], static_cast<int>(c.index)));
    }
  }
  RETURN_IF_ERROR(ScheduleUsage(latest, events));

  // Lines.
  std::vector<LineKey> keys;
  std::vector<PeriodAmount> spread;
  for (size_t i = 0; i < states_.size(); ++i) {
    for (const Piece& p : states_[i].pieces) {
      if (p.is_span) {
        spread.clear();
        SpreadAmount(p.span, p.amount, p.from, p.until, &spread);
        for (const PeriodAmount& pa : spread) {
          keys.push_back({pa.period, static_cast<int>(i), p.kind, pa.amount});
        }
      } else if (p.amount != 0) {
        keys.push_back({PeriodOf(p.at), static_cast<int>(i), p.kind, p.amount});
      }
    }
  }
  std::sort(keys.begin(), keys.end(), [](const LineKey& a, const LineKey& b) {
    return std::tie(a.period, a.obligation, a.kind) <
           std::tie(b.period, b.obligation, b.kind);
  });
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
  out.mutable_lines()->Reserve(static_cast<int>(keys.size()));
  for (size_t i = 0; i < keys.size();) {
    LineKey k = keys[i];
    size_t j = i + 1;
    while (j < keys.size() && keys[j].period == k.period &&
           keys[j].obligation == k.obligation && keys[j].kind == k.kind) {
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
  }
  return std::move(schedule_);
}

}  // namespace

absl::StatusOr<RevenueSchedule> BuildRevenueSchedule(
    const std::vector<Contract>& versions, const ProductCatalog& products,
    const RecognitionEvents& events, const ScheduleSettings& settings) {
  ScheduleSettings s = settings;
  if (s.convention == PeriodConvention::PERIOD_CONVENTION_UNSPECIFIED) {
    s.convention = PeriodConvention::PERIOD_CONVENTION_BY_DAY;
  }
  Builder builder(products, s);
  return builder.Run(versions, events);
}

}  // namespace revhub::revenue
