// The store conformance suite (conformance_test.cc): sequences and workflows.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/store.h"
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

// --- Workflows

hub::v1::Workflow Workflow(const std::string& id, const std::string& contract,
                           hub::v1::WorkflowKind kind,
                           hub::v1::WorkflowState state) {
  hub::v1::Workflow w;
  w.set_workflow_id(id);
  w.set_contract_id(contract);
  w.set_kind(kind);
  w.set_state(state);
  *w.mutable_updated_at() = TimeUtil::MicrosecondsToTimestamp(1000);
  return w;
}

TEST_CASE("sequences count from 1 per name", "[store][workflows]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(*txn.NextSequence("wf") == 1);
              CHECK(*txn.NextSequence("wf") == 2);
              CHECK(*txn.NextSequence("other") == 1);
              return absl::OkStatus();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(*txn.NextSequence("wf") == 3);
              return absl::OkStatus();
            }).ok());
  }
}

TEST_CASE("workflows: trigger keys are unique, updates replace",
          "[store][workflows]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    using hub::v1::WORKFLOW_KIND_BOOKING;
    using hub::v1::WORKFLOW_STATE_RUNNING;
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              return txn.PutWorkflow(
                  Workflow("wf_1", "ctr_a", WORKFLOW_KIND_BOOKING,
                           WORKFLOW_STATE_RUNNING),
                  1, "event:1");
            }).ok());
    CHECK(absl::IsAlreadyExists(W(*store, [&](WriteTxn& txn) {
      return txn.PutWorkflow(Workflow("wf_2", "ctr_a", WORKFLOW_KIND_BOOKING,
                                      WORKFLOW_STATE_RUNNING),
                             2, "event:1");
    })));
    // Empty keys never conflict.
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto st = txn.PutWorkflow(
                  Workflow("wf_2", "ctr_a", WORKFLOW_KIND_BOOKING,
                           WORKFLOW_STATE_RUNNING),
                  2, "");
              if (!st.ok()) return st;
              return txn.PutWorkflow(
                  Workflow("wf_3", "ctr_b", WORKFLOW_KIND_BOOKING,
                           WORKFLOW_STATE_RUNNING),
                  3, "");
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              CHECK(txn.FindWorkflowByTrigger("event:1")->value_or("") ==
                    "wf_1");
              CHECK_FALSE(txn.FindWorkflowByTrigger("event:2")->has_value());
              auto w = txn.GetWorkflow("wf_1");
              if (!w.ok()) return w.status();
              if (!w->has_value()) return absl::NotFoundError("wf_1");
              CHECK((*w)->contract_id() == "ctr_a");
              CHECK_FALSE(txn.GetWorkflow("wf_9")->has_value());
              hub::v1::Workflow done = **w;
              done.set_state(hub::v1::WORKFLOW_STATE_COMPLETED);
              done.set_trigger("changed");
              return txn.PutWorkflow(done, 0, "");
            }).ok());
    auto w1 = store->GetWorkflow("wf_1");
    REQUIRE(w1.ok());
    REQUIRE(w1->has_value());
    CHECK((*w1)->state() == hub::v1::WORKFLOW_STATE_COMPLETED);
    CHECK((*w1)->trigger() == "changed");
    CHECK_FALSE(store->GetWorkflow("wf_9")->has_value());
    // Replacing a workflow that does not exist.
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.PutWorkflow(Workflow("wf_9", "ctr_a", WORKFLOW_KIND_BOOKING,
                                      WORKFLOW_STATE_RUNNING),
                             0, "");
    })));
  }
}

TEST_CASE("workflows list unfinished in order, and in pages newest first",
          "[store][workflows][pages]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    using hub::v1::WORKFLOW_STATE_BLOCKED;
    using hub::v1::WORKFLOW_STATE_COMPLETED;
    using hub::v1::WORKFLOW_STATE_PENDING;
    using hub::v1::WORKFLOW_STATE_RUNNING;
    struct Row {
      const char* id;
      const char* contract;
      hub::v1::WorkflowKind kind;
      hub::v1::WorkflowState state;
    };
    const std::vector<Row> rows = {
        {"wf_1", "ctr_a", hub::v1::WORKFLOW_KIND_BOOKING,
         WORKFLOW_STATE_COMPLETED},
        {"wf_2", "ctr_b", hub::v1::WORKFLOW_KIND_BOOKING,
         WORKFLOW_STATE_RUNNING},
        {"wf_3", "ctr_a", hub::v1::WORKFLOW_KIND_AMENDMENT,
         WORKFLOW_STATE_BLOCKED},
        {"wf_4", "ctr_a", hub::v1::WORKFLOW_KIND_BILLING,
         WORKFLOW_STATE_PENDING},
        {"wf_5", "ctr_b", hub::v1::WORKFLOW_KIND_BILLING,
         WORKFLOW_STATE_COMPLETED},
    };
    // Inserted out of seq order: seq, not insertion, orders them.
    const std::vector<int64_t> seqs = {10, 20, 30, 40, 50};
    for (int i : {4, 2, 0, 3, 1}) {
      REQUIRE(W(*store, [&](WriteTxn& txn) {
                const Row& r = rows[i];
                return txn.PutWorkflow(
                    Workflow(r.id, r.contract, r.kind, r.state), seqs[i], "");
              }).ok());
    }
    auto ids = [](const std::vector<hub::v1::Workflow>& ws) {
      std::vector<std::string> out;
      for (const auto& w : ws) out.push_back(w.workflow_id());
      return out;
    };
    auto unfinished = store->ListUnfinishedWorkflows();
    REQUIRE(unfinished.ok());
    CHECK(ids(*unfinished) == std::vector<std::string>{"wf_2", "wf_3", "wf_4"});
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              CHECK(ids(*txn.ListUnfinishedWorkflows("ctr_a")) ==
                    std::vector<std::string>{"wf_3", "wf_4"});
              CHECK(ids(*txn.ListUnfinishedWorkflows("ctr_c")).empty());
              return absl::OkStatus();
            }).ok());

    WorkflowQuery q;
    q.page_size = 2;
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto page = store->ListWorkflows(q);
      REQUIRE(page.ok());
      CHECK(page->workflows.size() <= 2);
      for (const auto& w : page->workflows) seen.push_back(w.workflow_id());
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    CHECK(seen ==
          std::vector<std::string>{"wf_5", "wf_4", "wf_3", "wf_2", "wf_1"});
    WorkflowQuery by_contract;
    by_contract.contract_id = "ctr_b";
    CHECK(ids(store->ListWorkflows(by_contract)->workflows) ==
          std::vector<std::string>{"wf_5", "wf_2"});
    WorkflowQuery by_state;
    by_state.state = WORKFLOW_STATE_COMPLETED;
    CHECK(ids(store->ListWorkflows(by_state)->workflows) ==
          std::vector<std::string>{"wf_5", "wf_1"});
    WorkflowQuery by_kind;
    by_kind.kind = hub::v1::WORKFLOW_KIND_BILLING;
    by_kind.contract_id = "ctr_a";
    CHECK(ids(store->ListWorkflows(by_kind)->workflows) ==
          std::vector<std::string>{"wf_4"});
    WorkflowQuery bad;
    bad.page_token = "not a token!";
    CHECK(absl::IsInvalidArgument(store->ListWorkflows(bad).status()));
  }
}

}  // namespace
}  // namespace revhub::hub
