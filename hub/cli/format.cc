#include "hub/cli/format.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cctype>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "canonical/money.h"

namespace revhub::cli {
namespace {

using canonical::v1::ExternalRef;
using canonical::v1::Money;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Returns the prefix every value name of the enum starts with
// ("SYSTEM_KIND_"), taken from its UNSPECIFIED value.
std::string EnumPrefix(const google::protobuf::EnumDescriptor* type) {
  const google::protobuf::EnumValueDescriptor* zero =
      type->FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
  return std::string(name);
}

// Returns a duration in seconds in its two largest units ("3h12m").
std::string FormatSeconds(int64_t seconds) {
  if (seconds <= 0) return "0s";
  const int64_t days = seconds / 86400;
  const int64_t hours = seconds % 86400 / 3600;
  const int64_t minutes = seconds % 3600 / 60;
  const int64_t secs = seconds % 60;
  auto two = [](int64_t big, const char* big_unit, int64_t small,
                const char* small_unit) {
    return small == 0 ? absl::StrCat(big, big_unit)
                      : absl::StrCat(big, big_unit, small, small_unit);
  };
  if (days > 0) return two(days, "d", hours, "h");
  if (hours > 0) return two(hours, "h", minutes, "m");
  if (minutes > 0) return two(minutes, "m", secs, "s");
  return absl::StrCat(secs, "s");
}

}  // namespace

std::string OrDash(absl::string_view text) {
  return text.empty() ? "-" : std::string(text);
}

bool IsSet(const google::protobuf::Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

std::string JoinExternalRefs(
    const google::protobuf::RepeatedPtrField<ExternalRef>& refs) {
  std::vector<std::string> parts;
  parts.reserve(refs.size());
  for (const ExternalRef& ref : refs) parts.push_back(FormatExternalRef(ref));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string JoinAttributes(
    const google::protobuf::Map<std::string, std::string>& attributes) {
  // Map iteration order is unspecified: sort for stable output.
  std::vector<std::string> parts;
  parts.reserve(attributes.size());
  for (const auto& [key, value] : attributes) {
    parts.push_back(absl::StrCat(key, "=", value));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, ", ");
}

// Returns block with every line indented by two spaces; empty lines stay
// empty, and a final newline is not a line of its own.
std::string Indent(absl::string_view block) {
  if (!block.empty() && block.back() == '\n') block.remove_suffix(1);
  std::string out;
  for (absl::string_view line : absl::StrSplit(block, '\n')) {
    absl::StrAppend(&out, line.empty() ? "" : "  ", line, "\n");
  }
  return out;
}

// Returns text on one line (runs of white space, newlines included, become
// one space), cut to `width` code points with a trailing "…".
std::string Shorten(absl::string_view text, size_t width) {
  std::string flat;
  bool pending_space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      pending_space = !flat.empty();
      continue;
    }
    if (pending_space) flat += ' ';
    pending_space = false;
    flat += c;
  }
  if (DisplayWidth(flat) <= width) return flat;
  size_t count = 0;
  size_t end = 0;
  for (; end < flat.size(); ++end) {
    unsigned char c = static_cast<unsigned char>(flat[end]);
    if ((c & 0xC0) == 0x80) continue;  // inside a code point
    if (count == width - 1) break;
    ++count;
  }
  return absl::StrCat(flat.substr(0, end), "…");
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), align_(headers_.size(), Align::kLeft) {}

void Table::AlignRight(size_t column) { align_.at(column) = Align::kRight; }

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // not a UTF-8 continuation byte
  }
  return width;
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = DisplayWidth(headers_[i]);
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  auto render_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      size_t pad = widths[i] - DisplayWidth(cells[i]);
      bool last = i + 1 == cells.size();
      if (i > 0) line += "  ";
      if (align_[i] == Align::kRight) {
        line.append(pad, ' ');
        line += cells[i];
      } else {
        line += cells[i];
        if (!last) line.append(pad, ' ');
      }
    }
    // A right-aligned or empty last cell may leave trailing blanks.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += '\n';
    return line;
  };
  std::string out = render_row(headers_);
  for (const auto& row : rows_) out += render_row(row);
  return out;
}

