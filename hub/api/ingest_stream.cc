// IngestService.IngestStream: a stream of raw records, each stored as Ingest
// stores one (ingest_records.h), each answered in order once durable.
//
// How a stream moves. gRPC's threads only read, queue and write; every
// store write runs on the hub's work queue (reactions must not block):
//
//   OnReadDone ──► received_ ──► StoreBatches (work queue) ──► answers_ ──►
//   StartWrite ──► OnWriteDone (a message is answered: room for one more)
//
// StoreBatches takes every message received so far and stores them in one
// Store::Write (a refused record fails alone: see StoreBatch), so a stream
// costs one group commit per batch, not per record; while a batch commits,
// the next one gathers. At most one batch per stream
// is on the work queue, so record ids grow in stream order.
//
// Flow control: a message counts as in flight from its read until its
// answer is written. Once max_in_flight messages (or kMaxInFlightBytes of
// them) are in flight, no read is started until an answer goes out; gRPC
// then stops taking the client's data (HTTP/2 flow control), so a producer
// that never reads answers stalls after max_in_flight messages instead of
// filling the hub's memory.
//
// Finishing: the stream ends OK once the client has half-closed and every
// message is answered; with the store's error when a batch could not be
// committed (after the answers already due); CANCELLED when the client
// goes away. Finish is never called while a batch runs (the batch holds
// `this`; gRPC deletes the reactor after Finish), and always from the work
// queue: the audit interceptor writes its row in the finishing thread.
#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/ingest_records.h"
#include "hub/observability/hub_metrics.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using hub::v1::IngestStreamRequest;
using hub::v1::IngestStreamResponse;

// Payload bytes a stream may hold in flight whatever max_in_flight says, so
// that 256 messages of 16 MiB do not take 4 GiB. A message alone may be
// larger: reading always goes on while nothing is in flight.
constexpr int64_t kMaxInFlightBytes = int64_t{64} << 20;

// The most messages any one stream has had in flight (the _max gauge).
std::atomic<int64_t> g_most_in_flight{0};

void NoteInFlight(int64_t n) {
  int64_t seen = g_most_in_flight.load(std::memory_order_relaxed);
  while (n > seen && !g_most_in_flight.compare_exchange_weak(seen, n)) {
  }
  if (n > seen) {
    observability::Metrics().ingest_stream_in_flight_max.Set(
        static_cast<double>(n));
  }
}

