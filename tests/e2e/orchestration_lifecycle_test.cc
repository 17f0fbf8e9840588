// Orchestration end to end over a contract's life: an amendment waits for
// its contract's booking, a cancellation credits the unused part and
// reverses and reposts what changed without editing anything posted, and
// an invoice changed after it was posted is an AMOUNT_MISMATCH, never an
// edit.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_join.h"
#include "tests/e2e/orchestration_checks.h"
#include "tests/e2e/orchestration_harness.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

}  // namespace

TEST_CASE(
    "an amendment waits for the booking of its contract; its postings come "
    "after every booking posting",
    "[orchestration][ordering]") {
  HarnessOptions options;
  options.max_attempts = 100;  // the outage below must not dead-letter
  Harness h(options);
  ContractSpec spec;
  spec.tag = "ordered";
  // The contract's invoice (the only one here) is refused with 503 for
  // eight seconds, whatever the number of retries: the booking is held.
  h.emulator().AddFault(
      R"({"mode":"status","status":503,"method":"PUT","path_contains":"/invoice/","for_ms":8000})");
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitWorkflow(
      b.workflow_id,
      [](const v1::Workflow& w) {
        for (const auto& s : w.steps()) {
          if (s.name() == "post_invoice" && s.attempts() >= 1) return true;
        }
        return false;
      },
      seconds(30)));
  REQUIRE(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_RUNNING);

  v1::AmendContractRequest amend;
  *amend.mutable_contract() = b.contract;
  amend.mutable_contract()->mutable_lines(0)->mutable_quantity()->set_units(2);
  amend.mutable_contract()->set_change_reason("two platforms");
  amend.mutable_contract()->clear_version();
  amend.mutable_contract()->clear_recorded_at();
  amend.set_expected_version(b.contract.version());
  amend.set_idempotency_key("ordered-amend");
  v1::AmendContractResponse amended;
  grpc::Status st = h.Call(&v1::ContractLifecycleService::Stub::AmendContract,
                           amend, &amended);
  REQUIRE_GRPC_OK(st);
  // PENDING behind the booking (the scheduler notes which one it waits for
  // on its next pass), while the booking still runs.
  const std::string booking_id = b.workflow_id;
  bool waits = h.WaitWorkflow(
      amended.workflow_id(),
      [&](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_PENDING &&
               w.blocked_by_workflow_id() == booking_id;
      },
      seconds(5));
  INFO(h.Explain());
  v1::Workflow pending = h.GetWorkflow(amended.workflow_id());
  CHECK(waits);
  CHECK(pending.kind() == v1::WORKFLOW_KIND_AMENDMENT);
  CHECK(pending.state() == v1::WORKFLOW_STATE_PENDING);
  CHECK(pending.blocked_by_workflow_id() == b.workflow_id);
  CHECK(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_RUNNING);

  REQUIRE(h.WaitQuiet(seconds(90), 2));
  v1::Workflow booking = h.GetWorkflow(b.workflow_id);
  v1::Workflow amendment = h.GetWorkflow(amended.workflow_id());
  CHECK(booking.state() == v1::WORKFLOW_STATE_COMPLETED);
  CHECK(amendment.state() == v1::WORKFLOW_STATE_COMPLETED);
  // The amendment started after the booking completed.
  for (const auto& s : amendment.steps()) {
    if (!s.has_started_at()) continue;
    CHECK(s.started_at().seconds() * 1000000000LL + s.started_at().nanos() >=
          booking.completed_at().seconds() * 1000000000LL +
              booking.completed_at().nanos());
  }
  // In NetSuite's request log, every booking posting precedes every
  // amendment posting (told apart by the steps' idempotency keys).
  std::set<std::string> booking_keys, amendment_keys;
  for (const auto& s : booking.steps())
    if (!s.idempotency_key().empty()) booking_keys.insert(s.idempotency_key());
  for (const auto& s : amendment.steps())
    if (!s.idempotency_key().empty())
      amendment_keys.insert(s.idempotency_key());
  int last_booking = -1, first_amendment = -1, amendment_posts = 0, index = 0;
  for (const auto& r : h.emulator().Requests()) {
    std::string key = r["idempotency_key"].get<std::string>();
    if (booking_keys.count(key)) last_booking = index;
    if (amendment_keys.count(key)) {
      ++amendment_posts;
      if (first_amendment < 0) first_amendment = index;
    }
    ++index;
  }
  CHECK(last_booking >= 0);
  CHECK(amendment_posts > 0);  // doubling the quantity changed every month
  CHECK(first_amendment > last_booking);
  LedgerReport ledger = h.CheckLedger(b.contract.id());
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(ledger.reversals > 0);
  CHECK(h.Exceptions(OpenExceptions()).empty());
}

