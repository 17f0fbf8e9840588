// Private to hub/lineage: reading a ref (resolve.cc).
#ifndef REVHUB_HUB_LINEAGE_LINEAGE_INTERNAL_H_
#define REVHUB_HUB_LINEAGE_LINEAGE_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hub/lineage/walker.h"

namespace revhub::hub::lineage {

// Adds to `roots` (and the walker's graph) the node of every reading of
// `ref` that names something stored, and to `tried` a phrase per reading
// attempted.
absl::Status ResolveRef(Walker& walker, const std::string& ref,
                        std::vector<std::string>* roots,
                        std::vector<std::string>* tried);

}  // namespace revhub::hub::lineage

#endif  // REVHUB_HUB_LINEAGE_LINEAGE_INTERNAL_H_
