#include "canonical/revenue/reports.h"

#include <algorithm>
#include <climits>
#include <map>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {
namespace {

using canonical::v1::AccountRole;
using canonical::v1::JournalEntry;
using canonical::v1::JournalLine;

// The one classification table: what moved a balance, by the journal
// entry's source_kind, and which contra revenue role is that category's. A
// new source kind (or contra role) is one more name in a row.
struct Category {
  Movement movement;
  // Its position movement is a net billing (waterfall).
  bool net_billing;
  absl::string_view source_kinds[4];
  AccountRole contra_role;
};

constexpr Category kCategories[] = {
    {Movement::kBillings,
     true,
     {"invoice"},
     canonical::v1::ACCOUNT_ROLE_UNSPECIFIED},
    {Movement::kRecognised,
     false,
     {"recognition"},
     canonical::v1::ACCOUNT_ROLE_UNSPECIFIED},
    {Movement::kCreditNotes,
     true,
     {"credit_note"},
     canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE},
    {Movement::kRefunds,
     false,
     {"refund"},
     canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND},
    {Movement::kVoids,
     true,
     {"void"},
     canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_VOID},
    {Movement::kDisputes,
     false,
     {"dispute", "dispute_won", "dispute_lost"},
     canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE},
};

// Returns the table's row for a source kind, or null.
const Category* CategoryOfKind(absl::string_view kind) {
  for (const Category& c : kCategories) {
    for (absl::string_view k : c.source_kinds) {
      if (!k.empty() && kind == k) return &c;
    }
  }
  return nullptr;
}

// Whether each account role (by number) is REVENUE or contra revenue.
struct RevenueRoles {
  bool is[32] = {};
  RevenueRoles() {
    is[canonical::v1::ACCOUNT_ROLE_REVENUE] = true;
    for (const Category& c : kCategories) {
      if (c.contra_role != canonical::v1::ACCOUNT_ROLE_UNSPECIFIED) {
        is[c.contra_role] = true;
      }
    }
  }
};

bool IsRevenueRole(int role) {
  static const RevenueRoles roles;
  return role >= 0 && role < 32 && roles.is[role];
}

// Debit minus credit.
Nanos LineDebit(const JournalLine& l) {
  return ToNanos(l.debit()) - ToNanos(l.credit());
}

// Parses an entry's or line's "YYYY-MM" period.
absl::StatusOr<PeriodIndex> PeriodOfText(const std::string& text,
                                         const ContractBooks& b,
                                         absl::string_view what) {
  const char* s = text.data();
  if (text.size() == 7 && s[4] == '-') {
    int year = 0;
    bool digits = true;
    for (int i = 0; i < 4; ++i) {
      digits &= s[i] >= '0' && s[i] <= '9';
      year = year * 10 + (s[i] - '0');
    }
    digits &= s[5] >= '0' && s[5] <= '9' && s[6] >= '0' && s[6] <= '9';
    const int month = (s[5] - '0') * 10 + (s[6] - '0');
    if (digits && month >= 1 && month <= 12) {
      return static_cast<PeriodIndex>(year * 12 + month - 1);
    }
  }
  return ParsePeriod(
      text, absl::StrCat("contract ", b.contract_id, ": ", what, ".period"));
}

bool SellsProduct(const ContractBooks& b, const std::string& product) {
  for (const auto& po : b.schedule.obligations()) {
    if (po.product_id() == product) return true;
  }
  return false;
}

bool Selected(const ReportQuery& q, const ContractBooks& b) {
  return (q.contract_id.empty() || q.contract_id == b.contract_id) &&
         (q.customer_id.empty() || q.customer_id == b.customer_id) &&
         (q.legal_entity.empty() || q.legal_entity == b.legal_entity) &&
         (q.currency_code.empty() || q.currency_code == b.currency_code) &&
         (q.product_id.empty() || SellsProduct(b, q.product_id));
}

// Returns the contract's group key (REQUIRES: not grouping by product).
const std::string& ContractGroup(const ReportQuery& q, const ContractBooks& b) {
  switch (q.group_by) {
    case ReportGroupBy::kCustomer:
      return b.customer_id;
    case ReportGroupBy::kLegalEntity:
      return b.legal_entity;
    case ReportGroupBy::kCurrency:
      return b.currency_code;
    default:
      return b.contract_id;
  }
}

absl::Status RefuseProductGrouping(const ReportQuery& q,
                                   absl::string_view report) {
  if (q.group_by != ReportGroupBy::kProduct) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "query.group_by: the ", report,
      " cannot be grouped by product: billing entries are per contract, not "
      "per product"));
}

