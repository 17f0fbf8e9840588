// Reconciliation end to end, the ERP losing records: a real revhubd, the
// real NetSuite adapter and the NetSuite emulator. The ledger says posted,
// NetSuite lost everything (a restart of an emulator without --data-dir);
// the next invoice of the same customer is rejected (its customer no
// longer exists in NetSuite); reconciliation finds what is missing with the
// amounts, a redelivery repairs it, the rejected posting then succeeds on
// retry, a rerun resolves everything, and nothing is posted twice.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "revhub/hub/v1/reconciliation_service.grpc.pb.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/e2e/reconciliation_support.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

bool Completed(const v1::Workflow& w) {
  return w.state() == v1::WORKFLOW_STATE_COMPLETED;
}

}  // namespace

TEST_CASE(
    "the ERP loses what the ledger says posted: reconciliation finds it, "
    "redelivery repairs it, the rejected invoice then posts",
    "[reconciliation][lost]") {
  HarnessOptions options;
  options.default_currency = "USD";
  Harness h(options);
  ContractSpec first_spec;
  first_spec.tag = "lost-a";
  first_spec.legal_entity = "acme-us";
  first_spec.start = "2026-10-01";
  BookedContract first = h.Book(first_spec);
  REQUIRE(h.WaitQuiet(seconds(90)));
  INFO(h.Explain());

  // Before: the ERP holds what the ledger says.
  v1::ReconciliationReport clean = Reconcile(h, "2026-10");
  INFO(Describe(clean));
  CHECK(OpenVariances(clean).empty());

  // NetSuite loses its records; the ledger still says posted.
  h.emulator().LoseRecords();
  ContractSpec second_spec = first_spec;
  second_spec.tag = "lost-b";
  second_spec.customer = first.customer;
  BookedContract second = h.Book(second_spec);
  REQUIRE(h.WaitWorkflow(
      second.workflow_id,
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_BLOCKED;
      },
      seconds(60)));
  auto rejected = h.Exceptions(OpenExceptions(second.contract.id()));
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].kind() == v1::EXCEPTION_KIND_POSTING_REJECTED);
  CHECK(rejected[0].step_name() == "post_invoice");
  // Why it is rejected forever: the invoice names the customer by the
  // NetSuite id the ledger recorded, and NetSuite no longer has it.
  CHECK(rejected[0].field_path() == "entity");
  CHECK(absl::StrContains(rejected[0].error(), "customer does not exist"));

  // Reconciliation finds what NetSuite lacks, with the amounts.
  v1::ReconciliationReport lost = Reconcile(h, "2026-10");
  INFO(Describe(lost));
  std::map<std::string, v1::Variance> missing;  // by hub entity id
  for (const v1::Variance& v : OpenVariances(lost)) {
    CHECK(v.category() == v1::VARIANCE_CATEGORY_MISSING_IN_ERP);
    missing[v.entity().id()] = v;
  }
  REQUIRE(missing.count(first.customer.id()) == 1);
  REQUIRE(missing.count(first.invoice.id()) == 1);
  const v1::Variance& invoice_var = missing[first.invoice.id()];
  CHECK(FormatMoney(invoice_var.amount_at_stake()) == "12000.00 USD");
  CHECK(FormatMoney(invoice_var.hub_amount()) == "12000.00 USD");
  CHECK(FormatMoney(invoice_var.other_amount()) == "0.00 USD");
  CHECK(invoice_var.contract_id() == first.contract.id());
  CHECK(invoice_var.target_system() == "netsuite");
  CHECK(invoice_var.external_id() == first.invoice.id());
  // The October recognition entry of the first contract is missing too.
  const std::string october =
      "je_" + first.contract.id() + "_recognition_2026-10";
  bool entry_missing = false;
  for (const auto& [id, v] : missing)
    entry_missing = entry_missing || v.external_id() == october;
  CHECK(entry_missing);
  // Each is a RECONCILIATION_VARIANCE exception with an owner and the money.
  v1::ListExceptionsRequest by_kind;
  by_kind.set_kind(v1::EXCEPTION_KIND_RECONCILIATION_VARIANCE);
  auto variance_exceptions = h.Exceptions(by_kind);
  CHECK(variance_exceptions.size() == missing.size());
  for (const v1::Exception& e : variance_exceptions) {
    CHECK(e.category() == v1::EXCEPTION_CATEGORY_FINANCE);
    CHECK(e.owner() == "revenue-accounting");
    if (e.entity().id() == first.invoice.id())
      CHECK(FormatMoney(e.amount_at_stake()) == "12000.00 USD");
  }

  // A rerun updates, never duplicates.
  v1::ReconciliationReport again = Reconcile(h, "2026-10");
  REQUIRE(OpenVariances(again).size() == missing.size());
  for (const v1::Variance& v : OpenVariances(again)) {
    REQUIRE(missing.count(v.entity().id()) == 1);
    CHECK(missing[v.entity().id()].variance_id() == v.variance_id());
    CHECK(missing[v.entity().id()].exception_id() == v.exception_id());
  }
  by_kind.set_include_resolved(true);
  CHECK(h.Exceptions(by_kind).size() == missing.size());

  // Redeliver the invoice: its customer, missing too, goes first.
  v1::RedeliverVarianceRequest redeliver;
  redeliver.set_variance_id(invoice_var.variance_id());
  redeliver.set_note("NetSuite was restored from an old backup");
  v1::RedeliverVarianceResponse redelivered;
  REQUIRE_GRPC_OK(h.Call(&v1::ReconciliationService::Stub::RedeliverVariance,
                         redeliver, &redelivered));
  REQUIRE(redelivered.workflow_ids_size() == 1);
  const std::string repair = redelivered.workflow_ids(0);
  REQUIRE(h.WaitWorkflow(repair, Completed, seconds(60)));
  v1::Workflow repaired = h.GetWorkflow(repair);
  CHECK(repaired.kind() == v1::WORKFLOW_KIND_REDELIVERY);
  REQUIRE(repaired.steps_size() == 2);
  CHECK(repaired.steps(0).name() == "sync_customer");
  CHECK(repaired.steps(1).name() == "post_invoice");

  // The rejected posting now succeeds when retried.
  v1::RetryExceptionRequest retry;
  retry.set_exception_id(rejected[0].exception_id());
  v1::RetryExceptionResponse retried;
  REQUIRE_GRPC_OK(
      h.Call(&v1::ExceptionService::Stub::RetryException, retry, &retried));
  REQUIRE(h.WaitWorkflow(second.workflow_id, Completed, seconds(60)));

  // Redeliver the rest (the journal entries) and rerun.
  for (const auto& [id, v] : missing) {
    if (id == first.invoice.id() || id == first.customer.id()) continue;
    v1::RedeliverVarianceRequest req;
    req.set_variance_id(v.variance_id());
    v1::RedeliverVarianceResponse resp;
    REQUIRE_GRPC_OK(h.Call(&v1::ReconciliationService::Stub::RedeliverVariance,
                           req, &resp));
    REQUIRE(h.WaitWorkflow(resp.workflow_ids(0), Completed, seconds(60)));
  }
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  v1::ReconciliationReport after = Reconcile(h, "2026-10");
  INFO(Describe(after));
  CHECK(OpenVariances(after).empty());
  int resolved = 0;
  for (const v1::Variance& v : after.variances()) {
    if (missing.count(v.entity().id()) &&
        v.state() == v1::VARIANCE_STATE_RESOLVED)
      ++resolved;
  }
  CHECK(resolved == static_cast<int>(missing.size()));
  for (const v1::Exception& e : h.Exceptions(by_kind))
    CHECK(e.state() == v1::EXCEPTION_STATE_RESOLVED);

  // Nothing twice in NetSuite: one record per external id of every type.
  adapter::Json all = h.emulator().AllRecords();
  for (auto& [type, records] : all.items()) {
    std::map<std::string, int> by_eid;
    for (auto& [id, record] : records.items()) {
      if (record.contains("externalId"))
        ++by_eid[record["externalId"].get<std::string>()];
    }
    for (const auto& [eid, n] : by_eid) {
      INFO(type << " " << eid);
      CHECK(n == 1);
    }
  }
  CHECK(h.emulator().Records("invoice").count(first.invoice.id()) == 1);
  CHECK(h.emulator().Records("invoice").count(second.invoice.id()) == 1);
}

}  // namespace revhub::testing::orch