TEST_CASE(
    "cancellation credits the unused half, reverses and reposts the changed "
    "months, edits nothing; the figures net",
    "[orchestration][cancellation]") {
  Harness h;
  ContractSpec spec;
  spec.tag = "cancelled";
  BookedContract b = h.Book(spec);  // 12 x 1,000.00 USD in 2025, upfront
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  REQUIRE(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_COMPLETED);
  REQUIRE(h.CheckLedger(b.contract.id()).problems.empty());

  v1::CancelContractRequest cancel;
  cancel.set_contract_id(b.contract.id());
  *cancel.mutable_cancelled_at() = Day("2025-07-01");
  cancel.set_reason("customer downsized");
  cancel.set_credit(v1::CANCELLATION_CREDIT_UNUSED_PORTION);
  cancel.set_idempotency_key("cancel-cancelled");
  v1::CancelContractResponse cancelled;
  grpc::Status st = h.Call(&v1::ContractLifecycleService::Stub::CancelContract,
                           cancel, &cancelled);
  REQUIRE_GRPC_OK(st);
  REQUIRE(h.WaitQuiet(seconds(90), 2));
  INFO(h.Explain());
  v1::Workflow w = h.GetWorkflow(cancelled.workflow_id());
  CHECK(w.kind() == v1::WORKFLOW_KIND_CANCELLATION);
  CHECK(w.state() == v1::WORKFLOW_STATE_COMPLETED);
  REQUIRE(w.steps_size() > 0);
  CHECK(w.steps(0).name() == "issue_credit_note");
  CheckAllCompleted(h);
  CHECK(h.Exceptions(OpenExceptions()).empty());

  // The credit note: one, for the invoice, at the cancellation.
  v1::ListInvoicesRequest list;
  list.set_contract_id(b.contract.id());
  list.set_kind(cv1::INVOICE_KIND_CREDIT_NOTE);
  list.set_page_size(100);
  v1::ListInvoicesResponse notes;
  REQUIRE_GRPC_OK(
      h.Call(&v1::InvoiceService::Stub::ListInvoices, list, &notes));
  REQUIRE(notes.invoices_size() == 1);
  const cv1::Invoice cn = notes.invoices(0);
  const std::string cn_id = cn.id();
  // The hub assigns its id; it is known by the external ref
  // (revhub, cancellation_credit, <invoice id>) (docs/orchestration.md).
  bool keyed = false;
  for (const auto& ref : cn.external_refs()) {
    keyed = keyed || (ref.system() == "revhub" &&
                      ref.object_type() == "cancellation_credit" &&
                      ref.vendor_id() == b.invoice.id());
  }
  CHECK(keyed);
  CHECK(cn.credited_invoice_id() == b.invoice.id());
  CHECK(cn.issued_at().seconds() == Day("2025-07-01").seconds());
  // 184 of 365 days are after 2025-07-01: 12,000.00 x 184 / 365, rounded
  // down to the cent.
  CHECK(Format(ToNanos(cn.total())) == "6049.31");

  auto memos = h.emulator().Records("creditMemo");
  REQUIRE(memos.size() == 1);
  REQUIRE(memos.count(cn_id) == 1);
  CHECK(Format(ItemsTotal(memos.at(cn_id))) == Format(ToNanos(cn.total())));
  {
    // The memo is created from the invoice posted.
    const Json& from = memos.at(cn_id)["createdFrom"];
    Json posted = h.emulator().Records("invoice").at(b.invoice.id());
    CHECK((from.value("externalId", "") == b.invoice.id() ||
           from.value("id", "") == posted["id"].get<std::string>()));
  }
  auto invoices = h.emulator().Records("invoice");
  REQUIRE(invoices.size() == 1);
  Nanos billed_net =
      ItemsTotal(invoices.at(b.invoice.id())) - ItemsTotal(memos.at(cn_id));
  CHECK(Format(billed_net) ==
        Format(ToNanos(b.invoice.total()) - ToNanos(cn.total())));

  // Recognition: the changed months reversed and reposted; the ledger nets
  // to the hub's entries.
  LedgerReport ledger = h.CheckLedger(b.contract.id());
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(ledger.reversals > 0);
  auto revenue_of = [](const std::map<std::string, Nanos>& net) {
    Nanos r = 0;
    for (const char* role : {"REVENUE", "CONTRA_REVENUE"}) {
      auto it = net.find(AccountIds().at(role));
      if (it != net.end()) r -= it->second;  // credit - debit
    }
    return r;
  };
  Nanos recognised_in_netsuite = revenue_of(ledger.emulator_net);
  Nanos recognised_in_hub = revenue_of(ledger.hub_net);
  std::cout << "cancellation: invoice " << Format(ToNanos(b.invoice.total()))
            << " - credit memo " << cn_id << " " << Format(ToNanos(cn.total()))
            << " = billed " << Format(billed_net) << "; revenue in NetSuite "
            << Format(recognised_in_netsuite) << ", in the hub "
            << Format(recognised_in_hub) << "\n";
  CHECK(Format(recognised_in_netsuite) == Format(recognised_in_hub));
  CHECK(Format(recognised_in_hub) == Format(billed_net));

  // Never edited: every external id was PUT with one body only.
  Json requests = h.emulator().Requests();
  for (const char* type :
       {"customer", "invoice", "creditMemo", "journalEntry"}) {
    for (const auto& [eid, bodies] : BodiesByExternalId(requests, type)) {
      INFO(type << " " << eid);
      CHECK(bodies.size() == 1);
    }
  }
}