// Obligation id -> product id of a contract, for per-product reports.
absl::flat_hash_map<std::string, std::string> ProductsOf(
    const ContractBooks& b) {
  absl::flat_hash_map<std::string, std::string> out;
  for (const auto& po : b.schedule.obligations())
    out[po.id()] = po.product_id();
  return out;
}

// Accumulators keyed by (group, currency), kept in key order for output.
template <typename Acc>
class Groups {
 public:
  Acc& At(const std::string& group, const std::string& currency) {
    std::string key = absl::StrCat(group, std::string(1, '\0'), currency);
    auto [it, inserted] = index_.try_emplace(std::move(key), accs_.size());
    if (inserted) accs_.push_back({group, currency, Acc()});
    return std::get<2>(accs_[it->second]);
  }
  // Returns (group, currency, acc) sorted by group then currency.
  std::vector<std::tuple<std::string, std::string, Acc>>& Sorted() {
    std::sort(accs_.begin(), accs_.end(), [](const auto& a, const auto& b) {
      return std::tie(std::get<0>(a), std::get<1>(a)) <
             std::tie(std::get<0>(b), std::get<1>(b));
    });
    index_.clear();
    return accs_;
  }

 private:
  absl::flat_hash_map<std::string, size_t> index_;
  std::vector<std::tuple<std::string, std::string, Acc>> accs_;
};

int RangeSize(const ReportQuery& q) { return q.last - q.first + 1; }

// ---------------------------------------------------------------- waterfall

struct CohortAcc {
  bool seen = false;
  Nanos billed = 0;
  Nanos remaining = 0;
  std::vector<Nanos> recognised;  // empty until something is recognised
};

// A group's cohorts by billing period, and the unbilled one.
struct WaterfallAcc {
  PeriodIndex base = 0;
  std::vector<CohortAcc> cohorts;
  CohortAcc unbilled;

  CohortAcc& At(PeriodIndex p) {
    if (cohorts.empty()) base = p;
    if (p < base) {
      cohorts.insert(cohorts.begin(), base - p, CohortAcc());
      base = p;
    }
    if (p - base >= static_cast<PeriodIndex>(cohorts.size())) {
      cohorts.resize(p - base + 1);
    }
    return cohorts[p - base];
  }
};

// One contract's cohort while allotting.
struct Cohort {
  PeriodIndex period;
  Nanos billed;
  Nanos allotted = 0;
  CohortAcc* row = nullptr;  // its group's row
};

// Adds recognition of the range's period `offset` to a row and the total.
void Allot(CohortAcc* row, std::vector<Nanos>* total, int n, int offset,
           Nanos amount) {
  if (row->recognised.empty()) row->recognised.assign(n, 0);
  row->recognised[offset] += amount;
  (*total)[offset] += amount;
}

}  // namespace

Movement MovementOfSourceKind(absl::string_view source_kind) {
  const Category* c = CategoryOfKind(source_kind);
  return c == nullptr ? Movement::kBillings : c->movement;
}

bool IsNetBilling(absl::string_view source_kind) {
  const Category* c = CategoryOfKind(source_kind);
  return c != nullptr && c->net_billing;
}

bool ContraCategoryOf(AccountRole role, Movement* category) {
  if (role == canonical::v1::ACCOUNT_ROLE_UNSPECIFIED) return false;
  for (const Category& c : kCategories) {
    if (c.contra_role == role) {
      *category = c.movement;
      return true;
    }
  }
  return false;
}

