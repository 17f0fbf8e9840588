#include "hub/cli/revenue_commands.h"

#include <google/protobuf/util/json_util.h>

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

// Returns the amount in `currency` formatted by FormatMoney, or a note when
// it does not fit Money (never rounded).
std::string FormatTotal(absl::string_view currency, Nanos amount) {
  absl::StatusOr<canon::Money> money = MoneyFromNanos(currency, amount);
  if (!money.ok()) return "(out of range)";
  return FormatMoney(*money);
}

bool IsUnsetOrZero(const canon::Money& money) { return ToNanos(money) == 0; }

// Parses proto3 JSON strictly (unknown fields are errors).
absl::Status ParseStrict(const std::string& json,
                         google::protobuf::Message& m) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, &m, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(status.message().ToString());
}

// The flags and the actions of `revhub revenue`, kept alive by the
// callbacks that refer to them.
struct RevenueCommands {
  RevenueCommandHooks hooks;
  std::string preview_file;
  std::string contract_id;
  std::string as_of;
  CLI::Option* as_of_option = nullptr;
  std::string journal_contract_id;
  std::string period_from, period_to;

  std::ostream& out() { return *hooks.out; }

  absl::StatusOr<hubv1::PreviewScheduleRequest> ReadPreviewRequest() {
    ASSIGN_OR_RETURN(std::string json, hooks.read_input(preview_file));
    hubv1::PreviewScheduleRequest request;
    absl::Status as_request = ParseStrict(json, request);
    if (!as_request.ok()) {
      request.Clear();
      absl::Status as_contract = ParseStrict(json, *request.mutable_contract());
      if (!as_contract.ok()) {
        return hooks.usage_error(absl::InvalidArgumentError(absl::StrCat(
            preview_file,
            ": neither a revhub.canonical.v1.Contract nor a "
            "revhub.hub.v1.PreviewScheduleRequest in JSON: as a Contract: ",
            as_contract.message(),
            "; as a PreviewScheduleRequest: ", as_request.message())));
      }
    }
    return request;
  }

  // Adds the products the contract's lines name that the request lacks,
  // read from the hub. A product the hub does not know is left for the
  // engine to report.
  absl::Status AddProductsFromHub(hubv1::PreviewScheduleRequest& request) {
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
          hooks.hub().GetProduct(get);
      if (absl::IsNotFound(product.status())) continue;
      if (!product.ok()) return product.status();
      *request.add_products() = product->product();
    }
    return absl::OkStatus();
  }

  absl::Status Preview() {
    ASSIGN_OR_RETURN(hubv1::PreviewScheduleRequest request,
                     ReadPreviewRequest());
    RETURN_IF_ERROR(AddProductsFromHub(request));
    ASSIGN_OR_RETURN(hubv1::PreviewScheduleResponse response,
                     hooks.hub().PreviewSchedule(request));
    if (hooks.json()) {
      out() << ToJson(response, /*pretty=*/true);
      return absl::OkStatus();
    }
    out() << RenderScheduleTable(response.schedule());
    std::vector<canon::JournalEntry> entries(response.journal_entries().begin(),
                                             response.journal_entries().end());
    out() << "\njournal entries (previewed, not stored):\n"
          << RenderJournalTable(entries);
    return absl::OkStatus();
  }

  absl::Status Show() {
    hubv1::GetScheduleRequest request;
    request.set_contract_id(contract_id);
    if (as_of_option->count() > 0) {
      absl::StatusOr<google::protobuf::Timestamp> at =
          ParseTimestamp(as_of, "--as-of");
      if (!at.ok()) return hooks.usage_error(at.status());
      *request.mutable_as_of() = *at;
    }
    ASSIGN_OR_RETURN(hubv1::GetScheduleResponse response,
                     hooks.hub().GetSchedule(request));
    if (hooks.json()) {
      out() << ToJson(response, /*pretty=*/true);
    } else {
      out() << RenderScheduleTable(response.schedule());
    }
    return absl::OkStatus();
  }

  absl::Status Journal() {
    hubv1::ListJournalEntriesRequest request;
    request.set_contract_id(journal_contract_id);
    request.set_period_start(period_from);
    request.set_period_end(period_to);
    request.set_page_size(500);
    hubv1::ListJournalEntriesResponse all;
    while (true) {
      ASSIGN_OR_RETURN(hubv1::ListJournalEntriesResponse page,
                       hooks.hub().ListJournalEntries(request));
      all.mutable_journal_entries()->MergeFrom(page.journal_entries());
      if (page.next_page_token().empty()) break;
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
    if (all.journal_entries_size() == 0) {
      out() << "no journal entries\n";
      return absl::OkStatus();
    }
    std::vector<canon::JournalEntry> entries(all.journal_entries().begin(),
                                             all.journal_entries().end());
    out() << RenderJournalTable(entries);
    return absl::OkStatus();
  }
};

