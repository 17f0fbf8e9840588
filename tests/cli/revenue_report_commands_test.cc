// Tests of `revhub revenue waterfall|rollforward|rpo|balances|contra`: the
// queries they send and the tables, CSV and JSON they print, run in-process
// against a RecordingHub.
#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

template <typename T>
T Parsed(const std::string& text) {
  T msg;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &msg));
  return msg;
}

TEST_CASE("revenue waterfall sends the query and prints totals",
          "[revenue][reports]") {
  Harness h;
  h.hub.GetWaterfall_answers.push_back(Parsed<hubv1::GetWaterfallResponse>(R"pb(
    periods: "2026-01"
    periods: "2026-02"
    rows {
      group: "ctr_1"
      currency_code: "USD"
      billed_period: "2026-01"
      billed { currency_code: "USD" units: 900 }
      recognised {
        period: "2026-01"
        amount { currency_code: "USD" units: 300 }
      }
      recognised {
        period: "2026-02"
        amount { currency_code: "USD" units: 300 }
      }
      remaining { currency_code: "USD" units: 300 }
    }
    rows {
      group: "ctr_2"
      currency_code: "USD"
      billed_period: "unbilled"
      billed { currency_code: "USD" }
      recognised {
        period: "2026-01"
        amount { currency_code: "USD" }
      }
      recognised {
        period: "2026-02"
        amount { currency_code: "USD" units: 50 }
      }
      remaining { currency_code: "USD" units: -50 }
    }
  )pb"));
  Result r = h.Run({"revenue", "waterfall", "--from", "2026-01", "--to",
                    "2026-02", "--as-of", "2026-03-01T00:00:00Z", "--group-by",
                    "entity", "--customer", "cus_1", "--currency", "USD"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.GetWaterfall_requests.size() == 1);
  const auto& q = h.hub.GetWaterfall_requests[0].query();
  CHECK(q.period_start() == "2026-01");
  CHECK(q.period_end() == "2026-02");
  CHECK(q.as_of().seconds() == 1772323200);
  CHECK(q.group_by() == hubv1::REPORT_GROUP_BY_LEGAL_ENTITY);
  CHECK(q.customer_id() == "cus_1");
  CHECK(q.currency_code() == "USD");
  // 900 billed; 300 + 0 and 300 + 50 recognised; 300 - 50 remaining.
  CHECK(r.out ==
        "group  billed in      billed     2026-01     2026-02   remaining\n"
        "ctr_1  2026-01    900.00 USD  300.00 USD  300.00 USD  300.00 USD\n"
        "ctr_2  unbilled     0.00 USD    0.00 USD   50.00 USD  -50.00 USD\n"
        "total             900.00 USD  300.00 USD  350.00 USD  250.00 USD\n");

  SECTION("a bad --group-by is a usage error and sends nothing") {
    Result bad = h.Run({"revenue", "waterfall", "--from", "2026-01", "--to",
                        "2026-02", "--group-by", "region"});
    CHECK(bad.code == kExitUsage);
    CHECK(bad.err.find("--group-by: 'region'") != std::string::npos);
    CHECK(h.hub.GetWaterfall_requests.size() == 1);
  }
  SECTION("--from and --to are required") {
    Result bad = h.Run({"revenue", "waterfall", "--from", "2026-01"});
    CHECK(bad.code == kExitUsage);
  }
}

hubv1::GetRollForwardResponse TwoPeriods() {
  return Parsed<hubv1::GetRollForwardResponse>(R"pb(
    account: ROLL_FORWARD_ACCOUNT_UNBILLED_RECEIVABLE
    rows {
      group: "USD"
      currency_code: "USD"
      period: "2026-01"
      opening { currency_code: "USD" units: 10 }
      billings { currency_code: "USD" }
      recognised { currency_code: "USD" units: 5 }
      credit_notes { currency_code: "USD" }
      refunds { currency_code: "USD" }
      voids { currency_code: "USD" }
      disputes { currency_code: "USD" }
      closing { currency_code: "USD" units: 15 }
    }
    rows {
      group: "USD"
      currency_code: "USD"
      period: "2026-02"
      opening { currency_code: "USD" units: 15 }
      billings { currency_code: "USD" units: -15 }
      recognised { currency_code: "USD" units: 2 }
      credit_notes { currency_code: "USD" }
      refunds { currency_code: "USD" }
      voids { currency_code: "USD" }
      disputes { currency_code: "USD" }
      closing { currency_code: "USD" units: 2 }
    }
  )pb");
}

TEST_CASE("revenue rollforward follows the account asked for",
          "[revenue][reports]") {
  Harness h;
  h.hub.GetRollForward_answers.push_back(TwoPeriods());
  Result r =
      h.Run({"revenue", "rollforward", "--from", "2026-01", "--to", "2026-02",
             "--account", "unbilled", "--group-by", "currency"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.GetRollForward_requests.size() == 1);
  CHECK(h.hub.GetRollForward_requests[0].account() ==
        hubv1::ROLL_FORWARD_ACCOUNT_UNBILLED_RECEIVABLE);
  // Totals: January's opening 10, the movements (-15 billed, 7
  // recognised), February's closing 2.
  INFO(r.out);
  CHECK(r.out.find("total           10.00 USD  -15.00 USD    7.00 USD") !=
        std::string::npos);
  CHECK(r.out.find("2.00 USD\n", r.out.find("total")) != std::string::npos);

  SECTION("a bad --account sends nothing") {
    Result bad = h.Run({"revenue", "rollforward", "--from", "2026-01", "--to",
                        "2026-02", "--account", "cash"});
    CHECK(bad.code == kExitUsage);
    CHECK(bad.err.find("--account: 'cash'") != std::string::npos);
    CHECK(h.hub.GetRollForward_requests.size() == 1);
  }
}

TEST_CASE("revenue balances --csv is RFC 4180 with plain amounts",
          "[revenue][reports]") {
  Harness h;
  h.hub.GetContractBalances_answers.push_back(
      Parsed<hubv1::GetContractBalancesResponse>(R"pb(
        rows {
          contract_id: "ctr_1"
          customer_id: "Acme, Inc. \"EU\""
          legal_entity: "ACME-KW"
          currency_code: "KWD"
          period: "2026-01"
          contract_asset { currency_code: "KWD" }
          contract_liability { currency_code: "KWD" units: 1 nanos: 500000000 }
          receivable { currency_code: "KWD" units: -2 nanos: -5000000 }
        }
      )pb"));
  Result r = h.Run({"revenue", "balances", "--from", "2026-01", "--to",
                    "2026-01", "--csv", "--contract", "ctr_1"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.GetContractBalances_requests[0].query().contract_id() == "ctr_1");
  CHECK(r.out ==
        "contract,customer,legal entity,period,currency,contract asset,"
        "contract liability,receivable\r\n"
        "ctr_1,\"Acme, Inc. \"\"EU\"\"\",ACME-KW,2026-01,KWD,0.000,1.500,"
        "-2.005\r\n");

  SECTION("--csv with --json is refused") {
    Result bad = h.Run({"--json", "revenue", "balances", "--from", "2026-01",
                        "--to", "2026-01", "--csv"});
    CHECK(bad.code == kExitUsage);
  }
}

TEST_CASE("revenue contra --json and rpo print their responses",
          "[revenue][reports]") {
  Harness h;
  h.hub.GetContraRevenue_answers.push_back(
      Parsed<hubv1::GetContraRevenueResponse>(R"pb(
        rows {
          group: "cus_1"
          currency_code: "EUR"
          period: "2026-03"
          credit_notes { currency_code: "EUR" units: 10 }
          refunds { currency_code: "EUR" units: 5 }
          voids { currency_code: "EUR" }
          disputes { currency_code: "EUR" units: 7 }
          total { currency_code: "EUR" units: 22 }
        }
      )pb"));
  Result j = h.Run({"--json", "revenue", "contra", "--from", "2026-03", "--to",
                    "2026-03", "--group-by", "customer"});
  INFO(j.err);
  REQUIRE(j.code == kExitOk);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["rows"][0]["total"]["units"] == "22");

  h.hub.GetRemainingObligations_answers.push_back(
      Parsed<hubv1::GetRemainingObligationsResponse>(R"pb(
        as_of_period: "2026-03"
        rows {
          group: "plan"
          currency_code: "EUR"
          total { currency_code: "EUR" units: 1200 }
          within_12_months { currency_code: "EUR" units: 900 }
          later { currency_code: "EUR" units: 300 }
        }
      )pb"));
  Result r = h.Run({"revenue", "rpo", "--from", "2026-01", "--to", "2026-03",
                    "--group-by", "product", "--product", "plan"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK(h.hub.GetRemainingObligations_requests[0].query().product_id() ==
        "plan");
  CHECK(r.out ==
        "remaining performance obligations after 2026-03:\n"
        "group        total  within 12 months       later\n"
        "plan   1200.00 EUR        900.00 EUR  300.00 EUR\n"
        "total  1200.00 EUR        900.00 EUR  300.00 EUR\n");
}

}  // namespace
}  // namespace revhub::cli
