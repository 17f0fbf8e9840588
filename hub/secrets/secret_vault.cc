#include "hub/secrets/secret_vault.h"

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/secrets/secret_fields.h"

namespace revhub::hub {
namespace {

using google::protobuf::Value;

constexpr absl::string_view kEnvPrefix = "env:";
constexpr absl::string_view kFilePrefix = "file:";

bool IsEnvName(absl::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  }
  return true;
}

SealedValue SealedOf(const SystemSecret& s) {
  return SealedValue{s.key_id, s.nonce, s.ciphertext};
}

// Reads the file of a "file:" reference: owner-only, one trailing newline
// dropped.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is accessible by group or others (mode %04o); chmod 600 it", path,
        st.st_mode & 07777));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string value = buf.str();
  if (absl::EndsWith(value, "\r\n")) {
    value.resize(value.size() - 2);
  } else if (absl::EndsWith(value, "\n")) {
    value.pop_back();
  }
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SecretVault>> SecretVault::Open(
    Store* store, std::optional<SecretsKey> key,
    std::optional<SecretsKey> previous) {
  if (previous.has_value() && !key.has_value()) {
    return absl::InvalidArgumentError(
        "--previous-secrets-key-file: needs --secrets-key-file (the new key "
        "to re-encrypt with)");
  }
  std::unique_ptr<SecretVault> vault(new SecretVault());
  vault->key_ = std::move(key);
  ASSIGN_OR_RETURN(vault->salt_, store->FingerprintSalt());
  ASSIGN_OR_RETURN(auto sealed, store->ListSealedSecretKeys());
  std::set<std::string> to_reseal;  // systems
  std::set<std::string> to_verify;
  for (const auto& [system, s] : sealed) {
    const std::string where =
        absl::StrCat("system \"", system, "\" config.", s.field);
    if (!vault->key_.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          where, " is encrypted with secrets key ", s.key_id,
          " and revhubd has no --secrets-key-file; give the key file it was "
          "encrypted with"));
    }
    if (s.key_id == vault->key_->id) {
      to_verify.insert(system);
    } else if (previous.has_value() && s.key_id == previous->id) {
      to_reseal.insert(system);
    } else {
      return absl::FailedPreconditionError(absl::StrCat(
          where, " is encrypted with secrets key ", s.key_id,
          ", but --secrets-key-file holds key ", vault->key_->id,
          (previous.has_value()
               ? absl::StrCat(" and --previous-secrets-key-file key ",
                              previous->id)
               : ""),
          "; give the key file it was encrypted with (to change keys: "
          "--secrets-key-file NEW --previous-secrets-key-file OLD)"));
    }
  }
  // Every value sealed with the current key must open.
  for (const std::string& system : to_verify) {
    ASSIGN_OR_RETURN(auto secrets, store->GetSystemSecrets(system));
    for (const SystemSecret& s : secrets) {
      if (s.source != hub::v1::SECRET_SOURCE_SEALED) continue;
      auto plain = hub::Open(*vault->key_, system, s.field, SealedOf(s));
      if (!plain.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("system \"", system, "\" config.", s.field,
                         ": does not decrypt: ", plain.status().message()));
      }
    }
  }
  RETURN_IF_ERROR(vault->TakeStoredSecrets(store));
  if (to_reseal.empty()) return vault;
  int resealed = 0;
  absl::Status written = store->Write([&](WriteTxn& txn) -> absl::Status {
    resealed = 0;
    for (const std::string& system : to_reseal) {
      ASSIGN_OR_RETURN(auto secrets, txn.GetSystemSecrets(system));
      for (SystemSecret& s : secrets) {
        if (s.source != hub::v1::SECRET_SOURCE_SEALED ||
            s.key_id != previous->id)
          continue;
        auto plain = hub::Open(*previous, system, s.field, SealedOf(s));
        if (!plain.ok()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "system \"", system, "\" config.", s.field,
              ": does not decrypt with --previous-secrets-key-file: ",
              plain.status().message()));
        }
        ASSIGN_OR_RETURN(SealedValue v,
                         Seal(*vault->key_, system, s.field, *plain));
        s.key_id = v.key_id;
        s.nonce = v.nonce;
        s.ciphertext = v.ciphertext;
        ++resealed;
      }
      RETURN_IF_ERROR(txn.PutSystemSecrets(system, secrets));
    }
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(written);
  vault->resealed_ = resealed;
  return vault;
}

