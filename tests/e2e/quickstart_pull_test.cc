// The README's pull-based quick start, run as written: the ```sh blocks
// between "<!-- quickstart-pull:begin -->" and "<!-- quickstart-pull:end
// -->" against the stack `./dev run` starts, whose Salesforce and Stripe
// emulators hold the linked quick-start data set. The hub pulls it
// (`revhub sync run`) instead of being sent it; the deal must end as the
// push-based quick start's first part does: one customer known to both
// vendors, one ACTIVE contract with a CONFIRMED schedule, every pulled
// record applied, no exception open.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "revhub/hub/v1/sync_service.grpc.pb.h"
#include "tests/e2e/dev_stack.h"
#include "tests/support/files.h"
#include "tests/support/rpc.h"

namespace revhub::testing {
namespace {

namespace v1 = ::revhub::hub::v1;
namespace canon = ::revhub::canonical::v1;

TEST_CASE(
    "the README's pull-based quick start pulls the deal from the "
    "emulators",
    "[readme][sync]") {
  const std::string readme = ReadFile(SourceDir() + "/README.md");
  const std::vector<std::string> blocks =
      ReadmeBlocks(readme, "quickstart-pull");
  INFO("README.md has " << blocks.size() << " pull quick-start blocks");
  REQUIRE(blocks.size() >= 1);

  TempDir dir;
  DevStack stack(dir);
  const bool started = stack.Start();
  INFO("dev-stack output:\n" << stack.output());
  REQUIRE(started);
  RunReadmeBlocks(stack, dir, blocks);
  auto channel = stack.channel();

  // Both systems' pulls caught up.
  auto sync = v1::SyncService::NewStub(channel);
  auto statuses = CallOk(*sync, &v1::SyncService::Stub::GetSyncStatus,
                         v1::GetSyncStatusRequest());
  REQUIRE(statuses.statuses_size() >= 4);
  for (const auto& s : statuses.statuses()) {
    INFO(s.system() << "/" << s.object_type() << ": " << s.last_error());
    CHECK(s.has_caught_up_at());
    CHECK(s.consecutive_errors() == 0);
  }

  // One customer, known to Salesforce and Stripe; one contract, confirmed.
  auto customers = v1::CustomerService::NewStub(channel);
  auto listed = CallOk(*customers, &v1::CustomerService::Stub::ListCustomers,
                       v1::ListCustomersRequest());
  REQUIRE(listed.customers_size() == 1);
  auto contracts = v1::ContractService::NewStub(channel);
  auto all_contracts =
      CallOk(*contracts, &v1::ContractService::Stub::ListContracts,
             v1::ListContractsRequest());
  REQUIRE(all_contracts.contracts_size() == 1);
  const canon::Contract& contract = all_contracts.contracts(0);
  CHECK(contract.status() == canon::CONTRACT_STATUS_ACTIVE);
  CHECK(contract.customer_id() == listed.customers(0).id());
  auto revenue = v1::RevenueService::NewStub(channel);
  v1::GetScheduleRequest schedule_req;
  schedule_req.set_contract_id(contract.id());
  auto schedule =
      CallOk(*revenue, &v1::RevenueService::Stub::GetSchedule, schedule_req);
  CHECK(schedule.schedule().status() ==
        canon::REVENUE_SCHEDULE_STATUS_CONFIRMED);

  // Every record pulled, none pushed, all applied or skipped.
  auto ingest = v1::IngestService::NewStub(channel);
  v1::ListRecordsRequest records_req;
  records_req.set_page_size(500);
  auto records =
      CallOk(*ingest, &v1::IngestService::Stub::ListRecords, records_req);
  REQUIRE(records.records_size() >= 8);
  for (const auto& r : records.records()) {
    INFO("record " << r.record_id() << " " << r.object_type() << " "
                   << v1::RecordStatus_Name(r.status()) << " "
                   << r.status_reason());
    CHECK(r.principal().rfind("sync:", 0) == 0);
    CHECK((r.status() == v1::RECORD_STATUS_APPLIED ||
           r.status() == v1::RECORD_STATUS_SKIPPED));
  }
  auto exceptions = v1::ExceptionService::NewStub(channel);
  auto open = CallOk(*exceptions, &v1::ExceptionService::Stub::ListExceptions,
                     v1::ListExceptionsRequest());
  for (const auto& e : open.exceptions())
    UNSCOPED_INFO("open exception " << e.exception_id() << ": " << e.error());
  CHECK(open.exceptions_size() == 0);
}

}  // namespace
}  // namespace revhub::testing
