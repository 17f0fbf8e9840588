// Starting workflows (hub/orchestration/starter.cc: StartWorkflowInTxn,
// ContractTriggerKey) and the store tables workflows, exceptions and
// postings live in.
#include <catch2/catch.hpp>

#include "hub/common/util.h"
#include "hub/exceptions/exceptions.h"
#include "hub/orchestration/config.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/orchestration/planner.h"
#include "tests/orchestration/temp_store.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using revhub::testing::TempDir;

TEST_CASE("workflows, exceptions and postings are stored and listed",
          "[orchestration][store]") {
  TempDir dir;
  auto store = Open(dir.path());
  OrchestrationConfig config;
  config.default_owner = "finance-ops";

  SECTION(
      "one workflow per trigger key; listed newest first; unfinished "
      "in start order") {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      REQUIRE(store
                  ->Write([&](WriteTxn& txn) -> absl::Status {
                    WorkflowStart start;
                    start.kind = hub::v1::WORKFLOW_KIND_BOOKING;
                    start.contract_id = i < 2 ? "ctr_a" : "ctr_b";
                    start.contract_version = i + 1;
                    start.trigger_key = ContractTriggerKey(
                        start.kind, start.contract_id, start.contract_version);
                    auto wf = StartWorkflowInTxn(txn, start);
                    if (!wf.ok()) return wf.status();
                    ids.push_back(wf->workflow_id());
                    return absl::OkStatus();
                  })
                  .ok());
    }
    CHECK(ids == std::vector<std::string>{"wf_1", "wf_2", "wf_3"});
    // The same key again gives the same workflow.
    std::string again;
    REQUIRE(store
                ->Write([&](WriteTxn& txn) -> absl::Status {
                  WorkflowStart start;
                  start.kind = hub::v1::WORKFLOW_KIND_BOOKING;
                  start.contract_id = "ctr_a";
                  start.contract_version = 1;
                  start.trigger_key =
                      ContractTriggerKey(start.kind, "ctr_a", 1);
                  auto wf = StartWorkflowInTxn(txn, start);
                  if (!wf.ok()) return wf.status();
                  again = wf->workflow_id();
                  return absl::OkStatus();
                })
                .ok());
    CHECK(again == "wf_1");

    auto got = store->GetWorkflow("wf_1");
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->state() == hub::v1::WORKFLOW_STATE_PENDING);
    REQUIRE((*got)->steps_size() == 2);
    CHECK((*got)->steps(0).name() == kStepConfirmSchedule);
    CHECK((*got)->steps(1).name() == kStepPlanPostings);

    // Complete wf_1: the unfinished list keeps start order without it.
    hub::v1::Workflow done = **got;
    done.set_state(hub::v1::WORKFLOW_STATE_COMPLETED);
    REQUIRE(
        store
            ->Write([&](WriteTxn& txn) { return txn.PutWorkflow(done, 0, ""); })
            .ok());
    auto unfinished = store->ListUnfinishedWorkflows();
    REQUIRE(unfinished.ok());
    REQUIRE(unfinished->size() == 2);
    CHECK((*unfinished)[0].workflow_id() == "wf_2");
    CHECK((*unfinished)[1].workflow_id() == "wf_3");

    WorkflowQuery q;
    q.contract_id = "ctr_a";
    q.page_size = 1;
    auto page = store->ListWorkflows(q);
    REQUIRE(page.ok());
    REQUIRE(page->workflows.size() == 1);
    CHECK(page->workflows[0].workflow_id() == "wf_2");
    REQUIRE_FALSE(page->next_page_token.empty());
    q.page_token = page->next_page_token;
    page = store->ListWorkflows(q);
    REQUIRE(page.ok());
    REQUIRE(page->workflows.size() == 1);
    CHECK(page->workflows[0].workflow_id() == "wf_1");
    CHECK(page->next_page_token.empty());
    q = WorkflowQuery();
    q.state = hub::v1::WORKFLOW_STATE_COMPLETED;
    page = store->ListWorkflows(q);
    REQUIRE(page.ok());
    REQUIRE(page->workflows.size() == 1);

    hub::v1::Workflow unknown;
    unknown.set_workflow_id("wf_404");
    CHECK(absl::IsNotFound(store->Write(
        [&](WriteTxn& txn) { return txn.PutWorkflow(unknown, 0, ""); })));
  }

  SECTION("exceptions get ids, owners, SLAs and filters") {
    for (auto kind : {hub::v1::EXCEPTION_KIND_POSTING_REJECTED,
                      hub::v1::EXCEPTION_KIND_RECORD_REJECTED}) {
      REQUIRE(store
                  ->Write([&](WriteTxn& txn) -> absl::Status {
                    hub::v1::Exception e;
                    e.set_kind(kind);
                    e.set_system("netsuite");
                    e.set_record_id(
                        kind == hub::v1::EXCEPTION_KIND_RECORD_REJECTED ? 7
                                                                        : 0);
                    return OpenException(txn, config, e, "hub").status();
                  })
                  .ok());
    }
    auto one = store->GetException(1);
    REQUIRE(one.ok());
    REQUIRE(one->has_value());
    CHECK((*one)->exception_id() == 1);
    CHECK((*one)->category() == hub::v1::EXCEPTION_CATEGORY_FINANCE);
    CHECK((*one)->owner() == "finance-ops");
    CHECK((*one)->state() == hub::v1::EXCEPTION_STATE_OPEN);
    CHECK(FromProto((*one)->sla_due_at()) - FromProto((*one)->created_at()) ==
          absl::Hours(24));
    REQUIRE((*one)->history_size() == 1);
    CHECK((*one)->history(0).action() == "opened");

    ExceptionQuery q;
    q.category = hub::v1::EXCEPTION_CATEGORY_METADATA;
    auto page = store->ListExceptions(q);
    REQUIRE(page.ok());
    REQUIRE(page->exceptions.size() == 1);
    CHECK(page->exceptions[0].record_id() == 7);
    auto open = store->Write([&](WriteTxn& txn) -> absl::Status {
      auto list = txn.ListOpenRecordExceptions(7);
      if (!list.ok()) return list.status();
      if (list->size() != 1) return absl::InternalError("expected one");
      hub::v1::Exception e = list->front();
      e.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
      return txn.PutException(e).status();
    });
    CHECK(open.ok());
    q = ExceptionQuery();
    page = store->ListExceptions(q);
    REQUIRE(page.ok());
    CHECK(page->exceptions.size() == 1);  // the resolved one is left out
    q.include_resolved = true;
    q.page_size = 1;
    page = store->ListExceptions(q);
    REQUIRE(page.ok());
    REQUIRE(page->exceptions.size() == 1);
    CHECK(page->exceptions[0].exception_id() == 1);  // oldest first
    REQUIRE_FALSE(page->next_page_token.empty());
    q.created_before = absl::Now() - absl::Hours(1);
    q.page_token.clear();
    page = store->ListExceptions(q);
    REQUIRE(page.ok());
    CHECK(page->exceptions.empty());
  }

  SECTION("a posting is recorded once; a customer's row follows it") {
    PostingRow row;
    row.target_system = "netsuite";
    row.external_id = "inv_1";
    row.contract_id = "ctr_a";
    row.entity_type = cv1::ENTITY_TYPE_INVOICE;
    row.entity_id = "inv_1";
    row.kind = "invoice";
    row.content_hash = "h1";
    row.posted_at = absl::Now();
    REQUIRE(store->Write([&](WriteTxn& txn) { return txn.RecordPosting(row); })
                .ok());
    CHECK(absl::IsAlreadyExists(
        store->Write([&](WriteTxn& txn) { return txn.RecordPosting(row); })));
    row.external_id = "cus_1";
    row.entity_type = cv1::ENTITY_TYPE_CUSTOMER;
    row.entity_id = "cus_1";
    row.kind = "customer";
    for (const char* hash : {"c1", "c2"}) {
      row.content_hash = hash;
      REQUIRE(
          store->Write([&](WriteTxn& txn) { return txn.ReplacePosting(row); })
              .ok());
    }
    auto rows = store->ListEntityPostings("netsuite", cv1::ENTITY_TYPE_CUSTOMER,
                                          "cus_1");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().content_hash == "c2");
    auto all = store->ListPostings("netsuite", "ctr_a");
    REQUIRE(all.ok());
    CHECK(all->size() == 2);
  }
}

}  // namespace
}  // namespace revhub::hub
