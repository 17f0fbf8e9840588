// Orchestration's parts without a server: configuration, routing and SLA,
// the store's workflow / exception / posting tables, and the planner's
// decisions (what is delivered, reversed, re-posted or checked).
#include <catch2/catch.hpp>

#include "canonical/money.h"
#include "hub/entities/entity_ops.h"
#include "hub/orchestration/config.h"
#include "hub/orchestration/exceptions.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/orchestration/planner.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "hub/common/util.h"
#include "tests/support/hub_process.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using revhub::testing::TempDir;

std::unique_ptr<Store> Open(const std::string& dir) {
  SqliteStoreOptions o;
  o.path = dir + "/revhub.db";
  auto s = OpenSqliteStore(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

std::string ErrorOf(absl::string_view json) {
  auto c = ParseOrchestrationConfig(json);
  REQUIRE_FALSE(c.ok());
  return std::string(c.status().message());
}

TEST_CASE("the orchestration configuration is read and bad keys are named",
          "[orchestration][config]") {
  auto c = ParseOrchestrationConfig(R"({
    "routing": [{"kind": "DEAD_LETTER", "system": "netsuite", "owner": "oncall"},
                {"category": "FINANCE", "owner": "revenue-accounting"}],
    "default_owner": "finance-ops",
    "sla": {"FINANCE": "4h"},
    "recognition_sweep_interval": "90s",
    "workers": 3})");
  REQUIRE(c.ok());
  REQUIRE(c->routing.size() == 2);
  CHECK(c->routing[0].kind == hub::v1::EXCEPTION_KIND_DEAD_LETTER);
  CHECK(c->routing[0].system == "netsuite");
  CHECK(c->routing[1].category == hub::v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(c->sla[hub::v1::EXCEPTION_CATEGORY_FINANCE] == absl::Hours(4));
  CHECK(c->sla[hub::v1::EXCEPTION_CATEGORY_METADATA] == absl::Hours(72));
  CHECK(c->recognition_sweep_interval == absl::Seconds(90));
  CHECK(c->workers == 3);

  CHECK(ErrorOf(R"({"routing": [{"category": "LEGAL", "owner": "x"}]})")
            .rfind("routing[0].category: unknown category", 0) == 0);
  CHECK(ErrorOf(R"({"routing": [{"category": "FINANCE"}]})") ==
        "routing[0].owner: required");
  CHECK(ErrorOf(R"({"sla": {"FINANCE": "soon"}})").rfind("sla.FINANCE:", 0) ==
        0);
  CHECK(ErrorOf(R"({"workers": 0})").rfind("workers:", 0) == 0);
  CHECK(ErrorOf(R"({"retries": 3})").rfind("retries: unknown key", 0) == 0);
  CHECK(ErrorOf("[1]") == "$: must be an object");
  CHECK(LoadOrchestrationConfig("").ok());
  CHECK(absl::IsNotFound(
      LoadOrchestrationConfig("/nonexistent/orchestration.json").status()));
}

TEST_CASE("exceptions are routed by the first matching rule",
          "[orchestration][exceptions]") {
  auto c = ParseOrchestrationConfig(R"({
    "routing": [{"kind": "DEAD_LETTER", "system": "netsuite", "owner": "oncall"},
                {"category": "FINANCE", "owner": "revenue-accounting"},
                {"category": "METADATA", "owner": "revops-data"}],
    "default_owner": "finance-ops"})");
  REQUIRE(c.ok());
  hub::v1::Exception e;
  auto route = [&](hub::v1::ExceptionKind kind, const std::string& system) {
    e.set_kind(kind);
    e.set_category(CategoryOf(kind));
    e.set_system(system);
    return RouteException(*c, e);
  };
  CHECK(route(hub::v1::EXCEPTION_KIND_DEAD_LETTER, "netsuite") == "oncall");
  CHECK(route(hub::v1::EXCEPTION_KIND_DEAD_LETTER, "sap") ==
        "revenue-accounting");
  CHECK(route(hub::v1::EXCEPTION_KIND_POSTING_REJECTED, "netsuite") ==
        "revenue-accounting");
  CHECK(route(hub::v1::EXCEPTION_KIND_AMOUNT_MISMATCH, "netsuite") ==
        "revenue-accounting");
  CHECK(route(hub::v1::EXCEPTION_KIND_METADATA_MISMATCH, "netsuite") ==
        "revops-data");
  CHECK(route(hub::v1::EXCEPTION_KIND_RECORD_REJECTED, "stripe") ==
        "revops-data");
  OrchestrationConfig none;
  none.default_owner = "finance-ops";
  CHECK(RouteException(none, e) == "finance-ops");
}

TEST_CASE("an exception's age and SLA state follow the clock",
          "[orchestration][exceptions]") {
  const absl::Time created = absl::FromUnixSeconds(1'700'000'000);
  hub::v1::Exception e;
  *e.mutable_created_at() = ToProto(created);
  *e.mutable_sla_due_at() = ToProto(created + absl::Hours(24));
  e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
  DescribeAge(created + absl::Hours(1), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_WITHIN);
  CHECK(e.age().seconds() == 3600);
  DescribeAge(created + absl::Hours(18), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_AT_RISK);
  DescribeAge(created + absl::Hours(25), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_BREACHED);
  e.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
  *e.mutable_resolved_at() = ToProto(created + absl::Hours(2));
  DescribeAge(created + absl::Hours(100), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_MET);
  CHECK(e.age().seconds() == 7200);
  *e.mutable_resolved_at() = ToProto(created + absl::Hours(30));
  DescribeAge(created + absl::Hours(100), &e);
  CHECK(e.sla_state() == hub::v1::SLA_STATE_MISSED);
}

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

// ---- The planner over a real store --------------------------------------

cv1::Money Usd(int64_t units) {
  cv1::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  return m;
}

absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

void PutJournal(Store& store, const std::string& contract,
                const std::string& period, absl::Time date, int64_t amount,
                int64_t version) {
  cv1::JournalEntry je;
  je.set_id(absl::StrCat("je_", contract, "_recognition_", period));
  je.set_version(version);
  je.set_contract_id(contract);
  je.set_legal_entity("acme-us");
  je.set_period(period);
  je.set_source_kind("recognition");
  *je.mutable_posting_date() = ToProto(date);
  if (amount > 0) {
    auto* dr = je.add_lines();
    dr->set_account_role(cv1::ACCOUNT_ROLE_DEFERRED_REVENUE);
    *dr->mutable_debit() = Usd(amount);
    *dr->mutable_credit() = Usd(0);
    auto* cr = je.add_lines();
    cr->set_account_role(cv1::ACCOUNT_ROLE_REVENUE);
    *cr->mutable_credit() = Usd(amount);
    *cr->mutable_debit() = Usd(0);
  }
  StoredEntity s;
  s.type = cv1::ENTITY_TYPE_JOURNAL_ENTRY;
  s.id = je.id();
  s.version = version;
  s.payload = je.SerializeAsString();
  REQUIRE(store
              .Write([&](WriteTxn& txn) {
                s.recorded_at = txn.Now();
                return txn.PutEntityVersion(
                    s,
                    {{amount > 0 ? "contract_id" : "withdrawn_from_contract_id",
                      contract}});
              })
              .ok());
}

// Records every planned delivery as delivered.
void Deliver(Store& store, const std::string& contract_id,
             const std::vector<hub::v1::WorkflowStep>& steps) {
  for (const auto& s : steps) {
    if (PostingKindOf(s.name()).empty()) continue;
    PostingRow row;
    row.target_system = s.target_system();
    row.external_id = PayloadId(s.payload());
    row.contract_id = contract_id;
    row.entity_type = s.entity().entity_type();
    row.entity_id = s.entity().id();
    row.kind = PostingKindOf(s.name());
    row.content_hash = ContentHash(s.payload());
    if (s.payload().has_journal_entry())
      row.reverses = s.payload().journal_entry().reverses_entry_id();
    row.posted_at = absl::Now();
    row.payload = s.payload().SerializeAsString();
    REQUIRE(store
                .Write([&](WriteTxn& txn) {
                  return row.kind == "customer" ? txn.ReplacePosting(row)
                                                : txn.RecordPosting(row);
                })
                .ok());
  }
}

std::vector<std::string> Names(
    const std::vector<hub::v1::WorkflowStep>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps)
    out.push_back(absl::StrCat(s.name(), " ", PayloadId(s.payload())));
  return out;
}

TEST_CASE(
    "the planner posts once, reverses and re-posts what changed, and "
    "checks posted documents",
    "[orchestration][planner]") {
  TempDir dir;
  auto store = Open(dir.path());
  std::string customer_id, product_id, contract_id, invoice_id;
  // Entities through the same upsert the services use.
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                cv1::Customer c;
                c.set_name("Acme");
                c.set_legal_entity("acme-us");
                c.set_currency_code("USD");
                c.set_status(cv1::CUSTOMER_STATUS_ACTIVE);
                auto rc = UpsertEntityInTxn(txn, c, UpsertArgs());
                if (!rc.ok()) return rc.status();
                customer_id = rc->entity.id();
                cv1::Product p;
                p.set_name("Platform");
                p.set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
                auto rp = UpsertEntityInTxn(txn, p, UpsertArgs());
                if (!rp.ok()) return rp.status();
                product_id = rp->entity.id();
                return absl::OkStatus();
              })
              .ok());
  cv1::Contract contract;
  contract.set_customer_id(customer_id);
  contract.set_status(cv1::CONTRACT_STATUS_ACTIVE);
  contract.set_currency_code("USD");
  contract.set_legal_entity("acme-us");
  auto* line = contract.add_lines();
  line->set_line_id("1");
  line->set_product_id(product_id);
  line->mutable_quantity()->set_units(1);
  *line->mutable_unit_price() = Usd(1200);
  *line->mutable_service_period()->mutable_start_time() =
      ToProto(Day(2025, 1, 1));
  *line->mutable_service_period()->mutable_end_time() =
      ToProto(Day(2026, 1, 1));
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                auto r = UpsertEntityInTxn(txn, contract, UpsertArgs());
                if (!r.ok()) return r.status();
                contract_id = r->entity.id();
                cv1::Invoice inv;
                inv.set_kind(cv1::INVOICE_KIND_INVOICE);
                inv.set_status(cv1::INVOICE_STATUS_OPEN);
                inv.set_customer_id(customer_id);
                inv.set_contract_id(contract_id);
                inv.set_currency_code("USD");
                *inv.mutable_issued_at() = ToProto(Day(2025, 1, 1));
                auto* il = inv.add_lines();
                il->set_line_id("1");
                il->set_product_id(product_id);
                *il->mutable_amount() = Usd(1200);
                *il->mutable_service_period() = line->service_period();
                *inv.mutable_subtotal() = Usd(1200);
                *inv.mutable_total() = Usd(1200);
                auto ri = UpsertEntityInTxn(txn, inv, UpsertArgs());
                if (!ri.ok()) return ri.status();
                invoice_id = ri->entity.id();
                return absl::OkStatus();
              })
              .ok());
  const absl::Time now = Day(2025, 3, 15);
  PutJournal(*store, contract_id, "2025-01", Day(2025, 2, 1) - absl::Seconds(1),
             100, 1);
  PutJournal(*store, contract_id, "2025-02", Day(2025, 3, 1) - absl::Seconds(1),
             100, 1);
  PutJournal(*store, contract_id, "2025-03", Day(2025, 4, 1) - absl::Seconds(1),
             100, 1);  // not yet recognised at `now`

  auto first = PlanPostings(*store, "netsuite", contract_id, now);
  REQUIRE(first.ok());
  const std::string je1 =
      absl::StrCat("je_", contract_id, "_recognition_2025-01");
  const std::string je2 =
      absl::StrCat("je_", contract_id, "_recognition_2025-02");
  CHECK(Names(*first) ==
        std::vector<std::string>{absl::StrCat("sync_customer ", customer_id),
                                 absl::StrCat("post_invoice ", invoice_id),
                                 "post_journal_entry " + je1,
                                 "post_journal_entry " + je2});
  CHECK(ToNanos((*first)[1].amount()) == ToNanos(Usd(1200)));
  Deliver(*store, contract_id, *first);

  // Nothing changed: nothing to do.
  auto second = PlanPostings(*store, "netsuite", contract_id, now);
  REQUIRE(second.ok());
  CHECK(second->empty());

  // January recomputed, February withdrawn, March now recognised.
  PutJournal(*store, contract_id, "2025-01", Day(2025, 2, 1) - absl::Seconds(1),
             90, 2);
  PutJournal(*store, contract_id, "2025-02", Day(2025, 3, 1) - absl::Seconds(1),
             0, 2);
  auto third = PlanPostings(*store, "netsuite", contract_id, Day(2025, 4, 2));
  REQUIRE(third.ok());
  const std::string je3 =
      absl::StrCat("je_", contract_id, "_recognition_2025-03");
  CHECK(Names(*third) ==
        std::vector<std::string>{"post_reversal " + je1 + "~rev",
                                 "post_journal_entry " + je1 + "~r2",
                                 "post_journal_entry " + je3,
                                 "post_reversal " + je2 + "~rev"});
  // A reversal swaps debits and credits and names what it reverses.
  const auto& reversal = (*third)[0].payload().journal_entry();
  CHECK(reversal.reverses_entry_id() == je1);
  REQUIRE(reversal.lines_size() == 2);
  CHECK(reversal.lines(0).account_role() == cv1::ACCOUNT_ROLE_DEFERRED_REVENUE);
  CHECK(ToNanos(reversal.lines(0).credit()) == ToNanos(Usd(100)));
  CHECK(ToNanos(reversal.lines(1).debit()) == ToNanos(Usd(100)));
  Deliver(*store, contract_id, *third);
  auto fourth = PlanPostings(*store, "netsuite", contract_id, Day(2025, 4, 2));
  REQUIRE(fourth.ok());
  CHECK(fourth->empty());

  // The posted invoice's total changes: a check, never a second posting.
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                auto cur =
                    txn.GetCurrentEntity(cv1::ENTITY_TYPE_INVOICE, invoice_id);
                if (!cur.ok()) return cur.status();
                cv1::Invoice inv;
                inv.ParseFromString((*cur)->payload);
                inv.clear_version();
                inv.clear_recorded_at();
                *inv.mutable_lines(0)->mutable_amount() = Usd(1000);
                *inv.mutable_subtotal() = Usd(1000);
                *inv.mutable_total() = Usd(1000);
                return UpsertEntityInTxn(txn, inv, UpsertArgs()).status();
              })
              .ok());
  auto fifth = PlanPostings(*store, "netsuite", contract_id, Day(2025, 4, 2));
  REQUIRE(fifth.ok());
  REQUIRE(fifth->size() == 1);
  CHECK((*fifth)[0].name() == kStepCheckPostedInvoice);
  cv1::Money difference;
  auto why = CheckPostedDocument(*store, "netsuite",
                                 (*fifth)[0].payload().invoice(), &difference);
  REQUIRE(why.ok());
  CHECK(why->find("1200.00 USD") != std::string::npos);
  CHECK(ToNanos(difference) == ToNanos(Usd(-200)));
}

