// Tests of `revhub usage …`, `revhub deliveries …` and `revhub periods …`:
// the requests they send and what they print, run in-process against a
// RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

hubv1::ReportUsageResponse Echo(const hubv1::ReportUsageRequest& req,
                                int duplicates) {
  hubv1::ReportUsageResponse resp;
  for (canon::UsageRecord r : req.records()) {
    r.set_version(1);
    *resp.add_records() = r;
  }
  resp.set_duplicates(duplicates);
  return resp;
}

TEST_CASE("usage report sends one record from its flags", "[fulfilment]") {
  Harness h;
  hubv1::ReportUsageRequest expected;
  auto* r = expected.add_records();
  r->set_id("u-1");
  r->set_contract_id("ctr_1");
  r->set_line_id("L2");
  r->mutable_quantity()->set_units(12);
  r->mutable_quantity()->set_nanos(500000000);
  r->mutable_period()->mutable_start_time()->set_seconds(1738368000);
  r->mutable_period()->mutable_end_time()->set_seconds(1740787200);
  h.hub.ReportUsage_answers.push_back(Echo(expected, 0));
  Result out = h.Run({"usage", "report", "--contract", "ctr_1", "--line", "L2",
                      "--quantity", "12.5", "--start", "2025-02-01T00:00:00Z",
                      "--end", "2025-03-01T00:00:00Z", "--id", "u-1"});
  INFO(out.err);
  REQUIRE(out.code == kExitOk);
  REQUIRE(h.hub.ReportUsage_requests.size() == 1);
  CHECK(h.hub.ReportUsage_requests[0].SerializeAsString() ==
        expected.SerializeAsString());
  CHECK(out.out ==
        "ID   CONTRACT  LINE  QUANTITY  START                 END          "
        "         VERSION\n"
        "u-1  ctr_1     L2        12.5  2025-02-01T00:00:00Z  "
        "2025-03-01T00:00:00Z        1\n"
        "1 stored, 0 duplicates (already stored as sent)\n");

  SECTION("a flag missing is a usage error and sends nothing") {
    Result bad = h.Run({"usage", "report", "--contract", "ctr_1", "--id", "u"});
    CHECK(bad.code == kExitUsage);
    CHECK_THAT(bad.err, Catch::Contains("--quantity"));
    CHECK(h.hub.ReportUsage_requests.size() == 1);
  }
  SECTION("a bad quantity is a usage error") {
    Result bad = h.Run({"usage", "report", "--contract", "c", "--line", "L",
                        "--quantity", "lots", "--start", "2025-02-01T00:00:00Z",
                        "--end", "2025-03-01T00:00:00Z", "--id", "u"});
    CHECK(bad.code == kExitUsage);
    CHECK_THAT(bad.err, Catch::Contains("--quantity: 'lots' is not a number"));
  }
}

TEST_CASE("usage report --file sends every line of NDJSON", "[fulfilment]") {
  Harness h;
  TempFile file(
      "usage.ndjson",
      R"({"id": "u-1", "contractId": "ctr_1", "lineId": "L2",)"
      R"( "quantity": {"units": "3"}, "period": {"startTime":)"
      R"( "2025-02-01T00:00:00Z", "endTime": "2025-02-02T00:00:00Z"}})"
      "\n\n"
      R"({"id": "u-2", "contractId": "ctr_1", "lineId": "L2",)"
      R"( "quantity": {"units": "4"}, "period": {"startTime":)"
      R"( "2025-02-02T00:00:00Z", "endTime": "2025-02-03T00:00:00Z"}})"
      "\n");
  hubv1::ReportUsageRequest two;
  two.add_records()->set_id("u-1");
  two.add_records()->set_id("u-2");
  h.hub.ReportUsage_answers.push_back(Echo(two, 1));
  Result out = h.Run({"usage", "report", "--file", file.path()});
  INFO(out.err);
  REQUIRE(out.code == kExitOk);
  REQUIRE(h.hub.ReportUsage_requests.size() == 1);
  const auto& sent = h.hub.ReportUsage_requests[0];
  REQUIRE(sent.records_size() == 2);
  CHECK(sent.records(1).id() == "u-2");
  CHECK(sent.records(1).quantity().units() == 4);
  CHECK_THAT(out.out, Catch::EndsWith("1 stored, 1 duplicates (already stored "
                                      "as sent)\n"));

  SECTION("a line that is no UsageRecord names the file and line") {
    TempFile bad("bad.ndjson", "{\"id\": \"u\"}\n{\"quantty\": 1}\n");
    Result r = h.Run({"usage", "report", "--file", bad.path()});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(bad.path() + ":2"));
    CHECK(h.hub.ReportUsage_requests.size() == 1);
  }
  SECTION("--json prints the response") {
    h.hub.ReportUsage_answers.push_back(Echo(two, 0));
    Result j = h.Run({"--json", "usage", "report", "--file", file.path()});
    REQUIRE(j.code == kExitOk);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc["records"].size() == 2);
    CHECK(doc["duplicates"] == 0);
  }
}

