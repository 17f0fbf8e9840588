// The orchestration APIs against a real revhubd: the process API's
// validation and idempotency, workflows started from events and from the
// API without doubles, per-contract order, and the exception queue's
// actions on a delivery that cannot succeed (an ERP that is unreachable:
// transient failures until the retry budget is spent, then a dead letter).
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

using google::protobuf::util::TimeUtil;

// The orchestration config of these tests: dead letters to
// integration-oncall, finance failures to revenue-accounting.
struct OrchestrationConfig {
  TempDir config_dir;
  std::string path = config_dir.path() + "/orchestration.json";
  OrchestrationConfig() {
    std::ofstream(path)
        << R"({"routing": [{"kind": "DEAD_LETTER", "owner": "integration-oncall"},
                           {"category": "FINANCE", "owner": "revenue-accounting"}],
               "sla": {"FINANCE": "2h"}})";
  }
};

struct OrchestrationHub : OrchestrationConfig, Hub {
  OrchestrationHub() : Hub({"--orchestration-config", path}) {}

  // An ERP whose adapter cannot reach its vendor: every Apply is a RETRY,
  // and the retry budget is small.
  void RegisterUnreachableErp() { Register(*registry, UnreachableErp()); }

  std::string Customer() {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Acme");
    req.mutable_customer()->set_currency_code("USD");
    return CallOk(*customers, &v1::CustomerService::Stub::UpsertCustomer, req)
        .customer()
        .id();
  }

  std::string Product() {
    v1::UpsertProductRequest req;
    req.mutable_product()->set_name("Platform");
    req.mutable_product()->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
    return CallOk(*products, &v1::ProductService::Stub::UpsertProduct, req)
        .product()
        .id();
  }

  v1::Workflow Workflow(const std::string& id) {
    v1::GetWorkflowRequest req;
    req.set_workflow_id(id);
    return CallOk(*workflows, &v1::WorkflowService::Stub::GetWorkflow, req)
        .workflow();
  }

  // Polls until pred(workflow) or 20 s.
  template <typename Pred>
  v1::Workflow AwaitWorkflow(const std::string& id, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    v1::Workflow wf;
    while (std::chrono::steady_clock::now() < deadline) {
      wf = Workflow(id);
      if (pred(wf)) return wf;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("workflow " << id << " did not get there: " << wf.DebugString());
    return wf;
  }
};

cv1::Contract NewContract(const std::string& customer,
                          const std::string& product) {
  cv1::Contract c;
  c.set_customer_id(customer);
  c.set_currency_code("USD");
  c.set_legal_entity("acme-us");
  auto* l = c.add_lines();
  l->set_line_id("1");
  l->set_product_id(product);
  l->mutable_quantity()->set_units(1);
  l->mutable_unit_price()->set_currency_code("USD");
  l->mutable_unit_price()->set_units(1200);
  *l->mutable_service_period()->mutable_start_time() =
      TimeUtil::SecondsToTimestamp(1735689600);  // 2025-01-01
  *l->mutable_service_period()->mutable_end_time() =
      TimeUtil::SecondsToTimestamp(1767225600);  // 2026-01-01
  return c;
}

bool Completed(const v1::Workflow& w) {
  return w.state() == v1::WORKFLOW_STATE_COMPLETED;
}

TEST_CASE(
    "the process API validates, answers a workflow id at once, and "
    "starts one workflow per change",
    "[orchestration][integration]") {
  OrchestrationHub hub;
  const std::string customer = hub.Customer();
  const std::string product = hub.Product();

  SECTION("bad requests name the field and store nothing") {
    v1::BookContractRequest req;
    *req.mutable_contract() = NewContract(customer, product);
    req.mutable_contract()->set_status(cv1::CONTRACT_STATUS_CANCELLED);
    v1::BookContractResponse resp;
    auto st = hub.lifecycle->BookContract(Ctx().get(), req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message().rfind("contract.status:", 0) == 0);

    *req.mutable_contract() = NewContract(customer, product);
    req.mutable_contract()->mutable_lines(0)->set_product_id("prd_nope");
    st = hub.lifecycle->BookContract(Ctx().get(), req, &resp);
    CHECK_FALSE(st.ok());
    CHECK(st.error_message().find("product_id") != std::string::npos);

    v1::CancelContractRequest cancel;
    cancel.set_contract_id("ctr_nope");
    v1::CancelContractResponse cancelled;
    st = hub.lifecycle->CancelContract(Ctx().get(), cancel, &cancelled);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message().rfind("cancelled_at: required", 0) == 0);
    *cancel.mutable_cancelled_at() = TimeUtil::SecondsToTimestamp(1751328000);
    st = hub.lifecycle->CancelContract(Ctx().get(), cancel, &cancelled);
    CHECK(st.error_message().rfind("reason: required", 0) == 0);
    cancel.set_reason("churn");
    st = hub.lifecycle->CancelContract(Ctx().get(), cancel, &cancelled);
    CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);

