#include "hub/orchestration/orchestrator.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/exceptions/exceptions.h"
#include "hub/orchestration/planner.h"
#include "hub/orchestration/runner.h"
#include "hub/orchestration/starter.h"
#include "hub/orchestration/workflow_common.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using adapter::v1::CanonicalEntity;
using hub::v1::Exception;
using hub::v1::WorkflowStep;

}  // namespace

Orchestrator::Orchestrator(Store* store, EventBus* events,
                           AdapterSupervisor* adapters,
                           OrchestrationConfig config)
    : store_(store), config_(std::move(config)) {
  runner_ = std::make_unique<WorkflowRunner>(store, adapters, &config_);
  starter_ = std::make_unique<WorkflowStarter>(
      store, events, [runner = runner_.get()] { runner->Notify(); });
}

Orchestrator::~Orchestrator() { Stop(); }

void Orchestrator::Start() {
  starter_->Start();
  runner_->Start();
}

void Orchestrator::Stop() {
  starter_->Stop();
  runner_->Stop();
}

void Orchestrator::Notify() { runner_->Notify(); }

absl::StatusOr<Exception> Orchestrator::Assign(int64_t exception_id,
                                               const std::string& owner,
                                               const std::string& note,
                                               const std::string& principal) {
  if (owner.empty()) return absl::InvalidArgumentError("owner: required");
  Exception out;
  absl::Status written = store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto e, txn.GetException(exception_id));
    if (!e.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("exception_id: no exception ", exception_id));
    }
    const std::string before = e->owner();
    e->set_owner(owner);
    RecordAction(&*e, txn.Now(), "assigned", principal,
                 absl::StrCat(before.empty() ? "unowned" : before, " -> ",
                              owner, note.empty() ? "" : ": ", note));
    ASSIGN_OR_RETURN(out, txn.PutException(std::move(*e)));
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  return out;
}

absl::StatusOr<Exception> Orchestrator::Retry(int64_t exception_id,
                                              const std::string& note,
                                              const std::string& principal,
                                              bool replay) {
  const char* action = replay ? "replayed" : "retried";
  absl::Status written = store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto e, txn.GetException(exception_id));
    if (!e.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("exception_id: no exception ", exception_id));
    }
    if (e->state() == hub::v1::EXCEPTION_STATE_RESOLVED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "exception_id: exception ", exception_id, " is resolved"));
    }
    if (e->kind() == hub::v1::EXCEPTION_KIND_RECONCILIATION_VARIANCE) {
      return absl::FailedPreconditionError(absl::StrCat(
          "exception_id: exception ", exception_id,
          " is a reconciliation variance: nothing to run again; use revhub "
          "reconcile redeliver or accept, then run the reconciliation again"));
    }
    e->set_state(hub::v1::EXCEPTION_STATE_RETRYING);
    RecordAction(&*e, txn.Now(), action, principal, note);
    if (!e->workflow_id().empty()) {
      ASSIGN_OR_RETURN(auto wf, txn.GetWorkflow(e->workflow_id()));
      if (!wf.has_value() || e->step_index() >= wf->steps_size()) {
        return absl::NotFoundError(absl::StrCat("workflow ", e->workflow_id(),
                                                " of exception ", exception_id,
                                                " is gone"));
      }
      WorkflowStep* s = wf->mutable_steps(e->step_index());
      if (replay &&
          s->payload().entity_case() != CanonicalEntity::ENTITY_NOT_SET) {
        // Rebuild the payload from the hub's current entity; the external
        // id (the payload's id) stays what it was.
        const std::string keep_id = PayloadId(s->payload());
        CanonicalEntity fresh = s->payload();
        if (fresh.has_customer() || fresh.has_invoice()) {
          ASSIGN_OR_RETURN(auto cur,
                           txn.GetCurrentEntity(s->entity().entity_type(),
                                                s->entity().id()));
          if (cur.has_value()) {
            if (fresh.has_customer()) {
              ASSIGN_OR_RETURN(*fresh.mutable_customer(),
                               ParseStored<cv1::Customer>(*cur, "customer"));
            } else {
              ASSIGN_OR_RETURN(*fresh.mutable_invoice(),
                               ParseStored<cv1::Invoice>(*cur, "invoice"));
            }
          }
        } else if (fresh.has_journal_entry() &&
                   fresh.journal_entry().reverses_entry_id().empty()) {
          ASSIGN_OR_RETURN(auto cur,
                           txn.GetCurrentEntity(cv1::ENTITY_TYPE_JOURNAL_ENTRY,
                                                s->entity().id()));
          if (cur.has_value()) {
            ASSIGN_OR_RETURN(
                auto je, ParseStored<cv1::JournalEntry>(*cur, "journal entry"));
            if (je.lines_size() > 0) {
              je.set_id(keep_id);
              *fresh.mutable_journal_entry() = std::move(je);
            }
          }
        }
        *s->mutable_payload() = std::move(fresh);
        *s->mutable_amount() = PayloadAmount(s->payload());
        s->set_idempotency_key(
            absl::StrCat(s->idempotency_key(), "+replay", e->history_size()));
      }
      s->set_state(hub::v1::STEP_STATE_PENDING);
      s->set_attempts(0);  // a new retry budget
      s->clear_next_attempt_at();
      wf->set_state(hub::v1::WORKFLOW_STATE_RUNNING);
      *wf->mutable_updated_at() = ToProto(txn.Now());
      RETURN_IF_ERROR(txn.PutWorkflow(*wf, 0, ""));
    }
    return txn.PutException(std::move(*e)).status();
  });
  if (!written.ok()) return written;
  Notify();
  auto e = store_->GetException(exception_id);
  if (!e.ok()) return e.status();
  if (!e->has_value()) return absl::NotFoundError("exception_id: gone");
  DescribeAge(absl::Now(), &**e);
  return **e;
}

