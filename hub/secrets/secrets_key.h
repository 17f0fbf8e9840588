// hub/secrets: keeping secret configuration fields out of reach.
//
// SecretsKey is the hub's secrets key: 32 random bytes read from the file
// given to `revhubd --secrets-key-file` (64 hex digits or base64, e.g. made
// with `openssl rand -hex 32`), which must be readable by its owner only.
// Its id (16 hex digits of a SHA-256 over the key) is stored with every
// value it seals, so a hub knows which key a value needs and can rotate.
//
// Seal/Open are AES-256-GCM (OpenSSL 3 EVP) with a random 96-bit nonce per
// value and additional data binding the value to its system and field: a
// sealed value copied to another system or field does not open.
//
// Thread-safety: a SecretsKey is immutable; the functions keep no state.
#ifndef REVHUB_HUB_SECRETS_SECRETS_KEY_H_
#define REVHUB_HUB_SECRETS_SECRETS_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::hub {

struct SecretsKey {
  std::string bytes;  // 32 bytes
  std::string id;     // 16 lower-case hex digits
};

// Returns the key in `path`. `flag` (e.g. "--secrets-key-file") names the
// option in errors. INVALID_ARGUMENT when the file cannot be read, is
// readable or writable by group or others, or does not hold 32 bytes as
// hex or base64.
absl::StatusOr<SecretsKey> LoadSecretsKeyFile(const std::string& path,
                                              absl::string_view flag);

// Returns the key made of `bytes` (32 of them) with its id.
SecretsKey SecretsKeyOf(std::string bytes);

// A value sealed with a key: which key, the nonce, and the ciphertext with
// its 16-byte tag appended.
struct SealedValue {
  std::string key_id;
  std::string nonce;
  std::string ciphertext;
};

// Returns `plaintext` sealed with `key` for field `field` of system
// `system`.
absl::StatusOr<SealedValue> Seal(const SecretsKey& key,
                                 absl::string_view system,
                                 absl::string_view field,
                                 absl::string_view plaintext);

// Returns the plaintext of `sealed`, which `key` must have sealed for the
// same system and field. DATA_LOSS when it does not open (another key, or
// a value altered or moved).
absl::StatusOr<std::string> Open(const SecretsKey& key,
                                 absl::string_view system,
                                 absl::string_view field,
                                 const SealedValue& sealed);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SECRETS_SECRETS_KEY_H_
