// Observability end to end, on a real revhubd with --http-listen,
// --log-format json and a one-second backlog sample: /metrics scraped and
// parsed (strictly here, and by the npm package parse-prometheus-text-format)
// moves as records, failures and exceptions happen; a traceparent given to
// Ingest follows the payload to its record, events, workflow, exception and
// the NetSuite emulator's HTTP request; the exception summary and the
// backlog agree with the exceptions; every line the hub wrote on stderr is
// a JSON object with time, level, component and message.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/sdk/http_client.h"
#include "hub/cli/client.h"
#include "hub/cli/commands.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "tests/e2e/observability_checks.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/support/auth.h"
#include "tests/support/salesforce_payloads.h"

namespace revhub::testing::orch {
namespace {

using obs::Exposition;
using std::chrono::seconds;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kTraceparent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kIngest[] = "/revhub.hub.v1.IngestService/Ingest";

std::string Scrape(const std::string& http) {
  adapter::HttpRequest req;
  req.url = absl::StrCat("http://", http, "/metrics");
  auto resp = adapter::SendHttp(req);
  REQUIRE(resp.ok());
  REQUIRE(resp->status == 200);
  CHECK(absl::StartsWith(resp->Header("content-type"),
                         "text/plain; version=0.0.4"));
  return resp->body;
}

// Scrapes until `pred` holds (the stored-state gauges are read at most once
// a second), at most 30 s; returns the last exposition.
template <typename Pred>
Exposition ScrapeUntil(const std::string& http, Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (true) {
    Exposition e = obs::ReadExposition(Scrape(http));
    INFO(absl::StrJoin(e.problems, "\n"));
    REQUIRE(e.problems.empty());
    if (pred(e) || std::chrono::steady_clock::now() > deadline) return e;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

// Runs parse-prometheus-text-format over `text`; returns its families.
nlohmann::json ParseWithNpm(const std::string& text) {
  const std::string file =
      "/tmp/revhub-metrics-" + std::to_string(::getpid()) + ".txt";
  { std::ofstream(file) << text; }
  const std::string cmd =
      "NODE_PATH='" + SourceDir() + "/cmake/node-tools/node_modules' node '" +
      SourceDir() + "/tests/e2e/parse_metrics.js' '" + file + "'";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  REQUIRE(pclose(p) == 0);
  std::remove(file.c_str());
  return nlohmann::json::parse(out);
}

std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product) {
  return SalesforceOpportunity(id, account, "2024-12-20",
                               {.id = "00k" + id.substr(3),
                                .product_id = product,
                                .quantity = 1,
                                .unit_price = "12000.00",
                                .service_date = "2025-01-01",
                                .end_date = "2026-01-01"});
}

int64_t IngestTraced(Harness& h, const std::string& object_type,
                     const std::string& payload) {
  v1::IngestService::Stub stub(h.channel());
  grpc::ClientContext ctx;
  ctx.AddMetadata("traceparent", kTraceparent);
  ctx.AddMetadata("tracestate", "vendor=abc");
  v1::IngestRequest req;
  req.set_system("salesforce");
  req.set_object_type(object_type);
  req.set_payload(payload);
  v1::IngestResponse resp;
  REQUIRE_GRPC_OK(stub.Ingest(&ctx, req, &resp));
  return resp.record_id();
}

std::string RunCli(Harness& h, const std::string& token,
                   std::vector<std::string> args) {
  args.insert(args.begin(), {"revhub", "--hub", h.hub().address()});
  std::istringstream in;
  std::ostringstream out, err;
  cli::CliEnvironment env;
  env.default_token = token;
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.connect = [](const cli::HubClientOptions& options) {
    return cli::NewGrpcHubClient(options);
  };
  const int code = cli::RunCli(args, env);
  INFO("stdout: " << out.str() << "\nstderr: " << err.str());
  REQUIRE(code == 0);
  return out.str();
}

}  // namespace

TEST_CASE(
    "metrics, the backlog, the exception summary, trace ids and JSON logs "
    "follow the work of a real hub",
    "[observability]") {
  TempDir logs;
  HarnessOptions options;
  options.salesforce = true;
  options.hub_args = {"--http-listen",
                      "127.0.0.1:0",
                      "--log-format",
                      "json",
                      "--backlog-sample-interval",
                      "1s"};
  options.hub_stderr_file = logs.path() + "/revhubd.stderr";
  Harness h(options);
  const std::string http = h.hub().http_address();
  REQUIRE(!http.empty());

  // Before any record: the families are there, parsed both ways.
  const std::string first = Scrape(http);
  Exposition before = obs::ReadExposition(first);
  INFO(absl::StrJoin(before.problems, "\n"));
  REQUIRE(before.problems.empty());
  CHECK(before.types["revhub_grpc_requests_total"] == "counter");
  CHECK(before.types["revhub_grpc_request_duration_seconds"] == "histogram");
  CHECK(before.types["revhub_records"] == "gauge");
  CHECK(before.types["revhub_exceptions_amount_at_stake"] == "gauge");
  const double ingested_before = std::max(
      0.0,
      before.Get("revhub_records_received_total", {{"system", "salesforce"}}));

  // NetSuite refuses March: the booking's posting is rejected.
  h.emulator().AddFault(PeriodClosedFault("_recognition_2025-03"));
  const std::string account = "001A0000000TRACE1";
  const std::string product = "01t0000000TRACE01";
  const std::string opportunity = "006000000TRACE001";
  REQUIRE(
      h.Settle(h.Ingest("salesforce", "Account",
                        SalesforceAccount(account, "Trace GmbH",
                                          "2024-12-01T10:00:00.000+0000"))) ==
      v1::RECORD_STATUS_APPLIED);
  REQUIRE(h.Settle(h.Ingest("salesforce", "Product2",
                            SalesforceProduct2(product, "Platform"))) ==
          v1::RECORD_STATUS_APPLIED);
  // Salesforce has no revenue rule: finance sets it on the product.
  h.SetRevenueRule("salesforce", "Product2", product, cv1::REVENUE_RULE_RATABLE,
                   "trace-product-rule");
  // The opportunity comes with the caller's trace.
  const int64_t opp = IngestTraced(h, "Opportunity",
                                   Opportunity(opportunity, account, product));
  REQUIRE(h.Settle(opp) == v1::RECORD_STATUS_APPLIED);
  // A record the adapter cannot translate fails with an exception.
  const int64_t broken =
      h.Ingest("salesforce", "Opportunity", R"({"Id": "006000000BROKEN01"})");
  REQUIRE(h.Settle(broken) == v1::RECORD_STATUS_FAILED);
  // A refused call: INVALID_ARGUMENT, counted by its code.
  {
    v1::IngestRequest empty;
    empty.set_system("salesforce");
    empty.set_object_type("Opportunity");
    v1::IngestResponse resp;
    CHECK(h.Call(&v1::IngestService::Stub::Ingest, empty, &resp).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
  }

  const cv1::Contract opportunity_contract =
      h.ContractOf("salesforce", "Opportunity", opportunity);
  const std::string contract_id = opportunity_contract.id();
  REQUIRE(h.WaitQuiet(seconds(90), 1));
  auto workflows = h.Workflows(contract_id);
  INFO(h.Explain());
  REQUIRE(workflows.size() == 1);
  const v1::Workflow& booking = workflows[0];
  REQUIRE(booking.state() == v1::WORKFLOW_STATE_BLOCKED);

  {
    // The record, its events, the workflow and the exception share the
    // caller's trace id.
    v1::GetRecordRequest get_record;
    get_record.set_record_id(opp);
    v1::GetRecordResponse record;
    REQUIRE_GRPC_OK(
        h.Call(&v1::IngestService::Stub::GetRecord, get_record, &record));
    CHECK(record.record().trace_id() == kTraceId);
    v1::ListEventsRequest list_events;
    list_events.set_page_size(1000);
    v1::ListEventsResponse events;
    REQUIRE_GRPC_OK(
        h.Call(&v1::EventService::Stub::ListEvents, list_events, &events));
    int traced = 0;
    bool booked = false, schedule = false, rejected = false;
    for (const auto& e : events.events()) {
      if (e.trace_id() != kTraceId) continue;
      ++traced;
      booked |= e.type() == cv1::EVENT_TYPE_CONTRACT_BOOKED;
      schedule |= e.type() == cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED;
      rejected |= e.type() == cv1::EVENT_TYPE_POSTING_REJECTED;
    }
    CHECK(booked);
    CHECK(schedule);
    CHECK(rejected);
    CHECK(booking.trace_id() == kTraceId);
    auto open = h.Exceptions(OpenExceptions(contract_id));
    REQUIRE(open.size() == 1);
    CHECK(open[0].kind() == v1::EXCEPTION_KIND_POSTING_REJECTED);
    CHECK(open[0].trace_id() == kTraceId);
    // The NetSuite adapter sent it on to the vendor.
    int with_trace = 0;
    for (const auto& r : h.emulator().Requests()) {
      const std::string tp = r.value("traceparent", "");
      if (tp.empty()) continue;
      CHECK(std::regex_match(tp,
                             std::regex("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]")));
      if (tp.find(kTraceId) != std::string::npos) ++with_trace;
    }
    CHECK(with_trace > 0);
    std::cout << "trace " << kTraceId << ": " << traced << " events, workflow "
              << booking.workflow_id() << ", exception "
              << open[0].exception_id() << ", " << with_trace
              << " NetSuite requests\n";
  }

  // The exceptions: one posting rejected (FINANCE, revenue-accounting,
  // money in EUR), one record rejected (METADATA, revops-data, no amount).
  v1::ListExceptionsRequest all_open;
  auto open = h.Exceptions(all_open);
  REQUIRE(open.size() == 2);
  const v1::Exception* posting = nullptr;
  for (const auto& e : open) {
    if (e.kind() == v1::EXCEPTION_KIND_POSTING_REJECTED) posting = &e;
  }
  REQUIRE(posting != nullptr);
  REQUIRE(posting->amount_at_stake().currency_code() == "EUR");

  {
    v1::SummarizeExceptionsRequest req;
    v1::SummarizeExceptionsResponse summary;
    REQUIRE_GRPC_OK(h.Call(&v1::ExceptionService::Stub::SummarizeExceptions,
                           req, &summary));
    CHECK(summary.open_count() == 2);
    CHECK(summary.breached_count() == 0);
    auto find =
        [&](const std::string& dimension, const std::string& key,
            const std::string& currency) -> const v1::ExceptionSummaryRow* {
      for (const auto& r : summary.rows()) {
        if (r.dimension() == dimension && r.key() == key &&
            r.currency() == currency)
          return &r;
      }
      return nullptr;
    };
    const auto* finance = find("owner", "revenue-accounting", "EUR");
    REQUIRE(finance != nullptr);
    CHECK(finance->count() == 1);
    CHECK(finance->amount_at_stake().units() ==
          posting->amount_at_stake().units());
    CHECK(finance->amount_at_stake().nanos() ==
          posting->amount_at_stake().nanos());
    const auto* metadata = find("owner", "revops-data", "");
    REQUIRE(metadata != nullptr);
    CHECK(metadata->count() == 1);
    CHECK(!metadata->has_amount_at_stake());
    CHECK(find("category", "FINANCE", "EUR") != nullptr);
    CHECK(find("kind", "POSTING_REJECTED", "EUR") != nullptr);
    CHECK(find("kind", "RECORD_REJECTED", "") != nullptr);
    CHECK(find("system", "netsuite", "EUR") != nullptr);
    CHECK(find("system", "salesforce", "") != nullptr);
    const auto* young = find("age", "<1h", "EUR");
    REQUIRE(young != nullptr);
    CHECK(young->count() == 1);
    CHECK(find("sla", "WITHIN", "EUR") != nullptr);
    REQUIRE(summary.totals_size() == 2);  // "" and EUR
    CHECK(summary.totals(1).currency() == "EUR");
    CHECK(summary.totals(1).dimension() == "total");
    // Filters apply.
    req.set_owner("revops-data");
    REQUIRE_GRPC_OK(h.Call(&v1::ExceptionService::Stub::SummarizeExceptions,
                           req, &summary));
    CHECK(summary.open_count() == 1);
    req.set_owner("");
    req.set_kind(static_cast<v1::ExceptionKind>(99));
    CHECK(
        h.Call(&v1::ExceptionService::Stub::SummarizeExceptions, req, &summary)
            .error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    const std::string token =
        CreatePrincipal(h.channel(), "observer", v1::ROLE_ADMIN);
    const std::string table = RunCli(h, token, {"exceptions", "summary"});
    std::cout << "$ revhub exceptions summary\n" << table;
    CHECK_THAT(table, Catch::Contains("2 open exceptions"));
    CHECK_THAT(table, Catch::Contains("revenue-accounting"));
    CHECK_THAT(table, Catch::Contains(" EUR"));
    const std::string csv =
        RunCli(h, token, {"exceptions", "summary", "--by", "owner", "--csv"});
    CHECK_THAT(csv, Catch::StartsWith(
                        "dimension,key,currency,count,amount_at_stake\n"));
    CHECK_THAT(csv, Catch::Contains("owner,revops-data,,1,\n"));
  }

  // The backlog: the blocked workflow, the failed record, the exceptions,
  // a history sampled every second, and salesforce's health.
  std::this_thread::sleep_for(seconds(2));
  {
    v1::GetBacklogRequest req;
    v1::GetBacklogResponse backlog;
    REQUIRE_GRPC_OK(
        h.Call(&v1::PipelineService::Stub::GetBacklog, req, &backlog));
    CHECK(backlog.current().workflows_blocked() == 1);
    CHECK(backlog.current().records_failed() == 1);
    CHECK(backlog.current().exceptions_open() == 2);
    CHECK(backlog.current().records_received() == 0);
    CHECK(backlog.history_size() >= 2);
    CHECK(backlog.history(backlog.history_size() - 1).exceptions_open() == 2);
    const v1::SystemHealth* sf = nullptr;
    for (const auto& s : backlog.systems()) {
      if (s.system() == "salesforce") sf = &s;
    }
    REQUIRE(sf != nullptr);
    CHECK(sf->enabled());
    CHECK(sf->adapter_state() == "running");
    CHECK(sf->vendor() == "Salesforce Sales Cloud");
    CHECK(sf->records_applied() == 3);
    CHECK(sf->records_failed() == 1);
  }

  // /metrics moved.
  Exposition after = ScrapeUntil(http, [&](const Exposition& e) {
    return e.Get("revhub_exceptions_open",
                 {{"category", "METADATA"}, {"owner", "revops-data"}}) == 1 &&
           e.Get("revhub_exceptions_open",
                 {{"category", "FINANCE"}, {"owner", "revenue-accounting"}}) ==
               1;
  });
  CHECK(after.Get("revhub_records_received_total",
                  {{"system", "salesforce"}}) == ingested_before + 4);
  CHECK(after.Get("revhub_records_processed_total",
                  {{"system", "salesforce"}, {"outcome", "applied"}}) == 3);
  CHECK(after.Get("revhub_records_processed_total",
                  {{"system", "salesforce"}, {"outcome", "failed"}}) == 1);
  CHECK(after.Get("revhub_records",
                  {{"system", "salesforce"}, {"status", "APPLIED"}}) == 3);
  CHECK(after.Get("revhub_records",
                  {{"system", "salesforce"}, {"status", "FAILED"}}) == 1);
  CHECK(after.Get("revhub_grpc_requests_total",
                  {{"method", kIngest}, {"code", "OK"}}) >= 4);
  CHECK(after.Get("revhub_grpc_requests_total",
                  {{"method", kIngest}, {"code", "INVALID_ARGUMENT"}}) == 1);
  CHECK(after.Get("revhub_grpc_request_duration_seconds_count",
                  {{"method", kIngest}}) >= 5);
  CHECK(after.Get("revhub_translate_duration_seconds_count",
                  {{"system", "salesforce"}}) >= 4);
  CHECK(after.Get("revhub_apply_duration_seconds_count",
                  {{"system", "salesforce"}}) >= 4);
  CHECK(after.Get("revhub_vendor_calls_total", {{"system", "netsuite"},
                                                {"operation", "post"},
                                                {"outcome", "rejected"}}) >= 1);
  CHECK(after.Get("revhub_vendor_calls_total", {{"system", "netsuite"},
                                                {"operation", "post"},
                                                {"outcome", "ok"}}) >= 1);
  CHECK(after.Get("revhub_backlog", {{"stage", "workflows_blocked"}}) == 1);
  CHECK(after.Get("revhub_backlog", {{"stage", "exceptions_open"}}) == 2);
  CHECK(after.Get("revhub_exceptions_amount_at_stake",
                  {{"category", "FINANCE"},
                   {"owner", "revenue-accounting"},
                   {"currency", "EUR"}}) ==
        static_cast<double>(posting->amount_at_stake().units()) +
            posting->amount_at_stake().nanos() / 1e9);
  CHECK(after.Get("revhub_exceptions_sla",
                  {{"category", "FINANCE"}, {"sla", "WITHIN"}}) == 1);
  CHECK(after.Get("revhub_adapter_up", {{"system", "salesforce"}}) == 1);
  CHECK(after.Get("revhub_adapter_restarts_total",
                  {{"system", "salesforce"}}) == 0);
  // No ids: no label value names the contract, the workflow or the record.
  const std::string text = Scrape(http);
  CHECK(text.find(contract_id) == std::string::npos);
  CHECK(text.find(booking.workflow_id()) == std::string::npos);
  std::cout << "/metrics excerpt:\n";
  for (const std::string& prefix :
       {std::string("revhub_grpc_requests_total{method=\"") + kIngest,
        std::string("revhub_records_processed_total"),
        std::string("revhub_backlog{"),
        std::string("revhub_exceptions_amount_at_stake{"),
        std::string("revhub_exceptions_open{"),
        std::string("revhub_vendor_calls_total{")}) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (absl::StartsWith(line, prefix)) std::cout << line << "\n";
    }
  }

  // The npm parser reads the same families and figures.
  const nlohmann::json families = ParseWithNpm(text);
  REQUIRE(families.is_array());
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& f : families) by_name[f["name"]] = f;
  CHECK(by_name.size() == after.types.size());
  REQUIRE(by_name.count("revhub_grpc_requests_total"));
  CHECK(by_name["revhub_grpc_requests_total"]["type"] == "COUNTER");
  bool found_ok = false;
  for (const auto& m : by_name["revhub_grpc_requests_total"]["metrics"]) {
    if (m["labels"]["method"] == kIngest && m["labels"]["code"] == "OK") {
      found_ok = std::stod(m["value"].get<std::string>()) >= 4;
    }
  }
  CHECK(found_ok);
  REQUIRE(by_name.count("revhub_grpc_request_duration_seconds"));
  CHECK(by_name["revhub_grpc_request_duration_seconds"]["type"] == "HISTOGRAM");
  // The package folds the series of a labelled histogram into one (its
  // prom2json flattening keeps the buckets only): check those.
  for (const auto& m :
       by_name["revhub_grpc_request_duration_seconds"]["metrics"]) {
    REQUIRE(m.contains("buckets"));
    CHECK(m["buckets"].contains("+Inf"));
    CHECK(m["buckets"].contains("0.001"));
  }

