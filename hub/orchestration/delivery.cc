// WorkflowRunner's deliveries: one Apply per attempt through the target
// system's adapter, within its DeliveryPolicy (runner.h).
#include <algorithm>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/log.h"
#include "hub/observability/trace_context.h"
#include "hub/orchestration/planner.h"
#include "hub/orchestration/runner.h"
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using adapter::v1::ApplyRequest;
using adapter::v1::ApplyResponse;
using google::protobuf::util::TimeUtil;
using hub::v1::Workflow;
using hub::v1::WorkflowStep;

hub::v1::DeliveryPolicy PolicyOf(const hub::v1::System& system) {
  hub::v1::DeliveryPolicy p = system.delivery();
  if (p.max_in_flight() <= 0) p.set_max_in_flight(4);
  p.set_max_in_flight(std::min(p.max_in_flight(), 64));
  if (p.max_attempts() <= 0) p.set_max_attempts(10);
  p.set_max_attempts(std::min(p.max_attempts(), 1000));
  if (!p.has_initial_backoff() ||
      TimeUtil::DurationToMilliseconds(p.initial_backoff()) <= 0) {
    *p.mutable_initial_backoff() = TimeUtil::MillisecondsToDuration(500);
  }
  if (!p.has_max_backoff() ||
      TimeUtil::DurationToMilliseconds(p.max_backoff()) <= 0) {
    *p.mutable_max_backoff() = TimeUtil::SecondsToDuration(300);
  }
  return p;
}

// Exponential backoff with jitter: half of the delay fixed, half random, so
// retries of many steps spread out but none comes back at once.
absl::Duration Backoff(const hub::v1::DeliveryPolicy& p, int attempts) {
  const absl::Duration initial =
      absl::Milliseconds(TimeUtil::DurationToMilliseconds(p.initial_backoff()));
  const absl::Duration cap =
      absl::Milliseconds(TimeUtil::DurationToMilliseconds(p.max_backoff()));
  absl::Duration d = initial;
  for (int i = 1; i < attempts && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> half(
      0, std::max<int64_t>(absl::ToInt64Microseconds(d) / 2, 0));
  return d / 2 + absl::Microseconds(half(rng));
}

}  // namespace

std::shared_ptr<WorkflowRunner::Semaphore> WorkflowRunner::LimitFor(
    const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = limits_[system];
  if (slot == nullptr) slot = std::make_shared<Semaphore>();
  return slot;
}