    v1::ListWorkflowsRequest list;
    v1::ListWorkflowsResponse listed;
    REQUIRE(hub.workflows->ListWorkflows(Ctx().get(), list, &listed).ok());
    CHECK(listed.workflows_size() == 0);
    v1::ListContractsRequest lc;
    v1::ListContractsResponse contracts;
    REQUIRE(hub.contracts->ListContracts(Ctx().get(), lc, &contracts).ok());
    CHECK(contracts.contracts_size() == 0);
  }

  SECTION(
      "book, amend and cancel: one workflow each, in order, completed "
      "without an ERP registered") {
    v1::BookContractRequest req;
    *req.mutable_contract() = NewContract(customer, product);
    req.set_idempotency_key("book-1");
    v1::BookContractResponse booked;
    auto st = hub.lifecycle->BookContract(Ctx().get(), req, &booked);
    REQUIRE(st.error_message() == "");
    CHECK_FALSE(booked.workflow_id().empty());
    CHECK(booked.contract().status() == cv1::CONTRACT_STATUS_ACTIVE);
    // The same key: the same answer, no second workflow.
    v1::BookContractResponse again;
    REQUIRE(hub.lifecycle->BookContract(Ctx().get(), req, &again).ok());
    CHECK(again.workflow_id() == booked.workflow_id());
    // Booking an ACTIVE contract again is refused.
    req.set_idempotency_key("");
    req.mutable_contract()->set_id(booked.contract().id());
    st = hub.lifecycle->BookContract(Ctx().get(), req, &again);
    CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(st.error_message().find("AmendContract") != std::string::npos);

    v1::AmendContractRequest amend;
    *amend.mutable_contract() = NewContract(customer, product);
    amend.mutable_contract()->set_id(booked.contract().id());
    amend.mutable_contract()->mutable_lines(0)->mutable_quantity()->set_units(
        2);
    amend.set_expected_version(1);
    v1::AmendContractResponse amended;
    st = hub.lifecycle->AmendContract(Ctx().get(), amend, &amended);
    REQUIRE(st.error_message() == "");
    CHECK(amended.contract().version() == 2);
    // A stale expected version is refused.
    st = hub.lifecycle->AmendContract(Ctx().get(), amend, &amended);
    CHECK(st.error_code() == grpc::StatusCode::ABORTED);

    v1::CancelContractRequest cancel;
    cancel.set_contract_id(booked.contract().id());
    *cancel.mutable_cancelled_at() = TimeUtil::SecondsToTimestamp(1751328000);
    cancel.set_reason("customer churned");
    v1::CancelContractResponse cancelled;
    st = hub.lifecycle->CancelContract(Ctx().get(), cancel, &cancelled);
    REQUIRE(st.error_message() == "");
    CHECK(cancelled.contract().status() == cv1::CONTRACT_STATUS_CANCELLED);

    auto last = hub.AwaitWorkflow(cancelled.workflow_id(), Completed);
    CHECK(last.kind() == v1::WORKFLOW_KIND_CANCELLATION);
    CHECK(Completed(hub.Workflow(booked.workflow_id())));
    CHECK(Completed(hub.Workflow(amended.workflow_id())));
    // Started in order, completed in order, and each confirmed a schedule.
    const auto b = hub.Workflow(booked.workflow_id());
    const auto a = hub.Workflow(amended.workflow_id());
    CHECK(TimeUtil::TimestampToMicroseconds(b.completed_at()) <=
          TimeUtil::TimestampToMicroseconds(a.completed_at()));
    CHECK(TimeUtil::TimestampToMicroseconds(a.completed_at()) <=
          TimeUtil::TimestampToMicroseconds(last.completed_at()));
    CHECK(b.steps(0).name() == "confirm_schedule");
    CHECK(b.steps(0).state() == v1::STEP_STATE_SKIPPED);
    CHECK(b.steps(0).detail().rfind("no ERP system is registered", 0) == 0);
    CHECK(b.steps(1).detail() == "no ERP system is registered");

    // The events of these changes started nothing more (same keys).
    v1::ListWorkflowsRequest list;
    list.set_contract_id(booked.contract().id());
    v1::ListWorkflowsResponse listed;
    REQUIRE(hub.workflows->ListWorkflows(Ctx().get(), list, &listed).ok());
    CHECK(listed.workflows_size() == 3);
  }
}

