#include "tests/e2e/orchestration_checks.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace revhub::testing::orch {

std::string PeriodClosedFault(const std::string& path_part) {
  return absl::StrCat(R"({"mode":"status","status":400,"method":"PUT",)",
                      R"("path_contains":")", path_part, R"(","body":)",
                      kPeriodClosed, "}");
}

v1::ListExceptionsRequest OpenExceptions(const std::string& contract_id) {
  v1::ListExceptionsRequest req;
  req.set_contract_id(contract_id);
  return req;
}

int MaxAttempts(const std::vector<v1::Workflow>& workflows,
                int* steps_retried) {
  int most = 0;
  *steps_retried = 0;
  for (const auto& w : workflows) {
    for (const auto& s : w.steps()) {
      most = std::max(most, s.attempts());
      if (s.attempts() > 1) ++*steps_retried;
    }
  }
  return most;
}

// Checks that the emulator holds exactly the booked contracts' customer,
// invoice and recognition entries, each once, and nothing else.
void CheckExactlyOnce(Harness& h, const std::vector<BookedContract>& booked) {
  int no_eid = 0;
  auto customers = h.emulator().Records("customer", &no_eid);
  CHECK(no_eid == 0);
  auto invoices = h.emulator().Records("invoice", &no_eid);
  CHECK(no_eid == 0);
  auto journals = h.emulator().Records("journalEntry", &no_eid);
  CHECK(no_eid == 0);
  CHECK(h.emulator().Records("creditMemo").empty());
  std::set<std::string> want_customers, want_invoices;
  int want_entries = 0;
  for (const auto& b : booked) {
    INFO("contract " << b.contract.id() << " (" << b.tag << ")");
    want_customers.insert(b.customer.id());
    want_invoices.insert(b.invoice.id());
    REQUIRE(invoices.count(b.invoice.id()) == 1);
    CHECK(Format(ItemsTotal(invoices.at(b.invoice.id()))) ==
          Format(ToNanos(b.invoice.total())));
    LedgerReport ledger = h.CheckLedger(b.contract.id());
    INFO(absl::StrJoin(ledger.problems, "\n"));
    CHECK(ledger.problems.empty());
    CHECK(ledger.live_entries == 12);
    CHECK(ledger.reversals == 0);  // nothing changed after booking
    CHECK(ledger.postings == 12);
    want_entries += ledger.live_entries;
  }
  std::set<std::string> got_customers, got_invoices;
  for (const auto& [eid, rec] : customers) got_customers.insert(eid);
  for (const auto& [eid, rec] : invoices) got_invoices.insert(eid);
  CHECK(got_customers == want_customers);
  CHECK(got_invoices == want_invoices);
  CHECK(static_cast<int>(journals.size()) == want_entries);
  // The counts the closing note quotes: each posting expected, found in
  // NetSuite by its external id, and anything beyond one record each.
  int found = 0;
  for (const auto& eid : want_customers) found += got_customers.count(eid);
  for (const auto& eid : want_invoices) found += got_invoices.count(eid);
  found += std::min(static_cast<int>(journals.size()), want_entries);
  const int expected =
      static_cast<int>(want_customers.size() + want_invoices.size()) +
      want_entries;
  const int records =
      static_cast<int>(customers.size() + invoices.size() + journals.size());
  std::cout << "exactly once: postings expected=" << expected
            << " found=" << found << " duplicates=" << records - found << "\n";
  CHECK(found == expected);
  CHECK(records == found);
}

void CheckAllCompleted(Harness& h) {
  for (const auto& w : h.Workflows()) {
    INFO(h.Explain(w.contract_id()));
    CHECK(w.state() == v1::WORKFLOW_STATE_COMPLETED);
  }
}

}  // namespace revhub::testing::orch
