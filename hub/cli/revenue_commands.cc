// `revhub revenue …`: the RevenueService commands.
//
//   revhub revenue preview FILE   compute a schedule without storing it. FILE
//                                 (or "-") is a Contract in proto3 JSON, or a
//                                 PreviewScheduleRequest (contract, products,
//                                 invoices, payments, …). Products a bare
//                                 contract's lines name are read from the hub.
//   revhub revenue show CONTRACT|--ref REF [--as-of TIME] [--lines]
//                                 the stored schedule, current or as of TIME
//   revhub revenue journal CONTRACT [--from YYYY-MM] [--to YYYY-MM]
//                                 the stored journal entries, by period
//   revhub revenue waterfall|rollforward|rpo|balances|contra …
//                                 the reports (revenue_report_commands.cc)
//
// What they print is built by hub/cli/revenue_format.h; with --json the
// response is printed as proto3 JSON instead.
#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"
#include "hub/cli/revenue_format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct RevenueFlags {
  std::string preview_file;
  std::string contract_id;
  std::string contract_ref;
  std::string as_of;
  CLI::Option* as_of_option = nullptr;
  std::string period_from, period_to;
  bool lines = false;
};

absl::StatusOr<hubv1::PreviewScheduleRequest> ReadPreviewRequest(
    const RevenueFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(std::string json, ctx.ReadInput(f.preview_file));
  hubv1::PreviewScheduleRequest request;
  absl::Status as_request = ParseJsonStrict(json, request);
  if (!as_request.ok()) {
    request.Clear();
    absl::Status as_contract =
        ParseJsonStrict(json, *request.mutable_contract());
    if (!as_contract.ok()) {
      return UsageError(absl::StrCat(
          f.preview_file,
          ": neither a revhub.canonical.v1.Contract nor a "
          "revhub.hub.v1.PreviewScheduleRequest in JSON: as a Contract: ",
          as_contract.message(),
          "; as a PreviewScheduleRequest: ", as_request.message()));
    }
  }
  return request;
}

// Adds the products the contract's lines name that the request lacks, read
// from the hub. A product the hub does not know is left for the engine to
// report.
absl::Status AddProductsFromHub(hubv1::PreviewScheduleRequest& request,
                                CommandContext& ctx) {
  std::set<std::string> have;
  for (const auto& p : request.products()) have.insert(p.id());
  std::set<std::string> wanted;
  auto collect = [&](const canon::Contract& c) {
    for (const auto& line : c.lines()) {
      if (!line.product_id().empty() && have.count(line.product_id()) == 0) {
        wanted.insert(line.product_id());
      }
    }
  };
  collect(request.contract());
  for (const auto& v : request.previous_versions()) collect(v);
  for (const std::string& id : wanted) {
    hubv1::GetProductRequest get;
    get.set_id(id);
    absl::StatusOr<hubv1::GetProductResponse> product =
        ctx.Hub().GetProduct(get);
    if (absl::IsNotFound(product.status())) continue;
    if (!product.ok()) return product.status();
    *request.add_products() = product->product();
  }
  return absl::OkStatus();
}

absl::Status Preview(const RevenueFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(hubv1::PreviewScheduleRequest request,
                   ReadPreviewRequest(f, ctx));
  RETURN_IF_ERROR(AddProductsFromHub(request, ctx));
  ASSIGN_OR_RETURN(hubv1::PreviewScheduleResponse response,
                   ctx.Hub().PreviewSchedule(request));
  std::vector<canon::JournalEntry> entries(response.journal_entries().begin(),
                                           response.journal_entries().end());
  ctx.Print(response,
            absl::StrCat(RenderScheduleTable(response.schedule()),
                         "\njournal entries (previewed, not stored):\n",
                         RenderJournalTable(entries)));
  return absl::OkStatus();
}

// The hub id of the contract named by CONTRACT or by --ref
// SYSTEM:OBJECT_TYPE:VENDOR_ID (looked up in the hub).
absl::StatusOr<std::string> ContractIdOf(const RevenueFlags& f,
                                         CommandContext& ctx) {
  if (f.contract_id.empty() == f.contract_ref.empty()) {
    return UsageError(
        "give either the CONTRACT id or --ref, not both or neither");
  }
  if (!f.contract_id.empty()) return f.contract_id;
  std::vector<std::string> parts =
      absl::StrSplit(f.contract_ref, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() ||
      parts[2].empty()) {
    return UsageError(absl::StrCat("--ref: '", f.contract_ref,
                                   "' is not SYSTEM:OBJECT_TYPE:VENDOR_ID"));
  }
  hubv1::GetContractRequest request;
  request.mutable_external_ref()->set_system(parts[0]);
  request.mutable_external_ref()->set_object_type(parts[1]);
  request.mutable_external_ref()->set_vendor_id(parts[2]);
  ASSIGN_OR_RETURN(hubv1::GetContractResponse response,
                   ctx.Hub().GetContract(request));
  return response.contract().id();
}

