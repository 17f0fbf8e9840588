#include "hub/cli/orchestration_commands.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "canonical/status_macros.h"
#include "hub/cli/format.h"
#include "hub/cli/orchestration_format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;
// The largest page the hub serves.
constexpr int kMaxPageSize = 500;

std::string OrDash(absl::string_view text) {
  return text.empty() ? "-" : std::string(text);
}

// Parses proto3 JSON strictly (unknown fields are errors).
absl::Status ParseStrict(const std::string& json,
                         google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(status.message().ToString());
}

// The flags and the actions of the orchestration commands, kept alive by
// the callbacks that refer to them.
struct OrchestrationCommands {
  OrchestrationCommandHooks hooks;

  // workflows list / show
  struct {
    std::string contract, state, kind;
    CLI::Option* state_option = nullptr;
    CLI::Option* kind_option = nullptr;
    int limit = 100;
    std::string id;
    bool payloads = false;
  } wf;

  // exceptions list
  struct {
    std::string system, category, kind, owner, contract, workflow, min_age, sla;
    CLI::Option* category_option = nullptr;
    CLI::Option* kind_option = nullptr;
    CLI::Option* min_age_option = nullptr;
    CLI::Option* sla_option = nullptr;
    bool all = false;
  } ex_list;

  // exceptions show / assign / retry / replay / resolve
  struct {
    int64_t id = 0;
    std::string owner, note, reason;
  } ex;

  // contracts book / amend / renew / cancel
  struct {
    std::string file, contract_id, idempotency_key, at, reason, credit;
    int64_t expected_version = 0;
    CLI::Option* amend_expected_version = nullptr;
    CLI::Option* cancel_expected_version = nullptr;
    CLI::Option* credit_option = nullptr;
  } lc;

  std::ostream& out() { return *hooks.out; }

  absl::Status Usage(absl::Status status) {
    return hooks.usage_error(std::move(status));
  }
  absl::Status Usage(absl::string_view message) {
    return Usage(absl::InvalidArgumentError(message));
  }

  void Print(const google::protobuf::Message& message,
             const std::string& human) {
    if (hooks.json()) {
      out() << ToJson(message, /*pretty=*/true);
    } else {
      out() << human;
    }
  }

  // Sets an enum field from a flag's short name, when the flag was given.
  template <typename Setter>
  absl::Status SetEnum(const CLI::Option* option,
                       const google::protobuf::EnumDescriptor* type,
                       const std::string& text, const char* flag, Setter set) {
    if (option == nullptr || option->count() == 0) return absl::OkStatus();
    absl::StatusOr<int> value = ParseEnumShortName(type, text, flag);
    if (!value.ok()) return Usage(value.status());
    set(*value);
    return absl::OkStatus();
  }

  // ---- workflows --------------------------------------------------------

  absl::StatusOr<hubv1::ListWorkflowsRequest> BuildListWorkflows() {
    hubv1::ListWorkflowsRequest request;
    request.set_contract_id(wf.contract);
    RETURN_IF_ERROR(SetEnum(wf.state_option, hubv1::WorkflowState_descriptor(),
                            wf.state, "--state", [&](int v) {
                              request.set_state(
                                  static_cast<hubv1::WorkflowState>(v));
                            }));
    RETURN_IF_ERROR(SetEnum(
        wf.kind_option, hubv1::WorkflowKind_descriptor(), wf.kind, "--kind",
        [&](int v) { request.set_kind(static_cast<hubv1::WorkflowKind>(v)); }));
    request.set_omit_payloads(true);
    return request;
  }

