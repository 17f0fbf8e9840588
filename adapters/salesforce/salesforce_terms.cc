// What the Salesforce adapter's configuration decides about a record:
// revenue rules by ProductCode and Family, contract terms from date and
// term fields, and renewal behaviour from checkbox fields
// (salesforce_mapping.h).
#include <map>

#include "absl/strings/str_cat.h"
#include "adapters/salesforce/salesforce_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

namespace cv1 = ::revhub::canonical::v1;

namespace {

cv1::RevenueRule RuleNamed(const std::string& name) {
  if (name == "RATABLE") return cv1::REVENUE_RULE_RATABLE;
  if (name == "POINT_IN_TIME") return cv1::REVENUE_RULE_POINT_IN_TIME;
  if (name == "USAGE") return cv1::REVENUE_RULE_USAGE;
  if (name == "MILESTONE") return cv1::REVENUE_RULE_MILESTONE;
  return cv1::REVENUE_RULE_UNSPECIFIED;  // NONE
}

// Returns the rule `map` gives the string value of `field`, if any.
std::optional<cv1::RevenueRule> Lookup(
    const std::map<std::string, std::string>& map, const Field& field) {
  if (!field.present() || !field.json().is_string()) return std::nullopt;
  auto it = map.find(field.json().get<std::string>());
  if (it == map.end()) return std::nullopt;
  return RuleNamed(it->second);
}

// The first of `candidates` (an object and one of its members) that the
// record has, even as null.
std::optional<Field> FirstPresent(
    std::initializer_list<std::pair<Field, const char*>> candidates) {
  for (const auto& [object, key] : candidates) {
    if (HasKey(object, key)) return object[key];
  }
  return std::nullopt;
}

// Returns the rule for a product whose code and family fields are `code`
// and `family` (either may be absent from the payload: nullopt).
RuleChoice ChooseRule(const Config& config, const std::optional<Field>& code,
                      const std::optional<Field>& family) {
  const auto by_code = config.GetStringMap("revenue_rule_by_product_code");
  const auto by_family = config.GetStringMap("revenue_rule_by_family");
  if (code) {
    if (auto rule = Lookup(by_code, *code)) return {*rule, code->path()};
  }
  if (family) {
    if (auto rule = Lookup(by_family, *family)) return {*rule, family->path()};
  }
  // Without a field the configuration matches on, the default could
  // contradict the rule the product was given.
  if ((!by_code.empty() && !code) || (!by_family.empty() && !family) ||
      (!code && !family)) {
    return {};
  }
  const cv1::RevenueRule rule =
      RuleNamed(config.GetString("default_revenue_rule"));
  if (rule == cv1::REVENUE_RULE_UNSPECIFIED) return {};
  return {rule, family ? family->path() : code->path()};
}

absl::Status AfterStart(const Term& term) {
  if (term.start && term.end && term.end->seconds() <= term.start->seconds()) {
    return MappingError(
        term.end_path,
        absl::StrCat("the term must end after it starts (",
                     FormatDate(*term.start), " at ", term.start_path, ")"));
  }
  return absl::OkStatus();
}

// Reads the checkbox field the configuration names in `config_key`.
absl::StatusOr<std::optional<bool>> Checkbox(const TranslateContext& ctx,
                                             const Field& r,
                                             const char* config_key,
                                             std::string* path) {
  const std::string name = ctx.config.GetString(config_key);
  if (name.empty()) return std::optional<bool>();
  *path = r[name].path();
  return r[name].OptionalBool();
}

}  // namespace

const std::vector<std::string>& RevenueRuleNames() {
  static const auto* names = new std::vector<std::string>{
      "RATABLE", "POINT_IN_TIME", "USAGE", "MILESTONE"};
  return *names;
}

RuleChoice Product2Rule(const Config& config, const Field& product) {
  return ChooseRule(config, product["ProductCode"], product["Family"]);
}

RuleChoice LineRule(const Config& config, const Field& line) {
  const Field entry = line["PricebookEntry"];
  std::optional<Field> code =
      FirstPresent({{line, "ProductCode"},
                    {line["Product2"], "ProductCode"},
                    {entry, "ProductCode"},
                    {entry["Product2"], "ProductCode"}});
  std::optional<Field> family = FirstPresent(
      {{line["Product2"], "Family"}, {entry["Product2"], "Family"}});
  return ChooseRule(config, code, family);
}

absl::StatusOr<std::optional<Timestamp>> EndDateAt(const Config& config,
                                                   const Field& field) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(field));
  if (end && config.GetBool("end_date_inclusive"))
    end = AddCalendar(*end, 0, 1);
  return end;
}

absl::StatusOr<std::optional<int>> MonthsAt(const Field& field) {
  ASSIGN_OR_RETURN(std::optional<Decimal> months, field.OptionalNumber());
  if (!months) return std::optional<int>();
  if (months->nanos() != 0 || months->units() < 1 || months->units() > 1200) {
    return MappingError(field.path(),
                        absl::StrCat("must be a whole number of months, 1 to "
                                     "1200 (got ",
                                     FormatDecimal(*months), ")"));
  }
  return std::optional<int>(static_cast<int>(months->units()));
}

