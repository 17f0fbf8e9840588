#include "hub/ingest/record_exceptions.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"

namespace revhub::hub {

using hub::v1::Exception;

absl::StatusOr<Exception> RejectRecord(
    WriteTxn& txn, const ExceptionRouting& routing, const std::string& system,
    int64_t record_id, const std::vector<RecordError>& errors,
    const std::optional<canonical::v1::Money>& amount_at_stake) {
  if (errors.empty()) {
    return absl::InvalidArgumentError("a rejected record needs a reason");
  }
  std::string error = errors.front().reason;
  if (errors.size() > 1) {
    std::vector<std::string> texts;
    for (const RecordError& e : errors) {
      texts.push_back(e.field_path.empty()
                          ? e.reason
                          : absl::StrCat(e.field_path, ": ", e.reason));
    }
    error = absl::StrJoin(texts, "; ");
  }
  ASSIGN_OR_RETURN(auto open, txn.ListOpenRecordExceptions(record_id));
  if (!open.empty()) {
    Exception e = std::move(open.front());
    e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
    e.set_error(error);
    e.set_field_path(errors.front().field_path);
    e.set_vendor_field_path(errors.front().vendor_field_path);
    if (amount_at_stake.has_value()) {
      *e.mutable_amount_at_stake() = *amount_at_stake;
    }
    e.set_attempts(e.attempts() + 1);
    RecordAction(&e, txn.Now(), "failed again", "hub", error);
    return txn.PutException(std::move(e));
  }
  Exception e;
  ASSIGN_OR_RETURN(auto record, txn.GetRawRecord(record_id));
  if (record.has_value()) e.set_trace_id(record->trace_id());
  e.set_kind(hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
  e.set_system(system);
  e.set_record_id(record_id);
  e.set_error(error);
  e.set_field_path(errors.front().field_path);
  e.set_vendor_field_path(errors.front().vendor_field_path);
  if (amount_at_stake.has_value()) {
    *e.mutable_amount_at_stake() = *amount_at_stake;
  }
  e.set_attempts(1);
  return OpenException(txn, routing, std::move(e), "hub");
}

absl::Status ResolveRecordRejections(WriteTxn& txn, int64_t record_id) {
  ASSIGN_OR_RETURN(auto open, txn.ListOpenRecordExceptions(record_id));
  for (Exception& e : open) {
    MarkResolved(&e, txn.Now(), "hub", "the record was applied");
    RETURN_IF_ERROR(txn.PutException(std::move(e)).status());
  }
  return absl::OkStatus();
}

std::vector<hub::v1::RecordException> RecordExceptionsOf(const Exception& e) {
  std::vector<hub::v1::RecordException> out;
  for (const auto& h : e.history()) {
    if (h.action() != "opened" && h.action() != "failed again") continue;
    hub::v1::RecordException view;
    view.set_exception_id(e.exception_id());
    view.set_system(e.system());
    view.set_record_id(e.record_id());
    view.set_field_path(e.field_path());
    view.set_vendor_field_path(e.vendor_field_path());
    view.set_reason(e.error());
    *view.mutable_recorded_at() = h.at();
    if (e.state() == hub::v1::EXCEPTION_STATE_RESOLVED) {
      *view.mutable_resolved_at() = e.resolved_at();
    }
    out.push_back(std::move(view));
  }
  return out;
}

}  // namespace revhub::hub
