// Tests of `revhub exceptions …` and what it prints, run in-process
// against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "hub/cli/exception_format.h"
#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

using namespace ::revhub::cli::fixtures;  // NOLINT

TEST_CASE("FormatSla says how much time is left or over at the hub's clock",
          "[cli][orchestration]") {
  hubv1::Exception e = PostingRejected();
  // Due at created + 24h; the hub answered at created + 3h12m7s.
  CHECK(FormatSla(e) == "within (20h47m left)");
  e.set_sla_state(hubv1::SLA_STATE_AT_RISK);
  e.mutable_age()->set_seconds(19 * 3600);
  CHECK(FormatSla(e) == "at-risk (5h left)");
  e.set_sla_state(hubv1::SLA_STATE_BREACHED);
  e.mutable_age()->set_seconds(26 * 3600 + 15 * 60);
  CHECK(FormatSla(e) == "breached (2h15m over)");
  e.set_state(hubv1::EXCEPTION_STATE_RESOLVED);
  e.set_sla_state(hubv1::SLA_STATE_MISSED);
  CHECK(FormatSla(e) == "missed");
  e.set_sla_state(hubv1::SLA_STATE_UNSPECIFIED);
  CHECK(FormatSla(e) == "-");
}

TEST_CASE("FormatAtStakeTotals sums exactly per currency",
          "[cli][orchestration]") {
  google::protobuf::RepeatedPtrField<hubv1::Exception> list;
  *list.Add()->mutable_amount_at_stake() = Usd(0, 100000000);  // 0.10
  *list.Add()->mutable_amount_at_stake() = Usd(0, 200000000);  // 0.20
  *list.Add()->mutable_amount_at_stake() = Usd(1200, 500000000);
  canon::Money eur;
  eur.set_currency_code("EUR");
  eur.set_units(-99);
  eur.set_nanos(-990000000);
  *list.Add()->mutable_amount_at_stake() = eur;
  list.Add();  // no amount: not part of any total
  CHECK(FormatAtStakeTotals(list) == "-99.99 EUR, 1200.80 USD");

  canon::Money bad;
  bad.set_currency_code("QQQ");
  bad.set_units(5);
  *list.Add()->mutable_amount_at_stake() = bad;
  CHECK(FormatAtStakeTotals(list) ==
        "-99.99 EUR, 1200.80 USD (1 malformed amount not summed)");

  google::protobuf::RepeatedPtrField<hubv1::Exception> none;
  none.Add();
  CHECK(FormatAtStakeTotals(none) == "-");
}

