#include "hub/ingest/pipeline.h"

#include <algorithm>
#include <iostream>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/log.h"
#include "hub/observability/trace_context.h"

namespace revhub::hub {
namespace {

using adapter::v1::TranslationResult;
using hub::v1::RawRecord;
using hub::v1::RecordStatus;
using hub::v1::ReplayOutcome;

bool IsTransient(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st) ||
         absl::IsResourceExhausted(st) || absl::IsCancelled(st);
}

}  // namespace

Pipeline::Pipeline(Store* store, AdapterSupervisor* adapters,
                   PipelineOptions options)
    : store_(store), adapters_(adapters), options_(options) {
  options_.batch_size = std::clamp(options_.batch_size, 1, 1000);
  options_.queued_batches = std::max(options_.queued_batches, 1);
}

Pipeline::~Pipeline() { Shutdown(); }

void Pipeline::Start() {
  applier_ = std::thread([this] { ApplierLoop(); });
  thread_ = std::thread([this] { Loop(); });
}

void Pipeline::Notify(bool requeued) {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  if (requeued) full_scan_ = true;
  cv_.notify_one();
}

void Pipeline::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (applier_.joinable()) applier_.join();
  // Batches never applied stay RECEIVED in the store: the next start
  // takes them.
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  in_flight_.clear();
}

void Pipeline::RetryNow(const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  backoff_.erase(system);
  notified_ = true;
  full_scan_ = true;
  cv_.notify_one();
}

void Pipeline::NoteTransient(const std::string& system, const absl::Status& why,
                             size_t records) {
  // A system without an adapter (or disabled) just waits, quietly.
  if (!absl::IsFailedPrecondition(why)) {
    observability::LogWarn(
        "pipeline",
        absl::StrCat(why.message(), " (will retry ", records, " records)"),
        {{"system", system}});
  }
  std::lock_guard<std::mutex> lock(mu_);
  Backoff& b = backoff_[system];
  absl::Duration delay = options_.initial_backoff;
  for (int i = 0; i < b.attempts && delay < options_.max_backoff; ++i)
    delay *= 2;
  b.attempts++;
  b.next_at = absl::Now() + std::min(delay, options_.max_backoff);
}

void Pipeline::NoteSuccess(const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  backoff_.erase(system);
}

bool Pipeline::BackingOff(const std::string& system, absl::Time now) const {
  auto it = backoff_.find(system);
  return it != backoff_.end() && it->second.next_at > now;
}

absl::StatusOr<std::vector<int64_t>> Pipeline::IdsByStatus(
    const std::string& system, RecordStatus status, int64_t after_id,
    int64_t limit) {
  std::vector<int64_t> ids;
  constexpr int kPage = 1000;
  while (static_cast<int64_t>(ids.size()) < limit) {
    ASSIGN_OR_RETURN(std::vector<RecordRef> page,
                     store_->ListRecordIdsByStatus(status, after_id, kPage));
    for (const RecordRef& r : page) {
      if (!system.empty() && r.system != system) continue;
      if (static_cast<int64_t>(ids.size()) >= limit) break;
      ids.push_back(r.record_id);
    }
    if (static_cast<int>(page.size()) < kPage) break;
    after_id = page.back().record_id;
  }
  return ids;
}

void Pipeline::Loop() {
  while (true) {
    bool full;
    {
      std::unique_lock<std::mutex> lock(mu_);
      absl::Time wake = absl::Now() + options_.poll_interval;
      for (const auto& [system, b] : backoff_) {
        wake = std::min(wake, b.next_at);
      }
      cv_.wait_until(lock, absl::ToChronoTime(wake),
                     [&] { return stopping_ || notified_; });
      if (stopping_) return;
      // New records only: read on from the last one read. A pass without a
      // wake-up reads everything, which also finds what another hub's
      // records or a restart left behind.
      full = full_scan_ || !notified_;
      full_scan_ = false;
      notified_ = false;
    }
    ExpireWaits();
    Pass(full);
  }
}

void Pipeline::LeaveBehind(const std::string& system, int64_t record_id) {
  auto [it, added] = left_behind_.emplace(system, record_id);
  if (!added) it->second = std::min(it->second, record_id);
}

