// `revhub sync run|status`: the hub's pulls from vendors (SyncService).
//
//   revhub sync run SYSTEM [--object-type T] [--full]
//   revhub sync status [SYSTEM]
//
// run follows the pull until it caught up: a progress bar per object type
// on a terminal (records, pages, rate, and percent and ETA where the
// vendor gives a total), else one line per page; it exits 1 when a pull
// failed. What they print is built by hub/cli/sync_format.h.
#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/sync_format.h"

namespace revhub::cli {
namespace {

struct SyncFlags {
  std::string system, object_type;
  bool full = false;
};

absl::Status RunPull(const SyncFlags& f, CommandContext& ctx) {
  hubv1::RunSyncRequest request;
  request.set_system(f.system);
  request.set_object_type(f.object_type);
  request.set_full(f.full);
  const bool bar = ctx.out_is_terminal() && !ctx.json();
  std::map<std::string, hubv1::RunSyncResponse> last;
  std::string drawn;  // object type whose bar is on the current line
  absl::Status status =
      ctx.Hub().RunSync(request, [&](const hubv1::RunSyncResponse& p) {
        last[p.object_type()] = p;
        if (ctx.json()) return true;
        if (!bar) {
          ctx.out() << RenderSyncProgressLine(p);
          return true;
        }
        if (!drawn.empty() && drawn != p.object_type()) ctx.out() << "\n";
        drawn = p.object_type();
        ctx.out() << "\r" << RenderSyncProgressBar(p) << "\033[K" << std::flush;
        return true;
      });
  if (bar && !drawn.empty()) ctx.out() << "\n";
  if (ctx.json()) {
    for (const auto& [type, p] : last) ctx.Print(p, "");
  } else if (bar) {
    for (const auto& [type, p] : last) ctx.out() << RenderSyncProgressLine(p);
  }
  return status;
}

absl::Status ShowStatus(const SyncFlags& f, CommandContext& ctx) {
  hubv1::GetSyncStatusRequest request;
  request.set_system(f.system);
  ASSIGN_OR_RETURN(hubv1::GetSyncStatusResponse response,
                   ctx.Hub().GetSyncStatus(request));
  ctx.Print(response, response.statuses().empty()
                          ? "no pulls: no system has sync schedules, and "
                            "none was pulled by hand\n"
                          : RenderSyncStatusTable(response));
  return absl::OkStatus();
}

}  // namespace

void DefineSyncCommands(CLI::App& app, CommandContext& ctx) {
  SyncFlags& f = ctx.NewFlags<SyncFlags>();
  CLI::App* sync = app.add_subcommand(
      "sync", "Pull from vendors: run a pull now, see where pulls stand");
  sync->require_subcommand(1);

  CLI::App* run = sync->add_subcommand(
      "run",
      "Pull a system now (every object type in its sync schedules, or one) "
      "and follow it until it caught up");
  run->add_option("system", f.system, "The registered system")->required();
  run->add_option("--object-type", f.object_type,
                  "Only this vendor object type (one the adapter reads)");
  run->add_flag("--full", f.full,
                "Read from the schedule's backfill start instead of the "
                "stored cursor; records already stored stay single");
  ctx.OnParsed(run, [&f, &ctx] { return RunPull(f, ctx); });

  CLI::App* status = sync->add_subcommand(
      "status",
      "Where each pull stands: cursor, last run, records, errors, lag");
  status->add_option("system", f.system, "Only this system");
  ctx.OnParsed(status, [&f, &ctx] { return ShowStatus(f, ctx); });
}

}  // namespace revhub::cli
