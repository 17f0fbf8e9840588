// Pipeline (pipeline.h): applying a translated batch in one transaction,
// one savepoint per record, and giving up the records that waited too long.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "hub/ingest/apply_translation.h"
#include "hub/ingest/pipeline.h"
#include "hub/ingest/record_exceptions.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/log.h"

namespace revhub::hub {
namespace {

using adapter::v1::TranslationResult;
using hub::v1::RawRecord;
using hub::v1::RecordStatus;
using hub::v1::ReplayOutcome;

// Errors after which the transaction itself cannot go on.
bool BreaksTransaction(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st) ||
         absl::IsResourceExhausted(st) || absl::IsCancelled(st) ||
         absl::IsDataLoss(st) || absl::IsInternal(st);
}

const char* OutcomeLabel(RecordStatus status) {
  switch (status) {
    case hub::v1::RECORD_STATUS_APPLIED:
      return "applied";
    case hub::v1::RECORD_STATUS_SKIPPED:
      return "skipped";
    case hub::v1::RECORD_STATUS_WAITING:
      return "waiting";
    case hub::v1::RECORD_STATUS_FAILED:
      return "failed";
    default:
      return nullptr;  // RECEIVED: to be tried again
  }
}

}  // namespace

std::vector<ReplayOutcome> Pipeline::Apply(Batch& batch, bool replay) {
  std::vector<ReplayOutcome>& outcomes = batch.outcomes;
  const std::string& system_name = batch.system_name;
  if (batch.records.empty()) return outcomes;

  // Who is authoritative for what, as registered now: read once a batch.
  std::vector<hub::v1::System> systems;
  for (std::string after;;) {
    auto page = store_->ListSystems(after, 500);
    if (!page.ok()) {
      NoteTransient(system_name, page.status(), batch.records.size());
      return outcomes;
    }
    for (auto& s : *page) systems.push_back(std::move(s));
    if (page->size() < 500) break;
    after = systems.back().name();
  }
  const Authorities authorities(systems);

  auto& metrics = observability::Metrics();
  std::vector<double> seconds(batch.records.size());
  bool retry = false;
  const absl::Time started = absl::Now();
  absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
    retry = false;
    for (size_t k = 0; k < batch.records.size(); ++k) {
      const absl::Time one = absl::Now();
      ReplayOutcome& outcome = outcomes[k];
      outcome.set_status(hub::v1::RECORD_STATUS_RECEIVED);
      outcome.set_entities_changed(0);
      outcome.clear_exception();
      RETURN_IF_ERROR(ApplyRecord(txn, authorities, batch.records[k],
                                  batch.system, batch.results[k], replay,
                                  &outcome));
      if (outcome.status() == hub::v1::RECORD_STATUS_RECEIVED) retry = true;
      seconds[k] = absl::ToDoubleSeconds(absl::Now() - one);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) {
    // Nothing of the batch committed: every record is RECEIVED still.
    for (ReplayOutcome& o : outcomes) {
      o.set_status(hub::v1::RECORD_STATUS_RECEIVED);
      o.set_entities_changed(0);
      o.clear_exception();
    }
    NoteTransient(system_name, st, batch.records.size());
    return outcomes;
  }
  if (retry) {
    NoteTransient(
        system_name,
        absl::AbortedError("what a record refers to kept arriving while it was "
                           "applied"),
        1);
  } else {
    NoteSuccess(system_name);
  }
  // The commit's share, spread over the batch's records.
  const double commit =
      absl::ToDoubleSeconds(absl::Now() - started) / batch.records.size();
  for (size_t k = 0; k < batch.records.size(); ++k) {
    metrics.apply_duration.WithLabels({system_name})
        .Observe(seconds[k] + commit);
    const RawRecord& record = batch.records[k];
    const char* outcome = OutcomeLabel(outcomes[k].status());
    if (outcome == nullptr) continue;
    metrics.records_processed.WithLabels({system_name, outcome}).Inc();
    if (outcomes[k].status() == hub::v1::RECORD_STATUS_FAILED) {
      observability::LogWarn(
          "pipeline", "record failed; an exception is open",
          {{"system", system_name},
           {"record_id", absl::StrCat(record.record_id())},
           {"exception_id",
            outcomes[k].exception().exception_id() != 0
                ? absl::StrCat(outcomes[k].exception().exception_id())
                : ""},
           {"trace_id", record.trace_id()}});
    }
  }
  return outcomes;
}