absl::Status ValidateReportRange(const ReportQuery& query) {
  if (query.last < query.first) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query.period_end: \"", PeriodName(query.last),
        "\" is before period_start \"", PeriodName(query.first), "\""));
  }
  if (RangeSize(query) > kMaxReportPeriods) {
    return absl::InvalidArgumentError(
        absl::StrCat("query.period_end: the range has ", RangeSize(query),
                     " periods; a report covers at most ", kMaxReportPeriods));
  }
  return absl::OkStatus();
}

absl::StatusOr<WaterfallReport> Waterfall(
    const ReportQuery& query, const std::vector<ContractBooks>& books) {
  RETURN_IF_ERROR(ValidateReportRange(query));
  RETURN_IF_ERROR(RefuseProductGrouping(query, "waterfall"));
  const int n = RangeSize(query);
  Groups<WaterfallAcc> groups;
  std::map<std::string, std::vector<Nanos>> totals;
  std::vector<Cohort> cohorts;
  std::vector<std::pair<PeriodIndex, Nanos>> recognition;
  for (const ContractBooks& b : books) {
    if (!Selected(query, b)) continue;
    cohorts.clear();
    recognition.clear();
    for (const JournalEntry& e : b.entries) {
      const bool billing = IsNetBilling(e.source_kind());
      Nanos position = 0;
      Nanos revenue = 0;
      for (const JournalLine& l : e.lines()) {
        const int role = l.account_role();
        if (role == canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE ||
            role == canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE) {
          position -= LineDebit(l);
        } else if (IsRevenueRole(role)) {
          revenue -= LineDebit(l);
        }
      }
      if (!billing) position = 0;
      if (position == 0 && revenue == 0) continue;
      ASSIGN_OR_RETURN(PeriodIndex p,
                       PeriodOfText(e.period(), b, "journal entry"));
      if (p > query.last) continue;
      if (position != 0) cohorts.push_back({p, position});
      if (revenue != 0) recognition.push_back({p, revenue});
    }
    // Merge each period's billings into one cohort, and order recognition.
    std::sort(
        cohorts.begin(), cohorts.end(),
        [](const Cohort& a, const Cohort& c) { return a.period < c.period; });
    size_t kept = 0;
    for (size_t i = 0; i < cohorts.size(); ++i) {
      if (kept > 0 && cohorts[kept - 1].period == cohorts[i].period) {
        cohorts[kept - 1].billed += cohorts[i].billed;
      } else {
        cohorts[kept++] = cohorts[i];
      }
    }
    cohorts.resize(kept);
    std::stable_sort(
        recognition.begin(), recognition.end(),
        [](const auto& a, const auto& c) { return a.first < c.first; });
    // The group's rows, created before any is pointed at.
    WaterfallAcc& acc = groups.At(ContractGroup(query, b), b.currency_code);
    for (const Cohort& c : cohorts) acc.At(c.period);
    for (Cohort& c : cohorts) c.row = &acc.At(c.period);
    std::vector<Nanos>& total = totals[b.currency_code];
    total.resize(n, 0);
    Nanos unbilled = 0;
    bool unbilled_touched = false;
    size_t front = 0;  // cohorts before it are full (or never take any)
    for (const auto& [p, amount] : recognition) {
      const bool in_range = p >= query.first;
      const int offset = p - query.first;
      Nanos r = amount;
      if (r > 0) {
        while (r > 0 && front < cohorts.size()) {
          Cohort& c = cohorts[front];
          const Nanos open = c.billed - c.allotted;
          if (open <= 0) {
            ++front;
            continue;
          }
          const Nanos take = std::min(open, r);
          c.allotted += take;
          r -= take;
          if (in_range) Allot(c.row, &total, n, offset, take);
          if (c.allotted == c.billed) ++front;
        }
        if (r > 0) {
          unbilled += r;
          unbilled_touched = true;
          if (in_range) Allot(&acc.unbilled, &total, n, offset, r);
        }
        continue;
      }
      // A reduction gives back from the latest allotment first.
      Nanos back = -r;
      if (unbilled > 0) {
        const Nanos take = std::min(unbilled, back);
        unbilled -= take;
        unbilled_touched = true;
        back -= take;
        if (in_range) Allot(&acc.unbilled, &total, n, offset, -take);
      }
      size_t k = std::min(front + 1, cohorts.size());
      while (back > 0 && k > 0) {
        Cohort& c = cohorts[k - 1];
        if (c.allotted <= 0) {
          --k;
          continue;
        }
        const Nanos take = std::min(c.allotted, back);
        c.allotted -= take;
        back -= take;
        if (in_range) Allot(c.row, &total, n, offset, -take);
        if (c.allotted == 0) --k;
      }
      front = k > 0 ? k - 1 : 0;
      if (back > 0) {
        unbilled -= back;
        unbilled_touched = true;
        if (in_range) Allot(&acc.unbilled, &total, n, offset, -back);
      }
    }
    // What each row billed and has left.
    for (const Cohort& c : cohorts) {
      c.row->seen = true;
      c.row->billed += c.billed;
      c.row->remaining += c.billed - c.allotted;
    }
    if (unbilled_touched) {
      acc.unbilled.seen = true;
      acc.unbilled.remaining -= unbilled;
    }
  }
  WaterfallReport out;
  for (auto& [group_key, currency_key, acc] : groups.Sorted()) {
    // Lambdas may not capture structured bindings before C++20 in clang 14.
    const std::string& group = group_key;
    const std::string& currency = currency_key;
    auto emit = [&](CohortAcc& row, std::string label, bool billed_in_range) {
      if (!row.seen) return;
      if (!billed_in_range && row.recognised.empty() && row.remaining == 0) {
        return;
      }
      WaterfallRow& r = out.rows.emplace_back();
      r.group = group;
      r.currency_code = currency;
      r.billed_period = std::move(label);
      r.billed = row.billed;
      r.recognised = row.recognised.empty() ? std::vector<Nanos>(n, 0)
                                            : std::move(row.recognised);
      r.remaining = row.remaining;
    };
    for (size_t i = 0; i < acc.cohorts.size(); ++i) {
      const PeriodIndex p = acc.base + static_cast<PeriodIndex>(i);
      emit(acc.cohorts[i], PeriodName(p),
           p >= query.first && acc.cohorts[i].billed != 0);
    }
    emit(acc.unbilled, kUnbilledCohort, false);
  }
  for (auto& [currency, amounts] : totals) {
    out.recognised_total.emplace_back(currency, std::move(amounts));
  }
  return out;
}

