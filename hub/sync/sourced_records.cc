#include "hub/sync/sourced_records.h"

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"

namespace revhub::hub {

absl::Status ValidateSourcedRecord(const adapter::v1::SourcedRecord& r,
                                   absl::string_view field) {
  if (r.record().object_type().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".record.object_type: is required"));
  }
  if (r.record().payload().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".record.payload: is empty"));
  }
  if (r.record().payload().size() > kMaxSourcedPayloadBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".record.payload: ", r.record().payload().size(),
        " bytes is over the limit of ", kMaxSourcedPayloadBytes, " bytes"));
  }
  if (r.idempotency_key().empty() && r.vendor_id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".vendor_id: is required when idempotency_key is empty"));
  }
  if (SourcedRecordKey(r).size() > 256) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".idempotency_key: must be at most 256 characters"));
  }
  return absl::OkStatus();
}

std::string SourcedRecordKey(const adapter::v1::SourcedRecord& r) {
  if (!r.idempotency_key().empty()) return r.idempotency_key();
  return absl::StrCat(
      r.record().object_type(), "/", r.vendor_id(), "@",
      r.version().empty() ? Sha256Hex(r.record().payload()) : r.version());
}

absl::StatusOr<StoredRecords> StoreSourcedRecords(
    WriteTxn& txn, absl::string_view system, absl::string_view principal,
    const google::protobuf::RepeatedPtrField<adapter::v1::SourcedRecord>&
        records,
    absl::string_view trace_id) {
  StoredRecords out;
  for (const auto& r : records) {
    std::string key = SourcedRecordKey(r);
    ASSIGN_OR_RETURN(auto existing, txn.FindRawRecord(system, key));
    if (existing.has_value()) {
      out.record_ids.push_back(existing->record_id());
      ++out.duplicates;
      continue;
    }
    hub::v1::RawRecord record;
    record.set_system(std::string(system));
    record.set_object_type(r.record().object_type());
    record.set_content_type(r.record().content_type().empty()
                                ? "application/json"
                                : r.record().content_type());
    record.set_payload(r.record().payload());
    record.set_payload_sha256(Sha256Hex(r.record().payload()));
    record.set_idempotency_key(key);
    record.set_status(hub::v1::RECORD_STATUS_RECEIVED);
    record.set_principal(std::string(principal));
    record.set_trace_id(std::string(trace_id));
    ASSIGN_OR_RETURN(int64_t id, txn.InsertRawRecord(record));
    out.record_ids.push_back(id);
    ++out.new_records;
  }
  return out;
}

}  // namespace revhub::hub
