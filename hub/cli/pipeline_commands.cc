#include "hub/cli/pipeline_commands.h"

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// One failed attempt of a record, named by its exception in the exception
// queue (`revhub exceptions show <id>` has its history).
std::string RenderException(const hubv1::RecordException& e) {
  std::string out = absl::StrCat("  exception ", e.exception_id(), "  ",
                                 FormatTimestamp(e.recorded_at()), "  ",
                                 OrDash(e.field_path()), ": ", e.reason());
  if (e.has_resolved_at()) {
    absl::StrAppend(&out, "  (resolved ", FormatTimestamp(e.resolved_at()),
                    ")");
  }
  return absl::StrCat(out, "\n");
}

}  // namespace

std::string RenderAdapterDescription(
    const hubv1::DescribeSystemAdapterResponse& r) {
  const auto& d = r.description();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"adapter", d.adapter_name()},
      {"vendor", d.vendor()},
      {"version", d.adapter_version()},
      {"canonical schema", d.canonical_schema_version()},
      {"protocol", absl::StrCat(d.protocol_version())},
      {"address", OrDash(r.process().address())},
  };
  if (r.process().pid() != 0) {
    fields.emplace_back("pid", absl::StrCat(r.process().pid()));
    fields.emplace_back("restarts", absl::StrCat(r.process().restarts()));
  }
  std::string out = RenderFields(fields);
  if (d.inbound_object_types_size() > 0) {
    absl::StrAppend(&out, "\ninbound object types:\n");
    for (const auto& t : d.inbound_object_types()) {
      std::vector<std::string> produces;
      for (int p : t.produces()) {
        produces.push_back(
            EnumShortName(canonical::v1::EntityType_descriptor(), p));
      }
      absl::StrAppend(&out, "  ", t.object_type(), " -> ",
                      absl::StrJoin(produces, ", "), "  ", t.description(),
                      "\n");
    }
  }
  if (d.outbound_operations_size() > 0) {
    absl::StrAppend(&out, "\noutbound operations:\n");
    for (const auto& o : d.outbound_operations()) {
      absl::StrAppend(&out, "  ", o.name(), " (", o.vendor_object_type(), ")  ",
                      o.description(), "\n");
    }
  }
  if (!d.config_schema_json().empty()) {
    absl::StrAppend(&out, "\nconfiguration schema:\n", d.config_schema_json(),
                    "\n");
  }
  return out;
}

std::string RenderAdapterCheck(const std::string& system,
                               const hubv1::CheckSystemAdapterResponse& r) {
  const auto& c = r.check();
  std::string out = RenderFields({
      {"system", system},
      {"outcome",
       EnumShortName(adapter::v1::CheckOutcome_descriptor(), c.outcome())},
      {"reachable", c.reachable() ? "yes" : "no"},
      {"authenticated", c.authenticated() ? "yes" : "no"},
      {"reason", OrDash(c.reason())},
  });
  for (const auto& e : c.config_errors()) {
    absl::StrAppend(&out, "  ", e.field_path(), ": ", e.reason(), "\n");
  }
  return out;
}

std::string RenderRecordWithExceptions(const hubv1::ShowRecordResponse& r) {
  std::string out = RenderRecord(r.record());
  if (r.exceptions_size() == 0) return out;
  absl::StrAppend(&out,
                  "\nexceptions (revhub exceptions show <id> for each):\n");
  for (const auto& e : r.exceptions())
    absl::StrAppend(&out, RenderException(e));
  return out;
}

std::string RenderReplayOutcome(const hubv1::ReplayOutcome& o) {
  std::string out =
      absl::StrCat("record ", o.record_id(), ": ",
                   EnumShortName(hubv1::RecordStatus_descriptor(), o.status()));
  if (o.status() == hubv1::RECORD_STATUS_APPLIED) {
    absl::StrAppend(&out, ", ", o.entities_changed(),
                    o.entities_changed() == 1 ? " entity" : " entities",
                    " changed");
  }
  absl::StrAppend(&out, "\n");
  if (o.has_exception()) absl::StrAppend(&out, RenderException(o.exception()));
  return out;
}

absl::StatusOr<hubv1::MatchingRule> ParseMatchingRule(const std::string& text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("--match: '", text, "' ", why,
                     " (customer:FIELD, customer:FIELD=OTHER_FIELD or "
                     "customer:FIELD=SYSTEM/OBJECT_TYPE)"));
  };
  size_t colon = text.find(':');
  if (colon == std::string::npos) return bad("has no entity type");
  hubv1::MatchingRule rule;
  absl::StatusOr<int> type = ParseEnumShortName(
      canonical::v1::EntityType_descriptor(), text.substr(0, colon), "--match");
  if (!type.ok()) return type.status();
  rule.set_entity_type(static_cast<canonical::v1::EntityType>(*type));
  std::string rest = text.substr(colon + 1);
  size_t eq = rest.find('=');
  rule.set_field(rest.substr(0, eq));
  if (rule.field().empty()) return bad("names no field");
  if (eq != std::string::npos) {
    std::string other = rest.substr(eq + 1);
    size_t slash = other.find('/');
    if (slash != std::string::npos) {
      rule.set_ref_system(other.substr(0, slash));
      rule.set_ref_object_type(other.substr(slash + 1));
      if (rule.ref_system().empty() || rule.ref_object_type().empty())
        return bad("needs SYSTEM/OBJECT_TYPE after '='");
    } else {
      if (other.empty()) return bad("names no field after '='");
      rule.set_match_field(other);
    }
  }
  return rule;
}

void PipelineCommands::DefineRegisterOptions(CLI::App* reg) {
  reg->add_option("--match", match_,
                  "A matching rule: when a customer from this system is one "
                  "the hub knows (repeatable): customer:email, "
                  "customer:FIELD=OTHER_FIELD, or "
                  "customer:attributes.KEY=SYSTEM/OBJECT_TYPE")
      ->allow_extra_args(false);
}

