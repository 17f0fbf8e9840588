// SystemReader / SystemWriter: the registered source and target systems.
//
// A system is stored by name; registering a name again replaces it. Its
// secret configuration fields are stored beside it, one SystemSecret per
// field, never in clear: sealed (encrypted by hub/secrets) or as a
// reference; a stored System's `config` holds no secret field. The
// reader reads committed systems and is thread-safe; the writer exists only
// inside a write transaction (see WriteTxn in store.h) and is used by the
// one thread running that transaction.
#ifndef REVHUB_HUB_STORE_SYSTEM_STORE_H_
#define REVHUB_HUB_STORE_SYSTEM_STORE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

// One secret configuration field of a system as stored. `source` says which
// members hold it: SEALED (key_id, nonce, ciphertext with its tag, and the
// fingerprint), ENV or FILE (reference: "env:NAME", "file:PATH"), or
// UNSPECIFIED for a secret field that has no value.
struct SystemSecret {
  std::string field;
  hub::v1::SecretSource source = hub::v1::SECRET_SOURCE_UNSPECIFIED;
  std::string reference;
  std::string key_id;
  std::string nonce;
  std::string ciphertext;
  std::string fingerprint;
};

class SystemReader {
 public:
  virtual ~SystemReader() = default;

  // Returns the system registered under `name`, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) = 0;
  // Returns at most `limit` systems whose name sorts after `after_name`, in
  // name order ("" starts at the first).
  virtual absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
      absl::string_view after_name, int limit) = 0;
  // Returns the secret fields of system `name`, in field order.
  virtual absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
      absl::string_view name) = 0;
  // Returns the system names and fields of every SEALED secret, with their
  // key ids (reference and ciphertext left empty), in (system, field)
  // order.
  virtual absl::StatusOr<std::vector<std::pair<std::string, SystemSecret>>>
  ListSealedSecretKeys() = 0;
  // Returns the hub's fingerprint salt (random, made with the database).
  virtual absl::StatusOr<std::string> FingerprintSalt() = 0;
};

class SystemWriter {
 public:
  virtual ~SystemWriter() = default;

  // Returns the system registered under `name`, including this
  // transaction's own writes, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) = 0;
  // Stores `system` under its name, replacing any system of that name.
  virtual absl::Status PutSystem(const hub::v1::System& system) = 0;
  // Returns the secret fields of system `name`, in field order, including
  // this transaction's own writes.
  virtual absl::StatusOr<std::vector<SystemSecret>> GetSystemSecrets(
      absl::string_view name) = 0;
  // Replaces every secret field of system `name` with `secrets`.
  virtual absl::Status PutSystemSecrets(
      absl::string_view name, const std::vector<SystemSecret>& secrets) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_SYSTEM_STORE_H_
