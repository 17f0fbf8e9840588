// `revhub workflows list|show`: the hub's durable workflows
// (WorkflowService).
//
//   revhub workflows list [--contract ID] [--state S] [--kind K] [--limit N]
//   revhub workflows show WF_ID [--payloads]
//
// What they print is built by hub/cli/workflow_format.h.
#include <CLI/CLI.hpp>
#include <string>

#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"
#include "hub/cli/workflow_format.h"

namespace revhub::cli {
namespace {

struct WorkflowsFlags {
  // list
  std::string contract, state, kind;
  CLI::Option* state_option = nullptr;
  CLI::Option* kind_option = nullptr;
  int limit = 100;
  // show
  std::string id;
  bool payloads = false;
};

absl::StatusOr<hubv1::ListWorkflowsRequest> BuildListWorkflows(
    const WorkflowsFlags& f) {
  hubv1::ListWorkflowsRequest request;
  request.set_contract_id(f.contract);
  RETURN_IF_ERROR(SetEnumFromFlag(
      f.state_option, hubv1::WorkflowState_descriptor(), f.state, "--state",
      [&](int v) { request.set_state(static_cast<hubv1::WorkflowState>(v)); }));
  RETURN_IF_ERROR(SetEnumFromFlag(
      f.kind_option, hubv1::WorkflowKind_descriptor(), f.kind, "--kind",
      [&](int v) { request.set_kind(static_cast<hubv1::WorkflowKind>(v)); }));
  request.set_omit_payloads(true);
  return request;
}

absl::Status ListWorkflows(const WorkflowsFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(hubv1::ListWorkflowsRequest request, BuildListWorkflows(f));
  const Paging paging = Paging::UpTo(f.limit);
  ASSIGN_OR_RETURN(hubv1::ListWorkflowsResponse all,
                   FetchPages(
                       request, paging,
                       [&ctx](const hubv1::ListWorkflowsRequest& r) {
                         return ctx.Hub().ListWorkflows(r);
                       },
                       &hubv1::ListWorkflowsResponse::mutable_workflows));
  PrintList(ctx, all, all.workflows_size(), "workflows",
            RenderWorkflowTable(all), paging);
  return absl::OkStatus();
}

absl::Status ShowWorkflow(const WorkflowsFlags& f, CommandContext& ctx) {
  hubv1::GetWorkflowRequest request;
  request.set_workflow_id(f.id);
  ASSIGN_OR_RETURN(hubv1::GetWorkflowResponse response,
                   ctx.Hub().GetWorkflow(request));
  ctx.Print(response, RenderWorkflow(response.workflow(), f.payloads));
  return absl::OkStatus();
}

}  // namespace

void DefineWorkflowsCommands(CLI::App& app, CommandContext& ctx) {
  WorkflowsFlags& f = ctx.NewFlags<WorkflowsFlags>();
  CLI::App* workflows = app.add_subcommand(
      "workflows",
      "The hub's durable workflows: what each did to the downstream "
      "systems, what it waits for, why it stopped");
  workflows->require_subcommand(1);

  CLI::App* list =
      workflows->add_subcommand("list", "List workflows, newest first");
  list->add_option("--contract", f.contract, "Only this contract's");
  f.state_option = list->add_option(
      "--state", f.state,
      "Only in this state (" +
          HyphenatedChoices(hubv1::WorkflowState_descriptor()) + ")");
  f.kind_option = list->add_option(
      "--kind", f.kind,
      "Only of this kind (" +
          HyphenatedChoices(hubv1::WorkflowKind_descriptor()) + ")");
  list->add_option("--limit", f.limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 100000));
  ctx.OnParsed(list, [&f, &ctx] { return ListWorkflows(f, ctx); });

  CLI::App* show =
      workflows->add_subcommand("show", "Show one workflow with every step");
  show->add_option("WF_ID", f.id, "Workflow id (wf_…)")->required();
  show->add_flag("--payloads", f.payloads,
                 "Also print what each step delivers, as planned (JSON)");
  ctx.OnParsed(show, [&f, &ctx] { return ShowWorkflow(f, ctx); });
}

}  // namespace revhub::cli
