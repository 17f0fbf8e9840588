#include "hub/ingest/replay_operations.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/observability/log.h"

namespace revhub::hub {

using hub::v1::Operation;

ReplayOperations::ReplayOperations(Store* store, Pipeline* pipeline,
                                   absl::Duration adopt_interval)
    : store_(store), pipeline_(pipeline), adopt_interval_(adopt_interval) {}

ReplayOperations::~ReplayOperations() { Stop(); }

void ReplayOperations::Start() {
  AdoptRunning();
  thread_ = std::thread([this] { Run(); });
}

void ReplayOperations::AdoptRunning() {
  auto running = store_->ListRunningOperations();
  if (!running.ok()) {
    observability::LogWarn("replay", std::string(running.status().message()));
    return;
  }
  for (const Operation& op : *running) Enqueue(op.operation_id());
}

void ReplayOperations::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ReplayOperations::Stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void ReplayOperations::Enqueue(const std::string& operation_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (operation_id != current_ &&
        std::find(queue_.begin(), queue_.end(), operation_id) == queue_.end())
      queue_.push_back(operation_id);
  }
  cv_.notify_all();
}

absl::Status ReplayOperations::Save(const Operation& op) {
  return store_->Write([&](WriteTxn& txn) -> absl::Status {
    Operation stored = op;
    *stored.mutable_updated_at() = ToProto(txn.Now());
    if (!stored.has_created_at())
      *stored.mutable_created_at() = ToProto(txn.Now());
    return txn.PutOperation(stored);
  });
}

absl::StatusOr<Operation> ReplayOperations::Load(
    const std::string& operation_id) {
  if (operation_id.empty()) {
    return absl::InvalidArgumentError("operation_id: is required");
  }
  ASSIGN_OR_RETURN(auto op, store_->GetOperation(operation_id));
  if (!op.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("operation_id: no operation \"", operation_id, "\""));
  }
  return *op;
}

absl::StatusOr<Operation> ReplayOperations::StartReplay(
    const std::string& system, int64_t limit, const std::string& principal) {
  if (system.empty()) return absl::InvalidArgumentError("system: is required");
  if (limit < 0 || limit > kMaxRecords) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be between 0 and ", kMaxRecords));
  }
  ASSIGN_OR_RETURN(auto registered, store_->GetSystem(system));
  if (!registered.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("system: \"", system, "\" is not registered"));
  }
  if (limit == 0) limit = kMaxRecords;
  ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                   pipeline_->FailedRecordIds(system, 0, limit));
  Operation op;
  op.set_system(system);
  op.set_state(hub::v1::OPERATION_STATE_RUNNING);
  op.set_total(static_cast<int64_t>(ids.size()));
  op.set_limit(limit);
  op.set_principal(principal);
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t n, txn.NextSequence("operation"));
    op.set_operation_id(absl::StrCat("op_", n));
    *op.mutable_created_at() = ToProto(txn.Now());
    *op.mutable_updated_at() = ToProto(txn.Now());
    return txn.PutOperation(op);
  }));
  Enqueue(op.operation_id());
  return op;
}

absl::StatusOr<Operation> ReplayOperations::Resume(
    const std::string& operation_id) {
  ASSIGN_OR_RETURN(Operation op, Load(operation_id));
  switch (op.state()) {
    case hub::v1::OPERATION_STATE_RUNNING:
      return op;
    case hub::v1::OPERATION_STATE_SUCCEEDED:
      return absl::FailedPreconditionError(
          absl::StrCat("operation_id: \"", operation_id,
                       "\" has SUCCEEDED; start a new "
                       "replay instead"));
    default:
      break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.erase(operation_id);
  }
  op.set_state(hub::v1::OPERATION_STATE_RUNNING);
  op.clear_error();
  RETURN_IF_ERROR(Save(op));
  Enqueue(operation_id);
  return Load(operation_id);
}

absl::StatusOr<Operation> ReplayOperations::Cancel(
    const std::string& operation_id) {
  ASSIGN_OR_RETURN(Operation op, Load(operation_id));
  if (op.state() != hub::v1::OPERATION_STATE_RUNNING) return op;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.insert(operation_id);
  }
  cv_.notify_all();
  return op;
}

