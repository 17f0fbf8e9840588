// What `revhub trace` prints: the lineage graph (TraceService.Trace) as a
// list grouped by node kind in flow order, then the links between them.
// Pure: no I/O.
#ifndef REVHUB_HUB_CLI_TRACE_FORMAT_H_
#define REVHUB_HUB_CLI_TRACE_FORMAT_H_

#include <string>

#include "revhub/hub/v1/trace_service.pb.h"

namespace revhub::cli {

// Returns the graph as text: a header naming the root and the counts, one
// table per node kind (node, what it is, system, time, amount, vendor
// ids), and the links "from --relation--> to" in flow order.
std::string RenderTrace(const revhub::hub::v1::TraceResponse& trace);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_TRACE_FORMAT_H_
