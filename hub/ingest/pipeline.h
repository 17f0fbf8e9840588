// Pipeline: raw records → the system's adapter → the canonical model.
//
// Ingest stores a raw record RECEIVED; revhubd's store listener then calls
// Notify(), which only wakes the worker. The worker (never a gRPC thread)
// is two threads with a bounded queue between them:
//  - the translator walks the RECEIVED records oldest first with an indexed
//    cursor (RawRecordReader::ListRecordIdsByStatus: its cost does not grow
//    with the records already applied), groups them per system in batches
//    (TranslateBatch for a backlog, Translate for one), and queues each
//    translated batch (at most PipelineOptions.queued_batches wait);
//  - the applier applies a whole batch in ONE store transaction, each record
//    inside its own savepoint (WriteTxn::InSavepoint), so one bad record
//    fails alone and the batch shares one commit. Applying a record
//    (apply_translation.h: links resolved, matching rules, what the adapter
//    leaves to the hub completed, validation, upserts with their events and
//    idempotency keys that carry the record id) sets it APPLIED, or SKIPPED
//    with the adapter's skip reason as its status_reason, and resolves its
//    open exceptions.
// So the next batch is translated while the previous one applies.
//
// Out of order: when a link names an external ref the hub does not know yet
// (an invoice before its customer), that transaction rolls back and the
// record becomes WAITING for that ref (status_reason, waiting_for). The
// transaction that later stores an entity with that ref (an ingested
// record or an upsert through the API, UpsertEntityInTxn) sets the record
// RECEIVED again, and the store's listener wakes the worker, which applies
// it: once, as idempotency is per record. A record that links to several
// unknown refs waits for one at a time. A record still WAITING after
// PipelineOptions.waiting_timeout is given up by the worker's sweep: it
// becomes FAILED with its RECORD_REJECTED exception, whose amount_at_stake
// is the money of the entity that waited.
//
// A mapping or validation failure, or a link the adapter got wrong, rolls
// back the record's savepoint and instead sets the record FAILED and opens
// (or reopens) its RECORD_REJECTED exception in the exception queue
// (system, record, field path and the vendor field it came from, reason;
// owner and SLA from PipelineOptions.exception_routing;
// record_exceptions.h); other records go on. The field path of a failure is
// the one its status carries (canonical/field_path.h FieldPathOf). A
// transient adapter failure (UNAVAILABLE, DEADLINE_EXCEEDED, an adapter
// that does not start), or a store error that breaks the batch's
// transaction, leaves the records RECEIVED and retries the system's records
// with exponential backoff (one backoff per system, not per record).
// Records of a system without an adapter stay RECEIVED.
//
// At Start() the worker picks up every RECEIVED record, so a crash between
// ingest and apply loses nothing; a record applied before a crash is not
// RECEIVED any more, and its upserts committed with its status. A WAITING
// record is in the store and survives a restart likewise.
//
// Replay() and ReplayFailed() run the same steps on the caller's thread,
// serialized with the worker, for records in any status (WAITING too):
// what was already applied is not applied again (same translation, same
// idempotency key).
//
// Thread-safe.
#ifndef REVHUB_HUB_INGEST_PIPELINE_H_
#define REVHUB_HUB_INGEST_PIPELINE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/exceptions/exceptions.h"
#include "hub/ingest/authority.h"
#include "hub/ingest/record_exceptions.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/pipeline_service.pb.h"

namespace revhub::hub {

struct PipelineOptions {
  // Records per TranslateBatch call (at most 1000).
  int batch_size = 100;
  // Payload bytes per TranslateBatch call.
  int64_t batch_bytes = 8 << 20;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  // The worker also looks for work this often without a Notify().
  absl::Duration poll_interval = absl::Seconds(2);
  // Translated batches that may wait for the applier.
  int queued_batches = 2;
  // How long a record may wait for the record it refers to before it
  // becomes FAILED with an exception.
  absl::Duration waiting_timeout = absl::Hours(24);
  // Owner and SLA of the RECORD_REJECTED exceptions the pipeline opens.
  ExceptionRouting exception_routing;
};

class Pipeline {
 public:
  // Neither pointer is owned; both outlive the pipeline.
  Pipeline(Store* store, AdapterSupervisor* adapters, PipelineOptions options);
  ~Pipeline();  // Shutdown()

