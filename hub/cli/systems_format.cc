#include "hub/cli/systems_format.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string FormatAdapter(const hubv1::AdapterSpec& adapter) {
  switch (adapter.target_case()) {
    case hubv1::AdapterSpec::kLaunch: {
      std::vector<std::string> words = {adapter.launch().command()};
      for (const std::string& arg : adapter.launch().args()) {
        words.push_back(arg);
      }
      return absl::StrJoin(words, " ");
    }
    case hubv1::AdapterSpec::kEndpoint:
      return absl::StrCat("endpoint ", adapter.endpoint());
    case hubv1::AdapterSpec::kTlsEndpoint:
      return absl::StrCat("tls endpoint ", adapter.tls_endpoint().address(),
                          " (pinned certificate)");
    case hubv1::AdapterSpec::TARGET_NOT_SET:
      break;
  }
  return "-";
}

std::string FormatAuthoritative(const hubv1::System& system) {
  std::vector<std::string> names;
  for (int type : system.authoritative_for()) {
    names.push_back(
        EnumShortName(canonical::v1::EntityType_descriptor(), type));
  }
  return names.empty() ? "-" : absl::StrJoin(names, ",");
}

// "set, sealed, fingerprint 1a2b3c4d", "set, env:NAME", "unset".
std::string FormatSecretState(const hubv1::SecretState& state) {
  if (!state.set()) return "unset";
  if (!state.reference().empty())
    return absl::StrCat("set, ", state.reference());
  return absl::StrCat("set, sealed, fingerprint ", state.fingerprint());
}

}  // namespace

std::string RenderSystem(const hubv1::System& system) {
  Fields fields;
  fields.emplace_back("name", system.name());
  fields.emplace_back(
      "kind", EnumShortName(hubv1::SystemKind_descriptor(), system.kind()));
  fields.emplace_back(
      "state", EnumShortName(hubv1::SystemState_descriptor(), system.state()));
  if (!system.disabled_reason().empty()) {
    fields.emplace_back("disabled reason", system.disabled_reason());
  }
  if (!system.display_name().empty()) {
    fields.emplace_back("display name", system.display_name());
  }
  if (!system.description().empty()) {
    fields.emplace_back("description", system.description());
  }
  fields.emplace_back("adapter", FormatAdapter(system.adapter()));
  if (system.adapter().has_launch() &&
      !system.adapter().launch().env().empty()) {
    fields.emplace_back("adapter env",
                        JoinAttributes(system.adapter().launch().env()));
  }
  fields.emplace_back("authoritative for", FormatAuthoritative(system));
  fields.emplace_back("version", absl::StrCat(system.version()));
  fields.emplace_back("created at", FormatTimestamp(system.created_at()));
  fields.emplace_back("updated at", FormatTimestamp(system.updated_at()));
  std::string out = RenderFields(fields);
  if (system.has_config() && system.config().fields_size() > 0) {
    absl::StrAppend(&out, "config:\n", Indent(ToJson(system.config(), true)));
  }
  // Secret fields: their state, never a value (the hub never returns one).
  if (!system.secrets().empty()) {
    std::map<std::string, hubv1::SecretState> sorted(system.secrets().begin(),
                                                     system.secrets().end());
    absl::StrAppend(&out, "secrets:\n");
    for (const auto& [field, state] : sorted) {
      absl::StrAppend(&out, "  ", field, ": ", FormatSecretState(state), "\n");
    }
  }
  // The ingest pipeline: matching rules.
  if (system.matching_rules_size() > 0) {
    absl::StrAppend(&out, "matching rules:\n");
    for (const hubv1::MatchingRule& r : system.matching_rules()) {
      absl::StrAppend(
          &out, "  ",
          EnumShortName(canonical::v1::EntityType_descriptor(),
                        r.entity_type()),
          ": ", r.field(), " = ",
          !r.ref_system().empty()
              ? absl::StrCat("the vendor id of ", r.ref_system(), "/",
                             r.ref_object_type())
              : (r.match_field().empty() ? r.field() : r.match_field()),
          "\n");
    }
  }
  // Pulls: one line per object type.
  if (system.sync_size() > 0) {
    absl::StrAppend(&out, "sync:\n");
    for (const hubv1::SyncSchedule& s : system.sync()) {
      const int64_t every = s.interval().seconds();
      absl::StrAppend(
          &out, "  ", s.object_type(), ": ",
          every > 0 ? absl::StrCat("every ", every, "s") : "on demand",
          s.paused() ? " (paused)" : "",
          s.has_backfill_start()
              ? absl::StrCat(", backfill from ",
                             FormatTimestamp(s.backfill_start()))
              : "",
          s.page_size() > 0 ? absl::StrCat(", ", s.page_size(), " per page")
                            : "",
          "\n");
    }
  }
  return out;
}

std::string RenderSystemTable(const hubv1::ListSystemsResponse& page) {
  Table table({"NAME", "KIND", "STATE", "ADAPTER", "AUTHORITATIVE FOR",
               "VERSION", "UPDATED"});
  table.AlignRight(5);
  for (const hubv1::System& system : page.systems()) {
    table.AddRow(
        {system.name(),
         EnumShortName(hubv1::SystemKind_descriptor(), system.kind()),
         EnumShortName(hubv1::SystemState_descriptor(), system.state()),
         FormatAdapter(system.adapter()), FormatAuthoritative(system),
         absl::StrCat(system.version()), FormatTimestamp(system.updated_at())});
  }
  return table.Render();
}

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

}  // namespace revhub::cli