TEST_CASE("a cancellation credits the unused part of each invoice line",
          "[orchestration][planner]") {
  TempDir dir;
  auto store = Open(dir.path());
  std::string contract_id;
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                cv1::Customer c;
                c.set_name("Acme");
                c.set_status(cv1::CUSTOMER_STATUS_ACTIVE);
                auto rc = UpsertEntityInTxn(txn, c, UpsertArgs());
                if (!rc.ok()) return rc.status();
                cv1::Contract k;
                k.set_customer_id(rc->entity.id());
                k.set_status(cv1::CONTRACT_STATUS_ACTIVE);
                k.set_currency_code("JPY");
                auto rk = UpsertEntityInTxn(txn, k, UpsertArgs());
                if (!rk.ok()) return rk.status();
                contract_id = rk->entity.id();
                cv1::Invoice inv;
                inv.set_kind(cv1::INVOICE_KIND_INVOICE);
                inv.set_status(cv1::INVOICE_STATUS_PAID);
                inv.set_customer_id(rc->entity.id());
                inv.set_contract_id(contract_id);
                inv.set_currency_code("JPY");
                inv.set_invoice_number("INV-7");
                *inv.mutable_issued_at() = ToProto(Day(2025, 1, 1));
                cv1::Money yen;
                yen.set_currency_code("JPY");
                yen.set_units(100000);
                auto* l1 = inv.add_lines();
                l1->set_line_id("1");
                *l1->mutable_amount() = yen;
                *l1->mutable_service_period()->mutable_start_time() =
                    ToProto(Day(2025, 1, 1));
                *l1->mutable_service_period()->mutable_end_time() =
                    ToProto(Day(2026, 1, 1));
                auto* l2 = inv.add_lines();  // one-off: nothing to credit
                l2->set_line_id("2");
                *l2->mutable_amount() = yen;
                yen.set_units(200000);
                *inv.mutable_subtotal() = yen;
                *inv.mutable_total() = yen;
                return UpsertEntityInTxn(txn, inv, UpsertArgs()).status();
              })
              .ok());
  auto notes = CancellationCredits(*store, contract_id, Day(2025, 7, 1));
  REQUIRE(notes.ok());
  REQUIRE(notes->size() == 1);
  const cv1::Invoice& note = (*notes)[0];
  CHECK(note.kind() == cv1::INVOICE_KIND_CREDIT_NOTE);
  CHECK(note.invoice_number() == "INV-7-CANCEL");
  REQUIRE(note.external_refs_size() == 1);
  CHECK(note.external_refs(0).system() == kCancellationCreditSystem);
  REQUIRE(note.lines_size() == 1);
  // 184 of 365 days of ¥100,000, rounded down to the yen: ¥50,410.
  CHECK(note.lines(0).amount().units() == 50410);
  CHECK(note.lines(0).amount().nanos() == 0);
  CHECK(note.total().units() == 50410);
  // After the end of every service period there is nothing to credit.
  auto none = CancellationCredits(*store, contract_id, Day(2026, 2, 1));
  REQUIRE(none.ok());
  CHECK(none->empty());
}

}  // namespace
}  // namespace revhub::hub
