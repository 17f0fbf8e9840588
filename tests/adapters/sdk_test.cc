// The SDK's own contract: exact JSON, field paths in errors, configuration
// validation, redaction, and the error conventions seen over gRPC.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/mapping.h"
#include "canonical/money.h"
#include "tests/adapters/test_util.h"

using namespace revhub::adapter;
using revhub::testing::StartAdapter;
namespace av1 = revhub::adapter::v1;

TEST_CASE("numbers are read exactly, never through a float", "[sdk]") {
  auto doc = ParseExactJson(
      R"({"a": 0.1, "b": 1000.0, "c": 19.99, "d": 12, "e": "3.50", "big": 123456789012.123456789})");
  REQUIRE(doc.ok());
  Field f(*doc);
  CHECK(revhub::FormatDecimal(*f["a"].Number()) == "0.1");
  CHECK(f["b"].Number()->units() == 1000);
  CHECK(f["c"].Number()->nanos() == 990000000);
  CHECK(f["d"].Number()->units() == 12);
  CHECK(f["e"].Number()->nanos() == 500000000);
  CHECK(f["big"].Number()->units() == 123456789012);
  CHECK(f["big"].Number()->nanos() == 123456789);
  CHECK(
      DumpExactJson(*doc) ==
      R"({"a":0.1,"b":1000.0,"big":123456789012.123456789,"c":19.99,"d":12,"e":"3.50"})");
  auto jpy = MinorUnitsAt(f["d"], "JPY");
  REQUIRE(jpy.ok());
  CHECK(jpy->units() == 12);
  CHECK(jpy->nanos() == 0);
  auto usd = MinorUnitsAt(f["d"], "USD");
  CHECK(usd->units() == 0);
  CHECK(usd->nanos() == 120000000);
}

TEST_CASE("errors name the vendor field path and the rule", "[sdk]") {
  auto doc = ParseExactJson(
      R"({"lines": {"data": [{"amount": "10"}, {}]}, "currency": "zzz"})");
  REQUIRE(doc.ok());
  Field root(*doc);
  auto wrong = root["lines"]["data"].At(0)["amount"].Int();
  CHECK(FieldPathOf(wrong.status()) == "lines.data[0].amount");
  CHECK(ReasonOf(wrong.status()) == "expected an integer, got a string");
  auto missing = root["lines"]["data"].At(1)["amount"].Int();
  CHECK(FieldPathOf(missing.status()) == "lines.data[1].amount");
  CHECK(ReasonOf(missing.status()) == "required field is missing");
  auto currency = CurrencyAt(root["currency"]);
  CHECK(FieldPathOf(currency.status()) == "currency");
  auto malformed = ParseExactJson("{\"a\": [1, 2");
  CHECK(malformed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(malformed.status().message())
            .find("malformed JSON at byte") != std::string::npos);
}

TEST_CASE("vendor times are read as the vendors write them", "[sdk]") {
  auto doc = ParseExactJson(
      R"({"sf": "2026-05-01T07:25:37.000+0000", "rfc": "2026-05-01T07:25:37Z", "date": "2020-6-15", "bad": "yesterday"})");
  Field f(*doc);
  CHECK((*TextTimeAt(f["sf"]))->seconds() == 1777620337);
  CHECK((*TextTimeAt(f["rfc"]))->seconds() == 1777620337);
  CHECK((*TextTimeAt(f["date"]))->seconds() == 1592179200);
  CHECK(FieldPathOf(TextTimeAt(f["bad"]).status()) == "bad");
}

TEST_CASE("calendar arithmetic keeps the time of day and clamps the day",
          "[sdk]") {
  auto at = [](const char* text) {
    auto doc = ParseExactJson(absl::StrCat("\"", text, "\""));
    return **TextTimeAt(Field(*doc));
  };
  CHECK(FormatTimestamp(AddCalendar(at("2025-01-31"), 1, 0)) ==
        "2025-02-28T00:00:00Z");
  CHECK(FormatTimestamp(AddCalendar(at("2024-01-31T10:15:00Z"), 1, 0)) ==
        "2024-02-29T10:15:00Z");
  CHECK(FormatTimestamp(AddCalendar(at("2025-12-31"), 0, 1)) ==
        "2026-01-01T00:00:00Z");
  CHECK(FormatTimestamp(AddCalendar(at("2025-03-01"), 12, -1)) ==
        "2026-02-28T00:00:00Z");
  CHECK(WholeMonthsBetween(at("2025-01-01"), at("2026-01-01")) == 12);
  CHECK(WholeMonthsBetween(at("2025-01-31"), at("2025-02-28")) == 1);
  CHECK(WholeMonthsBetween(at("2025-01-01"), at("2025-12-31")) == std::nullopt);
  CHECK(WholeMonthsBetween(at("2025-01-01"), at("2025-01-01")) == std::nullopt);
}