TEST_CASE(
    "a delivery that keeps failing is dead-lettered with an owner; "
    "resolve lets the workflow go on; other contracts are not held",
    "[orchestration][integration]") {
  OrchestrationHub hub;
  hub.RegisterUnreachableErp();
  grpc::Status st;

  const std::string customer = hub.Customer();
  const std::string product = hub.Product();
  v1::BookContractRequest req;
  *req.mutable_contract() = NewContract(customer, product);
  v1::BookContractResponse booked;
  REQUIRE(hub.lifecycle->BookContract(Ctx().get(), req, &booked).ok());

  auto blocked = hub.AwaitWorkflow(booked.workflow_id(), [](const auto& w) {
    return w.state() == v1::WORKFLOW_STATE_BLOCKED;
  });
  // The first delivery (the customer) used up its budget.
  REQUIRE(blocked.steps_size() > 2);
  const auto& step = blocked.steps(2);
  CHECK(step.name() == "sync_customer");
  CHECK(step.state() == v1::STEP_STATE_DEAD_LETTERED);
  CHECK(step.attempts() == 3);
  CHECK_FALSE(step.last_error().empty());
  CHECK(step.exception_id() > 0);
  // Later steps did not run.
  for (int i = 3; i < blocked.steps_size(); ++i) {
    CHECK(blocked.steps(i).state() == v1::STEP_STATE_PENDING);
  }

  v1::ListExceptionsRequest list;
  list.set_kind(v1::EXCEPTION_KIND_DEAD_LETTER);
  v1::ListExceptionsResponse listed;
  REQUIRE(hub.exceptions->ListExceptions(Ctx().get(), list, &listed).ok());
  REQUIRE(listed.exceptions_size() == 1);
  const v1::Exception& e = listed.exceptions(0);
  CHECK(e.exception_id() == step.exception_id());
  CHECK(e.owner() == "integration-oncall");
  CHECK(e.category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(e.system() == "netsuite");
  CHECK(e.workflow_id() == booked.workflow_id());
  CHECK(e.contract_id() == booked.contract().id());
  CHECK(e.sla_state() == v1::SLA_STATE_WITHIN);
  CHECK(e.attempts() == 3);

  // Another contract's workflow is not held by this one... but it has the
  // same unreachable ERP, so it dead-letters on its own.
  v1::BookContractResponse other;
  REQUIRE(hub.lifecycle->BookContract(Ctx().get(), req, &other).ok());
  hub.AwaitWorkflow(other.workflow_id(), [](const auto& w) {
    return w.state() == v1::WORKFLOW_STATE_BLOCKED;
  });

  // Assign, then a retry: the budget is renewed and spent again, the same
  // exception reopens.
  v1::AssignExceptionRequest assign;
  assign.set_exception_id(e.exception_id());
  assign.set_owner("alice");
  assign.set_note("looking");
  v1::AssignExceptionResponse assigned;
  REQUIRE(hub.exceptions->AssignException(Ctx().get(), assign, &assigned).ok());
  CHECK(assigned.exception().owner() == "alice");

  v1::RetryExceptionRequest retry;
  retry.set_exception_id(e.exception_id());
  v1::RetryExceptionResponse retried;
  REQUIRE(hub.exceptions->RetryException(Ctx().get(), retry, &retried).ok());
  CHECK(retried.exception().state() == v1::EXCEPTION_STATE_RETRYING);
  auto again = hub.AwaitWorkflow(booked.workflow_id(), [](const auto& w) {
    return w.state() == v1::WORKFLOW_STATE_BLOCKED &&
           w.steps(2).state() == v1::STEP_STATE_DEAD_LETTERED;
  });
  CHECK(again.steps(2).exception_id() == e.exception_id());

  v1::GetExceptionRequest get;
  get.set_exception_id(e.exception_id());
  v1::GetExceptionResponse got;
  REQUIRE(hub.exceptions->GetException(Ctx().get(), get, &got).ok());
  CHECK(got.exception().state() == v1::EXCEPTION_STATE_OPEN);
  CHECK(got.workflow().workflow_id() == booked.workflow_id());
  std::vector<std::string> actions;
  for (const auto& h : got.exception().history()) actions.push_back(h.action());
  CHECK(actions == std::vector<std::string>{"opened", "assigned", "retried",
                                            "failed again"});

  // Resolve needs a reason.
  v1::ResolveExceptionRequest resolve;
  resolve.set_exception_id(e.exception_id());
  v1::ResolveExceptionResponse resolved;
  st = hub.exceptions->ResolveException(Ctx().get(), resolve, &resolved);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message().rfind("reason: required", 0) == 0);
  resolve.set_reason("customer created by hand in NetSuite");
  REQUIRE(
      hub.exceptions->ResolveException(Ctx().get(), resolve, &resolved).ok());
  CHECK(resolved.exception().state() == v1::EXCEPTION_STATE_RESOLVED);
  CHECK(resolved.exception().sla_state() == v1::SLA_STATE_MET);
  // The workflow goes on past the resolved step, to the next delivery: a
  // journal entry whose legal entity the ERP's configuration cannot map —
  // the adapter cannot build it, a metadata mismatch.
  auto moved = hub.AwaitWorkflow(booked.workflow_id(), [](const auto& w) {
    return w.steps(2).state() == v1::STEP_STATE_SKIPPED &&
           w.state() == v1::WORKFLOW_STATE_BLOCKED;
  });
  CHECK(moved.steps(2).detail().find("customer created by hand") !=
        std::string::npos);
  CHECK(moved.steps(3).name() == "post_journal_entry");
  CHECK(moved.steps(3).state() == v1::STEP_STATE_FAILED);
  CHECK(moved.steps(3).attempts() == 1);
  v1::ListExceptionsRequest metadata;
  metadata.set_category(v1::EXCEPTION_CATEGORY_METADATA);
  v1::ListExceptionsResponse mismatches;
  REQUIRE(
      hub.exceptions->ListExceptions(Ctx().get(), metadata, &mismatches).ok());
  REQUIRE(mismatches.exceptions_size() == 1);
  CHECK(mismatches.exceptions(0).kind() ==
        v1::EXCEPTION_KIND_METADATA_MISMATCH);
  CHECK(mismatches.exceptions(0).error().find("acme-us") != std::string::npos);
  CHECK(mismatches.exceptions(0).amount_at_stake().units() > 0);

  // Unknown and resolved exceptions are refused by name.
  get.set_exception_id(9999);
  st = hub.exceptions->GetException(Ctx().get(), get, &got);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
  st = hub.exceptions->ResolveException(Ctx().get(), resolve, &resolved);
  CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // A restart keeps all of it.
  REQUIRE(hub.process->Stop() == 0);
  hub.Start();
  auto after = hub.Workflow(booked.workflow_id());
  CHECK(after.state() == v1::WORKFLOW_STATE_BLOCKED);
  CHECK(after.steps(2).state() == v1::STEP_STATE_SKIPPED);
  v1::ListExceptionsRequest open;
  v1::ListExceptionsResponse still;
  REQUIRE(hub.exceptions->ListExceptions(Ctx().get(), open, &still).ok());
  // The metadata mismatch, and the other contract's dead letter.
  CHECK(still.exceptions_size() == 2);
}

