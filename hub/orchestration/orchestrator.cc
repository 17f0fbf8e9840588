#include "hub/orchestration/orchestrator.h"

#include <algorithm>
#include <iostream>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/events/consumers.h"
#include "hub/entities/entity_ops.h"
#include "hub/orchestration/exceptions.h"
#include "hub/orchestration/planner.h"
#include "hub/ingest/pipeline.h"
#include "hub/revenue/revenue_records.h"
#include "hub/common/util.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using adapter::v1::ApplyRequest;
using adapter::v1::ApplyResponse;
using adapter::v1::CanonicalEntity;
using google::protobuf::util::TimeUtil;
using hub::v1::Exception;
using hub::v1::StepState;
using hub::v1::Workflow;
using hub::v1::WorkflowStep;

constexpr int kStarterBatch = 200;
// How long a step that waits on the revenue engine waits between looks.
constexpr absl::Duration kRevenueWait = absl::Milliseconds(100);

bool Done(const WorkflowStep& s) {
  return s.state() == hub::v1::STEP_STATE_SUCCEEDED ||
         s.state() == hub::v1::STEP_STATE_SKIPPED;
}

int FirstOpenStep(const Workflow& wf) {
  for (int i = 0; i < wf.steps_size(); ++i) {
    if (!Done(wf.steps(i))) return i;
  }
  return -1;
}

const char* KindWord(hub::v1::WorkflowKind kind) {
  switch (kind) {
    case hub::v1::WORKFLOW_KIND_BOOKING:
      return "booked";
    case hub::v1::WORKFLOW_KIND_AMENDMENT:
      return "amended";
    case hub::v1::WORKFLOW_KIND_RENEWAL:
      return "renewal";
    case hub::v1::WORKFLOW_KIND_CANCELLATION:
      return "cancelled";
    case hub::v1::WORKFLOW_KIND_BILLING:
      return "billing";
    case hub::v1::WORKFLOW_KIND_RECOGNITION:
      return "recognition";
    default:
      return "workflow";
  }
}

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

template <typename T>
absl::StatusOr<T> ParseStored(const StoredEntity& stored,
                              absl::string_view what) {
  T out;
  if (!out.ParseFromString(stored.payload)) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " ", stored.id, " does not parse"));
  }
  return out;
}

// Lists the ERP systems deliveries go to: enabled, kind ERP, with an adapter.
absl::StatusOr<std::vector<hub::v1::System>> Targets(Store& store) {
  std::vector<hub::v1::System> out;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(auto page, store.ListSystems(after, 100));
    for (auto& s : page) {
      after = s.name();
      if (s.kind() == hub::v1::SYSTEM_KIND_ERP &&
          s.state() == hub::v1::SYSTEM_STATE_ENABLED &&
          s.adapter().target_case() != hub::v1::AdapterSpec::TARGET_NOT_SET) {
        out.push_back(std::move(s));
      }
    }
    if (page.size() < 100) break;
  }
  return out;
}

const std::vector<cv1::EventType>& WatchedTypes() {
  static const auto* types = new std::vector<cv1::EventType>{
      cv1::EVENT_TYPE_CONTRACT_BOOKED,  cv1::EVENT_TYPE_CONTRACT_AMENDED,
      cv1::EVENT_TYPE_RENEWAL_ACCEPTED, cv1::EVENT_TYPE_CONTRACT_CANCELLED,
      cv1::EVENT_TYPE_INVOICE_ISSUED,   cv1::EVENT_TYPE_CREDIT_ISSUED,
      cv1::EVENT_TYPE_INVOICE_CHANGED};
  return *types;
}

// A workflow that has neither confirmed its schedule nor planned yet takes
// in what later events bring: moves its trigger position and returns true;
// false when the contract has none.
absl::StatusOr<bool> AbsorbIntoUnplanned(WriteTxn& txn,
                                         const std::string& contract_id,
                                         int64_t position) {
  ASSIGN_OR_RETURN(std::vector<Workflow> open,
                   txn.ListUnfinishedWorkflows(contract_id));
  for (Workflow& wf : open) {
    const bool started = std::any_of(
        wf.steps().begin(), wf.steps().end(), [](const WorkflowStep& s) {
          return (s.name() == kStepConfirmSchedule && Done(s)) ||
                 (s.name() == kStepPlanPostings &&
                  s.state() != hub::v1::STEP_STATE_PENDING);
        });
    if (started) continue;
    wf.set_trigger_event_position(
        std::max(wf.trigger_event_position(), position));
    *wf.mutable_updated_at() = ToProto(txn.Now());
    RETURN_IF_ERROR(txn.PutWorkflow(wf, 0, ""));
    return true;
  }
  return false;
}

