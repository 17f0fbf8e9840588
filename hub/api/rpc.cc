#include "hub/api/rpc.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "hub/api/services.h"
#include "hub/common/rate_limiter.h"
#include "hub/common/work_queue.h"

namespace revhub::hub {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

std::string PrincipalOf(const grpc::CallbackServerContext* context) {
  const auto& md = context->client_metadata();
  auto it = md.find("x-revhub-principal");
  if (it == md.end() || it->second.empty()) return "anonymous";
  return std::string(it->second.data(), it->second.size());
}

absl::Status CallAlive(const grpc::CallbackServerContext* context) {
  if (context->IsCancelled()) {
    return absl::CancelledError("the call was cancelled");
  }
  if (context->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("the call's deadline has passed");
  }
  return absl::OkStatus();
}

void FinishUnary(grpc::CallbackServerContext* context,
                 grpc::ServerUnaryReactor* reactor,
                 const absl::Status& status) {
  if (std::optional<absl::Duration> wait = RetryAfterOf(status)) {
    context->AddTrailingMetadata(
        "retry-after-ms", absl::StrCat(absl::ToInt64Milliseconds(*wait)));
  }
  reactor->Finish(ToGrpcStatus(status));
}

absl::Status WorkQueueFull(const WorkQueue& work) {
  return ResourceExhaustedRetryAfter(
      absl::StrCat("the hub is at capacity: ", work.max_queued(),
                   " calls are waiting for its ", work.threads(),
                   " workers (--max-queued-calls); retry after ",
                   absl::ToInt64Milliseconds(kQueueFullRetryAfter), " ms"),
      kQueueFullRetryAfter);
}

}  // namespace revhub::hub
