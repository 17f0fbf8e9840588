// Ingest's record rules, shared by IngestService.Ingest (one record per
// call) and IngestService.IngestStream (a stream of them): what a request
// must hold, how it becomes a raw record, and how that record is stored, or
// found to repeat one already stored, inside a write transaction. Both
// calls answer the same record the same way because both go through here.
//
// Internal to hub/api (ingest_service.cc, ingest_stream.cc).
#ifndef REVHUB_HUB_API_INGEST_RECORDS_H_
#define REVHUB_HUB_API_INGEST_RECORDS_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/api/services.h"
#include "revhub/hub/v1/ingest_service.pb.h"

namespace revhub::hub {

// Returns the raw record `req` asks to store, as `caller` within trace
// `trace_id`, without its payload (the caller moves it in when storing):
// content type and idempotency key defaulted, payload hashed, status
// RECEIVED. INVALID_ARGUMENT naming the field when req breaks Ingest's
// rules (system, object_type, payload 1 byte to 16 MiB, idempotency_key up
// to 256 characters); PERMISSION_DENIED when the caller may not write
// req.system(). Needs no store: call it outside the write transaction.
absl::StatusOr<hub::v1::RawRecord> PrepareIngestRecord(
    const hub::v1::IngestRequest& req, const auth::Caller& caller,
    const std::string& trace_id);

// Stores `record` (from PrepareIngestRecord) with `payload` in `txn` and
// answers it in *resp; or, when its system already holds its idempotency
// key with the same payload and object type, answers the first record as a
// duplicate and stores nothing. NOT_FOUND for a system not registered;
// FAILED_PRECONDITION for a disabled one; INVALID_ARGUMENT for a key used
// before for a different payload, or an object type the system's running
// adapter does not declare (`adapters` may be null: no such check). What
// it wrote is not undone on error: run it inside a savepoint when other
// writes share the transaction.
absl::Status StoreIngestRecord(AdapterSupervisor* adapters, WriteTxn& txn,
                               hub::v1::RawRecord& record, std::string payload,
                               hub::v1::IngestResponse* resp);

// Returns the reactor of one IngestStream call (ingest_stream.cc); it
// deletes itself when the call is done. `hub` outlives it.
grpc::ServerBidiReactor<hub::v1::IngestStreamRequest,
                        hub::v1::IngestStreamResponse>*
NewIngestStreamReactor(HubContext* hub, grpc::CallbackServerContext* context);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_INGEST_RECORDS_H_