  absl::Status ListWorkflows() {
    ASSIGN_OR_RETURN(hubv1::ListWorkflowsRequest request, BuildListWorkflows());
    hubv1::ListWorkflowsResponse all;
    while (true) {
      request.set_page_size(
          std::min(kMaxPageSize, wf.limit - all.workflows_size()));
      ASSIGN_OR_RETURN(hubv1::ListWorkflowsResponse page,
                       hooks.hub().ListWorkflows(request));
      for (hubv1::Workflow& w : *page.mutable_workflows()) {
        if (all.workflows_size() == wf.limit) break;
        *all.add_workflows() = std::move(w);
      }
      all.set_next_page_token(page.next_page_token());
      if (page.next_page_token().empty() || all.workflows_size() >= wf.limit) {
        break;
      }
      if (page.next_page_token() == request.page_token()) {
        return absl::InternalError(
            "the hub returned the same page token twice; stopping");
      }
      request.set_page_token(page.next_page_token());
    }
    if (hooks.json()) {
      out() << ToJson(all, /*pretty=*/true);
      return absl::OkStatus();
    }
    if (all.workflows_size() == 0) {
      out() << "no workflows\n";
      return absl::OkStatus();
    }
    out() << RenderWorkflowTable(all);
    if (!all.next_page_token().empty()) {
      out() << "\nshowing the newest " << all.workflows_size()
            << "; there are more (--limit N shows up to N)\n";
    }
    return absl::OkStatus();
  }

  absl::Status ShowWorkflow() {
    hubv1::GetWorkflowRequest request;
    request.set_workflow_id(wf.id);
    ASSIGN_OR_RETURN(hubv1::GetWorkflowResponse response,
                     hooks.hub().GetWorkflow(request));
    Print(response, RenderWorkflow(response.workflow(), wf.payloads));
    return absl::OkStatus();
  }

  // ---- exceptions -------------------------------------------------------

  absl::StatusOr<hubv1::ListExceptionsRequest> BuildListExceptions() {
    hubv1::ListExceptionsRequest request;
    request.set_system(ex_list.system);
    RETURN_IF_ERROR(SetEnum(
        ex_list.category_option, hubv1::ExceptionCategory_descriptor(),
        ex_list.category, "--category", [&](int v) {
          request.set_category(static_cast<hubv1::ExceptionCategory>(v));
        }));
    RETURN_IF_ERROR(
        SetEnum(ex_list.kind_option, hubv1::ExceptionKind_descriptor(),
                ex_list.kind, "--kind", [&](int v) {
                  request.set_kind(static_cast<hubv1::ExceptionKind>(v));
                }));
    request.set_owner(ex_list.owner);
    request.set_contract_id(ex_list.contract);
    request.set_workflow_id(ex_list.workflow);
    if (ex_list.min_age_option->count() > 0) {
      absl::StatusOr<google::protobuf::Duration> age =
          ParseAge(ex_list.min_age, "--min-age");
      if (!age.ok()) return Usage(age.status());
      *request.mutable_min_age() = *age;
    }
    RETURN_IF_ERROR(SetEnum(ex_list.sla_option, hubv1::SlaState_descriptor(),
                            ex_list.sla, "--sla", [&](int v) {
                              request.set_sla_state(
                                  static_cast<hubv1::SlaState>(v));
                            }));
    if (!ex_list.all && (request.sla_state() == hubv1::SLA_STATE_MET ||
                         request.sla_state() == hubv1::SLA_STATE_MISSED)) {
      return Usage(
          absl::StrCat("--sla: '", ex_list.sla,
                       "' applies to resolved exceptions only: add --all"));
    }
    request.set_include_resolved(ex_list.all);
    return request;
  }

  absl::Status ListExceptions() {
    ASSIGN_OR_RETURN(hubv1::ListExceptionsRequest request,
                     BuildListExceptions());
    request.set_page_size(kMaxPageSize);
    // Every page: the footer's totals are of everything that matched.
    hubv1::ListExceptionsResponse all;
    while (true) {
      ASSIGN_OR_RETURN(hubv1::ListExceptionsResponse page,
                       hooks.hub().ListExceptions(request));
      all.mutable_exceptions()->MergeFrom(page.exceptions());
      if (page.next_page_token().empty()) break;
      if (page.next_page_token() == request.page_token()) {
        return absl::InternalError(
            "the hub returned the same page token twice; stopping");
      }
      request.set_page_token(page.next_page_token());
    }
    Print(all, RenderExceptionTable(all));
    return absl::OkStatus();
  }

  absl::Status ShowException() {
    hubv1::GetExceptionRequest request;
    request.set_exception_id(ex.id);
    ASSIGN_OR_RETURN(hubv1::GetExceptionResponse response,
                     hooks.hub().GetException(request));
    Print(response, RenderExceptionDetail(response));
    return absl::OkStatus();
  }

