#include "adapters/sdk/mapping.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "canonical/currency.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

// Binary subtype that marks a node holding a number's source text.
constexpr std::uint64_t kExactNumberSubtype = 0x4e;

std::string TypeName(const Json& v) {
  if (IsExactNumber(v)) return "number";
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    default:
      return "binary data";
  }
}

// Builds a Json document from SAX events, keeping non-integer numbers as
// text.
class ExactDomBuilder {
 public:
  explicit ExactDomBuilder(Json& root) : root_(root) {}

  bool null() { return Put(nullptr) != nullptr; }
  bool boolean(bool v) { return Put(v) != nullptr; }
  bool number_integer(Json::number_integer_t v) { return Put(v) != nullptr; }
  bool number_unsigned(Json::number_unsigned_t v) { return Put(v) != nullptr; }
  bool number_float(Json::number_float_t /*unused*/, const std::string& text) {
    return Put(ExactNumber(text)) != nullptr;
  }
  bool string(std::string& v) { return Put(std::move(v)) != nullptr; }
  bool binary(Json::binary_t& v) {
    return Put(Json::binary(std::move(v))) != nullptr;
  }
  bool start_object(std::size_t /*unused*/) {
    stack_.push_back(Put(Json::object()));
    return true;
  }
  bool key(std::string& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*unused*/) {
    stack_.push_back(Put(Json::array()));
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*token*/,
                   const nlohmann::detail::exception& ex) {
    error_ = absl::StrCat("malformed JSON at byte ", position, ": ", ex.what());
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  Json* Put(Json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& top = *stack_.back();
    if (top.is_object()) {
      Json& slot = top[key_];
      slot = std::move(v);
      return &slot;
    }
    top.push_back(std::move(v));
    return &top.back();
  }

  Json& root_;
  std::vector<Json*> stack_;
  std::string key_;
  std::string error_;
};

void DumpTo(const Json& v, std::string& out) {
  if (IsExactNumber(v)) {
    const auto& bytes = v.get_binary();
    out.append(bytes.begin(), bytes.end());
    return;
  }
  switch (v.type()) {
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, child] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        out += Json(k).dump(-1, ' ', false, Json::error_handler_t::replace);
        out.push_back(':');
        DumpTo(child, out);
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& child : v) {
        if (!first) out.push_back(',');
        first = false;
        DumpTo(child, out);
      }
      out.push_back(']');
      return;
    }
    default:
      out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

absl::StatusOr<Decimal> DecimalFromText(absl::string_view text,
                                        absl::string_view path) {
  absl::StatusOr<Decimal> d = ParseDecimal(text);
  if (!d.ok()) {
    return MappingError(
        path, absl::StrCat("not an exact decimal number: \"", text, "\""));
  }
  return d;
}

}  // namespace

absl::StatusOr<Json> ParseExactJson(absl::string_view text) {
  Json root;
  ExactDomBuilder builder(root);
  bool ok = Json::sax_parse(text.begin(), text.end(), &builder,
                            Json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    return MappingError(
        "", builder.error().empty() ? "malformed JSON" : builder.error());
  }
  return root;
}

std::string DumpExactJson(const Json& value) {
  std::string out;
  DumpTo(value, out);
  return out;
}

Json ExactNumber(std::string text) {
  return Json::binary(std::vector<std::uint8_t>(text.begin(), text.end()),
                      kExactNumberSubtype);
}

bool IsExactNumber(const Json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kExactNumberSubtype;
}

Json DecimalToJson(const Decimal& value) {
  if (value.nanos() == 0) return Json(value.units());
  return ExactNumber(FormatDecimal(value));
}

Json MoneyAmountToJson(const Money& money) {
  // Written with the currency's minor-unit digits: 3601.50 USD -> 3601.50.
  int exponent = MinorUnitExponent(money.currency_code());
  std::string text = FormatNanos(ToNanos(money), exponent < 0 ? 0 : exponent);
  if (text.find('.') == std::string::npos) return Json(money.units());
  return ExactNumber(std::move(text));
}

absl::Status MappingError(absl::string_view field_path,
                          absl::string_view reason) {
  return ::revhub::FieldError(absl::StatusCode::kInvalidArgument, field_path,
                              reason);
}

Field::Field(const Json& root, std::string path)
    : value_(&root), path_(std::move(path)) {}

