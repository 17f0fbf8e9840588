// Reconciler (reconciler.h): the run (reading every side), storing the
// variances with their exceptions, and the two actions.
#include "hub/reconciliation/reconciler.h"

#include <map>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"
#include "hub/orchestration/planner.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
namespace v1 = ::revhub::hub::v1;
using reconcile::ErpRecord;
using reconcile::Inputs;

constexpr const char* kErpTypes[] = {"customer", "invoice", "creditMemo",
                                     "journalEntry"};
constexpr int kReadAttempts = 5;

absl::Status CheckPeriod(absl::string_view period) {
  absl::Time t;
  std::string err;
  if (period.size() != 7 ||
      !absl::ParseTime("%Y-%m", std::string(period), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("period: \"", period, "\" is not a month (YYYY-MM)"));
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::vector<T>> AllEntities(Store& store, cv1::EntityType type,
                                           const char* field_name) {
  std::vector<T> out;
  ListEntitiesQuery q;
  q.type = type;
  q.page_size = 500;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(q));
    for (const StoredEntity& e : page.entities) {
      T m;
      if (!m.ParseFromString(e.payload))
        return absl::DataLossError(
            absl::StrCat("stored ", field_name, " ", e.id, " does not parse"));
      out.push_back(std::move(m));
    }
    if (page.next_page_token.empty()) return out;
    q.page_token = page.next_page_token;
  }
}

// The ERP record a translated entity is, or nullopt for other entities.
std::optional<ErpRecord> ToErpRecord(const std::string& system,
                                     const std::string& object_type,
                                     const std::string& vendor_id,
                                     const adapter::v1::CanonicalEntity& e) {
  ErpRecord r;
  r.system = system;
  r.object_type = object_type;
  r.vendor_id = vendor_id;
  if (e.has_customer()) {
    auto it = e.customer().attributes().find("externalId");
    if (it != e.customer().attributes().end()) r.external_id = it->second;
    r.legal_entity = e.customer().legal_entity();
    r.amount.set_currency_code(e.customer().currency_code());
  } else if (e.has_invoice()) {
    const cv1::Invoice& inv = e.invoice();
    auto it = inv.attributes().find("externalId");
    if (it != inv.attributes().end()) r.external_id = it->second;
    r.number = inv.invoice_number();
    r.period = reconcile::PeriodOf(inv.issued_at());
    r.legal_entity = inv.legal_entity();
    r.amount = inv.total();
  } else if (e.has_journal_entry()) {
    const cv1::JournalEntry& je = e.journal_entry();
    if (je.source_kind() == "externalId") r.external_id = je.source_id();
    r.number = je.entry_number();
    r.period = je.period();
    r.legal_entity = je.legal_entity();
    adapter::v1::CanonicalEntity copy = e;
    r.amount = PayloadAmount(copy);
  } else {
    return std::nullopt;
  }
  return r;
}

}  // namespace

Reconciler::Reconciler(Store* store, AdapterSupervisor* adapters,
                       const ExceptionRouting* routing,
                       std::function<void()> notify)
    : store_(store),
      adapters_(adapters),
      routing_(routing),
      notify_(std::move(notify)) {}

