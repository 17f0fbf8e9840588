// TraceService: the lineage graph around a ref (hub/lineage/lineage.h),
// read from the store on the work queue.
#include "hub/api/services.h"
#include "hub/lineage/lineage.h"
#include "revhub/hub/v1/trace_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class TraceServiceImpl final : public hub::v1::TraceService::CallbackService {
 public:
  explicit TraceServiceImpl(HubContext* hub) : hub_(hub) {}

  ServerUnaryReactor* Trace(CallbackServerContext* context,
                            const hub::v1::TraceRequest* req,
                            hub::v1::TraceResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      absl::StatusOr<hub::v1::TraceResponse> graph =
          lineage::Trace(*hub_->store, req->ref(), req->max_nodes());
      if (!graph.ok()) return graph.status();
      *resp = *std::move(graph);
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewTraceService(HubContext* hub) {
  return std::make_unique<TraceServiceImpl>(hub);
}

}  // namespace revhub::hub
