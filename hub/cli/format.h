// The output helpers every command group of the `revhub` CLI shares:
// aligned tables, "label: value" fields, JSON, money, times and ages, enum
// names, and the value syntaxes flags accept (RFC 3339 times, ages, enum
// short names). What one group prints is in its own <group>_format.h.
//
// Everything here is pure: it turns messages into text or text into values,
// and does no I/O. Money is printed with FormatMoney (exact, never through a
// float); times as RFC 3339 in UTC with as many fraction digits as they
// carry, so a printed recorded_at can be passed back to --as-of unchanged.
#ifndef REVHUB_HUB_CLI_FORMAT_H_
#define REVHUB_HUB_CLI_FORMAT_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/cli/client.h"
#include "revhub/canonical/v1/money.pb.h"

namespace revhub::cli {

// Table renders rows as columns aligned to the widest cell, two spaces
// apart, header first, with no trailing spaces. Widths count UTF-8 code
// points, so "Müller" is six wide.
class Table {
 public:
  enum class Align { kLeft, kRight };

  explicit Table(std::vector<std::string> headers);

  // Right-aligns a column (amounts, counts). REQUIRES: column < headers.
  void AlignRight(size_t column);
  // REQUIRES: cells.size() == number of headers.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Returns the table, one line per row, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// Returns the number of UTF-8 code points in text.
size_t DisplayWidth(absl::string_view text);

// Returns "label: value" lines with the values aligned.
std::string RenderFields(
    const std::vector<std::pair<std::string, std::string>>& fields);

// Returns RFC 3339 UTC ("2025-01-01T00:00:00Z", "…T10:00:00.250Z"), or "-"
// for an unset (zero) timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& time);

// Parses RFC 3339 ("2025-01-01T00:00:00Z", "2025-01-01T01:00:00+01:00").
// INVALID_ARGUMENT naming `flag` when malformed.
absl::StatusOr<google::protobuf::Timestamp> ParseTimestamp(
    absl::string_view text, absl::string_view flag);

// Returns FormatMoney(money), or "-" when the money is unset (no currency
// and zero).
std::string FormatMoneyOrDash(const canonical::v1::Money& money);

// Returns the lower-case name of an enum value without its type prefix
// (SYSTEM_KIND_CRM -> "crm"), "-" for the UNSPECIFIED value, or the number
// for a value this build does not know.
std::string EnumShortName(const google::protobuf::EnumDescriptor* type,
                          int value);

// Parses an enum value given by short name ("crm", "credit-note",
// "SYSTEM_KIND_CRM"), case-insensitive, '-' and '_' alike. The UNSPECIFIED
// value is not accepted. INVALID_ARGUMENT naming `flag` and the accepted
// names otherwise.
absl::StatusOr<int> ParseEnumShortName(
    const google::protobuf::EnumDescriptor* type, absl::string_view text,
    absl::string_view flag);

// Returns the accepted short names, comma separated ("crm, billing, …").
std::string EnumChoices(const google::protobuf::EnumDescriptor* type);

// Returns the message as proto3 canonical JSON: field names in lowerCamel,
// enums by name, every scalar field printed (also zero and false). Pretty
// prints over several lines when `pretty`, else one line.
std::string ToJson(const google::protobuf::Message& message, bool pretty);

// Returns "contract ctr_1 v3" for an entity reference.
std::string FormatEntityRef(const canonical::v1::EntityRef& ref);

// Returns "system/object_type/vendor_id".
std::string FormatExternalRef(const canonical::v1::ExternalRef& ref);

// Returns the refs formatted by FormatExternalRef, ", " between them, or
// "-" when there are none.
std::string JoinExternalRefs(
    const google::protobuf::RepeatedPtrField<canonical::v1::ExternalRef>& refs);

// Returns "key=value" pairs sorted by key, ", " between them.
std::string JoinAttributes(
    const google::protobuf::Map<std::string, std::string>& attributes);

// Returns "-" for empty text, else the text.
std::string OrDash(absl::string_view text);

// Returns whether the timestamp is set (not zero).
bool IsSet(const google::protobuf::Timestamp& time);

// Returns block with every line indented by two spaces; empty lines stay
// empty, and a final newline is not a line of its own.
std::string Indent(absl::string_view block);

// Table cells longer than this many code points are cut with "…".
inline constexpr size_t kCellWidth = 60;

// Returns text on one line (runs of white space, newlines included, become
// one space), cut to `width` code points with a trailing "…".
std::string Shorten(absl::string_view text, size_t width = kCellWidth);

// Returns EnumShortName with '-' for '_' ("at-risk"); "-" for UNSPECIFIED.
std::string HyphenatedName(const google::protobuf::EnumDescriptor* type,
                           int value);
// Returns EnumChoices with '-' for '_' ("within, at-risk, breached, …").
std::string HyphenatedChoices(const google::protobuf::EnumDescriptor* type);

// Parses an age such as "90s", "45m", "2h", "3d", "1h30m" or "2d4h": whole
// numbers with the units d, h, m, s, largest first, each at most once.
// INVALID_ARGUMENT naming `flag` when malformed or not positive.
absl::StatusOr<google::protobuf::Duration> ParseAge(absl::string_view text,
                                                    absl::string_view flag);

// Returns an age in its two largest units, truncated: "45s", "12m30s",
// "3h12m", "2d4h", "5d" ("0s" for zero or negative).
std::string FormatAge(const google::protobuf::Duration& age);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_FORMAT_H_