TEST_CASE(
    "an invoice changed after it was posted is an AMOUNT_MISMATCH, never an "
    "edit; resolved, the workflow goes on",
    "[orchestration][amount-mismatch]") {
  Harness h;
  ContractSpec spec;
  spec.tag = "mismatch";
  BookedContract b = h.Book(spec);
  REQUIRE(h.WaitQuiet(seconds(60), 1));
  REQUIRE(h.GetWorkflow(b.workflow_id).state() == v1::WORKFLOW_STATE_COMPLETED);

  // The billing system reissues the invoice 1,000.00 lower.
  cv1::Invoice changed = b.invoice;
  changed.clear_version();
  changed.clear_recorded_at();
  const cv1::Money lower = Cents("USD", 1100000);
  *changed.mutable_lines(0)->mutable_amount() = lower;
  *changed.mutable_lines(0)->mutable_unit_amount() = lower;
  *changed.mutable_subtotal() = lower;
  *changed.mutable_total() = lower;
  *changed.mutable_amount_remaining() = lower;
  h.UpsertInvoice(changed, "mismatch-reissue");
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  INFO(h.Explain());
  auto open = h.Exceptions(OpenExceptions(b.contract.id()));
  REQUIRE(open.size() == 1);
  const v1::Exception& ex = open[0];
  CHECK(ex.kind() == v1::EXCEPTION_KIND_AMOUNT_MISMATCH);
  CHECK(ex.category() == v1::EXCEPTION_CATEGORY_FINANCE);
  CHECK(ex.owner() == "revenue-accounting");
  CHECK(ex.entity().id() == b.invoice.id());
  // The amount at stake is the difference.
  Nanos stake = ToNanos(ex.amount_at_stake());
  CHECK(Format(stake < 0 ? -stake : stake) == "1000.00");
  v1::Workflow billing = h.GetWorkflow(ex.workflow_id());
  CHECK(billing.state() == v1::WORKFLOW_STATE_BLOCKED);
  // NetSuite still has the invoice as posted: one body, the old total.
  auto invoices = h.emulator().Records("invoice");
  REQUIRE(invoices.size() == 1);
  CHECK(Format(ItemsTotal(invoices.at(b.invoice.id()))) == "12000.00");
  for (const auto& [eid, bodies] :
       BodiesByExternalId(h.emulator().Requests(), "invoice")) {
    INFO("invoice " << eid);
    CHECK(bodies.size() == 1);
  }

  // A credit memo will be raised by hand: resolved, the workflow goes on.
  v1::ResolveExceptionRequest resolve;
  resolve.set_exception_id(ex.exception_id());
  resolve.set_reason("credit memo CM-77 raised in NetSuite by hand");
  v1::ResolveExceptionResponse resolved;
  REQUIRE_GRPC_OK(h.Call(&v1::ExceptionService::Stub::ResolveException, resolve,
                         &resolved));
  CHECK(resolved.exception().state() == v1::EXCEPTION_STATE_RESOLVED);
  CHECK(resolved.exception().resolution() ==
        "credit memo CM-77 raised in NetSuite by hand");
  REQUIRE(h.WaitWorkflow(
      ex.workflow_id(),
      [](const v1::Workflow& w) {
        return w.state() == v1::WORKFLOW_STATE_COMPLETED;
      },
      seconds(60)));
  REQUIRE(h.WaitQuiet(seconds(60), 2));
  const v1::Workflow finished = h.GetWorkflow(ex.workflow_id());
  for (const auto& s : finished.steps()) {
    if (s.exception_id() == ex.exception_id())
      CHECK(s.state() == v1::STEP_STATE_SKIPPED);
  }
  CheckAllCompleted(h);
  CHECK(h.Exceptions(OpenExceptions()).empty());
  // Recognition follows the hub (what changed reversed and reposted).
  LedgerReport ledger = h.CheckLedger(b.contract.id());
  INFO(absl::StrJoin(ledger.problems, "\n"));
  CHECK(ledger.problems.empty());
  CHECK(h.emulator().Records("invoice").size() == 1);
}

}  // namespace revhub::testing::orch
