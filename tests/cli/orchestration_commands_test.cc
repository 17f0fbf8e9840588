// Tests of the orchestration commands (workflows, exceptions, contracts
// book/amend/renew/cancel) against a RecordingHub: parsing, the requests
// sent, the output, usage errors and exit codes.
#include "hub/cli/orchestration_commands.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "absl/strings/str_join.h"
#include "hub/cli/commands.h"
#include "hub/cli/format.h"
#include "hub/cli/orchestration_format.h"
#include "recording_hub.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran RunWith(RecordingHub& hub, std::vector<std::string> args,
            const std::string& input = "") {
  args.insert(args.begin(), "revhub");
  std::istringstream in(input);
  std::ostringstream out, err;
  CliEnvironment env;
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.connect = [&hub](const HubClientOptions&) {
    return std::make_unique<BorrowedHub>(hub);
  };
  Ran r;
  r.code = RunCli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

canon::Money Usd(int64_t units, int32_t nanos) {
  canon::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

// 2026-01-01T00:00:00Z
constexpr int64_t kT0 = 1767225600;

// An open POSTING_REJECTED exception 3h12m old with a 24h SLA.
hubv1::Exception PostingRejected() {
  hubv1::Exception e;
  e.set_exception_id(12);
  e.set_kind(hubv1::EXCEPTION_KIND_POSTING_REJECTED);
  e.set_category(hubv1::EXCEPTION_CATEGORY_FINANCE);
  e.set_state(hubv1::EXCEPTION_STATE_OPEN);
  e.set_system("netsuite");
  e.set_owner("revenue-accounting");
  e.set_contract_id("ctr_1");
  e.set_workflow_id("wf_7");
  e.set_step_index(4);
  e.set_step_name("post_invoice");
  e.set_error("INVALID_KEY_OR_REF: Invalid subsidiary reference key 9");
  e.set_vendor_code("INVALID_KEY_OR_REF");
  e.set_vendor_response("{\"o:errorDetails\":[{\"detail\":\"bad\"}]}");
  *e.mutable_amount_at_stake() = Usd(1200, 500000000);
  *e.mutable_created_at() = At(kT0);
  e.mutable_age()->set_seconds(3 * 3600 + 12 * 60 + 7);
  *e.mutable_sla_due_at() = At(kT0 + 24 * 3600);
  e.set_sla_state(hubv1::SLA_STATE_WITHIN);
  e.set_attempts(1);
  auto* opened = e.add_history();
  *opened->mutable_at() = At(kT0);
  opened->set_action("opened");
  opened->set_principal("hub");
  auto* assigned = e.add_history();
  *assigned->mutable_at() = At(kT0 + 600);
  assigned->set_action("assigned");
  assigned->set_principal("alice");
  assigned->set_note("looking at the subsidiary mapping");
  return e;
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

  Ran r =
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
  Ran r = RunWith(hub, {"exceptions", "list", "--all"});
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

TEST_CASE("bad flags are usage errors naming the flag, nothing is sent",
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
      {{"workflows", "list", "--state", "stuck"}, "--state"},
      {{"workflows", "list", "--kind", "merger"}, "--kind"},
      {{"workflows", "list", "--limit", "0"}, "--limit"},
      {{"workflows", "show"}, "WF_ID"},
      {{"contracts", "cancel", "ctr_1", "--reason", "churn"}, "--at"},
      {{"contracts", "cancel", "ctr_1", "--at", "yesterday", "--reason", "x"},
       "--at"},
      {{"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z"},
       "--reason"},
      {{"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z",
        "--reason", "churn", "--credit", "all"},
       "--credit"},
      {{"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z",
        "--reason", "churn", "--expected-version", "0"},
       "--expected-version"},
      {{"contracts", "book"}, "FILE"},
      {{"contracts", "book", "/nonexistent/contract.json"},
       "/nonexistent/contract.json"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    Ran r = RunWith(hub, c.args);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(c.names));
  }
  CHECK(hub.calls == 0);
}

TEST_CASE("contract files are read strictly and amend needs the id",
          "[cli][orchestration]") {
  RecordingHub hub;
  Ran r = RunWith(hub, {"contracts", "book", "-"},
                  R"({"id":"ctr_1","customerId":"cus_1","colour":"red"})");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("-: not a valid revhub.canonical.v1."
                                    "Contract in JSON"));
  CHECK_THAT(r.err, Catch::Contains("colour"));

  r = RunWith(hub, {"contracts", "amend", "-"}, R"({"customerId":"cus_1"})");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("contract.id: required"));

  r = RunWith(hub, {"contracts", "renew", "ctr_1", "-"},
              R"({"renewalOfContractId":"ctr_9"})");
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("contract.renewal_of_contract_id"));
  CHECK(hub.calls == 0);
}

