// The generic Get, List and Upsert behind every entity service.
//
// Upsert, in one write transaction: replay the stored answer for a known
// idempotency key (or refuse the key when the request differs); resolve the
// hub id from the request's id or from its external refs; check the expected
// version; check references; merge external refs with the stored ones; and
// when anything changed, store the next version, bind its external refs,
// set the raw records that were WAITING for one of those refs back to
// RECEIVED (the ingest pipeline applies them after the commit) and append
// its business event. A request equal to the current version changes
// nothing and appends no event. UpsertEntityInTxn is the part after the
// idempotency check, for callers (the ingest pipeline) that upsert several
// entities inside one transaction of their own.
#ifndef REVHUB_HUB_ENTITIES_ENTITY_OPS_H_
#define REVHUB_HUB_ENTITIES_ENTITY_OPS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"
#include "hub/entities/entity_traits.h"
#include "hub/store/store.h"

namespace revhub::hub {

// Who asked for a change and why, for the event and the audit trail.
struct ChangeContext {
  std::string principal;
};

inline absl::Status CheckPageSize(int page_size, int max) {
  if (page_size < 0 || page_size > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be between 0 and ", max, ", got ", page_size));
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<T> ParseEntity(const StoredEntity& stored) {
  T entity;
  if (!entity.ParseFromString(stored.payload)) {
    return absl::DataLossError(absl::StrCat("stored ", EntityTraits<T>::kField,
                                            " ", stored.id, " v",
                                            stored.version, " does not parse"));
  }
  return entity;
}

// Get: by id or external ref; current, numbered version or as_of.
template <typename T, typename Request>
absl::Status GetEntity(Store& store, const Request& req, T* out) {
  using Traits = EntityTraits<T>;
  if (req.id().empty() == !req.has_external_ref()) {
    return absl::InvalidArgumentError("id: give either id or external_ref");
  }
  if (req.version() != 0 && req.has_as_of()) {
    return absl::InvalidArgumentError(
        "version: give either version or as_of, not both");
  }
  if (req.version() < 0) {
    return absl::InvalidArgumentError("version: must not be negative");
  }
  std::string id = req.id();
  if (id.empty()) {
    ASSIGN_OR_RETURN(auto resolved, store.ResolveExternalRef(
                                        Traits::kType, req.external_ref()));
    if (!resolved.has_value()) {
      const auto& r = req.external_ref();
      return absl::NotFoundError(
          absl::StrCat("no ", Traits::kField, " known as ", r.system(), "/",
                       r.object_type(), "/", r.vendor_id()));
    }
    id = *resolved;
  }
  VersionSelector which;
  which.version = req.version();
  if (req.has_as_of()) which.as_of = FromProto(req.as_of());
  ASSIGN_OR_RETURN(auto stored, store.GetEntity(Traits::kType, id, which));
  if (!stored.has_value()) {
    if (req.version() != 0) {
      return absl::NotFoundError(absl::StrCat(
          Traits::kField, " \"", id, "\" has no version ", req.version()));
    }
    if (req.has_as_of()) {
      return absl::NotFoundError(absl::StrCat(
          Traits::kField, " \"", id, "\" did not exist at ",
          google::protobuf::util::TimeUtil::ToString(req.as_of())));
    }
    return absl::NotFoundError(
        absl::StrCat(Traits::kField, " \"", id, "\" not found"));
  }
  ASSIGN_OR_RETURN(*out, ParseEntity<T>(*stored));
  return absl::OkStatus();
}

// List: current versions in id order.
template <typename T, typename Request, typename Items>
absl::Status ListEntities(Store& store, const Request& req, Items* items,
                          std::string* next_page_token) {
  using Traits = EntityTraits<T>;
  RETURN_IF_ERROR(CheckPageSize(req.page_size(), 500));
  ListEntitiesQuery q;
  q.type = Traits::kType;
  q.filters = Traits::Filters(req);
  q.system = req.system();
  q.page_size = req.page_size() == 0 ? 100 : req.page_size();
  q.page_token = req.page_token();
  ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(q));
  for (const StoredEntity& e : page.entities) {
    ASSIGN_OR_RETURN(*items->Add(), ParseEntity<T>(e));
  }
  *next_page_token = page.next_page_token;
  return absl::OkStatus();
}

// What UpsertEntityInTxn needs besides the entity: the change's guard and
// where it came from.
struct UpsertArgs {
  std::optional<int64_t> expected_version;
  std::string source_system;
  std::string correlation_id;  // empty: the event's own id
  std::string causation_id;
  // The W3C trace id the event carries (the payload's); empty: none.
  std::string trace_id;
  // The event's occurred_at; unset: the entity's effective_at.
  std::optional<google::protobuf::Timestamp> occurred_at;
  ChangeContext ctx;
};

// The stored entity after an upsert; event_position is 0 when unchanged.
template <typename T>
struct UpsertResult {
  T entity;
  bool changed = false;
  int64_t event_position = 0;
};

// Sets the raw records WAITING for `ref` of `type` back to RECEIVED inside
// txn: what they waited for is known now. The store wakes the ingest
// pipeline after the commit.
inline absl::Status ReleaseRecordsWaitingFor(WriteTxn& txn, EntityType type,
                                             const ExternalRef& ref) {
  ASSIGN_OR_RETURN(std::vector<RecordWait> waiting,
                   txn.RecordsWaitingFor(type, ref));
  for (const RecordWait& w : waiting) {
    RETURN_IF_ERROR(txn.SetRawRecordStatus(
        w.record_id, hub::v1::RECORD_STATUS_RECEIVED, ""));
  }
  return absl::OkStatus();
}

// Upserts `entity` inside `txn`: resolves the hub id from entity.id or its
// external refs (an id not stored yet is NOT_FOUND, except for the types
// whose callers assign ids, kCallerAssignsId, which it creates); checks the
// expected version and references; merges external
// refs with the stored ones; and when anything changed, stores the next
// version, binds its external refs (releasing the records waiting for them,
// ReleaseRecordsWaitingFor) and appends its business event (derived from
// the stored state by EntityTraits<T>::DescribeChange). Idempotency keys
// are the caller's. REQUIRES: EntityTraits<T>::Validate(entity) is OK and
// entity has no version or recorded_at.
template <typename T>
absl::StatusOr<UpsertResult<T>> UpsertEntityInTxn(WriteTxn& txn,
                                                  const T& entity,
                                                  const UpsertArgs& args) {
  using Traits = EntityTraits<T>;
  const std::string field = Traits::kField;
  // Resolve the hub id.
  std::string id = entity.id();
  if (id.empty()) {
    for (int i = 0; i < entity.external_refs_size(); ++i) {
      ASSIGN_OR_RETURN(auto found, txn.ResolveExternalRef(
                                       Traits::kType, entity.external_refs(i)));
      if (!found.has_value()) continue;
      if (!id.empty() && id != *found) {
        return FieldError(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat(field, ".external_refs[", i, "]"),
            absl::StrCat("belongs to ", *found,
                         " while an earlier ref belongs to ", id));
      }
      id = *found;
    }
  }
  std::optional<T> current;
  if (!id.empty()) {
    ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(Traits::kType, id));
    if (stored.has_value()) {
      ASSIGN_OR_RETURN(current, ParseEntity<T>(*stored));
    } else if (!entity.id().empty() && !kCallerAssignsId<T>) {
      return FieldError(
          absl::StatusCode::kNotFound, absl::StrCat(field, ".id"),
          absl::StrCat("no ", field, " \"", id,
                       "\" (leave id empty to create one; the hub assigns "
                       "ids)"));
    }
  }
  const int64_t current_version = current.has_value() ? current->version() : 0;
  if (args.expected_version.has_value() &&
      *args.expected_version != current_version) {
    return absl::AbortedError(absl::StrCat(
        field, " ", id.empty() ? "(new)" : id, " is at version ",
        current_version, ", expected_version was ", *args.expected_version));
  }
  if (id.empty()) id = NewId(Traits::kIdPrefix);

  UpsertResult<T> result;
  T next = entity;
  next.set_id(id);
  RETURN_IF_ERROR(Traits::CheckReferences(txn, next));
  if (current.has_value()) {
    // Keep every system's refs: a change from one system does not drop
    // what the others know.
    google::protobuf::RepeatedPtrField<ExternalRef> merged =
        current->external_refs();
    for (const ExternalRef& r : entity.external_refs()) {
      bool known = false;
      for (const ExternalRef& m : merged) {
        known = known || (m.system() == r.system() &&
                          m.object_type() == r.object_type() &&
                          m.vendor_id() == r.vendor_id());
      }
      if (!known) *merged.Add() = r;
    }
    *next.mutable_external_refs() = merged;
    if (!next.has_effective_at())
      *next.mutable_effective_at() = current->effective_at();
    next.set_version(current->version());
    *next.mutable_recorded_at() = current->recorded_at();
    if (google::protobuf::util::MessageDifferencer::Equals(next, *current)) {
      result.entity = *current;
      return result;
    }
  } else if (!next.has_effective_at()) {
    *next.mutable_effective_at() = ToProto(txn.Now());
  }
  next.set_version(current_version + 1);
  *next.mutable_recorded_at() = ToProto(txn.Now());

  StoredEntity stored;
  stored.type = Traits::kType;
  stored.id = id;
  stored.version = next.version();
  stored.recorded_at = txn.Now();
  stored.payload = next.SerializeAsString();
  RETURN_IF_ERROR(txn.PutEntityVersion(stored, Traits::Index(next)));
  for (int i = 0; i < next.external_refs_size(); ++i) {
    absl::Status bound =
        txn.BindExternalRef(Traits::kType, next.external_refs(i), id);
    if (absl::IsAlreadyExists(bound)) {
      return FieldError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat(field, ".external_refs"), bound.message());
    }
    RETURN_IF_ERROR(bound);
    RETURN_IF_ERROR(
        ReleaseRecordsWaitingFor(txn, Traits::kType, next.external_refs(i)));
  }

