// Configuration validation, JSON Schema, logging and result helpers.
#include <algorithm>
#include <iostream>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "canonical/currency.h"

namespace revhub::adapter {
namespace {

FieldError MakeError(absl::string_view path, absl::string_view reason) {
  FieldError e;
  e.set_field_path(std::string(path));
  e.set_reason(std::string(reason));
  return e;
}

// Returns "" when `value` is one of field.allowed_values (or any is), else
// the rule, naming `what` ("" for the field itself, "value of \"k\" ").
std::string CheckAllowed(const ConfigField& field, const std::string& value,
                         absl::string_view what) {
  if (field.allowed_values.empty()) return "";
  for (const std::string& allowed : field.allowed_values) {
    if (value == allowed) return "";
  }
  return absl::StrCat(what, "must be one of ",
                      absl::StrJoin(field.allowed_values, ", "), " (got \"",
                      value, "\")");
}

// Returns "" when `v` satisfies `field`, else the broken rule.
std::string CheckValue(const ConfigField& field, const Json& v) {
  switch (field.type) {
    case ConfigType::kString:
      if (!v.is_string()) return "must be a string";
      return CheckAllowed(field, v.get<std::string>(), "");
    case ConfigType::kUrl:
      if (!v.is_string()) return "must be a string";
      if (!absl::StartsWith(v.get<std::string>(), "http://") &&
          !absl::StartsWith(v.get<std::string>(), "https://")) {
        return "must be an http:// or https:// URL";
      }
      return "";
    case ConfigType::kCurrency:
      if (!v.is_string() || FindCurrency(v.get<std::string>()) == nullptr) {
        return "must be an upper-case ISO 4217 currency code";
      }
      return "";
    case ConfigType::kInteger:
      if (v.is_number_integer() &&
          (v.is_number_unsigned() || v.get<int64_t>() >= 0))
        return "";
      if (IsExactNumber(v)) {
        // Struct carries numbers as doubles; "5000.0" is still an integer.
        const auto& b = v.get_binary();
        std::string text(b.begin(), b.end());
        auto dot = text.find('.');
        if (dot != std::string::npos &&
            text.find_first_not_of('0', dot + 1) == std::string::npos &&
            text[0] != '-') {
          return "";
        }
      }
      return "must be a non-negative integer";
    case ConfigType::kBoolean:
      return v.is_boolean() ? "" : "must be true or false";
    case ConfigType::kStringMap:
      if (!v.is_object()) return "must be an object";
      for (const auto& [k, item] : v.items()) {
        if (!item.is_string())
          return absl::StrCat("value of \"", k, "\" must be a string");
        std::string rule = CheckAllowed(field, item.get<std::string>(),
                                        absl::StrCat("value of \"", k, "\" "));
        if (!rule.empty()) return rule;
      }
      return "";
  }
  return "unknown type";
}

// Returns `,"enum":[...]` for the allowed values, "" when any value is.
std::string SchemaEnum(const ConfigField& field) {
  if (field.allowed_values.empty()) return "";
  return absl::StrCat(",\"enum\":", Json(field.allowed_values).dump());
}

std::string SchemaType(const ConfigField& field) {
  switch (field.type) {
    case ConfigType::kInteger:
      return R"("type":"integer","minimum":0)";
    case ConfigType::kBoolean:
      return R"("type":"boolean")";
    case ConfigType::kUrl:
      return R"("type":"string","format":"uri","pattern":"^https?://")";
    case ConfigType::kCurrency:
      return R"("type":"string","pattern":"^[A-Z]{3}$")";
    case ConfigType::kStringMap:
      return absl::StrCat(
          R"("type":"object","additionalProperties":{"type":"string")",
          SchemaEnum(field), "}");
    case ConfigType::kString:
      break;
  }
  return absl::StrCat(R"("type":"string")", SchemaEnum(field));
}

}  // namespace

absl::StatusOr<Config> Config::Parse(absl::string_view config_json,
                                     const std::vector<ConfigField>& fields,
                                     std::vector<FieldError>* errors) {
  Json doc = Json::object();
  if (!config_json.empty() && config_json != "null") {
    absl::StatusOr<Json> parsed = ParseExactJson(config_json);
    if (!parsed.ok()) {
      errors->push_back(MakeError("config", parsed.status().message()));
      return absl::InvalidArgumentError("config: malformed JSON");
    }
    doc = std::move(*parsed);
  }
  if (!doc.is_object()) {
    errors->push_back(MakeError("config", "must be an object"));
    return absl::InvalidArgumentError("config: must be an object");
  }
  Config config;
  size_t errors_before = errors->size();
  for (const auto& [key, value] : doc.items()) {
    bool known = false;
    for (const ConfigField& f : fields) known = known || f.name == key;
    if (!known)
      errors->push_back(
          MakeError(absl::StrCat("config.", key), "unknown field"));
  }
  for (const ConfigField& f : fields) {
    std::string path = absl::StrCat("config.", f.name);
    auto it = doc.find(f.name);
    if (it == doc.end() || it->is_null()) {
      if (f.required) {
        errors->push_back(MakeError(path, "required field is missing"));
      } else if (!f.default_json.empty()) {
        config.values_[f.name] = f.default_json;
      }
      continue;
    }
    std::string rule = CheckValue(f, *it);
    if (!rule.empty()) {
      errors->push_back(MakeError(path, rule));
      continue;
    }
    if (f.required && f.type != ConfigType::kBoolean && it->is_string() &&
        it->get<std::string>().empty()) {
      errors->push_back(MakeError(path, "must not be empty"));
      continue;
    }
    config.values_[f.name] = DumpExactJson(*it);
    if (f.secret && it->is_string() && !it->get<std::string>().empty()) {
      config.secrets_.push_back(it->get<std::string>());
    }
  }
  if (errors->size() > errors_before) {
    return absl::InvalidArgumentError(
        absl::StrCat((*errors)[errors_before].field_path(), ": ",
                     (*errors)[errors_before].reason()));
  }
  return config;
}

bool Config::Has(absl::string_view name) const {
  return values_.find(name) != values_.end();
}

std::string Config::GetString(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return "";
  Json v = Json::parse(it->second, nullptr, false);
  return v.is_string() ? v.get<std::string>() : "";
}

int64_t Config::GetInt(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return 0;
  absl::StatusOr<Json> v = ParseExactJson(it->second);
  if (!v.ok()) return 0;
  if (v->is_number_integer()) return v->get<int64_t>();
  absl::StatusOr<Decimal> d = Field(*v).Number();
  return d.ok() ? d->units() : 0;
}

bool Config::GetBool(absl::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->second == "true";
}

std::map<std::string, std::string> Config::GetStringMap(
    absl::string_view name) const {
  std::map<std::string, std::string> out;
  auto it = values_.find(name);
  if (it == values_.end()) return out;
  Json v = Json::parse(it->second, nullptr, false);
  if (!v.is_object()) return out;
  for (const auto& [k, item] : v.items()) {
    if (item.is_string()) out[k] = item.get<std::string>();
  }
  return out;
}

std::string ConfigJsonSchema(const std::vector<ConfigField>& fields) {
  std::string props;
  std::string required;
  for (const ConfigField& f : fields) {
    if (!props.empty()) props += ",";
    absl::StrAppend(&props, Json(f.name).dump(), ":{", SchemaType(f),
                    ",\"description\":", Json(f.description).dump());
    if (f.secret) props += R"(,"writeOnly":true,"x-revhub-secret":true)";
    if (!f.default_json.empty())
      absl::StrAppend(&props, ",\"default\":", f.default_json);
    props += "}";
    if (f.required) {
      if (!required.empty()) required += ",";
      required += Json(f.name).dump();
    }
  }
  return absl::StrCat(
      R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":false,"properties":{)",
      props, R"(},"required":[)", required, "]}");
}

Logger::Logger(std::string adapter_name, std::vector<std::string> secrets)
    : adapter_name_(std::move(adapter_name)), secrets_(std::move(secrets)) {}

void Logger::Info(absl::string_view message) const { Write("INFO", message); }
void Logger::Warn(absl::string_view message) const { Write("WARN", message); }
void Logger::Error(absl::string_view message) const { Write("ERROR", message); }

std::string Logger::Redact(absl::string_view message) const {
  std::string out(message);
  for (const std::string& secret : secrets_) {
    if (secret.size() < 4) continue;  // too short to redact without noise
    out = absl::StrReplaceAll(out, {{secret, "[REDACTED]"}});
  }
  return out;
}

void Logger::Write(absl::string_view level, absl::string_view message) const {
  static std::mutex mu;
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   " ", level, " ", adapter_name_, ": ", Redact(message), "\n");
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << line << std::flush;
}