absl::Status StartFromEvent(WriteTxn& txn, const cv1::BusinessEvent& ev) {
  if (absl::StartsWith(ev.causation_id(), "wf_")) return absl::OkStatus();
  WorkflowStart start;
  start.contract_id = ev.subject().id();
  start.contract_version = ev.subject().version();
  start.trigger_event_position = ev.position();
  start.trigger = absl::StrCat("event ", ev.position(), " ",
                               cv1::EventType_Name(ev.type()));
  start.principal = ev.principal().empty() ? "hub" : ev.principal();
  start.correlation_id = ev.correlation_id();
  switch (ev.type()) {
    case cv1::EVENT_TYPE_CONTRACT_BOOKED:
      start.kind = hub::v1::WORKFLOW_KIND_BOOKING;
      break;
    case cv1::EVENT_TYPE_CONTRACT_AMENDED:
      start.kind = hub::v1::WORKFLOW_KIND_AMENDMENT;
      break;
    case cv1::EVENT_TYPE_RENEWAL_ACCEPTED:
      start.kind = hub::v1::WORKFLOW_KIND_RENEWAL;
      break;
    case cv1::EVENT_TYPE_CONTRACT_CANCELLED:
      start.kind = hub::v1::WORKFLOW_KIND_CANCELLATION;
      break;
    default: {
      // A document: which contract, and is it booked?
      ASSIGN_OR_RETURN(
          auto stored,
          txn.GetCurrentEntity(cv1::ENTITY_TYPE_INVOICE, ev.subject().id()));
      if (!stored.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(cv1::Invoice doc,
                       ParseStored<cv1::Invoice>(*stored, "invoice"));
      if (doc.contract_id().empty()) return absl::OkStatus();
      ASSIGN_OR_RETURN(
          auto contract,
          txn.GetCurrentEntity(cv1::ENTITY_TYPE_CONTRACT, doc.contract_id()));
      if (!contract.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(cv1::Contract c,
                       ParseStored<cv1::Contract>(*contract, "contract"));
      if (c.status() == cv1::CONTRACT_STATUS_DRAFT ||
          c.status() == cv1::CONTRACT_STATUS_UNSPECIFIED) {
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(bool absorbed,
                       AbsorbIntoUnplanned(txn, c.id(), ev.position()));
      if (absorbed) return absl::OkStatus();
      start.kind = hub::v1::WORKFLOW_KIND_BILLING;
      start.contract_id = c.id();
      start.contract_version = c.version();
      start.trigger_key = absl::StrCat("event:", ev.position());
      return StartWorkflowInTxn(txn, start).status();
    }
  }
  start.trigger_key =
      ContractTriggerKey(start.kind, start.contract_id, start.contract_version);
  return StartWorkflowInTxn(txn, start).status();
}

}  // namespace

std::string ContractTriggerKey(hub::v1::WorkflowKind kind,
                               absl::string_view contract_id, int64_t version) {
  return absl::StrCat("contract:", contract_id, ":v", version, ":",
                      KindWord(kind));
}

absl::StatusOr<Workflow> StartWorkflowInTxn(WriteTxn& txn,
                                            const WorkflowStart& start) {
  if (!start.trigger_key.empty()) {
    ASSIGN_OR_RETURN(auto existing,
                     txn.FindWorkflowByTrigger(start.trigger_key));
    if (existing.has_value()) {
      ASSIGN_OR_RETURN(auto wf, txn.GetWorkflow(*existing));
      if (wf.has_value()) return *wf;
    }
  }
  // An unfinished earlier workflow of the contract goes first.
  ASSIGN_OR_RETURN(std::vector<Workflow> earlier,
                   txn.ListUnfinishedWorkflows(start.contract_id));
  ASSIGN_OR_RETURN(int64_t seq, txn.NextSequence("workflow"));
  Workflow wf;
  if (!earlier.empty()) {
    wf.set_blocked_by_workflow_id(earlier.front().workflow_id());
  }
  wf.set_workflow_id(absl::StrCat("wf_", seq));
  wf.set_kind(start.kind);
  wf.set_state(hub::v1::WORKFLOW_STATE_PENDING);
  wf.set_contract_id(start.contract_id);
  wf.set_contract_version(start.contract_version);
  wf.set_trigger_event_position(start.trigger_event_position);
  wf.set_trigger(start.trigger);
  wf.set_principal(start.principal);
  wf.set_correlation_id(start.correlation_id.empty() ? wf.workflow_id()
                                                     : start.correlation_id);
  *wf.mutable_created_at() = ToProto(txn.Now());
  *wf.mutable_updated_at() = ToProto(txn.Now());
  std::vector<std::string> names;
  if (start.credit_unused_portion) names.push_back(kStepIssueCreditNote);
  names.push_back(kStepConfirmSchedule);
  names.push_back(kStepPlanPostings);
  for (const std::string& name : names) {
    WorkflowStep* s = wf.add_steps();
    s->set_index(wf.steps_size() - 1);
    s->set_name(name);
    s->set_state(hub::v1::STEP_STATE_PENDING);
    s->mutable_entity()->set_entity_type(
        name == kStepIssueCreditNote   ? cv1::ENTITY_TYPE_INVOICE
        : name == kStepConfirmSchedule ? cv1::ENTITY_TYPE_REVENUE_SCHEDULE
                                       : cv1::ENTITY_TYPE_CONTRACT);
    s->mutable_entity()->set_id(name == kStepConfirmSchedule
                                    ? ScheduleIdFor(start.contract_id)
                                    : start.contract_id);
  }
  RETURN_IF_ERROR(txn.PutWorkflow(wf, seq, start.trigger_key));
  return wf;
}

Orchestrator::Orchestrator(Store* store, EventBus* events,
                           AdapterSupervisor* adapters, Pipeline* pipeline,
                           OrchestrationConfig config)
    : store_(store),
      events_(events),
      adapters_(adapters),
      pipeline_(pipeline),
      config_(std::move(config)) {}

Orchestrator::~Orchestrator() { Stop(); }

void Orchestrator::Start() {
  workers_ = std::make_unique<WorkQueue>(config_.workers);
  next_sweep_ = absl::Now();
  starter_ = std::thread([this] { StarterLoop(); });
  scheduler_ = std::thread([this] { SchedulerLoop(); });
}

void Orchestrator::Stop() {
  stopping_ = true;
  Notify();
  if (starter_.joinable()) starter_.join();
  if (scheduler_.joinable()) scheduler_.join();
  workers_.reset();  // runs what was posted (each returns at once), joins
}

void Orchestrator::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

void Orchestrator::Sleep(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMicroseconds(d),
               [&] { return stopping_.load(); });
}

// ---- Starting workflows from the event log ---------------------------------

void Orchestrator::StarterLoop() {
  // One waiter on the event bus per position: re-arming it on every timeout
  // would pile waiters up while the log is idle.
  auto woken = std::make_shared<std::atomic<bool>>(true);
  int64_t armed_at = -1;
  while (!stopping_) {
    // StarterStep reports errors by returning true after sleeping.
    if (StarterStep() || stopping_) continue;
    if (woken->load() || armed_at != position_) {
      woken = std::make_shared<std::atomic<bool>>(false);
      armed_at = position_;
      events_->CallWhenBeyond(position_, [this, woken] {
        woken->store(true);
        Notify();
      });
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1),
                 [&] { return stopping_.load() || woken->load(); });
  }
}

