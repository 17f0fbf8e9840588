#include "hub/orchestration/runner.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/exceptions/exceptions.h"
#include "hub/observability/log.h"
#include "hub/orchestration/starter.h"
#include "hub/orchestration/steps/step.h"
#include "hub/orchestration/workflow_common.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::Exception;
using hub::v1::StepState;
using hub::v1::Workflow;
using hub::v1::WorkflowStep;

// The exception a step opened, when a retry of it has now succeeded.
absl::Status CloseStepException(WriteTxn& txn, const WorkflowStep& s,
                                const std::string& how) {
  if (s.exception_id() == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto e, txn.GetException(s.exception_id()));
  if (!e.has_value() || e->state() == hub::v1::EXCEPTION_STATE_RESOLVED)
    return absl::OkStatus();
  MarkResolved(&*e, txn.Now(), "hub", how);
  return txn.PutException(std::move(*e)).status();
}

}  // namespace

absl::Status FinishStep(WriteTxn& txn, Workflow& w, int index, StepState state,
                        const std::string& detail) {
  WorkflowStep* s = w.mutable_steps(index);
  s->set_state(state);
  s->set_detail(detail);
  s->clear_next_attempt_at();
  if (!s->has_started_at()) *s->mutable_started_at() = ToProto(txn.Now());
  *s->mutable_finished_at() = ToProto(txn.Now());
  if (state == hub::v1::STEP_STATE_SUCCEEDED) {
    return CloseStepException(txn, *s, "the step succeeded on retry");
  }
  return absl::OkStatus();
}

WorkflowRunner::WorkflowRunner(Store* store, AdapterSupervisor* adapters,
                               const OrchestrationConfig* config)
    : store_(store), adapters_(adapters), config_(config) {}

WorkflowRunner::~WorkflowRunner() { Stop(); }

void WorkflowRunner::Start() {
  workers_ = std::make_unique<WorkQueue>(config_->workers);
  next_sweep_ = absl::Now();
  scheduler_ = std::thread([this] { SchedulerLoop(); });
}

void WorkflowRunner::Stop() {
  stopping_ = true;
  Notify();
  if (scheduler_.joinable()) scheduler_.join();
  workers_.reset();  // runs what was posted (each returns at once), joins
}

void WorkflowRunner::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

void WorkflowRunner::SchedulerLoop() {
  while (!stopping_) {
    const absl::Time now = absl::Now();
    absl::Time next = Schedule(now);
    if (now >= next_sweep_) {
      SweepRecognition(*store_, now, stopping_);
      next_sweep_ = now + config_->recognition_sweep_interval;
    }
    next = std::min(next, next_sweep_);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock,
                 absl::ToChronoMicroseconds(
                     std::max(next - absl::Now(), absl::Milliseconds(1))),
                 [&] { return stopping_.load() || notified_; });
    notified_ = false;
  }
}

absl::Time WorkflowRunner::Schedule(absl::Time now) {
  absl::Time next = now + absl::Seconds(1);
  auto unfinished = store_->ListUnfinishedWorkflows();
  if (!unfinished.ok()) {
    observability::LogWarn("orchestrator", unfinished.status().ToString());
    return now + absl::Milliseconds(500);
  }
  std::map<std::string, std::vector<const Workflow*>> by_contract;
  for (const Workflow& wf : *unfinished) {
    // A redelivery repairs what another workflow of the contract may be
    // blocked on: it queues apart, behind other redeliveries only.
    by_contract[wf.kind() == hub::v1::WORKFLOW_KIND_REDELIVERY
                    ? absl::StrCat("redelivery:", wf.contract_id())
                    : wf.contract_id()]
        .push_back(&wf);
  }
  for (const auto& [contract, list] : by_contract) {
    const Workflow& head = *list.front();
    // The later ones wait for the head.
    for (size_t i = 1; i < list.size(); ++i) {
      const Workflow& w = *list[i];
      if (w.state() == hub::v1::WORKFLOW_STATE_PENDING &&
          w.blocked_by_workflow_id() == head.workflow_id()) {
        continue;
      }
      absl::Status st =
          Mutate(w.workflow_id(), [&](WriteTxn&, Workflow& stored) {
            stored.set_state(hub::v1::WORKFLOW_STATE_PENDING);
            stored.set_blocked_by_workflow_id(head.workflow_id());
            return absl::OkStatus();
          });
      if (!st.ok()) {
        observability::LogWarn("orchestrator", st.ToString(),
                               {{"workflow_id", head.workflow_id()},
                                {"contract_id", head.contract_id()},
                                {"trace_id", head.trace_id()}});
      }
    }
    if (head.state() == hub::v1::WORKFLOW_STATE_BLOCKED) continue;
    absl::Time due = now;
    const int open = FirstOpenStep(head);
    if (open >= 0 &&
        head.steps(open).state() == hub::v1::STEP_STATE_RETRY_SCHEDULED) {
      due = FromProto(head.steps(open).next_attempt_at());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto nb = not_before_.find(head.workflow_id());
      if (nb != not_before_.end()) due = std::max(due, nb->second);
      if (running_contracts_.count(contract) != 0) continue;
      if (due > now) {
        next = std::min(next, due);
        continue;
      }
      running_contracts_.insert(contract);
      not_before_.erase(head.workflow_id());
    }
    workers_->Post([this, id = head.workflow_id(), contract = contract] {
      if (!stopping_) RunWorkflow(id);
      {
        std::lock_guard<std::mutex> lock(mu_);
        running_contracts_.erase(contract);
      }
      Notify();
    });
  }
  return next;
}

