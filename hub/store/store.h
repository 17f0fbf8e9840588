// Store: everything revhubd knows, behind one interface made of roles.
//
// Each role has its own header, with a reader (committed data, on Store)
// and a writer (inside a write transaction, on WriteTxn):
//   system_store.h       registered systems
//   record_store.h       raw vendor records
//   entity_store.h       entity versions, as-of reads, external refs, index
//   event_log.h          the event log and consumer positions
//   idempotency_store.h  answers to idempotent requests (writer only)
//   workflow_store.h     orchestration workflows and sequences
//   exception_queue.h    the exception queue
//   posting_ledger.h     what was delivered to target systems
//   principal_store.h    principals and their token verifiers
//   audit_log.h          the hash-chained audit log
//   operation_store.h    long-running operations (bulk replays)
//   sync_store.h         pull cursors and webhook deliveries
//   period_store.h       closed accounting periods and their history
//   reconciliation_store.h  reconciliation runs and variances
//   monitor_store.h      aggregates: backlog counts, exception summary
//   lease_store.h        leases on the single-writer duties (several hubs)
// SqliteStore (sqlite/sqlite_store.h) is the embedded implementation; a
// PostgreSQL one would implement the same classes, and
// tests/store/conformance_test.cc checks any implementation against them.
//
// Writes: Write() runs a function inside a write transaction on the store's
// single writer. Writes that arrive together are committed as one
// transaction (group commit), each inside its own savepoint, so one failing
// write rolls back alone. Write() returns only once the transaction is
// durable. Events appended in a write get their positions in commit order,
// dense from 1.
//
// Thread-safety: every Store method is thread-safe, and reads see only
// committed data. A WriteTxn is used by the one thread running the Write()
// call that handed it out.
#ifndef REVHUB_HUB_STORE_STORE_H_
#define REVHUB_HUB_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hub/store/audit_log.h"
#include "hub/store/entity_store.h"
#include "hub/store/event_log.h"
#include "hub/store/exception_queue.h"
#include "hub/store/idempotency_store.h"
#include "hub/store/lease_store.h"
#include "hub/store/monitor_store.h"
#include "hub/store/operation_store.h"
#include "hub/store/period_store.h"
#include "hub/store/posting_ledger.h"
#include "hub/store/principal_store.h"
#include "hub/store/reconciliation_store.h"
#include "hub/store/record_store.h"
#include "hub/store/sync_store.h"
#include "hub/store/system_store.h"
#include "hub/store/workflow_store.h"

namespace revhub::hub {

// The operations available inside one write transaction. Reads through it
// see the transaction's own uncommitted writes. A WriteTxn is valid only
// during the Write() call that handed it out.
class WriteTxn : public SystemWriter,
                 public RawRecordWriter,
                 public EntityWriter,
                 public EventLogWriter,
                 public IdempotencyWriter,
                 public WorkflowWriter,
                 public ExceptionQueueWriter,
                 public PostingLedgerWriter,
                 public PrincipalWriter,
                 public AuditLogWriter,
                 public OperationWriter,
                 public SyncStateWriter,
                 public PeriodWriter,
                 public ReconciliationWriter {
 public:
  ~WriteTxn() override = default;

  // Returns the commit time of this transaction: the same for every write
  // in a batch, and later than any earlier batch's.
  virtual absl::Time Now() const = 0;

  // Runs `fn` inside a savepoint of this transaction: when fn fails, what
  // it wrote is rolled back and its status returned, and the transaction
  // goes on (so one bad record in a batch fails alone). Savepoints nest.
  virtual absl::Status InSavepoint(absl::FunctionRef<absl::Status()> fn) = 0;
};

class Store : public SystemReader,
              public RawRecordReader,
              public EntityReader,
              public EventLogReader,
              public WorkflowReader,
              public ExceptionQueueReader,
              public PostingLedgerReader,
              public PrincipalReader,
              public AuditLogReader,
              public OperationReader,
              public SyncStateReader,
              public PeriodReader,
              public ReconciliationReader,
              public MonitorReader,
              public LeaseKeeper {
 public:
  ~Store() override = default;

  // Runs `fn` in a write transaction and returns its status once the
  // transaction is durable. When fn fails, its writes are rolled back and
  // its status returned; other writes in the batch are unaffected.
  // UNAVAILABLE once the store is shutting down. REQUIRES: not called from
  // inside `fn` or a listener (the writer would wait for itself).
  virtual absl::Status Write(absl::FunctionRef<absl::Status(WriteTxn&)> fn) = 0;

  // Registers `listener` (replacing any), called on the writer thread after
  // each commit that appended events, with the highest committed position.
  // The listener must not block.
  virtual void SetEventListener(std::function<void(int64_t)> listener) = 0;

  // Registers `listener` (replacing any), called on the writer thread after
  // each commit that stored a new raw record or set a stored one's status
  // to RECEIVED (a record to translate). `requeued` is true when a stored
  // record was set RECEIVED again (it may sit behind a reader's cursor),
  // false when the commit only stored new records (ids above any before).
  // The listener must not block.
  virtual void SetRawRecordListener(
      std::function<void(bool requeued)> listener) = 0;

  // Returns the highest committed event position (0 when the log is empty).
  virtual int64_t LastEventPosition() const = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_STORE_H_
