// Size limits of canonical entities: how long a string may be, how many
// elements a list (contract or invoice lines, external refs) and a map
// (attributes) may hold, how deep messages may nest.
//
// CheckSizeLimits walks any message by reflection, so every entity and
// every request carrying one is held to the same limits; the Validate*
// functions of canonical/validation.h call it first. A breach is
// INVALID_ARGUMENT naming the field path and the limit:
// "contract.lines: has 10001 elements, more than the limit of 10000".
//
// Pure functions; thread-safe.
#ifndef REVHUB_CANONICAL_SIZE_LIMITS_H_
#define REVHUB_CANONICAL_SIZE_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace revhub {

struct SizeLimits {
  // Bytes of any string or bytes field (a name, a description, an id).
  int64_t max_string_bytes = 64 * 1024;
  // Elements of any repeated field (lines, external refs, allocations).
  int max_repeated = 10000;
  // Entries of any map field (attributes).
  int max_map_entries = 256;
  // Messages nested in messages.
  int max_depth = 32;
};

// Returns OK when `message` and every message inside it keep `limits`;
// otherwise INVALID_ARGUMENT for the first breach, its path starting with
// `root` ("customer"), attached as in canonical/field_path.h.
absl::Status CheckSizeLimits(const google::protobuf::Message& message,
                             absl::string_view root,
                             const SizeLimits& limits = SizeLimits());

}  // namespace revhub

#endif  // REVHUB_CANONICAL_SIZE_LIMITS_H_
