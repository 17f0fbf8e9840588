#include "hub/ingest/pipeline.h"

#include <algorithm>
#include <iostream>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "hub/ingest/apply_translation.h"
#include "hub/ingest/record_exceptions.h"
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
}

Pipeline::~Pipeline() { Shutdown(); }

void Pipeline::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Pipeline::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  cv_.notify_one();
}

void Pipeline::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Pipeline::RetryNow(const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = backoff_.begin(); it != backoff_.end();) {
    it = it->second.system == system ? backoff_.erase(it) : std::next(it);
  }
  notified_ = true;
  cv_.notify_one();
}

void Pipeline::NoteTransient(int64_t record_id, const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  Backoff& b = backoff_[record_id];
  b.system = system;
  absl::Duration delay = options_.initial_backoff;
  for (int i = 0; i < b.attempts && delay < options_.max_backoff; ++i)
    delay *= 2;
  b.attempts++;
  b.next_at = absl::Now() + std::min(delay, options_.max_backoff);
}

absl::StatusOr<std::vector<RawRecord>> Pipeline::ListByStatus(
    const std::string& system, RecordStatus status, int limit) {
  std::vector<RawRecord> out;
  RawRecordQuery q;
  q.system = system;
  q.status = status;
  q.page_size = 500;
  // Pages come newest first; keep the oldest `limit`.
  while (true) {
    ASSIGN_OR_RETURN(RawRecordPage page, store_->ListRawRecords(q));
    for (auto& r : page.records) out.push_back(std::move(r));
    if (page.next_page_token.empty()) break;
    q.page_token = page.next_page_token;
  }
  std::reverse(out.begin(), out.end());
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

void Pipeline::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      absl::Time wake = absl::Now() + options_.poll_interval;
      for (const auto& [id, b] : backoff_) wake = std::min(wake, b.next_at);
      cv_.wait_until(lock, absl::ToChronoTime(wake),
                     [&] { return stopping_ || notified_; });
      if (stopping_) return;
      notified_ = false;
    }
    ExpireWaits();
    auto received = ListByStatus("", hub::v1::RECORD_STATUS_RECEIVED, 1 << 30);
    if (!received.ok()) {
      observability::LogWarn("pipeline",
                             std::string(received.status().message()));
      continue;
    }
    // Oldest first, grouped by system in order of first appearance, minus
    // the records waiting out a backoff.
    std::vector<std::string> systems;
    std::map<std::string, std::vector<int64_t>> by_system;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const absl::Time now = absl::Now();
      for (const RawRecord& r : *received) {
        auto it = backoff_.find(r.record_id());
        if (it != backoff_.end() && it->second.next_at > now) continue;
        auto& ids = by_system[r.system()];
        if (ids.empty()) systems.push_back(r.system());
        ids.push_back(r.record_id());
      }
    }
    for (const std::string& system : systems) {
      const std::vector<int64_t>& ids = by_system[system];
      for (size_t i = 0; i < ids.size();) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
        }
        size_t n =
            std::min(ids.size() - i, static_cast<size_t>(options_.batch_size));
        std::vector<int64_t> chunk(ids.begin() + i, ids.begin() + i + n);
        i += n;
        std::lock_guard<std::mutex> lock(process_mu_);
        Process(system, chunk, /*replay=*/false);
      }
    }
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
  ASSIGN_OR_RETURN(auto failed,
                   ListByStatus(system, hub::v1::RECORD_STATUS_FAILED, limit));
  std::vector<ReplayOutcome> out;
  for (size_t i = 0; i < failed.size();) {
    if (alive != nullptr) RETURN_IF_ERROR(alive());
    size_t n =
        std::min(failed.size() - i, static_cast<size_t>(options_.batch_size));
    std::vector<int64_t> chunk;
    for (size_t k = i; k < i + n; ++k) chunk.push_back(failed[k].record_id());
    i += n;
    std::lock_guard<std::mutex> lock(process_mu_);
    for (auto& o : Process(system, chunk, /*replay=*/true))
      out.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> Pipeline::FailedRecordIds(
    const std::string& system, int64_t after_id, int64_t limit) {
  ASSIGN_OR_RETURN(auto failed,
                   ListByStatus(system, hub::v1::RECORD_STATUS_FAILED,
                                std::numeric_limits<int>::max()));
  std::vector<int64_t> ids;
  for (const auto& r : failed) {
    if (r.record_id() <= after_id) continue;
    if (static_cast<int64_t>(ids.size()) >= limit) break;
    ids.push_back(r.record_id());
  }
  return ids;
}

std::vector<ReplayOutcome> Pipeline::ReplayBatch(
    const std::string& system, const std::vector<int64_t>& record_ids) {
  std::lock_guard<std::mutex> lock(process_mu_);
  return Process(system, record_ids, /*replay=*/true);
}

std::vector<ReplayOutcome> Pipeline::Process(const std::string& system_name,
                                             const std::vector<int64_t>& ids,
                                             bool replay) {
  std::vector<ReplayOutcome> outcomes(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    outcomes[k].set_record_id(ids[k]);
    outcomes[k].set_status(hub::v1::RECORD_STATUS_RECEIVED);
  }
  auto transient_all = [&](const absl::Status& st) {
    // A system without an adapter (or disabled) just waits, quietly.
    if (!absl::IsFailedPrecondition(st)) {
      observability::LogWarn(
          "pipeline",
          absl::StrCat(st.message(), " (will retry ", ids.size(), " records)"),
          {{"system", system_name}});
    }
    for (int64_t id : ids) NoteTransient(id, system_name);
    return outcomes;
  };

  auto system = store_->GetSystem(system_name);
  if (!system.ok()) return transient_all(system.status());
  if (!system->has_value()) {
    return transient_all(absl::FailedPreconditionError("is not registered"));
  }
  auto client = adapters_->For(**system);
  if (!client.ok()) return transient_all(client.status());
  auto config = adapters_->ConfigFor(**system);
  if (!config.ok()) return transient_all(config.status());

  // Load the payloads, within the batch's byte budget.
  std::vector<RawRecord> records;
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

  std::vector<TranslationResult> results;
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

  auto& metrics = observability::Metrics();
  for (size_t k = 0; k < records.size(); ++k) {
    const absl::Time started = absl::Now();
    ApplyRecord(records[k], **system, results[k], replay, &outcomes[k]);
    metrics.apply_duration.WithLabels({system_name})
        .Observe(absl::ToDoubleSeconds(absl::Now() - started));
    const char* outcome = nullptr;
    switch (outcomes[k].status()) {
      case hub::v1::RECORD_STATUS_APPLIED:
        outcome = "applied";
        break;
      case hub::v1::RECORD_STATUS_SKIPPED:
        outcome = "skipped";
        break;
      case hub::v1::RECORD_STATUS_WAITING:
        outcome = "waiting";
        break;
      case hub::v1::RECORD_STATUS_FAILED:
        outcome = "failed";
        observability::LogWarn(
            "pipeline", "record failed; an exception is open",
            {{"system", system_name},
             {"record_id", absl::StrCat(records[k].record_id())},
             {"exception_id",
              outcomes[k].exception().exception_id() != 0
                  ? absl::StrCat(outcomes[k].exception().exception_id())
                  : ""},
             {"trace_id", records[k].trace_id()}});
        break;
      default:
        break;  // RECEIVED: to be tried again
    }
    if (outcome != nullptr) {
      metrics.records_processed.WithLabels({system_name, outcome}).Inc();
    }
  }
  return outcomes;
}

void Pipeline::ApplyRecord(const RawRecord& record,
                           const hub::v1::System& system,
                           const TranslationResult& result, bool replay,
                           ReplayOutcome* outcome) {
  // Whether this pass may (still) work on the record.
  auto claim = [&](WriteTxn& txn, bool* skip) -> absl::Status {
    ASSIGN_OR_RETURN(auto now, txn.GetRawRecord(record.record_id()));
    if (!now.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("record ", record.record_id(), " not found"));
    }
    *skip = !replay && now->status() != hub::v1::RECORD_STATUS_RECEIVED;
    if (*skip) outcome->set_status(now->status());
    return absl::OkStatus();
  };
  auto retry_later = [&](const absl::Status& st) {
    observability::LogWarn("pipeline",
                           absl::StrCat(st.message(), " (will retry)"),
                           {{"system", record.system()},
                            {"record_id", absl::StrCat(record.record_id())},
                            {"trace_id", record.trace_id()}});
    outcome->set_status(hub::v1::RECORD_STATUS_RECEIVED);
    NoteTransient(record.record_id(), record.system());
  };
  auto fail = [&](const std::vector<RecordError>& errors) {
    absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      bool skip = false;
      RETURN_IF_ERROR(claim(txn, &skip));
      if (skip) return absl::OkStatus();
      RETURN_IF_ERROR(txn.SetRawRecordStatus(
          record.record_id(), hub::v1::RECORD_STATUS_FAILED, ""));
      ASSIGN_OR_RETURN(
          hub::v1::Exception rejected,
          RejectRecord(txn, options_.exception_routing, record.system(),
                       record.record_id(), errors));
      std::vector<hub::v1::RecordException> views =
          RecordExceptionsOf(rejected);
      if (!views.empty()) *outcome->mutable_exception() = views.back();
      outcome->set_status(hub::v1::RECORD_STATUS_FAILED);
      return absl::OkStatus();
    });
    if (!st.ok()) retry_later(st);
  };

  if (result.outcome() == adapter::v1::TRANSLATION_OUTCOME_FAILED ||
      result.outcome() == adapter::v1::TRANSLATION_OUTCOME_UNSPECIFIED) {
    std::vector<RecordError> errors;
    for (const auto& e : result.errors())
      errors.push_back({e.field_path(), e.reason()});
    if (errors.empty())
      errors.push_back({"", "the adapter could not translate the record"});
    fail(errors);
    return;
  }

  // Who is authoritative for what, as registered now.
  std::vector<hub::v1::System> systems;
  for (std::string after;;) {
    auto page = store_->ListSystems(after, 500);
    if (!page.ok()) {
      retry_later(page.status());
      return;
    }
    for (auto& s : *page) systems.push_back(std::move(s));
    if (page->size() < 500) break;
    after = systems.back().name();
  }
  const Authorities authorities(systems);

  TranslationToApply t;
  t.record = &record;
  t.system = &system;
  t.result = &result;
  t.authorities = &authorities;
  // A record whose missing ref arrives between its attempt and its wait is
  // tried again at once, a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      bool skip = false;
      RETURN_IF_ERROR(claim(txn, &skip));
      if (skip) return absl::OkStatus();
      RecordStatus status = hub::v1::RECORD_STATUS_SKIPPED;
      std::string reason;
      if (result.outcome() == adapter::v1::TRANSLATION_OUTCOME_TRANSLATED) {
        RETURN_IF_ERROR(ApplyTranslation(txn, t));
        status = hub::v1::RECORD_STATUS_APPLIED;
      } else {
        reason = result.skip_reason().empty()
                     ? "the adapter found nothing for the canonical model"
                     : result.skip_reason();
      }
      RETURN_IF_ERROR(
          txn.SetRawRecordStatus(record.record_id(), status, reason));
      RETURN_IF_ERROR(ResolveRecordRejections(txn, record.record_id()));
      outcome->set_status(status);
      outcome->set_entities_changed(t.changed);
      return absl::OkStatus();
    });
    if (st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      backoff_.erase(record.record_id());
      return;
    }
    if (IsTransient(st) || absl::IsDataLoss(st) || absl::IsInternal(st)) {
      retry_later(st);
      return;
    }
    if (!t.missing.has_value()) {
      RecordError error{FieldPathOf(st), ReasonOf(st), ""};
      if (t.failed_entity >= 0) {
        error.vendor_field_path = VendorFieldPathOf(
            result.entities(t.failed_entity), error.field_path);
      }
      if (!error.vendor_field_path.empty()) {
        absl::StrAppend(&error.reason, " (", record.system(), " field ",
                        error.vendor_field_path, ")");
      }
      fail({error});
      return;
    }
    // It refers to a record the hub has not received: it waits for it.
    const MissingRef missing = *t.missing;
    std::string wait_reason(st.message());
    if (!missing.vendor_field_path.empty()) {
      absl::StrAppend(&wait_reason, " (", record.system(), " field ",
                      missing.vendor_field_path, ")");
    }
    bool arrived = false;
    st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      arrived = false;
      bool skip = false;
      RETURN_IF_ERROR(claim(txn, &skip));
      if (skip) return absl::OkStatus();
      ASSIGN_OR_RETURN(auto known,
                       txn.ResolveExternalRef(missing.type, missing.ref));
      if (known.has_value()) {
        arrived = true;
        return absl::OkStatus();
      }
      RecordWait wait;
      wait.record_id = record.record_id();
      wait.entity_type = missing.type;
      wait.ref = missing.ref;
      wait.field_path = missing.field_path;
      wait.vendor_field_path = missing.vendor_field_path;
      wait.amount_at_stake = missing.amount_at_stake;
      RETURN_IF_ERROR(txn.MarkRecordWaiting(wait, wait_reason));
      outcome->set_status(hub::v1::RECORD_STATUS_WAITING);
      outcome->set_entities_changed(0);
      return absl::OkStatus();
    });
    if (!st.ok()) {
      retry_later(st);
      return;
    }
    if (!arrived) {
      std::lock_guard<std::mutex> lock(mu_);
      backoff_.erase(record.record_id());
      return;
    }
  }
  retry_later(absl::AbortedError(
      "what it refers to kept arriving while it was applied"));
}