class IngestStreamReactor final
    : public grpc::ServerBidiReactor<IngestStreamRequest,
                                     IngestStreamResponse> {
 public:
  IngestStreamReactor(HubContext* hub, grpc::CallbackServerContext* context)
      : hub_(hub),
        context_(context),
        caller_(CallerOf(context)),
        trace_id_(TraceOf(context).trace_id),
        max_in_flight_(std::max(1, hub->ingest_stream_max_in_flight)) {
    // A stream is admitted as one call: the caller's rate limit, then room
    // on the work queue its batches will use.
    absl::Status admitted = absl::OkStatus();
    if (hub_->limiter != nullptr) {
      admitted = hub_->limiter->Admit(caller_.principal);
    }
    if (admitted.ok() && hub_->work->queued() >= hub_->work->max_queued()) {
      admitted = WorkQueueFull(*hub_->work);
    }
    if (!admitted.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      reads_done_ = true;
      failure_ = admitted;
      MaybeFinishLocked();
      return;
    }
    reading_ = true;
    StartRead(&incoming_);
  }

  // grpc::ServerBidiReactor:
  void OnReadDone(bool ok) override {
    bool read_more = false;
    bool post_batch = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      reading_ = false;
      if (!ok) {
        // The client half-closed (or went away: OnCancel says so).
        reads_done_ = true;
        MaybeFinishLocked();
        return;
      }
      const int64_t bytes =
          static_cast<int64_t>(incoming_.record().payload().size());
      received_.push_back({++read_count_, std::move(incoming_), bytes});
      incoming_.Clear();
      ++in_flight_;
      in_flight_bytes_ += bytes;
      observability::Metrics().ingest_stream_in_flight.Add(1);
      NoteInFlight(in_flight_);
      if (!storing_) {
        storing_ = true;
        post_batch = true;
      }
      read_more = ShouldReadLocked();
      if (read_more) reading_ = true;
    }
    if (post_batch) hub_->work->Post([this] { StoreBatches(); });
    if (read_more) StartRead(&incoming_);
  }

  void OnWriteDone(bool ok) override {
    bool read_more = false;
    const IngestStreamResponse* next = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sending_ = false;
      in_flight_bytes_ -= answers_.front().bytes;
      answers_.pop_front();
      --in_flight_;
      observability::Metrics().ingest_stream_in_flight.Add(-1);
      if (!ok) {
        gone_ = true;
        MaybeFinishLocked();
        return;
      }
      read_more = ShouldReadLocked();
      if (read_more) reading_ = true;
      next = NextAnswerLocked();
      if (next == nullptr) MaybeFinishLocked();
    }
    if (next != nullptr) StartWrite(next);
    if (read_more) StartRead(&incoming_);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    gone_ = true;
    MaybeFinishLocked();
  }

  void OnDone() override {
    // Messages read and never answered leave the gauge with the stream.
    observability::Metrics().ingest_stream_in_flight.Add(
        -static_cast<double>(in_flight_));
    delete this;
  }

 private:
  struct Received {
    int64_t sequence;
    IngestStreamRequest request;
    int64_t bytes;
  };
  struct Answer {
    IngestStreamResponse response;
    int64_t bytes;
  };

  // Whether to start another read. REQUIRES: mu_ held.
  bool ShouldReadLocked() const {
    if (reading_ || reads_done_ || gone_ || !failure_.ok()) return false;
    if (in_flight_ == 0) return true;
    return in_flight_ < max_in_flight_ && in_flight_bytes_ < kMaxInFlightBytes;
  }

  // Returns the answer to write next, marking it sent, or null when none
  // is due or one is being written. REQUIRES: mu_ held.
  const IngestStreamResponse* NextAnswerLocked() {
    if (sending_ || gone_ || answers_.empty()) return nullptr;
    sending_ = true;
    return &answers_.front().response;
  }

  // Finishes the call when nothing more is to be done. REQUIRES: mu_ held.
  void MaybeFinishLocked() {
    if (finishing_ || storing_) return;
    grpc::Status status;
    if (gone_) {
      status =
          grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    } else if (!failure_.ok()) {
      // The answers due before the failure go out first.
      if (sending_ || !answers_.empty()) return;
      status = ToGrpcStatus(failure_);
    } else if (reads_done_ && received_.empty() && answers_.empty() &&
               !sending_) {
      status = grpc::Status::OK;
    } else {
      return;
    }
    finishing_ = true;
    hub_->work->Post([this, status] { Finish(status); });
  }

  // Stores what was received, batch after batch, until nothing waits. Runs
  // on the work queue; one at a time per stream.
  void StoreBatches() {
    for (;;) {
      std::vector<Received> batch;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (received_.empty() || gone_ || !failure_.ok()) {
          storing_ = false;
          MaybeFinishLocked();
          return;
        }
        batch.swap(received_);
      }
      std::vector<Answer> answers;
      absl::Status stored = StoreBatch(batch, answers);
      const IngestStreamResponse* next = nullptr;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!stored.ok()) {
          failure_ = stored;
        } else {
          for (Answer& a : answers) answers_.push_back(std::move(a));
          next = NextAnswerLocked();
        }
      }
      if (next != nullptr) StartWrite(next);
    }
  }

  // Stores `batch` in one transaction and fills `answers`, one per message
  // in order. Returns the store's error when the transaction failed as a
  // whole (nothing of the batch is stored then; answers stays empty).
  absl::Status StoreBatch(std::vector<Received>& batch,
                          std::vector<Answer>& answers) {
    RETURN_IF_ERROR(CallAlive(context_));
    answers.resize(batch.size());
    std::vector<std::optional<hub::v1::RawRecord>> records(batch.size());
    bool any = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      answers[i].response.set_sequence(batch[i].sequence);
      answers[i].bytes = batch[i].bytes;
      absl::StatusOr<hub::v1::RawRecord> record =
          batch[i].request.has_record()
              ? PrepareIngestRecord(
                    std::move(*batch[i].request.mutable_record()), caller_,
                    trace_id_)
              : absl::InvalidArgumentError("record: is required");
      if (!record.ok()) {
        SetError(answers[i].response, record.status());
        continue;
      }
      records[i] = std::move(*record);
      any = true;
    }
    if (any) {
      // A savepoint per record would make SQLite copy every page each
      // record touches into its sub-journal, nearly half the writer's time.
      // A record's one write is its insert, after every check that can
      // refuse it, so a refused record has written nothing and the batch
      // goes without them. Should an insert itself fail (the store, not the
      // record), the batch is rolled back and written again with a
      // savepoint per record, so that the failure stays that record's own.
      bool insert_failed = false;
      absl::Status written =
          WriteBatch(records, answers, false, &insert_failed);
      if (!written.ok() && insert_failed) {
        written = WriteBatch(records, answers, true, &insert_failed);
      }
      if (!written.ok()) {
        answers.clear();
        return written;
      }
    }
    // Counted once durable, like Ingest.
    std::map<std::string, int> stored_by_system;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (answers[i].response.has_stored() &&
          !answers[i].response.stored().duplicate()) {
        ++stored_by_system[records[i]->system()];
      }
    }
    for (const auto& [system, n] : stored_by_system) {
      observability::Metrics().records_ingested.WithLabels({system}).Inc(n);
    }
    return absl::OkStatus();
  }

  // Stores records[i] (those set) in one transaction and answers them in
  // answers[i]; with `savepoints`, each inside its own. Without, an insert
  // that fails fails the whole write (*insert_failed says so).
  absl::Status WriteBatch(
      const std::vector<std::optional<hub::v1::RawRecord>>& records,
      std::vector<Answer>& answers, bool savepoints, bool* insert_failed) {
    *insert_failed = false;
    return hub_->store->Write([&](WriteTxn& txn) -> absl::Status {
      for (size_t i = 0; i < records.size(); ++i) {
        if (!records[i].has_value()) continue;
        IngestStreamResponse& r = answers[i].response;
        r.clear_stored();
        r.clear_error();
        if (savepoints) {
          absl::Status s = txn.InSavepoint([&] {
            return StoreIngestRecord(hub_->adapters, txn, *records[i],
                                     r.mutable_stored());
          });
          if (!s.ok()) SetError(r, s);
          continue;
        }
        absl::StatusOr<bool> duplicate = FindIngestDuplicate(
            hub_->adapters, txn, *records[i], r.mutable_stored());
        if (!duplicate.ok()) {
          SetError(r, duplicate.status());
        } else if (!*duplicate) {
          absl::Status inserted =
              InsertIngestRecord(txn, *records[i], r.mutable_stored());
          if (!inserted.ok()) {
            *insert_failed = true;
            return inserted;
          }
        }
      }
      return absl::OkStatus();
    });
  }

  static void SetError(IngestStreamResponse& r, const absl::Status& status) {
    r.mutable_error()->set_code(static_cast<int32_t>(status.code()));
    r.mutable_error()->set_message(std::string(status.message()));
  }

  HubContext* const hub_;
  grpc::CallbackServerContext* const context_;
  const auth::Caller caller_;
  const std::string trace_id_;
  const int64_t max_in_flight_;

  // Written by gRPC while a read is outstanding (reading_).
  IngestStreamRequest incoming_;

  std::mutex mu_;
  int64_t read_count_ = 0;
  // Read, not yet handed to a batch.
  std::vector<Received> received_;
  // Stored (or refused), not yet written; the front is being written while
  // sending_.
  std::deque<Answer> answers_;
  // Read and not yet answered, and their payload bytes.
  int64_t in_flight_ = 0;
  int64_t in_flight_bytes_ = 0;
  bool reading_ = false;
  bool storing_ = false;
  bool sending_ = false;
  bool reads_done_ = false;
  // The client cancelled, its deadline passed, or it stopped taking
  // answers.
  bool gone_ = false;
  // Why the stream ends before every message is answered.
  absl::Status failure_;
  bool finishing_ = false;
};

}  // namespace

grpc::ServerBidiReactor<IngestStreamRequest, IngestStreamResponse>*
NewIngestStreamReactor(HubContext* hub, grpc::CallbackServerContext* context) {
  return new IngestStreamReactor(hub, context);
}

}  // namespace revhub::hub