absl::StatusOr<Exception> Orchestrator::Resolve(int64_t exception_id,
                                                const std::string& reason,
                                                const std::string& principal) {
  if (reason.empty()) {
    return absl::InvalidArgumentError(
        "reason: required (why the exception needs nothing more)");
  }
  Exception out;
  absl::Status written = store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto e, txn.GetException(exception_id));
    if (!e.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("exception_id: no exception ", exception_id));
    }
    if (e->state() == hub::v1::EXCEPTION_STATE_RESOLVED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "exception_id: exception ", exception_id, " is already resolved"));
    }
    MarkResolved(&*e, txn.Now(), principal, reason);
    if (!e->workflow_id().empty()) {
      ASSIGN_OR_RETURN(auto wf, txn.GetWorkflow(e->workflow_id()));
      if (wf.has_value() && e->step_index() < wf->steps_size()) {
        WorkflowStep* s = wf->mutable_steps(e->step_index());
        if (!StepDone(*s)) {
          RETURN_IF_ERROR(FinishStep(
              txn, *wf, e->step_index(), hub::v1::STEP_STATE_SKIPPED,
              absl::StrCat("resolved by ", principal, ": ", reason)));
          // Later plans treat it as handled: posted by hand, or accepted.
          const std::string kind = PostingKindOf(s->name());
          if (!kind.empty() || s->name() == kStepCheckPostedInvoice) {
            PostingRow row;
            row.target_system = s->target_system();
            row.external_id = PayloadId(s->payload());
            if (kind.empty()) {
              row.external_id =
                  absl::StrCat(row.external_id, "~accepted-", exception_id);
            }
            row.contract_id = wf->contract_id();
            row.entity_type = s->entity().entity_type();
            row.entity_id = s->entity().id();
            row.kind = kind.empty() ? "accepted" : kind;
            row.content_hash = ContentHash(s->payload());
            if (s->payload().has_journal_entry())
              row.reverses = s->payload().journal_entry().reverses_entry_id();
            row.workflow_id = wf->workflow_id();
            row.step_index = e->step_index();
            row.posted_at = txn.Now();
            row.payload = s->payload().SerializeAsString();
            absl::Status put = row.kind == "customer" ? txn.ReplacePosting(row)
                                                      : txn.RecordPosting(row);
            if (!put.ok() && !absl::IsAlreadyExists(put)) return put;
          }
        }
        if (wf->state() == hub::v1::WORKFLOW_STATE_BLOCKED)
          wf->set_state(hub::v1::WORKFLOW_STATE_RUNNING);
        *wf->mutable_updated_at() = ToProto(txn.Now());
        RETURN_IF_ERROR(txn.PutWorkflow(*wf, 0, ""));
      }
    }
    ASSIGN_OR_RETURN(out, txn.PutException(std::move(*e)));
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  Notify();
  DescribeAge(absl::Now(), &out);
  return out;
}

}  // namespace revhub::hub
