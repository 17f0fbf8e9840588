// TraceGraph: the nodes and edges of one lineage answer, bounded.
//
// Nodes are keyed by their id (node_ids.h); adding a node twice keeps the
// first. At most `max_nodes` nodes are kept: a node beyond that is refused
// and the graph marked truncated. An edge is kept only between two kept
// nodes, once per (from, to, relation). Not thread-safe.
#ifndef REVHUB_HUB_LINEAGE_TRACE_GRAPH_H_
#define REVHUB_HUB_LINEAGE_TRACE_GRAPH_H_

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "revhub/hub/v1/trace_service.pb.h"

namespace revhub::hub::lineage {

class TraceGraph {
 public:
  // REQUIRES: max_nodes > 0.
  explicit TraceGraph(int max_nodes) : max_nodes_(max_nodes) {}

  // Returns true when a node with this id is kept.
  bool Has(const std::string& id) const { return nodes_.count(id) > 0; }
  // Keeps `node` and returns true, or returns true when its id is kept
  // already; returns false (and marks the graph truncated) when full.
  bool Add(hub::v1::TraceNode node);
  // Keeps the edge when both ends are kept; returns whether it is kept.
  bool Link(const std::string& from, const std::string& to,
            const std::string& relation);
  // Marks the graph truncated: a node was left out for want of room.
  void MarkTruncated() { truncated_ = true; }
  bool truncated() const { return truncated_; }
  bool full() const { return static_cast<int>(nodes_.size()) >= max_nodes_; }

  // Returns the answer: nodes grouped by kind in flow order (raw payloads
  // first, exceptions last), by time then id within a kind; edges in the
  // order they were linked.
  hub::v1::TraceResponse ToResponse(const std::string& root) const;

 private:
  int max_nodes_;
  bool truncated_ = false;
  std::map<std::string, hub::v1::TraceNode> nodes_;
  std::set<std::tuple<std::string, std::string, std::string>> edge_set_;
  std::vector<hub::v1::TraceEdge> edges_;
};

}  // namespace revhub::hub::lineage

#endif  // REVHUB_HUB_LINEAGE_TRACE_GRAPH_H_