  BusinessEvent event;
  event.set_event_id(NewId("evt"));
  auto* subject = event.mutable_subject();
  subject->set_entity_type(Traits::kType);
  subject->set_id(id);
  subject->set_version(next.version());
  event.set_source_system(args.source_system);
  event.set_correlation_id(args.correlation_id.empty() ? event.event_id()
                                                       : args.correlation_id);
  event.set_causation_id(args.causation_id);
  event.set_trace_id(args.trace_id);
  event.set_principal(args.ctx.principal);
  *event.mutable_occurred_at() =
      args.occurred_at.has_value() ? *args.occurred_at : next.effective_at();
  Traits::DescribeChange(current.has_value() ? &*current : nullptr, next,
                         &event);
  ASSIGN_OR_RETURN(result.event_position, txn.AppendEvent(std::move(event)));
  result.entity = std::move(next);
  result.changed = true;
  return result;
}

// Runs `fn` inside txn under an idempotency key (none when `key` is empty):
// the first answer is kept under (scope, key); the same key with the same
// request (`request_hash`) answers it again into `response` without running
// fn (*replayed = true); the key with another request is INVALID_ARGUMENT
// naming idempotency_key and `what` the key was used for.
template <typename Response>
absl::Status RunIdempotent(WriteTxn& txn, absl::string_view scope,
                           const std::string& key,
                           const std::string& request_hash,
                           absl::string_view what, Response* response,
                           bool* replayed,
                           absl::FunctionRef<absl::Status()> fn) {
  response->Clear();
  *replayed = false;
  if (!key.empty()) {
    ASSIGN_OR_RETURN(auto seen, txn.GetIdempotency(scope, key));
    if (seen.has_value()) {
      if (seen->request_hash != request_hash) {
        return absl::InvalidArgumentError(
            absl::StrCat("idempotency_key: \"", key,
                         "\" was already used for a different ", what));
      }
      if (!response->ParseFromString(seen->response)) {
        return absl::DataLossError("stored idempotent response does not parse");
      }
      *replayed = true;
      return absl::OkStatus();
    }
  }
  RETURN_IF_ERROR(fn());
  if (!key.empty()) {
    RETURN_IF_ERROR(txn.PutIdempotency(
        scope, key,
        IdempotencyRecord{request_hash, response->SerializeAsString()}));
  }
  return absl::OkStatus();
}