bool Orchestrator::StarterStep() {
  auto retry_later = [this](const absl::Status& status) {
    std::cerr << "revhubd: orchestrator: " << status << "; retrying"
              << std::endl;
    Sleep(absl::Milliseconds(500));
    position_ = -1;
    return true;
  };
  if (position_ < 0) {
    auto consumer = store_->GetConsumer(kOrchestratorConsumer);
    if (!consumer.ok()) return retry_later(consumer.status());
    position_ =
        consumer->has_value() ? (*consumer)->acknowledged_position() : 0;
  }
  const int64_t last = store_->LastEventPosition();
  if (last <= position_) return false;
  auto events =
      store_->ReadEvents(position_ + 1, last, WatchedTypes(), kStarterBatch);
  if (!events.ok()) return retry_later(events.status());
  const int64_t expected = position_;
  const int64_t through = static_cast<int>(events->size()) < kStarterBatch
                              ? last
                              : events->back().position();
  absl::Status written = store_->Write([&](WriteTxn& txn) -> absl::Status {
    for (const auto& ev : *events) RETURN_IF_ERROR(StartFromEvent(txn, ev));
    return AdvanceConsumer(txn, kOrchestratorConsumer, expected, through);
  });
  if (!written.ok()) return retry_later(written);
  position_ = through;
  if (!events->empty()) Notify();
  return true;
}

// ---- Scheduling ------------------------------------------------------------

