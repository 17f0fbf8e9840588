#include "hub/monitor/backlog_monitor.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/observability/log.h"

namespace revhub::hub {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Duration ToDuration(absl::Duration d) {
  return TimeUtil::MicrosecondsToDuration(
      absl::ToInt64Microseconds(std::max(d, absl::ZeroDuration())));
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

std::string Unprefixed(const std::string& name, absl::string_view prefix) {
  if (absl::StartsWith(name, prefix)) return name.substr(prefix.size());
  return name;
}

double AmountOf(const ExceptionSummaryGroup& g) {
  return static_cast<double>(g.units) + g.nanos / 1e9;
}

}  // namespace

BacklogMonitor::BacklogMonitor(Store* store, AdapterSupervisor* adapters,
                               absl::Duration sample_interval,
                               absl::Duration window)
    : store_(store),
      adapters_(adapters),
      interval_(sample_interval),
      window_(window) {}

BacklogMonitor::~BacklogMonitor() { Stop(); }

void BacklogMonitor::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void BacklogMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BacklogMonitor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const absl::Time now = absl::Now();
    absl::StatusOr<hub::v1::BacklogSnapshot> s = Snapshot(now);
    lock.lock();
    if (s.ok()) {
      history_.push_back(std::move(*s));
      while (!history_.empty() &&
             TimeUtil::TimestampToMicroseconds(history_.front().at()) <
                 absl::ToUnixMicros(now - window_)) {
        history_.pop_front();
      }
    } else {
      observability::LogWarn("monitor", "backlog sample failed",
                             {{"error", std::string(s.status().message())}});
    }
    cv_.wait_for(lock, absl::ToChronoMicroseconds(interval_),
                 [this] { return stopping_; });
  }
}

absl::StatusOr<hub::v1::BacklogSnapshot> BacklogMonitor::Snapshot(
    absl::Time now) {
  hub::v1::BacklogSnapshot s;
  *s.mutable_at() = ToTimestamp(now);
  absl::Time oldest_record = absl::InfiniteFuture();
  ASSIGN_OR_RETURN(auto records, store_->CountRecordsByStatus());
  for (const RecordStatusCount& c : records) {
    switch (c.status) {
      case hub::v1::RECORD_STATUS_RECEIVED:
        s.set_records_received(s.records_received() + c.count);
        oldest_record = std::min(oldest_record, c.oldest_received_at);
        break;
      case hub::v1::RECORD_STATUS_WAITING:
        s.set_records_waiting(s.records_waiting() + c.count);
        oldest_record = std::min(oldest_record, c.oldest_received_at);
        break;
      case hub::v1::RECORD_STATUS_FAILED:
        s.set_records_failed(s.records_failed() + c.count);
        break;
      default:
        break;
    }
  }
  if (oldest_record != absl::InfiniteFuture()) {
    *s.mutable_oldest_record_age() = ToDuration(now - oldest_record);
  }
  absl::Time oldest_workflow = absl::InfiniteFuture();
  ASSIGN_OR_RETURN(auto workflows, store_->CountWorkflowsByState());
  for (const WorkflowStateCount& c : workflows) {
    if (c.state == hub::v1::WORKFLOW_STATE_COMPLETED) continue;
    if (c.state == hub::v1::WORKFLOW_STATE_PENDING) {
      s.set_workflows_pending(c.count);
    } else if (c.state == hub::v1::WORKFLOW_STATE_RUNNING) {
      s.set_workflows_running(c.count);
    } else if (c.state == hub::v1::WORKFLOW_STATE_BLOCKED) {
      s.set_workflows_blocked(c.count);
    }
    oldest_workflow = std::min(oldest_workflow, c.oldest_updated_at);
  }
  if (oldest_workflow != absl::InfiniteFuture()) {
    *s.mutable_oldest_workflow_age() = ToDuration(now - oldest_workflow);
  }
  const int64_t last = store_->LastEventPosition();
  ASSIGN_OR_RETURN(auto consumers, store_->ConsumerPositions());
  for (const auto& [name, position] : consumers) {
    s.set_consumer_lag(std::max(s.consumer_lag(), last - position));
  }
  ExceptionSummaryQuery q;
  q.now = now;
  ASSIGN_OR_RETURN(auto groups, store_->SummarizeExceptions(q));
  for (const ExceptionSummaryGroup& g : groups) {
    if (g.dimension == "total") {
      s.set_exceptions_open(s.exceptions_open() + g.count);
    } else if (g.dimension == "sla" && g.key == "BREACHED") {
      s.set_sla_breached(s.sla_breached() + g.count);
    }
  }
  return s;
}