absl::Status SecretVault::TakeStoredSecrets(Store* store) {
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(auto page, store->ListSystems(after, 200));
    if (page.empty()) return absl::OkStatus();
    after = page.back().name();
    for (const hub::v1::System& listed : page) {
      bool any = false;
      for (const auto& [name, value] : listed.config().fields()) {
        if (LooksSecret(name) && value.kind_case() == Value::kStringValue)
          any = true;
      }
      if (!any) continue;
      absl::Status taken = store->Write([&](WriteTxn& txn) -> absl::Status {
        ASSIGN_OR_RETURN(auto system, txn.GetSystem(listed.name()));
        if (!system.has_value()) return absl::OkStatus();
        auto changes = Take(system->name(), {}, system->mutable_config());
        if (!changes.ok()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a registration stored in clear: ", changes.status().message()));
        }
        ASSIGN_OR_RETURN(auto stored, txn.GetSystemSecrets(system->name()));
        RETURN_IF_ERROR(txn.PutSystem(*system));
        return txn.PutSystemSecrets(system->name(),
                                    Merge(stored, *changes, {}));
      });
      RETURN_IF_ERROR(taken);
    }
  }
}

absl::StatusOr<SecretChanges> SecretVault::Take(
    absl::string_view system, const std::set<std::string>& secret_fields,
    google::protobuf::Struct* config) const {
  SecretChanges changes;
  auto* fields = config->mutable_fields();
  for (auto it = fields->begin(); it != fields->end();) {
    const std::string& name = it->first;
    const Value& value = it->second;
    const bool by_schema = secret_fields.count(name) > 0;
    const bool textual = value.kind_case() == Value::kStringValue ||
                         value.kind_case() == Value::kNullValue;
    if (!by_schema && !(LooksSecret(name) && textual)) {
      ++it;
      continue;
    }
    const std::string path = absl::StrCat("system.config.", name);
    if (!textual) {
      return absl::InvalidArgumentError(
          absl::StrCat(path,
                       ": is a secret field and must be a string (the secret, "
                       "\"env:NAME\" or \"file:PATH\"), or null to clear it"));
    }
    const std::string text =
        value.kind_case() == Value::kStringValue ? value.string_value() : "";
    SystemSecret s;
    s.field = name;
    if (text.empty()) {
      changes[name] = std::nullopt;
    } else if (absl::StartsWith(text, kEnvPrefix)) {
      if (!IsEnvName(text.substr(kEnvPrefix.size()))) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": \"", text,
            "\" must name an environment variable (env:NAME, letters, "
            "digits and '_', not starting with a digit)"));
      }
      s.source = hub::v1::SECRET_SOURCE_ENV;
      s.reference = text;
      changes[name] = s;
    } else if (absl::StartsWith(text, kFilePrefix)) {
      if (!absl::StartsWith(text.substr(kFilePrefix.size()), "/")) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": \"", text, "\" must name an absolute path (file:/PATH)"));
      }
      s.source = hub::v1::SECRET_SOURCE_FILE;
      s.reference = text;
      changes[name] = s;
    } else {
      if (!key_.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            path,
            ": is a secret field and this hub has no secrets key to encrypt "
            "it with; start revhubd with --secrets-key-file FILE (32 random "
            "bytes, e.g. openssl rand -hex 32), or give a reference instead "
            "of the value: \"env:NAME\" or \"file:PATH\""));
      }
      ASSIGN_OR_RETURN(SealedValue v, Seal(*key_, system, name, text));
      s.source = hub::v1::SECRET_SOURCE_SEALED;
      s.key_id = v.key_id;
      s.nonce = std::move(v.nonce);
      s.ciphertext = std::move(v.ciphertext);
      s.fingerprint = Sha256Hex(absl::StrCat(salt_, text)).substr(0, 8);
      changes[name] = s;
    }
    it = fields->erase(it);
  }
  return changes;
}

