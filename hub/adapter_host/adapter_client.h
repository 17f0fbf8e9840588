// AdapterClient: the one interface through which the hub calls an adapter.
//
// The hub never talks to an adapter any other way. AdapterHost::Start
// returns one for an adapter process the hub runs itself (adapter_host.h);
// AdapterSupervisor::For hands out one per registered system, either such a
// hosted process (adapter.launch) or a gRPC channel to an adapter running
// elsewhere (adapter.endpoint), see adapter_supervisor.h.
//
// Every call has a deadline; UNAVAILABLE and DEADLINE_EXCEEDED are
// transient, other errors are returned as the adapter gave them. Translate
// and TranslateBatch are pure functions of their request, Read and
// VerifyWebhook have no effect on the vendor; Apply is
// idempotent per request.idempotency_key, so a retried call never
// duplicates work.
//
// Implementations are thread-safe: calls may come from any number of
// threads.
#ifndef REVHUB_HUB_ADAPTER_HOST_ADAPTER_CLIENT_H_
#define REVHUB_HUB_ADAPTER_HOST_ADAPTER_CLIENT_H_

#include "absl/status/statusor.h"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "revhub/hub/v1/pipeline_service.pb.h"

namespace revhub::hub {

class AdapterClient {
 public:
  virtual ~AdapterClient() = default;

  // Returns what the adapter translates and delivers, and its configuration.
  virtual absl::StatusOr<adapter::v1::DescribeResponse> Describe() = 0;
  // Checks a configuration (and its credentials) against the vendor.
  virtual absl::StatusOr<adapter::v1::CheckResponse> Check(
      const adapter::v1::CheckRequest& request) = 0;
  // Translates one vendor record to canonical entities and events.
  virtual absl::StatusOr<adapter::v1::TranslateResponse> Translate(
      const adapter::v1::TranslateRequest& request) = 0;
  // Translates several records in one call.
  virtual absl::StatusOr<adapter::v1::TranslateBatchResponse> TranslateBatch(
      const adapter::v1::TranslateBatchRequest& request) = 0;
  // Delivers one change; idempotent per request.idempotency_key.
  virtual absl::StatusOr<adapter::v1::ApplyResponse> Apply(
      const adapter::v1::ApplyRequest& request) = 0;
  // Reads one page from the vendor (a pure function of the request and the
  // vendor's data).
  virtual absl::StatusOr<adapter::v1::ReadResponse> Read(
      const adapter::v1::ReadRequest& request) = 0;
  // Verifies one webhook delivery.
  virtual absl::StatusOr<adapter::v1::VerifyWebhookResponse> VerifyWebhook(
      const adapter::v1::VerifyWebhookRequest& request) = 0;
  // The process behind the client: pid, restarts and address of a hosted
  // adapter; only the address (pid 0) for one reached at an endpoint.
  virtual hub::v1::AdapterProcess Process() const = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ADAPTER_HOST_ADAPTER_CLIENT_H_