void Orchestrator::SchedulerLoop() {
  while (!stopping_) {
    const absl::Time now = absl::Now();
    absl::Time next = Schedule(now);
    if (now >= next_sweep_) {
      Sweep(now);
      next_sweep_ = now + config_.recognition_sweep_interval;
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

absl::Time Orchestrator::Schedule(absl::Time now) {
  absl::Time next = now + absl::Seconds(1);
  auto unfinished = store_->ListUnfinishedWorkflows();
  if (!unfinished.ok()) {
    std::cerr << "revhubd: orchestrator: " << unfinished.status() << std::endl;
    return now + absl::Milliseconds(500);
  }
  std::map<std::string, std::vector<const Workflow*>> by_contract;
  for (const Workflow& wf : *unfinished) {
    by_contract[wf.contract_id()].push_back(&wf);
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
      if (!st.ok()) std::cerr << "revhubd: orchestrator: " << st << std::endl;
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

void Orchestrator::Sweep(absl::Time now) {
  // Contracts whose workflows have all completed: do their recognised
  // periods have journal entries not yet posted?
  auto targets = Targets(*store_);
  if (!targets.ok() || targets->empty()) return;
  std::set<std::string> contracts, busy;
  WorkflowQuery q;
  q.page_size = 500;
  while (true) {
    auto page = store_->ListWorkflows(q);
    if (!page.ok()) return;
    for (const Workflow& wf : page->workflows) {
      contracts.insert(wf.contract_id());
      if (wf.state() != hub::v1::WORKFLOW_STATE_COMPLETED)
        busy.insert(wf.contract_id());
    }
    if (page->next_page_token.empty()) break;
    q.page_token = page->next_page_token;
  }
  const int64_t position = store_->LastEventPosition();
  for (const std::string& contract : contracts) {
    if (busy.count(contract) != 0 || stopping_) continue;
    bool journal_due = false;
    for (const auto& target : *targets) {
      auto steps = PlanPostings(*store_, target.name(), contract, now);
      if (!steps.ok()) continue;
      for (const auto& s : *steps) {
        if (s.name() == kStepPostJournalEntry ||
            s.name() == kStepPostReversal) {
          journal_due = true;
        }
      }
    }
    if (!journal_due) continue;
    WorkflowStart start;
    start.kind = hub::v1::WORKFLOW_KIND_RECOGNITION;
    start.contract_id = contract;
    start.trigger_event_position = position;
    start.trigger = "recognised periods to post (sweep)";
    start.trigger_key = absl::StrCat(
        "recognition:", contract, ":",
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", now, absl::UTCTimeZone()));
    start.principal = "hub";
    absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(
                                        cv1::ENTITY_TYPE_CONTRACT, contract));
      if (stored.has_value()) start.contract_version = stored->version;
      return StartWorkflowInTxn(txn, start).status();
    });
    if (!st.ok()) std::cerr << "revhubd: orchestrator: " << st << std::endl;
  }
}

absl::Status Orchestrator::Mutate(
    const std::string& workflow_id,
    const std::function<absl::Status(WriteTxn&, Workflow&)>& fn) {
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

Orchestrator::Progress Orchestrator::Record(
    const Workflow& wf,
    const std::function<absl::Status(WriteTxn&, Workflow&)>& fn) {
  absl::Status st = Mutate(wf.workflow_id(), fn);
  if (!st.ok()) {
    std::cerr << "revhubd: orchestrator: " << st << std::endl;
    Wait(wf.workflow_id(), absl::Milliseconds(200));
    return Progress::kWait;
  }
  return Progress::kAdvanced;
}

void Orchestrator::Wait(const std::string& workflow_id, absl::Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  not_before_[workflow_id] = absl::Now() + d;
}

// ---- Running a workflow ----------------------------------------------------

void Orchestrator::RunWorkflow(const std::string& workflow_id) {
  while (!stopping_) {
    auto loaded = store_->GetWorkflow(workflow_id);
    if (!loaded.ok() || !loaded->has_value()) {
      if (!loaded.ok()) {
        std::cerr << "revhubd: orchestrator: " << loaded.status() << std::endl;
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
        std::cerr << "revhubd: orchestrator: " << st << std::endl;
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
    if (RunStep(wf, index) != Progress::kAdvanced) return;
  }
}

Orchestrator::Progress Orchestrator::RunStep(const Workflow& wf, int index) {
  const std::string& name = wf.steps(index).name();
  if (name == kStepIssueCreditNote) return IssueCreditNotes(wf, index);
  if (name == kStepConfirmSchedule) return ConfirmSchedule(wf, index);
  if (name == kStepPlanPostings) return PlanPostingsStep(wf, index);
  if (name == kStepCheckPostedInvoice) return CheckPostedInvoice(wf, index);
  return Deliver(wf, index);
}

// The exception a step opened, when a retry of it has now succeeded.
static absl::Status CloseStepException(WriteTxn& txn, const WorkflowStep& s,
                                       const std::string& how) {
  if (s.exception_id() == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto e, txn.GetException(s.exception_id()));
  if (!e.has_value() || e->state() == hub::v1::EXCEPTION_STATE_RESOLVED)
    return absl::OkStatus();
  e->set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
  *e->mutable_resolved_at() = ToProto(txn.Now());
  e->set_resolution(how);
  RecordAction(&*e, txn.Now(), "resolved", "hub", how);
  return txn.PutException(std::move(*e)).status();
}

// Marks step `index` done (SUCCEEDED or SKIPPED) with `detail`.
static absl::Status Finish(WriteTxn& txn, Workflow& w, int index,
                           StepState state, const std::string& detail) {
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

Orchestrator::Progress Orchestrator::IssueCreditNotes(const Workflow& wf,
                                                      int index) {
  auto contract =
      store_->GetEntity(cv1::ENTITY_TYPE_CONTRACT, wf.contract_id(), {});
  if (!contract.ok() || !contract->has_value()) {
    Wait(wf.workflow_id(), absl::Seconds(1));
    return Progress::kWait;
  }
  auto c = ParseStored<cv1::Contract>(**contract, "contract");
  if (!c.ok()) {
    return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                std::string(c.status().message()), "contract", "", nullptr);
  }
  if (!c->has_cancelled_at()) {
    return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                "the contract has no cancelled_at: the unused portion cannot "
                "be measured",
                "contract.cancelled_at", "", nullptr);
  }
  auto notes = CancellationCredits(*store_, wf.contract_id(),
                                   FromProto(c->cancelled_at()));
  if (!notes.ok()) {
    return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                std::string(notes.status().message()), "", "", nullptr);
  }
  absl::Status st = Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
    std::vector<std::string> issued;
    for (const cv1::Invoice& note : *notes) {
      UpsertArgs args;
      args.source_system = "";
      args.causation_id = w.workflow_id();
      args.correlation_id = w.correlation_id();
      args.ctx.principal = w.principal();
      ASSIGN_OR_RETURN(auto result, UpsertEntityInTxn(txn, note, args));
      if (result.changed) {
        w.set_trigger_event_position(
            std::max(w.trigger_event_position(), result.event_position));
      }
      issued.push_back(absl::StrCat(result.entity.id(), " (",
                                    FormatMoney(note.total()), ")"));
    }
    return Finish(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                  issued.empty()
                      ? "nothing unused to credit"
                      : absl::StrCat("issued ", absl::StrJoin(issued, ", ")));
  });
  if (!st.ok()) {
    if (absl::IsInvalidArgument(st) || absl::IsFailedPrecondition(st) ||
        absl::IsNotFound(st)) {
      return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                  hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                  std::string(st.message()), "", "", nullptr);
    }
    Wait(wf.workflow_id(), absl::Milliseconds(500));
    return Progress::kWait;
  }
  return Progress::kAdvanced;
}

Orchestrator::Progress Orchestrator::ConfirmSchedule(const Workflow& wf,
                                                     int index) {
  // Confirming releases the schedule for posting: with no ERP to post to,
  // there is nothing to release.
  auto targets = Targets(*store_);
  if (!targets.ok()) {
    Wait(wf.workflow_id(), absl::Milliseconds(500));
    return Progress::kWait;
  }
  if (targets->empty()) {
    return Record(wf, [&](WriteTxn& txn, Workflow& w) {
      return Finish(txn, w, index, hub::v1::STEP_STATE_SKIPPED,
                    "no ERP system is registered: nothing to release for "
                    "posting");
    });
  }
  auto consumer = store_->GetConsumer(kRevenueConsumer);
  const int64_t done = consumer.ok() && consumer->has_value()
                           ? (*consumer)->acknowledged_position()
                           : 0;
  if (done < wf.trigger_event_position()) {
    Wait(wf.workflow_id(), kRevenueWait);
    return Progress::kWait;
  }
  const std::string schedule_id = ScheduleIdFor(wf.contract_id());
  bool failed = false;
  std::string failure;
  absl::Status st = Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
    ASSIGN_OR_RETURN(
        auto stored,
        txn.GetCurrentEntity(cv1::ENTITY_TYPE_REVENUE_SCHEDULE, schedule_id));
    if (!stored.has_value()) {
      return Finish(txn, w, index, hub::v1::STEP_STATE_SKIPPED,
                    "the contract has no revenue schedule");
    }
    ASSIGN_OR_RETURN(auto schedule, ParseStored<cv1::RevenueSchedule>(
                                        *stored, "revenue schedule"));
    switch (schedule.status()) {
      case cv1::REVENUE_SCHEDULE_STATUS_FAILED:
        failed = true;
        failure = absl::StrCat(
            "the revenue schedule ", schedule_id, " v", schedule.version(),
            " could not be computed: ", schedule.recomputation_error());
        return absl::OkStatus();
      case cv1::REVENUE_SCHEDULE_STATUS_CONFIRMED:
        return Finish(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                      absl::StrCat("schedule ", schedule_id, " v",
                                   schedule.version(), " already confirmed"));
      default:
        break;
    }
    schedule.set_status(cv1::REVENUE_SCHEDULE_STATUS_CONFIRMED);
    schedule.set_version(stored->version + 1);
    *schedule.mutable_recorded_at() = ToProto(txn.Now());
    StoredEntity next;
    next.type = cv1::ENTITY_TYPE_REVENUE_SCHEDULE;
    next.id = schedule_id;
    next.version = schedule.version();
    next.recorded_at = txn.Now();
    next.payload = schedule.SerializeAsString();
    RETURN_IF_ERROR(
        txn.PutEntityVersion(next, {{"contract_id", schedule.contract_id()}}));
    w.mutable_steps(index)->mutable_entity()->set_version(schedule.version());
    return Finish(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                  absl::StrCat("schedule ", schedule_id, " v",
                               schedule.version(), " confirmed"));
  });
  if (!st.ok()) {
    Wait(wf.workflow_id(), absl::Milliseconds(200));
    return Progress::kWait;
  }
  if (failed) {
    return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                hub::v1::EXCEPTION_KIND_SCHEDULE_FAILED, failure, "", "",
                nullptr);
  }
  return Progress::kAdvanced;
}

