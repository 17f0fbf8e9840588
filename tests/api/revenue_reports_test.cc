// RevenueService's reports against a real revhubd: two contracts booked
// and invoiced through the API, each report's figures worked by hand, and
// each tied to the entries ListJournalEntries returns.
#include <map>
#include <string>

#include "canonical/money.h"
#include "tests/api/revenue_fixture.h"

namespace revhub::testing {
namespace {

constexpr int64_t kNanosPerUnit = 1000000000;

// Issues an invoice for `net` USD (plus `tax`) on the contract at `at`.
void Invoice(RevenueHub& hub, const std::string& contract_id, int64_t at,
             int64_t net, int64_t tax, const std::string& key) {
  v1::UpsertInvoiceRequest req;
  auto* invoice = req.mutable_invoice();
  invoice->set_customer_id(hub.customer_id);
  invoice->set_contract_id(contract_id);
  invoice->set_kind(cv1::INVOICE_KIND_INVOICE);
  invoice->set_status(cv1::INVOICE_STATUS_OPEN);
  invoice->set_currency_code("USD");
  *invoice->mutable_issued_at() = At(at);
  *invoice->mutable_subtotal() = Usd(net);
  *invoice->mutable_tax_total() = Usd(tax);
  *invoice->mutable_total() = Usd(net + tax);
  auto* line = invoice->add_lines();
  line->set_contract_line_id("L1");
  *line->mutable_amount() = Usd(net);
  req.set_idempotency_key(key);
  CallOk(*hub.invoices, &v1::InvoiceService::Stub::UpsertInvoice, req);
}

v1::RevenueReportQuery Query(const std::string& first,
                             const std::string& last) {
  v1::RevenueReportQuery q;
  q.set_period_start(first);
  q.set_period_end(last);
  return q;
}

std::string Text(const cv1::Money& m) { return FormatMoney(m); }

// Per period: revenue net of contra revenue in recognition entries, and
// each role's debit - credit, from ListJournalEntries.
struct Journal {
  std::map<std::string, int64_t> recognised;
  std::map<std::pair<int, std::string>, int64_t> moved;

