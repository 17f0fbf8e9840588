#include "hub/cli/trace_format.h"

#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

using revhub::hub::v1::TraceNode;
using revhub::hub::v1::TraceNodeKind;

const char* KindHeading(TraceNodeKind kind) {
  switch (kind) {
    case revhub::hub::v1::TRACE_NODE_KIND_RAW_PAYLOAD:
      return "raw payloads";
    case revhub::hub::v1::TRACE_NODE_KIND_RECORD:
      return "records";
    case revhub::hub::v1::TRACE_NODE_KIND_ENTITY_VERSION:
      return "entity versions";
    case revhub::hub::v1::TRACE_NODE_KIND_EVENT:
      return "events";
    case revhub::hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION:
      return "revenue schedule versions";
    case revhub::hub::v1::TRACE_NODE_KIND_JOURNAL_ENTRY:
      return "journal entries";
    case revhub::hub::v1::TRACE_NODE_KIND_WORKFLOW:
      return "workflows";
    case revhub::hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP:
      return "workflow steps";
    case revhub::hub::v1::TRACE_NODE_KIND_ERP_POSTING:
      return "ERP postings";
    case revhub::hub::v1::TRACE_NODE_KIND_EXCEPTION:
      return "exceptions";
    default:
      return "other";
  }
}

// The vendor ids a node carries: "vendor_id" and "vendor_id.<system>".
std::string VendorIds(const TraceNode& node) {
  std::vector<std::string> ids;
  std::map<std::string, std::string> sorted(node.attributes().begin(),
                                            node.attributes().end());
  for (const auto& [key, value] : sorted) {
    if (value.empty()) continue;
    if (key == "vendor_id") {
      auto type = sorted.find("vendor_object_type");
      ids.push_back(type == sorted.end() || type->second.empty()
                        ? value
                        : absl::StrCat(type->second, "/", value));
    } else if (absl::StartsWith(key, "vendor_id.")) {
      ids.push_back(absl::StrCat(key.substr(10), ":", value));
    }
  }
  return ids.empty() ? "-" : absl::StrJoin(ids, ", ");
}

}  // namespace

std::string RenderTrace(const revhub::hub::v1::TraceResponse& trace) {
  std::string out =
      absl::StrCat("trace of ", trace.root(), ": ", trace.nodes_size(),
                   " nodes, ", trace.edges_size(), " links",
                   trace.truncated() ? " (cut at --max-nodes)" : "", "\n");
  // Nodes arrive grouped by kind in flow order.
  int i = 0;
  while (i < trace.nodes_size()) {
    const TraceNodeKind kind = trace.nodes(i).kind();
    Table table({"node", "what", "system", "at", "amount", "vendor ids"});
    table.AlignRight(4);
    for (; i < trace.nodes_size() && trace.nodes(i).kind() == kind; ++i) {
      const TraceNode& n = trace.nodes(i);
      table.AddRow(
          {n.id() == trace.root() ? absl::StrCat("* ", n.id()) : n.id(),
           n.label(), n.system().empty() ? "-" : n.system(),
           FormatTimestamp(n.at()), FormatMoneyOrDash(n.amount()),
           VendorIds(n)});
    }
    absl::StrAppend(&out, "\n", KindHeading(kind), "\n", table.Render());
  }
  if (trace.edges_size() > 0) {
    absl::StrAppend(&out, "\nlinks\n");
    for (const auto& e : trace.edges()) {
      absl::StrAppend(&out, "  ", e.from_id(), " --", e.relation(), "--> ",
                      e.to_id(), "\n");
    }
  }
  return out;
}

}  // namespace revhub::cli