Orchestrator::Progress Orchestrator::PlanPostingsStep(const Workflow& wf,
                                                      int index) {
  auto targets = Targets(*store_);
  if (!targets.ok()) {
    Wait(wf.workflow_id(), absl::Milliseconds(500));
    return Progress::kWait;
  }
  const absl::Time now = absl::Now();
  std::vector<WorkflowStep> planned;
  std::vector<std::string> summary;
  for (const auto& target : *targets) {
    auto steps = PlanPostings(*store_, target.name(), wf.contract_id(), now);
    if (!steps.ok()) {
      return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                  hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                  std::string(steps.status().message()), "", "", nullptr);
    }
    summary.push_back(
        absl::StrCat(steps->size(), " deliveries to ", target.name()));
    for (auto& s : *steps) planned.push_back(std::move(s));
  }
  return Record(wf, [&](WriteTxn& txn, Workflow& w) {
    if (w.steps(index).state() == hub::v1::STEP_STATE_SUCCEEDED)
      return absl::OkStatus();
    for (WorkflowStep& s : planned) {
      WorkflowStep* added = w.add_steps();
      *added = s;
      added->set_index(w.steps_size() - 1);
      added->set_state(hub::v1::STEP_STATE_PENDING);
      added->set_idempotency_key(
          absl::StrCat(w.workflow_id(), "/", added->index(), ":", added->name(),
                       "/", added->target_system()));
    }
    return Finish(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                  targets->empty() ? "no ERP system is registered"
                                   : absl::StrJoin(summary, "; "));
  });
}