absl::Status SetRenewal(const TranslateContext& ctx, const Field& r,
                        Term& term) {
  std::string evergreen_path, auto_path;
  ASSIGN_OR_RETURN(std::optional<bool> evergreen,
                   Checkbox(ctx, r, "evergreen_field", &evergreen_path));
  ASSIGN_OR_RETURN(std::optional<bool> auto_renew,
                   Checkbox(ctx, r, "auto_renew_field", &auto_path));
  if (evergreen.value_or(false)) {
    term.renewal = cv1::RENEWAL_BEHAVIOR_EVERGREEN;
    term.renewal_path = evergreen_path;
    term.end.reset();
    term.end_path.clear();
    return absl::OkStatus();
  }
  if (auto_renew.value_or(false)) {
    term.renewal = cv1::RENEWAL_BEHAVIOR_AUTO_RENEW;
    term.renewal_path = auto_path;
    std::optional<int> months;
    const std::string renewal_field =
        ctx.config.GetString("renewal_term_field");
    if (!renewal_field.empty()) {
      ASSIGN_OR_RETURN(months, MonthsAt(r[renewal_field]));
      if (months) term.renewal_interval_path = r[renewal_field].path();
    }
    if (!months && term.start && term.end) {
      // Each renewal is as long as the term.
      months = WholeMonthsBetween(*term.start, *term.end);
      term.renewal_interval_path = term.end_path;
    }
    if (months) {
      cv1::Interval interval;
      interval.set_unit(cv1::INTERVAL_UNIT_MONTH);
      interval.set_count(*months);
      term.renewal_interval = interval;
    }
    return absl::OkStatus();
  }
  if (term.end) {
    term.renewal = cv1::RENEWAL_BEHAVIOR_FIXED;
    term.renewal_path = term.end_path;
  } else if (term.start) {
    term.renewal = cv1::RENEWAL_BEHAVIOR_EVERGREEN;
    term.renewal_path = term.start_path;
  }
  return absl::OkStatus();
}

absl::StatusOr<Term> OpportunityTerm(const TranslateContext& ctx,
                                     const Field& r) {
  Term term;
  const std::string start_field =
      ctx.config.GetString("opportunity_start_date_field");
  const std::string end_field =
      ctx.config.GetString("opportunity_end_date_field");
  const std::string months_field =
      ctx.config.GetString("opportunity_term_months_field");
  if (!start_field.empty()) {
    ASSIGN_OR_RETURN(term.start, TextTimeAt(r[start_field]));
    term.start_path = r[start_field].path();
  }
  if (!end_field.empty()) {
    ASSIGN_OR_RETURN(term.end, EndDateAt(ctx.config, r[end_field]));
    term.end_path = r[end_field].path();
  }
  std::optional<int> months;
  if (!months_field.empty()) {
    ASSIGN_OR_RETURN(months, MonthsAt(r[months_field]));
  }
  if (!term.start && (term.end || months)) {
    // A term length without a start date runs from the close date.
    ASSIGN_OR_RETURN(term.start, TextTimeAt(r["CloseDate"]));
    term.start_path = r["CloseDate"].path();
    if (!term.start) {
      return MappingError(
          start_field.empty() ? r["CloseDate"].path() : r[start_field].path(),
          "required: the opportunity's term has a length but no start");
    }
  }
  if (!term.end) term.end_path.clear();
  if (!term.end && months) {
    term.end = AddCalendar(*term.start, *months, 0);
    term.end_path = r[months_field].path();
  }
  RETURN_IF_ERROR(AfterStart(term));
  RETURN_IF_ERROR(SetRenewal(ctx, r, term));
  return term;
}

absl::StatusOr<Term> ContractTerm(const TranslateContext& ctx, const Field& r) {
  Term term;
  ASSIGN_OR_RETURN(term.start, TextTimeAt(r["StartDate"]));
  term.start_path = r["StartDate"].path();
  ASSIGN_OR_RETURN(std::optional<int> months, MonthsAt(r["ContractTerm"]));
  if (term.start && months) {
    term.end = AddCalendar(*term.start, *months, 0);
    term.end_path = r["ContractTerm"].path();
  } else {
    // A contract's EndDate is the last day it is in effect (Salesforce
    // computes it as StartDate + ContractTerm months - 1 day).
    ASSIGN_OR_RETURN(term.end, TextTimeAt(r["EndDate"]));
    if (term.end) *term.end = AddCalendar(*term.end, 0, 1);
    term.end_path = r["EndDate"].path();
  }
  RETURN_IF_ERROR(AfterStart(term));
  RETURN_IF_ERROR(SetRenewal(ctx, r, term));
  return term;
}

absl::StatusOr<Term> OrderTerm(const TranslateContext& ctx, const Field& r) {
  Term term;
  ASSIGN_OR_RETURN(term.start, TextTimeAt(r["EffectiveDate"]));
  term.start_path = r["EffectiveDate"].path();
  ASSIGN_OR_RETURN(term.end, EndDateAt(ctx.config, r["EndDate"]));
  term.end_path = r["EndDate"].path();
  RETURN_IF_ERROR(AfterStart(term));
  RETURN_IF_ERROR(SetRenewal(ctx, r, term));
  return term;
}

void ApplyTerm(const Term& term, cv1::Contract& c, CanonicalEntity* entity) {
  if (term.start) {
    *c.mutable_term()->mutable_start_time() = *term.start;
    AddSource(entity, "term", term.start_path);
  }
  if (term.end) {
    *c.mutable_term()->mutable_end_time() = *term.end;
    AddSource(entity, "term.end_time", term.end_path);
  }
  if (term.renewal != cv1::RENEWAL_BEHAVIOR_UNSPECIFIED) {
    c.set_renewal_behavior(term.renewal);
    AddSource(entity, "renewal_behavior", term.renewal_path);
  }
  if (term.renewal_interval) {
    *c.mutable_renewal_interval() = *term.renewal_interval;
    AddSource(entity, "renewal_interval", term.renewal_interval_path);
  }
}

}  // namespace revhub::adapter::salesforce