absl::StatusOr<std::vector<RollForwardRow>> RollForward(
    const ReportQuery& query, AccountRole account,
    const std::vector<ContractBooks>& books) {
  RETURN_IF_ERROR(ValidateReportRange(query));
  RETURN_IF_ERROR(RefuseProductGrouping(query, "roll-forward"));
  Nanos sign = 0;  // shown = sign x (debit - credit)
  if (account == canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE) sign = -1;
  if (account == canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE) sign = 1;
  if (sign == 0) {
    return absl::InvalidArgumentError(
        "account: a roll-forward follows DEFERRED_REVENUE or "
        "UNBILLED_RECEIVABLE");
  }
  const int n = RangeSize(query);
  struct Acc {
    Nanos opening = 0;
    std::vector<std::array<Nanos, kMovementCount>> movements;
  };
  Groups<Acc> groups;
  for (const ContractBooks& b : books) {
    if (!Selected(query, b)) continue;
    Acc& acc = groups.At(ContractGroup(query, b), b.currency_code);
    if (acc.movements.empty()) acc.movements.resize(n);
    for (const JournalEntry& e : b.entries) {
      Nanos amount = 0;
      for (const JournalLine& l : e.lines()) {
        if (l.account_role() == account) amount += LineDebit(l);
      }
      if (amount == 0) continue;
      ASSIGN_OR_RETURN(PeriodIndex p,
                       PeriodOfText(e.period(), b, "journal entry"));
      if (p > query.last) continue;
      if (p < query.first) {
        acc.opening += sign * amount;
      } else {
        acc.movements[p - query.first][static_cast<int>(
            MovementOfSourceKind(e.source_kind()))] += sign * amount;
      }
    }
  }
  std::vector<RollForwardRow> out;
  for (auto& [group, currency, acc] : groups.Sorted()) {
    bool any = acc.opening != 0;
    for (const auto& m : acc.movements) {
      for (Nanos x : m) any |= x != 0;
    }
    if (!any) continue;
    Nanos balance = acc.opening;
    for (int i = 0; i < n; ++i) {
      RollForwardRow& r = out.emplace_back();
      r.group = group;
      r.currency_code = currency;
      r.period = query.first + i;
      r.opening = balance;
      r.movements = acc.movements[i];
      for (Nanos x : r.movements) balance += x;
      r.closing = balance;
    }
  }
  return out;
}

