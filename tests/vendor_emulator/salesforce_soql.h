// The SOQL the Salesforce emulator understands, parsed: the subset the
// Salesforce adapter sends.
//
//   SELECT field, Parent.Field, (SELECT field, ... FROM ChildRelationship)
//   FROM Type
//   [WHERE field op literal [AND field op literal]...]
//   [ORDER BY field [ASC|DESC] [, field [ASC|DESC]]...]
//   [LIMIT n]
//
// op is one of = != < <= > >=; a literal is a date-time (2026-01-20T18:02:44Z,
// with optional fraction and +hh:mm / +hhmm offset), a date (2026-01-20), a
// 'quoted string', true, false or null. Keywords are case-insensitive. At
// most one parent-child subquery. Anything else is MALFORMED_QUERY.
// Pure functions; thread-safe.
#ifndef REVHUB_TESTS_VENDOR_EMULATOR_SALESFORCE_SOQL_H_
#define REVHUB_TESTS_VENDOR_EMULATOR_SALESFORCE_SOQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace revhub::emulator {

struct SoqlLiteral {
  enum class Kind { kDateTime, kDate, kString, kBool, kNull };
  Kind kind = Kind::kNull;
  std::string text;    // the string, date or date-time as written
  int64_t millis = 0;  // kDateTime: Unix milliseconds
  bool truth = false;  // kBool
};

struct SoqlCondition {
  std::string field;
  std::string op;
  SoqlLiteral value;
};

struct SoqlOrder {
  std::string field;
  bool descending = false;
};

struct SoqlSubquery {
  std::vector<std::string> fields;
  std::string relationship;
};

struct SoqlQuery {
  std::vector<std::string> fields;
  std::optional<SoqlSubquery> subquery;
  std::string from;
  std::vector<SoqlCondition> where;
  std::vector<SoqlOrder> order_by;
  std::optional<int64_t> limit;
};

// Parses `soql`; INVALID_ARGUMENT with Salesforce-like wording when it is
// not in the subset above.
absl::StatusOr<SoqlQuery> ParseSoql(absl::string_view soql);

// Returns Unix milliseconds of a Salesforce or RFC 3339 date-time
// ("2026-01-20T18:02:44.000+0000", "2026-01-20T18:02:44Z"); nullopt when it
// is not one.
std::optional<int64_t> DateTimeMillis(absl::string_view text);

}  // namespace revhub::emulator

#endif  // REVHUB_TESTS_VENDOR_EMULATOR_SALESFORCE_SOQL_H_