ExternalRef TranslateContext::Ref(absl::string_view object_type,
                                  absl::string_view vendor_id) const {
  ExternalRef ref;
  ref.set_system(std::string(system));
  ref.set_object_type(std::string(object_type));
  ref.set_vendor_id(std::string(vendor_id));
  return ref;
}

int TranslationBuilder::AddEntity(CanonicalEntity entity) {
  *result_->add_entities() = std::move(entity);
  return result_->entities_size() - 1;
}

void TranslationBuilder::Link(int index, absl::string_view field_path,
                              EntityType target_type,
                              const ExternalRef& target) {
  auto* link = result_->mutable_entities(index)->add_links();
  link->set_field_path(std::string(field_path));
  link->set_target_type(target_type);
  *link->mutable_target() = target;
}

void TranslationBuilder::AddEvent(
    EventType type, int index, const google::protobuf::Timestamp* occurred_at,
    absl::string_view vendor_event_id) {
  auto* event = result_->add_events();
  event->set_type(type);
  event->set_entity_index(index);
  if (occurred_at != nullptr) *event->mutable_occurred_at() = *occurred_at;
  event->set_vendor_event_id(std::string(vendor_event_id));
}

void TranslationBuilder::Skip(absl::string_view reason) {
  result_->set_outcome(adapter::v1::TRANSLATION_OUTCOME_SKIPPED);
  result_->set_skip_reason(std::string(reason));
}