TEST_CASE(
    "a schedule that cannot be computed holds the contract's postings "
    "until the product is fixed and the exception retried",
    "[orchestration][integration]") {
  OrchestrationHub hub;
  hub.RegisterUnreachableErp();
  const std::string customer = hub.Customer();
  // A product without a revenue rule: the engine cannot account for it.
  v1::UpsertProductRequest product;
  product.mutable_product()->set_name("Mystery box");
  v1::UpsertProductResponse made;
  REQUIRE(hub.products->UpsertProduct(Ctx().get(), product, &made).ok());

  v1::BookContractRequest req;
  *req.mutable_contract() = NewContract(customer, made.product().id());
  v1::BookContractResponse booked;
  REQUIRE(hub.lifecycle->BookContract(Ctx().get(), req, &booked).ok());
  auto blocked = hub.AwaitWorkflow(booked.workflow_id(), [](const auto& w) {
    return w.state() == v1::WORKFLOW_STATE_BLOCKED;
  });
  REQUIRE(blocked.steps_size() == 2);  // nothing was planned
  CHECK(blocked.steps(0).state() == v1::STEP_STATE_FAILED);
  CHECK(blocked.steps(0).last_error().find("revenue_rule") !=
        std::string::npos);
  CHECK(blocked.steps(1).state() == v1::STEP_STATE_PENDING);

  v1::ListExceptionsRequest list;
  list.set_kind(v1::EXCEPTION_KIND_SCHEDULE_FAILED);
  v1::ListExceptionsResponse listed;
  REQUIRE(hub.exceptions->ListExceptions(Ctx().get(), list, &listed).ok());
  REQUIRE(listed.exceptions_size() == 1);
  CHECK(listed.exceptions(0).owner() == "revenue-accounting");
  CHECK(listed.exceptions(0).contract_id() == booked.contract().id());

  // Fix the product: the revenue worker recomputes the contracts selling
  // it. Then a retry confirms the schedule and the postings are planned.
  product.mutable_product()->set_id(made.product().id());
  product.mutable_product()->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
  REQUIRE(hub.products->UpsertProduct(Ctx().get(), product, &made).ok());
  v1::RetryExceptionRequest retry;
  retry.set_exception_id(listed.exceptions(0).exception_id());
  v1::RetryExceptionResponse retried;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  v1::Workflow wf;
  do {
    REQUIRE(hub.exceptions->RetryException(Ctx().get(), retry, &retried).ok());
    wf = hub.AwaitWorkflow(booked.workflow_id(), [](const auto& w) {
      return w.state() == v1::WORKFLOW_STATE_BLOCKED;
    });
  } while (wf.steps(0).state() != v1::STEP_STATE_SUCCEEDED &&
           std::chrono::steady_clock::now() < deadline);
  CHECK(wf.steps(0).state() == v1::STEP_STATE_SUCCEEDED);
  CHECK(wf.steps(0).detail().find("confirmed") != std::string::npos);
  CHECK(wf.steps(1).state() == v1::STEP_STATE_SUCCEEDED);
  v1::GetExceptionRequest get;
  get.set_exception_id(listed.exceptions(0).exception_id());
  v1::GetExceptionResponse got;
  REQUIRE(hub.exceptions->GetException(Ctx().get(), get, &got).ok());
  CHECK(got.exception().state() == v1::EXCEPTION_STATE_RESOLVED);
}

}  // namespace
}  // namespace revhub::testing
