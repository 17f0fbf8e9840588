// PrincipalReader / PrincipalWriter: who may call the hub, and the salted
// hash of each one's API token.
//
// A principal is stored by name; PutPrincipal replaces the row of that
// name. The token's key id is unique among principals, so a token is found
// by its key id without a scan. Only the salt and SHA-256(salt || secret)
// are stored, never the secret. The reader reads committed principals and
// is thread-safe; the writer exists only inside a write transaction (see
// WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_PRINCIPAL_STORE_H_
#define REVHUB_HUB_STORE_PRINCIPAL_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/hub/v1/principal_service.pb.h"

namespace revhub::hub {

// A principal with its token's verifier.
struct StoredPrincipal {
  hub::v1::Principal principal;  // principal.key_id() is the token's key id
  std::string token_salt;        // random bytes
  std::string token_hash;        // SHA-256(token_salt || secret), 32 bytes
};

class PrincipalReader {
 public:
  virtual ~PrincipalReader() = default;

  // Returns every principal, in name order.
  virtual absl::StatusOr<std::vector<StoredPrincipal>> ListPrincipals() = 0;
};

class PrincipalWriter {
 public:
  virtual ~PrincipalWriter() = default;

  // Returns the principal `name`, including this transaction's writes, or
  // nullopt.
  virtual absl::StatusOr<std::optional<StoredPrincipal>> GetPrincipal(
      absl::string_view name) = 0;
  // Stores `p` under p.principal.name(), replacing any row of that name.
  // ALREADY_EXISTS when another principal has the same key id.
  virtual absl::Status PutPrincipal(const StoredPrincipal& p) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_PRINCIPAL_STORE_H_
