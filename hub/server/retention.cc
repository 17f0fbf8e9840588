#include "hub/server/retention.h"

#include <iostream>

#include "hub/observability/log.h"

namespace revhub::hub {

RetentionSweeper::RetentionSweeper(Store* store, absl::Duration retention,
                                   absl::Duration interval)
    : store_(store), retention_(retention), interval_(interval) {}

RetentionSweeper::~RetentionSweeper() { Stop(); }

void RetentionSweeper::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RetentionSweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::Run() {
  while (true) {
    SweepOnce();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMicroseconds(interval_),
                 [&] { return stopping_; });
    if (stopping_) return;
  }
}

int64_t RetentionSweeper::SweepOnce() {
  int64_t total = 0;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    int64_t deleted = 0;
    absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      auto n = txn.DeleteIdempotencyBefore(txn.Now() - retention_, kSweepBatch);
      if (!n.ok()) return n.status();
      deleted = *n;
      return absl::OkStatus();
    });
    if (!st.ok()) {
      if (!absl::IsUnavailable(st)) {
        observability::LogWarn(
            "retention", absl::StrCat("idempotency sweep: ", st.message()));
      }
      break;
    }
    total += deleted;
    if (deleted < kSweepBatch) break;
  }
  return total;
}

}  // namespace revhub::hub