absl::Status WorkflowRunner::Mutate(const std::string& workflow_id,
                                    const Mutation& fn) {
  return store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.GetWorkflow(workflow_id));
    if (!stored.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("workflow_id: no workflow ", workflow_id));
    }
    RETURN_IF_ERROR(fn(txn, *stored));
    *stored->mutable_updated_at() = ToProto(txn.Now());
    return txn.PutWorkflow(*stored, 0, "");
  });
}

StepProgress WorkflowRunner::Record(const Workflow& wf, const Mutation& fn) {
  absl::Status st = Mutate(wf.workflow_id(), fn);
  if (!st.ok()) {
    observability::LogWarn("orchestrator", st.ToString(),
                           {{"workflow_id", wf.workflow_id()},
                            {"contract_id", wf.contract_id()},
                            {"trace_id", wf.trace_id()}});
    Wait(wf.workflow_id(), absl::Milliseconds(200));
    return StepProgress::kWait;
  }
  return StepProgress::kAdvanced;
}

void WorkflowRunner::Wait(const std::string& workflow_id, absl::Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  not_before_[workflow_id] = absl::Now() + d;
}

void WorkflowRunner::RunWorkflow(const std::string& workflow_id) {
  while (!stopping_) {
    auto loaded = store_->GetWorkflow(workflow_id);
    if (!loaded.ok() || !loaded->has_value()) {
      if (!loaded.ok()) {
        observability::LogWarn("orchestrator", loaded.status().ToString(),
                               {{"workflow_id", workflow_id}});
        Wait(workflow_id, absl::Milliseconds(500));
      }
      return;
    }
    const Workflow& wf = **loaded;
    if (wf.state() == hub::v1::WORKFLOW_STATE_COMPLETED ||
        wf.state() == hub::v1::WORKFLOW_STATE_BLOCKED) {
      return;
    }
    const int index = FirstOpenStep(wf);
    if (wf.state() == hub::v1::WORKFLOW_STATE_PENDING || index < 0) {
      absl::Status st = Mutate(workflow_id, [&](WriteTxn& txn, Workflow& w) {
        w.clear_blocked_by_workflow_id();
        if (FirstOpenStep(w) < 0) {
          w.set_state(hub::v1::WORKFLOW_STATE_COMPLETED);
          *w.mutable_completed_at() = ToProto(txn.Now());
        } else {
          w.set_state(hub::v1::WORKFLOW_STATE_RUNNING);
        }
        return absl::OkStatus();
      });
      if (!st.ok()) {
        observability::LogWarn("orchestrator", st.ToString(),
                               {{"workflow_id", workflow_id}});
        Wait(workflow_id, absl::Milliseconds(500));
        return;
      }
      continue;
    }
    const WorkflowStep& step = wf.steps(index);
    if (step.state() == hub::v1::STEP_STATE_RETRY_SCHEDULED &&
        FromProto(step.next_attempt_at()) > absl::Now()) {
      return;  // the scheduler comes back then
    }
    if (step.state() == hub::v1::STEP_STATE_FAILED ||
        step.state() == hub::v1::STEP_STATE_DEAD_LETTERED) {
      Mutate(workflow_id, [](WriteTxn&, Workflow& w) {
        w.set_state(hub::v1::WORKFLOW_STATE_BLOCKED);
        return absl::OkStatus();
      }).IgnoreError();
      return;
    }
    if (RunStep(wf, index) != StepProgress::kAdvanced) return;
  }
}

