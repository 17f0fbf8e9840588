// Lineage: the graph around any id the hub knows, to answer "where did
// this number come from, and where was it posted?" (docs/lineage.md).
//
// Trace reads the store only. From the nodes a ref names it walks upstream
// (ERP posting <- step <- journal entry <- schedule version <- event <-
// entity version <- record <- raw payload) and downstream (the reverse),
// adding the exceptions raised on the way. It never walks sideways: from a
// journal entry it reaches the contract it came from, not the contract's
// other entries. Thread-safe (the store's readers are).
#ifndef REVHUB_HUB_LINEAGE_LINEAGE_H_
#define REVHUB_HUB_LINEAGE_LINEAGE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/trace_service.pb.h"

namespace revhub::hub::lineage {

inline constexpr int kDefaultMaxNodes = 200;
inline constexpr int kMaxMaxNodes = 2000;

// Returns the lineage graph around `ref` (the readings are listed in
// trace_service.proto TraceRequest.ref), with at most `max_nodes` nodes
// (0: kDefaultMaxNodes). INVALID_ARGUMENT naming `ref` when it is empty or
// `max_nodes` when it is negative or above kMaxMaxNodes; NOT_FOUND naming
// the ref and every reading tried when none names anything stored.
absl::StatusOr<hub::v1::TraceResponse> Trace(Store& store,
                                             absl::string_view ref,
                                             int max_nodes);

}  // namespace revhub::hub::lineage

#endif  // REVHUB_HUB_LINEAGE_LINEAGE_H_
