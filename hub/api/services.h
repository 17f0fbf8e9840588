// The gRPC services of revhub.hub.v1, as implemented by revhubd.
//
// Every handler returns to gRPC at once and does its work on the hub's work
// queue (reads and writes may block on disk); errors leave as the gRPC status
// with the same code as the absl::Status, whose message names the field.
// Unary calls are admitted first (RunUnary): the caller's rate limit, then
// room on the bounded work queue; a refused call ends RESOURCE_EXHAUSTED
// with the trailing metadata `retry-after-ms`.
#ifndef REVHUB_HUB_API_SERVICES_H_
#define REVHUB_HUB_API_SERVICES_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <memory>

#include "hub/api/rpc.h"
#include "hub/common/rate_limiter.h"
#include "hub/common/util.h"
#include "hub/common/work_queue.h"
#include "hub/events/event_bus.h"
#include "hub/store/store.h"

namespace revhub::hub {

// What every service works with. Not owned by the services; outlives them.
class Pipeline;
class AdapterSupervisor;
class Orchestrator;
namespace auth {
class PrincipalRegistry;
}  // namespace auth
class SecretVault;
class ReplayOperations;
class SyncEngine;
class BacklogMonitor;

struct HubContext {
  Store* store;
  WorkQueue* work;
  EventBus* events;
  // The ingest pipeline (hub/ingest/); null when not running.
  Pipeline* pipeline = nullptr;
  AdapterSupervisor* adapters = nullptr;
  // Orchestration (hub/orchestration/); null when not running.
  Orchestrator* orchestrator = nullptr;
  // Principals and tokens (hub/auth/); required by PrincipalService.
  auth::PrincipalRegistry* principals = nullptr;
  // Secret configuration fields (hub/secrets/).
  const SecretVault* secrets = nullptr;
  // Bulk replays as long-running operations (hub/ingest/); null when not
  // running.
  ReplayOperations* replays = nullptr;
  // Pulls from vendors (hub/sync/); null when not running.
  SyncEngine* sync = nullptr;
  // Per-principal admission; null admits every caller.
  RateLimiter* limiter = nullptr;
  // The backlog and systems' health (hub/monitor/); null when not running.
  BacklogMonitor* backlog = nullptr;
  // IngestStream's flow control: messages of one stream read and not yet
  // answered.
  int ingest_stream_max_in_flight = 256;
};

std::unique_ptr<grpc::Service> NewSystemRegistryService(HubContext* hub);
std::unique_ptr<grpc::Service> NewCustomerService(HubContext* hub);
std::unique_ptr<grpc::Service> NewProductService(HubContext* hub);
std::unique_ptr<grpc::Service> NewContractService(HubContext* hub);
std::unique_ptr<grpc::Service> NewInvoiceService(HubContext* hub);
std::unique_ptr<grpc::Service> NewPaymentService(HubContext* hub);
std::unique_ptr<grpc::Service> NewIngestService(HubContext* hub);
std::unique_ptr<grpc::Service> NewEventService(HubContext* hub);
// The ingest pipeline
std::unique_ptr<grpc::Service> NewPipelineService(HubContext* hub);
// Pulls from vendors
std::unique_ptr<grpc::Service> NewSyncService(HubContext* hub);

// The largest payload a unary answer carries (GetRecord, GetException), and
// the largest chunk ReadRecordPayload sends: far below a gRPC client's
// default 4 MiB receive limit.
inline constexpr int64_t kInlinePayloadBytes = 1 << 20;

// Returns the raw record `record_id` (a request field, named in errors):
// INVALID_ARGUMENT when not positive, NOT_FOUND when there is none.
absl::StatusOr<hub::v1::RawRecord> FindRawRecord(Store& store,
                                                 int64_t record_id);

// How long a caller refused for a full work queue is told to wait.
inline constexpr absl::Duration kQueueFullRetryAfter = absl::Milliseconds(200);

// Returns RESOURCE_EXHAUSTED for a full work queue, with kQueueFullRetryAfter.
absl::Status WorkQueueFull(const WorkQueue& work);

// Admits the call, runs fn() on the work queue and finishes the unary call
// with its status. Admission is the caller's rate limit (hub->limiter, the
// one place every unary call is admitted by principal), then room on the
// bounded work queue; a refused call ends RESOURCE_EXHAUSTED with
// `retry-after-ms` at once and fn never runs. A call cancelled, or past its
// deadline, while it waited ends without running fn.
template <typename Fn>
grpc::ServerUnaryReactor* RunUnary(HubContext* hub,
                                   grpc::CallbackServerContext* context,
                                   Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (hub->limiter != nullptr) {
    absl::Status admitted = hub->limiter->Admit(PrincipalOf(context));
    if (!admitted.ok()) {
      FinishUnary(context, reactor, admitted);
      return reactor;
    }
  }
  bool queued =
      hub->work->TryPost([context, reactor, fn = std::move(fn)]() mutable {
        absl::Status alive = CallAlive(context);
        FinishUnary(context, reactor, alive.ok() ? fn() : alive);
      });
  if (!queued) FinishUnary(context, reactor, WorkQueueFull(*hub->work));
  return reactor;
}

// --- Revenue recognition (RevenueService)
}  // namespace revhub::hub
namespace revhub::revenue {
struct RevenueSettings;
}  // namespace revhub::revenue
namespace revhub::hub {
// `settings` (account mapping, period convention) outlives the service.
std::unique_ptr<grpc::Service> NewRevenueService(
    HubContext* hub, const revenue::RevenueSettings* settings);

// --- Orchestration: ContractLifecycleService, WorkflowService,
// ExceptionService (hub/api/contract_lifecycle_service.cc, workflow_service.cc,
// exception_service.cc).
std::unique_ptr<grpc::Service> NewContractLifecycleService(HubContext* hub);
std::unique_ptr<grpc::Service> NewWorkflowService(HubContext* hub);
std::unique_ptr<grpc::Service> NewExceptionService(HubContext* hub);

// --- Authentication and roles: PrincipalService (principal_service.cc).
std::unique_ptr<grpc::Service> NewPrincipalService(HubContext* hub);
// --- Audit: AuditService (hub/api/audit_service.cc); the rows come from the
// audit interceptor (hub/api/audit_interceptor.h).
std::unique_ptr<grpc::Service> NewAuditService(HubContext* hub);
// --- Reconciliation: ReconciliationService (reconciliation_service.cc).
std::unique_ptr<grpc::Service> NewReconciliationService(HubContext* hub);

// --- Lineage: TraceService (hub/api/trace_service.cc over hub/lineage/).
std::unique_ptr<grpc::Service> NewTraceService(HubContext* hub);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_SERVICES_H_
