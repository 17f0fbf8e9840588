// EntityReader / EntityWriter: every version of every canonical entity,
// their external refs and their index entries.
//
// An entity (type, id) has versions 1, 2, … each recorded at a time; the
// highest is current. Each version carries index entries (key = value)
// that replace the previous version's and make the entity findable by them.
// An external ref (system, object_type, vendor_id) belongs to at most one
// entity of a type.
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h) and sees that
// transaction's own writes.
#ifndef REVHUB_HUB_STORE_ENTITY_STORE_H_
#define REVHUB_HUB_STORE_ENTITY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/canonical/v1/common.pb.h"

namespace revhub::hub {

using canonical::v1::EntityType;
using canonical::v1::ExternalRef;

// One stored version of one entity. `payload` is the serialized canonical
// message (Customer, Contract, …).
struct StoredEntity {
  EntityType type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::string id;
  int64_t version = 0;
  absl::Time recorded_at;
  std::string payload;
};

// Which version GetEntity reads: a numbered one (version > 0), else the
// one that was current at a recorded time (as_of set), else the current one.
struct VersionSelector {
  int64_t version = 0;              // 0: not by number
  std::optional<absl::Time> as_of;  // unset: not by time
};

// An index entry, and a list filter: entities whose index has `key` =
// `value`. Index entries are written with each version (PutEntityVersion).
struct IndexEntry {
  std::string key;
  std::string value;
};

struct ListEntitiesQuery {
  EntityType type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::vector<IndexEntry> filters;  // all must match
  std::string system;               // has an external ref from this system
  int page_size = 100;              // REQUIRES: > 0
  std::string page_token;           // empty for the first page
};

struct EntityPage {
  std::vector<StoredEntity> entities;  // current versions, in id order
  std::string next_page_token;         // empty at the end
};

class EntityReader {
 public:
  virtual ~EntityReader() = default;

  // Returns the version `which` selects, or nullopt when the entity (or that
  // version, or any version at that time) does not exist.
  virtual absl::StatusOr<std::optional<StoredEntity>> GetEntity(
      EntityType type, absl::string_view id, const VersionSelector& which) = 0;
  // Returns every stored version of the entity, oldest first (empty when it
  // does not exist).
  virtual absl::StatusOr<std::vector<StoredEntity>> ListEntityVersions(
      EntityType type, absl::string_view id) = 0;
  // Returns the hub id that an external ref belongs to, if any.
  virtual absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) = 0;
  // Returns one page of current entities of query.type matching every
  // filter, in id order. INVALID_ARGUMENT when page_token was not issued by
  // this store.
  virtual absl::StatusOr<EntityPage> ListEntities(
      const ListEntitiesQuery& query) = 0;
};

class EntityWriter {
 public:
  virtual ~EntityWriter() = default;

  // Returns the current version, if the entity exists.
  virtual absl::StatusOr<std::optional<StoredEntity>> GetCurrentEntity(
      EntityType type, absl::string_view id) = 0;
  // Stores a new version and makes it current; replaces the entity's index
  // entries with `index`. REQUIRES: entity.version is the current version +
  // 1 (1 for a new entity); otherwise ABORTED and nothing is written.
  virtual absl::Status PutEntityVersion(
      const StoredEntity& entity, const std::vector<IndexEntry>& index) = 0;
  // Returns the hub id that an external ref belongs to, if any.
  virtual absl::StatusOr<std::optional<std::string>> ResolveExternalRef(
      EntityType type, const ExternalRef& ref) = 0;
  // Binds an external ref to a hub id (binding it again to the same id is
  // OK). ALREADY_EXISTS when it is bound to another entity of the same type.
  virtual absl::Status BindExternalRef(EntityType type, const ExternalRef& ref,
                                       absl::string_view id) = 0;
  // Returns the ids of current entities of `type` whose index has `entry`,
  // in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<std::string>> FindEntityIds(
      EntityType type, const IndexEntry& entry, int limit) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_ENTITY_STORE_H_
