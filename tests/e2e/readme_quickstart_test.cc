// The README's quick start, run as written. The ```sh blocks between
// "<!-- quickstart:begin -->" and "<!-- quickstart:end -->" in README.md are
// run one after the other with bash (-euo pipefail) in the source tree,
// against the stack `./dev run` starts (examples/dev-stack.sh: the NetSuite
// emulator, revhubd and the salesforce, stripe and netsuite systems) on a
// loopback port 0 with a fresh data directory. Before each block the test
// waits, as a reader would, until the hub is idle (no record RECEIVED, no
// workflow PENDING or RUNNING). Then it checks what the README promises
// through the hub's API and the emulator's control API: one customer, one
// ACTIVE contract (the upgrade its second version) with a CONFIRMED
// schedule, Stripe's customer and subscription bound to them, the invoices
// and payment linked to them, NetSuite holding the customer, the invoices
// and journal entries, every workflow COMPLETED, and no exception open.

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
#include "tests/e2e/dev_stack.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/rpc.h"
#include "tests/support/run.h"

namespace revhub::testing {
namespace {

namespace v1 = ::revhub::hub::v1;
namespace canon = ::revhub::canonical::v1;

TEST_CASE("the README's quick start runs as written and ends as it says",
          "[readme]") {
  const std::string readme = ReadFile(SourceDir() + "/README.md");
  const std::vector<std::string> blocks = ReadmeBlocks(readme, "quickstart");
  INFO("README.md has " << blocks.size() << " quick-start blocks");
  REQUIRE(blocks.size() >= 2);

  TempDir dir;
  DevStack stack(dir);
  const bool started = stack.Start();
  INFO("dev-stack output:\n" << stack.output());
  REQUIRE(started);
  auto channel = stack.channel();

  RunReadmeBlocks(stack, dir, blocks);
  WaitIdle(channel);

  // One customer, known to both Salesforce and Stripe.
  auto customers = v1::CustomerService::NewStub(channel);
  auto listed = CallOk(*customers, &v1::CustomerService::Stub::ListCustomers,
                       v1::ListCustomersRequest());
  REQUIRE(listed.customers_size() == 1);
  // Stripe's customer is the same one (bound to it by the matching rule and
  // Salesforce's authority), and so is Stripe's subscription the contract.
  v1::GetCustomerRequest by_stripe;
  by_stripe.mutable_external_ref()->set_system("stripe");
  by_stripe.mutable_external_ref()->set_object_type("customer");
  by_stripe.mutable_external_ref()->set_vendor_id("cus_QkNwAn7Y2bL0aR");
  auto stripe_customer =
      CallOk(*customers, &v1::CustomerService::Stub::GetCustomer, by_stripe);
  CHECK(stripe_customer.customer().id() == listed.customers(0).id());

  // One ACTIVE contract with a CONFIRMED schedule.
  auto contracts = v1::ContractService::NewStub(channel);
  auto all_contracts =
      CallOk(*contracts, &v1::ContractService::Stub::ListContracts,
             v1::ListContractsRequest());
  REQUIRE(all_contracts.contracts_size() == 1);
  const canon::Contract& contract = all_contracts.contracts(0);
  CHECK(contract.status() == canon::CONTRACT_STATUS_ACTIVE);
  CHECK(contract.customer_id() == listed.customers(0).id());
  v1::GetContractRequest by_subscription;
  by_subscription.mutable_external_ref()->set_system("stripe");
  by_subscription.mutable_external_ref()->set_object_type("subscription");
  by_subscription.mutable_external_ref()->set_vendor_id("sub_1QkNwAnSub00001");
  auto stripe_contract = CallOk(
      *contracts, &v1::ContractService::Stub::GetContract, by_subscription);
  CHECK(stripe_contract.contract().id() == contract.id());
  // The upgrade is the contract's second version, with its third line.
  CHECK(contract.version() == 2);
  CHECK(contract.lines_size() == 3);
  auto revenue = v1::RevenueService::NewStub(channel);
  v1::GetScheduleRequest schedule_req;
  schedule_req.set_contract_id(contract.id());
  auto schedule =
      CallOk(*revenue, &v1::RevenueService::Stub::GetSchedule, schedule_req);
  CHECK(schedule.schedule().status() ==
        canon::REVENUE_SCHEDULE_STATUS_CONFIRMED);

  // The invoices and the payment belong to them.
  auto invoices = v1::InvoiceService::NewStub(channel);
  auto all_invoices = CallOk(*invoices, &v1::InvoiceService::Stub::ListInvoices,
                             v1::ListInvoicesRequest());
  REQUIRE(all_invoices.invoices_size() >= 1);
  for (const auto& inv : all_invoices.invoices()) {
    INFO("invoice " << inv.id());
    CHECK(inv.contract_id() == contract.id());
    CHECK(inv.customer_id() == contract.customer_id());
  }
  auto payments = v1::PaymentService::NewStub(channel);
  auto all_payments = CallOk(*payments, &v1::PaymentService::Stub::ListPayments,
                             v1::ListPaymentsRequest());
  REQUIRE(all_payments.payments_size() >= 1);
  for (const auto& p : all_payments.payments()) {
    CHECK(p.customer_id() == contract.customer_id());
    REQUIRE(p.allocations_size() >= 1);
  }

  // Every record applied, every workflow completed, no exception open.
  auto ingest = v1::IngestService::NewStub(channel);
  auto records = CallOk(*ingest, &v1::IngestService::Stub::ListRecords,
                        v1::ListRecordsRequest());
  REQUIRE(records.records_size() >= 8);
  for (const auto& r : records.records()) {
    INFO("record " << r.record_id() << " " << r.object_type() << " "
                   << v1::RecordStatus_Name(r.status()) << " "
                   << r.status_reason());
    CHECK((r.status() == v1::RECORD_STATUS_APPLIED ||
           r.status() == v1::RECORD_STATUS_SKIPPED));
  }
  auto workflows = v1::WorkflowService::NewStub(channel);
  v1::ListWorkflowsRequest wf_req;
  wf_req.set_omit_payloads(true);
  auto all_workflows =
      CallOk(*workflows, &v1::WorkflowService::Stub::ListWorkflows, wf_req);
  REQUIRE(all_workflows.workflows_size() >= 1);
  for (const auto& wf : all_workflows.workflows()) {
    INFO("workflow " << wf.workflow_id() << " "
                     << v1::WorkflowState_Name(wf.state()));
    CHECK(wf.state() == v1::WORKFLOW_STATE_COMPLETED);
  }
  auto exceptions = v1::ExceptionService::NewStub(channel);
  auto open = CallOk(*exceptions, &v1::ExceptionService::Stub::ListExceptions,
                     v1::ListExceptionsRequest());
  for (const auto& e : open.exceptions())
    UNSCOPED_INFO("open exception " << e.exception_id() << ": " << e.error());
  CHECK(open.exceptions_size() == 0);

  // NetSuite (the emulator) holds the customer, the invoices and the
  // journal entries.
  CHECK(EmulatorRecords(stack.emulator(), "customer", dir.path()).size() == 1);
  CHECK(EmulatorRecords(stack.emulator(), "invoice", dir.path()).size() ==
        static_cast<size_t>(all_invoices.invoices_size()));
  CHECK(EmulatorRecords(stack.emulator(), "journalEntry", dir.path()).size() >=
        1);
}

}  // namespace
}  // namespace revhub::testing