namespace {

// Reads every record of the ERP `system` back through its adapter.
absl::Status ReadBack(AdapterSupervisor& adapters, const v1::System& system,
                      std::vector<ErpRecord>* out) {
  ASSIGN_OR_RETURN(std::shared_ptr<AdapterClient> client, adapters.For(system));
  ASSIGN_OR_RETURN(AdapterConfig config, adapters.ConfigFor(system));
  for (const char* type : kErpTypes) {
    std::string cursor;
    int attempts = 0;
    while (true) {
      adapter::v1::ReadRequest req;
      req.set_system(system.name());
      *req.mutable_config() = config.config;
      req.set_object_type(type);
      req.set_cursor(cursor);
      req.set_page_size(200);
      ASSIGN_OR_RETURN(adapter::v1::ReadResponse page, client->Read(req));
      if (page.outcome() == adapter::v1::READ_OUTCOME_RETRY &&
          ++attempts < kReadAttempts) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(
            2000,
            std::max<int64_t>(
                100, google::protobuf::util::TimeUtil::DurationToMilliseconds(
                         page.retry_after())))));
        continue;
      }
      if (page.outcome() != adapter::v1::READ_OUTCOME_OK) {
        return absl::UnavailableError(
            absl::StrCat("systems: reading ", type, " back from ",
                         system.name(), ": ", config.Redact(page.reason())));
      }
      attempts = 0;
      for (const adapter::v1::SourcedRecord& rec : page.records()) {
        adapter::v1::TranslateRequest treq;
        treq.set_system(system.name());
        *treq.mutable_config() = config.config;
        *treq.mutable_record() = rec.record();
        ASSIGN_OR_RETURN(adapter::v1::TranslateResponse tr,
                         client->Translate(treq));
        if (tr.result().outcome() !=
            adapter::v1::TRANSLATION_OUTCOME_TRANSLATED) {
          return absl::FailedPreconditionError(absl::StrCat(
              "systems: ", system.name(), " ", type, " ", rec.vendor_id(),
              " read back does not translate: ",
              tr.result().errors_size() > 0
                  ? absl::StrCat(tr.result().errors(0).field_path(), ": ",
                                 tr.result().errors(0).reason())
                  : std::string("no entity")));
        }
        for (const auto& e : tr.result().entities()) {
          if (auto r = ToErpRecord(system.name(), type, rec.vendor_id(), e))
            out->push_back(std::move(*r));
        }
      }
      if (!page.has_more() || page.records_size() == 0) break;
      cursor = page.next_cursor();
    }
  }
  return absl::OkStatus();
}

// Totals of the open variances by category and currency.
void Totals(v1::ReconciliationReport* report) {
  std::map<std::pair<int, std::string>, std::pair<int64_t, Nanos>> sums;
  for (const v1::Variance& v : report->variances()) {
    if (v.state() != v1::VARIANCE_STATE_OPEN) continue;
    auto& [count, sum] =
        sums[{v.category(), v.amount_at_stake().currency_code()}];
    ++count;
    sum += ToNanos(v.amount_at_stake());
  }
  report->clear_totals();
  for (const auto& [key, value] : sums) {
    v1::VarianceTotal* t = report->add_totals();
    t->set_category(static_cast<v1::VarianceCategory>(key.first));
    t->set_currency(key.second);
    t->set_count(value.first);
    auto m = MoneyFromNanos(key.second, value.second);
    if (m.ok()) *t->mutable_amount() = *m;
  }
}

v1::Exception ExceptionFor(const v1::Variance& v) {
  v1::Exception e;
  e.set_kind(v1::EXCEPTION_KIND_RECONCILIATION_VARIANCE);
  e.set_system(v.target_system());
  e.set_contract_id(v.contract_id());
  *e.mutable_entity() = v.entity();
  e.set_error(absl::StrCat(v1::VarianceCategory_Name(v.category()).substr(18),
                           " (", v.period(), ", variance ", v.variance_id(),
                           "): ", v.description()));
  *e.mutable_amount_at_stake() = v.amount_at_stake();
  return e;
}

}  // namespace

