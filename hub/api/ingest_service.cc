// IngestService: raw vendor payloads, stored before anything else, and
// read back whole (GetRecord up to 1 MiB, ReadRecordPayload in chunks for
// any size).
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/observability/hub_metrics.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

constexpr size_t kMaxPayloadBytes = 16 << 20;

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

class IngestServiceImpl final : public hub::v1::IngestService::CallbackService {
 public:
  explicit IngestServiceImpl(HubContext* hub) : hub_(hub) {}

  // IngestService:
  ServerUnaryReactor* Ingest(CallbackServerContext* context,
                             const hub::v1::IngestRequest* req,
                             hub::v1::IngestResponse* resp) override {
    auth::Caller caller = CallerOf(context);
    std::string principal = caller.principal;
    const std::string trace_id = TraceOf(context).trace_id;
    return RunUnary(
        hub_, context,
        [this, req, resp, caller, principal, trace_id]() -> absl::Status {
          RETURN_IF_ERROR(ValidateIngest(*req));
          RETURN_IF_ERROR(auth::CheckMayWriteSystem(caller, req->system()));
          hub::v1::RawRecord record;
          record.set_system(req->system());
          record.set_object_type(req->object_type());
          record.set_content_type(req->content_type().empty()
                                      ? "application/json"
                                      : req->content_type());
          record.set_payload_sha256(Sha256Hex(req->payload()));
          record.set_idempotency_key(
              req->idempotency_key().empty()
                  ? absl::StrCat("sha256:",
                                 Sha256Hex(absl::StrCat(req->object_type(),
                                                        "\n", req->payload())))
                  : req->idempotency_key());
          record.set_status(hub::v1::RECORD_STATUS_RECEIVED);
          record.set_principal(principal);
          record.set_trace_id(trace_id);
          absl::Status written =
              hub_->store->Write([&](WriteTxn& txn) -> absl::Status {
                ASSIGN_OR_RETURN(auto system, txn.GetSystem(req->system()));
                if (!system.has_value()) {
                  return absl::NotFoundError(
                      absl::StrCat("system: \"", req->system(),
                                   "\" is not a registered system"));
                }
                if (system->state() == hub::v1::SYSTEM_STATE_DISABLED) {
                  return absl::FailedPreconditionError(absl::StrCat(
                      "system: \"", req->system(), "\" is disabled (",
                      system->disabled_reason(),
                      "); register it again to accept its payloads"));
                }
                ASSIGN_OR_RETURN(auto seen,
                                 txn.FindRawRecord(record.system(),
                                                   record.idempotency_key()));
                // A resend of what was stored is answered before the check, so
                // nothing already accepted is refused.
                if (!seen.has_value()) {
                  RETURN_IF_ERROR(CheckObjectType(hub_->adapters, *system,
                                                  record.object_type()));
                }
                if (seen.has_value()) {
                  if (seen->payload_sha256() != record.payload_sha256() ||
                      seen->object_type() != record.object_type()) {
                    return absl::InvalidArgumentError(absl::StrCat(
                        "idempotency_key: \"", record.idempotency_key(),
                        "\" was already used for a different payload (record ",
                        seen->record_id(), ")"));
                  }
                  resp->set_record_id(seen->record_id());
                  resp->set_duplicate(true);
                  *resp->mutable_received_at() = seen->received_at();
                  return absl::OkStatus();
                }
                record.set_payload(req->payload());
                ASSIGN_OR_RETURN(int64_t id, txn.InsertRawRecord(record));
                resp->set_record_id(id);
                resp->set_duplicate(false);
                *resp->mutable_received_at() = ToProto(txn.Now());
                return absl::OkStatus();
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
