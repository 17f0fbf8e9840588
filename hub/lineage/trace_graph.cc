#include "hub/lineage/trace_graph.h"

#include <algorithm>

#include "google/protobuf/util/time_util.h"

namespace revhub::hub::lineage {

using google::protobuf::util::TimeUtil;

bool TraceGraph::Add(hub::v1::TraceNode node) {
  if (nodes_.count(node.id()) > 0) return true;
  if (full()) {
    truncated_ = true;
    return false;
  }
  std::string id = node.id();
  nodes_.emplace(std::move(id), std::move(node));
  return true;
}

bool TraceGraph::Link(const std::string& from, const std::string& to,
                      const std::string& relation) {
  if (!Has(from) || !Has(to) || from == to) return false;
  if (!edge_set_.emplace(from, to, relation).second) return true;
  hub::v1::TraceEdge& e = edges_.emplace_back();
  e.set_from_id(from);
  e.set_to_id(to);
  e.set_relation(relation);
  return true;
}

hub::v1::TraceResponse TraceGraph::ToResponse(const std::string& root) const {
  std::vector<const hub::v1::TraceNode*> order;
  order.reserve(nodes_.size());
  for (const auto& entry : nodes_) order.push_back(&entry.second);
  // The kinds are numbered in flow order.
  std::stable_sort(
      order.begin(), order.end(),
      [](const hub::v1::TraceNode* a, const hub::v1::TraceNode* b) {
        if (a->kind() != b->kind()) return a->kind() < b->kind();
        const int64_t ta = TimeUtil::TimestampToMicroseconds(a->at());
        const int64_t tb = TimeUtil::TimestampToMicroseconds(b->at());
        if (ta != tb) return ta < tb;
        return a->id() < b->id();
      });
  hub::v1::TraceResponse out;
  out.set_root(root);
  for (const auto* n : order) *out.add_nodes() = *n;
  for (const auto& e : edges_) *out.add_edges() = e;
  out.set_truncated(truncated_);
  return out;
}

}  // namespace revhub::hub::lineage