absl::StatusOr<v1::ReconciliationReport> Reconciler::Run(
    const v1::RunReconciliationRequest& request, absl::string_view principal) {
  RETURN_IF_ERROR(CheckPeriod(request.period()));
  Inputs in;
  in.period = request.period();
  in.legal_entity = request.legal_entity();
  ASSIGN_OR_RETURN(std::vector<v1::System> all, store_->ListSystems("", 1000));
  std::set<std::string> wanted(request.systems().begin(),
                               request.systems().end());
  for (const std::string& name : wanted) {
    bool known = false;
    for (const v1::System& s : all) known = known || s.name() == name;
    if (!known)
      return absl::InvalidArgumentError(
          absl::StrCat("systems: \"", name, "\" is not a registered system"));
  }
  v1::ReconciliationReport report;
  const absl::Time started = absl::Now();
  *report.mutable_started_at() = ToProto(started);
  report.set_period(in.period);
  report.set_legal_entity(in.legal_entity);
  for (const v1::System& s : all) {
    if (!wanted.empty() && !wanted.count(s.name())) continue;
    in.systems.push_back(s);
    report.add_systems(s.name());
    if (s.kind() != v1::SYSTEM_KIND_ERP) continue;
    if (adapters_ == nullptr)
      return absl::FailedPreconditionError(
          "systems: the hub runs no adapters to read the ERP back");
    RETURN_IF_ERROR(ReadBack(*adapters_, s, &in.erp));
    ASSIGN_OR_RETURN(std::vector<PostingRow> rows,
                     store_->ListTargetPostings(s.name()));
    for (PostingRow& r : rows) in.postings.push_back(std::move(r));
  }
  ASSIGN_OR_RETURN(in.contracts,
                   AllEntities<cv1::Contract>(
                       *store_, cv1::ENTITY_TYPE_CONTRACT, "contract"));
  ASSIGN_OR_RETURN(
      in.invoices,
      AllEntities<cv1::Invoice>(*store_, cv1::ENTITY_TYPE_INVOICE, "invoice"));
  ASSIGN_OR_RETURN(
      in.journal_entries,
      AllEntities<cv1::JournalEntry>(*store_, cv1::ENTITY_TYPE_JOURNAL_ENTRY,
                                     "journal entry"));
  ASSIGN_OR_RETURN(
      std::vector<cv1::Payment> payments,
      AllEntities<cv1::Payment>(*store_, cv1::ENTITY_TYPE_PAYMENT, "payment"));
  for (cv1::Payment& p : payments) {
    if (reconcile::PeriodOf(p.received_at()) == in.period &&
        p.status() != cv1::PAYMENT_STATUS_FAILED)
      in.payments.push_back(std::move(p));
  }
  std::vector<v1::Variance> found;
  std::vector<v1::SideTotal> sides;
  reconcile::Compare(in, &found, &sides);
  for (v1::SideTotal& s : sides) *report.add_sides() = std::move(s);
  // Two findings of one id (one record twice) are one variance.
  std::map<std::string, v1::Variance> by_id;
  for (v1::Variance& v : found) by_id.emplace(v.variance_id(), std::move(v));

  const std::string who(principal);
  absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
    report.clear_variances();
    ASSIGN_OR_RETURN(int64_t seq, txn.NextSequence("reconciliation"));
    report.set_run_id(absl::StrCat("rec_", in.period, "_", seq));
    const absl::Time now = txn.Now();
    ASSIGN_OR_RETURN(std::vector<v1::Variance> before,
                     txn.ListPeriodVariances(in.period, in.legal_entity));
    std::map<std::string, v1::Variance> previous;
    for (v1::Variance& v : before) previous.emplace(v.variance_id(), v);
    for (auto& [id, v] : by_id) {
      auto prev = previous.find(id);
      if (prev != previous.end()) {
        const v1::Variance& p = prev->second;
        *v.mutable_first_seen_at() = p.first_seen_at();
        v.set_exception_id(p.exception_id());
        v.set_owner(p.owner());
        *v.mutable_redelivery_workflow_ids() = p.redelivery_workflow_ids();
        if (p.state() == v1::VARIANCE_STATE_ACCEPTED) {
          v.set_state(v1::VARIANCE_STATE_ACCEPTED);
          v.set_accepted_reason(p.accepted_reason());
        }
      } else {
        *v.mutable_first_seen_at() = ToProto(now);
      }
      *v.mutable_last_seen_at() = ToProto(now);
      if (v.state() == v1::VARIANCE_STATE_OPEN) {
        std::optional<v1::Exception> ex;
        if (v.exception_id() != 0) {
          ASSIGN_OR_RETURN(ex, txn.GetException(v.exception_id()));
        }
        if (ex && ex->state() == v1::EXCEPTION_STATE_RESOLVED) {
          // Resolved (by hand, or by an earlier run) and found again: the
          // same exception, open again.
          ex->set_state(v1::EXCEPTION_STATE_OPEN);
          ex->clear_resolved_at();
          ex->clear_resolution();
          RecordAction(&*ex, now, "reopened", who,
                       absl::StrCat("reconciliation ", report.run_id(),
                                    " finds the difference again"));
        }
        if (!ex) {
          ASSIGN_OR_RETURN(v1::Exception opened,
                           OpenException(txn, *routing_, ExceptionFor(v), who));
          v.set_exception_id(opened.exception_id());
          v.set_owner(opened.owner());
        } else {
          // Found again: the same exception, its amount brought up to date.
          v1::Exception updated = ExceptionFor(v);
          ex->set_error(updated.error());
          *ex->mutable_amount_at_stake() = updated.amount_at_stake();
          *ex->mutable_updated_at() = ToProto(now);
          v.set_owner(ex->owner());
          RETURN_IF_ERROR(txn.PutException(*ex).status());
        }
      }
      RETURN_IF_ERROR(txn.PutVariance(v, in.legal_entity));
      *report.add_variances() = v;
    }
    // Not found again: resolved, with their exceptions.
    for (auto& [id, p] : previous) {
      if (by_id.count(id) || p.state() == v1::VARIANCE_STATE_RESOLVED) continue;
      const bool was_open = p.state() == v1::VARIANCE_STATE_OPEN;
      p.set_state(v1::VARIANCE_STATE_RESOLVED);
      if (was_open && p.exception_id() != 0) {
        ASSIGN_OR_RETURN(auto ex, txn.GetException(p.exception_id()));
        if (ex && ex->state() != v1::EXCEPTION_STATE_RESOLVED) {
          MarkResolved(&*ex, now, who,
                       absl::StrCat("reconciliation ", report.run_id(),
                                    " no longer finds the difference"));
          RETURN_IF_ERROR(txn.PutException(*ex).status());
        }
      }
      RETURN_IF_ERROR(txn.PutVariance(p, in.legal_entity));
      *report.add_variances() = p;
    }
    *report.mutable_finished_at() = ToProto(absl::Now());
    Totals(&report);
    return txn.PutReconciliation(report);
  });
  RETURN_IF_ERROR(st);
  return report;
}

