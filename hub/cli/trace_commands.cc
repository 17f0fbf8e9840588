// `revhub trace REF`: where a number came from and where it was posted
// (TraceService.Trace).
//
//   revhub trace REF [--max-nodes N] [--json]
//
// REF is any hub id, system/objectType/vendorId, or an ERP reference
// (docs/lineage.md). What it prints is built by hub/cli/trace_format.h.
#include <CLI/CLI.hpp>
#include <string>

#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/trace_format.h"

namespace revhub::cli {
namespace {

struct TraceFlags {
  std::string ref;
  int max_nodes = 0;
};

absl::Status RunTrace(const TraceFlags& f, CommandContext& ctx) {
  hubv1::TraceRequest request;
  request.set_ref(f.ref);
  request.set_max_nodes(f.max_nodes);
  ASSIGN_OR_RETURN(hubv1::TraceResponse response, ctx.Hub().Trace(request));
  ctx.Print(response, RenderTrace(response));
  return absl::OkStatus();
}

}  // namespace

void DefineTraceCommands(CLI::App& app, CommandContext& ctx) {
  TraceFlags& f = ctx.NewFlags<TraceFlags>();
  CLI::App* trace = app.add_subcommand(
      "trace",
      "Where a number came from and where it was posted: the lineage graph "
      "around any hub id, system/objectType/vendorId, or ERP reference");
  trace
      ->add_option("REF", f.ref,
                   "A hub id (record, entity, event, schedule, journal entry, "
                   "workflow, exception), system/objectType/vendorId, or an "
                   "ERP id")
      ->required();
  trace
      ->add_option("--max-nodes", f.max_nodes,
                   "At most this many nodes (default 200, at most 2000)")
      ->check(CLI::Range(1, 2000));
  ctx.OnParsed(trace, [&f, &ctx] { return RunTrace(f, ctx); });
}

}  // namespace revhub::cli