void Pipeline::Pass(bool full) {
  // Page by page through the RECEIVED records in id order. A record set
  // RECEIVED again behind the cursor (its wait ended) notifies as
  // requeued, and the next pass starts from the oldest again; so the cost
  // of a pass follows the new records, not the backlog a system without
  // its adapter keeps.
  constexpr int kPage = 1000;
  int64_t cursor = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (full) {
      left_behind_.clear();
    } else {
      cursor = scanned_to_;
      const absl::Time now = absl::Now();
      for (auto it = left_behind_.begin(); it != left_behind_.end();) {
        if (BackingOff(it->first, now)) {
          ++it;
          continue;
        }
        cursor = std::min(cursor, it->second - 1);
        it = left_behind_.erase(it);
      }
    }
  }
  while (true) {
    auto page = store_->ListRecordIdsByStatus(hub::v1::RECORD_STATUS_RECEIVED,
                                              cursor, kPage);
    if (!page.ok()) {
      observability::LogWarn("pipeline", std::string(page.status().message()));
      return;
    }
    if (page->empty()) return;
    cursor = page->back().record_id;
    // Grouped by system in order of first appearance, minus the records
    // already queued and the systems waiting out a backoff.
    std::vector<std::string> systems;
    std::map<std::string, std::vector<int64_t>> by_system;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      scanned_to_ = std::max(scanned_to_, cursor);
      const absl::Time now = absl::Now();
      for (const RecordRef& r : *page) {
        if (in_flight_.count(r.record_id) > 0) continue;
        if (BackingOff(r.system, now)) {
          LeaveBehind(r.system, r.record_id);
          continue;
        }
        auto& ids = by_system[r.system];
        if (ids.empty()) systems.push_back(r.system);
        ids.push_back(r.record_id);
      }
    }
    for (const std::string& system : systems) {
      const std::vector<int64_t>& ids = by_system[system];
      for (size_t i = 0; i < ids.size();) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
          if (BackingOff(system, absl::Now())) {
            LeaveBehind(system, ids[i]);
            break;
          }
        }
        size_t n =
            std::min(ids.size() - i, static_cast<size_t>(options_.batch_size));
        std::vector<int64_t> chunk(ids.begin() + i, ids.begin() + i + n);
        Batch batch;
        if (!Translate(system, chunk, &batch)) {
          std::lock_guard<std::mutex> lock(mu_);
          LeaveBehind(system, ids[i]);
          break;
        }
        // Records past the byte budget are taken by the next batch.
        i += std::max<size_t>(batch.records.size(), 1);
        if (batch.records.empty()) continue;
        if (!Enqueue(std::move(batch))) return;
      }
    }
    if (static_cast<int>(page->size()) < kPage) return;
  }
}

bool Pipeline::Enqueue(Batch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  queue_cv_.wait(lock, [&] {
    return stopping_ ||
           queue_.size() < static_cast<size_t>(options_.queued_batches);
  });
  if (stopping_) return false;
  for (const RawRecord& r : batch.records) in_flight_.insert(r.record_id());
  queue_.push_back(std::move(batch));
  queue_cv_.notify_all();
  return true;
}

void Pipeline::ApplierLoop() {
  while (true) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      queue_cv_.notify_all();  // room for the translator's next batch
    }
    {
      std::lock_guard<std::mutex> lock(process_mu_);
      Apply(batch, /*replay=*/false);
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const RawRecord& r : batch.records) in_flight_.erase(r.record_id());
    // Records left RECEIVED are retried after their system's backoff.
    if (!batch.records.empty() &&
        BackingOff(batch.records.front().system(), absl::Now())) {
      LeaveBehind(batch.records.front().system(),
                  batch.records.front().record_id());
    }
    cv_.notify_one();
  }
}

absl::StatusOr<ReplayOutcome> Pipeline::Replay(int64_t record_id) {
  ASSIGN_OR_RETURN(auto record, store_->GetRawRecord(record_id));
  if (!record.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("record ", record_id, " not found"));
  }
  std::lock_guard<std::mutex> lock(process_mu_);
  std::vector<ReplayOutcome> out =
      Process(record->system(), {record_id}, /*replay=*/true);
  if (out.empty() || out[0].status() == hub::v1::RECORD_STATUS_RECEIVED) {
    return absl::UnavailableError(absl::StrCat(
        "record ", record_id, ": the adapter of system \"", record->system(),
        "\" is not available now; the record keeps its status ",
        hub::v1::RecordStatus_Name(record->status()), "; try again"));
  }
  return out[0];
}