Orchestrator::Progress Orchestrator::CheckPostedInvoice(const Workflow& wf,
                                                        int index) {
  const WorkflowStep& step = wf.steps(index);
  cv1::Money difference;
  auto mismatch = CheckPostedDocument(*store_, step.target_system(),
                                      step.payload().invoice(), &difference);
  if (!mismatch.ok()) {
    Wait(wf.workflow_id(), absl::Milliseconds(500));
    return Progress::kWait;
  }
  if (!mismatch->empty()) {
    return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                hub::v1::EXCEPTION_KIND_AMOUNT_MISMATCH, *mismatch,
                "invoice.total", "", &difference);
  }
  return Record(wf, [&](WriteTxn& txn, Workflow& w) {
    return Finish(txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
                  "matches what was posted");
  });
}

std::shared_ptr<Orchestrator::Semaphore> Orchestrator::LimitFor(
    const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = limits_[system];
  if (slot == nullptr) slot = std::make_shared<Semaphore>();
  return slot;
}

Orchestrator::Progress Orchestrator::Deliver(const Workflow& wf, int index) {
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
    return Progress::kWait;
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
  *req.mutable_config() = (*system)->config();
  req.set_idempotency_key(planned.idempotency_key());
  req.set_operation(adapter::v1::CHANGE_OPERATION_UPSERT);
  *req.mutable_entity() = planned.payload();
  // What the target already has that the change refers to.
  auto known = [&](const char* path, cv1::EntityType type,
                   const std::string& id, const char* object_type) {
    if (id.empty()) return;
    auto rows = store_->ListEntityPostings(target, type, id);
    if (!rows.ok() || rows->empty() || rows->back().vendor_id.empty()) return;
    auto* link = req.add_known_refs();
    link->set_field_path(path);
    link->set_target_type(type);
    link->mutable_target()->set_system(target);
    link->mutable_target()->set_object_type(object_type);
    link->mutable_target()->set_vendor_id(rows->back().vendor_id);
  };
  if (planned.payload().has_invoice()) {
    const cv1::Invoice& inv = planned.payload().invoice();
    known("customer_id", cv1::ENTITY_TYPE_CUSTOMER, inv.customer_id(),
          "customer");
    known("credited_invoice_id", cv1::ENTITY_TYPE_INVOICE,
          inv.credited_invoice_id(), "invoice");
  }
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
    resp = (*client)->Apply(req);
  } else {
    resp = client.status();
  }
  {
    std::lock_guard<std::mutex> lock(limit->mu);
    --limit->in_use;
  }
  limit->cv.notify_one();
  if (!resp.ok()) {
    return Transient(
        wf, index, policy,
        absl::StrCat("adapter for ", target, ": ", resp.status().message()),
        absl::StatusCodeToString(resp.status().code()), absl::ZeroDuration());
  }
  switch (resp->outcome()) {
    case adapter::v1::APPLY_OUTCOME_APPLIED:
      break;
    case adapter::v1::APPLY_OUTCOME_REJECTED: {
      const bool vendor = !resp->vendor_code().empty();
      return Fail(wf, index, hub::v1::STEP_STATE_FAILED,
                  vendor ? hub::v1::EXCEPTION_KIND_POSTING_REJECTED
                         : hub::v1::EXCEPTION_KIND_METADATA_MISMATCH,
                  resp->reason(), resp->field_path(), resp->vendor_code(),
                  &planned.amount());
    }
    default: {
      absl::Duration after = absl::Milliseconds(
          TimeUtil::DurationToMilliseconds(resp->retry_after()));
      return Transient(wf, index, policy,
                       resp->reason().empty() ? "the adapter asked to retry"
                                              : resp->reason(),
                       resp->vendor_code(), after);
    }
  }
  // Delivered: the step, the ledger, the refs and the event in one write.
  const std::string kind = PostingKindOf(planned.name());
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
    row.kind = kind;
    row.content_hash = ContentHash(planned.payload());
    if (planned.payload().has_journal_entry())
      row.reverses = planned.payload().journal_entry().reverses_entry_id();
    row.workflow_id = w.workflow_id();
    row.step_index = index;
    if (resp->vendor_refs_size() > 0)
      row.vendor_id = resp->vendor_refs(0).vendor_id();
    row.posted_at = txn.Now();
    row.payload = planned.payload().SerializeAsString();
    absl::Status put = kind == "customer" ? txn.ReplacePosting(row)
                                          : txn.RecordPosting(row);
    if (!put.ok() && !absl::IsAlreadyExists(put)) return put;
    if (kind == "customer" || kind == "invoice" || kind == "credit_note") {
      for (const auto& ref : resp->vendor_refs()) {
        absl::Status bound = txn.BindExternalRef(planned.entity().entity_type(),
                                                 ref, planned.entity().id());
        if (!bound.ok() && !absl::IsAlreadyExists(bound)) return bound;
      }
    }
    if (planned.payload().has_journal_entry()) {
      cv1::BusinessEvent ev;
      ev.set_event_id(NewId("evt"));
      ev.set_type(cv1::EVENT_TYPE_JOURNAL_POSTED);
      ev.mutable_subject()->set_entity_type(cv1::ENTITY_TYPE_JOURNAL_ENTRY);
      ev.mutable_subject()->set_id(planned.entity().id());
      ev.set_source_system(target);
      ev.set_correlation_id(w.correlation_id());
      ev.set_causation_id(w.workflow_id());
      ev.set_principal(w.principal());
      *ev.mutable_occurred_at() = ToProto(txn.Now());
      *ev.mutable_journal_posted()->mutable_entry() =
          planned.payload().journal_entry();
      ev.mutable_journal_posted()->set_target_system(target);
      RETURN_IF_ERROR(txn.AppendEvent(std::move(ev)).status());
    }
    return Finish(
        txn, w, index, hub::v1::STEP_STATE_SUCCEEDED,
        absl::StrCat(planned.detail(), "; delivered as ", row.external_id,
                     row.vendor_id.empty() ? ""
                                           : absl::StrCat(" (", target, " id ",
                                                          row.vendor_id, ")")));
  });
  if (!st.ok()) {
    // Not recorded: the next attempt delivers again under the same
    // external id, which updates the record the vendor already has.
    std::cerr << "revhubd: orchestrator: " << st << std::endl;
    Wait(wf.workflow_id(), absl::Milliseconds(200));
    return Progress::kWait;
  }
  return Progress::kAdvanced;
}

