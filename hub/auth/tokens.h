// API tokens: how a principal's bearer token is made, parsed and checked.
//
// A token is `rhk_<key_id>_<secret>`: key_id is 8 random bytes and secret
// 32 random bytes (OpenSSL RAND_bytes), both in lower-case hex. The key id
// is public and names the token's principal without a scan; the hub stores
// only a 16-byte random salt and SHA-256(salt || secret), and compares
// hashes in constant time (CRYPTO_memcmp). A token is shown once, when made.
//
// Thread-safety: the functions keep no state.
#ifndef REVHUB_HUB_AUTH_TOKENS_H_
#define REVHUB_HUB_AUTH_TOKENS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::hub::auth {

// A freshly made token with what the hub stores of it.
struct NewToken {
  std::string token;  // rhk_<key_id>_<secret>: give to the principal once
  std::string key_id;
  std::string salt;
  std::string hash;  // SHA-256(salt || secret)
};

// The parts of a presented token.
struct ParsedToken {
  std::string key_id;
  std::string secret;
};

// Returns a new random token. INTERNAL when the random generator fails.
absl::StatusOr<NewToken> MakeToken();

// Splits `token` into key id and secret. INVALID_ARGUMENT (saying what is
// wrong, never echoing the token) when it is not rhk_<16 hex>_<64 hex>.
absl::StatusOr<ParsedToken> ParseToken(absl::string_view token);

// Returns whether SHA-256(salt || secret) equals `hash`, compared in
// constant time.
bool SecretMatches(absl::string_view secret, absl::string_view salt,
                   absl::string_view hash);

}  // namespace revhub::hub::auth

#endif  // REVHUB_HUB_AUTH_TOKENS_H_
