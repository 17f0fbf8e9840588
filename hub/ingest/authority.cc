#include "hub/ingest/authority.h"

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/entities/entity_ops.h"
#include "hub/entities/matching.h"

namespace revhub::hub {

using canonical::v1::EntityType;
using canonical::v1::ExternalRef;

Authorities::Authorities(const std::vector<hub::v1::System>& systems) {
  for (const hub::v1::System& s : systems) {
    for (int type : s.authoritative_for()) {
      by_type_[static_cast<EntityType>(type)].insert(s.name());
    }
  }
}

bool Authorities::IsAuthority(const std::string& system,
                              EntityType type) const {
  auto it = by_type_.find(type);
  return it != by_type_.end() && it->second.count(system) > 0;
}

bool Authorities::Defers(const std::string& system, EntityType type) const {
  auto it = by_type_.find(type);
  return it != by_type_.end() && !it->second.empty() &&
         it->second.count(system) == 0;
}

absl::StatusOr<AuthorityDecision> DecideAuthority(
    WriteTxn& txn, const Authorities& authorities,
    const hub::v1::System& source, EntityType type,
    const google::protobuf::RepeatedPtrField<ExternalRef>& refs,
    const canonical::v1::Customer* customer) {
  AuthorityDecision decision;
  if (!authorities.Defers(source.name(), type)) return decision;
  // The records of an authoritative system the entity names.
  std::vector<ExternalRef> named;
  for (const ExternalRef& ref : refs) {
    if (authorities.IsAuthority(ref.system(), type)) named.push_back(ref);
  }
  if (customer != nullptr && type == canonical::v1::ENTITY_TYPE_CUSTOMER) {
    for (const hub::v1::MatchingRule& rule : source.matching_rules()) {
      if (rule.ref_system().empty() ||
          !authorities.IsAuthority(rule.ref_system(), type))
        continue;
      std::optional<std::string> value =
          CustomerMatchValue(*customer, rule.field());
      if (!value) continue;
      // The vendor id as written, not its normalized match form.
      std::string vendor_id = *value;
      if (rule.field().rfind("attributes.", 0) == 0) {
        auto it = customer->attributes().find(rule.field().substr(11));
        if (it != customer->attributes().end()) vendor_id = it->second;
      }
      ExternalRef ref;
      ref.set_system(rule.ref_system());
      ref.set_object_type(rule.ref_object_type());
      ref.set_vendor_id(vendor_id);
      named.push_back(ref);
    }
  }
  if (named.empty()) return decision;
  for (const ExternalRef& ref : named) {
    ASSIGN_OR_RETURN(auto id, txn.ResolveExternalRef(type, ref));
    if (id.has_value()) {
      decision.action = AuthorityAction::kBindRefs;
      decision.entity_id = *id;
      return decision;
    }
  }
  decision.action = AuthorityAction::kWait;
  decision.waiting_for = named.front();
  return decision;
}

absl::Status BindRefs(
    WriteTxn& txn, EntityType type,
    const google::protobuf::RepeatedPtrField<ExternalRef>& refs,
    const std::string& entity_id) {
  for (const ExternalRef& ref : refs) {
    ASSIGN_OR_RETURN(auto id, txn.ResolveExternalRef(type, ref));
    if (id.has_value()) {
      if (*id == entity_id) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          ref.system(), "/", ref.object_type(), "/", ref.vendor_id(),
          " already names ", *id, ", not ", entity_id));
    }
    RETURN_IF_ERROR(txn.BindExternalRef(type, ref, entity_id));
    // Records waiting for this ref (an invoice naming the subscription)
    // can go on now.
    RETURN_IF_ERROR(ReleaseRecordsWaitingFor(txn, type, ref));
  }
  return absl::OkStatus();
}

}  // namespace revhub::hub
