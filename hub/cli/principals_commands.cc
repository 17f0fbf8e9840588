// `revhub principals …`: who may call the hub (PrincipalService). A token
// is printed once, by create and rotate; list never shows one.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

struct PrincipalsFlags {
  std::string name;
  std::string role;
  std::vector<std::string> systems;
};

std::string RoleName(hubv1::Role role) {
  if (role == hubv1::ROLE_UNSPECIFIED) return "-";
  return absl::AsciiStrToLower(hubv1::Role_Name(role).substr(5));
}

std::string Describe(const hubv1::Principal& p) {
  return RenderFields({
      {"name", p.name()},
      {"role", RoleName(p.role())},
      {"systems",
       p.systems().empty() ? "(all)" : absl::StrJoin(p.systems(), ", ")},
      {"key id", OrDash(p.key_id())},
      {"created", FormatTimestamp(p.created_at())},
      {"token made", FormatTimestamp(p.token_created_at())},
      {"disabled", p.disabled() ? "yes" : "no"},
  });
}

// The human text of a principal with its new token.
std::string WithToken(const hubv1::Principal& p, const std::string& token,
                      const std::string& hub) {
  return absl::StrCat(
      Describe(p), "\ntoken: ", token,
      "\n\nThe token is shown this once; the hub keeps only a salted hash.\n"
      "Use it with:  export REVHUB_TOKEN=",
      token, "\n         or:  revhub --hub ", hub, " --token <token> ...\n");
}

}  // namespace

void DefinePrincipalsCommands(CLI::App& app, CommandContext& ctx) {
  auto& f = ctx.NewFlags<PrincipalsFlags>();
  CLI::App* group = app.add_subcommand(
      "principals",
      "Principals (who may call the hub), their roles and API tokens; "
      "admin only");
  group->require_subcommand(1);

  CLI::App* create = group->add_subcommand(
      "create", "Create a principal and print its token (once)");
  create->add_option("name", f.name, "Principal name")->required();
  create
      ->add_option("--role", f.role,
                   "admin, platform, integration, finance, auditor or adapter")
      ->required();
  create->add_option("--system", f.systems,
                     "For an integration principal: a system it may ingest "
                     "and replay for (repeat; none: every system)");
  ctx.OnParsed(create, [&ctx, &f]() -> absl::Status {
    absl::StatusOr<int> role =
        ParseEnumShortName(hubv1::Role_descriptor(), f.role, "--role");
    if (!role.ok()) return UsageError(role.status());
    hubv1::CreatePrincipalRequest request;
    request.set_name(f.name);
    request.set_role(static_cast<hubv1::Role>(*role));
    for (const std::string& s : f.systems) request.add_systems(s);
    ASSIGN_OR_RETURN(auto response, ctx.Hub().CreatePrincipal(request));
    ctx.Print(response, WithToken(response.principal(), response.token(),
                                  ctx.hub_address()));
    return absl::OkStatus();
  });

  CLI::App* list = group->add_subcommand("list", "List principals");
  ctx.OnParsed(list, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(auto response,
                     ctx.Hub().ListPrincipals(hubv1::ListPrincipalsRequest()));
    Table table({"NAME", "ROLE", "SYSTEMS", "KEY ID", "CREATED", "DISABLED"});
    for (const hubv1::Principal& p : response.principals()) {
      table.AddRow(
          {p.name(), RoleName(p.role()),
           p.systems().empty() ? "(all)" : absl::StrJoin(p.systems(), ","),
           OrDash(p.key_id()), FormatTimestamp(p.created_at()),
           p.disabled() ? "yes" : "no"});
    }
    ctx.Print(response, table.Render());
    return absl::OkStatus();
  });

  CLI::App* rotate = group->add_subcommand(
      "rotate", "Give a principal a new token; the old one stops working");
  rotate->add_option("name", f.name, "Principal name")->required();
  ctx.OnParsed(rotate, [&ctx, &f]() -> absl::Status {
    hubv1::RotatePrincipalTokenRequest request;
    request.set_name(f.name);
    ASSIGN_OR_RETURN(auto response, ctx.Hub().RotatePrincipalToken(request));
    ctx.Print(response, WithToken(response.principal(), response.token(),
                                  ctx.hub_address()));
    return absl::OkStatus();
  });

  CLI::App* disable = group->add_subcommand(
      "disable", "Disable a principal: its token and certificate are refused");
  disable->add_option("name", f.name, "Principal name")->required();
  ctx.OnParsed(disable, [&ctx, &f]() -> absl::Status {
    hubv1::DisablePrincipalRequest request;
    request.set_name(f.name);
    ASSIGN_OR_RETURN(auto response, ctx.Hub().DisablePrincipal(request));
    ctx.Print(response, Describe(response.principal()));
    return absl::OkStatus();
  });
}

}  // namespace revhub::cli