std::vector<SystemSecret> SecretVault::Merge(
    const std::vector<SystemSecret>& stored, const SecretChanges& changes,
    const std::set<std::string>& secret_fields) {
  std::map<std::string, SystemSecret> by_field;
  for (const SystemSecret& s : stored) by_field[s.field] = s;
  for (const std::string& f : secret_fields) {
    if (by_field.count(f) == 0) by_field[f].field = f;
  }
  for (const auto& [field, change] : changes) {
    if (change.has_value()) {
      by_field[field] = *change;
    } else {
      SystemSecret unset;
      unset.field = field;
      by_field[field] = unset;
    }
  }
  std::vector<SystemSecret> out;
  for (auto& [field, s] : by_field) out.push_back(std::move(s));
  return out;
}

bool SecretVault::Same(const std::vector<SystemSecret>& a,
                       const std::vector<SystemSecret>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].field != b[i].field || a[i].source != b[i].source ||
        a[i].reference != b[i].reference ||
        a[i].fingerprint != b[i].fingerprint)
      return false;
  }
  return true;
}

google::protobuf::Map<std::string, hub::v1::SecretState> SecretVault::States(
    const std::vector<SystemSecret>& secrets) {
  google::protobuf::Map<std::string, hub::v1::SecretState> out;
  for (const SystemSecret& s : secrets) {
    hub::v1::SecretState& state = out[s.field];
    state.set_set(s.source != hub::v1::SECRET_SOURCE_UNSPECIFIED);
    state.set_source(s.source);
    state.set_fingerprint(s.fingerprint);
    state.set_reference(s.reference);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> SecretVault::Resolve(
    absl::string_view system, const std::vector<SystemSecret>& secrets,
    google::protobuf::Struct* config) const {
  std::vector<std::string> values;
  for (const SystemSecret& s : secrets) {
    const std::string where =
        absl::StrCat("system \"", system, "\" config.", s.field);
    std::string value;
    switch (s.source) {
      case hub::v1::SECRET_SOURCE_SEALED: {
        if (!key_.has_value() || key_->id != s.key_id) {
          return absl::FailedPreconditionError(
              absl::StrCat(where, ": is encrypted with secrets key ", s.key_id,
                           ", which this hub does not hold"));
        }
        auto plain = hub::Open(*key_, system, s.field, SealedOf(s));
        if (!plain.ok()) {
          return absl::FailedPreconditionError(
              absl::StrCat(where, ": ", plain.status().message()));
        }
        value = std::move(*plain);
        break;
      }
      case hub::v1::SECRET_SOURCE_ENV: {
        const std::string name = s.reference.substr(kEnvPrefix.size());
        const char* v = std::getenv(name.c_str());
        if (v == nullptr) {
          return absl::FailedPreconditionError(
              absl::StrCat(where, ": ", s.reference,
                           ": revhubd's environment has no variable ", name));
        }
        value = v;
        break;
      }
      case hub::v1::SECRET_SOURCE_FILE: {
        auto read = ReadSecretFile(s.reference.substr(kFilePrefix.size()));
        if (!read.ok()) {
          return absl::FailedPreconditionError(
              absl::StrCat(where, ": ", read.status().message()));
        }
        value = std::move(*read);
        break;
      }
      default:
        continue;  // unset
    }
    (*config->mutable_fields())[s.field].set_string_value(value);
    values.push_back(std::move(value));
  }
  return values;
}

std::string RedactSecrets(std::string text,
                          const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to redact without noise
    text = absl::StrReplaceAll(text, {{secret, "[REDACTED]"}});
  }
  return text;
}

}  // namespace revhub::hub
