#include "hub/orchestration/starter.h"

#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/events/consumers.h"
#include "hub/observability/log.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/orchestration/planner.h"
#include "hub/orchestration/workflow_common.h"
#include "hub/revenue/revenue_records.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::Workflow;
using hub::v1::WorkflowStep;

constexpr int kStarterBatch = 200;

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
    case hub::v1::WORKFLOW_KIND_REDELIVERY:
      return "redelivery";
    default:
      return "workflow";
  }
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
          return (s.name() == kStepConfirmSchedule && StepDone(s)) ||
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
  start.trace_id = ev.trace_id();
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
  wf.set_trace_id(start.trace_id);
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

WorkflowStarter::WorkflowStarter(Store* store, EventBus* events,
                                 std::function<void()> on_started)
    : store_(store), events_(events), on_started_(std::move(on_started)) {}

WorkflowStarter::~WorkflowStarter() { Stop(); }

void WorkflowStarter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WorkflowStarter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WorkflowStarter::Sleep(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMicroseconds(d),
               [&] { return stopping_.load(); });
}

void WorkflowStarter::Loop() {
  // One waiter on the event bus per position: re-arming it on every timeout
  // would pile waiters up while the log is idle.
  auto woken = std::make_shared<std::atomic<bool>>(true);
  int64_t armed_at = -1;
  while (!stopping_) {
    // Step reports errors by returning true after sleeping.
    if (Step() || stopping_) continue;
    if (woken->load() || armed_at != position_) {
      woken = std::make_shared<std::atomic<bool>>(false);
      armed_at = position_;
      events_->CallWhenBeyond(position_, [this, woken] {
        {
          std::lock_guard<std::mutex> lock(mu_);
          woken->store(true);
        }
        cv_.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1),
                 [&] { return stopping_.load() || woken->load(); });
  }
}

bool WorkflowStarter::Step() {
  auto retry_later = [this](const absl::Status& status) {
    observability::LogWarn("starter",
                           absl::StrCat(status.ToString(), "; retrying"));
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
  if (!events->empty()) on_started_();
  return true;
}

void SweepRecognition(Store& store, absl::Time now,
                      const std::atomic<bool>& stopping) {
  // Contracts whose workflows have all completed: do their recognised
  // periods have journal entries not yet posted?
  auto targets = Targets(store);
  if (!targets.ok() || targets->empty()) return;
  std::set<std::string> contracts, busy;
  WorkflowQuery q;
  q.page_size = 500;
  while (true) {
    auto page = store.ListWorkflows(q);
    if (!page.ok()) return;
    for (const Workflow& wf : page->workflows) {
      contracts.insert(wf.contract_id());
      if (wf.state() != hub::v1::WORKFLOW_STATE_COMPLETED)
        busy.insert(wf.contract_id());
    }
    if (page->next_page_token.empty()) break;
    q.page_token = page->next_page_token;
  }
  const int64_t position = store.LastEventPosition();
  for (const std::string& contract : contracts) {
    if (busy.count(contract) != 0 || stopping) continue;
    bool journal_due = false;
    for (const auto& target : *targets) {
      auto steps = PlanPostings(store, target.name(), contract, now);
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
    absl::Status st = store.Write([&](WriteTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(
                                        cv1::ENTITY_TYPE_CONTRACT, contract));
      if (stored.has_value()) start.contract_version = stored->version;
      return StartWorkflowInTxn(txn, start).status();
    });
    if (!st.ok()) observability::LogWarn("starter", st.ToString());
  }
}

}  // namespace revhub::hub
