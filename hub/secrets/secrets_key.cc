#include "hub/secrets/secrets_key.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hub/common/util.h"

namespace revhub::hub {
namespace {

constexpr int kKeyBytes = 32;
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// The additional data: the value belongs to this system and field.
std::string Aad(absl::string_view system, absl::string_view field) {
  return absl::StrCat("revhub-secret\n", system, "\n", field);
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

SecretsKey SecretsKeyOf(std::string bytes) {
  SecretsKey key;
  key.id =
      Sha256Hex(absl::StrCat("revhub secrets key id\n", bytes)).substr(0, 16);
  key.bytes = std::move(bytes);
  return key;
}

absl::StatusOr<SecretsKey> LoadSecretsKeyFile(const std::string& path,
                                              absl::string_view flag) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot be read: ", strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s %s: is accessible by group or others (mode %04o); a secrets key "
        "must be readable by its owner only: chmod 600 %s",
        flag, path, st.st_mode & 07777, path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot be read"));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text(absl::StripAsciiWhitespace(buf.str()));
  std::string bytes;
  if (text.size() == 2 * kKeyBytes && IsHex(text)) {
    bytes = absl::HexStringToBytes(text);
  } else if (!absl::Base64Unescape(text, &bytes) || bytes.size() != kKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path,
        ": must hold 32 random bytes as 64 hex digits or base64 (make one "
        "with: openssl rand -hex 32 > FILE; chmod 600 FILE)"));
  }
  return SecretsKeyOf(std::move(bytes));
}

absl::StatusOr<SealedValue> Seal(const SecretsKey& key,
                                 absl::string_view system,
                                 absl::string_view field,
                                 absl::string_view plaintext) {
  SealedValue out;
  out.key_id = key.id;
  out.nonce.resize(kNonceBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.nonce.data()),
                 kNonceBytes) != 1) {
    return absl::InternalError("no random bytes for a nonce");
  }
  const std::string aad = Aad(system, field);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  out.ciphertext.resize(plaintext.size() + kTagBytes);
  auto* ct = reinterpret_cast<unsigned char*>(out.ciphertext.data());
  bool ok =
      ctx != nullptr &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(
          ctx.get(), nullptr, nullptr,
          reinterpret_cast<const unsigned char*>(key.bytes.data()),
          reinterpret_cast<const unsigned char*>(out.nonce.data())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(
          ctx.get(), ct, &len,
          reinterpret_cast<const unsigned char*>(plaintext.data()),
          static_cast<int>(plaintext.size())) == 1;
  int final_len = 0;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), ct + len, &final_len) == 1 &&
       static_cast<size_t>(len + final_len) == plaintext.size() &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                           ct + plaintext.size()) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM encryption failed");
  return out;
}

absl::StatusOr<std::string> Open(const SecretsKey& key,
                                 absl::string_view system,
                                 absl::string_view field,
                                 const SealedValue& sealed) {
  if (sealed.key_id != key.id) {
    return absl::DataLossError(absl::StrCat("sealed with key ", sealed.key_id,
                                            ", not with key ", key.id));
  }
  if (sealed.nonce.size() != kNonceBytes ||
      sealed.ciphertext.size() < kTagBytes) {
    return absl::DataLossError("the sealed value is truncated");
  }
  const std::string aad = Aad(system, field);
  const size_t n = sealed.ciphertext.size() - kTagBytes;
  std::string plain(n, '\0');
  std::string tag = sealed.ciphertext.substr(n);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  auto* pt = reinterpret_cast<unsigned char*>(plain.data());
  bool ok =
      ctx != nullptr &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(
          ctx.get(), nullptr, nullptr,
          reinterpret_cast<const unsigned char*>(key.bytes.data()),
          reinterpret_cast<const unsigned char*>(sealed.nonce.data())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(
          ctx.get(), pt, &len,
          reinterpret_cast<const unsigned char*>(sealed.ciphertext.data()),
          static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), pt + len, &final_len) == 1;
  if (!ok) {
    return absl::DataLossError(
        "the sealed value does not open with its key (altered, or moved from "
        "another system or field)");
  }
  return plain;
}

}  // namespace revhub::hub