Field Field::operator[](absl::string_view key) const {
  std::string child_path =
      path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
  if (value_ == nullptr || !value_->is_object())
    return Field(nullptr, child_path);
  auto it = value_->find(std::string(key));
  if (it == value_->end()) return Field(nullptr, child_path);
  return Field(&*it, child_path);
}

Field Field::At(size_t i) const {
  std::string child_path = absl::StrCat(path_, "[", i, "]");
  if (value_ == nullptr || !value_->is_array() || i >= value_->size()) {
    return Field(nullptr, child_path);
  }
  return Field(&(*value_)[i], child_path);
}

absl::Status Field::WrongType(absl::string_view expected) const {
  return MappingError(
      path_, absl::StrCat("expected ", expected, ", got ", TypeName(*value_)));
}

absl::StatusOr<std::string> Field::String() const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, OptionalString());
  if (!v) return MappingError(path_, "required field is missing");
  return *v;
}

absl::StatusOr<std::optional<std::string>> Field::OptionalString() const {
  if (!present()) return std::optional<std::string>();
  if (!value_->is_string()) return WrongType("a string");
  return std::optional<std::string>(value_->get<std::string>());
}

absl::StatusOr<int64_t> Field::Int() const {
  ASSIGN_OR_RETURN(std::optional<int64_t> v, OptionalInt());
  if (!v) return MappingError(path_, "required field is missing");
  return *v;
}

absl::StatusOr<std::optional<int64_t>> Field::OptionalInt() const {
  if (!present()) return std::optional<int64_t>();
  if (value_->is_number_integer() && !value_->is_number_unsigned()) {
    return std::optional<int64_t>(value_->get<int64_t>());
  }
  if (value_->is_number_unsigned()) {
    auto u = value_->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      return MappingError(path_, "integer out of range");
    }
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  return WrongType("an integer");
}

absl::StatusOr<bool> Field::Bool() const {
  ASSIGN_OR_RETURN(std::optional<bool> v, OptionalBool());
  if (!v) return MappingError(path_, "required field is missing");
  return *v;
}

absl::StatusOr<std::optional<bool>> Field::OptionalBool() const {
  if (!present()) return std::optional<bool>();
  if (!value_->is_boolean()) return WrongType("a boolean");
  return std::optional<bool>(value_->get<bool>());
}

absl::StatusOr<Decimal> Field::Number() const {
  ASSIGN_OR_RETURN(std::optional<Decimal> v, OptionalNumber());
  if (!v) return MappingError(path_, "required field is missing");
  return *v;
}

absl::StatusOr<std::optional<Decimal>> Field::OptionalNumber() const {
  if (!present()) return std::optional<Decimal>();
  if (value_->is_number_integer()) {
    ASSIGN_OR_RETURN(Decimal d, DecimalFromText(value_->dump(), path_));
    return std::optional<Decimal>(d);
  }
  if (IsExactNumber(*value_)) {
    const auto& bytes = value_->get_binary();
    ASSIGN_OR_RETURN(
        Decimal d,
        DecimalFromText(std::string(bytes.begin(), bytes.end()), path_));
    return std::optional<Decimal>(d);
  }
  if (value_->is_string()) {
    ASSIGN_OR_RETURN(Decimal d,
                     DecimalFromText(value_->get<std::string>(), path_));
    return std::optional<Decimal>(d);
  }
  return WrongType("a number");
}

absl::Status Field::RequireObject() const {
  if (!present()) return MappingError(path_, "required field is missing");
  if (!value_->is_object()) return WrongType("an object");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Field>> Field::Elements() const {
  std::vector<Field> out;
  if (!present()) return out;
  if (!value_->is_array()) return WrongType("an array");
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) out.push_back(At(i));
  return out;
}

absl::StatusOr<std::string> CurrencyAt(const Field& field) {
  ASSIGN_OR_RETURN(std::string code, field.String());
  std::string upper = absl::AsciiStrToUpper(code);
  if (FindCurrency(upper) == nullptr) {
    return MappingError(
        field.path(), absl::StrCat("unknown ISO 4217 currency \"", code, "\""));
  }
  return upper;
}

absl::StatusOr<Money> MinorUnitsAt(const Field& field,
                                   absl::string_view currency_code) {
  ASSIGN_OR_RETURN(std::optional<Money> m,
                   OptionalMinorUnitsAt(field, currency_code));
  if (!m) return MappingError(field.path(), "required field is missing");
  return *m;
}

