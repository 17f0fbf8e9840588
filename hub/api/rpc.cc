#include "hub/api/rpc.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "hub/api/services.h"
#include "hub/auth/auth_processor.h"
#include "hub/auth/method_policy.h"
#include "hub/common/rate_limiter.h"
#include "hub/common/work_queue.h"

namespace revhub::hub {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

auth::Caller CallerOf(const grpc::ServerContextBase* context) {
  auth::Caller anonymous;
  anonymous.principal = "anonymous";
  const auth::PrincipalRegistry* registry = auth::ActiveRegistry();
  if (registry == nullptr) return anonymous;
  std::string authorization;
  const auto& md = context->client_metadata();
  if (auto it = md.find("authorization"); it != md.end()) {
    authorization.assign(it->second.data(), it->second.size());
  }
  std::string certificate_name;
  if (std::shared_ptr<const grpc::AuthContext> auth = context->auth_context()) {
    for (const auto& cn : auth->FindPropertyValues("x509_common_name")) {
      certificate_name.assign(cn.data(), cn.size());
    }
  }
  // The processor admitted this very call with these credentials.
  absl::StatusOr<auth::Caller> caller =
      auth::Authenticate(*registry, authorization, certificate_name);
  return caller.ok() ? *std::move(caller) : anonymous;
}

std::string PrincipalOf(const grpc::ServerContextBase* context) {
  return CallerOf(context).principal;
}

observability::TraceContext TraceOf(const grpc::ServerContextBase* context) {
  const auto& metadata = context->client_metadata();
  auto value = [&](const char* key) -> std::string {
    auto it = metadata.find(key);
    if (it == metadata.end()) return "";
    return std::string(it->second.data(), it->second.size());
  };
  return observability::ContinueOrStart(value("traceparent"),
                                        value("tracestate"));
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
