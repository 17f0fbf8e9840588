#include "hub/lineage/node_ids.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace revhub::hub::lineage {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::TraceNodeKind;

// Splits "<id>@<version>"; false when there is no positive version.
bool SplitVersion(absl::string_view text, std::string* id, int64_t* version) {
  const size_t at = text.rfind('@');
  if (at == absl::string_view::npos || at == 0) return false;
  if (!absl::SimpleAtoi(text.substr(at + 1), version) || *version <= 0)
    return false;
  *id = std::string(text.substr(0, at));
  return true;
}

bool PositiveNumber(absl::string_view text, int64_t* n) {
  return absl::SimpleAtoi(text, n) && *n > 0;
}

}  // namespace

std::string RawNodeId(int64_t record_id) {
  return absl::StrCat("raw:", record_id);
}
std::string RecordNodeId(int64_t record_id) {
  return absl::StrCat("record:", record_id);
}
std::string EntityNodeId(cv1::EntityType type, absl::string_view id,
                         int64_t version) {
  return absl::StrCat("entity:", EntityTypeShortName(type), ":", id, "@",
                      version);
}
std::string EventNodeId(int64_t position) {
  return absl::StrCat("event:", position);
}
std::string ScheduleNodeId(absl::string_view schedule_id, int64_t version) {
  return absl::StrCat("schedule:", schedule_id, "@", version);
}
std::string JournalNodeId(absl::string_view entry_id) {
  return absl::StrCat("je:", entry_id);
}
std::string WorkflowNodeId(absl::string_view workflow_id) {
  return absl::StrCat("workflow:", workflow_id);
}
std::string StepNodeId(absl::string_view workflow_id, int index) {
  return absl::StrCat("step:", workflow_id, "#", index);
}
std::string PostingNodeId(absl::string_view target, absl::string_view key) {
  return absl::StrCat("posting:", target, ":", key);
}
std::string ExceptionNodeId(int64_t exception_id) {
  return absl::StrCat("exception:", exception_id);
}

std::string EntityTypeShortName(cv1::EntityType type) {
  std::string name = cv1::EntityType_Name(type);
  if (absl::StartsWith(name, "ENTITY_TYPE_")) name = name.substr(12);
  return name;
}

cv1::EntityType EntityTypeFromShortName(absl::string_view name) {
  cv1::EntityType type;
  if (!cv1::EntityType_Parse(
          absl::StrCat("ENTITY_TYPE_", absl::AsciiStrToUpper(name)), &type)) {
    return cv1::ENTITY_TYPE_UNSPECIFIED;
  }
  return type;
}

std::optional<ParsedNodeId> ParseNodeId(absl::string_view text) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos) return std::nullopt;
  const absl::string_view kind = text.substr(0, colon);
  const absl::string_view rest = text.substr(colon + 1);
  if (rest.empty()) return std::nullopt;
  ParsedNodeId p;
  if (kind == "raw" || kind == "record" || kind == "event" ||
      kind == "exception") {
    if (!PositiveNumber(rest, &p.number)) return std::nullopt;
    p.kind = kind == "raw"      ? hub::v1::TRACE_NODE_KIND_RAW_PAYLOAD
             : kind == "record" ? hub::v1::TRACE_NODE_KIND_RECORD
             : kind == "event"  ? hub::v1::TRACE_NODE_KIND_EVENT
                                : hub::v1::TRACE_NODE_KIND_EXCEPTION;
    return p;
  }
  if (kind == "entity") {
    const size_t sep = rest.find(':');
    if (sep == absl::string_view::npos) return std::nullopt;
    p.type = EntityTypeFromShortName(rest.substr(0, sep));
    if (p.type == cv1::ENTITY_TYPE_UNSPECIFIED ||
        !SplitVersion(rest.substr(sep + 1), &p.id, &p.version)) {
      return std::nullopt;
    }
    p.kind = hub::v1::TRACE_NODE_KIND_ENTITY_VERSION;
    return p;
  }
  if (kind == "schedule") {
    if (!SplitVersion(rest, &p.id, &p.version)) return std::nullopt;
    p.kind = hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION;
    return p;
  }
  if (kind == "je" || kind == "workflow") {
    p.kind = kind == "je" ? hub::v1::TRACE_NODE_KIND_JOURNAL_ENTRY
                          : hub::v1::TRACE_NODE_KIND_WORKFLOW;
    p.id = std::string(rest);
    return p;
  }
  if (kind == "step") {
    const size_t hash = rest.rfind('#');
    if (hash == absl::string_view::npos || hash == 0) return std::nullopt;
    if (!absl::SimpleAtoi(rest.substr(hash + 1), &p.number) || p.number < 0)
      return std::nullopt;
    p.kind = hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP;
    p.id = std::string(rest.substr(0, hash));
    return p;
  }
  if (kind == "posting") {
    const size_t sep = rest.find(':');
    if (sep == absl::string_view::npos || sep == 0 || sep + 1 == rest.size())
      return std::nullopt;
    p.kind = hub::v1::TRACE_NODE_KIND_ERP_POSTING;
    p.system = std::string(rest.substr(0, sep));
    p.id = std::string(rest.substr(sep + 1));
    return p;
  }
  return std::nullopt;
}

}  // namespace revhub::hub::lineage