TEST_CASE("configuration is validated against the declared fields", "[sdk]") {
  std::vector<ConfigField> fields = {
      {"base_url", ConfigType::kUrl, true, false, "", ""},
      {"token", ConfigType::kString, true, true, "", ""},
      {"timeout_ms", ConfigType::kInteger, false, false, "", "1500"},
      {"ids", ConfigType::kStringMap, false, false, "", ""},
  };
  std::vector<FieldError> errors;
  auto ok = Config::Parse(
      R"({"base_url":"https://x.example","token":"s3cr3t-value","ids":{"a":"1"}})",
      fields, &errors);
  REQUIRE(ok.ok());
  CHECK(ok->GetInt("timeout_ms") == 1500);
  CHECK(ok->GetStringMap("ids").at("a") == "1");
  CHECK(ok->secret_values() == std::vector<std::string>{"s3cr3t-value"});
  Logger log("test", ok->secret_values());
  CHECK(log.Redact("Authorization: Bearer s3cr3t-value") ==
        "Authorization: Bearer [REDACTED]");

  errors.clear();
  auto bad = Config::Parse(
      R"({"base_url":"ftp://x","timeout_ms":-1,"ids":{"a":2},"extra":true})",
      fields, &errors);
  CHECK_FALSE(bad.ok());
  std::map<std::string, std::string> by_path;
  for (const auto& e : errors) by_path[e.field_path()] = e.reason();
  CHECK(by_path.at("config.base_url") == "must be an http:// or https:// URL");
  CHECK(by_path.at("config.token") == "required field is missing");
  CHECK(by_path.at("config.timeout_ms") == "must be a non-negative integer");
  CHECK(by_path.at("config.ids") == "value of \"a\" must be a string");
  CHECK(by_path.at("config.extra") == "unknown field");

  auto schema = nlohmann::json::parse(ConfigJsonSchema(fields));
  CHECK(schema["required"] == nlohmann::json::array({"base_url", "token"}));
  CHECK(schema["properties"]["token"]["writeOnly"] == true);
  CHECK(schema["additionalProperties"] == false);
}

TEST_CASE("configuration values can be limited to a declared set", "[sdk]") {
  ConfigField rule{"rule", ConfigType::kString, false, false, "", "\"A\""};
  rule.allowed_values = {"A", "B"};
  ConfigField rules{"rules", ConfigType::kStringMap, false, false, "", ""};
  rules.allowed_values = {"A", "B"};
  std::vector<ConfigField> fields = {rule, rules};
  std::vector<FieldError> errors;
  auto ok = Config::Parse(R"({"rules":{"x":"B"}})", fields, &errors);
  REQUIRE(ok.ok());
  CHECK(ok->GetString("rule") == "A");
  CHECK(ok->GetStringMap("rules").at("x") == "B");

  auto bad = Config::Parse(R"({"rule":"C","rules":{"x":"A","y":"b"}})", fields,
                           &errors);
  CHECK_FALSE(bad.ok());
  std::map<std::string, std::string> by_path;
  for (const auto& e : errors) by_path[e.field_path()] = e.reason();
  CHECK(by_path.at("config.rule") == "must be one of A, B (got \"C\")");
  CHECK(by_path.at("config.rules") ==
        "value of \"y\" must be one of A, B (got \"b\")");

  auto schema = nlohmann::json::parse(ConfigJsonSchema(fields));
  CHECK(schema["properties"]["rule"]["enum"] ==
        nlohmann::json::array({"A", "B"}));
  CHECK(schema["properties"]["rules"]["additionalProperties"]["enum"] ==
        nlohmann::json::array({"A", "B"}));
}

TEST_CASE("bad records fail alone, with the field named, over gRPC", "[sdk]") {
  // A 10 MB payload takes a while under the sanitizers on a busy machine:
  // the health checks and the deadline allow for it, so the call is not
  // cut short by a restart.
  revhub::hub::AdapterHostOptions options = FastOptions();
  options.health_timeout = absl::Seconds(10);
  options.call_deadline = absl::Seconds(300);
  auto host = StartAdapter("stripe", options);
  av1::TranslateBatchRequest req;
  req.set_system("stripe-prod");
  auto add = [&](const std::string& type, const std::string& payload) {
    auto* r = req.add_records();
    r->set_record_key(std::to_string(req.records_size()));
    r->set_object_type(type);
    r->set_payload(payload);
  };
  add("customer",
      R"({"id":"cus_A","object":"customer","name":"A","created":1})");
  add("customer", R"({"id":"cus_B","object":"customer",)");  // malformed
  add("invoice",
      R"({"id":"in_1","object":"invoice","currency":"usd","status":"open","lines":{"data":[]},"subtotal":1,"total":1})");
  add("coupon", R"({"id":"co_1"})");
  add("customer", R"({"id":"cus_C","object":"product","name":"C"})");
  // A 10 MB payload is taken and translated.
  std::string big =
      R"({"id":"cus_big","object":"customer","name":"Big","description":")" +
      std::string(10 * 1024 * 1024, 'x') + "\"}";
  add("customer", big);
  auto resp = host->TranslateBatch(req);
  INFO(resp.status().ToString());
  REQUIRE(resp.ok());
  REQUIRE(resp->results_size() == 6);
  CHECK(resp->results(0).outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  CHECK(resp->results(0).entities(0).customer().external_refs(0).system() ==
        "stripe-prod");
  CHECK(resp->results(1).outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(resp->results(1).errors(0).reason().find("malformed JSON") !=
        std::string::npos);
  CHECK(resp->results(2).outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(resp->results(2).errors(0).field_path() == "customer");
  CHECK(resp->results(2).entities_size() == 0);
  CHECK(resp->results(3).outcome() == av1::TRANSLATION_OUTCOME_FAILED);
  CHECK(resp->results(3).errors(0).field_path() == "object_type");
  CHECK(resp->results(4).errors(0).field_path() == "object");
  CHECK(resp->results(5).outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  CHECK(resp->results(5)
            .entities(0)
            .customer()
            .attributes()
            .at("description")
            .size() == 10 * 1024 * 1024);
  CHECK(resp->results(5).record_key() == "6");

  av1::TranslateRequest bad_config;
  *bad_config.mutable_config() =
      revhub::testing::ConfigStruct(R"({"api_base": "nope"})");
  bad_config.mutable_record()->set_object_type("customer");
  bad_config.mutable_record()->set_payload("{}");
  auto r = host->Translate(bad_config);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(r.status().message()).find("config.api_base") !=
        std::string::npos);
}