  absl::Status AssignException() {
    if (absl::StripAsciiWhitespace(ex.owner).empty()) {
      return Usage("OWNER: must name who works the exception");
    }
    hubv1::AssignExceptionRequest request;
    request.set_exception_id(ex.id);
    request.set_owner(ex.owner);
    request.set_note(ex.note);
    ASSIGN_OR_RETURN(hubv1::AssignExceptionResponse response,
                     hooks.hub().AssignException(request));
    const hubv1::Exception& e = response.exception();
    Print(
        response,
        absl::StrCat(
            "exception ", e.exception_id(), " assigned to ", OrDash(e.owner()),
            " (", HyphenatedName(hubv1::ExceptionState_descriptor(), e.state()),
            ")\n"));
    return absl::OkStatus();
  }

  // What to run next after a retry or replay was asked for.
  static std::string FollowUp(const hubv1::Exception& e) {
    if (!e.workflow_id().empty()) {
      return absl::StrCat("follow it: revhub workflows show ", e.workflow_id(),
                          "\n");
    }
    if (e.record_id() != 0) {
      return absl::StrCat("follow it: revhub records show ", e.record_id(),
                          "\n");
    }
    return "";
  }

  // Prints the answer to a retry or replay: what was asked for, the
  // exception's state, and where to follow it.
  template <typename Response>
  void PrintRerun(const Response& response, absl::string_view asked) {
    const hubv1::Exception& e = response.exception();
    Print(response,
          absl::StrCat(
              "exception ", e.exception_id(), ": ", asked, " (",
              HyphenatedName(hubv1::ExceptionState_descriptor(), e.state()),
              ")\n", FollowUp(e)));
  }

  absl::Status RetryException() {
    hubv1::RetryExceptionRequest request;
    request.set_exception_id(ex.id);
    request.set_note(ex.note);
    ASSIGN_OR_RETURN(hubv1::RetryExceptionResponse response,
                     hooks.hub().RetryException(request));
    PrintRerun(response, "retry asked for, as planned");
    return absl::OkStatus();
  }

  absl::Status ReplayException() {
    hubv1::ReplayExceptionRequest request;
    request.set_exception_id(ex.id);
    request.set_note(ex.note);
    ASSIGN_OR_RETURN(hubv1::ReplayExceptionResponse response,
                     hooks.hub().ReplayException(request));
    PrintRerun(response,
               "replay asked for, rebuilt from the hub's current data");
    return absl::OkStatus();
  }

  absl::Status ResolveException() {
    if (absl::StripAsciiWhitespace(ex.reason).empty()) {
      return Usage("--reason: must say why the exception needs nothing more");
    }
    hubv1::ResolveExceptionRequest request;
    request.set_exception_id(ex.id);
    request.set_reason(ex.reason);
    ASSIGN_OR_RETURN(hubv1::ResolveExceptionResponse response,
                     hooks.hub().ResolveException(request));
    const hubv1::Exception& e = response.exception();
    Print(response,
          absl::StrCat(
              "exception ", e.exception_id(), " ",
              HyphenatedName(hubv1::ExceptionState_descriptor(), e.state()),
              ": ", OrDash(e.resolution()), "\n"));
    return absl::OkStatus();
  }

  // ---- contracts --------------------------------------------------------

  absl::StatusOr<canon::Contract> ReadContract() {
    ASSIGN_OR_RETURN(std::string json, hooks.read_input(lc.file));
    canon::Contract contract;
    absl::Status parsed = ParseStrict(json, contract);
    if (!parsed.ok()) {
      return Usage(absl::StrCat(
          lc.file, ": not a valid revhub.canonical.v1.Contract in JSON: ",
          parsed.message()));
    }
    return contract;
  }

  static std::string Started(absl::string_view kind,
                             absl::string_view workflow_id,
                             const canon::Contract& contract) {
    std::string out = absl::StrCat(
        "workflow ", OrDash(workflow_id), " (", kind, ") started for contract ",
        OrDash(contract.id()), " version ", contract.version());
    if (!contract.renewal_of_contract_id().empty()) {
      absl::StrAppend(&out, ", renewing ", contract.renewal_of_contract_id());
    }
    absl::StrAppend(&out, "\nfollow it: revhub workflows show ",
                    OrDash(workflow_id), "\n");
    return out;
  }