TEST_CASE("exceptions list sends every filter and prints age, SLA, totals",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::ListExceptionsResponse page;
  *page.add_exceptions() = PostingRejected();
  hubv1::Exception record;
  record.set_exception_id(3);
  record.set_kind(hubv1::EXCEPTION_KIND_RECORD_REJECTED);
  record.set_category(hubv1::EXCEPTION_CATEGORY_METADATA);
  record.set_state(hubv1::EXCEPTION_STATE_RETRYING);
  record.set_system("salesforce");
  record.set_record_id(17);
  record.set_error(std::string(100, 'x'));
  record.mutable_age()->set_seconds(50);
  *page.add_exceptions() = record;
  hub.ListExceptions_answers.push_back(page);

  Result r =
      RunWith(hub, {"exceptions", "list", "--system", "netsuite", "--category",
                    "finance", "--kind", "posting-rejected", "--owner",
                    "revenue-accounting", "--contract", "ctr_1", "--workflow",
                    "wf_7", "--min-age", "2h", "--sla", "within"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.ListExceptions_requests.size() == 1);
  const hubv1::ListExceptionsRequest& sent = hub.ListExceptions_requests[0];
  CHECK(sent.system() == "netsuite");
  CHECK(sent.category() == hubv1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(sent.kind() == hubv1::EXCEPTION_KIND_POSTING_REJECTED);
  CHECK(sent.owner() == "revenue-accounting");
  CHECK(sent.contract_id() == "ctr_1");
  CHECK(sent.workflow_id() == "wf_7");
  CHECK(sent.min_age().seconds() == 7200);
  CHECK(sent.sla_state() == hubv1::SLA_STATE_WITHIN);
  CHECK_FALSE(sent.include_resolved());
  CHECK(sent.page_size() == 500);

  CHECK_THAT(r.out, Catch::Contains("posting-rejected"));
  CHECK_THAT(r.out, Catch::Contains("1200.50 USD"));
  CHECK_THAT(r.out, Catch::Contains("3h12m"));
  CHECK_THAT(r.out, Catch::Contains("within (20h47m left)"));
  CHECK_THAT(r.out, Catch::Contains("record 17"));
  CHECK_THAT(r.out, Catch::Contains("retrying"));
  // A long error is cut to one cell.
  CHECK_THAT(r.out, Catch::Contains(std::string(59, 'x') + "…"));
  CHECK_THAT(r.out, !Catch::Contains(std::string(60, 'x')));
  CHECK_THAT(r.out, Catch::EndsWith("\n2 exceptions; at stake: 1200.50 USD\n"));

  // Flags take the names as shown, with '-' or '_'.
  hub.ListExceptions_answers.push_back(hubv1::ListExceptionsResponse());
  r = RunWith(hub, {"exceptions", "list", "--sla", "at-risk", "--kind",
                    "dead_letter", "--category", "METADATA"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.ListExceptions_requests.back().sla_state() ==
        hubv1::SLA_STATE_AT_RISK);
  CHECK(hub.ListExceptions_requests.back().kind() ==
        hubv1::EXCEPTION_KIND_DEAD_LETTER);
  CHECK(hub.ListExceptions_requests.back().category() ==
        hubv1::EXCEPTION_CATEGORY_METADATA);
  CHECK_FALSE(hub.ListExceptions_requests.back().has_min_age());
}

TEST_CASE("exceptions list follows every page and totals them all",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::ListExceptionsResponse first;
  *first.add_exceptions() = PostingRejected();
  first.set_next_page_token("p2");
  hubv1::ListExceptionsResponse second;
  hubv1::Exception more = PostingRejected();
  more.set_exception_id(13);
  *more.mutable_amount_at_stake() = Usd(0, 10000000);  // 0.01
  *second.add_exceptions() = more;
  hub.ListExceptions_answers.push_back(first);
  hub.ListExceptions_answers.push_back(second);
  Result r = RunWith(hub, {"exceptions", "list", "--all"});
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.ListExceptions_requests.size() == 2);
  CHECK(hub.ListExceptions_requests[0].include_resolved());
  CHECK(hub.ListExceptions_requests[1].page_token() == "p2");
  CHECK_THAT(r.out, Catch::Contains("2 exceptions; at stake: 1200.51 USD"));

  // --json prints the pages as one response.
  hub.ListExceptions_answers.push_back(first);
  hub.ListExceptions_answers.push_back(second);
  r = RunWith(hub, {"--json", "exceptions", "list"});
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("\"exceptionId\": \"13\""));
  CHECK_THAT(r.out, Catch::Contains("\"exceptionId\": \"12\""));

  hub.ListExceptions_answers.push_back(hubv1::ListExceptionsResponse());
  CHECK(RunWith(hub, {"exceptions", "list"}).out == "no exceptions\n");
}

TEST_CASE("exceptions assign, retry, replay and resolve send their requests",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::Exception e = PostingRejected();
  e.set_owner("bob");
  hubv1::AssignExceptionResponse assigned;
  *assigned.mutable_exception() = e;
  hub.AssignException_answers.push_back(assigned);
  Result r = RunWith(hub, {"exceptions", "assign", "12", "bob", "--note",
                           "subsidiary mapping"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.AssignException_requests.at(0).exception_id() == 12);
  CHECK(hub.AssignException_requests.at(0).owner() == "bob");
  CHECK(hub.AssignException_requests.at(0).note() == "subsidiary mapping");
  CHECK(r.out == "exception 12 assigned to bob (open)\n");

  e.set_state(hubv1::EXCEPTION_STATE_RETRYING);
  hubv1::RetryExceptionResponse retried;
  *retried.mutable_exception() = e;
  hub.RetryException_answers.push_back(retried);
  r = RunWith(hub, {"exceptions", "retry", "12", "--note", "fixed in NS"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.RetryException_requests.at(0).note() == "fixed in NS");
  CHECK_THAT(r.out, Catch::Contains("(retrying)"));
  CHECK_THAT(r.out, Catch::Contains("revhub workflows show wf_7"));

  hubv1::ReplayExceptionResponse replayed;
  *replayed.mutable_exception() = e;
  replayed.mutable_exception()->clear_workflow_id();
  replayed.mutable_exception()->set_record_id(17);
  hub.ReplayException_answers.push_back(replayed);
  r = RunWith(hub, {"exceptions", "replay", "3"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.ReplayException_requests.at(0).exception_id() == 3);
  CHECK_THAT(r.out, Catch::Contains("revhub records show 17"));

  e.set_state(hubv1::EXCEPTION_STATE_RESOLVED);
  e.set_resolution("posted by hand as JE 4411");
  hubv1::ResolveExceptionResponse resolved;
  *resolved.mutable_exception() = e;
  hub.ResolveException_answers.push_back(resolved);
  r = RunWith(hub, {"exceptions", "resolve", "12", "--reason",
                    "posted by hand as JE 4411"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.ResolveException_requests.at(0).reason() ==
        "posted by hand as JE 4411");
  CHECK(r.out == "exception 12 resolved: posted by hand as JE 4411\n");

  hub.ResolveException_answers.push_back(
      absl::NotFoundError("exception 99 does not exist"));
  r = RunWith(hub, {"exceptions", "resolve", "99", "--reason", "x"});
  CHECK(r.code == kExitServerError);
  CHECK_THAT(r.err, Catch::Contains("NOT_FOUND: exception 99"));
}

TEST_CASE("exceptions show prints every field, the trail and the workflow",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::GetExceptionResponse got;
  *got.mutable_exception() = PostingRejected();
  got.mutable_exception()->set_step_index(3);
  *got.mutable_workflow() = BlockedBooking();
  hub.GetException_answers.push_back(got);
  Result r = RunWith(hub, {"exceptions", "show", "12"});
  INFO(r.out);
  REQUIRE(r.code == kExitOk);
  CHECK(hub.GetException_requests.at(0).exception_id() == 12);
  for (const char* expected :
       {"exception:       12\n", "kind:            posting-rejected\n",
        "category:        finance\n", "owner:           revenue-accounting\n",
        "amount at stake: 1200.50 USD\n", "age:             3h12m\n",
        "sla:             within (20h47m left)\n",
        "workflow:        wf_7 step #3 post_invoice\n",
        "vendor code:     INVALID_KEY_OR_REF\n", "history:\n",
        "looking at the subsidiary mapping",
        "vendor response:\n  {\"o:errorDetails\":[{\"detail\":\"bad\"}]}\n",
        "workflow:\n  workflow:", "payload of step #3 post_invoice:"}) {
    CHECK_THAT(r.out, Catch::Contains(expected));
  }

  // A record exception shows the record and its payload.
  hubv1::GetExceptionResponse rec;
  rec.mutable_exception()->set_exception_id(3);
  rec.mutable_exception()->set_kind(hubv1::EXCEPTION_KIND_RECORD_REJECTED);
  rec.mutable_exception()->set_record_id(17);
  rec.mutable_record()->set_record_id(17);
  rec.mutable_record()->set_system("salesforce");
  rec.mutable_record()->set_payload("{\"Id\":\"006A\",\n\n\"Amount\":12}");
  hub.GetException_answers.push_back(rec);
  r = RunWith(hub, {"exceptions", "show", "3"});
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("record:\n  record:"));
  CHECK_THAT(r.out, Catch::Contains(
                        "payload:\n  {\"Id\":\"006A\",\n\n  \"Amount\":12}\n"));

  rec.mutable_record()->set_payload(std::string("\x00\x01\xff", 3));
  rec.mutable_record()->set_content_type("application/octet-stream");
  hub.GetException_answers.push_back(rec);
  r = RunWith(hub, {"exceptions", "show", "3"});
  CHECK_THAT(r.out, Catch::Contains("3 bytes of application/octet-stream, not "
                                    "text"));
}

TEST_CASE(
    "exceptions: bad flags are usage errors naming the flag, nothing "
    "is sent",
    "[cli][orchestration]") {
  RecordingHub hub;
  struct Case {
    std::vector<std::string> args;
    const char* names;
  };
  const std::vector<Case> cases = {
      {{"exceptions", "list", "--min-age", "2x"}, "--min-age"},
      {{"exceptions", "list", "--category", "money"}, "--category"},
      {{"exceptions", "list", "--kind", "oops"}, "--kind"},
      {{"exceptions", "list", "--sla", "late"}, "--sla"},
      {{"exceptions", "list", "--sla", "met"}, "--all"},
      {{"exceptions", "resolve", "12"}, "--reason"},
      {{"exceptions", "resolve", "12", "--reason", "  "}, "--reason"},
      {{"exceptions", "assign", "12", ""}, "OWNER"},
      {{"exceptions", "retry", "0"}, "ID"},
      {{"exceptions", "show", "x"}, "ID"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    Result r = RunWith(hub, c.args);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(c.names));
  }
  CHECK(hub.calls == 0);
}

TEST_CASE("exceptions list --all counts the money of open exceptions only",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::ListExceptionsResponse page;
  *page.add_exceptions() = PostingRejected();  // 1200.50 USD, retrying
  hubv1::Exception resolved = PostingRejected();
  resolved.set_exception_id(14);
  resolved.set_state(hubv1::EXCEPTION_STATE_RESOLVED);
  *resolved.mutable_amount_at_stake() = Usd(500, 0);
  *page.add_exceptions() = resolved;
  hub.ListExceptions_answers.push_back(page);
  Result r = RunWith(hub, {"exceptions", "list", "--all"});
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out,
             Catch::EndsWith("\n2 exceptions; open at stake: 1200.50 USD (the "
                             "1 resolved is not counted)\n"));
}

TEST_CASE("exceptions summary prints a table per dimension, or CSV",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::SummarizeExceptionsResponse answer;
  answer.set_open_count(3);
  answer.set_breached_count(1);
  auto row = [](const char* dimension, const char* key, const char* currency,
                int64_t count, int64_t units) {
    hubv1::ExceptionSummaryRow r;
    r.set_dimension(dimension);
    r.set_key(key);
    r.set_currency(currency);
    r.set_count(count);
    if (*currency != 0) {
      r.mutable_amount_at_stake()->set_currency_code(currency);
      r.mutable_amount_at_stake()->set_units(units);
    }
    return r;
  };
  *answer.add_rows() = row("owner", "finance-ops", "EUR", 2, 1500);
  *answer.add_rows() = row("owner", "revops, data", "", 1, 0);
  *answer.add_rows() = row("age", ">7d", "EUR", 2, 1500);
  *answer.add_totals() = row("total", "", "", 1, 0);
  *answer.add_totals() = row("total", "", "EUR", 2, 1500);
  hub.SummarizeExceptions_answers.push_back(answer);
  Result r = RunWith(
      hub, {"exceptions", "summary", "--by", "owner", "--category", "finance"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.SummarizeExceptions_requests.size() == 1);
  CHECK(hub.SummarizeExceptions_requests[0].category() ==
        hubv1::EXCEPTION_CATEGORY_FINANCE);
  CHECK_THAT(r.out, Catch::StartsWith("3 open exceptions; SLA breached: 1, "
                                      "at risk: 0\nat stake: - (1), 1500.00 "
                                      "EUR (2)\n"));
  CHECK_THAT(r.out, Catch::Contains("\nby owner\nOWNER "));
  CHECK_THAT(r.out, Catch::Contains("finance-ops "));
  CHECK_THAT(r.out, Catch::Contains("revops, data "));
  CHECK_THAT(r.out, !Catch::Contains("by age"));

  hub.SummarizeExceptions_answers.push_back(answer);
  r = RunWith(hub, {"exceptions", "summary", "--csv"});
  REQUIRE(r.code == kExitOk);
  CHECK(r.out ==
        "dimension,key,currency,count,amount_at_stake\n"
        "owner,finance-ops,EUR,2,1500.00\n"
        "owner,\"revops, data\",,1,\n"
        "age,>7d,EUR,2,1500.00\n"
        "total,,,1,\n"
        "total,,EUR,2,1500.00\n");

  r = RunWith(hub, {"exceptions", "summary", "--by", "owner,colour"});
  CHECK(r.code != kExitOk);
  CHECK_THAT(r.err, Catch::Contains("--by: 'colour' is not one of"));
}

TEST_CASE("exceptions commands have help", "[cli][orchestration]") {
  RecordingHub hub;
  Result r = RunWith(hub, {"exceptions", "resolve", "--help"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("--reason"));
  CHECK(hub.calls == 0);
}

}  // namespace
}  // namespace revhub::cli
