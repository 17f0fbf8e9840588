// IngestService: raw vendor payloads, stored before anything else (one per
// call, or streamed: ingest_stream.cc; both by ingest_records.h), and read
// back whole (GetRecord up to 1 MiB, ReadRecordPayload in chunks for
// any size).
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/ingest_records.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/observability/hub_metrics.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// Streams one record's payload in chunks of kInlinePayloadBytes. The record
// is read on the work queue; each chunk is written after the previous one
// is done. gRPC deletes the reactor (OnDone) only after Finish, so `this`
// outlives the queued read.
class PayloadReactor
    : public grpc::ServerWriteReactor<hub::v1::ReadRecordPayloadResponse> {
 public:
  PayloadReactor(HubContext* hub, int64_t record_id) {
    hub->work->Post([this, hub, record_id] {
      auto record = FindRawRecord(*hub->store, record_id);
      if (!record.ok()) {
        Finish(ToGrpcStatus(record.status()));
        return;
      }
      record_ = std::move(*record);
      WriteNext();
    });
  }

  // grpc::ServerWriteReactor:
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading"));
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    const int64_t size = static_cast<int64_t>(record_.payload().size());
    if (offset_ >= size && (size > 0 || sent_)) {
      Finish(grpc::Status::OK);
      return;
    }
    const int64_t n = std::min(kInlinePayloadBytes, size - offset_);
    chunk_.Clear();
    chunk_.set_offset(offset_);
    chunk_.set_data(record_.payload().substr(offset_, n));
    chunk_.set_size_bytes(size);
    chunk_.set_payload_sha256(record_.payload_sha256());
    offset_ += n;
    sent_ = true;
    StartWrite(&chunk_);
  }

  hub::v1::RawRecord record_;
  hub::v1::ReadRecordPayloadResponse chunk_;
  int64_t offset_ = 0;
  bool sent_ = false;
};

class IngestServiceImpl final : public hub::v1::IngestService::CallbackService {
 public:
  explicit IngestServiceImpl(HubContext* hub) : hub_(hub) {}

  // IngestService:
  ServerUnaryReactor* Ingest(CallbackServerContext* context,
                             const hub::v1::IngestRequest* req,
                             hub::v1::IngestResponse* resp) override {
    auth::Caller caller = CallerOf(context);
    const std::string trace_id = TraceOf(context).trace_id;
    return RunUnary(
        hub_, context, [this, req, resp, caller, trace_id]() -> absl::Status {
          ASSIGN_OR_RETURN(hub::v1::RawRecord record,
                           PrepareIngestRecord(*req, caller, trace_id));
          absl::Status written =
              hub_->store->Write([&](WriteTxn& txn) -> absl::Status {
                return StoreIngestRecord(hub_->adapters, txn, record, resp);
              });
          if (written.ok() && !resp->duplicate()) {
            observability::Metrics()
                .records_ingested.WithLabels({record.system()})
                .Inc();
          }
          return written;
        });
  }

  ServerUnaryReactor* GetRecord(CallbackServerContext* context,
                                const hub::v1::GetRecordRequest* req,
                                hub::v1::GetRecordResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(*resp->mutable_record(),
                       FindRawRecord(*hub_->store, req->record_id()));
      if (resp->record().size_bytes() > kInlinePayloadBytes) {
        resp->mutable_record()->clear_payload();
        resp->set_payload_left_out(true);
      }
      return absl::OkStatus();
    });
  }

  grpc::ServerBidiReactor<hub::v1::IngestStreamRequest,
                          hub::v1::IngestStreamResponse>*
  IngestStream(CallbackServerContext* context) override {
    return NewIngestStreamReactor(hub_, context);
  }

  grpc::ServerWriteReactor<hub::v1::ReadRecordPayloadResponse>*
  ReadRecordPayload(CallbackServerContext*,
                    const hub::v1::ReadRecordPayloadRequest* req) override {
    return new PayloadReactor(hub_, req->record_id());
  }

  ServerUnaryReactor* ListRecords(CallbackServerContext* context,
                                  const hub::v1::ListRecordsRequest* req,
                                  hub::v1::ListRecordsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 500));
      RawRecordQuery q;
      q.system = req->system();
      q.object_type = req->object_type();
      q.status = req->status();
      q.page_size = req->page_size() == 0 ? 100 : req->page_size();
      q.page_token = req->page_token();
      ASSIGN_OR_RETURN(RawRecordPage page, hub_->store->ListRawRecords(q));
      for (auto& r : page.records) *resp->add_records() = std::move(r);
      resp->set_next_page_token(page.next_page_token);
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

absl::StatusOr<hub::v1::RawRecord> FindRawRecord(Store& store,
                                                 int64_t record_id) {
  if (record_id <= 0) {
    return absl::InvalidArgumentError("record_id: must be positive");
  }
  ASSIGN_OR_RETURN(auto r, store.GetRawRecord(record_id));
  if (!r.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("record ", record_id, " not found"));
  }
  return *std::move(r);
}

std::unique_ptr<grpc::Service> NewIngestService(HubContext* hub) {
  return std::make_unique<IngestServiceImpl>(hub);
}

}  // namespace revhub::hub
