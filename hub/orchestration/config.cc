#include "hub/orchestration/config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "nlohmann/json.hpp"

namespace revhub::hub {
namespace {

using Json = nlohmann::json;

absl::Status Invalid(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

absl::StatusOr<std::string> StringAt(const Json& j, absl::string_view path) {
  if (!j.is_string()) return Invalid(path, "must be a string");
  return j.get<std::string>();
}

absl::StatusOr<absl::Duration> DurationAt(const Json& j,
                                          absl::string_view path) {
  ASSIGN_OR_RETURN(std::string text, StringAt(j, path));
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return Invalid(path, absl::StrCat("\"", text,
                                      "\" is not a positive duration (e.g. "
                                      "\"24h\", \"90m\")"));
  }
  return d;
}

absl::StatusOr<hub::v1::ExceptionCategory> CategoryAt(const Json& j,
                                                      absl::string_view path) {
  ASSIGN_OR_RETURN(std::string text, StringAt(j, path));
  hub::v1::ExceptionCategory c;
  if (!hub::v1::ExceptionCategory_Parse(
          absl::StrCat("EXCEPTION_CATEGORY_", text), &c) ||
      c == hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED) {
    return Invalid(path, absl::StrCat("unknown category \"", text,
                                      "\" (FINANCE or METADATA)"));
  }
  return c;
}

}  // namespace

absl::StatusOr<OrchestrationConfig> ParseOrchestrationConfig(
    absl::string_view json) {
  Json doc = Json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) return Invalid("$", "is not valid JSON");
  if (!doc.is_object()) return Invalid("$", "must be an object");
  OrchestrationConfig config;
  for (const auto& [key, value] : doc.items()) {
    if (key == "routing") {
      if (!value.is_array()) return Invalid("routing", "must be an array");
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string at = absl::StrCat("routing[", i, "]");
        const Json& r = value[i];
        if (!r.is_object()) return Invalid(at, "must be an object");
        RoutingRule rule;
        for (const auto& [k, v] : r.items()) {
          const std::string path = absl::StrCat(at, ".", k);
          if (k == "category") {
            ASSIGN_OR_RETURN(rule.category, CategoryAt(v, path));
          } else if (k == "kind") {
            ASSIGN_OR_RETURN(std::string text, StringAt(v, path));
            if (!hub::v1::ExceptionKind_Parse(
                    absl::StrCat("EXCEPTION_KIND_", text), &rule.kind) ||
                rule.kind == hub::v1::EXCEPTION_KIND_UNSPECIFIED) {
              return Invalid(path,
                             absl::StrCat("unknown exception kind \"", text,
                                          "\" (e.g. POSTING_REJECTED)"));
            }
          } else if (k == "system") {
            ASSIGN_OR_RETURN(rule.system, StringAt(v, path));
          } else if (k == "owner") {
            ASSIGN_OR_RETURN(rule.owner, StringAt(v, path));
          } else {
            return Invalid(path, "unknown key (category, kind, system, owner)");
          }
        }
        if (rule.owner.empty()) return Invalid(at + ".owner", "required");
        config.routing.push_back(std::move(rule));
      }
    } else if (key == "default_owner") {
      ASSIGN_OR_RETURN(config.default_owner, StringAt(value, key));
    } else if (key == "sla") {
      if (!value.is_object()) return Invalid("sla", "must be an object");
      for (const auto& [k, v] : value.items()) {
        const std::string path = absl::StrCat("sla.", k);
        ASSIGN_OR_RETURN(hub::v1::ExceptionCategory c, CategoryAt(k, path));
        ASSIGN_OR_RETURN(config.sla[c], DurationAt(v, path));
      }
    } else if (key == "recognition_sweep_interval") {
      ASSIGN_OR_RETURN(config.recognition_sweep_interval,
                       DurationAt(value, key));
    } else if (key == "workers") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 ||
          value.get<int64_t>() > 256) {
        return Invalid("workers", "must be an integer from 1 to 256");
      }
      config.workers = value.get<int>();
    } else {
      return Invalid(key,
                     "unknown key (routing, default_owner, sla, "
                     "recognition_sweep_interval, workers)");
    }
  }
  return config;
}

absl::StatusOr<OrchestrationConfig> LoadOrchestrationConfig(
    const std::string& path) {
  if (path.empty()) return OrchestrationConfig();
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("--orchestration-config ", path, ": cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<OrchestrationConfig> config =
      ParseOrchestrationConfig(text.str());
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat("--orchestration-config ", path, ": ",
                                     config.status().message()));
  }
  return config;
}

}  // namespace revhub::hub