StepProgress WorkflowRunner::RunStep(const Workflow& wf, int index) {
  const std::string& name = wf.steps(index).name();
  const Step* step = FindStep(name);
  if (step == nullptr) {
    return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                absl::StrCat("no step kind is named \"", name, "\""), "", "",
                nullptr);
  }
  return step->Run(*this, wf, index);
}

StepProgress WorkflowRunner::Fail(const Workflow& wf, int index,
                                  StepState state, hub::v1::ExceptionKind kind,
                                  const std::string& error,
                                  const std::string& field_path,
                                  const std::string& vendor_code,
                                  const cv1::Money* amount) {
  int64_t exception_id = 0;
  absl::Status st = Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
    WorkflowStep* s = w.mutable_steps(index);
    s->set_state(state);
    s->set_last_error(error);
    s->set_last_error_code(vendor_code);
    s->clear_next_attempt_at();
    *s->mutable_finished_at() = ToProto(txn.Now());
    std::optional<Exception> open;
    if (s->exception_id() != 0) {
      ASSIGN_OR_RETURN(auto e, txn.GetException(s->exception_id()));
      if (e.has_value() && e->state() != hub::v1::EXCEPTION_STATE_RESOLVED)
        open = std::move(*e);
    }
    Exception e;
    if (open.has_value()) {
      // The retry of an open exception failed again: the same exception.
      e = std::move(*open);
      e.set_kind(kind);
      e.set_category(CategoryOf(kind));
      e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
      e.set_error(error);
      e.set_field_path(field_path);
      e.set_vendor_code(vendor_code);
      e.set_vendor_response(error);
      e.set_attempts(s->attempts());
      RecordAction(&e, txn.Now(), "failed again", "hub", error);
      ASSIGN_OR_RETURN(e, txn.PutException(std::move(e)));
    } else {
      e.set_kind(kind);
      e.set_system(s->target_system());
      e.set_workflow_id(w.workflow_id());
      e.set_step_index(index);
      e.set_step_name(s->name());
      e.set_contract_id(w.contract_id());
      e.set_trace_id(w.trace_id());
      *e.mutable_entity() = s->entity();
      e.set_error(error);
      e.set_field_path(field_path);
      e.set_vendor_code(vendor_code);
      e.set_vendor_response(error);
      if (amount != nullptr) *e.mutable_amount_at_stake() = *amount;
      e.set_attempts(s->attempts());
      ASSIGN_OR_RETURN(e, OpenException(txn, *config_, std::move(e), "hub"));
    }
    s->set_exception_id(e.exception_id());
    exception_id = e.exception_id();
    w.set_state(hub::v1::WORKFLOW_STATE_BLOCKED);
    if (kind == hub::v1::EXCEPTION_KIND_POSTING_REJECTED) {
      cv1::BusinessEvent ev;
      ev.set_event_id(NewId("evt"));
      ev.set_type(cv1::EVENT_TYPE_POSTING_REJECTED);
      *ev.mutable_subject() = s->entity();
      ev.set_source_system(s->target_system());
      ev.set_correlation_id(w.correlation_id());
      ev.set_causation_id(w.workflow_id());
      ev.set_trace_id(w.trace_id());
      ev.set_principal(w.principal());
      *ev.mutable_occurred_at() = ToProto(txn.Now());
      auto* p = ev.mutable_posting_rejected();
      *p->mutable_posting() = s->entity();
      p->set_target_system(s->target_system());
      p->set_reason(error);
      if (amount != nullptr) *p->mutable_amount_at_stake() = *amount;
      RETURN_IF_ERROR(txn.AppendEvent(std::move(ev)).status());
    }
    return absl::OkStatus();
  });
  if (!st.ok()) {
    observability::LogWarn("orchestrator", st.ToString(),
                           {{"workflow_id", wf.workflow_id()},
                            {"contract_id", wf.contract_id()},
                            {"trace_id", wf.trace_id()}});
    Wait(wf.workflow_id(), absl::Milliseconds(500));
    return StepProgress::kWait;
  }
  observability::LogWarn(
      "orchestrator",
      absl::StrCat("step ", wf.steps(index).name(), " failed (",
                   hub::v1::ExceptionKind_Name(kind), "): ", error,
                   "; the workflow waits for its exception"),
      {{"system", wf.steps(index).target_system()},
       {"workflow_id", wf.workflow_id()},
       {"contract_id", wf.contract_id()},
       {"exception_id", absl::StrCat(exception_id)},
       {"trace_id", wf.trace_id()}});
  return StepProgress::kStopped;
}

}  // namespace revhub::hub
