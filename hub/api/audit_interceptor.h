// The audit interceptor: one audit row (hub/store/audit_log.h) for every
// call of a mutating method, whatever its outcome, appended centrally so no
// handler can forget it.
//
// For each call the server's factory asks `mutates(method)` (the full gRPC
// method name, "/revhub.hub.v1.SystemRegistryService/RegisterSystem"); calls
// of other methods get no interceptor. For a mutating call it keeps, when
// the request arrives (POST_RECV_MESSAGE), the request's identifying fields
// (AuditTargetsOf) and the SHA-256 of its deterministic serialization. A
// client-streaming call (IngestStream) has one row for the whole stream:
// the distinct identifying fields of its messages and of their message
// fields ("record.system"; idempotency keys left out; at most 16), a target
// "messages" with their number, and as request_sha256 the digest chained
// over every message in order (h = hex SHA-256(h || message), from h =
// ""): for one message, its own digest. When
// the handler finishes (PRE_SEND_STATUS), it appends the row with the
// caller (PrincipalOf, RoleOf), the method and the status about to be sent,
// and only then lets the status go: a mutating call is answered after its
// audit row is durable. When the row cannot be written, the call is
// answered INTERNAL saying so (the change itself may have been made).
//
// Requirements: every service is a protobuf service (the received message
// is a google::protobuf::Message). The store outlives the server.
// Thread-safety: the factory is called by gRPC from any thread; each
// interceptor belongs to one call. Appending blocks the thread finishing the
// call (a work-queue thread, see RunUnary) until the row is durable.
#ifndef REVHUB_HUB_API_AUDIT_INTERCEPTOR_H_
#define REVHUB_HUB_API_AUDIT_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "google/protobuf/message.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/audit_service.pb.h"

namespace revhub::hub {

// Says whether a full gRPC method name changes anything.
using MutatingMethodPredicate = std::function<bool(std::string_view method)>;

// Returns the factory to register with grpc::ServerBuilder
// (experimental().SetInterceptorCreators). The caller owns it; `store` is
// not owned.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewAuditInterceptorFactory(Store* store, MutatingMethodPredicate mutates);

// Appends the audit row of a mutating call refused before any handler ran
// (the method table's PERMISSION_DENIED): the caller's principal and role,
// the method, the status's code and message. No targets and no request
// digest: the request was never read. Returns the store's error, if any.
absl::Status AppendRefusedCallAudit(Store* store, const std::string& principal,
                                    const std::string& role,
                                    std::string_view method,
                                    const absl::Status& status);

// Returns the identifying fields of a request, in declaration order, empty
// values left out:
// - top-level fields named name, system, source_system, contract_id,
//   record_id, exception_id, workflow_id, consumer, period, period_start,
//   period_end or idempotency_key;
// - in each top-level message field F: F.id; F.name when F's message has
//   no id (a System); and each of F.external_refs as
//   "system/object_type/vendor_id".
std::vector<hub::v1::AuditTarget> AuditTargetsOf(
    const google::protobuf::Message& request);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_API_AUDIT_INTERCEPTOR_H_
