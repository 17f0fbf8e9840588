// Helpers shared by the Salesforce mappings (salesforce_mapping.h):
// currency, attributes, field presence.
#include "adapters/salesforce/salesforce_mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

absl::StatusOr<std::string> Currency(const TranslateContext& ctx,
                                     const Field& r) {
  if (r["CurrencyIsoCode"].present()) return CurrencyAt(r["CurrencyIsoCode"]);
  return ctx.config.GetString("default_currency");
}

void PutIfString(const Field& r, const char* key,
                 google::protobuf::Map<std::string, std::string>* attributes) {
  if (r[key].present() && r[key].json().is_string()) {
    (*attributes)[key] = r[key].json().get<std::string>();
  }
}

bool HasKey(const Field& object, const char* key) {
  return object.present() && object.json().is_object() &&
         object.json().contains(key);
}

}  // namespace revhub::adapter::salesforce