absl::Status Show(const RevenueFlags& f, CommandContext& ctx) {
  hubv1::GetScheduleRequest request;
  ASSIGN_OR_RETURN(std::string contract_id, ContractIdOf(f, ctx));
  request.set_contract_id(contract_id);
  if (f.as_of_option->count() > 0) {
    absl::StatusOr<google::protobuf::Timestamp> at =
        ParseTimestamp(f.as_of, "--as-of");
    if (!at.ok()) return UsageError(at.status());
    *request.mutable_as_of() = *at;
  }
  ASSIGN_OR_RETURN(hubv1::GetScheduleResponse response,
                   ctx.Hub().GetSchedule(request));
  ctx.Print(response, f.lines ? RenderScheduleLines(response.schedule())
                              : RenderScheduleTable(response.schedule()));
  return absl::OkStatus();
}

absl::Status Journal(const RevenueFlags& f, CommandContext& ctx) {
  hubv1::ListJournalEntriesRequest request;
  ASSIGN_OR_RETURN(std::string contract_id, ContractIdOf(f, ctx));
  request.set_contract_id(contract_id);
  request.set_period_start(f.period_from);
  request.set_period_end(f.period_to);
  const Paging paging = Paging::Everything();
  ASSIGN_OR_RETURN(
      hubv1::ListJournalEntriesResponse all,
      FetchPages(
          request, paging,
          [&ctx](const hubv1::ListJournalEntriesRequest& r) {
            return ctx.Hub().ListJournalEntries(r);
          },
          &hubv1::ListJournalEntriesResponse::mutable_journal_entries));
  std::vector<canon::JournalEntry> entries(all.journal_entries().begin(),
                                           all.journal_entries().end());
  PrintList(ctx, all, all.journal_entries_size(), "journal entries",
            RenderJournalTable(entries), paging);
  return absl::OkStatus();
}

}  // namespace

void DefineRevenueCommands(CLI::App& app, CommandContext& ctx) {
  RevenueFlags& f = ctx.NewFlags<RevenueFlags>();
  CLI::App* revenue = app.add_subcommand(
      "revenue",
      "Revenue recognition (ASC 606 / IFRS 15): schedules and journal "
      "entries");
  revenue->require_subcommand(1);

  CLI::App* preview = revenue->add_subcommand(
      "preview",
      "Compute a contract's schedule and journal entries without storing "
      "anything");
  preview
      ->add_option("FILE", f.preview_file,
                   "A Contract, or a PreviewScheduleRequest (contract, "
                   "products, invoices, payments, …), in proto3 JSON; '-' "
                   "reads standard input")
      ->required();
  ctx.OnParsed(preview, [&f, &ctx] { return Preview(f, ctx); });

  CLI::App* show = revenue->add_subcommand(
      "show", "Show a contract's stored schedule, period by obligation");
  show->add_option("CONTRACT", f.contract_id, "Hub id of the contract");
  show->add_option("--ref", f.contract_ref,
                   "Find the contract by external ref "
                   "SYSTEM:OBJECT_TYPE:VENDOR_ID instead of its hub id");
  f.as_of_option = show->add_option(
      "--as-of", f.as_of,
      "The schedule version current at this recorded time (RFC 3339)");
  show->add_flag("--lines", f.lines,
                 "List every schedule line with its kind and cause instead of "
                 "the period-by-obligation table");
  ctx.OnParsed(show, [&f, &ctx] { return Show(f, ctx); });

  CLI::App* journal = revenue->add_subcommand(
      "journal", "List a contract's stored journal entries by period");
  journal->add_option("CONTRACT", f.contract_id, "Hub id of the contract");
  journal->add_option("--ref", f.contract_ref,
                      "Find the contract by external ref "
                      "SYSTEM:OBJECT_TYPE:VENDOR_ID instead of its hub id");
  journal->add_option("--from", f.period_from, "First period, YYYY-MM");
  journal->add_option("--to", f.period_to, "Last period, YYYY-MM");
  ctx.OnParsed(journal, [&f, &ctx] { return Journal(f, ctx); });

  DefineRevenueReportCommands(*revenue, ctx);
}

}  // namespace revhub::cli
