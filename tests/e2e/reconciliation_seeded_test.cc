// Reconciliation end to end, a seeded period: every category produced for
// real (records changed in NetSuite by hand, billing without a booking, a
// booking without billing), accept with and without a reason, reruns that
// update and never duplicate, the CLI's --json and --csv, and the NetSuite
// emulator keeping its records across a restart with --data-dir.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "revhub/hub/v1/reconciliation_service.grpc.pb.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/e2e/reconciliation_support.h"
#include "tests/support/auth.h"
#include "tests/support/files.h"
#include "tests/support/run.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

constexpr char kToken[] = "ns-reconciliation-token";

// Changes NetSuite's record `type`/eid:`eid` as a person in NetSuite would.
void EditInNetSuite(Harness& h, const std::string& type, const std::string& eid,
                    const std::function<void(Json&)>& edit) {
  Json record = h.emulator().Records(type).at(eid);
  edit(record);
  REQUIRE(h.emulator().SendRecord("PUT", type + "/eid:" + eid,
                                  adapter::DumpExactJson(record)) == 204);
}

cv1::Invoice OctoberInvoice(const BookedContract& b, const std::string& number,
                            const std::string& contract_id, int64_t cents) {
  cv1::Invoice inv;
  inv.set_customer_id(b.customer.id());
  inv.set_contract_id(contract_id);
  inv.set_kind(cv1::INVOICE_KIND_INVOICE);
  inv.set_status(cv1::INVOICE_STATUS_OPEN);
  inv.set_invoice_number(number);
  inv.set_currency_code("USD");
  inv.set_legal_entity("acme-us");
  *inv.mutable_issued_at() = Day("2026-10-15");
  *inv.mutable_effective_at() = Day("2026-10-15");
  auto* line = inv.add_lines();
  line->set_line_id("1");
  line->set_product_id(b.product.id());
  *line->mutable_amount() = Cents("USD", cents);
  *inv.mutable_total() = Cents("USD", cents);
  return inv;
}

std::map<v1::VarianceCategory, std::vector<v1::Variance>> ByCategory(
    const v1::ReconciliationReport& r) {
  std::map<v1::VarianceCategory, std::vector<v1::Variance>> out;
  for (const v1::Variance& v : OpenVariances(r)) out[v.category()].push_back(v);
  return out;
}

bool HasRef(const v1::Variance& v, const std::string& side) {
  for (const auto& r : v.refs())
    if (r.side() == side) return true;
  return false;
}

}  // namespace

