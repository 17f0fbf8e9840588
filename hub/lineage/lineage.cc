#include "hub/lineage/lineage.h"

#include <deque>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "hub/lineage/lineage_internal.h"
#include "hub/lineage/walker.h"

namespace revhub::hub::lineage {

absl::StatusOr<bool> Walker::AddNode(const std::string& id) {
  if (graph_.Has(id)) return true;
  if (graph_.full()) {
    graph_.MarkTruncated();
    return false;
  }
  std::optional<ParsedNodeId> parsed = ParseNodeId(id);
  if (!parsed.has_value()) return false;
  ASSIGN_OR_RETURN(auto node, Describe(*parsed, id));
  if (!node.has_value()) return false;
  return graph_.Add(*std::move(node));
}

absl::Status Walker::Walk(const std::vector<std::string>& roots) {
  // (node, upstream?): each node is expanded once per direction.
  std::deque<std::pair<std::string, bool>> queue;
  std::set<std::pair<std::string, bool>> queued;
  std::set<std::string> attached;
  for (const std::string& root : roots) {
    for (bool up : {true, false}) {
      if (queued.emplace(root, up).second) queue.emplace_back(root, up);
    }
  }
  while (!queue.empty()) {
    const std::string id = queue.front().first;
    const bool up = queue.front().second;
    queue.pop_front();
    std::optional<ParsedNodeId> parsed = ParseNodeId(id);
    if (!parsed.has_value()) continue;
    std::vector<Link> trail;
    if (up) {
      RETURN_IF_ERROR(Upstream(*parsed, id, &trail));
    } else {
      RETURN_IF_ERROR(Downstream(*parsed, id, &trail));
    }
    std::vector<Link> side;
    if (attached.insert(id).second) {
      RETURN_IF_ERROR(Attached(*parsed, id, &side));
    }
    for (const auto* links : {&trail, &side}) {
      for (const Link& link : *links) {
        const std::string& other = link.from == id ? link.to : link.from;
        ASSIGN_OR_RETURN(bool kept, AddNode(other));
        if (!kept) continue;
        graph_.Link(link.from, link.to, link.relation);
        if (links == &trail && queued.emplace(other, up).second)
          queue.emplace_back(other, up);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<hub::v1::TraceResponse> Trace(Store& store,
                                             absl::string_view ref_in,
                                             int max_nodes) {
  const std::string ref(absl::StripAsciiWhitespace(ref_in));
  if (ref.empty()) {
    return absl::InvalidArgumentError(
        "ref: required (a hub id, system/objectType/vendorId, or an ERP "
        "reference)");
  }
  if (max_nodes < 0 || max_nodes > kMaxMaxNodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_nodes: ", max_nodes, " is out of range (0 for ",
                     kDefaultMaxNodes, ", at most ", kMaxMaxNodes, ")"));
  }
  TraceGraph graph(max_nodes == 0 ? kDefaultMaxNodes : max_nodes);
  Walker walker(store, graph);
  std::vector<std::string> roots, tried;
  RETURN_IF_ERROR(ResolveRef(walker, ref, &roots, &tried));
  if (roots.empty()) {
    return absl::NotFoundError(absl::StrCat("ref: \"", ref,
                                            "\" names nothing the hub "
                                            "knows; tried it as ",
                                            absl::StrJoin(tried, "; ")));
  }
  RETURN_IF_ERROR(walker.Walk(roots));
  return graph.ToResponse(roots.front());
}

}  // namespace revhub::hub::lineage