absl::StatusOr<std::optional<Money>> OptionalMinorUnitsAt(
    const Field& field, absl::string_view currency_code) {
  ASSIGN_OR_RETURN(std::optional<int64_t> minor, field.OptionalInt());
  if (!minor) return std::optional<Money>();
  absl::StatusOr<Money> m = MoneyFromMinorUnits(currency_code, *minor);
  if (!m.ok()) return MappingError(field.path(), m.status().message());
  return std::optional<Money>(*m);
}

absl::StatusOr<Money> DecimalMoneyAt(const Field& field,
                                     absl::string_view currency_code) {
  ASSIGN_OR_RETURN(Decimal d, field.Number());
  absl::StatusOr<Money> m = MoneyFromNanos(currency_code, ToNanos(d));
  if (!m.ok()) return MappingError(field.path(), m.status().message());
  return *m;
}

absl::StatusOr<std::optional<Timestamp>> UnixTimeAt(const Field& field) {
  ASSIGN_OR_RETURN(std::optional<int64_t> seconds, field.OptionalInt());
  if (!seconds) return std::optional<Timestamp>();
  // Timestamp's range: 0001-01-01 to 9999-12-31.
  if (*seconds < -62135596800LL || *seconds > 253402300799LL) {
    return MappingError(field.path(), "Unix time out of range");
  }
  Timestamp t;
  t.set_seconds(*seconds);
  return std::optional<Timestamp>(t);
}

absl::StatusOr<std::optional<Timestamp>> TextTimeAt(const Field& field) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, field.OptionalString());
  if (!text) return std::optional<Timestamp>();
  static constexpr const char* kFormats[] = {
      "%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M:%E*S%z", "%Y-%m-%d"};
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, *text, absl::UTCTimeZone(), &t, &err)) {
      Timestamp out;
      int64_t seconds = absl::ToUnixSeconds(t);
      out.set_seconds(seconds);
      out.set_nanos(static_cast<int32_t>(
          absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
      return std::optional<Timestamp>(out);
    }
  }
  return MappingError(
      field.path(),
      absl::StrCat("not a date or RFC 3339 time: \"", *text, "\""));
}

std::string FormatTimestamp(const Timestamp& time) {
  absl::Time t =
      absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string FormatDate(const Timestamp& time) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

Timestamp AddCalendar(const Timestamp& time, int months, int days) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond cs =
      absl::ToCivilSecond(absl::FromUnixSeconds(time.seconds()), utc);
  const absl::CivilMonth month = absl::CivilMonth(cs) + months;
  // The last day of the target month: the day before the next month.
  const int last_day = (absl::CivilDay(month + 1) - 1).day();
  const absl::CivilDay day = absl::CivilDay(month.year(), month.month(),
                                            std::min(cs.day(), last_day)) +
                             days;
  const absl::CivilSecond moved(day.year(), day.month(), day.day(), cs.hour(),
                                cs.minute(), cs.second());
  Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(absl::FromCivil(moved, utc)));
  out.set_nanos(time.nanos());
  return out;
}

std::optional<int> WholeMonthsBetween(const Timestamp& start,
                                      const Timestamp& end) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond a =
      absl::ToCivilSecond(absl::FromUnixSeconds(start.seconds()), utc);
  const absl::CivilSecond b =
      absl::ToCivilSecond(absl::FromUnixSeconds(end.seconds()), utc);
  const int months =
      static_cast<int>(absl::CivilMonth(b) - absl::CivilMonth(a));
  for (int n : {months - 1, months}) {
    if (n <= 0) continue;
    Timestamp t = AddCalendar(start, n, 0);
    if (t.seconds() == end.seconds() && t.nanos() == end.nanos()) return n;
  }
  return std::nullopt;
}

void AddSource(adapter::v1::CanonicalEntity* entity,
               absl::string_view field_path, absl::string_view vendor_path) {
  for (auto& source : *entity->mutable_sources()) {
    if (source.field_path() == field_path) {
      source.set_vendor_path(std::string(vendor_path));
      return;
    }
  }
  auto* source = entity->add_sources();
  source->set_field_path(std::string(field_path));
  source->set_vendor_path(std::string(vendor_path));
}

}  // namespace revhub::adapter