TEST_CASE("contracts book sends the contract and prints the workflow",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::BookContractResponse booked;
  booked.set_workflow_id("wf_7");
  booked.mutable_contract()->set_id("ctr_1");
  booked.mutable_contract()->set_version(1);
  hub.BookContract_answers.push_back(booked);
  Ran r = RunWith(hub, {"contracts", "book", "-", "--idempotency-key", "k-1"},
                  R"({"customerId":"cus_1","currencyCode":"USD"})");
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.BookContract_requests.size() == 1);
  CHECK(hub.BookContract_requests[0].contract().customer_id() == "cus_1");
  CHECK(hub.BookContract_requests[0].contract().currency_code() == "USD");
  CHECK(hub.BookContract_requests[0].idempotency_key() == "k-1");
  CHECK_THAT(r.out, Catch::StartsWith("workflow wf_7 (booking) started for "
                                      "contract ctr_1 version 1\n"));
  CHECK_THAT(r.out, Catch::Contains("revhub workflows show wf_7"));

  hub.BookContract_answers.push_back(booked);
  r = RunWith(hub, {"--json", "contracts", "book", "-"}, "{}");
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("\"workflowId\": \"wf_7\""));
  CHECK_THAT(r.out, Catch::Contains("\"id\": \"ctr_1\""));

  hub.BookContract_answers.push_back(
      absl::FailedPreconditionError("contract ctr_1 is ACTIVE already"));
  r = RunWith(hub, {"contracts", "book", "-"}, "{}");
  CHECK(r.code == kExitServerError);
  CHECK_THAT(r.err, Catch::Contains("FAILED_PRECONDITION: contract ctr_1"));

  hub.BookContract_answers.push_back(absl::UnavailableError("no hub"));
  CHECK(RunWith(hub, {"contracts", "book", "-"}, "{}").code ==
        kExitUnreachable);
}

