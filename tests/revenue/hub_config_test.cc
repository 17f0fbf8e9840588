// The hub's revenue configuration (hub/revenue/revenue_config.h): the default
// chart, the JSON format, and errors that name the JSON path and the rule.
#include <catch2/catch.hpp>

#include "hub/revenue/revenue_config.h"

namespace revhub::hub {
namespace {

namespace canon = ::revhub::canonical::v1;

std::string Account(const revenue::RevenueSettings& s, const char* entity,
                    canon::AccountRole role) {
  auto account = s.accounts.AccountFor(entity, role);
  REQUIRE(account.ok());
  return *account;
}

TEST_CASE("without a file every role has a default account", "[hub_config]") {
  auto s = LoadRevenueConfig("");
  REQUIRE(s.ok());
  CHECK(s->convention == canon::PERIOD_CONVENTION_BY_DAY);
  for (int r = 1; r <= 7; ++r) {
    CHECK_FALSE(Account(*s, "ANY", static_cast<canon::AccountRole>(r)).empty());
  }
  CHECK(Account(*s, "ANY", canon::ACCOUNT_ROLE_DEFERRED_REVENUE) == "2400");
}

TEST_CASE("a file maps roles per legal entity over the defaults",
          "[hub_config]") {
  auto s = ParseRevenueConfig(R"({
      "period_convention": "MONTHLY_PRO_RATA",
      "accounts": {
        "ACME-US": {"RECEIVABLE": "1200"},
        "": {"CASH": "1010"}
      }})",
                              "test");
  REQUIRE(s.ok());
  CHECK(s->convention == canon::PERIOD_CONVENTION_MONTHLY_PRO_RATA);
  CHECK(Account(*s, "ACME-US", canon::ACCOUNT_ROLE_RECEIVABLE) == "1200");
  CHECK(Account(*s, "ACME-DE", canon::ACCOUNT_ROLE_RECEIVABLE) == "1100");
  CHECK(Account(*s, "ACME-US", canon::ACCOUNT_ROLE_CASH) == "1010");
  CHECK(Account(*s, "ACME-US", canon::ACCOUNT_ROLE_REVENUE) == "4000");
}

TEST_CASE("bad files are refused naming the path and the rule",
          "[hub_config]") {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"[1]", "f: (document): must be a JSON object"},
      {"{", "f: (document): not valid JSON"},
      {R"({"acounts": {}})",
       "f: acounts: unknown setting (known: period_convention, accounts)"},
      {R"({"period_convention": "WEEKLY"})",
       "f: period_convention: \"WEEKLY\" is not a period convention (one of "
       "BY_DAY, BY_INSTANT, BY_MONTH_EVEN, MONTHLY_PRO_RATA)"},
      {R"({"accounts": []})",
       "f: accounts: must be an object of legal entity to roles"},
      {R"({"accounts": {"X": "1"}})",
       "f: accounts[\"X\"]: must be an object of account role to account"},
      {R"({"accounts": {"ACME-US": {"RECEVABLE": "1"}}})",
       "f: accounts[\"ACME-US\"].RECEVABLE: not an account role (one of "
       "RECEIVABLE, UNBILLED_RECEIVABLE, DEFERRED_REVENUE, REVENUE, "
       "CONTRA_REVENUE, TAX_PAYABLE, CASH, CONTRA_REVENUE_REFUND, "
       "CONTRA_REVENUE_VOID, CONTRA_REVENUE_DISPUTE)"},
      {R"({"accounts": {"": {"CASH": ""}}})",
       "f: accounts[\"\"].CASH: must be a non-empty string (the ledger "
       "account)"},
      {R"({"accounts": {"": {"CASH": 1000}}})",
       "f: accounts[\"\"].CASH: must be a non-empty string (the ledger "
       "account)"},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    auto s = ParseRevenueConfig(c.json, "f");
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.status().message() == c.message);
  }
}

TEST_CASE("a missing file is NOT_FOUND", "[hub_config]") {
  auto s = LoadRevenueConfig("/nonexistent/revenue.json");
  CHECK(s.status().code() == absl::StatusCode::kNotFound);
  CHECK(
      s.status().message().find("--revenue-config /nonexistent/revenue.json") !=
      absl::string_view::npos);
}

}  // namespace
}  // namespace revhub::hub
