// The exception queue's rules (hub/exceptions/exceptions.h): routing by the
// orchestration configuration, age and SLA state.
#include "hub/exceptions/exceptions.h"

#include <catch2/catch.hpp>

#include "hub/common/util.h"
#include "hub/orchestration/config.h"

namespace revhub::hub {
namespace {

TEST_CASE("exceptions are routed by the first matching rule",
          "[orchestration][exceptions]") {
  auto c = ParseOrchestrationConfig(R"({
    "routing": [{"kind": "DEAD_LETTER", "system": "netsuite", "owner": "oncall"},
                {"category": "FINANCE", "owner": "revenue-accounting"},
                {"category": "METADATA", "owner": "revops-data"}],
    "default_owner": "finance-ops"})");
  REQUIRE(c.ok());
  hub::v1::Exception e;
  auto route = [&](hub::v1::ExceptionKind kind, const std::string& system) {
    e.set_kind(kind);
    e.set_category(CategoryOf(kind));
    e.set_system(system);
    return RouteException(*c, e);
  };
  CHECK(route(hub::v1::EXCEPTION_KIND_DEAD_LETTER, "netsuite") == "oncall");
  CHECK(route(hub::v1::EXCEPTION_KIND_DEAD_LETTER, "sap") ==
        "revenue-accounting");
  CHECK(route(hub::v1::EXCEPTION_KIND_POSTING_REJECTED, "netsuite") ==
        "revenue-accounting");
  CHECK(route(hub::v1::EXCEPTION_KIND_AMOUNT_MISMATCH, "netsuite") ==
        "revenue-accounting");
  CHECK(route(hub::v1::EXCEPTION_KIND_METADATA_MISMATCH, "netsuite") ==
        "revops-data");
  CHECK(route(hub::v1::EXCEPTION_KIND_RECORD_REJECTED, "stripe") ==
        "revops-data");
  OrchestrationConfig none;
  none.default_owner = "finance-ops";
  CHECK(RouteException(none, e) == "finance-ops");
}

TEST_CASE("an exception's age and SLA state follow the clock",
          "[orchestration][exceptions]") {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  hub::v1::Exception e;
  *e.mutable_created_at() = ToProto(created);
  *e.mutable_sla_due_at() = ToProto(created + absl::Hours(24));
  e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
  DescribeAge(created + absl::Hours(1), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_WITHIN);
  CHECK(e.age().seconds() == 3600);
  DescribeAge(created + absl::Hours(18), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_AT_RISK);
  DescribeAge(created + absl::Hours(25), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_BREACHED);
  e.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
  *e.mutable_resolved_at() = ToProto(created + absl::Hours(2));
  DescribeAge(created + absl::Hours(100), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_MET);
  CHECK(e.age().seconds() == 7200);
  *e.mutable_resolved_at() = ToProto(created + absl::Hours(30));
  DescribeAge(created + absl::Hours(100), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_MISSED);
}

}  // namespace
}  // namespace revhub::hub