StepProgress WorkflowRunner::Deliver(const Workflow& wf, int index,
                                     const DeliveryStep& kind) {
  const WorkflowStep& planned = wf.steps(index);
  const std::string& target = planned.target_system();
  auto system = store_->GetSystem(target);
  hub::v1::DeliveryPolicy policy;
  if (system.ok() && system->has_value())
    policy = PolicyOf(**system);
  else
    policy = PolicyOf(hub::v1::System());
  // The attempt is on record before it is made.
  absl::Status marked =
      Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
        WorkflowStep* s = w.mutable_steps(index);
        s->set_state(hub::v1::STEP_STATE_RUNNING);
        s->set_attempts(s->attempts() + 1);
        s->clear_next_attempt_at();
        if (!s->has_started_at()) *s->mutable_started_at() = ToProto(txn.Now());
        return absl::OkStatus();
      });
  if (!marked.ok()) {
    Wait(wf.workflow_id(), absl::Milliseconds(200));
    return StepProgress::kWait;
  }
  if (!system.ok() || !system->has_value() ||
      (*system)->state() != hub::v1::SYSTEM_STATE_ENABLED) {
    return Transient(wf, index, policy,
                     absl::StrCat("system ", target,
                                  system.ok() ? " is not registered or is "
                                                "disabled"
                                              : " cannot be read"),
                     "", absl::ZeroDuration());
  }
  ApplyRequest req;
  req.set_system(target);
  auto config = adapters_->ConfigFor(**system);
  if (!config.ok()) {
    return Transient(
        wf, index, policy,
        absl::StrCat("system ", target, ": ", config.status().message()),
        absl::StatusCodeToString(config.status().code()), absl::ZeroDuration());
  }
  *req.mutable_config() = config->config;
  req.set_idempotency_key(planned.idempotency_key());
  req.set_operation(adapter::v1::CHANGE_OPERATION_UPSERT);
  *req.mutable_entity() = planned.payload();
  // What the target already has that the change refers to.
  kind.AddKnownRefs(
      planned, [&](const char* path, cv1::EntityType type,
                   const std::string& id, const char* object_type) {
        if (id.empty()) return;
        auto rows = store_->ListEntityPostings(target, type, id);
        if (!rows.ok() || rows->empty() || rows->back().vendor_id.empty())
          return;
        auto* link = req.add_known_refs();
        link->set_field_path(path);
        link->set_target_type(type);
        link->mutable_target()->set_system(target);
        link->mutable_target()->set_object_type(object_type);
        link->mutable_target()->set_vendor_id(rows->back().vendor_id);
      });
  auto limit = LimitFor(target);
  {
    std::unique_lock<std::mutex> lock(limit->mu);
    limit->cv.wait(lock,
                   [&] { return limit->in_use < policy.max_in_flight(); });
    ++limit->in_use;
  }
  absl::StatusOr<ApplyResponse> resp = absl::UnavailableError("not called");
  auto client = adapters_->For(**system);
  if (client.ok()) {
    // The workflow's trace goes to the adapter and on to the vendor.
    observability::ScopedTrace trace(
        observability::ChildOfTraceId(wf.trace_id()));
    resp = (*client)->Apply(req);
  } else {
    resp = client.status();
  }
  observability::Metrics()
      .vendor_calls
      .WithLabels(
          {target, "post",
           !resp.ok()                                               ? "error"
           : resp->outcome() == adapter::v1::APPLY_OUTCOME_APPLIED  ? "ok"
           : resp->outcome() == adapter::v1::APPLY_OUTCOME_REJECTED ? "rejected"
                                                                    : "retry"})
      .Inc();
  {
    std::lock_guard<std::mutex> lock(limit->mu);
    --limit->in_use;
  }
  limit->cv.notify_one();
  if (!resp.ok()) {
    return Transient(wf, index, policy,
                     config->Redact(absl::StrCat("adapter for ", target, ": ",
                                                 resp.status().message())),
                     absl::StatusCodeToString(resp.status().code()),
                     absl::ZeroDuration());
  }
  switch (resp->outcome()) {
    case adapter::v1::APPLY_OUTCOME_APPLIED:
      break;
    case adapter::v1::APPLY_OUTCOME_REJECTED: {
      const bool vendor = !resp->vendor_code().empty();
      return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                  vendor ? hub::v1::EXCEPTION_KIND_POSTING_REJECTED
                         : hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                  config->Redact(resp->reason()), resp->field_path(),
                  resp->vendor_code(), &planned.amount());
    }
    default: {
      absl::Duration after = absl::Milliseconds(
          TimeUtil::DurationToMilliseconds(resp->retry_after()));
      return Transient(wf, index, policy,
                       resp->reason().empty() ? "the adapter asked to retry"
                                              : config->Redact(resp->reason()),
                       resp->vendor_code(), after);
    }
  }
  // Delivered: the step, the ledger, the refs and the event in one write.
  const std::string posting_kind = PostingKindOf(planned.name());
  absl::Status st = Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
    WorkflowStep* s = w.mutable_steps(index);
    s->clear_vendor_refs();
    for (const auto& ref : resp->vendor_refs()) *s->add_vendor_refs() = ref;
    s->clear_last_error();
    s->clear_last_error_code();
    PostingRow row;
    row.target_system = target;
    row.external_id = PayloadId(planned.payload());
    row.contract_id = w.contract_id();
    row.entity_type = planned.entity().entity_type();
    row.entity_id = planned.entity().id();
    row.kind = posting_kind;
    row.content_hash = ContentHash(planned.payload());
    if (planned.payload().has_journal_entry())
      row.reverses = planned.payload().journal_entry().reverses_entry_id();
    row.workflow_id = w.workflow_id();
    row.step_index = index;
    if (resp->vendor_refs_size() > 0)
      row.vendor_id = resp->vendor_refs(0).vendor_id();
    row.posted_at = txn.Now();
    row.payload = planned.payload().SerializeAsString();
    absl::Status put = row.kind == "customer" || planned.redelivery()
                           ? txn.ReplacePosting(row)
                           : txn.RecordPosting(row);
    if (!put.ok() && !absl::IsAlreadyExists(put)) return put;
    RETURN_IF_ERROR(kind.OnDelivered(txn, w, planned, *resp));
    return FinishStep(
        txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
        absl::StrCat(planned.detail(), "; delivered as ", row.external_id,
                     row.vendor_id.empty() ? ""
                                           : absl::StrCat(" (", target, " id ",
                                                          row.vendor_id, ")")));
  });
  if (!st.ok()) {
    // Not recorded: the next attempt delivers again under the same
    // external id, which updates the record the vendor already has.
    observability::LogWarn("delivery", st.ToString(),
                           {{"workflow_id", wf.workflow_id()},
                            {"contract_id", wf.contract_id()},
                            {"trace_id", wf.trace_id()}});
    Wait(wf.workflow_id(), absl::Milliseconds(200));
    return StepProgress::kWait;
  }
  return StepProgress::kAdvanced;
}

StepProgress WorkflowRunner::Transient(const Workflow& wf, int index,
                                       const hub::v1::DeliveryPolicy& policy,
                                       const std::string& error,
                                       const std::string& code,
                                       absl::Duration retry_after) {
  const WorkflowStep& s = wf.steps(index);
  // The stored attempts include the one just made.
  const int attempts = s.attempts() + 1;
  if (attempts >= policy.max_attempts()) {
    return Fail(wf, index, hub::v1::STEP_STATE_DEAD_LETTERED,
                hub::v1::EXCEPTION_KIND_DEAD_LETTER,
                absl::StrCat("gave up after ", attempts,
                             " attempts (the retry budget of ",
                             s.target_system(), "): ", error),
                "", code, &s.amount());
  }
  // A vendor's Retry-After is believed up to the policy's max_backoff: a
  // far-off date cannot park the step for longer than its own retry cap.
  const absl::Duration cap = absl::Milliseconds(
      TimeUtil::DurationToMilliseconds(policy.max_backoff()));
  const absl::Duration delay =
      std::max(Backoff(policy, attempts), std::min(retry_after, cap));
  absl::Status st = Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
    WorkflowStep* step = w.mutable_steps(index);
    step->set_state(hub::v1::STEP_STATE_RETRY_SCHEDULED);
    step->set_last_error(error);
    step->set_last_error_code(code);
    *step->mutable_next_attempt_at() = ToProto(txn.Now() + delay);
    return absl::OkStatus();
  });
  if (!st.ok()) Wait(wf.workflow_id(), absl::Milliseconds(200));
  return StepProgress::kWait;
}

}  // namespace revhub::hub
