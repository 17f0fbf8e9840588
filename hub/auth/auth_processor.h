// HubAuthProcessor: authenticates and authorizes every call before any
// handler runs.
//
// Installed on the server's credentials (TLS, or local TCP for
// --insecure-loopback), it reads the call's method (":path") and
//   - lets grpc.health.v1 through without a credential;
//   - authenticates the caller: `authorization: Bearer rhk_...` (tokens.h),
//     else the common name of a client certificate the TLS layer verified;
//     no credential, or a bad, rotated or disabled one: UNAUTHENTICATED,
//     saying which, never echoing the token;
//   - authorizes the method by the method table (method_policy.h): a
//     method the table lacks, or a role the row does not list, is
//     PERMISSION_DENIED naming the principal, role and method;
//   - asks the admission hook (AdmitCall), where a rate limiter plugs in;
//   - tells the denial hook (DeniedCallFn) of every authenticated caller it
//     refuses a method, so the refusal can be audited (the hub appends an
//     audit row for a refused mutating method);
// It records nothing on the AuthContext: gRPC shares one AuthContext among
// all calls of a connection, so a property set for one call would be seen
// by the next call on that connection, whatever its token. Handlers
// resolve their own call's caller again (hub/api's CallerOf) from the
// call's authorization header or the connection's verified certificate,
// through ActiveRegistry().
//
// Thread-safety: Process runs on gRPC's threads, concurrently; the
// processor only reads the registry (thread-safe) and the hook.
#ifndef REVHUB_HUB_AUTH_AUTH_PROCESSOR_H_
#define REVHUB_HUB_AUTH_AUTH_PROCESSOR_H_

#include <grpcpp/security/auth_context.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hub/auth/principal_registry.h"

namespace revhub::hub::auth {

// The registry the running hub authenticates with: set by hub/server
// before it serves, cleared after it stops. Thread-safe.
void SetActiveRegistry(const PrincipalRegistry* registry);
const PrincipalRegistry* ActiveRegistry();

// Returns the caller of a call whose authorization header is
// `authorization` (empty when absent) over a connection whose verified
// client certificate names `certificate_name` (empty when none), or the
// reason it is not authenticated.
absl::StatusOr<Caller> Authenticate(const PrincipalRegistry& registry,
                                    absl::string_view authorization,
                                    absl::string_view certificate_name);

// The admission seam: called for every authenticated, authorized call with
// its caller and method, before the handler. A non-OK status (e.g.
// RESOURCE_EXHAUSTED from a rate limiter) refuses the call with that
// status. Must be thread-safe; may block briefly.
using AdmitCallFn =
    std::function<absl::Status(const Caller& caller, absl::string_view method)>;

// Called with an authenticated caller refused `method` by the method table
// and the PERMISSION_DENIED status it is answered with. Not called for
// unauthenticated calls (nobody to attribute them to) nor for calls the
// admission hook refuses. Must be thread-safe; may block (Process runs on
// gRPC's blocking auth threads).
using DeniedCallFn =
    std::function<void(const Caller& caller, absl::string_view method,
                       const absl::Status& status)>;

class HubAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  // `registry` is not owned and outlives the processor. `admit` may be
  // empty (every call admitted); `denied` may be empty.
  explicit HubAuthProcessor(const PrincipalRegistry* registry,
                            AdmitCallFn admit = nullptr,
                            DeniedCallFn denied = nullptr)
      : registry_(registry),
        admit_(std::move(admit)),
        denied_(std::move(denied)) {}

  // grpc::AuthMetadataProcessor:
  bool IsBlocking() const override { return true; }
  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

  // Returns the caller of a call with `authorization` (the header's value,
  // empty when absent) over a connection whose verified client certificate
  // names `certificate_name` (empty when none), if it may call `method`.
  // The status Process answers otherwise. Exposed for tests.
  absl::StatusOr<Caller> Admit(absl::string_view method,
                               absl::string_view authorization,
                               absl::string_view certificate_name) const;

 private:
  const PrincipalRegistry* registry_;
  AdmitCallFn admit_;
  DeniedCallFn denied_;
};

}  // namespace revhub::hub::auth

#endif  // REVHUB_HUB_AUTH_AUTH_PROCESSOR_H_