absl::StatusOr<std::vector<ReplayOutcome>> Pipeline::ReplayFailed(
    const std::string& system, int limit,
    const std::function<absl::Status()>& alive) {
  ASSIGN_OR_RETURN(std::vector<int64_t> failed,
                   IdsByStatus(system, hub::v1::RECORD_STATUS_FAILED, 0,
                               std::max(limit, 0)));
  std::vector<ReplayOutcome> out;
  for (size_t i = 0; i < failed.size();) {
    if (alive != nullptr) RETURN_IF_ERROR(alive());
    size_t n =
        std::min(failed.size() - i, static_cast<size_t>(options_.batch_size));
    std::vector<int64_t> chunk(failed.begin() + i, failed.begin() + i + n);
    i += n;
    std::lock_guard<std::mutex> lock(process_mu_);
    for (auto& o : Process(system, chunk, /*replay=*/true))
      out.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> Pipeline::FailedRecordIds(
    const std::string& system, int64_t after_id, int64_t limit) {
  return IdsByStatus(system, hub::v1::RECORD_STATUS_FAILED, after_id, limit);
}

std::vector<ReplayOutcome> Pipeline::ReplayBatch(
    const std::string& system, const std::vector<int64_t>& record_ids) {
  std::lock_guard<std::mutex> lock(process_mu_);
  return Process(system, record_ids, /*replay=*/true);
}

std::vector<ReplayOutcome> Pipeline::Process(const std::string& system_name,
                                             const std::vector<int64_t>& ids,
                                             bool replay) {
  Batch batch;
  if (!Translate(system_name, ids, &batch)) return batch.outcomes;
  return Apply(batch, replay);
}

bool Pipeline::Translate(const std::string& system_name,
                         const std::vector<int64_t>& ids, Batch* batch) {
  std::vector<ReplayOutcome>& outcomes = batch->outcomes;
  outcomes.resize(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    outcomes[k].set_record_id(ids[k]);
    outcomes[k].set_status(hub::v1::RECORD_STATUS_RECEIVED);
  }
  batch->system_name = system_name;
  auto transient_all = [&](const absl::Status& st) {
    NoteTransient(system_name, st, ids.size());
    batch->records.clear();
    return false;
  };

  auto system = store_->GetSystem(system_name);
  if (!system.ok()) return transient_all(system.status());
  if (!system->has_value()) {
    return transient_all(absl::FailedPreconditionError("is not registered"));
  }
  batch->system = **system;
  auto client = adapters_->For(**system);
  if (!client.ok()) return transient_all(client.status());
  auto config = adapters_->ConfigFor(**system);
  if (!config.ok()) return transient_all(config.status());

  // Load the payloads, within the batch's byte budget.
  std::vector<RawRecord>& records = batch->records;
  int64_t bytes = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    auto r = store_->GetRawRecord(ids[k]);
    if (!r.ok() || !r->has_value()) {
      outcomes.resize(records.size());
      break;
    }
    if (!records.empty() && bytes + (*r)->size_bytes() > options_.batch_bytes) {
      outcomes.resize(records.size());  // the rest waits for the next pass
      break;
    }
    bytes += (*r)->size_bytes();
    records.push_back(std::move(**r));
  }

  std::vector<TranslationResult>& results = batch->results;
  if (records.size() == 1) {
    adapter::v1::TranslateRequest req;
    req.set_system(system_name);
    *req.mutable_config() = config->config;
    auto* vr = req.mutable_record();
    vr->set_record_key(absl::StrCat(records[0].record_id()));
    vr->set_object_type(records[0].object_type());
    vr->set_payload(records[0].payload());
    vr->set_content_type(records[0].content_type());
    const absl::Time started = absl::Now();
    observability::ScopedTrace trace(
        observability::ChildOfTraceId(records[0].trace_id()));
    auto resp = (*client)->Translate(req);
    observability::Metrics()
        .translate_duration.WithLabels({system_name})
        .Observe(absl::ToDoubleSeconds(absl::Now() - started));
    if (!resp.ok() && IsTransient(resp.status()))
      return transient_all(resp.status());
    if (resp.ok()) {
      results.push_back(resp->result());
      for (auto& e : *results.back().mutable_errors())
        e.set_reason(config->Redact(e.reason()));
    } else {
      TranslationResult failed;
      failed.set_outcome(adapter::v1::TRANSLATION_OUTCOME_FAILED);
      auto* e = failed.add_errors();
      e->set_reason(config->Redact(absl::StrCat(
          "the adapter refused the record: ", resp.status().ToString())));
      results.push_back(failed);
    }
  } else if (!records.empty()) {
    adapter::v1::TranslateBatchRequest req;
    req.set_system(system_name);
    *req.mutable_config() = config->config;
    for (const RawRecord& r : records) {
      auto* vr = req.add_records();
      vr->set_record_key(absl::StrCat(r.record_id()));
      vr->set_object_type(r.object_type());
      vr->set_payload(r.payload());
      vr->set_content_type(r.content_type());
    }
    const absl::Time started = absl::Now();
    // One trace per call: the batch's when its records share one, else a
    // new one.
    bool one_trace = true;
    for (const RawRecord& r : records) {
      one_trace = one_trace && r.trace_id() == records[0].trace_id();
    }
    observability::ScopedTrace trace(observability::ChildOfTraceId(
        one_trace ? records[0].trace_id() : std::string()));
    auto resp = (*client)->TranslateBatch(req);
    observability::Metrics()
        .translate_duration.WithLabels({system_name})
        .Observe(absl::ToDoubleSeconds(absl::Now() - started));
    if (!resp.ok() && IsTransient(resp.status()))
      return transient_all(resp.status());
    for (size_t k = 0; k < records.size(); ++k) {
      if (resp.ok() && static_cast<int>(k) < resp->results_size()) {
        results.push_back(resp->results(k));
        for (auto& e : *results.back().mutable_errors())
          e.set_reason(config->Redact(e.reason()));
        continue;
      }
      TranslationResult failed;
      failed.set_outcome(adapter::v1::TRANSLATION_OUTCOME_FAILED);
      failed.add_errors()->set_reason(
          resp.ok()
              ? "the adapter returned fewer results than records"
              : config->Redact(absl::StrCat("the adapter refused the batch: ",
                                            resp.status().ToString())));
      results.push_back(failed);
    }
  }

  return true;
}

}  // namespace revhub::hub
