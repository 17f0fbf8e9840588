#include "hub/secrets/secret_fields.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

namespace revhub::hub {

absl::StatusOr<std::set<std::string>> SecretFieldsOfSchema(
    absl::string_view schema_json) {
  std::set<std::string> out;
  if (schema_json.empty()) return out;
  nlohmann::json schema = nlohmann::json::parse(schema_json, nullptr, false);
  if (!schema.is_object()) {
    return absl::InvalidArgumentError(
        "config_schema_json: is not a JSON object");
  }
  auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) return out;
  for (const auto& item : props->items()) {
    const nlohmann::json& prop = item.value();
    const std::string& name = item.key();
    if (!prop.is_object()) continue;
    auto marked = [&](const char* key) {
      auto it = prop.find(key);
      return it != prop.end() && it->is_boolean() && it->get<bool>();
    };
    if (marked("x-revhub-secret") || marked("writeOnly")) out.insert(name);
  }
  return out;
}

bool LooksSecret(absl::string_view name) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '_' || c == '-' || c == '.') {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    const bool upper = std::isupper(static_cast<unsigned char>(c));
    if (upper && i > 0 &&
        std::islower(static_cast<unsigned char>(name[i - 1])) &&
        !words.back().empty()) {
      words.emplace_back();
    }
    words.back().push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (words.back().empty()) words.pop_back();
  static const std::set<std::string> kSecretWords = {
      "secret",     "token",       "password", "passwd",    "passphrase",
      "credential", "credentials", "apikey",   "privatekey"};
  for (const std::string& w : words) {
    if (kSecretWords.count(w) > 0) return true;
  }
  return !words.empty() && words.back() == "key";
}

}  // namespace revhub::hub
