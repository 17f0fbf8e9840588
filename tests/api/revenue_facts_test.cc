// Revenue facts stored by the hub against a real revhubd: usage reported
// through the API changes the stored schedule once (a duplicate adds no
// version), a partial delivery and a milestone, the errors that name the
// field, and period close (roles, audit, the future refused).
#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "revhub/hub/v1/audit_service.grpc.pb.h"
#include "tests/api/revenue_fixture.h"
#include "tests/support/auth.h"

namespace revhub::testing {
namespace {

// 2025-02-10 and 2025-02-20 00:00 UTC.
constexpr int64_t kFeb10 = kFeb + 9 * 86400;
constexpr int64_t kFeb20 = kFeb + 19 * 86400;

// The schedule's revenue in `period`, every line and kind summed, in nanos.
int64_t InPeriod(const RevenueSchedule& s, const std::string& period) {
  int64_t total = 0;
  for (const auto& l : s.lines()) {
    if (l.period() == period) total += Nanos(l.amount());
  }
  return total;
}

constexpr int64_t kUnit = 1000000000;

// A contract of Contract(hub, 900) plus line L2 of `rule` (quantity
// `quantity` at `price` USD, over January to March).
cv1::Contract WithLine(const RevenueHub& hub, cv1::RevenueRule rule,
                       int64_t quantity, int64_t price) {
  cv1::Contract c = Contract(hub, 900);
  auto* line = c.add_lines();
  line->set_line_id("L2");
  line->set_revenue_rule(rule);
  line->mutable_quantity()->set_units(quantity);
  *line->mutable_unit_price() = Usd(price);
  *line->mutable_service_period()->mutable_start_time() = At(kJan);
  *line->mutable_service_period()->mutable_end_time() = At(kApr);
  return c;
}

cv1::UsageRecord Usage(const std::string& id, const std::string& contract,
                       int64_t quantity, int64_t start, int64_t end) {
  cv1::UsageRecord r;
  r.set_id(id);
  r.set_contract_id(contract);
  r.set_line_id("L2");
  r.mutable_quantity()->set_units(quantity);
  *r.mutable_period()->mutable_start_time() = At(start);
  *r.mutable_period()->mutable_end_time() = At(end);
  return r;
}

grpc::Status Report(RevenueHub& hub, std::vector<cv1::UsageRecord> records,
                    v1::ReportUsageResponse* resp) {
  v1::ReportUsageRequest req;
  for (auto& r : records) *req.add_records() = std::move(r);
  return hub.revenue->ReportUsage(Ctx().get(), req, resp);
}

grpc::Status Deliver(RevenueHub& hub, const cv1::Delivery& d,
                     v1::RecordDeliveryResponse* resp) {
  v1::RecordDeliveryRequest req;
  *req.mutable_delivery() = d;
  return hub.revenue->RecordDelivery(Ctx().get(), req, resp);
}

// Waits until the worker has processed every event so far: a contract
// booked now is scheduled only after them.
void Drain(RevenueHub& hub, const std::string& key) {
  auto marker = Upsert(hub, Contract(hub, 30), key);
  WaitForSchedule(hub, marker.contract().id(), 1);
}

TEST_CASE("usage reported through the API changes the schedule once",
          "[revenue][facts]") {
  RevenueHub hub;
  auto booked =
      Upsert(hub, WithLine(hub, cv1::REVENUE_RULE_USAGE, 0, 2), "book");
  const std::string id = booked.contract().id();
  RevenueSchedule v1 = WaitForSchedule(hub, id, 1);
  const int64_t feb_before = InPeriod(v1, "2025-02");

  v1::ReportUsageResponse resp;
  REQUIRE_GRPC_OK(Report(hub, {Usage("u-1", id, 100, kFeb10, kFeb20)}, &resp));
  REQUIRE(resp.records_size() == 1);
  CHECK(resp.records(0).id() == "u-1");
  CHECK(resp.records(0).version() == 1);
  CHECK(resp.duplicates() == 0);
  RevenueSchedule v2 = WaitForSchedule(hub, id, 2);
  // 100 units at 2.00 USD in February.
  CHECK(InPeriod(v2, "2025-02") - feb_before == 200 * kUnit);
  auto reported = Events(hub, cv1::EVENT_TYPE_USAGE_REPORTED);
  REQUIRE(reported.size() == 1);
  CHECK(reported[0].usage_reported().usage_record_id() == "u-1");
  CHECK(reported[0].subject().entity_type() == cv1::ENTITY_TYPE_USAGE_RECORD);

  // The same record again is a duplicate: no version, no event, no
  // recomputation.
  REQUIRE_GRPC_OK(Report(hub, {Usage("u-1", id, 100, kFeb10, kFeb20)}, &resp));
  CHECK(resp.duplicates() == 1);
  CHECK(resp.records(0).version() == 1);
  Drain(hub, "drain-1");
  CHECK(TryGetSchedule(hub, id)->version() == 2);
  CHECK(Events(hub, cv1::EVENT_TYPE_USAGE_REPORTED).size() == 1);

  // A corrected quantity is a new version, counted once: 150 units.
  REQUIRE_GRPC_OK(Report(hub, {Usage("u-1", id, 150, kFeb10, kFeb20)}, &resp));
  CHECK(resp.duplicates() == 0);
  CHECK(resp.records(0).version() == 2);
  RevenueSchedule v3 = WaitForSchedule(hub, id, 3);
  CHECK(InPeriod(v3, "2025-02") - feb_before == 300 * kUnit);

  // ListFulfilment shows the current version.
  v1::ListFulfilmentRequest list;
  list.set_contract_id(id);
  auto listed =
      CallOk(*hub.revenue, &v1::RevenueService::Stub::ListFulfilment, list);
  REQUIRE(listed.usage_size() == 1);
  CHECK(listed.usage(0).version() == 2);
  CHECK(listed.deliveries_size() == 0);
}

TEST_CASE("usage is refused with the field and the rule", "[revenue][facts]") {
  RevenueHub hub;
  auto booked =
      Upsert(hub, WithLine(hub, cv1::REVENUE_RULE_USAGE, 0, 2), "book");
  const std::string id = booked.contract().id();
  v1::ReportUsageResponse resp;

  auto negative = Usage("u-2", id, 0, kFeb10, kFeb20);
  negative.mutable_quantity()->set_units(-3);
  grpc::Status st =
      Report(hub, {Usage("u-1", id, 1, kFeb10, kFeb20), negative}, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(),
             Catch::StartsWith("records[1].quantity: must not be negative"));

  auto ratable = Usage("u-3", id, 1, kFeb10, kFeb20);
  ratable.set_line_id("L1");
  st = Report(hub, {ratable}, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::StartsWith("records[0].line_id:"));
  CHECK_THAT(st.error_message(), Catch::Contains("not a USAGE line"));

  auto nowhere = Usage("u-4", "ctr_nope", 1, kFeb10, kFeb20);
  st = Report(hub, {nowhere}, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::StartsWith("records[0].contract_id:"));

  auto no_id = Usage("", id, 1, kFeb10, kFeb20);
  st = Report(hub, {no_id}, &resp);
  CHECK_THAT(st.error_message(), Catch::StartsWith("records[0].id:"));

  auto backwards = Usage("u-5", id, 1, kFeb20, kFeb10);
  st = Report(hub, {backwards}, &resp);
  CHECK_THAT(st.error_message(),
             Catch::StartsWith("records[0].period.end_time:"));

  // Nothing of the refused requests was stored: u-1 went with u-2.
  v1::ListFulfilmentRequest list;
  list.set_contract_id(id);
  CHECK(CallOk(*hub.revenue, &v1::RevenueService::Stub::ListFulfilment, list)
            .usage_size() == 0);
  CHECK(Events(hub, cv1::EVENT_TYPE_USAGE_REPORTED).empty());
}

TEST_CASE("a milestone reached earns its share", "[revenue][facts]") {
  RevenueHub hub;
  auto booked =
      Upsert(hub, WithLine(hub, cv1::REVENUE_RULE_MILESTONE, 1, 600), "book");
  const std::string id = booked.contract().id();
  RevenueSchedule v1 = WaitForSchedule(hub, id, 1);

  cv1::Delivery d;
  d.set_id("ms-1");
  d.set_contract_id(id);
  d.set_line_id("L2");
  d.set_kind(cv1::DELIVERY_KIND_MILESTONE);
  d.set_milestone("design approved");
  *d.mutable_delivered_at() = At(kFeb10);
  d.mutable_share()->set_nanos(500000000);
  v1::RecordDeliveryResponse resp;

  cv1::Delivery too_much = d;
  too_much.mutable_share()->set_units(2);
  too_much.mutable_share()->set_nanos(0);
  grpc::Status st = Deliver(hub, too_much, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(
      st.error_message(),
      Catch::StartsWith("delivery.share: must be above 0 and at most 1"));
  cv1::Delivery wrong_line = d;
  wrong_line.set_line_id("L1");
  st = Deliver(hub, wrong_line, &resp);
  CHECK_THAT(st.error_message(), Catch::StartsWith("delivery.line_id:"));
  CHECK_THAT(st.error_message(), Catch::Contains("not a MILESTONE line"));

  REQUIRE_GRPC_OK(Deliver(hub, d, &resp));
  CHECK_FALSE(resp.duplicate());
  CHECK(resp.delivery().version() == 1);
  RevenueSchedule v2 = WaitForSchedule(hub, id, 2);
  // Half of the milestone line's allocation, in February. The allocation
  // of 1,500 USD by standalone selling price: 900 to L1, 600 to L2.
  CHECK(InPeriod(v2, "2025-02") - InPeriod(v1, "2025-02") == 300 * kUnit);
  auto achieved = Events(hub, cv1::EVENT_TYPE_MILESTONE_ACHIEVED);
  REQUIRE(achieved.size() == 1);
  CHECK(achieved[0].milestone_achieved().delivery_id() == "ms-1");
  CHECK(achieved[0].milestone_achieved().name() == "design approved");

  REQUIRE_GRPC_OK(Deliver(hub, d, &resp));
  CHECK(resp.duplicate());
  Drain(hub, "drain");
  CHECK(TryGetSchedule(hub, id)->version() == 2);
}

TEST_CASE("a delivery of part of a point-in-time line", "[revenue][facts]") {
  RevenueHub hub;
  auto booked = Upsert(
      hub, WithLine(hub, cv1::REVENUE_RULE_POINT_IN_TIME, 10, 60), "book");
  const std::string id = booked.contract().id();
  RevenueSchedule v1 = WaitForSchedule(hub, id, 1);

  cv1::Delivery d;
  d.set_id("dlv-1");
  d.set_contract_id(id);
  d.set_line_id("L2");
  d.set_kind(cv1::DELIVERY_KIND_ACTIVATION);
  *d.mutable_delivered_at() = At(kFeb10);
  d.mutable_quantity()->set_units(11);
  v1::RecordDeliveryResponse resp;
  grpc::Status st = Deliver(hub, d, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(),
             Catch::StartsWith("delivery.quantity: must be at most the line's "
                               "quantity 10"));

  d.mutable_quantity()->set_units(4);
  REQUIRE_GRPC_OK(Deliver(hub, d, &resp));
  CHECK(resp.delivery().version() == 1);
  RevenueSchedule v2 = WaitForSchedule(hub, id, 2);
  auto activated = Events(hub, cv1::EVENT_TYPE_SERVICE_ACTIVATED);
  REQUIRE(activated.size() == 1);
  const auto& a = activated[0].service_activated();
  CHECK(a.delivery_id() == "dlv-1");
  REQUIRE(a.line_ids_size() == 1);
  CHECK(a.line_ids(0) == "L2");
  CHECK(a.quantity().units() == 4);
  // Recognised at the delivery: February has L2's revenue now.
  CHECK(InPeriod(v2, "2025-02") > InPeriod(v1, "2025-02"));
  v1::ListFulfilmentRequest list;
  list.set_contract_id(id);
  auto listed =
      CallOk(*hub.revenue, &v1::RevenueService::Stub::ListFulfilment, list);
  REQUIRE(listed.deliveries_size() == 1);
  CHECK(listed.deliveries(0).quantity().units() == 4);
}

// What the revenue engine makes of the facts the worker passes: a partial
// delivery recognises its part of the line, and a schedule computed with a
// period closed says so.
TEST_CASE("the engine's part: partial deliveries and closed periods",
          "[revenue][facts][engine]") {
  RevenueHub hub;
  auto booked = Upsert(
      hub, WithLine(hub, cv1::REVENUE_RULE_POINT_IN_TIME, 10, 60), "book");
  const std::string id = booked.contract().id();
  RevenueSchedule v1 = WaitForSchedule(hub, id, 1);

  v1::ClosePeriodRequest close;
  close.set_period("2025-01");
  close.set_legal_entity("ACME-US");
  CallOk(*hub.revenue, &v1::RevenueService::Stub::ClosePeriod, close);

  cv1::Delivery d;
  d.set_id("dlv-1");
  d.set_contract_id(id);
  d.set_line_id("L2");
  d.set_kind(cv1::DELIVERY_KIND_ACTIVATION);
  *d.mutable_delivered_at() = At(kFeb10);
  d.mutable_quantity()->set_units(4);
  v1::RecordDeliveryResponse resp;
  REQUIRE_GRPC_OK(Deliver(hub, d, &resp));
  RevenueSchedule v2 = WaitForSchedule(hub, id, 2);
  // The worker passed the closed period; the engine records it.
  CHECK(std::vector<std::string>(v2.closed_periods().begin(),
                                 v2.closed_periods().end()) ==
        std::vector<std::string>{"2025-01"});
  // Before any delivery L2 (600 of 1,500 USD) was recognised at its period's
  // start, in January, which is now closed: January keeps it. The delivery of
  // 4 of 10 units earns 240 in February, and taking back the 600 January
  // would no longer have is a CATCH_UP of -600 in February, the first open
  // period, caused by the delivery.
  CHECK(InPeriod(v2, "2025-01") == InPeriod(v1, "2025-01"));
  CHECK(InPeriod(v2, "2025-02") - InPeriod(v1, "2025-02") ==
        (240 - 600) * kUnit);
  int64_t catch_up = 0;
  int64_t delivered = 0;
  for (const auto& l : v2.lines()) {
    if (l.period() != "2025-02") continue;
    if (l.kind() == cv1::REVENUE_SCHEDULE_LINE_KIND_CATCH_UP) {
      catch_up += Nanos(l.amount());
      CHECK(l.cause().closed_period() == "2025-01");
      CHECK(l.cause().kind() == cv1::REVENUE_CAUSE_KIND_DELIVERY);
      CHECK(l.cause().id() == "dlv-1");
    } else if (l.cause().kind() == cv1::REVENUE_CAUSE_KIND_DELIVERY) {
      delivered += Nanos(l.amount());
    }
  }
  CHECK(catch_up == -600 * kUnit);
  CHECK(delivered == 240 * kUnit);
}

std::unique_ptr<v1::RevenueService::Stub> RevenueAs(RevenueHub& hub,
                                                    const std::string& name,
                                                    v1::Role role) {
  const std::string token = CreatePrincipal(hub.process->channel(), name, role);
  return v1::RevenueService::NewStub(
      TokenChannel(hub.process->address(), token));
}

TEST_CASE("periods are closed by finance and reopened by an admin",
          "[revenue][facts][periods]") {
  RevenueHub hub;
  auto finance = RevenueAs(hub, "fiona", v1::ROLE_FINANCE);
  auto integration = RevenueAs(hub, "ivan", v1::ROLE_INTEGRATION);

  v1::ClosePeriodRequest close;
  close.set_period("2025-01");
  close.set_legal_entity("ACME-US");
  close.set_reason("January books closed");
  v1::ClosePeriodResponse closed;
  CHECK(integration->ClosePeriod(Ctx().get(), close, &closed).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  REQUIRE_GRPC_OK(finance->ClosePeriod(Ctx().get(), close, &closed));
  CHECK(closed.period().closed());
  CHECK(closed.period().changed_by() == "fiona");
  CHECK(closed.period().reason() == "January books closed");

  grpc::Status again = finance->ClosePeriod(Ctx().get(), close, &closed);
  CHECK(again.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(again.error_message(),
             Catch::StartsWith("period: 2025-01 is already closed for legal "
                               "entity ACME-US by fiona"));

  v1::ClosePeriodRequest future;
  future.set_period("2999-01");
  grpc::Status refused = finance->ClosePeriod(Ctx().get(), future, &closed);
  CHECK(refused.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(refused.error_message(),
             Catch::StartsWith("period: 2999-01 has not begun"));
  future.set_period("2025-13");
  CHECK(finance->ClosePeriod(Ctx().get(), future, &closed).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);

  v1::ReopenPeriodRequest reopen;
  reopen.set_period("2025-01");
  reopen.set_legal_entity("ACME-US");
  reopen.set_reason("late vendor credit");
  v1::ReopenPeriodResponse reopened;
  grpc::Status denied = finance->ReopenPeriod(Ctx().get(), reopen, &reopened);
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);

  v1::ReopenPeriodRequest no_reason = reopen;
  no_reason.clear_reason();
  grpc::Status unexplained =
      hub.revenue->ReopenPeriod(Ctx().get(), no_reason, &reopened);
  CHECK(unexplained.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(unexplained.error_message(), Catch::StartsWith("reason:"));

  REQUIRE_GRPC_OK(hub.revenue->ReopenPeriod(Ctx().get(), reopen, &reopened));
  CHECK_FALSE(reopened.period().closed());
  CHECK(reopened.period().reason() == "late vendor credit");

  // The events, and the audit rows of the writes (refusals included).
  auto closes = Events(hub, cv1::EVENT_TYPE_PERIOD_CLOSED);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].period_closed().period() == "2025-01");
  CHECK(closes[0].period_closed().legal_entity() == "ACME-US");
  CHECK(closes[0].principal() == "fiona");
  auto reopens = Events(hub, cv1::EVENT_TYPE_PERIOD_REOPENED);
  REQUIRE(reopens.size() == 1);
  CHECK(reopens[0].period_reopened().reason() == "late vendor credit");

  auto audit = v1::AuditService::NewStub(hub.process->channel());
  v1::ListAuditRecordsRequest by_method;
  by_method.set_method("ReopenPeriod");
  by_method.set_page_size(100);
  auto rows =
      CallOk(*audit, &v1::AuditService::Stub::ListAuditRecords, by_method);
  int ok_rows = 0;
  for (const auto& r : rows.records()) {
    if (r.code() == 0) {
      ++ok_rows;
      CHECK(r.role() == "admin");
    }
  }
  CHECK(ok_rows == 1);

  // Listed: reopened for ACME-US; the period can be closed again.
  v1::ListPeriodsRequest list;
  list.set_legal_entity("ACME-US");
  auto listed =
      CallOk(*hub.revenue, &v1::RevenueService::Stub::ListPeriods, list);
  REQUIRE(listed.periods_size() == 1);
  CHECK_FALSE(listed.periods(0).closed());
  REQUIRE_GRPC_OK(finance->ClosePeriod(Ctx().get(), close, &closed));
  // Closed for every entity, it is closed for ACME-US too.
  v1::ClosePeriodRequest all;
  all.set_period("2025-02");
  REQUIRE_GRPC_OK(finance->ClosePeriod(Ctx().get(), all, &closed));
  v1::ClosePeriodRequest one = all;
  one.set_legal_entity("ACME-US");
  CHECK(finance->ClosePeriod(Ctx().get(), one, &closed).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  listed = CallOk(*hub.revenue, &v1::RevenueService::Stub::ListPeriods, list);
  CHECK(listed.periods_size() == 2);
}

}  // namespace
}  // namespace revhub::testing