absl::StatusOr<v1::ReconciliationReport> Reconciler::Get(
    absl::string_view period, absl::string_view legal_entity) {
  RETURN_IF_ERROR(CheckPeriod(period));
  ASSIGN_OR_RETURN(auto report,
                   store_->GetLatestReconciliation(period, legal_entity));
  if (!report)
    return absl::NotFoundError(
        absl::StrCat("period: ", period, " was never reconciled",
                     legal_entity.empty() ? "" : " for ", legal_entity));
  for (v1::Variance& v : *report->mutable_variances()) {
    ASSIGN_OR_RETURN(auto now, store_->GetVariance(v.variance_id()));
    if (now) v = *now;
  }
  Totals(&*report);
  return *report;
}

absl::StatusOr<v1::Variance> Reconciler::Accept(absl::string_view variance_id,
                                                absl::string_view reason,
                                                absl::string_view principal) {
  if (variance_id.empty())
    return absl::InvalidArgumentError("variance_id: required");
  if (absl::StripAsciiWhitespace(reason).empty())
    return absl::InvalidArgumentError(
        "reason: required (why the difference is right)");
  v1::Variance out;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto v, txn.GetVariance(variance_id));
    if (!v)
      return absl::NotFoundError(
          absl::StrCat("variance_id: no variance ", variance_id));
    if (v->state() != v1::VARIANCE_STATE_OPEN)
      return absl::FailedPreconditionError(
          absl::StrCat("variance_id: ", variance_id, " is ",
                       v1::VarianceState_Name(v->state()), ", not OPEN"));
    v->set_state(v1::VARIANCE_STATE_ACCEPTED);
    v->set_accepted_reason(std::string(reason));
    if (v->exception_id() != 0) {
      ASSIGN_OR_RETURN(auto ex, txn.GetException(v->exception_id()));
      if (ex && ex->state() != v1::EXCEPTION_STATE_RESOLVED) {
        MarkResolved(&*ex, txn.Now(), principal,
                     absl::StrCat("variance accepted: ", reason));
        RETURN_IF_ERROR(txn.PutException(*ex).status());
      }
    }
    RETURN_IF_ERROR(txn.PutVariance(*v, v->legal_entity()));
    out = *v;
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace revhub::hub
