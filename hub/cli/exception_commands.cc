// `revhub exceptions …`: failures waiting for a person (ExceptionService).
//
//   revhub exceptions list [--system S] [--category C] [--kind K]
//                          [--owner O] [--contract C] [--workflow W]
//                          [--min-age 2h] [--sla S] [--all]
//   revhub exceptions show ID
//   revhub exceptions assign ID OWNER [--note TEXT]
//   revhub exceptions retry ID [--note TEXT]
//   revhub exceptions replay ID [--note TEXT]
//   revhub exceptions resolve ID --reason TEXT
//   revhub exceptions summary … (exception_summary_commands.cc)
//
// Amounts print exactly (FormatMoney), ages as "3h12m"; what is printed is
// built by hub/cli/exception_format.h. A missing --reason or OWNER is a
// usage error.
#include <CLI/CLI.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/exception_format.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"

namespace revhub::cli {
namespace {

struct ExceptionsFlags {
  // list
  std::string system, category, kind, owner, contract, workflow, min_age, sla;
  CLI::Option* category_option = nullptr;
  CLI::Option* kind_option = nullptr;
  CLI::Option* min_age_option = nullptr;
  CLI::Option* sla_option = nullptr;
  bool all = false;
  // show, assign, retry, replay, resolve
  int64_t id = 0;
  std::string assignee, note, reason;
};

absl::StatusOr<hubv1::ListExceptionsRequest> BuildListExceptions(
    const ExceptionsFlags& f) {
  hubv1::ListExceptionsRequest request;
  request.set_system(f.system);
  RETURN_IF_ERROR(SetExceptionCategoryAndKind(f.category_option, f.category,
                                              f.kind_option, f.kind, request));
  request.set_owner(f.owner);
  request.set_contract_id(f.contract);
  request.set_workflow_id(f.workflow);
  if (f.min_age_option->count() > 0) {
    absl::StatusOr<google::protobuf::Duration> age =
        ParseAge(f.min_age, "--min-age");
    if (!age.ok()) return UsageError(age.status());
    *request.mutable_min_age() = *age;
  }
  RETURN_IF_ERROR(SetEnumFromFlag(
      f.sla_option, hubv1::SlaState_descriptor(), f.sla, "--sla",
      [&](int v) { request.set_sla_state(static_cast<hubv1::SlaState>(v)); }));
  if (!f.all && (request.sla_state() == hubv1::SLA_STATE_MET ||
                 request.sla_state() == hubv1::SLA_STATE_MISSED)) {
    return UsageError(absl::StrCat(
        "--sla: '", f.sla, "' applies to resolved exceptions only: add --all"));
  }
  request.set_include_resolved(f.all);
  return request;
}

absl::Status ListExceptions(const ExceptionsFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(hubv1::ListExceptionsRequest request,
                   BuildListExceptions(f));
  // Every page: the footer's totals are of everything that matched.
  const Paging paging = Paging::Everything();
  ASSIGN_OR_RETURN(hubv1::ListExceptionsResponse all,
                   FetchPages(
                       request, paging,
                       [&ctx](const hubv1::ListExceptionsRequest& r) {
                         return ctx.Hub().ListExceptions(r);
                       },
                       &hubv1::ListExceptionsResponse::mutable_exceptions));
  PrintList(ctx, all, all.exceptions_size(), "exceptions",
            RenderExceptionTable(all), paging);
  return absl::OkStatus();
}

absl::Status ShowException(const ExceptionsFlags& f, CommandContext& ctx) {
  hubv1::GetExceptionRequest request;
  request.set_exception_id(f.id);
  ASSIGN_OR_RETURN(hubv1::GetExceptionResponse response,
                   ctx.Hub().GetException(request));
  ctx.Print(response, RenderExceptionDetail(response));
  return absl::OkStatus();
}

std::string StateName(const hubv1::Exception& e) {
  return HyphenatedName(hubv1::ExceptionState_descriptor(), e.state());
}

absl::Status AssignException(const ExceptionsFlags& f, CommandContext& ctx) {
  if (absl::StripAsciiWhitespace(f.assignee).empty()) {
    return UsageError("OWNER: must name who works the exception");
  }
  hubv1::AssignExceptionRequest request;
  request.set_exception_id(f.id);
  request.set_owner(f.assignee);
  request.set_note(f.note);
  ASSIGN_OR_RETURN(hubv1::AssignExceptionResponse response,
                   ctx.Hub().AssignException(request));
  const hubv1::Exception& e = response.exception();
  ctx.Print(response,
            absl::StrCat("exception ", e.exception_id(), " assigned to ",
                         OrDash(e.owner()), " (", StateName(e), ")\n"));
  return absl::OkStatus();
}

// What to run next after a retry or replay was asked for.
std::string FollowUp(const hubv1::Exception& e) {
  if (!e.workflow_id().empty()) {
    return absl::StrCat("follow it: revhub workflows show ", e.workflow_id(),
                        "\n");
  }
  if (e.record_id() != 0) {
    return absl::StrCat("follow it: revhub records show ", e.record_id(), "\n");
  }
  return "";
}

// Prints the answer to a retry or replay: what was asked for, the
// exception's state, and where to follow it.
template <typename Response>
void PrintRerun(const Response& response, absl::string_view asked,
                CommandContext& ctx) {
  const hubv1::Exception& e = response.exception();
  ctx.Print(response, absl::StrCat("exception ", e.exception_id(), ": ", asked,
                                   " (", StateName(e), ")\n", FollowUp(e)));
}

absl::Status RetryException(const ExceptionsFlags& f, CommandContext& ctx) {
  hubv1::RetryExceptionRequest request;
  request.set_exception_id(f.id);
  request.set_note(f.note);
  ASSIGN_OR_RETURN(hubv1::RetryExceptionResponse response,
                   ctx.Hub().RetryException(request));
  PrintRerun(response, "retry asked for, as planned", ctx);
  return absl::OkStatus();
}

absl::Status ReplayException(const ExceptionsFlags& f, CommandContext& ctx) {
  hubv1::ReplayExceptionRequest request;
  request.set_exception_id(f.id);
  request.set_note(f.note);
  ASSIGN_OR_RETURN(hubv1::ReplayExceptionResponse response,
                   ctx.Hub().ReplayException(request));
  PrintRerun(response, "replay asked for, rebuilt from the hub's current data",
             ctx);
  return absl::OkStatus();
}

absl::Status ResolveException(const ExceptionsFlags& f, CommandContext& ctx) {
  if (absl::StripAsciiWhitespace(f.reason).empty()) {
    return UsageError(
        "--reason: must say why the exception needs nothing more");
  }
  hubv1::ResolveExceptionRequest request;
  request.set_exception_id(f.id);
  request.set_reason(f.reason);
  ASSIGN_OR_RETURN(hubv1::ResolveExceptionResponse response,
                   ctx.Hub().ResolveException(request));
  const hubv1::Exception& e = response.exception();
  ctx.Print(response,
            absl::StrCat("exception ", e.exception_id(), " ", StateName(e),
                         ": ", OrDash(e.resolution()), "\n"));
  return absl::OkStatus();
}

void DefineList(CLI::App* exceptions, ExceptionsFlags& f, CommandContext& ctx) {
  CLI::App* list = exceptions->add_subcommand(
      "list",
      "List open exceptions, oldest first, with the total at stake per "
      "currency");
  list->add_option("--system", f.system, "Only this system's");
  f.category_option = list->add_option(
      "--category", f.category,
      "Only this category (" +
          HyphenatedChoices(hubv1::ExceptionCategory_descriptor()) + ")");
  f.kind_option = list->add_option(
      "--kind", f.kind,
      "Only this kind (" +
          HyphenatedChoices(hubv1::ExceptionKind_descriptor()) + ")");
  list->add_option("--owner", f.owner, "Only this owner's");
  list->add_option("--contract", f.contract, "Only this contract's");
  list->add_option("--workflow", f.workflow, "Only this workflow's");
  f.min_age_option =
      list->add_option("--min-age", f.min_age,
                       "Only those at least this old: 90m, 2h, 1d12h, …");
  f.sla_option = list->add_option(
      "--sla", f.sla,
      "Only in this SLA state: within, at-risk, breached (met, missed with "
      "--all)");
  list->add_flag("--all", f.all, "Resolved exceptions too");
  ctx.OnParsed(list, [&f, &ctx] { return ListExceptions(f, ctx); });
}

}  // namespace

void DefineExceptionsCommands(CLI::App& app, CommandContext& ctx) {
  ExceptionsFlags& f = ctx.NewFlags<ExceptionsFlags>();
  CLI::App* exceptions = app.add_subcommand(
      "exceptions",
      "Failures waiting for a person: owner, money at stake, age, SLA; "
      "retry, replay, resolve");
  exceptions->require_subcommand(1);
  DefineList(exceptions, f, ctx);
  DefineExceptionSummaryCommand(*exceptions, ctx);

  // Adds a command taking the exception ID and, when `note`, --note.
  auto add = [&](const char* name, const std::string& about, bool note) {
    CLI::App* command = exceptions->add_subcommand(name, about);
    command->add_option("ID", f.id, "Exception id")
        ->required()
        ->check(CLI::PositiveNumber);
    if (note) command->add_option("--note", f.note, "For the history");
    return command;
  };

  CLI::App* show = add("show",
                       "Show one exception: every field, its history, the "
                       "vendor's answer, the record or the workflow",
                       /*note=*/false);
  ctx.OnParsed(show, [&f, &ctx] { return ShowException(f, ctx); });

  CLI::App* assign =
      add("assign", "Give an exception to an owner", /*note=*/false);
  assign->add_option("OWNER", f.assignee, "Who works it")->required();
  assign->add_option("--note", f.note, "For the history");
  ctx.OnParsed(assign, [&f, &ctx] { return AssignException(f, ctx); });

  CLI::App* retry = add("retry",
                        "Run the failed work again exactly as planned (same "
                        "payload, same idempotency key): after a fix on the "
                        "vendor's side",
                        /*note=*/true);
  ctx.OnParsed(retry, [&f, &ctx] { return RetryException(f, ctx); });

  CLI::App* replay = add("replay",
                         "Rebuild the failed work from the hub's current data "
                         "and run it: after a fix in the hub, the adapter or "
                         "the source",
                         /*note=*/true);
  ctx.OnParsed(replay, [&f, &ctx] { return ReplayException(f, ctx); });

  CLI::App* resolve = add("resolve",
                          "Close an exception without running anything again; "
                          "its workflow goes on past the step",
                          /*note=*/false);
  resolve
      ->add_option("--reason", f.reason,
                   "Why it needs nothing more (done by hand, not needed)")
      ->required();
  ctx.OnParsed(resolve, [&f, &ctx] { return ResolveException(f, ctx); });
}

}  // namespace revhub::cli
