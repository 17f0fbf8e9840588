// SecretVault: the secret fields of system configurations, from the
// registration that brings them to the adapter call that needs them.
//
// A registration's secret fields (secret_fields.h) are taken out of its
// config before it is stored. Each value is
//   - a literal: sealed with the hub's secrets key (secrets_key.h) and
//     stored with a fingerprint (SHA-256 over the hub's salt and the value,
//     first 8 hex digits); refused with INVALID_ARGUMENT when the hub has
//     no key;
//   - "env:NAME" or "file:PATH": stored as that reference, read only when
//     the configuration is sent to an adapter (Resolve);
//   - null or "": the stored value is cleared.
// A secret field the registration leaves out keeps its stored value.
// Responses show a secret field only as its SecretState (States).
//
// Open() checks, before the hub serves, that every sealed value opens with
// the key given, re-seals with it the values sealed with the previous key
// (rotation), and takes out of stored configs (registrations stored before
// secrets were kept apart) the string fields whose names look secret.
//
// Thread-safety: after Open(), every method is const and thread-safe.
#ifndef REVHUB_HUB_SECRETS_SECRET_VAULT_H_
#define REVHUB_HUB_SECRETS_SECRET_VAULT_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "hub/secrets/secrets_key.h"
#include "hub/store/store.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

// The secret fields a registration sets (a SystemSecret) or clears
// (nullopt), by field name.
using SecretChanges = std::map<std::string, std::optional<SystemSecret>>;

class SecretVault {
 public:
  // Returns the vault of `store` (not owned; outlives the vault) with the
  // key `key` (none: literal secrets are refused) and, to rotate from, the
  // `previous` key. Re-seals with `key` every value sealed with `previous`,
  // in one write. FAILED_PRECONDITION, naming the system, field and key
  // ids, when a stored value is sealed with neither key or does not open.
  static absl::StatusOr<std::unique_ptr<SecretVault>> Open(
      Store* store, std::optional<SecretsKey> key,
      std::optional<SecretsKey> previous);

  // The number of values Open() re-sealed with the new key.
  int resealed() const { return resealed_; }

  // Takes the secret fields out of `config` (registration of system
  // `system`): the fields in `secret_fields` (from the adapter's schema)
  // and those whose names LooksSecret and whose values are strings or
  // null. Returns what they set or clear. INVALID_ARGUMENT naming the
  // field ("system.config.NAME") for a schema-secret value that is not a
  // string, a bad reference, or a literal without a secrets key.
  absl::StatusOr<SecretChanges> Take(absl::string_view system,
                                     const std::set<std::string>& secret_fields,
                                     google::protobuf::Struct* config) const;

  // Returns the secrets a system keeps: `stored` with `changes` applied,
  // plus an unset entry for every field of `secret_fields` without one, in
  // field order.
  static std::vector<SystemSecret> Merge(
      const std::vector<SystemSecret>& stored, const SecretChanges& changes,
      const std::set<std::string>& secret_fields);

  // Whether `a` and `b` hold the same values (sealed values compare by
  // fingerprint, references by reference).
  static bool Same(const std::vector<SystemSecret>& a,
                   const std::vector<SystemSecret>& b);

  // Returns what a response shows of `secrets`.
  static google::protobuf::Map<std::string, hub::v1::SecretState> States(
      const std::vector<SystemSecret>& secrets);

  // Adds the values of `secrets` (system `system`) to `config`: opens the
  // sealed ones, reads the environment and files of references. Returns
  // the values added, to redact from what the adapter answers.
  // FAILED_PRECONDITION naming the field when a reference cannot be read
  // (the message never holds a value).
  absl::StatusOr<std::vector<std::string>> Resolve(
      absl::string_view system, const std::vector<SystemSecret>& secrets,
      google::protobuf::Struct* config) const;

 private:
  SecretVault() = default;
  // Takes the fields whose names look secret out of every stored config.
  absl::Status TakeStoredSecrets(Store* store);

  std::optional<SecretsKey> key_;
  std::string salt_;
  int resealed_ = 0;
};

// Returns `text` with every value of `secrets` (4 bytes or longer)
// replaced by "[REDACTED]".
std::string RedactSecrets(std::string text,
                          const std::vector<std::string>& secrets);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SECRETS_SECRET_VAULT_H_