Orchestrator::Progress Orchestrator::Transient(
    const Workflow& wf, int index, const hub::v1::DeliveryPolicy& policy,
    const std::string& error, const std::string& code,
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
  const absl::Duration delay = std::max(Backoff(policy, attempts), retry_after);
  absl::Status st = Mutate(wf.workflow_id(), [&](WriteTxn& txn, Workflow& w) {
    WorkflowStep* step = w.mutable_steps(index);
    step->set_state(hub::v1::STEP_STATE_RETRY_SCHEDULED);
    step->set_last_error(error);
    step->set_last_error_code(code);
    *step->mutable_next_attempt_at() = ToProto(txn.Now() + delay);
    return absl::OkStatus();
  });
  if (!st.ok()) Wait(wf.workflow_id(), absl::Milliseconds(200));
  return Progress::kWait;
}

Orchestrator::Progress Orchestrator::Fail(
    const Workflow& wf, int index, StepState state, hub::v1::ExceptionKind kind,
    const std::string& error, const std::string& field_path,
    const std::string& vendor_code, const cv1::Money* amount) {
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
      *e.mutable_entity() = s->entity();
      e.set_error(error);
      e.set_field_path(field_path);
      e.set_vendor_code(vendor_code);
      e.set_vendor_response(error);
      if (amount != nullptr) *e.mutable_amount_at_stake() = *amount;
      e.set_attempts(s->attempts());
      ASSIGN_OR_RETURN(e, OpenException(txn, config_, std::move(e), "hub"));
    }
    s->set_exception_id(e.exception_id());
    w.set_state(hub::v1::WORKFLOW_STATE_BLOCKED);
    if (kind == hub::v1::EXCEPTION_KIND_POSTING_REJECTED) {
      cv1::BusinessEvent ev;
      ev.set_event_id(NewId("evt"));
      ev.set_type(cv1::EVENT_TYPE_POSTING_REJECTED);
      *ev.mutable_subject() = s->entity();
      ev.set_source_system(s->target_system());
      ev.set_correlation_id(w.correlation_id());
      ev.set_causation_id(w.workflow_id());
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
    std::cerr << "revhubd: orchestrator: " << st << std::endl;
    Wait(wf.workflow_id(), absl::Milliseconds(500));
    return Progress::kWait;
  }
  return Progress::kStopped;
}

