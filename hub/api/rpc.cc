#include "hub/api/rpc.h"


#include "absl/strings/str_cat.h"
#include "hub/api/services.h"
#include "hub/auth/auth_processor.h"
#include "hub/auth/method_policy.h"
#include "hub/common/rate_limiter.h"
#include "hub/common/work_queue.h"
#include <chrono>

namespace revhub::hub {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

auth::Caller CallerOf(const grpc::ServerContextBase* context) {
  auth::Caller caller;
  caller.principal = "anonymous";
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  if (auth == nullptr) return caller;
  auto text = [](const grpc::string_ref& v) {
    return std::string(v.data(), v.size());
  };
  // The processor sets one principal and one role per call.
  for (const auto& v : auth->FindPropertyValues(auth::kPrincipalProperty)) {
    caller.principal = text(v);
    break;
  }
  for (const auto& v : auth->FindPropertyValues(auth::kRoleProperty)) {
    caller.role = auth::RoleFromName(text(v));
    break;
  }
  for (const auto& v : auth->FindPropertyValues(auth::kSystemProperty)) {
    caller.systems.push_back(text(v));
  }
  return caller;
}

std::string PrincipalOf(const grpc::ServerContextBase* context) {
  return CallerOf(context).principal;
}

std::string RoleOf(const grpc::ServerContextBase* context) {
  const auth::Caller caller = CallerOf(context);
  if (caller.role == hub::v1::ROLE_UNSPECIFIED) return "";
  return auth::RoleName(caller.role);
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
