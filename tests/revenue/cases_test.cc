// Runs the revenue cases written for this suite (cases/*.test other than
// the worked examples).
#include <catch2/catch.hpp>

#include "case_runner.h"

namespace revhub::revenue::testing {
namespace {

void RunFile(const std::string& name) {
  std::vector<Case> cases;
  const absl::Status parsed =
      ParseCaseFile(std::string(REVHUB_REVENUE_CASES_DIR) + "/" + name, &cases);
  REQUIRE(parsed.ok());
  REQUIRE_FALSE(cases.empty());
  for (const Case& c : cases) {
    INFO(c.file << ":" << c.line_number << ": " << c.name);
    REQUIRE_FALSE(c.expectations.empty());
    for (const std::string& failure : RunCase(c)) FAIL_CHECK(failure);
  }
}

TEST_CASE("ASC 606 illustrative cases", "[revenue][cases]") {
  RunFile("asc606.test");
}

TEST_CASE("edge cases", "[revenue][cases]") { RunFile("edge.test"); }

TEST_CASE("open-ended and auto-renewing contracts", "[revenue][cases]") {
  RunFile("open_ended.test");
}

TEST_CASE("one-off lines", "[revenue][cases]") { RunFile("one_off.test"); }

TEST_CASE("tax is never revenue", "[revenue][cases]") { RunFile("tax.test"); }

TEST_CASE("refunds, disputes and voids", "[revenue][cases]") {
  RunFile("contra.test");
}

TEST_CASE("termination and cancellation", "[revenue][cases]") {
  RunFile("termination.test");
}

TEST_CASE("period close", "[revenue][cases]") { RunFile("close.test"); }

TEST_CASE("usage, deliveries and milestones", "[revenue][cases]") {
  RunFile("fulfilment.test");
}

}  // namespace
}  // namespace revhub::revenue::testing
