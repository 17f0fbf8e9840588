// A record the pipeline cannot apply, in the one exception queue
// (hub/exceptions/exceptions.h): its RECORD_REJECTED exception, written in
// the pipeline's own transactions, and the RecordException view of it that
// PipelineService shows.
//
// A record has at most one open (OPEN or RETRYING) exception. Failing again
// while it is open reopens that one ("failed again", attempts + 1); once it
// is resolved (the record applied, or a person resolved it) a later failure
// opens a new one.
//
// Pure functions over a WriteTxn or a proto; thread-safe.
#ifndef REVHUB_HUB_INGEST_RECORD_EXCEPTIONS_H_
#define REVHUB_HUB_INGEST_RECORD_EXCEPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/exceptions/exceptions.h"
#include "hub/store/store.h"
#include "revhub/canonical/v1/money.pb.h"
#include "revhub/hub/v1/pipeline_service.pb.h"

namespace revhub::hub {

// One reason a record was refused: the field path (the vendor's for a
// mapping error, the canonical one otherwise; may be empty), the rule, and
// for a canonical path the vendor field it was translated from, when the
// adapter said.
struct RecordError {
  std::string field_path;
  std::string reason;
  std::string vendor_field_path;
};

// Opens the record's RECORD_REJECTED exception inside txn, or reopens its
// open one: field_path and vendor_field_path are the first error's; error
// is the reason when there is one error, else every "path: reason" joined
// by "; "; amount_at_stake is set when given. Owner and SLA come from
// `routing`. Returns the stored exception. REQUIRES: !errors.empty().
absl::StatusOr<hub::v1::Exception> RejectRecord(
    WriteTxn& txn, const ExceptionRouting& routing, const std::string& system,
    int64_t record_id, const std::vector<RecordError>& errors,
    const std::optional<canonical::v1::Money>& amount_at_stake = std::nullopt);

// Resolves the record's open exceptions inside txn ("the record was
// applied").
absl::Status ResolveRecordRejections(WriteTxn& txn, int64_t record_id);

// Returns the RecordException view of a RECORD_REJECTED exception: one entry
// per failed attempt, oldest first, each with the exception's id, system,
// record, field paths and error (the latest attempt's: the exception's
// history keeps each attempt's error), recorded_at the time of the attempt
// and resolved_at once the exception is resolved.
std::vector<hub::v1::RecordException> RecordExceptionsOf(
    const hub::v1::Exception& e);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_INGEST_RECORD_EXCEPTIONS_H_
