// The hub's own durable consumers (the revenue worker, the orchestrator)
// move their position in the same transaction as the work it stands for.
#ifndef REVHUB_HUB_EVENTS_CONSUMERS_H_
#define REVHUB_HUB_EVENTS_CONSUMERS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"

namespace revhub::hub {

// Moves consumer `name` from `expected` to `position` inside txn, creating
// it at 0 (owned by kHubPrincipal) first. ABORTED when it is not at `expected`
// (someone else moved it).
absl::Status AdvanceConsumer(WriteTxn& txn, absl::string_view name,
                             int64_t expected, int64_t position);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_EVENTS_CONSUMERS_H_
