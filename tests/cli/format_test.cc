// Tests of the CLI's output formatting and value syntaxes.
#include "hub/cli/format.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

using namespace ::revhub::cli::fixtures;  // NOLINT

TEST_CASE("Table aligns columns to the widest cell", "[format]") {
  Table table({"ID", "NAME", "TOTAL"});
  table.AlignRight(2);
  table.AddRow({"inv_1", "Acme", "1234.50 USD"});
  table.AddRow({"inv_22", "Müller GmbH", "5.00 EUR"});
  CHECK(table.Render() ==
        "ID      NAME               TOTAL\n"
        "inv_1   Acme         1234.50 USD\n"
        "inv_22  Müller GmbH     5.00 EUR\n");
}

TEST_CASE("Table leaves no trailing blanks", "[format]") {
  Table table({"A", "B"});
  table.AddRow({"long value", ""});
  table.AddRow({"x", "y"});
  CHECK(table.Render() == "A           B\nlong value\nx           y\n");
}

TEST_CASE("DisplayWidth counts code points, not bytes", "[format]") {
  CHECK(DisplayWidth("abc") == 3);
  CHECK(DisplayWidth("Müller") == 6);
  CHECK(DisplayWidth("€100") == 4);
  CHECK(DisplayWidth("") == 0);
}

TEST_CASE("RenderFields aligns the values", "[format]") {
  CHECK(RenderFields({{"id", "cus_1"}, {"recorded at", "-"}}) ==
        "id:          cus_1\n"
        "recorded at: -\n");
}

TEST_CASE("Timestamps print as RFC 3339 UTC", "[format]") {
  CHECK(FormatTimestamp(At(0)) == "-");
  CHECK(FormatTimestamp(At(1735689600)) == "2025-01-01T00:00:00Z");
  CHECK(FormatTimestamp(At(1735689600, 250000000)) ==
        "2025-01-01T00:00:00.250Z");
  CHECK(FormatTimestamp(At(1735689600, 123456)) ==
        "2025-01-01T00:00:00.000123456Z");
}

TEST_CASE("ParseTimestamp reads RFC 3339 and names the flag", "[format]") {
  absl::StatusOr<google::protobuf::Timestamp> utc =
      ParseTimestamp("2025-01-01T00:00:00Z", "--as-of");
  REQUIRE(utc.ok());
  CHECK(utc->seconds() == 1735689600);

  absl::StatusOr<google::protobuf::Timestamp> offset =
      ParseTimestamp("2025-01-01T01:00:00.5+01:00", "--as-of");
  REQUIRE(offset.ok());
  CHECK(offset->seconds() == 1735689600);
  CHECK(offset->nanos() == 500000000);

  // What FormatTimestamp prints reads back to the same instant.
  absl::StatusOr<google::protobuf::Timestamp> round_trip =
      ParseTimestamp(FormatTimestamp(At(1735689600, 123456789)), "--as-of");
  REQUIRE(round_trip.ok());
  CHECK(round_trip->nanos() == 123456789);

  for (const char* bad :
       {"yesterday", "2025-01-01", "2025-13-01T00:00:00Z", ""}) {
    absl::StatusOr<google::protobuf::Timestamp> parsed =
        ParseTimestamp(bad, "--as-of");
    CHECK(absl::IsInvalidArgument(parsed.status()));
    CHECK(absl::StartsWith(parsed.status().message(), "--as-of: '"));
  }
}

TEST_CASE("Money prints exactly, with the currency's minor unit", "[format]") {
  CHECK(FormatMoneyOrDash(MoneyOf("1234.5", "USD")) == "1234.50 USD");
  CHECK(FormatMoneyOrDash(MoneyOf("500", "JPY")) == "500 JPY");
  CHECK(FormatMoneyOrDash(MoneyOf("1.25", "KWD")) == "1.250 KWD");
  CHECK(FormatMoneyOrDash(MoneyOf("-0.01", "EUR")) == "-0.01 EUR");
  // Finer digits than the minor unit are shown, not rounded away.
  CHECK(FormatMoneyOrDash(MoneyOf("0.333333333", "USD")) == "0.333333333 USD");
  // 2^53 + 1 cents: a double could not hold it.
  CHECK(FormatMoneyOrDash(MoneyOf("90071992547409.93", "USD")) ==
        "90071992547409.93 USD");
  CHECK(FormatMoneyOrDash(canon::Money()) == "-");
}

