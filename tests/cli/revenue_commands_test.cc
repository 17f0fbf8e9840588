// Tests of `revhub revenue …`: the requests it sends and what it prints, run
// in-process against a RecordingHub, and the schedule table.
#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "hub/cli/revenue_format.h"
#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

template <typename T>
T Text(const std::string& text) {
  T msg;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &msg));
  return msg;
}

// Two obligations, three periods, a catch-up line that adds to a cell, in a
// three-decimal currency.
canon::RevenueSchedule Schedule() {
  return Text<canon::RevenueSchedule>(R"pb(
    id: "rs_ctr_1"
    version: 2
    contract_id: "ctr_1"
    contract_version: 2
    legal_entity: "ACME-KW"
    currency_code: "KWD"
    status: REVENUE_SCHEDULE_STATUS_DRAFT
    transaction_price { currency_code: "KWD" units: 10 nanos: 500000000 }
    period_convention: PERIOD_CONVENTION_BY_DAY
    modification_treatment: MODIFICATION_TREATMENT_CUMULATIVE_CATCH_UP
    modification_reason: "milestone re-measured"
    obligations {
      id: "po_ctr_1_L1"
      contract_line_ids: "L1"
      revenue_rule: REVENUE_RULE_RATABLE
      allocated_amount { currency_code: "KWD" units: 1 }
    }
    obligations {
      id: "po_ctr_1_L2"
      contract_line_ids: "L2"
      revenue_rule: REVENUE_RULE_MILESTONE
      allocated_amount { currency_code: "KWD" units: 9 nanos: 500000000 }
      pending_amount { currency_code: "KWD" units: 4 nanos: 750000000 }
      recognition_pending_reason: "awaiting milestone"
    }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-01"
      amount { currency_code: "KWD" nanos: 333000000 }
    }
    lines {
      performance_obligation_id: "po_ctr_1_L2"
      period: "2025-01"
      amount { currency_code: "KWD" units: 4 nanos: 750000000 }
    }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-02"
      amount { currency_code: "KWD" nanos: 333000000 }
    }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-03"
      amount { currency_code: "KWD" nanos: 334000000 }
    }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-03"
      amount { currency_code: "KWD" nanos: -1000000 }
      kind: REVENUE_SCHEDULE_LINE_KIND_CATCH_UP
    }
  )pb");
}

TEST_CASE("the schedule table has a row per period and totals both ways",
          "[revenue]") {
  const std::string text = RenderScheduleTable(Schedule());
  CHECK(text.find("status:            draft\n") != std::string::npos);
  CHECK(text.find("modification:      cumulative_catch_up: milestone "
                  "re-measured\n") != std::string::npos);
  const std::string table =
      "period          L1         L2      total\n"
      "2025-01  0.333 KWD  4.750 KWD  5.083 KWD\n"
      "2025-02  0.333 KWD          -  0.333 KWD\n"
      "2025-03  0.333 KWD          -  0.333 KWD\n"
      "total    0.999 KWD  4.750 KWD  5.749 KWD\n";
  CHECK(text.find(table) != std::string::npos);
  INFO(text);
  CHECK(text.find("L2      po_ctr_1_L2  milestone  9.500 KWD  4.750 KWD  "
                  "awaiting milestone\n") != std::string::npos);
}

TEST_CASE("a failed schedule shows its error", "[revenue]") {
  canon::RevenueSchedule s = Schedule();
  s.set_status(canon::REVENUE_SCHEDULE_STATUS_FAILED);
  s.set_recomputation_error("contract ctr_1 v3: INVALID_ARGUMENT: bad");
  const std::string text = RenderScheduleTable(s);
  CHECK(text.find("status:            failed\n") != std::string::npos);
  CHECK(text.find("error:             contract ctr_1 v3: INVALID_ARGUMENT: "
                  "bad\n") != std::string::npos);
}

