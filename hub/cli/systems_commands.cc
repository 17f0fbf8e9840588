// `revhub systems …`: the registry of external systems (SystemRegistryService)
// and their adapters (PipelineService describe and check).
#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"
#include "hub/cli/systems_format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct SystemsFlags {
  // register
  std::string name, kind, display_name, description, command, endpoint,
      tls_endpoint, pinned_cert, config_file;
  std::vector<std::string> args, env, authoritative_for, match, sync;
  bool replace = false;
  // list
  bool all = false;
  std::string list_kind;
  CLI::Option* list_kind_option = nullptr;
  PageFlags page;
  // show, disable, describe, check
  std::string system;
  std::string disable_reason;
};

// Parses "TYPE[:INTERVAL[:BACKFILL_START]]" ("invoice:5m:2025-01-01T00:00:00Z";
// an interval of 0 or none: on demand).
absl::StatusOr<hubv1::SyncSchedule> ParseSyncSchedule(const std::string& text) {
  std::vector<std::string> parts =
      absl::StrSplit(text, absl::MaxSplits(':', 2));
  hubv1::SyncSchedule s;
  s.set_object_type(parts[0]);
  if (parts[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--sync: '", text, "' must be TYPE[:INTERVAL[:BACKFILL_START]]"));
  }
  if (parts.size() > 1 && !parts[1].empty() && parts[1] != "0") {
    absl::Duration d;
    if (!absl::ParseDuration(parts[1], &d) || d < absl::Seconds(1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sync: '", parts[1],
                       "' is not an interval of at least 1s (30s, 5m, 1h)"));
    }
    s.mutable_interval()->set_seconds(absl::ToInt64Seconds(d));
  }
  if (parts.size() > 2) {
    ASSIGN_OR_RETURN(*s.mutable_backfill_start(),
                     ParseTimestamp(parts[2], "--sync"));
  }
  return s;
}

absl::StatusOr<hubv1::RegisterSystemRequest> BuildRegisterRequest(
    const SystemsFlags& f, CommandContext& ctx) {
  hubv1::RegisterSystemRequest request;
  hubv1::System* system = request.mutable_system();
  system->set_name(f.name);
  absl::StatusOr<int> kind =
      ParseEnumShortName(hubv1::SystemKind_descriptor(), f.kind, "--kind");
  if (!kind.ok()) return UsageError(kind.status());
  system->set_kind(static_cast<hubv1::SystemKind>(*kind));
  system->set_display_name(f.display_name);
  system->set_description(f.description);
  if (!f.command.empty()) {
    hubv1::AdapterLaunch* launch = system->mutable_adapter()->mutable_launch();
    launch->set_command(f.command);
    for (const std::string& arg : f.args) launch->add_args(arg);
    for (const std::string& pair : f.env) {
      std::pair<std::string, std::string> kv =
          absl::StrSplit(pair, absl::MaxSplits('=', 1));
      if (kv.first.empty() || !absl::StrContains(pair, '=')) {
        return UsageError(absl::StrCat("--env: '", pair, "' is not KEY=VALUE"));
      }
      (*launch->mutable_env())[kv.first] = kv.second;
    }
  } else if (!f.endpoint.empty()) {
    system->mutable_adapter()->set_endpoint(f.endpoint);
  } else if (!f.tls_endpoint.empty()) {
    hubv1::TlsEndpoint* tls = system->mutable_adapter()->mutable_tls_endpoint();
    tls->set_address(f.tls_endpoint);
    ASSIGN_OR_RETURN(std::string pem, ctx.ReadInput(f.pinned_cert));
    tls->set_pinned_certificate_pem(pem);
  }
  if (!f.config_file.empty()) {
    ASSIGN_OR_RETURN(std::string json, ctx.ReadInput(f.config_file));
    RETURN_IF_ERROR(
        ctx.ParseJsonInto(json, f.config_file, *system->mutable_config()));
  }
  for (const std::string& name : f.authoritative_for) {
    absl::StatusOr<int> type = ParseEnumShortName(
        canon::EntityType_descriptor(), name, "--authoritative-for");
    if (!type.ok()) return UsageError(type.status());
    system->add_authoritative_for(static_cast<canon::EntityType>(*type));
  }
  for (const std::string& text : f.match) {
    absl::StatusOr<hubv1::MatchingRule> rule = ParseMatchingRule(text);
    if (!rule.ok()) return UsageError(rule.status());
    *system->add_matching_rules() = *std::move(rule);
  }
  for (const std::string& text : f.sync) {
    absl::StatusOr<hubv1::SyncSchedule> schedule = ParseSyncSchedule(text);
    if (!schedule.ok()) return UsageError(schedule.status());
    *system->add_sync() = *std::move(schedule);
  }
  request.set_replace_existing(f.replace);
  return request;
}