  void Add(const std::vector<JournalEntry>& entries) {
    for (const auto& e : entries) {
      for (const auto& l : e.lines()) {
        const int64_t debit = Nanos(l.debit()) - Nanos(l.credit());
        moved[{l.account_role(), e.period()}] += debit;
        if (e.source_kind() == "recognition" &&
            (l.account_role() == cv1::ACCOUNT_ROLE_REVENUE ||
             l.account_role() == cv1::ACCOUNT_ROLE_CONTRA_REVENUE)) {
          recognised[e.period()] -= debit;
        }
      }
    }
  }
  int64_t Balance(cv1::AccountRole role, const std::string& period) const {
    int64_t sum = 0;
    for (const auto& [key, amount] : moved) {
      if (key.first == role && key.second <= period) sum += amount;
    }
    return sum;
  }
};

TEST_CASE("the month-end reports over two invoiced contracts",
          "[revenue][reports]") {
  RevenueHub hub;
  // A: 900.00 for January to March 2025 by day (310.00, 280.00, 310.00),
  // invoiced 900.00 + 90.00 tax on January 15.
  const std::string a =
      Upsert(hub, Contract(hub, 900), "book-a").contract().id();
  WaitForSchedule(hub, a, 1);
  Invoice(hub, a, kJan + 86400 * 14, 900, 90, "inv-a");
  WaitForSchedule(hub, a, 2);
  // B: 600.00 over the same 90 days: January 600 x 31/90 = 206.66
  // (truncated), to February's end 600 x 59/90 = 393.33, so February
  // 186.67 and March 206.67; invoiced 600.00 on February 10.
  const std::string b =
      Upsert(hub, Contract(hub, 600), "book-b").contract().id();
  const RevenueSchedule b_unbilled = WaitForSchedule(hub, b, 1);
  Invoice(hub, b, kFeb + 86400 * 9, 600, 0, "inv-b");
  WaitForSchedule(hub, b, 2);

  Journal journal;
  journal.Add(ListJournal(hub, a));
  journal.Add(ListJournal(hub, b));

  SECTION("waterfall") {
    v1::GetWaterfallRequest req;
    *req.mutable_query() = Query("2025-01", "2025-03");
    auto wf =
        CallOk(*hub.revenue, &v1::RevenueService::Stub::GetWaterfall, req);
    REQUIRE(wf.periods_size() == 3);
    REQUIRE(wf.rows_size() == 2);
    // Rows by contract id; each cohort is its contract's one invoice. B's
    // January is recognised before B was billed, and allotted to B's
    // February cohort.
    std::map<std::string, const v1::WaterfallRow*> rows;
    for (const auto& r : wf.rows()) rows[r.group()] = &r;
    const v1::WaterfallRow& ra = *rows.at(a);
    CHECK(ra.billed_period() == "2025-01");
    CHECK(Text(ra.billed()) == "900.00 USD");
    CHECK(Text(ra.recognised(0).amount()) == "310.00 USD");
    CHECK(Text(ra.recognised(1).amount()) == "280.00 USD");
    CHECK(Text(ra.recognised(2).amount()) == "310.00 USD");
    CHECK(Text(ra.remaining()) == "0.00 USD");
    const v1::WaterfallRow& rb = *rows.at(b);
    CHECK(rb.billed_period() == "2025-02");
    CHECK(Text(rb.billed()) == "600.00 USD");
    CHECK(Text(rb.recognised(0).amount()) == "206.66 USD");
    CHECK(Text(rb.recognised(1).amount()) == "186.67 USD");
    CHECK(Text(rb.recognised(2).amount()) == "206.67 USD");
    // 310.00 + 206.66, 280.00 + 186.67, 310.00 + 206.67: the journal's.
    REQUIRE(wf.recognised_total_size() == 3);
    CHECK(Text(wf.recognised_total(0).amount()) == "516.66 USD");
    CHECK(Text(wf.recognised_total(1).amount()) == "466.67 USD");
    CHECK(Text(wf.recognised_total(2).amount()) == "516.67 USD");
    for (const auto& t : wf.recognised_total()) {
      CHECK(Nanos(t.amount()) == journal.recognised[t.period()]);
    }
  }

  SECTION("deferred revenue and contract asset roll-forwards") {
    v1::GetRollForwardRequest req;
    *req.mutable_query() = Query("2025-01", "2025-03");
    req.mutable_query()->set_group_by(v1::REPORT_GROUP_BY_CUSTOMER);
    auto rf =
        CallOk(*hub.revenue, &v1::RevenueService::Stub::GetRollForward, req);
    CHECK(rf.account() == v1::ROLL_FORWARD_ACCOUNT_DEFERRED_REVENUE);
    REQUIRE(rf.rows_size() == 3);
    // January: A's 900.00 - 310.00 = 590.00. February: B's invoice clears
    // its 206.66 asset and defers 393.34; 466.67 recognised: 516.67. March:
    // 516.67 recognised: 0.
    CHECK(rf.rows(0).group() == hub.customer_id);
    CHECK(Text(rf.rows(0).billings()) == "900.00 USD");
    CHECK(Text(rf.rows(0).recognised()) == "-310.00 USD");
    CHECK(Text(rf.rows(0).closing()) == "590.00 USD");
    CHECK(Text(rf.rows(1).billings()) == "393.34 USD");
    CHECK(Text(rf.rows(1).recognised()) == "-466.67 USD");
    CHECK(Text(rf.rows(1).closing()) == "516.67 USD");
    CHECK(Text(rf.rows(2).closing()) == "0.00 USD");
    for (const auto& r : rf.rows()) {
      CHECK(Nanos(r.closing()) ==
            -journal.Balance(cv1::ACCOUNT_ROLE_DEFERRED_REVENUE, r.period()));
      CHECK(Nanos(r.opening()) + Nanos(r.billings()) + Nanos(r.recognised()) +
                Nanos(r.credit_notes()) + Nanos(r.refunds()) +
                Nanos(r.voids()) + Nanos(r.disputes()) ==
            Nanos(r.closing()));
    }

    req.set_account(v1::ROLL_FORWARD_ACCOUNT_UNBILLED_RECEIVABLE);
    auto asset =
        CallOk(*hub.revenue, &v1::RevenueService::Stub::GetRollForward, req);
    REQUIRE(asset.rows_size() == 3);
    CHECK(Text(asset.rows(0).recognised()) == "206.66 USD");
    CHECK(Text(asset.rows(0).closing()) == "206.66 USD");
    CHECK(Text(asset.rows(1).billings()) == "-206.66 USD");
    CHECK(Text(asset.rows(1).closing()) == "0.00 USD");

    req.mutable_query()->set_group_by(v1::REPORT_GROUP_BY_PRODUCT);
    v1::GetRollForwardResponse refused;
    grpc::Status s = hub.revenue->GetRollForward(Ctx().get(), req, &refused);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message().rfind("query.group_by: ", 0) == 0);
  }

