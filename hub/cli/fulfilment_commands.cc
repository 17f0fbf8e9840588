// `revhub usage …` and `revhub deliveries …`: the revenue facts the hub
// stores (RevenueService ReportUsage, RecordDelivery, ListFulfilment).
//
//   revhub usage report --contract C --line L --quantity Q --start T
//                       --end T --id ID
//   revhub usage report --file FILE.ndjson   one UsageRecord per line
//                                            (proto3 JSON; '-': stdin)
//   revhub deliveries record --contract C --line L --at T --id ID
//                       [--quantity Q] [--milestone NAME --share S]
//   revhub deliveries list CONTRACT          its usage and deliveries
//
// A fact sent again with the same id and content is a duplicate: the hub
// stores nothing and says so. What they print is built by
// hub/cli/fulfilment_format.h; --json prints the responses instead.
#include <CLI/CLI.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/fulfilment_format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

// ReportUsage takes at most this many records per call.
constexpr int kUsageBatch = 1000;

struct FactFlags {
  std::string file;
  std::string id, contract_id, line_id, quantity, start, end, at;
  std::string milestone, share;
  CLI::Option* file_option = nullptr;
};

absl::StatusOr<google::protobuf::Timestamp> TimeFlag(const std::string& text,
                                                     const char* flag) {
  absl::StatusOr<google::protobuf::Timestamp> t = ParseTimestamp(text, flag);
  if (!t.ok()) return UsageError(t.status());
  return t;
}

absl::StatusOr<canon::Decimal> DecimalFlag(const std::string& text,
                                           const char* flag) {
  absl::StatusOr<canon::Decimal> d = ParseDecimal(text);
  if (!d.ok()) {
    return UsageError(absl::StrCat(flag, ": '", text, "' is not a number"));
  }
  return d;
}

// The records of --file: one UsageRecord in proto3 JSON per non-blank line.
absl::StatusOr<std::vector<canon::UsageRecord>> ReadUsageFile(
    const FactFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(std::string text, ctx.ReadInput(f.file));
  std::vector<canon::UsageRecord> records;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    canon::UsageRecord record;
    RETURN_IF_ERROR(ctx.ParseJsonInto(
        std::string(line), absl::StrCat(f.file, ":", line_number), record));
    records.push_back(std::move(record));
  }
  if (records.empty()) {
    return UsageError(absl::StrCat(f.file, ": holds no usage record"));
  }
  return records;
}

absl::StatusOr<std::vector<canon::UsageRecord>> UsageFromFlags(
    const FactFlags& f) {
  if (f.id.empty() || f.contract_id.empty() || f.line_id.empty() ||
      f.quantity.empty() || f.start.empty() || f.end.empty()) {
    return UsageError(
        "give --file, or --id, --contract, --line, --quantity, --start and "
        "--end");
  }
  canon::UsageRecord r;
  r.set_id(f.id);
  r.set_contract_id(f.contract_id);
  r.set_line_id(f.line_id);
  ASSIGN_OR_RETURN(*r.mutable_quantity(),
                   DecimalFlag(f.quantity, "--quantity"));
  ASSIGN_OR_RETURN(*r.mutable_period()->mutable_start_time(),
                   TimeFlag(f.start, "--start"));
  ASSIGN_OR_RETURN(*r.mutable_period()->mutable_end_time(),
                   TimeFlag(f.end, "--end"));
  return std::vector<canon::UsageRecord>{std::move(r)};
}

absl::Status ReportUsage(const FactFlags& f, CommandContext& ctx) {
  std::vector<canon::UsageRecord> records;
  if (f.file_option->count() > 0) {
    if (!f.id.empty() || !f.contract_id.empty() || !f.line_id.empty() ||
        !f.quantity.empty() || !f.start.empty() || !f.end.empty()) {
      return UsageError(
          "--file: the records come from the file; give no "
          "--id, --contract, --line, --quantity, --start or "
          "--end with it");
    }
    ASSIGN_OR_RETURN(records, ReadUsageFile(f, ctx));
  } else {
    ASSIGN_OR_RETURN(records, UsageFromFlags(f));
  }
  hubv1::ReportUsageResponse all;
  for (size_t i = 0; i < records.size(); i += kUsageBatch) {
    hubv1::ReportUsageRequest request;
    for (size_t j = i; j < records.size() && j < i + kUsageBatch; ++j) {
      *request.add_records() = records[j];
    }
    ASSIGN_OR_RETURN(hubv1::ReportUsageResponse response,
                     ctx.Hub().ReportUsage(request));
    all.mutable_records()->MergeFrom(response.records());
    all.set_duplicates(all.duplicates() + response.duplicates());
  }
  ctx.Print(all, absl::StrCat(RenderUsageTable(all.records()),
                              all.records_size() - all.duplicates(),
                              " stored, ", all.duplicates(),
                              " duplicates (already stored as sent)\n"));
  return absl::OkStatus();
}

