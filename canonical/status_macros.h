// Error-propagation macros for absl::Status / absl::StatusOr.
//
// Debian's abseil (20220623) ships neither RETURN_IF_ERROR nor
// ASSIGN_OR_RETURN; these are the project's one definition of each.
#ifndef REVHUB_CANONICAL_STATUS_MACROS_H_
#define REVHUB_CANONICAL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define REVHUB_CONCAT_INNER_(a, b) a##b
#define REVHUB_CONCAT_(a, b) REVHUB_CONCAT_INNER_(a, b)

// RETURN_IF_ERROR(expr): evaluates expr (an absl::Status) and returns it from
// the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status revhub_status_ = (expr);          \
    if (!revhub_status_.ok()) return revhub_status_; \
  } while (false)

// ASSIGN_OR_RETURN(lhs, expr): evaluates expr (an absl::StatusOr<T>); on error
// returns its status, otherwise moves the value into lhs (which may be a
// declaration: `ASSIGN_OR_RETURN(auto x, F());`).
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(REVHUB_CONCAT_(revhub_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // REVHUB_CANONICAL_STATUS_MACROS_H_