// Returns the column label of each obligation: its contract line ids, or
// its id when labels would repeat.
std::vector<std::string> ObligationLabels(const canon::RevenueSchedule& s,
                                          std::vector<std::string>* ids) {
  std::vector<std::string> labels;
  for (const auto& po : s.obligations()) {
    ids->push_back(po.id());
    labels.push_back(po.contract_line_ids_size() > 0
                         ? absl::StrJoin(po.contract_line_ids(), "+")
                         : po.id());
  }
  // Lines of an obligation the schedule does not list still get a column.
  for (const auto& line : s.lines()) {
    if (std::find(ids->begin(), ids->end(), line.performance_obligation_id()) ==
        ids->end()) {
      ids->push_back(line.performance_obligation_id());
      labels.push_back(line.performance_obligation_id());
    }
  }
  std::set<std::string> seen;
  bool repeated = false;
  for (const auto& l : labels) repeated = repeated || !seen.insert(l).second;
  if (repeated) labels = *ids;
  return labels;
}

}  // namespace

std::string RenderScheduleTable(const canon::RevenueSchedule& s) {
  const std::string& currency = s.currency_code();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"schedule", absl::StrCat(s.id(), " v", s.version())},
      {"contract", absl::StrCat(s.contract_id(), " v", s.contract_version())},
      {"legal entity", s.legal_entity().empty() ? "-" : s.legal_entity()},
      {"currency", currency},
      {"status",
       EnumShortName(canon::RevenueScheduleStatus_descriptor(), s.status())},
      {"transaction price", FormatMoneyOrDash(s.transaction_price())},
      {"convention", EnumShortName(canon::PeriodConvention_descriptor(),
                                   s.period_convention())},
      {"modification", EnumShortName(canon::ModificationTreatment_descriptor(),
                                     s.modification_treatment()) +
                           (s.modification_reason().empty()
                                ? ""
                                : absl::StrCat(": ", s.modification_reason()))},
      {"recorded at", FormatTimestamp(s.recorded_at())},
  };
  if (!s.recomputation_error().empty()) {
    fields.push_back({"error", s.recomputation_error()});
  }
  std::string text = RenderFields(fields);

  std::vector<std::string> ids;
  std::vector<std::string> labels = ObligationLabels(s, &ids);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < ids.size(); ++i) column[ids[i]] = i;
  // period -> per column sum (all kinds), and which cells have lines.
  std::map<std::string, std::vector<Nanos>> sums;
  std::map<std::string, std::vector<bool>> present;
  for (const auto& line : s.lines()) {
    auto& row = sums[line.period()];
    auto& has = present[line.period()];
    row.resize(ids.size(), 0);
    has.resize(ids.size(), false);
    size_t c = column[line.performance_obligation_id()];
    row[c] += ToNanos(line.amount());
    has[c] = true;
  }

  text += "\n";
  if (sums.empty()) {
    text += "no schedule lines\n";
  } else {
    std::vector<std::string> headers = {"period"};
    headers.insert(headers.end(), labels.begin(), labels.end());
    headers.push_back("total");
    Table table(headers);
    for (size_t c = 1; c < headers.size(); ++c) table.AlignRight(c);
    std::vector<Nanos> column_totals(ids.size(), 0);
    Nanos grand = 0;
    for (const auto& [period, row] : sums) {
      std::vector<std::string> cells = {period};
      Nanos row_total = 0;
      for (size_t c = 0; c < ids.size(); ++c) {
        cells.push_back(present[period][c] ? FormatTotal(currency, row[c])
                                           : "-");
        row_total += row[c];
        column_totals[c] += row[c];
      }
      grand += row_total;
      cells.push_back(FormatTotal(currency, row_total));
      table.AddRow(std::move(cells));
    }
    std::vector<std::string> totals = {"total"};
    for (Nanos t : column_totals) totals.push_back(FormatTotal(currency, t));
    totals.push_back(FormatTotal(currency, grand));
    table.AddRow(std::move(totals));
    text += table.Render();
  }

  if (s.obligations_size() > 0) {
    text += "\n";
    Table obligations({"column", "obligation", "rule", "allocated", "pending",
                       "why pending"});
    obligations.AlignRight(3);
    obligations.AlignRight(4);
    for (int i = 0; i < s.obligations_size(); ++i) {
      const auto& po = s.obligations(i);
      obligations.AddRow(
          {labels[i], po.id(),
           EnumShortName(canon::RevenueRule_descriptor(), po.revenue_rule()),
           FormatMoneyOrDash(po.allocated_amount()),
           IsUnsetOrZero(po.pending_amount())
               ? "-"
               : FormatMoney(po.pending_amount()),
           po.recognition_pending_reason().empty()
               ? "-"
               : po.recognition_pending_reason()});
    }
    text += obligations.Render();
  }
  return text;
}

