// Primitives adapters use to authenticate webhook deliveries and sign
// vendor requests: HMAC-SHA256, SHA-256, base64 and a comparison whose time
// does not depend on where two strings differ. OpenSSL underneath.
// Thread-safe: all functions are pure.
#ifndef REVHUB_ADAPTERS_SDK_WEBHOOK_CRYPTO_H_
#define REVHUB_ADAPTERS_SDK_WEBHOOK_CRYPTO_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace revhub::adapter {

// Raw 32-byte HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view message);
// The same, as lower-case hex (Stripe's v1 signatures).
std::string HmacSha256Hex(absl::string_view key, absl::string_view message);
// Raw 32-byte SHA-256 and its lower-case hex.
std::string Sha256(absl::string_view data);
std::string Sha256Hex(absl::string_view data);

// Standard base64 with padding (RFC 4648 section 4).
std::string Base64Encode(absl::string_view data);
// URL-safe base64 without padding (RFC 4648 section 5; JWTs).
std::string Base64UrlEncode(absl::string_view data);
// Decodes standard base64 (padding optional); nullopt when not base64.
std::optional<std::string> Base64Decode(absl::string_view text);

// True when a == b, in time that depends only on the lengths.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// Signs `message` with the PEM RSA private key, RSASSA-PKCS1-v1_5 over
// SHA-256 (JWT "RS256"); nullopt when the key cannot be read.
std::optional<std::string> RsaSha256Sign(absl::string_view private_key_pem,
                                         absl::string_view message);

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_SDK_WEBHOOK_CRYPTO_H_
