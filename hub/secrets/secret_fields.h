// Which configuration fields are secret.
//
// An adapter marks a secret field in the configuration schema it publishes
// in Describe (`"writeOnly": true, "x-revhub-secret": true` on the field's
// property; adapters/sdk/config.cc, examples/adapters/hubspot-node). Where
// no schema is known, a field is taken as secret when its name looks like
// one (LooksSecret), so an unknown credential is not stored in clear.
//
// Thread-safety: the functions keep no state.
#ifndef REVHUB_HUB_SECRETS_SECRET_FIELDS_H_
#define REVHUB_HUB_SECRETS_SECRET_FIELDS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::hub {

// Returns the names of the top-level properties `schema_json` (a JSON
// Schema, as DescribeResponse.config_schema_json) marks secret:
// "x-revhub-secret": true, or "writeOnly": true. An empty schema has none;
// INVALID_ARGUMENT when the text is not a JSON object.
absl::StatusOr<std::set<std::string>> SecretFieldsOfSchema(
    absl::string_view schema_json);

// Returns whether a field called `name` looks like it holds a credential:
// one of its words (split at '_', '-', '.' and lower-to-upper case changes)
// is secret, token, password, passwd, passphrase, credential(s), apikey or
// privatekey, or its last word is key.
bool LooksSecret(absl::string_view name);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SECRETS_SECRET_FIELDS_H_