void Pipeline::ExpireWaits() {
  const absl::Time cutoff = absl::Now() - options_.waiting_timeout;
  auto waits = store_->WaitingOlderThan(cutoff, 500);
  if (!waits.ok()) {
    observability::LogWarn("pipeline", std::string(waits.status().message()));
    return;
  }
  for (const RecordWait& seen : *waits) {
    std::lock_guard<std::mutex> lock(process_mu_);
    absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      // Still waiting, and for as long (not applied or replayed since)?
      ASSIGN_OR_RETURN(auto wait, txn.GetRecordWait(seen.record_id));
      if (!wait.has_value() || wait->since > cutoff) return absl::OkStatus();
      ASSIGN_OR_RETURN(auto record, txn.GetRawRecord(seen.record_id));
      if (!record.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(auto known,
                       txn.ResolveExternalRef(wait->entity_type, wait->ref));
      if (known.has_value()) {
        return txn.SetRawRecordStatus(seen.record_id,
                                      hub::v1::RECORD_STATUS_RECEIVED, "");
      }
      RecordError error;
      error.field_path = wait->field_path;
      error.vendor_field_path = wait->vendor_field_path;
      error.reason = absl::StrCat(
          "refers to ", canonical::v1::EntityType_Name(wait->entity_type), " ",
          wait->ref.system(), "/", wait->ref.object_type(), "/",
          wait->ref.vendor_id(), ", which the hub did not receive within ",
          absl::FormatDuration(options_.waiting_timeout), " (waiting since ",
          absl::FormatTime(absl::RFC3339_sec, wait->since, absl::UTCTimeZone()),
          "); ingest it and the record is applied by itself");
      if (!error.vendor_field_path.empty()) {
        absl::StrAppend(&error.reason, " (", record->system(), " field ",
                        error.vendor_field_path, ")");
      }
      RETURN_IF_ERROR(txn.SetRawRecordStatus(
          seen.record_id, hub::v1::RECORD_STATUS_FAILED, ""));
      return RejectRecord(txn, options_.exception_routing, record->system(),
                          seen.record_id, {error}, wait->amount_at_stake)
          .status();
    });
    if (!st.ok()) {
      observability::LogWarn("pipeline",
                             absl::StrCat("giving up its wait: ", st.message()),
                             {{"record_id", absl::StrCat(seen.record_id)}});
    }
  }
}

}  // namespace revhub::hub