  absl::Status Book() {
    hubv1::BookContractRequest request;
    ASSIGN_OR_RETURN(*request.mutable_contract(), ReadContract());
    request.set_idempotency_key(lc.idempotency_key);
    ASSIGN_OR_RETURN(hubv1::BookContractResponse response,
                     hooks.hub().BookContract(request));
    Print(response,
          Started("booking", response.workflow_id(), response.contract()));
    return absl::OkStatus();
  }

  absl::Status Amend() {
    hubv1::AmendContractRequest request;
    ASSIGN_OR_RETURN(*request.mutable_contract(), ReadContract());
    if (request.contract().id().empty()) {
      return Usage(absl::StrCat(
          lc.file, ": contract.id: required: the contract to amend"));
    }
    if (lc.amend_expected_version->count() > 0) {
      request.set_expected_version(lc.expected_version);
    }
    request.set_idempotency_key(lc.idempotency_key);
    ASSIGN_OR_RETURN(hubv1::AmendContractResponse response,
                     hooks.hub().AmendContract(request));
    Print(response,
          Started("amendment", response.workflow_id(), response.contract()));
    return absl::OkStatus();
  }

  absl::Status Renew() {
    hubv1::RenewContractRequest request;
    request.set_contract_id(lc.contract_id);
    ASSIGN_OR_RETURN(*request.mutable_renewal(), ReadContract());
    const std::string& renews = request.renewal().renewal_of_contract_id();
    if (!renews.empty() && renews != lc.contract_id) {
      return Usage(absl::StrCat(lc.file, ": contract.renewal_of_contract_id: '",
                                renews, "' is not CONTRACT_ID '",
                                lc.contract_id, "'"));
    }
    request.set_idempotency_key(lc.idempotency_key);
    ASSIGN_OR_RETURN(hubv1::RenewContractResponse response,
                     hooks.hub().RenewContract(request));
    Print(response,
          Started("renewal", response.workflow_id(), response.contract()));
    return absl::OkStatus();
  }

  absl::StatusOr<hubv1::CancellationCredit> ParseCredit() {
    if (lc.credit_option->count() == 0) {
      return hubv1::CANCELLATION_CREDIT_UNSPECIFIED;
    }
    if (absl::AsciiStrToLower(lc.credit) == "unused") {
      return hubv1::CANCELLATION_CREDIT_UNUSED_PORTION;
    }
    absl::StatusOr<int> value = ParseEnumShortName(
        hubv1::CancellationCredit_descriptor(), lc.credit, "--credit");
    if (!value.ok()) {
      return Usage(absl::StrCat("--credit: '", lc.credit,
                                "' is not one of none, unused"));
    }
    return static_cast<hubv1::CancellationCredit>(*value);
  }

  absl::Status Cancel() {
    hubv1::CancelContractRequest request;
    request.set_contract_id(lc.contract_id);
    absl::StatusOr<google::protobuf::Timestamp> at =
        ParseTimestamp(lc.at, "--at");
    if (!at.ok()) return Usage(at.status());
    *request.mutable_cancelled_at() = *at;
    if (absl::StripAsciiWhitespace(lc.reason).empty()) {
      return Usage("--reason: must say why the contract is cancelled");
    }
    request.set_reason(lc.reason);
    ASSIGN_OR_RETURN(hubv1::CancellationCredit credit, ParseCredit());
    request.set_credit(credit);
    if (lc.cancel_expected_version->count() > 0) {
      request.set_expected_version(lc.expected_version);
    }
    request.set_idempotency_key(lc.idempotency_key);
    ASSIGN_OR_RETURN(hubv1::CancelContractResponse response,
                     hooks.hub().CancelContract(request));
    Print(response,
          Started("cancellation", response.workflow_id(), response.contract()));
    return absl::OkStatus();
  }
};

using Action = absl::Status (OrchestrationCommands::*)();

void OnParsed(CLI::App* command,
              const std::shared_ptr<OrchestrationCommands>& commands,
              Action action) {
  command->callback([commands, action] {
    commands->hooks.set_action(
        [commands, action] { return ((*commands).*action)(); });
  });
}