  // Starts the worker; its first pass takes every RECEIVED record and gives
  // up the records that waited longer than options.waiting_timeout.
  void Start();
  // Wakes the worker and returns at once. When only new records were
  // stored (`requeued` false) the next pass reads on from the last record
  // it saw; when a stored record was set RECEIVED again it reads from the
  // oldest. Either way it takes every RECEIVED record it reads that is not
  // waiting out a backoff, and a pass without a wake-up (every
  // poll_interval) reads from the oldest.
  void Notify(bool requeued = true);
  // Wakes the worker and retries the records of `system` now, if they wait
  // out a backoff: its registration (its adapter) changed.
  void RetryNow(const std::string& system);
  // Translates and applies one record now. NOT_FOUND for an unknown record.
  absl::StatusOr<hub::v1::ReplayOutcome> Replay(int64_t record_id);
  // Replays the FAILED records of `system`, oldest first, at most `limit`.
  // Before each batch it asks `alive` (when given) and stops with its status
  // when not OK (the caller went away): records already replayed stay so.
  absl::StatusOr<std::vector<hub::v1::ReplayOutcome>> ReplayFailed(
      const std::string& system, int limit,
      const std::function<absl::Status()>& alive = nullptr);
  // Returns the ids of the FAILED records of `system` after `after_id`,
  // oldest first, at most `limit`.
  absl::StatusOr<std::vector<int64_t>> FailedRecordIds(
      const std::string& system, int64_t after_id, int64_t limit);
  // Replays records of `system` as one batch (for a replay operation,
  // replay_operations.h); their outcomes in the order of `record_ids`.
  std::vector<hub::v1::ReplayOutcome> ReplayBatch(
      const std::string& system, const std::vector<int64_t>& record_ids);
  // Records per TranslateBatch call.
  int batch_size() const { return options_.batch_size; }
  // Stops the worker after the batch in hand.
  void Shutdown();

 private:
  struct Backoff {
    int attempts = 0;
    absl::Time next_at;
  };
  // One system's records, loaded and translated, waiting to be applied.
  struct Batch {
    std::string system_name;
    hub::v1::System system;
    std::vector<hub::v1::RawRecord> records;
    std::vector<adapter::v1::TranslationResult> results;  // one per record
    // One per record id asked for; those past records.size() were left for
    // a later batch (the byte budget) and stay RECEIVED.
    std::vector<hub::v1::ReplayOutcome> outcomes;
  };

  void Loop();
  void ApplierLoop();
  // Walks the RECEIVED records once, from the oldest when `full`, else from
  // the last one read (or the oldest one left behind by a system whose
  // backoff is over), and queues their batches. Returns when the walk
  // reached the end or the worker stops.
  void Pass(bool full);
  // Remembers that `system`'s records from `record_id` on were left
  // RECEIVED. REQUIRES: mu_.
  void LeaveBehind(const std::string& system, int64_t record_id);
  // Queues a translated batch for the applier; waits while the queue is
  // full. False when the worker stops.
  bool Enqueue(Batch batch);
  // Fails the records WAITING for longer than options_.waiting_timeout.
  void ExpireWaits();
  // Returns the ids of the records in `status` of `system` (every system
  // when empty) after `after_id`, oldest first, at most `limit`.
  absl::StatusOr<std::vector<int64_t>> IdsByStatus(const std::string& system,
                                                   hub::v1::RecordStatus status,
                                                   int64_t after_id,
                                                   int64_t limit);
  // Loads and translates records of one system. False when the whole batch
  // must wait (adapter unavailable, system unknown): the system backs off.
  bool Translate(const std::string& system, const std::vector<int64_t>& ids,
                 Batch* batch);
  // Applies a translated batch in one transaction and returns its outcomes.
  // REQUIRES: process_mu_.
  std::vector<hub::v1::ReplayOutcome> Apply(Batch& batch, bool replay);
  // Applies one record inside txn (its own savepoints) and sets *outcome.
  // Returns an error only when the transaction itself is broken.
  absl::Status ApplyRecord(WriteTxn& txn, const Authorities& authorities,
                           const hub::v1::RawRecord& record,
                           const hub::v1::System& system,
                           const adapter::v1::TranslationResult& result,
                           bool replay, hub::v1::ReplayOutcome* outcome);
  // Sets the record FAILED with its RECORD_REJECTED exception, inside txn.
  absl::Status FailRecord(WriteTxn& txn, const hub::v1::RawRecord& record,
                          const std::vector<RecordError>& errors,
                          hub::v1::ReplayOutcome* outcome);
  // Translates and applies records of one system on the caller's thread.
  // REQUIRES: process_mu_.
  std::vector<hub::v1::ReplayOutcome> Process(
      const std::string& system, const std::vector<int64_t>& record_ids,
      bool replay);
  void NoteTransient(const std::string& system, const absl::Status& why,
                     size_t records);
  void NoteSuccess(const std::string& system);
  // Whether `system` waits out a backoff now. REQUIRES: mu_.
  bool BackingOff(const std::string& system, absl::Time now) const;

  Store* store_;
  AdapterSupervisor* adapters_;
  PipelineOptions options_;

  std::mutex process_mu_;  // one batch applied at a time

  std::mutex mu_;
  std::condition_variable cv_;        // the translator's wake-ups
  std::condition_variable queue_cv_;  // the queue between the two threads
  bool notified_ = true;
  // The next pass reads from the oldest RECEIVED record.
  bool full_scan_ = true;
  // The highest record id a pass read; the next incremental pass reads on
  // from it.
  int64_t scanned_to_ = 0;
  // Per system, the oldest record a pass left RECEIVED (its system waited
  // out a backoff or its adapter was away): read again once the backoff is
  // over.
  std::map<std::string, int64_t> left_behind_;
  bool stopping_ = false;
  std::map<std::string, Backoff> backoff_;  // by system
  std::deque<Batch> queue_;
  std::set<int64_t> in_flight_;  // queued or being applied
  std::thread thread_;
  std::thread applier_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_INGEST_PIPELINE_H_
