// How a Stripe invoice or credit note names its contract: by subscription
// (legacy top-level "subscription", or parent.subscription_details from API
// 2025-03-31) or, with config.contract_ref_metadata_key, by a metadata value
// naming the contract's record in another system (a CRM opportunity).
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/stripe/stripe_mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::stripe {

namespace cv1 = ::revhub::canonical::v1;

namespace {

// The contract an invoice or credit note attaches to by metadata: when
// config.contract_ref_metadata_key is set and the document carries that key,
// contract_id links to ExternalRef{contract_ref_system,
// contract_ref_object_type, value} (the contract booked from a CRM) instead
// of the Stripe subscription. The key is looked for in the document's own
// metadata, then (invoices) parent.subscription_details.metadata and the
// legacy subscription_details.metadata, then its lines' metadata; lines
// naming different values are an error.
struct ContractRefRule {
  std::string metadata_key;
  std::string system;
  std::string object_type;
};

// Returns the rule configured, none, or an error naming the missing field.
absl::StatusOr<std::optional<ContractRefRule>> ContractRefRuleOf(
    const Config& config) {
  auto value = [&](const char* name) {
    return config.Has(name) ? config.GetString(name) : std::string();
  };
  ContractRefRule rule{value("contract_ref_metadata_key"),
                       value("contract_ref_system"),
                       value("contract_ref_object_type")};
  if (rule.metadata_key.empty()) {
    if (!rule.system.empty() || !rule.object_type.empty()) {
      return MappingError("config.contract_ref_metadata_key",
                          "required when config.contract_ref_system or "
                          "config.contract_ref_object_type is set");
    }
    return std::optional<ContractRefRule>();
  }
  if (rule.system.empty()) {
    return MappingError("config.contract_ref_system",
                        "required when config.contract_ref_metadata_key is "
                        "set: the system that owns the contract");
  }
  if (rule.object_type.empty()) {
    return MappingError("config.contract_ref_object_type",
                        "required when config.contract_ref_metadata_key is "
                        "set: the object type of the contract's record");
  }
  return std::optional<ContractRefRule>(std::move(rule));
}

// The non-empty string value of `key` in a metadata object, if any.
absl::StatusOr<std::optional<std::string>> MetadataValue(
    const Field& metadata, absl::string_view key) {
  if (!metadata.present() || !metadata.json().is_object())
    return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   metadata[key].OptionalString());
  if (!value.has_value() || value->empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::in_place, std::move(*value));
}

}  // namespace

absl::StatusOr<std::optional<std::string>> InvoiceSubscription(const Field& o) {
  ASSIGN_OR_RETURN(std::optional<std::string> legacy,
                   ExpandableId(o["subscription"]));
  if (legacy) return legacy;
  return ExpandableId(o["parent"]["subscription_details"]["subscription"]);
}

// Links entity `index`'s contract_id by the configured metadata key; returns
// whether it did.
absl::StatusOr<bool> LinkContractByMetadata(const TranslateContext& ctx,
                                            const Field& o, bool invoice,
                                            int index,
                                            TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::optional<ContractRefRule> rule,
                   ContractRefRuleOf(ctx.config));
  if (!rule) return false;
  const std::string& key = rule->metadata_key;
  std::vector<Field> documents = {o["metadata"]};
  if (invoice) {
    documents.push_back(o["parent"]["subscription_details"]["metadata"]);
    documents.push_back(o["subscription_details"]["metadata"]);
  }
  std::optional<std::string> value;
  for (const Field& metadata : documents) {
    ASSIGN_OR_RETURN(value, MetadataValue(metadata, key));
    if (value) break;
  }
  if (!value) {
    ASSIGN_OR_RETURN(std::vector<Field> lines, o["lines"]["data"].Elements());
    for (const Field& line : lines) {
      ASSIGN_OR_RETURN(std::optional<std::string> v,
                       MetadataValue(line["metadata"], key));
      if (!v) continue;
      if (value && *v != *value) {
        return MappingError(
            line["metadata"][key].path(),
            absl::StrCat("names contract \"", *v,
                         "\" but an earlier line names \"", *value, "\""));
      }
      value = v;
    }
  }
  if (!value) return false;
  ExternalRef ref;
  ref.set_system(rule->system);
  ref.set_object_type(rule->object_type);
  ref.set_vendor_id(*value);
  out.Link(index, "contract_id", cv1::ENTITY_TYPE_CONTRACT, ref);
  return true;
}

absl::StatusOr<std::optional<ExternalRef>> SubscriptionContractRef(
    const TranslateContext& ctx, const Field& o) {
  ASSIGN_OR_RETURN(std::optional<ContractRefRule> rule,
                   ContractRefRuleOf(ctx.config));
  if (!rule) return std::optional<ExternalRef>();
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   MetadataValue(o["metadata"], rule->metadata_key));
  if (!value) return std::optional<ExternalRef>();
  ExternalRef ref;
  ref.set_system(rule->system);
  ref.set_object_type(rule->object_type);
  ref.set_vendor_id(*value);
  return std::optional<ExternalRef>(std::move(ref));
}

}  // namespace revhub::adapter::stripe