absl::Status PipelineCommands::AddMatchingRules(hubv1::System* system) const {
  for (const std::string& text : match_) {
    ASSIGN_OR_RETURN(*system->add_matching_rules(), ParseMatchingRule(text));
  }
  return absl::OkStatus();
}

void PipelineCommands::DefineSystemCommands(CLI::App* systems,
                                            CommandHooks hooks) {
  hooks_ = hooks;
  CLI::App* describe = systems->add_subcommand(
      "describe",
      "Show what a system's adapter is and needs (its Describe), and its "
      "process");
  describe->add_option("NAME", system_, "System name")->required();
  describe->callback(
      [this] { hooks_.set_action([this] { return Describe(); }); });
  CLI::App* check = systems->add_subcommand(
      "check",
      "Ask a system's adapter whether it reaches and authenticates to the "
      "vendor with the registered configuration");
  check->add_option("NAME", system_, "System name")->required();
  check->callback([this] { hooks_.set_action([this] { return Check(); }); });
}

void PipelineCommands::DefineRecordCommands(CLI::App* records,
                                            CommandHooks hooks) {
  hooks_ = hooks;
  CLI::App* show = records->add_subcommand(
      "show", "Show one raw record with every exception it had");
  show->add_option("ID", record_id_, "Record id")
      ->required()
      ->check(CLI::PositiveNumber);
  show->callback([this] { hooks_.set_action([this] { return Show(); }); });

  CLI::App* exceptions = records->add_subcommand(
      "exceptions", "List why records failed, newest first");
  exceptions->add_option("--system", system_, "Only this system's");
  exceptions->add_flag("--open", open_only_, "Only those not resolved yet");
  exceptions->add_option("--limit", limit_, "At most this many (default 100)")
      ->check(CLI::Range(1, 500));
  exceptions->callback(
      [this] { hooks_.set_action([this] { return Exceptions(); }); });

  CLI::App* replay = records->add_subcommand(
      "replay",
      "Translate and apply records again through the system's current "
      "adapter; what already applied is not applied twice");
  CLI::Option* id = replay->add_option("ID", record_id_, "Record id")
                        ->check(CLI::PositiveNumber);
  CLI::Option* system =
      replay->add_option("--system", system_, "With --failed: the system");
  CLI::Option* failed = replay->add_flag(
      "--failed", failed_, "Replay every FAILED record of --system");
  replay->add_option("--limit", limit_,
                     "With --failed: at most this many (default 1000)");
  id->excludes(failed);
  failed->needs(system);
  system->needs(failed);
  replay->callback([this, id, failed] {
    if (id->count() == 0 && failed->count() == 0) {
      throw CLI::ValidationError("replay",
                                 "give a record ID, or --system NAME --failed");
    }
    hooks_.set_action([this] { return Replay(); });
  });
}

absl::Status PipelineCommands::Describe() {
  hubv1::DescribeSystemAdapterRequest request;
  request.set_system(system_);
  ASSIGN_OR_RETURN(auto response, hooks_.hub().DescribeSystemAdapter(request));
  hooks_.print(response, RenderAdapterDescription(response));
  return absl::OkStatus();
}

absl::Status PipelineCommands::Check() {
  hubv1::CheckSystemAdapterRequest request;
  request.set_system(system_);
  ASSIGN_OR_RETURN(auto response, hooks_.hub().CheckSystemAdapter(request));
  hooks_.print(response, RenderAdapterCheck(system_, response));
  if (response.check().outcome() != adapter::v1::CHECK_OUTCOME_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("system ", system_, ": the adapter's check did not pass: ",
                     OrDash(response.check().reason())));
  }
  return absl::OkStatus();
}

absl::Status PipelineCommands::Show() {
  hubv1::ShowRecordRequest request;
  request.set_record_id(record_id_);
  ASSIGN_OR_RETURN(auto response, hooks_.hub().ShowRecord(request));
  hooks_.print(response, RenderRecordWithExceptions(response));
  return absl::OkStatus();
}

absl::Status PipelineCommands::Exceptions() {
  hubv1::ListRecordExceptionsRequest request;
  request.set_system(system_);
  request.set_open_only(open_only_);
  request.set_page_size(limit_);
  ASSIGN_OR_RETURN(auto response, hooks_.hub().ListRecordExceptions(request));
  std::string human;
  for (const auto& e : response.exceptions()) {
    absl::StrAppend(&human, "record ", e.record_id(), " (", e.system(), ")",
                    RenderException(e).substr(1));
  }
  if (human.empty()) human = "no exceptions\n";
  hooks_.print(response, human);
  return absl::OkStatus();
}

absl::Status PipelineCommands::Replay() {
  if (!failed_) {
    hubv1::ReplayRecordRequest request;
    request.set_record_id(record_id_);
    ASSIGN_OR_RETURN(auto response, hooks_.hub().ReplayRecord(request));
    hooks_.print(response, RenderReplayOutcome(response.outcome()));
    return absl::OkStatus();
  }
  hubv1::ReplayFailedRecordsRequest request;
  request.set_system(system_);
  request.set_limit(limit_);
  ASSIGN_OR_RETURN(auto response, hooks_.hub().ReplayFailedRecords(request));
  std::string human;
  for (const auto& o : response.outcomes())
    absl::StrAppend(&human, RenderReplayOutcome(o));
  absl::StrAppend(&human, response.outcomes_size(),
                  " replayed: ", response.applied(), " applied, ",
                  response.failed(), " failed\n");
  hooks_.print(response, human);
  return absl::OkStatus();
}

}  // namespace revhub::cli