  SECTION("contract balances, now and as of before B was billed") {
    v1::GetContractBalancesRequest req;
    *req.mutable_query() = Query("2025-01", "2025-02");
    auto now = CallOk(*hub.revenue,
                      &v1::RevenueService::Stub::GetContractBalances, req);
    std::map<std::pair<std::string, std::string>, const v1::ContractBalanceRow*>
        rows;
    for (const auto& r : now.rows()) rows[{r.contract_id(), r.period()}] = &r;
    REQUIRE(rows.size() == 4);
    // A: liability 590.00 then 310.00, receivable 990.00 (with tax).
    CHECK(Text(rows.at({a, "2025-01"})->contract_liability()) == "590.00 USD");
    CHECK(Text(rows.at({a, "2025-02"})->contract_liability()) == "310.00 USD");
    CHECK(Text(rows.at({a, "2025-02"})->receivable()) == "990.00 USD");
    // B: an asset of 206.66 in January; in February a liability of 206.67.
    CHECK(Text(rows.at({b, "2025-01"})->contract_asset()) == "206.66 USD");
    CHECK(Text(rows.at({b, "2025-01"})->contract_liability()) == "0.00 USD");
    CHECK(Text(rows.at({b, "2025-02"})->contract_asset()) == "0.00 USD");
    CHECK(Text(rows.at({b, "2025-02"})->contract_liability()) == "206.67 USD");
    CHECK(rows.at({b, "2025-02"})->customer_id() == hub.customer_id);
    CHECK(rows.at({b, "2025-02"})->legal_entity() == "ACME-US");

    // As of B's first schedule: B unbilled, so February's asset is 393.33.
    *req.mutable_query()->mutable_as_of() = b_unbilled.recorded_at();
    req.mutable_query()->set_contract_id(b);
    auto then = CallOk(*hub.revenue,
                       &v1::RevenueService::Stub::GetContractBalances, req);
    REQUIRE(then.rows_size() == 2);
    CHECK(Text(then.rows(1).contract_asset()) == "393.33 USD");
    CHECK(Text(then.rows(1).receivable()) == "0.00 USD");
  }

  SECTION("remaining obligations and contra revenue") {
    v1::GetRemainingObligationsRequest req;
    *req.mutable_query() = Query("2025-01", "2025-01");
    req.mutable_query()->set_group_by(v1::REPORT_GROUP_BY_PRODUCT);
    auto rpo = CallOk(*hub.revenue,
                      &v1::RevenueService::Stub::GetRemainingObligations, req);
    CHECK(rpo.as_of_period() == "2025-01");
    REQUIRE(rpo.rows_size() == 1);
    // February and March: 590.00 of A and 393.34 of B, all within 12
    // months; = 1,500.00 - the journal's January revenue 516.66.
    CHECK(rpo.rows(0).group() == hub.product_id);
    CHECK(Text(rpo.rows(0).total()) == "983.34 USD");
    CHECK(Text(rpo.rows(0).within_12_months()) == "983.34 USD");
    CHECK(Nanos(rpo.rows(0).total()) ==
          1500 * kNanosPerUnit - journal.recognised["2025-01"]);

    v1::GetContraRevenueRequest contra;
    *contra.mutable_query() = Query("2025-01", "2025-03");
    auto none = CallOk(*hub.revenue,
                       &v1::RevenueService::Stub::GetContraRevenue, contra);
    CHECK(none.rows_size() == 0);
  }

  SECTION("a bad query names the field") {
    v1::GetWaterfallRequest req;
    *req.mutable_query() = Query("2026-13", "2026-10");
    v1::GetWaterfallResponse resp;
    grpc::Status s = hub.revenue->GetWaterfall(Ctx().get(), req, &resp);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message() ==
          "query.period_start: \"2026-13\" is not a period \"YYYY-MM\"");
    *req.mutable_query() = Query("2026-11", "2026-10");
    s = hub.revenue->GetWaterfall(Ctx().get(), req, &resp);
    CHECK(s.error_message() ==
          "query.period_end: \"2026-10\" is before period_start \"2026-11\"");
  }
}

}  // namespace
}  // namespace revhub::testing