TEST_CASE("a seeded period: every category, accept, rerun, CLI",
          "[reconciliation][seeded]") {
  HarnessOptions options;
  options.default_currency = "USD";
  Harness h(options);
  ContractSpec spec;
  spec.tag = "seed-a";
  spec.legal_entity = "acme-us";
  spec.start = "2026-10-01";
  BookedContract a = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(90)));
  const std::string october = "je_" + a.contract.id() + "_recognition_2026-10";
  const std::string customer_vendor_id =
      h.emulator().Records("customer").at(a.customer.id())["id"];

  // In NetSuite by hand: the invoice's amount changed, the October entry
  // moved to November, and a second invoice keyed in with the same number.
  EditInNetSuite(h, "invoice", a.invoice.id(), [](Json& r) {
    r["item"]["items"][0]["amount"] = adapter::ExactNumber("11500.00");
  });
  EditInNetSuite(h, "journalEntry", october,
                 [](Json& r) { r["tranDate"] = "2026-11-02"; });
  Json duplicate = {
      {"externalId", "manual-entry-1"},
      {"tranId", "INV-seed-a"},
      {"tranDate", "2026-10-01"},
      {"entity", {{"id", customer_vendor_id}}},
      {"item",
       {{"items",
         Json::array({{{"item", {{"id", "77"}}},
                       {"amount", adapter::ExactNumber("12000.00")}}})}}}};
  REQUIRE(h.emulator().SendRecord("POST", "invoice",
                                  adapter::DumpExactJson(duplicate)) == 204);

  // Billing without a booking, a booking without billing.
  h.UpsertInvoice(OctoberInvoice(a, "INV-NOCONTRACT", "", 50000),
                  "seed-unlinked");
  cv1::Contract draft = a.contract;
  draft.clear_id();
  draft.clear_version();
  draft.clear_recorded_at();
  draft.set_status(cv1::CONTRACT_STATUS_DRAFT);
  draft.set_contract_number("CN-draft");
  cv1::Contract unbooked = h.UpsertContract(draft, "seed-draft");
  h.UpsertInvoice(OctoberInvoice(a, "INV-DRAFT", unbooked.id(), 70000),
                  "seed-draft-inv");
  draft.set_contract_number("CN-unbilled");
  cv1::Contract unbilled = h.UpsertContract(draft, "seed-unbilled");
  v1::BookContractRequest book;
  *book.mutable_contract() = unbilled;
  book.mutable_contract()->set_status(cv1::CONTRACT_STATUS_ACTIVE);
  book.mutable_contract()->clear_version();
  book.mutable_contract()->clear_recorded_at();
  book.set_idempotency_key("seed-book-unbilled");
  v1::BookContractResponse booked;
  REQUIRE_GRPC_OK(
      h.Call(&v1::ContractLifecycleService::Stub::BookContract, book, &booked));
  REQUIRE(h.WaitQuiet(seconds(90), 2));
  // And NetSuite loses its customers.
  h.emulator().LoseRecords("customer");

  v1::ReconciliationReport report = Reconcile(h, "2026-10");
  INFO(Describe(report));
  auto by = ByCategory(report);
  REQUIRE(by[v1::VARIANCE_CATEGORY_AMOUNT_DIFFERS].size() == 1);
  const v1::Variance differs = by[v1::VARIANCE_CATEGORY_AMOUNT_DIFFERS][0];
  CHECK(FormatMoney(differs.amount_at_stake()) == "500.00 USD");
  CHECK(FormatMoney(differs.hub_amount()) == "12000.00 USD");
  CHECK(FormatMoney(differs.other_amount()) == "11500.00 USD");
  CHECK(HasRef(differs, "hub"));
  CHECK(HasRef(differs, "erp"));
  REQUIRE(by[v1::VARIANCE_CATEGORY_TIMING].size() == 1);
  CHECK(by[v1::VARIANCE_CATEGORY_TIMING][0].external_id() == october);
  REQUIRE(by[v1::VARIANCE_CATEGORY_POSTED_TWICE].size() == 1);
  CHECK(FormatMoney(
            by[v1::VARIANCE_CATEGORY_POSTED_TWICE][0].amount_at_stake()) ==
        "12000.00 USD");
  CHECK(by[v1::VARIANCE_CATEGORY_POSTED_TWICE][0].refs_size() == 2);
  REQUIRE(by[v1::VARIANCE_CATEGORY_UNLINKED_INVOICE].size() == 1);
  CHECK(FormatMoney(
            by[v1::VARIANCE_CATEGORY_UNLINKED_INVOICE][0].amount_at_stake()) ==
        "500.00 USD");
  REQUIRE(by[v1::VARIANCE_CATEGORY_BILLED_NOT_BOOKED].size() == 1);
  CHECK(by[v1::VARIANCE_CATEGORY_BILLED_NOT_BOOKED][0].contract_id() ==
        unbooked.id());
  REQUIRE(by[v1::VARIANCE_CATEGORY_BOOKED_NOT_BILLED].size() == 1);
  CHECK(by[v1::VARIANCE_CATEGORY_BOOKED_NOT_BILLED][0].contract_id() ==
        unbilled.id());
  CHECK(FormatMoney(
            by[v1::VARIANCE_CATEGORY_BOOKED_NOT_BILLED][0].amount_at_stake()) ==
        "12000.00 USD");
  REQUIRE(by[v1::VARIANCE_CATEGORY_MISSING_IN_ERP].size() == 1);
  CHECK(by[v1::VARIANCE_CATEGORY_MISSING_IN_ERP][0].entity().id() ==
        a.customer.id());
  // Totals by category and currency; sides on all four.
  int64_t open = 0;
  for (const auto& t : report.totals()) open += t.count();
  CHECK(open == static_cast<int64_t>(OpenVariances(report).size()));
  std::set<std::string> sides;
  for (const auto& s : report.sides()) sides.insert(s.side());
  CHECK(sides == std::set<std::string>{"billing", "crm", "erp", "hub"});

  // Accept: a reason is required, and named.
  v1::AcceptVarianceRequest accept;
  accept.set_variance_id(by[v1::VARIANCE_CATEGORY_TIMING][0].variance_id());
  v1::AcceptVarianceResponse accepted;
  grpc::Status no_reason = h.Call(
      &v1::ReconciliationService::Stub::AcceptVariance, accept, &accepted);
  CHECK(no_reason.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StartsWith(no_reason.error_message(), "reason"));
  accept.set_reason("October's entry was booked on 2 November by hand");
  REQUIRE_GRPC_OK(h.Call(&v1::ReconciliationService::Stub::AcceptVariance,
                         accept, &accepted));
  CHECK(accepted.variance().state() == v1::VARIANCE_STATE_ACCEPTED);
  v1::GetExceptionRequest get_ex;
  get_ex.set_exception_id(accepted.variance().exception_id());
  v1::GetExceptionResponse got_ex;
  REQUIRE_GRPC_OK(
      h.Call(&v1::ExceptionService::Stub::GetException, get_ex, &got_ex));
  CHECK(got_ex.exception().state() == v1::EXCEPTION_STATE_RESOLVED);
  // Redelivery is for MISSING_IN_ERP only.
  v1::RedeliverVarianceRequest wrong;
  wrong.set_variance_id(differs.variance_id());
  v1::RedeliverVarianceResponse none;
  CHECK(
      h.Call(&v1::ReconciliationService::Stub::RedeliverVariance, wrong, &none)
          .error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // A rerun: the same variances, the accepted one stays accepted, no new
  // exceptions.
  v1::ListExceptionsRequest by_kind;
  by_kind.set_kind(v1::EXCEPTION_KIND_RECONCILIATION_VARIANCE);
  by_kind.set_include_resolved(true);
  const size_t exceptions_before = h.Exceptions(by_kind).size();
  // A variance's exception has nothing to run again; resolved by hand while
  // the difference stays, the rerun opens the same one again.
  const v1::Variance unlinked = by[v1::VARIANCE_CATEGORY_UNLINKED_INVOICE][0];
  v1::RetryExceptionRequest retry;
  retry.set_exception_id(unlinked.exception_id());
  v1::RetryExceptionResponse retried;
  CHECK(h.Call(&v1::ExceptionService::Stub::RetryException, retry, &retried)
            .error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  v1::ResolveExceptionRequest resolve;
  resolve.set_exception_id(unlinked.exception_id());
  resolve.set_reason("looked at it");
  v1::ResolveExceptionResponse resolved;
  REQUIRE_GRPC_OK(h.Call(&v1::ExceptionService::Stub::ResolveException, resolve,
                         &resolved));
  v1::ReconciliationReport rerun = Reconcile(h, "2026-10");
  get_ex.set_exception_id(unlinked.exception_id());
  REQUIRE_GRPC_OK(
      h.Call(&v1::ExceptionService::Stub::GetException, get_ex, &got_ex));
  CHECK(got_ex.exception().state() == v1::EXCEPTION_STATE_OPEN);
  CHECK(OpenVariances(rerun).size() + 1 == OpenVariances(report).size());
  std::set<std::string> first_ids, second_ids;
  for (const auto& v : report.variances()) first_ids.insert(v.variance_id());
  for (const auto& v : rerun.variances()) second_ids.insert(v.variance_id());
  CHECK(first_ids == second_ids);
  CHECK(h.Exceptions(by_kind).size() == exceptions_before);
  v1::ListVariancesRequest list;
  list.set_period("2026-10");
  list.set_state(v1::VARIANCE_STATE_ACCEPTED);
  v1::ListVariancesResponse listed;
  REQUIRE_GRPC_OK(
      h.Call(&v1::ReconciliationService::Stub::ListVariances, list, &listed));
  REQUIRE(listed.variances_size() == 1);
  CHECK(listed.variances(0).accepted_reason() ==
        "October's entry was booked on 2 November by hand");

  // The CLI: the table, --json and --csv of the same run.
  TempDir scratch;
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinDir() + "/revhub", "--hub", h.hub().address(),
                               "--token", ReadAdminToken(h.hub().data_dir())});
    return RunProgram(std::move(args), scratch.path());
  };
  RunResult table = cli({"reconcile", "--period", "2026-10"});
  INFO(table.err);
  REQUIRE(table.code == 0);
  CHECK(absl::StrContains(table.out, "AMOUNT_DIFFERS"));
  CHECK(absl::StrContains(table.out, "500.00 USD"));
  // The report as a person sees it, for the docs and the log.
  std::cout << "$ revhub reconcile --period 2026-10\n"
            << table.out << std::flush;
  RunResult json = cli({"--json", "reconcile", "--period", "2026-10"});
  REQUIRE(json.code == 0);
  nlohmann::json doc = nlohmann::json::parse(json.out);
  CHECK(doc["report"]["period"] == "2026-10");
  CHECK(doc["report"]["variances"].size() == rerun.variances_size());
  RunResult csv = cli({"reconcile", "show", "--period", "2026-10", "--csv"});
  REQUIRE(csv.code == 0);
  std::vector<std::string> lines =
      absl::StrSplit(csv.out, "\r\n", absl::SkipEmpty());
  REQUIRE(lines.size() == static_cast<size_t>(rerun.variances_size()) + 1);
  CHECK(absl::StartsWith(lines[0], "period,variance_id,category,state"));
  CHECK(absl::StrContains(csv.out, ",AMOUNT_DIFFERS,OPEN,USD,500.00,"));
  RunResult no_reason_cli =
      cli({"reconcile", "accept", differs.variance_id(), "--reason", ""});
  CHECK(no_reason_cli.code != 0);
  CHECK(absl::StrContains(no_reason_cli.err, "reason"));
}

TEST_CASE("the NetSuite emulator keeps its records in --data-dir",
          "[reconciliation][emulator]") {
  TempDir data;
  std::string eid = "cus_persist_1";
  {
    NetSuiteEmulator first(kToken, data.path());
    REQUIRE(first.SendRecord("PUT", "customer/eid:" + eid,
                             R"({"companyName": "Kept Ltd"})") == 204);
  }
  NetSuiteEmulator again(kToken, data.path());
  auto customers = again.Records("customer");
  REQUIRE(customers.count(eid) == 1);
  CHECK(customers[eid]["companyName"] == "Kept Ltd");
  // A second record gets a new internal id, never one already used.
  REQUIRE(again.SendRecord("PUT", "customer/eid:cus_persist_2",
                           R"({"companyName": "Next Ltd"})") == 204);
  auto both = again.Records("customer");
  CHECK(both["cus_persist_2"]["id"] != both[eid]["id"]);
  // Lost records stay lost after a restart too.
  again.LoseRecords();
  NetSuiteEmulator third(kToken, data.path());
  CHECK(third.Records("customer").empty());
}

}  // namespace revhub::testing::orch