absl::StatusOr<hub::v1::GetBacklogResponse> BacklogMonitor::Backlog() {
  const absl::Time now = absl::Now();
  hub::v1::GetBacklogResponse out;
  ASSIGN_OR_RETURN(*out.mutable_current(), Snapshot(now));
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& h : history_) *out.add_history() = h;
  }
  ASSIGN_OR_RETURN(auto records, store_->CountRecordsByStatus());
  std::vector<hub::v1::System> systems;
  for (std::string after;;) {
    ASSIGN_OR_RETURN(auto page, store_->ListSystems(after, 500));
    for (auto& s : page) systems.push_back(std::move(s));
    if (page.size() < 500) break;
    after = systems.back().name();
  }
  for (const hub::v1::System& system : systems) {
    hub::v1::SystemHealth* h = out.add_systems();
    h->set_system(system.name());
    h->set_enabled(system.state() != hub::v1::SYSTEM_STATE_DISABLED);
    AdapterState a;
    if (adapters_ != nullptr) a = adapters_->StateOf(system.name());
    h->set_vendor(a.vendor);
    h->set_adapter_state(a.state);
    h->set_adapter_restarts(a.restarts);
    h->set_last_error(a.last_error);
    absl::Time oldest = absl::InfiniteFuture();
    for (const RecordStatusCount& c : records) {
      if (c.system != system.name()) continue;
      switch (c.status) {
        case hub::v1::RECORD_STATUS_RECEIVED:
          h->set_records_received(c.count);
          oldest = std::min(oldest, c.oldest_received_at);
          break;
        case hub::v1::RECORD_STATUS_WAITING:
          h->set_records_waiting(c.count);
          oldest = std::min(oldest, c.oldest_received_at);
          break;
        case hub::v1::RECORD_STATUS_APPLIED:
          h->set_records_applied(c.count);
          break;
        case hub::v1::RECORD_STATUS_FAILED:
          h->set_records_failed(c.count);
          break;
        default:
          break;
      }
    }
    *h->mutable_lag() = ToDuration(
        oldest == absl::InfiniteFuture() ? absl::ZeroDuration() : now - oldest);
    ASSIGN_OR_RETURN(auto syncs, store_->ListSyncStates(system.name()));
    int64_t last_sync = 0;
    for (const auto& st : syncs) {
      const int64_t finished =
          TimeUtil::TimestampToMicroseconds(st.last_run_finished());
      if (st.has_last_run_finished() && finished > last_sync) {
        last_sync = finished;
      }
      if (h->last_error().empty() && st.consecutive_errors() > 0) {
        h->set_last_error(st.last_error());
      }
    }
    if (last_sync > 0) {
      *h->mutable_last_sync_at() = TimeUtil::MicrosecondsToTimestamp(last_sync);
    }
  }
  return out;
}

absl::StatusOr<observability::StateSamples> BacklogMonitor::MetricSamples() {
  using observability::CollectedSample;
  const absl::Time now = absl::Now();
  observability::StateSamples out;
  ASSIGN_OR_RETURN(hub::v1::BacklogSnapshot s, Snapshot(now));
  auto stage = [&](const char* name, int64_t v) {
    out.backlog.push_back({{name}, static_cast<double>(v)});
  };
  stage("records_received", s.records_received());
  stage("records_waiting", s.records_waiting());
  stage("records_failed", s.records_failed());
  stage("workflows_pending", s.workflows_pending());
  stage("workflows_running", s.workflows_running());
  stage("workflows_blocked", s.workflows_blocked());
  stage("exceptions_open", s.exceptions_open());
  out.oldest_age.push_back(
      {{"records"},
       TimeUtil::DurationToMicroseconds(s.oldest_record_age()) / 1e6});
  out.oldest_age.push_back(
      {{"workflows"},
       TimeUtil::DurationToMicroseconds(s.oldest_workflow_age()) / 1e6});
  ASSIGN_OR_RETURN(auto records, store_->CountRecordsByStatus());
  for (const RecordStatusCount& c : records) {
    out.records.push_back(
        {{c.system,
          Unprefixed(hub::v1::RecordStatus_Name(c.status), "RECORD_STATUS_")},
         static_cast<double>(c.count)});
  }
  const int64_t last = store_->LastEventPosition();
  ASSIGN_OR_RETURN(auto consumers, store_->ConsumerPositions());
  for (const auto& [name, position] : consumers) {
    out.consumer_lag.push_back({{name}, static_cast<double>(last - position)});
  }
  // Per category: its owners, their money per currency, its SLA states.
  const auto* categories = hub::v1::ExceptionCategory_descriptor();
  for (int i = 0; i < categories->value_count(); ++i) {
    const int number = categories->value(i)->number();
    if (number == hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED) continue;
    const std::string category =
        Unprefixed(categories->value(i)->name(), "EXCEPTION_CATEGORY_");
    ExceptionSummaryQuery q;
    q.now = now;
    q.category = static_cast<hub::v1::ExceptionCategory>(number);
    ASSIGN_OR_RETURN(auto groups, store_->SummarizeExceptions(q));
    std::map<std::string, int64_t> open_by_owner;
    for (const ExceptionSummaryGroup& g : groups) {
      if (g.dimension == "owner") {
        open_by_owner[g.key] += g.count;
        if (!g.currency.empty()) {
          out.money_at_stake.push_back(
              {{category, g.key, g.currency}, AmountOf(g)});
        }
      } else if (g.dimension == "sla") {
        out.exceptions_sla.push_back(
            {{category, g.key}, static_cast<double>(g.count)});
      }
    }
    for (const auto& [owner, count] : open_by_owner) {
      out.exceptions_open.push_back(
          {{category, owner}, static_cast<double>(count)});
    }
  }
  // SLA states are grouped per currency too: add them up per state.
  std::map<std::vector<std::string>, double> sla;
  for (const auto& c : out.exceptions_sla) sla[c.labels] += c.value;
  out.exceptions_sla.clear();
  for (const auto& [labels, v] : sla) out.exceptions_sla.push_back({labels, v});
  if (adapters_ != nullptr) {
    for (std::string after;;) {
      ASSIGN_OR_RETURN(auto page, store_->ListSystems(after, 500));
      for (const auto& system : page) {
        const AdapterState a = adapters_->StateOf(system.name());
        out.adapter_up.push_back(
            {{system.name()}, a.state == "running" ? 1.0 : 0.0});
        out.adapter_restarts.push_back(
            {{system.name()}, static_cast<double>(a.restarts)});
      }
      if (page.size() < 500) break;
      after = page.back().name();
    }
  }
  return out;
}

}  // namespace revhub::hub
