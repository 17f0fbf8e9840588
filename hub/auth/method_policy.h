// MethodPolicy: the one table that says, for every RPC the hub serves, which
// roles may call it and whether it changes state.
//
// Methods are named as gRPC names them on the wire:
// "/revhub.hub.v1.IngestService/Ingest". A method missing from the table is
// refused to everyone (default deny); tests/api/authorization_test.cc
// checks that every method of every revhub.hub.v1 service has a row, and
// walks the whole matrix through a real server. grpc.health.v1 is open to
// anyone, without a credential; server reflection needs any authenticated
// principal.
//
// Thread-safety: the table is immutable; every function is thread-safe.
#ifndef REVHUB_HUB_AUTH_METHOD_POLICY_H_
#define REVHUB_HUB_AUTH_METHOD_POLICY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "revhub/hub/v1/principal_service.pb.h"

namespace revhub::hub::auth {

using hub::v1::Role;

// What a method asks of its caller.
enum class Access {
  kOpen,           // no credential needed (health checks)
  kAuthenticated,  // any enabled principal (reflection)
  kRoles,          // an enabled principal whose role is in `roles`
};

struct MethodRule {
  std::string method;  // "/package.Service/Method"
  Access access = Access::kRoles;
  std::vector<Role> roles;
  // Whether a successful call changes the hub's state (the audit log
  // records these).
  bool mutates = false;
};

// Returns the rule of `method`, or null when the table has none (deny).
const MethodRule* FindMethodRule(absl::string_view method);

// Returns every rule, in table order.
const std::vector<MethodRule>& AllMethodRules();

// Returns whether `role` may call `method` (false for a method with no
// rule). kOpen and kAuthenticated methods allow every role.
bool RoleMayCall(Role role, absl::string_view method);

// Every role a principal can have (ROLE_UNSPECIFIED excluded).
const std::vector<Role>& AllRoles();

// Returns the role's lower-case name ("admin", "finance", ...).
std::string RoleName(Role role);
// Returns the role named `name` (as RoleName spells it), or
// ROLE_UNSPECIFIED.
Role RoleFromName(absl::string_view name);

}  // namespace revhub::hub::auth

#endif  // REVHUB_HUB_AUTH_METHOD_POLICY_H_
