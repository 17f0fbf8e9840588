// Classifying the differences between the sides of a reconciliation
// (reconciler.h): pure functions of the inputs.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "canonical/money.h"
#include "hub/common/util.h"
#include "hub/orchestration/planner.h"
#include "hub/reconciliation/reconciler.h"

namespace revhub::hub::reconcile {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using adapter::v1::CanonicalEntity;
using cv1::Money;
using hub::v1::SideTotal;
using hub::v1::Variance;
using hub::v1::VarianceCategory;
using hub::v1::VarianceRef;

Money MoneyOf(const std::string& currency, Nanos n) {
  absl::StatusOr<Money> m = MoneyFromNanos(currency, n);
  if (m.ok()) return *m;
  Money zero;
  zero.set_currency_code(currency);
  return zero;
}

Nanos Abs(Nanos n) { return n < 0 ? -n : n; }

// The ERP object type a ledger kind is delivered as.
std::string ErpTypeOf(const std::string& kind) {
  if (kind == "customer") return "customer";
  if (kind == "invoice") return "invoice";
  if (kind == "credit_note") return "creditMemo";
  return "journalEntry";
}

// A variance id: stable for the same period, category and records.
std::string VarianceId(const std::string& period, VarianceCategory category,
                       const std::vector<std::string>& keys) {
  std::string text =
      absl::StrCat(period, "|", category, "|", absl::StrJoin(keys, "|"));
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  std::string name = hub::v1::VarianceCategory_Name(category);
  name = name.substr(sizeof("VARIANCE_CATEGORY_") - 1);
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return absl::StrCat("var_", period, "_", name, "_",
                      absl::Hex(h, absl::kZeroPad16));
}

VarianceRef HubRef(const PostingRow& row) {
  VarianceRef r;
  r.set_side("hub");
  r.set_system("revhub");
  r.set_object_type(row.kind);
  r.set_id(row.entity_id);
  r.set_trace_ref(row.entity_id);
  return r;
}

VarianceRef ErpRef(const ErpRecord& e) {
  VarianceRef r;
  r.set_side("erp");
  r.set_system(e.system);
  r.set_object_type(e.object_type);
  r.set_id(e.vendor_id);
  r.set_trace_ref(absl::StrCat(e.system, "/", e.object_type, "/", e.vendor_id));
  return r;
}

VarianceRef EntityRefOf(
    const std::string& side, const std::string& type, const std::string& id,
    const google::protobuf::RepeatedPtrField<cv1::ExternalRef>& external_refs) {
  VarianceRef r;
  r.set_side(side);
  r.set_system(external_refs.empty() ? "revhub" : external_refs[0].system());
  r.set_object_type(type);
  r.set_id(id);
  r.set_trace_ref(id);
  return r;
}

// What a ledger row delivered: amount and period.
struct Delivered {
  Money amount;
  std::string period;
  std::string legal_entity;
  std::string label;  // "invoice INV-1"
};

Delivered DeliveredOf(const PostingRow& row) {
  Delivered d;
  CanonicalEntity e;
  if (!e.ParseFromString(row.payload)) return d;
  d.amount = PayloadAmount(e);
  if (e.has_invoice()) {
    d.period = PeriodOf(e.invoice().issued_at());
    d.legal_entity = e.invoice().legal_entity();
    d.label = absl::StrCat(
        row.kind == "credit_note" ? "credit note " : "invoice ",
        e.invoice().invoice_number().empty() ? row.entity_id
                                             : e.invoice().invoice_number());
  } else if (e.has_journal_entry()) {
    d.period = PeriodOf(e.journal_entry().posting_date());
    d.legal_entity = e.journal_entry().legal_entity();
    d.label = absl::StrCat("journal entry ", row.external_id);
  } else if (e.has_customer()) {
    d.legal_entity = e.customer().legal_entity();
    d.amount.set_currency_code(e.customer().currency_code());
    d.label = absl::StrCat("customer ", e.customer().name());
  }
  return d;
}

class Classifier {
 public:
  explicit Classifier(const Inputs& in) : in_(in) {}