absl::Status RegisterSystem(const SystemsFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(hubv1::RegisterSystemRequest request,
                   BuildRegisterRequest(f, ctx));
  ASSIGN_OR_RETURN(hubv1::RegisterSystemResponse response,
                   ctx.Hub().RegisterSystem(request));
  ctx.Print(response,
            absl::StrCat("system ", response.system().name(),
                         response.unchanged() ? " unchanged" : " registered",
                         " (version ", response.system().version(), ")\n\n",
                         RenderSystem(response.system())));
  return absl::OkStatus();
}

absl::Status ListSystems(const SystemsFlags& f, CommandContext& ctx) {
  hubv1::ListSystemsRequest request;
  request.set_include_disabled(f.all);
  RETURN_IF_ERROR(SetEnumFromFlag(
      f.list_kind_option, hubv1::SystemKind_descriptor(), f.list_kind, "--kind",
      [&](int v) { request.set_kind(static_cast<hubv1::SystemKind>(v)); }));
  const Paging paging = Paging::FromFlags(f.page);
  ASSIGN_OR_RETURN(hubv1::ListSystemsResponse all,
                   FetchPages(
                       request, paging,
                       [&ctx](const hubv1::ListSystemsRequest& r) {
                         return ctx.Hub().ListSystems(r);
                       },
                       &hubv1::ListSystemsResponse::mutable_systems));
  PrintList(ctx, all, all.systems_size(), "systems", RenderSystemTable(all),
            paging);
  return absl::OkStatus();
}

absl::Status ShowSystem(const SystemsFlags& f, CommandContext& ctx) {
  hubv1::GetSystemRequest request;
  request.set_name(f.system);
  ASSIGN_OR_RETURN(hubv1::GetSystemResponse response,
                   ctx.Hub().GetSystem(request));
  ctx.Print(response, RenderSystem(response.system()));
  return absl::OkStatus();
}

absl::Status DisableSystem(const SystemsFlags& f, CommandContext& ctx) {
  hubv1::DisableSystemRequest request;
  request.set_name(f.system);
  request.set_reason(f.disable_reason);
  ASSIGN_OR_RETURN(hubv1::DisableSystemResponse response,
                   ctx.Hub().DisableSystem(request));
  ctx.Print(response,
            absl::StrCat("system ", response.system().name(), " disabled\n\n",
                         RenderSystem(response.system())));
  return absl::OkStatus();
}

absl::Status DescribeSystem(const SystemsFlags& f, CommandContext& ctx) {
  hubv1::DescribeSystemAdapterRequest request;
  request.set_system(f.system);
  ASSIGN_OR_RETURN(auto response, ctx.Hub().DescribeSystemAdapter(request));
  ctx.Print(response, RenderAdapterDescription(response));
  return absl::OkStatus();
}

absl::Status CheckSystem(const SystemsFlags& f, CommandContext& ctx) {
  hubv1::CheckSystemAdapterRequest request;
  request.set_system(f.system);
  ASSIGN_OR_RETURN(auto response, ctx.Hub().CheckSystemAdapter(request));
  ctx.Print(response, RenderAdapterCheck(f.system, response));
  if (response.check().outcome() != adapter::v1::CHECK_OUTCOME_OK) {
    const std::string& reason = response.check().reason();
    return absl::FailedPreconditionError(absl::StrCat(
        "system ", f.system,
        ": the adapter's check did not pass: ", reason.empty() ? "-" : reason));
  }
  return absl::OkStatus();
}