absl::Status Pipeline::FailRecord(WriteTxn& txn, const RawRecord& record,
                                  const std::vector<RecordError>& errors,
                                  ReplayOutcome* outcome) {
  hub::v1::RecordException view;
  RETURN_IF_ERROR(txn.InSavepoint([&]() -> absl::Status {
    RETURN_IF_ERROR(txn.SetRawRecordStatus(record.record_id(),
                                           hub::v1::RECORD_STATUS_FAILED, ""));
    ASSIGN_OR_RETURN(hub::v1::Exception rejected,
                     RejectRecord(txn, options_.exception_routing,
                                  record.system(), record.record_id(), errors));
    std::vector<hub::v1::RecordException> views = RecordExceptionsOf(rejected);
    if (!views.empty()) view = views.back();
    return absl::OkStatus();
  }));
  if (view.exception_id() != 0) *outcome->mutable_exception() = view;
  outcome->set_status(hub::v1::RECORD_STATUS_FAILED);
  return absl::OkStatus();
}

absl::Status Pipeline::ApplyRecord(WriteTxn& txn,
                                   const Authorities& authorities,
                                   const RawRecord& record,
                                   const hub::v1::System& system,
                                   const TranslationResult& result, bool replay,
                                   ReplayOutcome* outcome) {
  // Whether this pass may (still) work on the record: the worker only on a
  // RECEIVED one (a replay, or another hub's pass, may have applied it).
  ASSIGN_OR_RETURN(auto now, txn.GetRawRecord(record.record_id()));
  if (!now.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("record ", record.record_id(), " not found"));
  }
  if (!replay && now->status() != hub::v1::RECORD_STATUS_RECEIVED) {
    outcome->set_status(now->status());
    return absl::OkStatus();
  }

  if (result.outcome() == adapter::v1::TRANSLATION_OUTCOME_FAILED ||
      result.outcome() == adapter::v1::TRANSLATION_OUTCOME_UNSPECIFIED) {
    std::vector<RecordError> errors;
    for (const auto& e : result.errors())
      errors.push_back({e.field_path(), e.reason()});
    if (errors.empty())
      errors.push_back({"", "the adapter could not translate the record"});
    return FailRecord(txn, record, errors, outcome);
  }

  // A record whose missing ref is stored meanwhile (by another hub, on a
  // shared store) is tried again at once, a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    TranslationToApply t;
    t.record = &record;
    t.system = &system;
    t.result = &result;
    t.authorities = &authorities;
    RecordStatus status = hub::v1::RECORD_STATUS_SKIPPED;
    absl::Status st = txn.InSavepoint([&]() -> absl::Status {
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
      return ResolveRecordRejections(txn, record.record_id());
    });
    if (st.ok()) {
      outcome->set_status(status);
      outcome->set_entities_changed(t.changed);
      return absl::OkStatus();
    }
    if (BreaksTransaction(st)) return st;
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
      return FailRecord(txn, record, {error}, outcome);
    }
    // It refers to a record the hub has not received: it waits for it.
    const MissingRef& missing = *t.missing;
    ASSIGN_OR_RETURN(auto known,
                     txn.ResolveExternalRef(missing.type, missing.ref));
    if (known.has_value()) continue;
    std::string wait_reason(st.message());
    if (!missing.vendor_field_path.empty()) {
      absl::StrAppend(&wait_reason, " (", record.system(), " field ",
                      missing.vendor_field_path, ")");
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
  }
  // Left RECEIVED: the caller retries it after a backoff.
  outcome->set_status(hub::v1::RECORD_STATUS_RECEIVED);
  return absl::OkStatus();
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
