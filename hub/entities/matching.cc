#include "hub/entities/matching.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"

namespace revhub::hub {
namespace {

constexpr absl::string_view kAttributesPrefix = "attributes.";

bool IsMatchableField(absl::string_view field) {
  return field == "email" || field == "name" || field == "tax_id" ||
         (absl::StartsWith(field, kAttributesPrefix) &&
          field.size() > kAttributesPrefix.size());
}

std::optional<std::string> Normalized(absl::string_view value, bool fold) {
  std::string v(absl::StripAsciiWhitespace(value));
  if (v.empty()) return std::nullopt;
  if (fold) absl::AsciiStrToLower(&v);
  return v;
}

}  // namespace

absl::Status ValidateMatchingRules(const hub::v1::System& system) {
  for (int i = 0; i < system.matching_rules_size(); ++i) {
    const hub::v1::MatchingRule& r = system.matching_rules(i);
    const std::string at = absl::StrCat("system.matching_rules[", i, "].");
    if (r.entity_type() != canonical::v1::ENTITY_TYPE_CUSTOMER) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, "entity_type: only ENTITY_TYPE_CUSTOMER can be matched"));
    }
    if (!IsMatchableField(r.field())) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, "field: \"", r.field(),
          "\" is not matchable (email, name, tax_id or attributes.KEY)"));
    }
    if (r.ref_system().empty() != r.ref_object_type().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, "ref_system: give ref_system and ref_object_type together"));
    }
    if (!r.ref_system().empty() && !r.match_field().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          at,
          "match_field: a rule matches either a field or an external "
          "ref (ref_system), not both"));
    }
    if (!r.match_field().empty() && !IsMatchableField(r.match_field())) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, "match_field: \"", r.match_field(),
          "\" is not matchable (email, name, tax_id or attributes.KEY)"));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> CustomerMatchValue(const canonical::v1::Customer& c,
                                              absl::string_view field) {
  if (field == "email") return Normalized(c.email(), true);
  if (field == "name") return Normalized(c.name(), true);
  if (field == "tax_id") return Normalized(c.tax_id(), false);
  if (absl::StartsWith(field, kAttributesPrefix)) {
    auto it = c.attributes().find(
        std::string(field.substr(kAttributesPrefix.size())));
    if (it == c.attributes().end()) return std::nullopt;
    return Normalized(it->second, false);
  }
  return std::nullopt;
}

std::vector<IndexEntry> CustomerMatchIndex(const canonical::v1::Customer& c) {
  std::vector<IndexEntry> out;
  for (const char* field : {"email", "name", "tax_id"}) {
    auto v = CustomerMatchValue(c, field);
    if (v) out.push_back({absl::StrCat("match:", field), *v});
  }
  for (const auto& [key, value] : c.attributes()) {
    auto v = Normalized(value, false);
    if (v) out.push_back({absl::StrCat("match:attributes.", key), *v});
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> MatchCustomer(
    WriteTxn& txn, const hub::v1::System& system,
    const canonical::v1::Customer& customer) {
  for (int i = 0; i < system.matching_rules_size(); ++i) {
    const hub::v1::MatchingRule& r = system.matching_rules(i);
    if (r.entity_type() != canonical::v1::ENTITY_TYPE_CUSTOMER) continue;
    std::optional<std::string> value = CustomerMatchValue(customer, r.field());
    if (!value) continue;
    if (!r.ref_system().empty()) {
      ExternalRef ref;
      ref.set_system(r.ref_system());
      ref.set_object_type(r.ref_object_type());
      ref.set_vendor_id(*value);
      ASSIGN_OR_RETURN(auto id, txn.ResolveExternalRef(
                                    canonical::v1::ENTITY_TYPE_CUSTOMER, ref));
      if (id) return id;
      continue;
    }
    const std::string other =
        r.match_field().empty() ? r.field() : r.match_field();
    // The other side's value is normalized the same way as its field.
    std::optional<std::string> wanted = *value;
    if (other == "email" || other == "name") absl::AsciiStrToLower(&*wanted);
    ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        txn.FindEntityIds(canonical::v1::ENTITY_TYPE_CUSTOMER,
                          {absl::StrCat("match:", other), *wanted}, 2));
    if (ids.size() == 1) return ids[0];
    if (ids.size() > 1) {
      return FieldError(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat("customer.", r.field()),
          absl::StrCat("matching rule ", i, " of system ", system.name(),
                       " finds more than one customer (",
                       absl::StrJoin(ids, ", "), ", …) with ", other, " \"",
                       *wanted, "\"; resolve the duplicate, then replay"));
    }
  }
  return std::nullopt;
}

}  // namespace revhub::hub
