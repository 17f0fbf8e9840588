// Walker: reads the store to build a lineage graph (private to
// hub/lineage). nodes.cc describes one node; links.cc finds a node's
// neighbours; lineage.cc walks.
#ifndef REVHUB_HUB_LINEAGE_WALKER_H_
#define REVHUB_HUB_LINEAGE_WALKER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/lineage/node_ids.h"
#include "hub/lineage/trace_graph.h"
#include "hub/store/store.h"

namespace revhub::hub::lineage {

// One edge from or to the node being expanded, in flow direction.
struct Link {
  std::string from;
  std::string to;
  std::string relation;
};

// A posting node's key: the vendor's id, or the external id when the vendor
// gave none (links.cc).
std::string PostingKey(const PostingRow& row);
// The postings to `target` ("" for any target) whose key is `key`: by vendor
// id, else by external id.
absl::StatusOr<std::vector<PostingRow>> FindPostingsByKey(
    Store& store, const std::string& target, const std::string& key);

class Walker {
 public:
  Walker(Store& store, TraceGraph& graph) : store_(store), graph_(graph) {}

  // Reads the node `id` and keeps it in the graph. Returns false when there
  // is no such thing or the graph is full.
  absl::StatusOr<bool> AddNode(const std::string& id);
  // Adds every node reachable upstream and downstream of each root, with
  // the exceptions raised on the way, until the graph is full.
  absl::Status Walk(const std::vector<std::string>& roots);

  // nodes.cc: returns the node `id` describes, or nullopt when it names
  // nothing stored.
  absl::StatusOr<std::optional<hub::v1::TraceNode>> Describe(
      const ParsedNodeId& p, const std::string& id);

  // links.cc: the node's neighbours one step upstream (the links end at
  // it) or downstream (the links start at it).
  absl::Status Upstream(const ParsedNodeId& p, const std::string& id,
                        std::vector<Link>* out);
  absl::Status Downstream(const ParsedNodeId& p, const std::string& id,
                          std::vector<Link>* out);
  // links.cc: what hangs off the node without being on the trail: the
  // exceptions it raised, a step's workflow.
  absl::Status Attached(const ParsedNodeId& p, const std::string& id,
                        std::vector<Link>* out);

  Store& store() { return store_; }

 private:
  Store& store_;
  TraceGraph& graph_;
};

}  // namespace revhub::hub::lineage

#endif  // REVHUB_HUB_LINEAGE_WALKER_H_
