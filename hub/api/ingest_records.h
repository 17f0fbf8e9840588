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
// `trace_id`, payload included: content type and idempotency key
// defaulted, payload hashed, status RECEIVED. INVALID_ARGUMENT naming the
// field when req breaks Ingest's rules (system, object_type, payload 1 byte
// to 16 MiB, idempotency_key up to 256 characters); PERMISSION_DENIED when
// the caller may not write req.system(). Needs no store: call it outside
// the write transaction. Takes `req` by value: a caller that owns it moves
// it in, and its payload moves on into the record.
absl::StatusOr<hub::v1::RawRecord> PrepareIngestRecord(
    hub::v1::IngestRequest req, const auth::Caller& caller,
    const std::string& trace_id);

// Looks `record` (from PrepareIngestRecord) up in `txn` and returns true,
// with *resp answering it as a duplicate of the first record, when its
// system already holds its idempotency key with the same payload and
// object type; false when it is new (*resp untouched). NOT_FOUND for a
// system not registered; FAILED_PRECONDITION for a disabled one;
// INVALID_ARGUMENT for a key used before for a different payload, or an
// object type the system's running adapter does not declare (`adapters`
// may be null: no such check). Only reads: on error nothing was written.
absl::StatusOr<bool> FindIngestDuplicate(AdapterSupervisor* adapters,
                                         WriteTxn& txn,
                                         const hub::v1::RawRecord& record,
                                         hub::v1::IngestResponse* resp);

// Inserts `record`, found new by FindIngestDuplicate, and answers it in
// *resp. Its one write is the record's row.
absl::Status InsertIngestRecord(WriteTxn& txn, const hub::v1::RawRecord& record,
                                hub::v1::IngestResponse* resp);

// FindIngestDuplicate, then InsertIngestRecord for a new record: Ingest's
// whole write. On error, run inside a savepoint when other writes share the
// transaction (an insert that fails may not have been undone).
absl::Status StoreIngestRecord(AdapterSupervisor* adapters, WriteTxn& txn,
                               const hub::v1::RawRecord& record,
                               hub::v1::IngestResponse* resp);

// Returns the reactor of one IngestStream call (ingest_stream.cc); it
// deletes itself when the call is done. `hub` outlives it.
grpc::ServerBidiReactor<hub::v1::IngestStreamRequest,
                        hub::v1::IngestStreamResponse>*
NewIngestStreamReactor(HubContext* hub, grpc::CallbackServerContext* context);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_INGEST_RECORDS_H_