  // Every line on the hub's stderr is one JSON object.
  REQUIRE(h.hub().Stop() == 0);
  std::ifstream in(options.hub_stderr_file);
  std::string line;
  int lines = 0, with_record = 0, with_trace = 0, from_adapters = 0;
  const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  while (std::getline(in, line)) {
    ++lines;
    INFO(line);
    nlohmann::json j;
    REQUIRE_NOTHROW(j = nlohmann::json::parse(line));
    REQUIRE(j.is_object());
    CHECK(std::regex_match(j.value("time", ""), time));
    const std::string level = j.value("level", "");
    CHECK((level == "info" || level == "warn" || level == "error" ||
           level == "debug"));
    CHECK(!j.value("component", "").empty());
    CHECK(j.contains("message"));
    if (j.contains("record_id") && j.contains("system")) ++with_record;
    if (j.value("trace_id", "") == kTraceId) ++with_trace;
    if (j.value("component", "") == "adapters") ++from_adapters;
  }
  CHECK(lines > 0);
  CHECK(with_record >= 1);    // the failed record
  CHECK(with_trace >= 1);     // the rejected posting's workflow
  CHECK(from_adapters >= 2);  // adapters started
  std::cout << lines << " JSON log lines; " << with_record << " name a record, "
            << with_trace << " carry the trace\n";
}

}  // namespace revhub::testing::orch
