// SyncService: pulls from vendors on demand, with progress, and where
// every pull stands (hub/sync/sync_engine.h does the pulling).
#include <deque>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/rpc.h"
#include "hub/api/services.h"
#include "hub/sync/sync_engine.h"
#include "revhub/hub/v1/sync_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using hub::v1::RunSyncResponse;

// Streams a pull's progress: the engine's caller thread pushes snapshots,
// the reactor writes one at a time, keeping only the newest snapshot per
// object type while a write is in flight, and finishes once the pull is
// over and everything pending is written.
class RunSyncReactor : public grpc::ServerWriteReactor<RunSyncResponse> {
 public:
  RunSyncReactor(HubContext* hub, const hub::v1::RunSyncRequest& req)
      : state_(std::make_shared<State>()) {
    state_->reactor = this;
    if (hub->sync == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "pulls are not running in this hub"));
      return;
    }
    if (req.system().empty()) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "system: is required"));
      return;
    }
    auto state = state_;
    hub->sync->RunAsync(
        req.system(), req.object_type(), req.full(),
        [state](const RunSyncResponse& p) { Push(state, p); },
        [state] {
          std::lock_guard<std::mutex> lock(state->mu);
          return state->cancelled;
        },
        [state](absl::Status st) { Done(state, st); });
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->writing = false;
      if (!ok) state_->cancelled = true;
    }
    Step(state_);
  }
  void OnCancel() override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->cancelled = true;
    }
    Step(state_);
  }
  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->reactor = nullptr;
    }
    delete this;
  }

 private:
  struct State {
    std::mutex mu;
    RunSyncReactor* reactor = nullptr;
    std::deque<RunSyncResponse> pending;
    RunSyncResponse in_flight;
    bool writing = false;
    bool cancelled = false;
    bool over = false;  // the pull is over; `status` is its outcome
    bool finished = false;
    absl::Status status;
  };

  static void Push(const std::shared_ptr<State>& s, const RunSyncResponse& p) {
    {
      std::lock_guard<std::mutex> lock(s->mu);
      for (auto& q : s->pending) {
        if (q.object_type() == p.object_type()) {
          q = p;
          goto queued;
        }
      }
      s->pending.push_back(p);
    queued:;
    }
    Step(s);
  }

  static void Done(const std::shared_ptr<State>& s, absl::Status st) {
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->over = true;
      s->status = std::move(st);
    }
    Step(s);
  }

  // Starts the next write, or finishes; never with a write in flight.
  static void Step(const std::shared_ptr<State>& s) {
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->reactor == nullptr || s->finished || s->writing) return;
    if (s->cancelled) {
      s->finished = true;
      s->reactor->Finish(
          grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away"));
      return;
    }
    if (!s->pending.empty()) {
      s->in_flight = std::move(s->pending.front());
      s->pending.pop_front();
      s->writing = true;
      s->reactor->StartWrite(&s->in_flight);
      return;
    }
    if (s->over) {
      s->finished = true;
      s->reactor->Finish(ToGrpcStatus(s->status));
    }
  }

  std::shared_ptr<State> state_;
};

class SyncServiceImpl final : public hub::v1::SyncService::CallbackService {
 public:
  explicit SyncServiceImpl(HubContext* hub) : hub_(hub) {}

  grpc::ServerWriteReactor<RunSyncResponse>* RunSync(
      CallbackServerContext*, const hub::v1::RunSyncRequest* req) override {
    return new RunSyncReactor(hub_, *req);
  }

  grpc::ServerUnaryReactor* GetSyncStatus(
      CallbackServerContext* context, const hub::v1::GetSyncStatusRequest* req,
      hub::v1::GetSyncStatusResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      if (hub_->sync == nullptr) {
        return absl::UnavailableError("pulls are not running in this hub");
      }
      ASSIGN_OR_RETURN(auto statuses, hub_->sync->Status(req->system()));
      for (auto& s : statuses) *resp->add_statuses() = std::move(s);
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewSyncService(HubContext* hub) {
  return std::make_unique<SyncServiceImpl>(hub);
}

}  // namespace revhub::hub