TEST_CASE("deliveries record an activation or a milestone", "[fulfilment]") {
  Harness h;
  hubv1::RecordDeliveryResponse answer;
  answer.mutable_delivery()->set_id("d-1");
  answer.mutable_delivery()->set_contract_id("ctr_1");
  answer.mutable_delivery()->set_line_id("L3");
  answer.mutable_delivery()->set_kind(canon::DELIVERY_KIND_ACTIVATION);
  answer.mutable_delivery()->mutable_quantity()->set_units(4);
  answer.mutable_delivery()->mutable_delivered_at()->set_seconds(1739145600);
  answer.mutable_delivery()->set_version(1);
  h.hub.RecordDelivery_answers.push_back(answer);
  Result out =
      h.Run({"deliveries", "record", "--contract", "ctr_1", "--line", "L3",
             "--at", "2025-02-10T00:00:00Z", "--quantity", "4", "--id", "d-1"});
  INFO(out.err);
  REQUIRE(out.code == kExitOk);
  REQUIRE(h.hub.RecordDelivery_requests.size() == 1);
  const canon::Delivery& sent = h.hub.RecordDelivery_requests[0].delivery();
  CHECK(sent.kind() == canon::DELIVERY_KIND_ACTIVATION);
  CHECK(sent.quantity().units() == 4);
  CHECK(sent.delivered_at().seconds() == 1739145600);
  CHECK_THAT(out.out, Catch::Contains("activation"));
  CHECK_THAT(out.out, Catch::EndsWith("stored\n"));

  answer.set_duplicate(true);
  answer.mutable_delivery()->set_kind(canon::DELIVERY_KIND_MILESTONE);
  answer.mutable_delivery()->clear_quantity();
  answer.mutable_delivery()->set_milestone("go-live");
  answer.mutable_delivery()->mutable_share()->set_nanos(250000000);
  h.hub.RecordDelivery_answers.push_back(answer);
  out = h.Run({"deliveries", "record", "--contract", "ctr_1", "--line", "L3",
               "--at", "2025-02-10T00:00:00Z", "--milestone", "go-live",
               "--share", "0.25", "--id", "d-1"});
  REQUIRE(out.code == kExitOk);
  const canon::Delivery& ms = h.hub.RecordDelivery_requests[1].delivery();
  CHECK(ms.kind() == canon::DELIVERY_KIND_MILESTONE);
  CHECK(ms.milestone() == "go-live");
  CHECK(ms.share().nanos() == 250000000);
  CHECK_FALSE(ms.has_quantity());
  CHECK_THAT(out.out, Catch::Contains("go-live"));
  CHECK_THAT(out.out, Catch::Contains("0.25"));
  CHECK_THAT(out.out, Catch::EndsWith("duplicate: already stored as sent\n"));

  Result half =
      h.Run({"deliveries", "record", "--contract", "c", "--line", "L", "--at",
             "2025-02-10T00:00:00Z", "--milestone", "x", "--id", "d"});
  CHECK(half.code == kExitUsage);
  CHECK_THAT(half.err, Catch::Contains("--milestone and --share go together"));
  CHECK(h.hub.RecordDelivery_requests.size() == 2);
}