void DefineWorkflows(CLI::App& app,
                     const std::shared_ptr<OrchestrationCommands>& commands) {
  OrchestrationCommands* c = commands.get();
  CLI::App* workflows = app.add_subcommand(
      "workflows",
      "The hub's durable workflows: what each did to the downstream "
      "systems, what it waits for, why it stopped");
  workflows->require_subcommand(1);

  CLI::App* list =
      workflows->add_subcommand("list", "List workflows, newest first");
  list->add_option("--contract", c->wf.contract, "Only this contract's");
  c->wf.state_option = list->add_option(
      "--state", c->wf.state,
      "Only in this state (" +
          HyphenatedChoices(hubv1::WorkflowState_descriptor()) + ")");
  c->wf.kind_option = list->add_option(
      "--kind", c->wf.kind,
      "Only of this kind (" +
          HyphenatedChoices(hubv1::WorkflowKind_descriptor()) + ")");
  list->add_option("--limit", c->wf.limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 100000));
  OnParsed(list, commands, &OrchestrationCommands::ListWorkflows);

  CLI::App* show =
      workflows->add_subcommand("show", "Show one workflow with every step");
  show->add_option("WF_ID", c->wf.id, "Workflow id (wf_…)")->required();
  show->add_flag("--payloads", c->wf.payloads,
                 "Also print what each step delivers, as planned (JSON)");
  OnParsed(show, commands, &OrchestrationCommands::ShowWorkflow);
}

void DefineExceptions(CLI::App& app,
                      const std::shared_ptr<OrchestrationCommands>& commands) {
  OrchestrationCommands* c = commands.get();
  CLI::App* exceptions = app.add_subcommand(
      "exceptions",
      "Failures waiting for a person: owner, money at stake, age, SLA; "
      "retry, replay, resolve");
  exceptions->require_subcommand(1);

  CLI::App* list = exceptions->add_subcommand(
      "list",
      "List open exceptions, oldest first, with the total at stake per "
      "currency");
  list->add_option("--system", c->ex_list.system, "Only this system's");
  c->ex_list.category_option = list->add_option(
      "--category", c->ex_list.category,
      "Only this category (" +
          HyphenatedChoices(hubv1::ExceptionCategory_descriptor()) + ")");
  c->ex_list.kind_option = list->add_option(
      "--kind", c->ex_list.kind,
      "Only this kind (" +
          HyphenatedChoices(hubv1::ExceptionKind_descriptor()) + ")");
  list->add_option("--owner", c->ex_list.owner, "Only this owner's");
  list->add_option("--contract", c->ex_list.contract, "Only this contract's");
  list->add_option("--workflow", c->ex_list.workflow, "Only this workflow's");
  c->ex_list.min_age_option =
      list->add_option("--min-age", c->ex_list.min_age,
                       "Only those at least this old: 90m, 2h, 1d12h, …");
  c->ex_list.sla_option = list->add_option(
      "--sla", c->ex_list.sla,
      "Only in this SLA state: within, at-risk, breached (met, missed with "
      "--all)");
  list->add_flag("--all", c->ex_list.all, "Resolved exceptions too");
  OnParsed(list, commands, &OrchestrationCommands::ListExceptions);

  auto add_id = [c](CLI::App* command) {
    command->add_option("ID", c->ex.id, "Exception id")
        ->required()
        ->check(CLI::PositiveNumber);
  };

  CLI::App* show = exceptions->add_subcommand(
      "show",
      "Show one exception: every field, its history, the vendor's answer, "
      "the record or the workflow");
  add_id(show);
  OnParsed(show, commands, &OrchestrationCommands::ShowException);

  CLI::App* assign =
      exceptions->add_subcommand("assign", "Give an exception to an owner");
  add_id(assign);
  assign->add_option("OWNER", c->ex.owner, "Who works it")->required();
  assign->add_option("--note", c->ex.note, "For the history");
  OnParsed(assign, commands, &OrchestrationCommands::AssignException);

  CLI::App* retry = exceptions->add_subcommand(
      "retry",
      "Run the failed work again exactly as planned (same payload, same "
      "idempotency key): after a fix on the vendor's side");
  add_id(retry);
  retry->add_option("--note", c->ex.note, "For the history");
  OnParsed(retry, commands, &OrchestrationCommands::RetryException);

  CLI::App* replay = exceptions->add_subcommand(
      "replay",
      "Rebuild the failed work from the hub's current data and run it: "
      "after a fix in the hub, the adapter or the source");
  add_id(replay);
  replay->add_option("--note", c->ex.note, "For the history");
  OnParsed(replay, commands, &OrchestrationCommands::ReplayException);

  CLI::App* resolve = exceptions->add_subcommand(
      "resolve",
      "Close an exception without running anything again; its workflow "
      "goes on past the step");
  add_id(resolve);
  resolve
      ->add_option("--reason", c->ex.reason,
                   "Why it needs nothing more (done by hand, not needed)")
      ->required();
  OnParsed(resolve, commands, &OrchestrationCommands::ResolveException);
}

