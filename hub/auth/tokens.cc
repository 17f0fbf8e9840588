#include "hub/auth/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace revhub::hub::auth {
namespace {

constexpr absl::string_view kPrefix = "rhk_";
constexpr size_t kKeyIdBytes = 8;
constexpr size_t kSecretBytes = 32;
constexpr size_t kSaltBytes = 16;

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(n)) != 1) {
    return absl::InternalError("the random generator (RAND_bytes) failed");
  }
  return out;
}

std::string Sha256(absl::string_view salt, absl::string_view secret) {
  std::string input = absl::StrCat(salt, secret);
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(),
             reinterpret_cast<unsigned char*>(out.data()), &len, EVP_sha256(),
             nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<NewToken> MakeToken() {
  absl::StatusOr<std::string> key_id = RandomBytes(kKeyIdBytes);
  if (!key_id.ok()) return key_id.status();
  absl::StatusOr<std::string> secret = RandomBytes(kSecretBytes);
  if (!secret.ok()) return secret.status();
  absl::StatusOr<std::string> salt = RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  NewToken t;
  t.key_id = absl::BytesToHexString(*key_id);
  const std::string secret_hex = absl::BytesToHexString(*secret);
  t.token = absl::StrCat(kPrefix, t.key_id, "_", secret_hex);
  t.salt = *salt;
  t.hash = Sha256(t.salt, secret_hex);
  return t;
}

absl::StatusOr<ParsedToken> ParseToken(absl::string_view token) {
  if (!absl::StartsWith(token, kPrefix)) {
    return absl::InvalidArgumentError(
        "the token does not start with rhk_ (not a revhub API token)");
  }
  token.remove_prefix(kPrefix.size());
  const size_t key_len = 2 * kKeyIdBytes;
  const size_t secret_len = 2 * kSecretBytes;
  if (token.size() != key_len + 1 + secret_len || token[key_len] != '_') {
    return absl::InvalidArgumentError(
        "the token is malformed (expected rhk_<key id>_<secret>)");
  }
  ParsedToken p{std::string(token.substr(0, key_len)),
                std::string(token.substr(key_len + 1))};
  if (!IsLowerHex(p.key_id) || !IsLowerHex(p.secret)) {
    return absl::InvalidArgumentError(
        "the token is malformed (key id and secret are hexadecimal)");
  }
  return p;
}

bool SecretMatches(absl::string_view secret, absl::string_view salt,
                   absl::string_view hash) {
  const std::string computed = Sha256(salt, secret);
  if (hash.size() != computed.size()) return false;
  return CRYPTO_memcmp(computed.data(), hash.data(), computed.size()) == 0;
}

}  // namespace revhub::hub::auth