// Upsert. `entity` is the request's entity; the stored one goes to
// *mutable_out(response). One write transaction: replay the stored answer
// for a known idempotency key (or refuse the key when the request differs),
// then UpsertEntityInTxn.
template <typename T, typename Request, typename Response, typename MutableOut>
absl::Status UpsertEntity(Store& store, const Request& req, const T& entity,
                          const ChangeContext& ctx, Response* response,
                          MutableOut mutable_out) {
  using Traits = EntityTraits<T>;
  const std::string field = Traits::kField;
  if (req.idempotency_key().size() > 256) {
    return absl::InvalidArgumentError(
        "idempotency_key: must be at most 256 characters");
  }
  if (req.has_expected_version() && req.expected_version() < 0) {
    return absl::InvalidArgumentError("expected_version: must not be negative");
  }
  if (entity.version() != 0 || entity.has_recorded_at()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ".version: version and recorded_at are assigned by the hub; use "
        "expected_version to guard a change"));
  }
  RETURN_IF_ERROR(Traits::Validate(entity));
  const std::string scope = absl::StrCat(field, ".upsert");
  const std::string request_hash = Sha256Hex(DeterministicBytes(req));
  UpsertArgs args;
  if (req.has_expected_version())
    args.expected_version = req.expected_version();
  args.source_system = req.source_system();
  args.correlation_id = req.correlation_id();
  args.causation_id = req.causation_id();
  args.ctx = ctx;

  return store.Write([&](WriteTxn& txn) -> absl::Status {
    bool replayed = false;
    RETURN_IF_ERROR(
        RunIdempotent(txn, scope, req.idempotency_key(), request_hash,
                      absl::StrCat(field, " upsert"), response, &replayed,
                      [&]() -> absl::Status {
                        ASSIGN_OR_RETURN(UpsertResult<T> result,
                                         UpsertEntityInTxn(txn, entity, args));
                        *mutable_out(response) = std::move(result.entity);
                        response->set_changed(result.changed);
                        if (result.changed)
                          response->set_event_position(result.event_position);
                        return absl::OkStatus();
                      }));
    if (replayed) response->set_replayed(true);
    return absl::OkStatus();
  });
}

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ENTITIES_ENTITY_OPS_H_