TEST_CASE("revenue show --lines traces each line to its cause", "[revenue]") {
  canon::RevenueSchedule s = Text<canon::RevenueSchedule>(R"pb(
    id: "rs_ctr_1"
    currency_code: "USD"
    closed_periods: "2025-01"
    obligations { id: "po_ctr_1_L1" contract_line_ids: "L1" }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-01"
      amount { currency_code: "USD" units: 100 }
      kind: REVENUE_SCHEDULE_LINE_KIND_RECOGNITION
      cause { kind: REVENUE_CAUSE_KIND_CONTRACT_VERSION contract_version: 1 }
    }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-02"
      amount { currency_code: "USD" units: -30 }
      kind: REVENUE_SCHEDULE_LINE_KIND_REFUND
      cause { kind: REVENUE_CAUSE_KIND_REFUND id: "re_1" }
    }
    lines {
      performance_obligation_id: "po_ctr_1_L1"
      period: "2025-02"
      amount { currency_code: "USD" units: -20 }
      kind: REVENUE_SCHEDULE_LINE_KIND_CATCH_UP
      cause {
        kind: REVENUE_CAUSE_KIND_CREDIT_NOTE
        id: "cn_1"
        closed_period: "2025-01"
      }
    }
  )pb");
  const std::string text = RenderScheduleLines(s);
  INFO(text);
  CHECK(text.find("2025-01  L1    recognition  100.00 USD  contract_version "
                  "v1\n") != std::string::npos);
  CHECK(text.find("2025-02  L1    refund       -30.00 USD  refund re_1\n") !=
        std::string::npos);
  CHECK(text.find("catch_up     -20.00 USD  credit_note cn_1 (moved from "
                  "closed 2025-01)\n") != std::string::npos);
  CHECK(text.find("total                        50.00 USD") !=
        std::string::npos);
  CHECK(RenderScheduleTable(s).find("closed periods:    2025-01\n") !=
        std::string::npos);

  Harness h;
  hubv1::GetScheduleResponse answer;
  *answer.mutable_schedule() = s;
  h.hub.GetSchedule_answers.push_back(answer);
  Result r = h.Run({"revenue", "show", "ctr_1", "--lines"});
  REQUIRE(r.code == kExitOk);
  CHECK(r.out == text);
}

TEST_CASE("an empty schedule says so", "[revenue]") {
  canon::RevenueSchedule s;
  s.set_id("rs_x");
  s.set_currency_code("USD");
  CHECK(RenderScheduleTable(s).find("no schedule lines\n") !=
        std::string::npos);
}

TEST_CASE("revenue show sends the contract and as_of", "[revenue]") {
  Harness h;
  hubv1::GetScheduleResponse answer;
  *answer.mutable_schedule() = Schedule();
  h.hub.GetSchedule_answers.push_back(answer);
  Result r = h.Run(
      {"revenue", "show", "ctr_1", "--as-of", "2025-03-01T10:00:00.250Z"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.GetSchedule_requests.size() == 1);
  CHECK(h.hub.GetSchedule_requests[0].contract_id() == "ctr_1");
  CHECK(h.hub.GetSchedule_requests[0].as_of().seconds() == 1740823200);
  CHECK(h.hub.GetSchedule_requests[0].as_of().nanos() == 250000000);
  CHECK(r.out.find("total    0.999 KWD  4.750 KWD  5.749 KWD\n") !=
        std::string::npos);

  SECTION("--json prints the response") {
    h.hub.GetSchedule_answers.push_back(answer);
    Result j = h.Run({"--json", "revenue", "show", "ctr_1"});
    REQUIRE(j.code == kExitOk);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc["schedule"]["id"] == "rs_ctr_1");
    CHECK(doc["schedule"]["lines"].size() == 5);
  }
  SECTION("a bad --as-of is a usage error and sends nothing") {
    Result bad = h.Run({"revenue", "show", "ctr_1", "--as-of", "yesterday"});
    CHECK(bad.code == kExitUsage);
    CHECK(bad.err.find("--as-of") != std::string::npos);
    CHECK(h.hub.GetSchedule_requests.size() == 1);
  }
  SECTION("the hub's NOT_FOUND exits 1 with its message") {
    h.hub.GetSchedule_answers.push_back(
        absl::NotFoundError("contract \"ctr_9\" has no revenue schedule"));
    Result nf = h.Run({"revenue", "show", "ctr_9"});
    CHECK(nf.code == kExitServerError);
    CHECK(nf.err ==
          "revhub: NOT_FOUND: contract \"ctr_9\" has no revenue schedule\n");
  }
}

