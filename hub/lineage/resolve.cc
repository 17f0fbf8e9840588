// Trace's readings of a ref (lineage.h): each reading that names something
// stored gives a root node.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "canonical/status_macros.h"
#include "hub/lineage/lineage_internal.h"

namespace revhub::hub::lineage {
namespace {

namespace cv1 = ::revhub::canonical::v1;

// The node of an entity's version (current when version is 0), or "" when
// there is none.
absl::StatusOr<std::string> EntityNode(Store& store, cv1::EntityType type,
                                       const std::string& id, int64_t version) {
  VersionSelector which;
  which.version = version;
  ASSIGN_OR_RETURN(auto stored, store.GetEntity(type, id, which));
  if (!stored.has_value()) return std::string();
  if (type == cv1::ENTITY_TYPE_JOURNAL_ENTRY) return JournalNodeId(id);
  if (type == cv1::ENTITY_TYPE_REVENUE_SCHEDULE)
    return ScheduleNodeId(id, stored->version);
  return EntityNodeId(type, id, stored->version);
}

std::vector<cv1::EntityType> AllEntityTypes() {
  std::vector<cv1::EntityType> out;
  const auto* d = cv1::EntityType_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    const auto t = static_cast<cv1::EntityType>(d->value(i)->number());
    if (t != cv1::ENTITY_TYPE_UNSPECIFIED) out.push_back(t);
  }
  return out;
}

}  // namespace

absl::Status ResolveRef(Walker& walker, const std::string& ref,
                        std::vector<std::string>* roots,
                        std::vector<std::string>* tried) {
  Store& store = walker.store();
  auto root = [&](const std::string& node) -> absl::Status {
    if (node.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(bool kept, walker.AddNode(node));
    if (kept && std::find(roots->begin(), roots->end(), node) == roots->end())
      roots->push_back(node);
    return absl::OkStatus();
  };
  if (auto parsed = ParseNodeId(ref)) {
    tried->push_back("a node id");
    return root(ref);
  }
  std::vector<std::string> parts = absl::StrSplit(ref, absl::MaxSplits('/', 2));
  if (parts.size() == 3 && !parts[0].empty() && !parts[1].empty() &&
      !parts[2].empty()) {
    tried->push_back(absl::StrCat(
        "an external ref (system \"", parts[0], "\", object type \"", parts[1],
        "\", vendor id \"", parts[2], "\") of every entity type"));
    cv1::ExternalRef ext;
    ext.set_system(parts[0]);
    ext.set_object_type(parts[1]);
    ext.set_vendor_id(parts[2]);
    for (cv1::EntityType type : AllEntityTypes()) {
      ASSIGN_OR_RETURN(auto id, store.ResolveExternalRef(type, ext));
      if (!id.has_value()) continue;
      ASSIGN_OR_RETURN(std::string node, EntityNode(store, type, *id, 0));
      RETURN_IF_ERROR(root(node));
    }
    tried->push_back(absl::StrCat("a posting to ", parts[0],
                                  " by its vendor id or external id"));
    ASSIGN_OR_RETURN(auto rows, FindPostingsByKey(store, parts[0], parts[2]));
    for (const PostingRow& row : rows) {
      RETURN_IF_ERROR(root(PostingNodeId(row.target_system, PostingKey(row))));
    }
    return absl::OkStatus();
  }
  int64_t number = 0;
  if (absl::SimpleAtoi(ref, &number) && number > 0) {
    tried->push_back("a raw record id, an event position, an exception id");
    RETURN_IF_ERROR(root(RecordNodeId(number)));
    RETURN_IF_ERROR(root(EventNodeId(number)));
    RETURN_IF_ERROR(root(ExceptionNodeId(number)));
  }
  // "<id>@<version>": a version of an entity.
  std::string id = ref;
  int64_t version = 0;
  if (const size_t at = ref.rfind('@'); at != std::string::npos && at > 0) {
    if (absl::SimpleAtoi(ref.substr(at + 1), &version) && version > 0) {
      id = ref.substr(0, at);
    } else {
      version = 0;
    }
  }
  tried->push_back("an entity id of every entity type");
  for (cv1::EntityType type : AllEntityTypes()) {
    ASSIGN_OR_RETURN(std::string node, EntityNode(store, type, id, version));
    RETURN_IF_ERROR(root(node));
  }
  if (version == 0) {
    tried->push_back("an event id, a workflow id");
    ASSIGN_OR_RETURN(auto ev, store.GetEventById(ref));
    if (ev.has_value()) RETURN_IF_ERROR(root(EventNodeId(ev->position())));
    ASSIGN_OR_RETURN(auto wf, store.GetWorkflow(ref));
    if (wf.has_value()) RETURN_IF_ERROR(root(WorkflowNodeId(ref)));
    tried->push_back("an ERP reference (a vendor id or external id posted to)");
    ASSIGN_OR_RETURN(auto rows, store.FindPostingsByVendorId("", ref));
    ASSIGN_OR_RETURN(auto by_external, store.FindPostingsByExternalId("", ref));
    rows.insert(rows.end(), by_external.begin(), by_external.end());
    for (const PostingRow& row : rows) {
      RETURN_IF_ERROR(root(PostingNodeId(row.target_system, PostingKey(row))));
    }
  }
  return absl::OkStatus();
}

}  // namespace revhub::hub::lineage