  Variance& Add(VarianceCategory category, std::vector<std::string> keys,
                const Money& stake, const Money& hub, const Money& other,
                const std::string& contract_id, cv1::EntityType type,
                const std::string& entity_id, std::string description,
                std::vector<VarianceRef> refs) {
    Variance v;
    v.set_variance_id(VarianceId(in_.period, category, keys));
    v.set_category(category);
    v.set_state(hub::v1::VARIANCE_STATE_OPEN);
    *v.mutable_amount_at_stake() = stake;
    *v.mutable_hub_amount() = hub;
    *v.mutable_other_amount() = other;
    v.set_contract_id(contract_id);
    v.mutable_entity()->set_entity_type(type);
    v.mutable_entity()->set_id(entity_id);
    v.set_description(std::move(description));
    for (auto& r : refs) *v.add_refs() = std::move(r);
    v.set_period(in_.period);
    v.set_legal_entity(in_.legal_entity);
    out_.push_back(std::move(v));
    return out_.back();
  }

  std::vector<Variance> Take() { return std::move(out_); }

 private:
  const Inputs& in_;
  std::vector<Variance> out_;
};

bool InEntity(const std::string& wanted, const std::string& le) {
  return wanted.empty() || wanted == le;
}

// Adds `amount` to the (side, system, measure, currency) total.
class Sides {
 public:
  void Add(const std::string& side, const std::string& system,
           const std::string& measure, const Money& amount) {
    auto key = std::make_tuple(side, system, measure, amount.currency_code());
    auto& [count, sum] = totals_[key];
    ++count;
    sum += ToNanos(amount);
  }
  std::vector<SideTotal> Take() const {
    static const std::map<std::string, int> kOrder = {
        {"crm", 0}, {"billing", 1}, {"hub", 2}, {"erp", 3}};
    std::vector<SideTotal> out;
    for (const auto& [key, value] : totals_) {
      SideTotal t;
      t.set_side(std::get<0>(key));
      t.set_system(std::get<1>(key));
      t.set_measure(std::get<2>(key));
      t.set_currency(std::get<3>(key));
      t.set_count(value.first);
      *t.mutable_amount() = MoneyOf(std::get<3>(key), value.second);
      out.push_back(std::move(t));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const SideTotal& a, const SideTotal& b) {
                       return kOrder.at(a.side()) < kOrder.at(b.side());
                     });
    return out;
  }

 private:
  std::map<std::tuple<std::string, std::string, std::string, std::string>,
           std::pair<int64_t, Nanos>>
      totals_;
};

std::string SourceSystem(
    const google::protobuf::RepeatedPtrField<cv1::ExternalRef>& refs) {
  return refs.empty() ? "revhub" : refs[0].system();
}

Money ContractValue(const cv1::Contract& c) {
  Nanos sum = 0;
  for (const auto& line : c.lines()) {
    Nanos qty = line.has_quantity() ? ToNanos(line.quantity()) : kNanosPerUnit;
    sum += ToNanos(line.unit_price()) * qty / kNanosPerUnit -
           ToNanos(line.discount_amount());
  }
  return MoneyOf(c.currency_code(), sum);
}

Money InvoiceTotal(const cv1::Invoice& inv) {
  if (inv.has_total()) return inv.total();
  Nanos sum = 0;
  for (const auto& line : inv.lines()) sum += ToNanos(line.amount());
  return MoneyOf(inv.currency_code(), sum);
}

}  // namespace

std::string PeriodOf(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m", FromProto(t), absl::UTCTimeZone());
}