void ReplayOperations::Run() {
  absl::Time next_adopt = absl::Now() + adopt_interval_;
  while (true) {
    std::string id;
    {
      std::unique_lock<std::mutex> lock(mu_);
      current_.clear();
      cv_.wait_until(lock, absl::ToChronoTime(next_adopt),
                     [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      if (queue_.empty()) {
        lock.unlock();
        AdoptRunning();
        next_adopt = absl::Now() + adopt_interval_;
        continue;
      }
      id = queue_.front();
      queue_.pop_front();
      current_ = id;
    }
    RunOne(id);
  }
}

void ReplayOperations::RunOne(const std::string& operation_id) {
  // One hub runs an operation: the one holding its lease while it runs.
  const std::string lease = absl::StrCat("replay-operation:", operation_id);
  absl::StatusOr<bool> mine = store_->TryAcquireLease(lease);
  if (!mine.ok() || !*mine) {
    if (!mine.ok()) {
      observability::LogWarn("replay", std::string(mine.status().message()),
                             {{"operation_id", operation_id}});
    }
    return;  // another hub runs it, or it is tried again at the next look
  }
  RunHeld(operation_id, lease);
  store_->ReleaseLease(lease);
}

void ReplayOperations::RunHeld(const std::string& operation_id,
                               const std::string& lease) {
  auto loaded = Load(operation_id);
  if (!loaded.ok() || loaded->state() != hub::v1::OPERATION_STATE_RUNNING) {
    return;
  }
  Operation op = *std::move(loaded);
  auto fail = [&](const absl::Status& st) {
    op.set_state(hub::v1::OPERATION_STATE_FAILED);
    op.set_error(std::string(st.message()));
    absl::Status saved = Save(op);
    if (!saved.ok()) {
      observability::LogWarn("replay", std::string(saved.message()),
                             {{"operation_id", operation_id}});
    }
  };
  // The records still to do: after the cursor, up to what the limit leaves.
  auto ids = pipeline_->FailedRecordIds(
      op.system(), op.cursor(), std::max<int64_t>(0, op.limit() - op.done()));
  if (!ids.ok()) return fail(ids.status());
  // A resumed operation's total is what it did plus what is left now.
  op.set_total(op.done() + static_cast<int64_t>(ids->size()));
  const size_t batch =
      static_cast<size_t>(std::max(1, pipeline_->batch_size()));
  for (size_t i = 0; i < ids->size(); i += batch) {
    if (Stopping()) return;  // stays RUNNING; continued at the next Start()
    // A lost lease means another hub may run the operation now: it stays
    // as stored, that hub's to continue.
    absl::StatusOr<bool> held = store_->LeaseHeld(lease);
    if (!held.ok() || !*held) {
      observability::LogWarn("replay", "lease on the operation lost: stopped",
                             {{"operation_id", operation_id}});
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancel_.erase(operation_id) > 0) {
        op.set_state(hub::v1::OPERATION_STATE_CANCELLED);
        if (absl::Status st = Save(op); !st.ok()) fail(st);
        return;
      }
    }
    std::vector<int64_t> chunk(
        ids->begin() + static_cast<std::ptrdiff_t>(i),
        ids->begin() +
            static_cast<std::ptrdiff_t>(std::min(ids->size(), i + batch)));
    for (const hub::v1::ReplayOutcome& o :
         pipeline_->ReplayBatch(op.system(), chunk)) {
      if (o.status() == hub::v1::RECORD_STATUS_APPLIED ||
          o.status() == hub::v1::RECORD_STATUS_SKIPPED) {
        op.set_applied(op.applied() + 1);
      } else if (o.status() == hub::v1::RECORD_STATUS_FAILED) {
        op.set_failed(op.failed() + 1);
      }
    }
    op.set_done(op.done() + static_cast<int64_t>(chunk.size()));
    op.set_cursor(chunk.back());
    if (absl::Status st = Save(op); !st.ok()) return fail(st);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.erase(operation_id);
  }
  op.set_state(hub::v1::OPERATION_STATE_SUCCEEDED);
  if (absl::Status st = Save(op); !st.ok()) fail(st);
}

}  // namespace revhub::hub
