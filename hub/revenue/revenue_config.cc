#include "hub/revenue/revenue_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace revhub::hub {
namespace {

namespace canon = ::revhub::canonical::v1;

constexpr char kRolePrefix[] = "ACCOUNT_ROLE_";
constexpr char kConventionPrefix[] = "PERIOD_CONVENTION_";

// Returns the enum value whose name is prefix + short_name, or -1.
template <typename Descriptor>
int ValueOfShortName(const Descriptor* type, absl::string_view prefix,
                     const std::string& short_name, std::string* choices) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* v = type->value(i);
    if (v->number() == 0) continue;
    std::string name = v->name();
    if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
    names.push_back(name);
  }
  *choices = absl::StrJoin(names, ", ");
  const auto* v = type->FindValueByName(absl::StrCat(prefix, short_name));
  if (v == nullptr || v->number() == 0) return -1;
  return v->number();
}

absl::Status Invalid(absl::string_view source, absl::string_view path,
                     absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": ", path, ": ", rule));
}

}  // namespace

revenue::RevenueSettings DefaultRevenueSettings() {
  revenue::RevenueSettings s;
  s.convention = canon::PERIOD_CONVENTION_BY_DAY;
  s.accounts.Set("", canon::ACCOUNT_ROLE_CASH, "1000")
      .Set("", canon::ACCOUNT_ROLE_RECEIVABLE, "1100")
      .Set("", canon::ACCOUNT_ROLE_UNBILLED_RECEIVABLE, "1250")
      .Set("", canon::ACCOUNT_ROLE_TAX_PAYABLE, "2200")
      .Set("", canon::ACCOUNT_ROLE_DEFERRED_REVENUE, "2400")
      .Set("", canon::ACCOUNT_ROLE_REVENUE, "4000")
      .Set("", canon::ACCOUNT_ROLE_CONTRA_REVENUE, "4050")
      .Set("", canon::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND, "4060")
      .Set("", canon::ACCOUNT_ROLE_CONTRA_REVENUE_VOID, "4070")
      .Set("", canon::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE, "4080");
  return s;
}

absl::StatusOr<revenue::RevenueSettings> ParseRevenueConfig(
    absl::string_view json, absl::string_view source) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Invalid(source, "(document)", "not valid JSON");
  }
  if (!doc.is_object()) {
    return Invalid(source, "(document)", "must be a JSON object");
  }
  revenue::RevenueSettings settings = DefaultRevenueSettings();
  for (const auto& [key, value] : doc.items()) {
    if (key == "period_convention") {
      if (!value.is_string()) {
        return Invalid(source, "period_convention", "must be a string");
      }
      std::string choices;
      int v = ValueOfShortName(canon::PeriodConvention_descriptor(),
                               kConventionPrefix, value.get<std::string>(),
                               &choices);
      if (v < 0) {
        return Invalid(source, "period_convention",
                       absl::StrCat("\"", value.get<std::string>(),
                                    "\" is not a period convention (one of ",
                                    choices, ")"));
      }
      settings.convention = static_cast<canon::PeriodConvention>(v);
    } else if (key == "accounts") {
      if (!value.is_object()) {
        return Invalid(source, "accounts",
                       "must be an object of legal entity to roles");
      }
      for (const auto& [entity, roles] : value.items()) {
        const std::string at = absl::StrCat("accounts[\"", entity, "\"]");
        if (!roles.is_object()) {
          return Invalid(source, at,
                         "must be an object of account role to account");
        }
        for (const auto& [role, account] : roles.items()) {
          const std::string path = absl::StrCat(at, ".", role);
          std::string choices;
          int r = ValueOfShortName(canon::AccountRole_descriptor(), kRolePrefix,
                                   role, &choices);
          if (r < 0) {
            return Invalid(
                source, path,
                absl::StrCat("not an account role (one of ", choices, ")"));
          }
          if (!account.is_string() || account.get<std::string>().empty()) {
            return Invalid(source, path,
                           "must be a non-empty string (the ledger account)");
          }
          settings.accounts.Set(entity, static_cast<canon::AccountRole>(r),
                                account.get<std::string>());
        }
      }
    } else {
      return Invalid(source, key,
                     "unknown setting (known: period_convention, accounts)");
    }
  }
  return settings;
}

absl::StatusOr<revenue::RevenueSettings> LoadRevenueConfig(
    const std::string& path) {
  if (path.empty()) return DefaultRevenueSettings();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat(
        "--revenue-config ", path, ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream data;
  data << file.rdbuf();
  return ParseRevenueConfig(data.str(),
                            absl::StrCat("--revenue-config ", path));
}

}  // namespace revhub::hub