void Compare(const Inputs& in, std::vector<Variance>* variances,
             std::vector<SideTotal>* sides_out) {
  Classifier c(in);
  Sides sides;
  namespace v1 = ::revhub::hub::v1;
  // The ERP's records by (system, type, external id) and by document number.
  std::map<std::tuple<std::string, std::string, std::string>,
           std::vector<const ErpRecord*>>
      by_eid;
  std::map<std::tuple<std::string, std::string, std::string>,
           std::vector<const ErpRecord*>>
      by_number;
  for (const ErpRecord& e : in.erp) {
    if (!e.external_id.empty())
      by_eid[{e.system, e.object_type, e.external_id}].push_back(&e);
    if (e.object_type == "customer") continue;
    if (e.period != in.period || !InEntity(in.legal_entity, e.legal_entity))
      continue;
    sides.Add("erp", e.system,
              e.object_type == "journalEntry" ? "journalled"
              : e.object_type == "creditMemo" ? "credited"
                                              : "invoiced",
              e.amount);
    if (!e.number.empty() && e.object_type != "journalEntry")
      by_number[{e.system, e.object_type, e.number}].push_back(&e);
  }
  // The ledger against the read-back.
  auto of_posting = [](Variance& v, const PostingRow& row) {
    v.set_target_system(row.target_system);
    v.set_external_id(row.external_id);
  };
  for (const PostingRow& row : in.postings) {
    if (row.kind == "accepted") continue;
    Delivered d = DeliveredOf(row);
    const bool customer = row.kind == "customer";
    if (!customer && d.period != in.period) continue;
    if (!InEntity(in.legal_entity, d.legal_entity)) continue;
    if (!customer) sides.Add("hub", row.target_system, "posted", d.amount);
    const std::string type = ErpTypeOf(row.kind);
    auto it = by_eid.find({row.target_system, type, row.external_id});
    Money zero = MoneyOf(d.amount.currency_code(), 0);
    if (it == by_eid.end()) {
      of_posting(c.Add(v1::VARIANCE_CATEGORY_MISSING_IN_ERP,
                       {row.target_system, row.external_id}, d.amount, d.amount,
                       zero, row.contract_id, row.entity_type, row.entity_id,
                       absl::StrCat(
                           d.label, " was posted to ", row.target_system,
                           " as ", row.external_id, " (", row.target_system,
                           " id ", row.vendor_id.empty() ? "?" : row.vendor_id,
                           ") but ", row.target_system, " does not hold it"),
                       {HubRef(row)}),
                 row);
      continue;
    }
    const std::vector<const ErpRecord*>& held = it->second;
    std::vector<VarianceRef> refs = {HubRef(row)};
    for (const ErpRecord* e : held) refs.push_back(ErpRef(*e));
    if (held.size() > 1) {
      Nanos extra = 0;
      for (size_t i = 1; i < held.size(); ++i)
        extra += ToNanos(held[i]->amount);
      of_posting(
          c.Add(v1::VARIANCE_CATEGORY_POSTED_TWICE,
                {row.target_system, row.external_id},
                MoneyOf(d.amount.currency_code(), extra), d.amount,
                MoneyOf(d.amount.currency_code(), ToNanos(d.amount) + extra),
                row.contract_id, row.entity_type, row.entity_id,
                absl::StrCat(row.target_system, " holds ", held.size(),
                             " records for ", d.label),
                refs),
          row);
    }
    if (customer) continue;
    const ErpRecord& e = *held.front();
    const Nanos diff = ToNanos(d.amount) - ToNanos(e.amount);
    if (diff != 0) {
      of_posting(
          c.Add(v1::VARIANCE_CATEGORY_AMOUNT_DIFFERS,
                {row.target_system, row.external_id},
                MoneyOf(d.amount.currency_code(), Abs(diff)), d.amount,
                e.amount, row.contract_id, row.entity_type, row.entity_id,
                absl::StrCat(d.label, ": the hub posted ",
                             FormatMoney(d.amount), ", ", row.target_system,
                             " holds ", FormatMoney(e.amount)),
                refs),
          row);
    }
    if (!e.period.empty() && e.period != d.period) {
      of_posting(
          c.Add(
              v1::VARIANCE_CATEGORY_TIMING,
              {row.target_system, row.external_id}, d.amount, d.amount,
              e.amount, row.contract_id, row.entity_type, row.entity_id,
              absl::StrCat(d.label, " is in ", d.period, " in the hub and in ",
                           e.period, " in ", row.target_system),
              refs),
          row);
    }
  }
  // Two ERP documents carrying one document number.
  for (const auto& [key, records] : by_number) {
    if (records.size() < 2) continue;
    std::vector<std::string> keys;
    std::vector<VarianceRef> refs;
    Nanos extra = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      keys.push_back(records[i]->vendor_id);
      refs.push_back(ErpRef(*records[i]));
      if (i > 0) extra += ToNanos(records[i]->amount);
    }
    const std::string& currency = records[0]->amount.currency_code();
    c.Add(
        v1::VARIANCE_CATEGORY_POSTED_TWICE, keys, MoneyOf(currency, extra),
        records[0]->amount, MoneyOf(currency, extra), "",
        cv1::ENTITY_TYPE_INVOICE, records[0]->external_id,
        absl::StrCat(std::get<0>(key), " holds ", records.size(), " ",
                     std::get<1>(key), " records numbered ", std::get<2>(key)),
        refs);
  }
  // CRM and billing.
  std::map<std::string, const cv1::Contract*> contracts;
  for (const cv1::Contract& k : in.contracts) contracts[k.id()] = &k;
  std::set<std::string> invoiced_contracts;
  for (const cv1::Invoice& inv : in.invoices) {
    if (inv.kind() == cv1::INVOICE_KIND_INVOICE &&
        inv.status() != cv1::INVOICE_STATUS_VOID && !inv.contract_id().empty())
      invoiced_contracts.insert(inv.contract_id());
  }
  for (const cv1::Invoice& inv : in.invoices) {
    if (PeriodOf(inv.issued_at()) != in.period ||
        !InEntity(in.legal_entity, inv.legal_entity()) ||
        inv.status() == cv1::INVOICE_STATUS_VOID)
      continue;
    const bool credit = inv.kind() == cv1::INVOICE_KIND_CREDIT_NOTE;
    const Money total = InvoiceTotal(inv);
    sides.Add("billing", SourceSystem(inv.external_refs()),
              credit ? "credited" : "invoiced", total);
    if (credit) continue;
    std::vector<VarianceRef> refs = {
        EntityRefOf("billing", "invoice", inv.id(), inv.external_refs())};
    const Money zero = MoneyOf(inv.currency_code(), 0);
    auto k = contracts.find(inv.contract_id());
    if (inv.contract_id().empty()) {
      c.Add(v1::VARIANCE_CATEGORY_UNLINKED_INVOICE, {inv.id()}, total, zero,
            total, "", cv1::ENTITY_TYPE_INVOICE, inv.id(),
            absl::StrCat("invoice ", inv.invoice_number(),
                         " belongs to no contract"),
            refs);
    } else if (k == contracts.end() ||
               k->second->status() == cv1::CONTRACT_STATUS_DRAFT) {
      if (k != contracts.end())
        refs.push_back(EntityRefOf("crm", "contract", inv.contract_id(),
                                   k->second->external_refs()));
      c.Add(v1::VARIANCE_CATEGORY_BILLED_NOT_BOOKED, {inv.id()}, total, zero,
            total, inv.contract_id(), cv1::ENTITY_TYPE_INVOICE, inv.id(),
            absl::StrCat("invoice ", inv.invoice_number(), " bills contract ",
                         inv.contract_id(),
                         k == contracts.end() ? ", which the hub does not know"
                                              : ", which is not booked"),
            refs);
    }
  }
  for (const cv1::Contract& k : in.contracts) {
    if (k.status() != cv1::CONTRACT_STATUS_ACTIVE ||
        PeriodOf(k.term().start_time()) != in.period ||
        !InEntity(in.legal_entity, k.legal_entity()))
      continue;
    const Money value = ContractValue(k);
    sides.Add("crm", SourceSystem(k.external_refs()), "bookings", value);
    if (invoiced_contracts.count(k.id())) continue;
    c.Add(v1::VARIANCE_CATEGORY_BOOKED_NOT_BILLED, {k.id()}, value, value,
          MoneyOf(k.currency_code(), 0), k.id(), cv1::ENTITY_TYPE_CONTRACT,
          k.id(),
          absl::StrCat("contract ", k.contract_number(),
                       " is booked but has no invoice"),
          {EntityRefOf("crm", "contract", k.id(), k.external_refs())});
  }
  // The hub's schedules: entries of the period, and the revenue recognised.
  for (const cv1::JournalEntry& je : in.journal_entries) {
    if (je.period() != in.period ||
        !InEntity(in.legal_entity, je.legal_entity()) || je.lines().empty())
      continue;
    const std::string currency = je.lines(0).debit().currency_code().empty()
                                     ? je.lines(0).credit().currency_code()
                                     : je.lines(0).debit().currency_code();
    Nanos debits = 0, revenue = 0;
    for (const auto& l : je.lines()) {
      debits += ToNanos(l.debit());
      if (l.account_role() == cv1::ACCOUNT_ROLE_REVENUE)
        revenue += ToNanos(l.credit()) - ToNanos(l.debit());
    }
    sides.Add("hub", "revhub", "journalled", MoneyOf(currency, debits));
    if (je.source_kind() == "recognition")
      sides.Add("hub", "revhub", "recognised", MoneyOf(currency, revenue));
  }
  for (const cv1::Payment& p : in.payments) {
    if (!InEntity(in.legal_entity, p.legal_entity())) continue;
    sides.Add("billing", SourceSystem(p.external_refs()), "paid", p.amount());
  }
  *variances = c.Take();
  *sides_out = sides.Take();
}

}  // namespace revhub::hub::reconcile