absl::StatusOr<std::vector<RemainingObligationsRow>> RemainingObligations(
    const ReportQuery& query, const std::vector<ContractBooks>& books) {
  RETURN_IF_ERROR(ValidateReportRange(query));
  struct Acc {
    Nanos within = 0;
    Nanos later = 0;
  };
  Groups<Acc> groups;
  const bool by_product = query.group_by == ReportGroupBy::kProduct;
  const bool per_obligation = by_product || !query.product_id.empty();
  for (const ContractBooks& b : books) {
    if (!Selected(query, b)) continue;
    absl::flat_hash_map<std::string, std::string> products;
    if (per_obligation) products = ProductsOf(b);
    auto product_of = [&](const std::string& obligation) -> const std::string& {
      static const std::string kNone;
      auto it = products.find(obligation);
      return it == products.end() ? kNone : it->second;
    };
    auto acc_for = [&](const std::string& obligation) -> Acc* {
      if (!per_obligation) {
        return &groups.At(ContractGroup(query, b), b.currency_code);
      }
      const std::string& product = product_of(obligation);
      if (!query.product_id.empty() && product != query.product_id) {
        return nullptr;
      }
      return &groups.At(by_product ? product : ContractGroup(query, b),
                        b.currency_code);
    };
    for (const auto& line : b.schedule.lines()) {
      ASSIGN_OR_RETURN(PeriodIndex p,
                       PeriodOfText(line.period(), b, "schedule line"));
      if (p <= query.last) continue;
      Acc* acc = acc_for(line.performance_obligation_id());
      if (acc == nullptr) continue;
      (p <= query.last + 12 ? acc->within : acc->later) +=
          ToNanos(line.amount());
    }
    for (const auto& po : b.schedule.obligations()) {
      if (!po.has_pending_amount()) continue;
      Acc* acc = acc_for(po.id());
      if (acc != nullptr) acc->later += ToNanos(po.pending_amount());
    }
  }
  std::vector<RemainingObligationsRow> out;
  for (auto& [group, currency, acc] : groups.Sorted()) {
    if (acc.within == 0 && acc.later == 0) continue;
    RemainingObligationsRow& r = out.emplace_back();
    r.group = group;
    r.currency_code = currency;
    r.within_12_months = acc.within;
    r.later = acc.later;
    r.total = acc.within + acc.later;
  }
  return out;
}