TEST_CASE("revenue preview takes a contract or a whole request", "[revenue]") {
  Harness h;
  hubv1::PreviewScheduleResponse answer;
  *answer.mutable_schedule() = Schedule();
  auto* entry = answer.add_journal_entries();
  entry->set_id("je_ctr_1_recognition_2025-01");
  entry->set_entry_number("ctr_1-1");
  entry->set_period("2025-01");
  auto* debit = entry->add_lines();
  debit->set_account_role(canon::ACCOUNT_ROLE_UNBILLED_RECEIVABLE);
  debit->mutable_debit()->set_currency_code("KWD");
  debit->mutable_debit()->set_units(5);
  auto* credit = entry->add_lines();
  credit->set_account_role(canon::ACCOUNT_ROLE_REVENUE);
  credit->mutable_credit()->set_currency_code("KWD");
  credit->mutable_credit()->set_units(5);

  SECTION("a bare contract: the products its lines name come from the hub") {
    h.stdin_text = R"({"id": "ctr_1", "currencyCode": "KWD",
      "lines": [{"lineId": "L1", "productId": "prd_1"},
                {"lineId": "L2", "productId": "prd_2"}]})";
    hubv1::GetProductResponse product;
    product.mutable_product()->set_id("prd_1");
    h.hub.GetProduct_answers.push_back(product);
    h.hub.GetProduct_answers.push_back(absl::NotFoundError("no prd_2"));
    h.hub.PreviewSchedule_answers.push_back(answer);
    Result r = h.Run({"revenue", "preview", "-"});
    INFO(r.err);
    REQUIRE(r.code == kExitOk);
    REQUIRE(h.hub.PreviewSchedule_requests.size() == 1);
    const auto& sent = h.hub.PreviewSchedule_requests[0];
    CHECK(sent.contract().id() == "ctr_1");
    REQUIRE(sent.products_size() == 1);
    CHECK(sent.products(0).id() == "prd_1");
    CHECK(r.out.find("total    0.999 KWD") != std::string::npos);
    CHECK(r.out.find("journal entries (previewed, not stored):") !=
          std::string::npos);
    CHECK(r.out.find("5.000 KWD  5.000 KWD\n") != std::string::npos);
  }
  SECTION("a request with its products is sent as it is") {
    h.stdin_text = R"({"contract": {"id": "ctr_1", "lines": [
        {"lineId": "L1", "productId": "prd_1"}]},
      "products": [{"id": "prd_1", "revenueRule": "REVENUE_RULE_RATABLE"}],
      "periodConvention": "PERIOD_CONVENTION_BY_MONTH_EVEN"})";
    h.hub.PreviewSchedule_answers.push_back(answer);
    Result r = h.Run({"revenue", "preview", "-"});
    REQUIRE(r.code == kExitOk);
    CHECK(h.hub.GetProduct_requests.empty());
    REQUIRE(h.hub.PreviewSchedule_requests.size() == 1);
    CHECK(h.hub.PreviewSchedule_requests[0].period_convention() ==
          canon::PERIOD_CONVENTION_BY_MONTH_EVEN);
  }
  SECTION("neither is a usage error naming both readings") {
    h.stdin_text = R"({"contrct": {}})";
    Result r = h.Run({"revenue", "preview", "-"});
    CHECK(r.code == kExitUsage);
    CHECK(r.err.find("neither a revhub.canonical.v1.Contract nor") !=
          std::string::npos);
    CHECK(r.err.find("contrct") != std::string::npos);
    CHECK(h.hub.calls == 0);
  }
}

TEST_CASE("revenue journal follows pages and prints debit and credit totals",
          "[revenue]") {
  Harness h;
  auto entry = [](const std::string& number, int64_t units) {
    canon::JournalEntry e;
    e.set_id(absl::StrCat("je_ctr_1_recognition_", number));
    e.set_entry_number(absl::StrCat("ctr_1-", number));
    e.set_period("2025-01");
    e.set_source_kind("recognition");
    auto* d = e.add_lines();
    d->set_account_role(canon::ACCOUNT_ROLE_DEFERRED_REVENUE);
    d->set_account("2400");
    d->mutable_debit()->set_currency_code("USD");
    d->mutable_debit()->set_units(units);
    auto* c = e.add_lines();
    c->set_account_role(canon::ACCOUNT_ROLE_REVENUE);
    c->set_account("4000");
    c->mutable_credit()->set_currency_code("USD");
    c->mutable_credit()->set_units(units);
    return e;
  };
  hubv1::ListJournalEntriesResponse first, second;
  *first.add_journal_entries() = entry("1", 10);
  first.set_next_page_token("t2");
  *second.add_journal_entries() = entry("2", 20);
  h.hub.ListJournalEntries_answers.push_back(first);
  h.hub.ListJournalEntries_answers.push_back(second);
  Result r = h.Run(
      {"revenue", "journal", "ctr_1", "--from", "2025-01", "--to", "2025-02"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.ListJournalEntries_requests.size() == 2);
  CHECK(h.hub.ListJournalEntries_requests[0].period_start() == "2025-01");
  CHECK(h.hub.ListJournalEntries_requests[0].period_end() == "2025-02");
  CHECK(h.hub.ListJournalEntries_requests[1].page_token() == "t2");
  // One id per entry: the journal entry's id, never its entry_number.
  CHECK(r.out.find("je_ctr_1_recognition_2  2025-01") != std::string::npos);
  CHECK(r.out.find("ctr_1-2") == std::string::npos);
  CHECK(r.out.find("30.00 USD  30.00 USD\n") != std::string::npos);
}

}  // namespace
}  // namespace revhub::cli