TEST_CASE("contracts amend, renew and cancel build their requests",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::AmendContractResponse amended;
  amended.set_workflow_id("wf_8");
  amended.mutable_contract()->set_id("ctr_1");
  amended.mutable_contract()->set_version(4);
  hub.AmendContract_answers.push_back(amended);
  Ran r = RunWith(hub, {"contracts", "amend", "-", "--expected-version", "3"},
                  R"({"id":"ctr_1"})");
  REQUIRE(r.code == kExitOk);
  CHECK(hub.AmendContract_requests.at(0).contract().id() == "ctr_1");
  CHECK(hub.AmendContract_requests.at(0).expected_version() == 3);
  CHECK_THAT(r.out, Catch::Contains("wf_8 (amendment)"));
  CHECK_THAT(r.out, Catch::Contains("contract ctr_1 version 4"));

  hubv1::RenewContractResponse renewed;
  renewed.set_workflow_id("wf_9");
  renewed.mutable_contract()->set_id("ctr_2");
  renewed.mutable_contract()->set_version(1);
  renewed.mutable_contract()->set_renewal_of_contract_id("ctr_1");
  hub.RenewContract_answers.push_back(renewed);
  r = RunWith(hub, {"contracts", "renew", "ctr_1", "-"},
              R"({"term":{"startTime":"2027-01-01T00:00:00Z"}})");
  REQUIRE(r.code == kExitOk);
  CHECK(hub.RenewContract_requests.at(0).contract_id() == "ctr_1");
  CHECK(hub.RenewContract_requests.at(0)
            .renewal()
            .term()
            .start_time()
            .seconds() == 1798761600);
  CHECK_THAT(r.out,
             Catch::Contains("contract ctr_2 version 1, renewing ctr_1"));

  hubv1::CancelContractResponse cancelled;
  cancelled.set_workflow_id("wf_10");
  cancelled.mutable_contract()->set_id("ctr_1");
  cancelled.mutable_contract()->set_version(5);
  hub.CancelContract_answers.push_back(cancelled);
  hub.CancelContract_answers.push_back(cancelled);
  r = RunWith(hub,
              {"contracts", "cancel", "ctr_1", "--at", "2026-03-01T00:00:00Z",
               "--reason", "customer churned", "--credit", "unused",
               "--expected-version", "4", "--idempotency-key", "cancel-ctr_1"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const hubv1::CancelContractRequest& cancel =
      hub.CancelContract_requests.at(0);
  CHECK(cancel.contract_id() == "ctr_1");
  CHECK(cancel.cancelled_at().seconds() == 1772323200);
  CHECK(cancel.reason() == "customer churned");
  CHECK(cancel.credit() == hubv1::CANCELLATION_CREDIT_UNUSED_PORTION);
  CHECK(cancel.expected_version() == 4);
  CHECK(cancel.idempotency_key() == "cancel-ctr_1");
  CHECK_THAT(r.out, Catch::Contains("wf_10 (cancellation)"));

  r = RunWith(
      hub, {"contracts", "cancel", "ctr_1", "--at", "2026-03-01T01:00:00+01:00",
            "--reason", "x", "--credit", "none"});
  REQUIRE(r.code == kExitOk);
  CHECK(hub.CancelContract_requests.at(1).cancelled_at().seconds() ==
        1772323200);
  CHECK(hub.CancelContract_requests.at(1).credit() ==
        hubv1::CANCELLATION_CREDIT_NONE);
  CHECK(hub.CancelContract_requests.at(1).expected_version() == 0);
}

TEST_CASE("exceptions assign, retry, replay and resolve send their requests",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::Exception e = PostingRejected();
  e.set_owner("bob");
  hubv1::AssignExceptionResponse assigned;
  *assigned.mutable_exception() = e;
  hub.AssignException_answers.push_back(assigned);
  Ran r = RunWith(hub, {"exceptions", "assign", "12", "bob", "--note",
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

hubv1::Workflow BlockedBooking() {
  hubv1::Workflow w;
  w.set_workflow_id("wf_7");
  w.set_kind(hubv1::WORKFLOW_KIND_BOOKING);
  w.set_state(hubv1::WORKFLOW_STATE_BLOCKED);
  w.set_contract_id("ctr_1");
  w.set_contract_version(3);
  w.set_trigger("event 42 ContractBooked");
  w.set_trigger_event_position(42);
  w.set_principal("hub");
  *w.mutable_created_at() = At(kT0);
  *w.mutable_updated_at() = At(kT0 + 60);
  const char* names[] = {"confirm_schedule", "sync_customer", "plan_postings",
                         "post_invoice", "post_journal_entry"};
  for (int i = 0; i < 5; ++i) {
    hubv1::WorkflowStep* s = w.add_steps();
    s->set_index(i);
    s->set_name(names[i]);
    s->set_state(i < 3 ? hubv1::STEP_STATE_SUCCEEDED
                       : hubv1::STEP_STATE_PENDING);
    if (i > 0) s->set_target_system("netsuite");
  }
  w.mutable_steps(0)->set_detail("schedule rs_ctr_1 v3 confirmed");
  auto* ref = w.mutable_steps(1)->add_vendor_refs();
  ref->set_system("netsuite");
  ref->set_object_type("customer");
  ref->set_vendor_id("812");
  hubv1::WorkflowStep* post = w.mutable_steps(3);
  post->set_state(hubv1::STEP_STATE_FAILED);
  post->mutable_entity()->set_entity_type(canon::ENTITY_TYPE_INVOICE);
  post->mutable_entity()->set_id("inv_1");
  post->mutable_entity()->set_version(2);
  post->set_attempts(1);
  post->set_last_error_code("INVALID_KEY_OR_REF");
  post->set_last_error("Invalid subsidiary reference key 9 for entity 812");
  post->set_exception_id(12);
  *post->mutable_amount() = Usd(1200, 500000000);
  post->mutable_payload()->mutable_invoice()->set_id("inv_1");
  return w;
}

TEST_CASE("workflow progress and what a workflow waits on",
          "[cli][orchestration]") {
  hubv1::Workflow w = BlockedBooking();
  CHECK(FormatStepProgress(w) == "3/5");
  CHECK(FormatWaitingOn(w) == "#3 post_invoice: exception 12");

  w.set_state(hubv1::WORKFLOW_STATE_RUNNING);
  w.mutable_steps(3)->set_state(hubv1::STEP_STATE_RETRY_SCHEDULED);
  *w.mutable_steps(3)->mutable_next_attempt_at() = At(kT0 + 120);
  CHECK(FormatWaitingOn(w) ==
        "#3 post_invoice (netsuite), retry at 2026-01-01T00:02:00Z");

  w.mutable_steps(3)->set_state(hubv1::STEP_STATE_SKIPPED);
  CHECK(FormatStepProgress(w) == "4/5");
  CHECK(FormatWaitingOn(w) == "#4 post_journal_entry (netsuite)");

  w.set_state(hubv1::WORKFLOW_STATE_PENDING);
  w.set_blocked_by_workflow_id("wf_6");
  CHECK(FormatWaitingOn(w) == "after wf_6");
  w.set_state(hubv1::WORKFLOW_STATE_COMPLETED);
  CHECK(FormatWaitingOn(w) == "-");
}

TEST_CASE("workflows list filters, limits across pages and prints a table",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::ListWorkflowsResponse first;
  *first.add_workflows() = BlockedBooking();
  *first.add_workflows() = BlockedBooking();
  first.mutable_workflows(1)->set_workflow_id("wf_6");
  first.set_next_page_token("t2");
  hubv1::ListWorkflowsResponse second;
  *second.add_workflows() = BlockedBooking();
  second.mutable_workflows(0)->set_workflow_id("wf_5");
  second.set_next_page_token("t3");
  hub.ListWorkflows_answers.push_back(first);
  hub.ListWorkflows_answers.push_back(second);
  Ran r = RunWith(hub, {"workflows", "list", "--contract", "ctr_1", "--state",
                        "blocked", "--kind", "booking", "--limit", "3"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(hub.ListWorkflows_requests.size() == 2);
  const hubv1::ListWorkflowsRequest& sent = hub.ListWorkflows_requests[0];
  CHECK(sent.contract_id() == "ctr_1");
  CHECK(sent.state() == hubv1::WORKFLOW_STATE_BLOCKED);
  CHECK(sent.kind() == hubv1::WORKFLOW_KIND_BOOKING);
  CHECK(sent.omit_payloads());
  CHECK(sent.page_size() == 3);
  CHECK(hub.ListWorkflows_requests[1].page_size() == 1);
  CHECK(hub.ListWorkflows_requests[1].page_token() == "t2");
  CHECK_THAT(r.out, Catch::StartsWith("WORKFLOW  KIND     CONTRACT  VERSION  "
                                      "STATE    STEPS  WAITING ON"));
  CHECK_THAT(r.out,
             Catch::Contains("wf_7      booking  ctr_1           3  blocked    "
                             "3/5  #3 post_invoice: exception 12  "
                             "2026-01-01T00:01:00Z\n"));
  CHECK_THAT(r.out, Catch::Contains("wf_5"));
  CHECK_THAT(r.out, Catch::Contains("showing the newest 3; there are more"));

  hub.ListWorkflows_answers.push_back(hubv1::ListWorkflowsResponse());
  r = RunWith(hub, {"workflows", "list"});
  CHECK(r.out == "no workflows\n");
  CHECK(hub.ListWorkflows_requests.back().page_size() == 100);
}

TEST_CASE("workflows show prints every step", "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::GetWorkflowResponse got;
  *got.mutable_workflow() = BlockedBooking();
  hub.GetWorkflow_answers.push_back(got);
  Ran r = RunWith(hub, {"workflows", "show", "wf_7"});
  INFO(r.out);
  REQUIRE(r.code == kExitOk);
  CHECK(hub.GetWorkflow_requests.at(0).workflow_id() == "wf_7");
  CHECK_THAT(r.out,
             Catch::Contains("trigger:       event 42 ContractBooked\n"));
  CHECK_THAT(r.out, Catch::Contains("steps done:    3/5\n"));
  CHECK_THAT(r.out, Catch::Contains("netsuite/customer/812"));
  CHECK_THAT(r.out, Catch::Contains("schedule rs_ctr_1 v3 confirmed"));
  CHECK_THAT(r.out, Catch::Contains("invoice inv_1 v2"));
  CHECK_THAT(r.out, Catch::Contains("1200.50 USD"));
  CHECK_THAT(r.out, Catch::Contains(
                        "last errors:\n  #3 post_invoice: [INVALID_KEY_OR_REF] "
                        "Invalid subsidiary reference key 9 for entity 812\n"));
  CHECK_THAT(r.out, !Catch::Contains("payloads:"));

  hub.GetWorkflow_answers.push_back(got);
  r = RunWith(hub, {"workflows", "show", "wf_7", "--payloads"});
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("payloads:\n  #3 post_invoice:\n"));
  CHECK_THAT(r.out, Catch::Contains("\"id\": \"inv_1\""));
}

TEST_CASE("exceptions show prints every field, the trail and the workflow",
          "[cli][orchestration]") {
  RecordingHub hub;
  hubv1::GetExceptionResponse got;
  *got.mutable_exception() = PostingRejected();
  got.mutable_exception()->set_step_index(3);
  *got.mutable_workflow() = BlockedBooking();
  hub.GetException_answers.push_back(got);
  Ran r = RunWith(hub, {"exceptions", "show", "12"});
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

TEST_CASE("orchestration commands have help", "[cli][orchestration]") {
  RecordingHub hub;
  Ran r = RunWith(hub, {"exceptions", "resolve", "--help"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("--reason"));
  r = RunWith(hub, {"contracts", "--help"});
  CHECK(r.code == kExitOk);
  for (const char* command : {"book", "amend", "renew", "cancel", "upsert"}) {
    CHECK_THAT(r.out, Catch::Contains(command));
  }
  r = RunWith(hub, {"workflows", "list", "--help"});
  CHECK_THAT(r.out, Catch::Contains("pending, running, blocked, completed"));
  CHECK(hub.calls == 0);
}

}  // namespace
}  // namespace revhub::cli