absl::Status RecordDelivery(const FactFlags& f, CommandContext& ctx) {
  if (f.id.empty() || f.contract_id.empty() || f.line_id.empty() ||
      f.at.empty()) {
    return UsageError("give --id, --contract, --line and --at");
  }
  canon::Delivery d;
  d.set_id(f.id);
  d.set_contract_id(f.contract_id);
  d.set_line_id(f.line_id);
  ASSIGN_OR_RETURN(*d.mutable_delivered_at(), TimeFlag(f.at, "--at"));
  if (!f.milestone.empty() || !f.share.empty()) {
    if (f.milestone.empty() || f.share.empty()) {
      return UsageError("--milestone and --share go together");
    }
    if (!f.quantity.empty()) {
      return UsageError(
          "--quantity: a milestone earns a --share of the line, not a "
          "quantity");
    }
    d.set_kind(canon::DELIVERY_KIND_MILESTONE);
    d.set_milestone(f.milestone);
    ASSIGN_OR_RETURN(*d.mutable_share(), DecimalFlag(f.share, "--share"));
  } else {
    d.set_kind(canon::DELIVERY_KIND_ACTIVATION);
    if (!f.quantity.empty()) {
      ASSIGN_OR_RETURN(*d.mutable_quantity(),
                       DecimalFlag(f.quantity, "--quantity"));
    }
  }
  hubv1::RecordDeliveryRequest request;
  *request.mutable_delivery() = std::move(d);
  ASSIGN_OR_RETURN(hubv1::RecordDeliveryResponse response,
                   ctx.Hub().RecordDelivery(request));
  google::protobuf::RepeatedPtrField<canon::Delivery> one;
  *one.Add() = response.delivery();
  ctx.Print(response, absl::StrCat(RenderDeliveryTable(one),
                                   response.duplicate()
                                       ? "duplicate: already stored as sent\n"
                                       : "stored\n"));
  return absl::OkStatus();
}

absl::Status ListFulfilment(const FactFlags& f, CommandContext& ctx) {
  hubv1::ListFulfilmentRequest request;
  request.set_contract_id(f.contract_id);
  ASSIGN_OR_RETURN(hubv1::ListFulfilmentResponse response,
                   ctx.Hub().ListFulfilment(request));
  ctx.Print(response,
            absl::StrCat("usage:\n", Indent(RenderUsageTable(response.usage())),
                         "\ndeliveries:\n",
                         Indent(RenderDeliveryTable(response.deliveries()))));
  return absl::OkStatus();
}

}  // namespace

void DefineUsageCommands(CLI::App& app, CommandContext& ctx) {
  FactFlags& f = ctx.NewFlags<FactFlags>();
  CLI::App* usage = app.add_subcommand(
      "usage", "Metered usage of contracts' USAGE lines, stored by the hub");
  usage->require_subcommand(1);
  CLI::App* report = usage->add_subcommand(
      "report",
      "Store usage records (idempotent by id); the contract's revenue is "
      "recomputed");
  f.file_option = report->add_option(
      "--file", f.file,
      "NDJSON: one revhub.canonical.v1.UsageRecord in proto3 JSON per line "
      "('-': standard input)");
  report->add_option("--id", f.id,
                     "The record's id (derive it from your own, so that a "
                     "resend is one record)");
  report->add_option("--contract", f.contract_id, "Hub id of the contract");
  report->add_option("--line", f.line_id, "The contract's USAGE line id");
  report->add_option("--quantity", f.quantity, "The metered quantity");
  report->add_option("--start", f.start, "Usage period start (RFC 3339)");
  report->add_option("--end", f.end, "Usage period end, exclusive (RFC 3339)");
  ctx.OnParsed(report, [&f, &ctx] { return ReportUsage(f, ctx); });
}

void DefineDeliveriesCommands(CLI::App& app, CommandContext& ctx) {
  FactFlags& f = ctx.NewFlags<FactFlags>();
  CLI::App* deliveries = app.add_subcommand(
      "deliveries",
      "Activations, partial deliveries and milestones of contract lines");
  deliveries->require_subcommand(1);
  CLI::App* record = deliveries->add_subcommand(
      "record",
      "Store an activation (all of a line, or --quantity of it) or, with "
      "--milestone and --share, a milestone reached");
  record->add_option("--id", f.id, "The delivery's id (idempotent by it)");
  record->add_option("--contract", f.contract_id, "Hub id of the contract");
  record->add_option("--line", f.line_id, "The contract line delivered");
  record->add_option("--at", f.at, "When it was delivered (RFC 3339)");
  record->add_option("--quantity", f.quantity,
                     "How much of the line's quantity (default: all)");
  record->add_option("--milestone", f.milestone, "The milestone reached");
  record->add_option("--share", f.share,
                     "The share of the line it earns, above 0 and at most 1");
  ctx.OnParsed(record, [&f, &ctx] { return RecordDelivery(f, ctx); });

  CLI::App* list = deliveries->add_subcommand(
      "list", "A contract's stored usage records and deliveries");
  list->add_option("CONTRACT", f.contract_id, "Hub id of the contract")
      ->required();
  ctx.OnParsed(list, [&f, &ctx] { return ListFulfilment(f, ctx); });
}

}  // namespace revhub::cli