std::string RenderJournalTable(
    const std::vector<canon::JournalEntry>& entries) {
  if (entries.empty()) return "no journal entries\n";
  Table table({"entry", "period", "date", "source", "role", "account", "debit",
               "credit"});
  table.AlignRight(6);
  table.AlignRight(7);
  std::string currency;
  Nanos debit = 0, credit = 0;
  for (const auto& e : entries) {
    for (const auto& l : e.lines()) {
      if (currency.empty()) {
        currency = l.debit().currency_code().empty()
                       ? l.credit().currency_code()
                       : l.debit().currency_code();
      }
      debit += ToNanos(l.debit());
      credit += ToNanos(l.credit());
      table.AddRow(
          {e.entry_number(), e.period(),
           FormatTimestamp(e.posting_date()).substr(0, 10), e.source_kind(),
           EnumShortName(canon::AccountRole_descriptor(), l.account_role()),
           l.account().empty() ? "-" : l.account(),
           IsUnsetOrZero(l.debit()) ? "-" : FormatMoney(l.debit()),
           IsUnsetOrZero(l.credit()) ? "-" : FormatMoney(l.credit())});
    }
  }
  table.AddRow({"total", "", "", "", "", "", FormatTotal(currency, debit),
                FormatTotal(currency, credit)});
  return table.Render();
}

void DefineRevenueCommands(CLI::App& app, RevenueCommandHooks hooks) {
  auto commands = std::make_shared<RevenueCommands>();
  commands->hooks = std::move(hooks);
  RevenueCommands* c = commands.get();

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
      ->add_option("FILE", c->preview_file,
                   "A Contract, or a PreviewScheduleRequest (contract, "
                   "products, invoices, payments, …), in proto3 JSON; '-' "
                   "reads standard input")
      ->required();
  preview->callback([commands] {
    commands->hooks.set_action([commands] { return commands->Preview(); });
  });

  CLI::App* show = revenue->add_subcommand(
      "show", "Show a contract's stored schedule, period by obligation");
  show->add_option("CONTRACT", c->contract_id, "Hub id of the contract")
      ->required();
  c->as_of_option = show->add_option(
      "--as-of", c->as_of,
      "The schedule version current at this recorded time (RFC 3339)");
  show->callback([commands] {
    commands->hooks.set_action([commands] { return commands->Show(); });
  });

  CLI::App* journal = revenue->add_subcommand(
      "journal", "List a contract's stored journal entries by period");
  journal
      ->add_option("CONTRACT", c->journal_contract_id, "Hub id of the contract")
      ->required();
  journal->add_option("--from", c->period_from, "First period, YYYY-MM");
  journal->add_option("--to", c->period_to, "Last period, YYYY-MM");
  journal->callback([commands] {
    commands->hooks.set_action([commands] { return commands->Journal(); });
  });
}

}  // namespace revhub::cli
