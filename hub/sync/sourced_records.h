// Storing the raw records a pull or a webhook brings (SourcedRecord), so
// that however a vendor object version arrives it is one raw record.
//
// Each record is stored under its idempotency key
// ("<object_type>/<vendor_id>@<version>", built here when the adapter left
// it empty) like any ingested payload: RECEIVED, for the ingest pipeline to
// translate. A key already stored is a duplicate and adds nothing.
//
// Thread-compatible: pure functions over a WriteTxn.
#ifndef REVHUB_HUB_SYNC_SOURCED_RECORDS_H_
#define REVHUB_HUB_SYNC_SOURCED_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"
#include "revhub/adapter/v1/adapter_service.pb.h"

namespace revhub::hub {

// The largest record payload a pull or a webhook may bring (as Ingest).
inline constexpr size_t kMaxSourcedPayloadBytes = 16 << 20;

// Returns INVALID_ARGUMENT naming `field` ("records[3].record.object_type")
// when a record the adapter returned cannot be stored: no object type, an
// empty or oversized payload, no key and no vendor id, a key over 256
// characters.
absl::Status ValidateSourcedRecord(const adapter::v1::SourcedRecord& record,
                                   absl::string_view field);

// Returns the key the record is stored under.
std::string SourcedRecordKey(const adapter::v1::SourcedRecord& record);

struct StoredRecords {
  std::vector<int64_t> record_ids;  // one per record, in order
  int64_t new_records = 0;
  int64_t duplicates = 0;
};

// Stores `records` of `system` (which the caller checked exists and is
// enabled) as RECEIVED raw records by `principal`, skipping keys already
// stored, with the W3C trace id of the pull or webhook that brought them.
// REQUIRES: every record passed ValidateSourcedRecord.
absl::StatusOr<StoredRecords> StoreSourcedRecords(
    WriteTxn& txn, absl::string_view system, absl::string_view principal,
    const google::protobuf::RepeatedPtrField<adapter::v1::SourcedRecord>&
        records,
    absl::string_view trace_id = "");

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SYNC_SOURCED_RECORDS_H_