void DefineRegister(CLI::App* systems, SystemsFlags& f, CommandContext& ctx) {
  CLI::App* reg = systems->add_subcommand(
      "register",
      "Register a system: its kind, how to reach its adapter, its "
      "configuration and what it is authoritative for");
  reg->add_option("--name", f.name,
                  "System name: lower case letters, digits and '-'")
      ->required();
  reg->add_option("--kind", f.kind, "crm, billing, erp, revrec or other")
      ->required();
  reg->add_option("--display-name", f.display_name, "Name shown to people");
  reg->add_option("--description", f.description, "What it is");
  CLI::Option* command =
      reg->add_option("--command", f.command,
                      "Adapter name the hub resolves in its --adapter-dir or "
                      "--adapter-allowlist, then starts and supervises");
  reg->add_option("--arg", f.args,
                  "An argument of --command (repeat for several; "
                  "--arg=-v for one that starts with '-')")
      ->needs(command)
      ->allow_extra_args(false);
  reg->add_option("--env", f.env,
                  "KEY=VALUE in the adapter's environment (repeatable)")
      ->needs(command)
      ->allow_extra_args(false);
  CLI::Option* endpoint =
      reg->add_option("--endpoint", f.endpoint,
                      "unix:/PATH or loopback HOST:PORT of an adapter that "
                      "runs elsewhere")
          ->excludes(command);
  CLI::Option* tls_endpoint =
      reg->add_option("--tls-endpoint", f.tls_endpoint,
                      "HOST:PORT of an adapter on another host, reached "
                      "over TLS (needs --pinned-cert)")
          ->excludes(command)
          ->excludes(endpoint);
  reg->add_option("--pinned-cert", f.pinned_cert,
                  "PEM file of the --tls-endpoint adapter's certificate, the "
                  "only one trusted")
      ->needs(tls_endpoint);
  tls_endpoint->needs("--pinned-cert");
  reg->add_option("--config-file", f.config_file,
                  "JSON object with the adapter's configuration; a secret "
                  "field takes the secret, \"env:NAME\" or \"file:PATH\" "
                  "(read by revhubd), or null to clear it; left out, it "
                  "keeps its stored value");
  reg->add_option("--authoritative-for", f.authoritative_for,
                  "Entity types it is the source of truth for, comma "
                  "separated (" +
                      EnumChoices(canon::EntityType_descriptor()) + ")")
      ->delimiter(',');
  reg->add_flag("--replace", f.replace,
                "Replace an existing registration of that name");
  reg->add_option("--match", f.match,
                  "A matching rule: when a customer from this system is one "
                  "the hub knows (repeatable): customer:email, "
                  "customer:FIELD=OTHER_FIELD, or "
                  "customer:attributes.KEY=SYSTEM/OBJECT_TYPE")
      ->allow_extra_args(false);
  reg->add_option("--sync", f.sync,
                  "Pull an object type from the vendor (repeatable): "
                  "TYPE[:INTERVAL[:BACKFILL_START]], e.g. invoice:5m or "
                  "customer:1h:2025-01-01T00:00:00Z; no interval: on demand "
                  "(revhub sync run)")
      ->allow_extra_args(false);
  ctx.OnParsed(reg, [&f, &ctx] { return RegisterSystem(f, ctx); });
}

}  // namespace

void DefineSystemsCommands(CLI::App& app, CommandContext& ctx) {
  SystemsFlags& f = ctx.NewFlags<SystemsFlags>();
  CLI::App* systems = app.add_subcommand(
      "systems", "The registry of external systems (CRM, billing, ERP, …)");
  systems->require_subcommand(1);

  DefineRegister(systems, f, ctx);

  CLI::App* list = systems->add_subcommand("list", "List registered systems");
  list->add_flag("--all", f.all, "Include disabled systems");
  f.list_kind_option =
      list->add_option("--kind", f.list_kind, "Only systems of this kind");
  AddPageFlags(list, f.page);
  ctx.OnParsed(list, [&f, &ctx] { return ListSystems(f, ctx); });

  CLI::App* show = systems->add_subcommand("show", "Show one system");
  show->alias("get");
  show->add_option("NAME", f.system, "System name")->required();
  ctx.OnParsed(show, [&f, &ctx] { return ShowSystem(f, ctx); });

  CLI::App* disable = systems->add_subcommand(
      "disable",
      "Disable a system: its payloads are refused until it is registered "
      "again");
  disable->add_option("NAME", f.system, "System name")->required();
  disable->add_option("--reason", f.disable_reason, "Why, for the audit trail")
      ->required();
  ctx.OnParsed(disable, [&f, &ctx] { return DisableSystem(f, ctx); });

  CLI::App* describe = systems->add_subcommand(
      "describe",
      "Show what a system's adapter is and needs (its Describe), and its "
      "process");
  describe->add_option("NAME", f.system, "System name")->required();
  ctx.OnParsed(describe, [&f, &ctx] { return DescribeSystem(f, ctx); });

  CLI::App* check = systems->add_subcommand(
      "check",
      "Ask a system's adapter whether it reaches and authenticates to the "
      "vendor with the registered configuration");
  check->add_option("NAME", f.system, "System name")->required();
  ctx.OnParsed(check, [&f, &ctx] { return CheckSystem(f, ctx); });
}

}  // namespace revhub::cli
