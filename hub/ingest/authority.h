// Authority: whose word counts for an entity type when two systems describe
// the same entity (hub.v1.System.authoritative_for).
//
// A system registered authoritative for a type owns the content of the
// entities of that type. When a record from another system translates to
// an entity of that type, the pipeline asks Decide():
//   - kBindRefs: the entity is one the hub knows from an authoritative
//     system (one of its external refs, or a ref-form matching rule of the
//     source system, names a stored record of an authoritative system). Its
//     content is the authority's: only the source's external refs are bound
//     to that entity. No new version, no event.
//   - kWait: it names such a record, but the hub does not know it yet (a
//     Stripe subscription naming its Salesforce opportunity, which has not
//     arrived). The record waits for that ref; when the authority's record
//     arrives, the record is applied again and binds its refs.
//   - kApply: everything else, applied as usual: no system is authoritative
//     for the type, the source is one, or the entity names no record of an
//     authoritative system (a Stripe-only subscription).
//
// Thread-safety: Authorities is immutable after construction; Decide runs
// inside the caller's write transaction.
#ifndef REVHUB_HUB_INGEST_AUTHORITY_H_
#define REVHUB_HUB_INGEST_AUTHORITY_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/store/store.h"
#include "revhub/canonical/v1/customer.pb.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

// The registered systems' authority, by entity type.
class Authorities {
 public:
  Authorities() = default;
  explicit Authorities(const std::vector<hub::v1::System>& systems);

  // True when some system other than `system` is authoritative for `type`
  // and `system` is not.
  bool Defers(const std::string& system, canonical::v1::EntityType type) const;
  bool IsAuthority(const std::string& system,
                   canonical::v1::EntityType type) const;

 private:
  std::map<canonical::v1::EntityType, std::set<std::string>> by_type_;
};

enum class AuthorityAction { kApply, kBindRefs, kWait };

struct AuthorityDecision {
  AuthorityAction action = AuthorityAction::kApply;
  // kBindRefs: the entity the refs are bound to.
  std::string entity_id;
  // kWait: the authority's record the entity waits for.
  canonical::v1::ExternalRef waiting_for;
};

// Decides what to do with an entity of `type` with `refs` from `source`
// (and, for a customer, `customer`, whose ref-form matching rules of the
// source count as refs). REQUIRES: inside a write transaction.
absl::StatusOr<AuthorityDecision> DecideAuthority(
    WriteTxn& txn, const Authorities& authorities,
    const hub::v1::System& source, canonical::v1::EntityType type,
    const google::protobuf::RepeatedPtrField<canonical::v1::ExternalRef>& refs,
    const canonical::v1::Customer* customer);

// Binds every ref of `refs` not bound yet to `entity_id`, releasing the
// records waiting for it. A ref already bound to another entity is
// FAILED_PRECONDITION naming both.
absl::Status BindRefs(
    WriteTxn& txn, canonical::v1::EntityType type,
    const google::protobuf::RepeatedPtrField<canonical::v1::ExternalRef>& refs,
    const std::string& entity_id);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_INGEST_AUTHORITY_H_