ApplyResponse Applied(std::vector<ExternalRef> vendor_refs) {
  ApplyResponse r;
  r.set_outcome(adapter::v1::APPLY_OUTCOME_APPLIED);
  for (auto& ref : vendor_refs) *r.add_vendor_refs() = std::move(ref);
  return r;
}

ApplyResponse Rejected(absl::string_view reason, absl::string_view field_path,
                       absl::string_view vendor_code) {
  ApplyResponse r;
  r.set_outcome(adapter::v1::APPLY_OUTCOME_REJECTED);
  r.set_reason(std::string(reason));
  r.set_field_path(std::string(field_path));
  r.set_vendor_code(std::string(vendor_code));
  return r;
}

ApplyResponse Retry(absl::string_view reason, std::chrono::milliseconds delay,
                    absl::string_view vendor_code) {
  ApplyResponse r;
  r.set_outcome(adapter::v1::APPLY_OUTCOME_RETRY);
  r.set_reason(std::string(reason));
  r.set_vendor_code(std::string(vendor_code));
  // No vendor parks a call longer than kMaxRetryAfter (http_client.h).
  delay = std::min(delay, kMaxRetryAfter);
  r.mutable_retry_after()->set_seconds(delay.count() / 1000);
  r.mutable_retry_after()->set_nanos(
      static_cast<int32_t>((delay.count() % 1000) * 1000000));
  return r;
}

absl::Status Adapter::Check(const CheckContext& /*ctx*/) {
  return absl::OkStatus();
}

ApplyResponse Adapter::Apply(const ApplyContext& /*ctx*/) {
  return Rejected("this adapter has no outbound operations", "operation");
}

}  // namespace revhub::adapter