void DefineLifecycle(CLI::App& app,
                     const std::shared_ptr<OrchestrationCommands>& commands) {
  OrchestrationCommands* c = commands.get();
  CLI::App* contracts = app.get_subcommand("contracts");
  const std::string file_help =
      "A revhub.canonical.v1.Contract in proto3 JSON, or - for stdin";
  const std::string key_help =
      "Same key and request: the first answer again, nothing started twice";

  CLI::App* book = contracts->add_subcommand(
      "book",
      "Book a contract (ACTIVE) and start its booking workflow; prints the "
      "workflow id");
  book->add_option("FILE", c->lc.file, file_help)->required();
  book->add_option("--idempotency-key", c->lc.idempotency_key, key_help);
  OnParsed(book, commands, &OrchestrationCommands::Book);

  CLI::App* amend = contracts->add_subcommand(
      "amend",
      "Store the next version of an ACTIVE contract (whole, with its id) and "
      "start its amendment workflow");
  amend->add_option("FILE", c->lc.file, file_help)->required();
  c->lc.amend_expected_version =
      amend
          ->add_option("--expected-version", c->lc.expected_version,
                       "Refused unless the current version is this one")
          ->check(CLI::PositiveNumber);
  amend->add_option("--idempotency-key", c->lc.idempotency_key, key_help);
  OnParsed(amend, commands, &OrchestrationCommands::Amend);

  CLI::App* renew = contracts->add_subcommand(
      "renew",
      "Book the renewal term of a contract as a new contract and start its "
      "renewal workflow");
  renew->add_option("CONTRACT_ID", c->lc.contract_id, "The contract renewed")
      ->required();
  renew
      ->add_option("FILE", c->lc.file,
                   "The new term as a revhub.canonical.v1.Contract in proto3 "
                   "JSON (customer and currency default to the renewed "
                   "contract's), or - for stdin")
      ->required();
  renew->add_option("--idempotency-key", c->lc.idempotency_key, key_help);
  OnParsed(renew, commands, &OrchestrationCommands::Renew);

  CLI::App* cancel = contracts->add_subcommand(
      "cancel",
      "Cancel an ACTIVE contract and start the workflow that compensates "
      "what was posted");
  cancel->add_option("CONTRACT_ID", c->lc.contract_id, "The contract")
      ->required();
  cancel
      ->add_option("--at", c->lc.at,
                   "When the cancellation takes effect (RFC 3339)")
      ->required();
  cancel->add_option("--reason", c->lc.reason, "Why, for the record")
      ->required();
  c->lc.credit_option = cancel->add_option(
      "--credit", c->lc.credit,
      "none (default): what was billed stays billed; unused: a credit note "
      "for the billed service after --at");
  c->lc.cancel_expected_version =
      cancel
          ->add_option("--expected-version", c->lc.expected_version,
                       "Refused unless the current version is this one")
          ->check(CLI::PositiveNumber);
  cancel->add_option("--idempotency-key", c->lc.idempotency_key, key_help);
  OnParsed(cancel, commands, &OrchestrationCommands::Cancel);
}

}  // namespace

void DefineOrchestrationCommands(CLI::App& app,
                                 OrchestrationCommandHooks hooks) {
  auto commands = std::make_shared<OrchestrationCommands>();
  commands->hooks = std::move(hooks);
  DefineWorkflows(app, commands);
  DefineExceptions(app, commands);
  DefineLifecycle(app, commands);
}

}  // namespace revhub::cli
