#include "hub/api/ingest_records.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "hub/adapter_host/adapter_supervisor.h"

namespace revhub::hub {
namespace {

constexpr size_t kMaxPayloadBytes = 16 << 20;

absl::Status ValidateIngest(const hub::v1::IngestRequest& r) {
  if (r.system().empty())
    return absl::InvalidArgumentError("system: is required");
  if (r.object_type().empty()) {
    return absl::InvalidArgumentError(
        "object_type: is required (the vendor's object name, e.g. "
        "\"invoice\")");
  }
  if (r.payload().empty())
    return absl::InvalidArgumentError("payload: is empty");
  if (r.payload().size() > kMaxPayloadBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payload: ", r.payload().size(), " bytes is over the limit of ",
        kMaxPayloadBytes, " bytes"));
  }
  if (r.idempotency_key().size() > 256) {
    return absl::InvalidArgumentError(
        "idempotency_key: must be at most 256 characters");
  }
  return absl::OkStatus();
}

// INVALID_ARGUMENT when the running adapter of `system` has described
// itself and does not declare `object_type`.
absl::Status CheckObjectType(AdapterSupervisor* adapters,
                             const hub::v1::System& system,
                             const std::string& object_type) {
  if (adapters == nullptr) return absl::OkStatus();
  std::optional<std::vector<std::string>> declared =
      adapters->DeclaredObjectTypes(system);
  if (!declared.has_value() || std::find(declared->begin(), declared->end(),
                                         object_type) != declared->end()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "object_type: \"", object_type,
      "\" is not a type the adapter of system \"", system.name(),
      "\" translates; it declares: ", absl::StrJoin(*declared, ", ")));
}

}  // namespace

absl::StatusOr<hub::v1::RawRecord> PrepareIngestRecord(
    hub::v1::IngestRequest req, const auth::Caller& caller,
    const std::string& trace_id) {
  RETURN_IF_ERROR(ValidateIngest(req));
  RETURN_IF_ERROR(auth::CheckMayWriteSystem(caller, req.system()));
  hub::v1::RawRecord record;
  record.set_system(req.system());
  record.set_object_type(req.object_type());
  record.set_content_type(req.content_type().empty() ? "application/json"
                                                     : req.content_type());
  record.set_payload_sha256(Sha256Hex(req.payload()));
  record.set_idempotency_key(
      req.idempotency_key().empty()
          ? absl::StrCat(
                "sha256:",
                Sha256Hex(absl::StrCat(req.object_type(), "\n", req.payload())))
          : req.idempotency_key());
  record.set_status(hub::v1::RECORD_STATUS_RECEIVED);
  record.set_principal(caller.principal);
  record.set_trace_id(trace_id);
  record.set_payload(std::move(*req.mutable_payload()));
  return record;
}

absl::StatusOr<bool> FindIngestDuplicate(AdapterSupervisor* adapters,
                                         WriteTxn& txn,
                                         const hub::v1::RawRecord& record,
                                         hub::v1::IngestResponse* resp) {
  ASSIGN_OR_RETURN(auto system, txn.GetSystem(record.system()));
  if (!system.has_value()) {
    return absl::NotFoundError(absl::StrCat("system: \"", record.system(),
                                            "\" is not a registered system"));
  }
  if (system->state() == hub::v1::SYSTEM_STATE_DISABLED) {
    return absl::FailedPreconditionError(
        absl::StrCat("system: \"", record.system(), "\" is disabled (",
                     system->disabled_reason(),
                     "); register it again to accept its payloads"));
  }
  ASSIGN_OR_RETURN(
      auto seen, txn.FindRawRecord(record.system(), record.idempotency_key()));
  if (seen.has_value()) {
    // A resend of what was stored is answered before the object type
    // check, so nothing already accepted is refused.
    if (seen->payload_sha256() != record.payload_sha256() ||
        seen->object_type() != record.object_type()) {
      return absl::InvalidArgumentError(
          absl::StrCat("idempotency_key: \"", record.idempotency_key(),
                       "\" was already used for a different payload (record ",
                       seen->record_id(), ")"));
    }
    resp->set_record_id(seen->record_id());
    resp->set_duplicate(true);
    *resp->mutable_received_at() = seen->received_at();
    return true;
  }
  RETURN_IF_ERROR(CheckObjectType(adapters, *system, record.object_type()));
  return false;
}

absl::Status InsertIngestRecord(WriteTxn& txn, const hub::v1::RawRecord& record,
                                hub::v1::IngestResponse* resp) {
  ASSIGN_OR_RETURN(int64_t id, txn.InsertRawRecord(record));
  resp->set_record_id(id);
  resp->set_duplicate(false);
  *resp->mutable_received_at() = ToProto(txn.Now());
  return absl::OkStatus();
}

absl::Status StoreIngestRecord(AdapterSupervisor* adapters, WriteTxn& txn,
                               const hub::v1::RawRecord& record,
                               hub::v1::IngestResponse* resp) {
  ASSIGN_OR_RETURN(bool duplicate,
                   FindIngestDuplicate(adapters, txn, record, resp));
  if (duplicate) return absl::OkStatus();
  return InsertIngestRecord(txn, record, resp);
}

}  // namespace revhub::hub
