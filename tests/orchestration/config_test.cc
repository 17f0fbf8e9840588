// The orchestration configuration file (hub/orchestration/config.h).
#include "hub/orchestration/config.h"

#include <catch2/catch.hpp>

namespace revhub::hub {
namespace {

std::string ErrorOf(absl::string_view json) {
  auto c = ParseOrchestrationConfig(json);
  REQUIRE_FALSE(c.ok());
  return std::string(c.status().message());
}

TEST_CASE("the orchestration configuration is read and bad keys are named",
          "[orchestration][config]") {
  auto c = ParseOrchestrationConfig(R"({
    "routing": [{"kind": "DEAD_LETTER", "system": "netsuite", "owner": "oncall"},
                {"category": "FINANCE", "owner": "revenue-accounting"}],
    "default_owner": "finance-ops",
    "sla": {"FINANCE": "4h"},
    "recognition_sweep_interval": "90s",
    "workers": 3})");
  REQUIRE(c.ok());
  REQUIRE(c->routing.size() == 2);
  CHECK(c->routing[0].kind == hub::v1::EXCEPTION_KIND_DEAD_LETTER);
  CHECK(c->routing[0].system == "netsuite");
  CHECK(c->routing[1].category == hub::v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(c->sla[hub::v1::EXCEPTION_CATEGORY_FINANCE] == absl::Hours(4));
  CHECK(c->sla[hub::v1::EXCEPTION_CATEGORY_METADATA] == absl::Hours(72));
  CHECK(c->recognition_sweep_interval == absl::Seconds(90));
  CHECK(c->workers == 3);

  CHECK(ErrorOf(R"({"routing": [{"category": "LEGAL", "owner": "x"}]})")
            .rfind("routing[0].category: unknown category", 0) == 0);
  CHECK(ErrorOf(R"({"routing": [{"category": "FINANCE"}]})") ==
        "routing[0].owner: required");
  CHECK(ErrorOf(R"({"sla": {"FINANCE": "soon"}})").rfind("sla.FINANCE:", 0) ==
        0);
  CHECK(ErrorOf(R"({"workers": 0})").rfind("workers:", 0) == 0);
  CHECK(ErrorOf(R"({"retries": 3})").rfind("retries: unknown key", 0) == 0);
  CHECK(ErrorOf("[1]") == "$: must be an object");
  CHECK(LoadOrchestrationConfig("").ok());
  CHECK(absl::IsNotFound(
      LoadOrchestrationConfig("/nonexistent/orchestration.json").status()));
}

}  // namespace
}  // namespace revhub::hub