TEST_CASE("deliveries list shows usage and deliveries", "[fulfilment]") {
  Harness h;
  hubv1::ListFulfilmentResponse answer;
  auto* u = answer.add_usage();
  u->set_id("u-1");
  u->set_contract_id("ctr_1");
  u->set_line_id("L2");
  u->mutable_quantity()->set_units(100);
  u->set_version(2);
  h.hub.ListFulfilment_answers.push_back(answer);
  Result out = h.Run({"deliveries", "list", "ctr_1"});
  REQUIRE(out.code == kExitOk);
  REQUIRE(h.hub.ListFulfilment_requests.size() == 1);
  CHECK(h.hub.ListFulfilment_requests[0].contract_id() == "ctr_1");
  CHECK_THAT(out.out, Catch::StartsWith("usage:\n  ID   CONTRACT"));
  CHECK_THAT(out.out, Catch::Contains("u-1"));
  CHECK_THAT(out.out, Catch::EndsWith("deliveries:\n  no deliveries\n"));
}

TEST_CASE("periods close, reopen and list", "[fulfilment][periods]") {
  Harness h;
  hubv1::ClosePeriodResponse closed;
  closed.mutable_period()->set_period("2026-10");
  closed.mutable_period()->set_legal_entity("ACME-US");
  closed.mutable_period()->set_closed(true);
  closed.mutable_period()->set_changed_by("fiona");
  closed.mutable_period()->mutable_changed_at()->set_seconds(1793491200);
  closed.mutable_period()->set_reason("October close");
  h.hub.ClosePeriod_answers.push_back(closed);
  Result out = h.Run({"periods", "close", "2026-10", "--legal-entity",
                      "ACME-US", "--reason", "October close"});
  INFO(out.err);
  REQUIRE(out.code == kExitOk);
  REQUIRE(h.hub.ClosePeriod_requests.size() == 1);
  CHECK(h.hub.ClosePeriod_requests[0].period() == "2026-10");
  CHECK(h.hub.ClosePeriod_requests[0].legal_entity() == "ACME-US");
  CHECK(h.hub.ClosePeriod_requests[0].reason() == "October close");
  CHECK(out.out ==
        "PERIOD   LEGAL ENTITY  STATE   CHANGED AT            BY     REASON\n"
        "2026-10  ACME-US       closed  2026-11-01T00:00:00Z  fiona  October "
        "close\n");

  // reopen needs --reason before anything is sent.
  Result bare = h.Run({"periods", "reopen", "2026-10"});
  CHECK(bare.code == kExitUsage);
  CHECK_THAT(bare.err, Catch::Contains("--reason is required"));

  hubv1::ReopenPeriodResponse reopened;
  *reopened.mutable_period() = closed.period();
  reopened.mutable_period()->set_closed(false);
  reopened.mutable_period()->set_changed_by("root");
  reopened.mutable_period()->set_reason("late credit");
  h.hub.ReopenPeriod_answers.push_back(reopened);
  out = h.Run({"periods", "reopen", "2026-10", "--legal-entity", "ACME-US",
               "--reason", "late credit"});
  REQUIRE(out.code == kExitOk);
  REQUIRE(h.hub.ReopenPeriod_requests.size() == 1);
  CHECK(h.hub.ReopenPeriod_requests[0].reason() == "late credit");
  CHECK_THAT(out.out, Catch::Contains("reopened"));

  h.hub.ReopenPeriod_answers.push_back(
      absl::PermissionDeniedError("principal fiona (role finance) may not "
                                  "call /revhub.hub.v1.RevenueService/"
                                  "ReopenPeriod"));
  Result denied = h.Run({"periods", "reopen", "2026-10", "--reason", "please"});
  CHECK(denied.code == kExitServerError);
  CHECK_THAT(denied.err, Catch::StartsWith("revhub: PERMISSION_DENIED"));

  hubv1::ListPeriodsResponse listed;
  *listed.add_periods() = reopened.period();
  auto* all = listed.add_periods();
  all->set_period("2026-09");
  all->set_closed(true);
  h.hub.ListPeriods_answers.push_back(listed);
  out = h.Run({"periods", "list"});
  REQUIRE(out.code == kExitOk);
  CHECK_THAT(out.out, Catch::Contains("2026-09  all "));
  h.hub.ListPeriods_answers.push_back(hubv1::ListPeriodsResponse());
  out = h.Run({"periods", "list", "--legal-entity", "ACME-EU"});
  CHECK(h.hub.ListPeriods_requests[1].legal_entity() == "ACME-EU");
  CHECK(out.out == "no period was ever closed\n");
}

}  // namespace
}  // namespace revhub::cli