// ---- Exceptions ------------------------------------------------------------

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
  int64_t record_id = 0;
  std::string replay_error;
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
    e->set_state(hub::v1::EXCEPTION_STATE_RETRYING);
    RecordAction(&*e, txn.Now(), action, principal, note);
    record_id = e->record_id();
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
  if (record_id != 0) {
    if (pipeline_ == nullptr) {
      return absl::FailedPreconditionError(
          "the ingest pipeline is not running: the record cannot be replayed");
    }
    // The pipeline's own transaction resolves the exception when the record
    // applies (OnRecordApplied) or reopens it (OnRecordFailed).
    auto outcome = pipeline_->Replay(record_id);
    if (!outcome.ok()) replay_error = std::string(outcome.status().message());
  }
  Notify();
  auto e = store_->GetException(exception_id);
  if (!e.ok()) return e.status();
  if (!e->has_value()) return absl::NotFoundError("exception_id: gone");
  DescribeAge(absl::Now(), &**e);
  if (!replay_error.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "record ", record_id, " could not be replayed now: ", replay_error));
  }
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
    e->set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
    *e->mutable_resolved_at() = ToProto(txn.Now());
    e->set_resolution(reason);
    RecordAction(&*e, txn.Now(), "resolved", principal, reason);
    if (!e->workflow_id().empty()) {
      ASSIGN_OR_RETURN(auto wf, txn.GetWorkflow(e->workflow_id()));
      if (wf.has_value() && e->step_index() < wf->steps_size()) {
        WorkflowStep* s = wf->mutable_steps(e->step_index());
        if (!Done(*s)) {
          RETURN_IF_ERROR(
              Finish(txn, *wf, e->step_index(), hub::v1::STEP_STATE_SKIPPED,
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
            absl::Status put = row.kind == "customer"
                                   ? txn.ReplacePosting(row)
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

absl::Status Orchestrator::OnRecordFailed(
    WriteTxn& txn, const std::vector<hub::v1::RecordException>& errors) {
  if (errors.empty()) return absl::OkStatus();
  const auto& first = errors.front();
  std::vector<std::string> texts;
  for (const auto& e : errors) {
    texts.push_back(e.field_path().empty()
                        ? e.reason()
                        : absl::StrCat(e.field_path(), ": ", e.reason()));
  }
  const std::string error = absl::StrJoin(texts, "; ");
  ASSIGN_OR_RETURN(auto open, txn.ListOpenRecordExceptions(first.record_id()));
  if (!open.empty()) {
    Exception e = std::move(open.front());
    e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
    e.set_error(error);
    e.set_field_path(first.field_path());
    e.set_attempts(e.attempts() + 1);
    RecordAction(&e, txn.Now(), "failed again", "hub", error);
    return txn.PutException(std::move(e)).status();
  }
  Exception e;
  e.set_kind(hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
  e.set_system(first.system());
  e.set_record_id(first.record_id());
  e.set_error(error);
  e.set_field_path(first.field_path());
  e.set_attempts(1);
  return OpenException(txn, config_, std::move(e), "hub").status();
}

absl::Status Orchestrator::OnRecordApplied(WriteTxn& txn, int64_t record_id) {
  ASSIGN_OR_RETURN(auto open, txn.ListOpenRecordExceptions(record_id));
  for (Exception& e : open) {
    e.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
    *e.mutable_resolved_at() = ToProto(txn.Now());
    e.set_resolution("the record was applied");
    RecordAction(&e, txn.Now(), "resolved", "hub", "the record was applied");
    RETURN_IF_ERROR(txn.PutException(std::move(e)).status());
  }
  return absl::OkStatus();
}

}  // namespace revhub::hub