TEST_CASE("Enum short names", "[format]") {
  CHECK(EnumShortName(hubv1::SystemKind_descriptor(), hubv1::SYSTEM_KIND_CRM) ==
        "crm");
  CHECK(EnumShortName(canon::InvoiceKind_descriptor(),
                      canon::INVOICE_KIND_CREDIT_NOTE) == "credit_note");
  CHECK(EnumShortName(hubv1::SystemKind_descriptor(), 0) == "-");
  CHECK(EnumShortName(hubv1::SystemKind_descriptor(), 99) == "99");
  CHECK(EnumChoices(hubv1::SystemKind_descriptor()) ==
        "crm, billing, erp, revrec, other");
}

TEST_CASE("ParseEnumShortName accepts short, dashed and full names",
          "[format]") {
  const auto* kinds = canon::InvoiceKind_descriptor();
  CHECK(*ParseEnumShortName(kinds, "credit-note", "--kind") ==
        canon::INVOICE_KIND_CREDIT_NOTE);
  CHECK(*ParseEnumShortName(kinds, "credit_note", "--kind") ==
        canon::INVOICE_KIND_CREDIT_NOTE);
  CHECK(*ParseEnumShortName(kinds, "INVOICE_KIND_INVOICE", "--kind") ==
        canon::INVOICE_KIND_INVOICE);
  CHECK(*ParseEnumShortName(canon::EventType_descriptor(), "Contract_Booked",
                            "--type") == canon::EVENT_TYPE_CONTRACT_BOOKED);

  absl::StatusOr<int> unknown = ParseEnumShortName(kinds, "receipt", "--kind");
  CHECK(unknown.status().message() ==
        "--kind: 'receipt' is not one of invoice, credit_note");
  CHECK(!ParseEnumShortName(kinds, "unspecified", "--kind").ok());
  CHECK(!ParseEnumShortName(kinds, "", "--kind").ok());
}

TEST_CASE("ToJson prints canonical proto3 JSON with every scalar", "[format]") {
  hubv1::IngestResponse response;
  response.set_record_id(7);
  nlohmann::json json =
      nlohmann::json::parse(ToJson(response, /*pretty=*/false));
  CHECK(json["recordId"] == "7");  // int64 is a string in proto3 JSON
  CHECK(json["duplicate"] == false);

  hubv1::System system;
  system.set_kind(hubv1::SYSTEM_KIND_ERP);
  std::string pretty = ToJson(system, /*pretty=*/true);
  CHECK(nlohmann::json::parse(pretty)["kind"] == "SYSTEM_KIND_ERP");
  CHECK(pretty.back() == '\n');
  std::string compact = ToJson(system, /*pretty=*/false);
  CHECK(compact.find('\n') == compact.size() - 1);
}

TEST_CASE("ParseAge reads d, h, m, s largest first", "[cli][orchestration]") {
  CHECK(ParseAge("2h", "--min-age")->seconds() == 7200);
  CHECK(ParseAge("90m", "--min-age")->seconds() == 5400);
  CHECK(ParseAge("45s", "--min-age")->seconds() == 45);
  CHECK(ParseAge("1h30m", "--min-age")->seconds() == 5400);
  CHECK(ParseAge("1d12h", "--min-age")->seconds() == 129600);
  CHECK(ParseAge("3D", "--min-age")->seconds() == 3 * 86400);
  for (const char* bad : {"", "2", "h", "2x", "30m2h", "2h2h", "0s", "-2h",
                          "2h ", "1.5h", "9999999999h"}) {
    INFO(bad);
    absl::StatusOr<google::protobuf::Duration> age = ParseAge(bad, "--min-age");
    REQUIRE_FALSE(age.ok());
    CHECK(absl::IsInvalidArgument(age.status()));
    CHECK_THAT(std::string(age.status().message()),
               Catch::StartsWith("--min-age: '"));
  }
}

TEST_CASE("FormatAge prints the two largest units", "[cli][orchestration]") {
  auto age = [](int64_t seconds) {
    google::protobuf::Duration d;
    d.set_seconds(seconds);
    d.set_nanos(seconds >= 0 ? 999999999 : 0);  // truncated, never rounded
    return FormatAge(d);
  };
  CHECK(age(0) == "0s");
  CHECK(age(-5) == "0s");
  CHECK(age(45) == "45s");
  CHECK(age(12 * 60 + 30) == "12m30s");
  CHECK(age(12 * 60) == "12m");
  CHECK(age(3 * 3600 + 12 * 60 + 59) == "3h12m");
  CHECK(age(3 * 3600 + 5) == "3h");
  CHECK(age(2 * 86400 + 4 * 3600 + 30 * 60) == "2d4h");
  CHECK(age(5 * 86400 + 59 * 60) == "5d");
}

}  // namespace
}  // namespace revhub::cli