absl::StatusOr<std::vector<ContractBalanceRow>> ContractBalances(
    const ReportQuery& query, const std::vector<ContractBooks>& books) {
  RETURN_IF_ERROR(ValidateReportRange(query));
  if (query.group_by != ReportGroupBy::kContract) {
    return absl::InvalidArgumentError(
        "query.group_by: contract balances are per contract (a contract's "
        "asset and liability are netted, ASC 606-10-45-1); leave group_by "
        "unset or CONTRACT");
  }
  const int n = RangeSize(query);
  std::vector<const ContractBooks*> sorted;
  for (const ContractBooks& b : books) {
    if (Selected(query, b)) sorted.push_back(&b);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const ContractBooks* a, const ContractBooks* b) {
                     return a->contract_id < b->contract_id;
                   });
  // Per period of the range, then the opening: asset, liability, receivable.
  std::vector<std::array<Nanos, 3>> moves;
  std::vector<ContractBalanceRow> out;
  for (const ContractBooks* b : sorted) {
    moves.assign(n + 1, {0, 0, 0});
    for (const JournalEntry& e : b->entries) {
      std::array<Nanos, 3> m = {0, 0, 0};
      for (const JournalLine& l : e.lines()) {
        switch (l.account_role()) {
          case canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE:
            m[0] += LineDebit(l);
            break;
          case canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE:
            m[1] -= LineDebit(l);
            break;
          case canonical::v1::ACCOUNT_ROLE_RECEIVABLE:
            m[2] += LineDebit(l);
            break;
          default:
            break;
        }
      }
      if (m[0] == 0 && m[1] == 0 && m[2] == 0) continue;
      ASSIGN_OR_RETURN(PeriodIndex p,
                       PeriodOfText(e.period(), *b, "journal entry"));
      if (p > query.last) continue;
      auto& slot = moves[p < query.first ? n : p - query.first];
      for (int k = 0; k < 3; ++k) slot[k] += m[k];
    }
    std::array<Nanos, 3> balance = moves[n];
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < 3; ++k) balance[k] += moves[i][k];
      if (balance[0] == 0 && balance[1] == 0 && balance[2] == 0) continue;
      ContractBalanceRow& r = out.emplace_back();
      r.contract_id = b->contract_id;
      r.customer_id = b->customer_id;
      r.legal_entity = b->legal_entity;
      r.currency_code = b->currency_code;
      r.period = query.first + i;
      r.contract_asset = balance[0];
      r.contract_liability = balance[1];
      r.receivable = balance[2];
    }
  }
  return out;
}

absl::StatusOr<std::vector<ContraRevenueRow>> ContraRevenue(
    const ReportQuery& query, const std::vector<ContractBooks>& books) {
  RETURN_IF_ERROR(ValidateReportRange(query));
  const int n = RangeSize(query);
  using Acc = std::vector<std::array<Nanos, kMovementCount>>;
  Groups<Acc> groups;
  const bool by_product = query.group_by == ReportGroupBy::kProduct;
  const bool per_obligation = by_product || !query.product_id.empty();
  for (const ContractBooks& b : books) {
    if (!Selected(query, b)) continue;
    absl::flat_hash_map<std::string, std::string> products;
    if (per_obligation) products = ProductsOf(b);
    for (const JournalEntry& e : b.entries) {
      bool parsed = false;
      PeriodIndex p = 0;
      for (const JournalLine& l : e.lines()) {
        Movement category;
        if (!ContraCategoryOf(l.account_role(), &category)) continue;
        if (!parsed) {
          ASSIGN_OR_RETURN(p, PeriodOfText(e.period(), b, "journal entry"));
          parsed = true;
        }
        if (p < query.first || p > query.last) break;
        std::string product;
        if (per_obligation) {
          auto it = products.find(l.performance_obligation_id());
          if (it != products.end()) product = it->second;
          if (!query.product_id.empty() && product != query.product_id) {
            continue;
          }
        }
        Acc& acc = groups.At(by_product ? product : ContractGroup(query, b),
                             b.currency_code);
        if (acc.empty()) acc.resize(n);
        acc[p - query.first][static_cast<int>(category)] += LineDebit(l);
      }
    }
  }
  std::vector<ContraRevenueRow> out;
  for (auto& [group, currency, acc] : groups.Sorted()) {
    for (int i = 0; i < n; ++i) {
      const auto& m = acc[i];
      ContraRevenueRow r;
      r.group = group;
      r.currency_code = currency;
      r.period = query.first + i;
      r.credit_notes = m[static_cast<int>(Movement::kCreditNotes)];
      r.refunds = m[static_cast<int>(Movement::kRefunds)];
      r.voids = m[static_cast<int>(Movement::kVoids)];
      r.disputes = m[static_cast<int>(Movement::kDisputes)];
      r.total = r.credit_notes + r.refunds + r.voids + r.disputes;
      if (r.credit_notes == 0 && r.refunds == 0 && r.voids == 0 &&
          r.disputes == 0) {
        continue;
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace revhub::revenue