std::string RenderFields(const Fields& fields) {
  size_t width = 0;
  for (const auto& [label, value] : fields) {
    width = std::max(width, DisplayWidth(label));
  }
  std::string out;
  for (const auto& [label, value] : fields) {
    absl::StrAppend(&out, label, ":",
                    std::string(width - DisplayWidth(label) + 1, ' '), value,
                    "\n");
  }
  return out;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (!IsSet(time)) return "-";
  return google::protobuf::util::TimeUtil::ToString(time);
}

absl::StatusOr<google::protobuf::Timestamp> ParseTimestamp(
    absl::string_view text, absl::string_view flag) {
  google::protobuf::Timestamp time;
  if (!google::protobuf::util::TimeUtil::FromString(std::string(text), &time)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text,
                     "' is not an RFC 3339 time (e.g. 2025-01-31T23:59:59Z)"));
  }
  return time;
}

std::string FormatMoneyOrDash(const Money& money) {
  if (money.currency_code().empty() && money.units() == 0 &&
      money.nanos() == 0) {
    return "-";
  }
  return FormatMoney(money);
}

std::string EnumShortName(const google::protobuf::EnumDescriptor* type,
                          int value) {
  if (value == 0) return "-";
  const google::protobuf::EnumValueDescriptor* found =
      type->FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  absl::string_view name = found->name();
  absl::ConsumePrefix(&name, EnumPrefix(type));
  return absl::AsciiStrToLower(name);
}

std::string EnumChoices(const google::protobuf::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    int number = type->value(i)->number();
    if (number != 0) names.push_back(EnumShortName(type, number));
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<int> ParseEnumShortName(
    const google::protobuf::EnumDescriptor* type, absl::string_view text,
    absl::string_view flag) {
  std::string wanted =
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
  std::string prefix = EnumPrefix(type);
  for (int i = 0; i < type->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = type->value(i);
    if (value->number() == 0) continue;
    if (value->name() == wanted || value->name() == prefix + wanted) {
      return value->number();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": '", text, "' is not one of ", EnumChoices(type)));
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a well-formed message cannot fail; a failure would mean a
  // malformed Any, which the hub's API does not use.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

std::string FormatExternalRef(const ExternalRef& ref) {
  return absl::StrCat(ref.system(), "/", ref.object_type(), "/",
                      ref.vendor_id());
}

std::string FormatEntityRef(const canonical::v1::EntityRef& ref) {
  std::string out = absl::StrCat(
      EnumShortName(canonical::v1::EntityType_descriptor(), ref.entity_type()),
      " ", OrDash(ref.id()));
  if (ref.version() != 0) absl::StrAppend(&out, " v", ref.version());
  return out;
}

std::string HyphenatedName(const google::protobuf::EnumDescriptor* type,
                           int value) {
  return absl::StrReplaceAll(EnumShortName(type, value), {{"_", "-"}});
}

std::string HyphenatedChoices(const google::protobuf::EnumDescriptor* type) {
  return absl::StrReplaceAll(EnumChoices(type), {{"_", "-"}});
}

absl::StatusOr<google::protobuf::Duration> ParseAge(absl::string_view text,
                                                    absl::string_view flag) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' ", why,
                     " (whole numbers with d, h, m, s, largest first: 90m, "
                     "2h, 1d12h)"));
  };
  static constexpr struct {
    char unit;
    int64_t seconds;
  } kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  int64_t total = 0;
  size_t next_unit = 0;  // units must come largest first, once each
  size_t i = 0;
  if (text.empty()) return bad("is empty");
  while (i < text.size()) {
    size_t digits_start = i;
    int64_t number = 0;
    while (i < text.size() && absl::ascii_isdigit(text[i])) {
      if (i - digits_start >= 9) return bad("is too large");
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == digits_start) return bad("needs a number before each unit");
    if (i == text.size()) return bad("needs a unit after each number");
    char unit = absl::ascii_tolower(text[i]);
    ++i;
    size_t found = next_unit;
    while (found < std::size(kUnits) && kUnits[found].unit != unit) ++found;
    if (found == std::size(kUnits)) {
      bool known = false;
      for (const auto& u : kUnits) known = known || u.unit == unit;
      return bad(known ? "gives its units out of order or twice"
                       : "has a unit that is not d, h, m or s");
    }
    next_unit = found + 1;
    total += number * kUnits[found].seconds;
  }
  if (total <= 0) return bad("must be more than zero");
  google::protobuf::Duration age;
  age.set_seconds(total);
  return age;
}

std::string FormatAge(const google::protobuf::Duration& age) {
  return FormatSeconds(age.seconds());
}

}  // namespace revhub::cli
