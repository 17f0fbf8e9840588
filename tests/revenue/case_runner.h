// Data-driven revenue cases: a small line-oriented language describing a
// contract, its amendments, billing and delivery facts, and the figures the
// engine must produce. See cases/README.md for the language.
#ifndef REVHUB_TESTS_REVENUE_CASE_RUNNER_H_
#define REVHUB_TESTS_REVENUE_CASE_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "canonical/revenue/engine.h"

namespace revhub::revenue::testing {

struct Expectation {
  int line_number = 0;
  std::vector<std::string> words;  // after "expect"
  bool derived = false;            // not a figure printed in the source
};

struct Case {
  std::string file;
  int line_number = 0;
  std::string name;
  std::string source;  // section of EXAMPLES.md ("A1"), or empty
  RevenueInput input;
  RevenueSettings settings;
  std::vector<Expectation> expectations;
  // `close PERIOD`: the facts given before it, from which the schedule stood
  // when the period closed, and the periods closed before it.
  std::optional<RevenueInput> before_close;
  std::vector<std::string> closed_before;
};

// The account role a case names ("receivable", "contra_refund", ...), if
// any, and whether its balance is shown positive when in credit.
std::optional<canonical::v1::AccountRole> RoleNamed(absl::string_view name);
bool CreditNatured(canonical::v1::AccountRole role);

// Parses every case of a .test file. Errors name the file and line.
absl::Status ParseCaseFile(const std::string& path, std::vector<Case>* out);

// Runs one case; returns one message per failed expectation (empty: pass).
std::vector<std::string> RunCase(const Case& c);

// Returns the text of section `id` ("### A1." up to the next heading) of a
// markdown document, or "" when it is not there.
std::string SectionText(const std::string& markdown, const std::string& id);

// Returns the figures of an expectation that must be printed in the source
// section and are not (each as text).
std::vector<std::string> FiguresMissingFromSource(const Expectation& e,
                                                  const std::string& section,
                                                  const std::string& currency);

}  // namespace revhub::revenue::testing

#endif  // REVHUB_TESTS_REVENUE_CASE_RUNNER_H_
