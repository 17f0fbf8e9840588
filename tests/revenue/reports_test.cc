// The reports (canonical/revenue/reports.h): small cases worked by hand, and
// the tie-out to the journal the property test runs over random contracts.
#include "canonical/revenue/reports.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/engine.h"
#include "hub/revenue/report_messages.h"
#include "report_checks.h"

namespace revhub::revenue {
// Named, so that a unity build may batch this file with unit_test.cc.
namespace reports_test {

using canonical::v1::AccountRole;
using canonical::v1::JournalEntry;

int64_t Day(int y, int m, int d) { return DaysFromCivil(y, m, d) * kMsPerDay; }
PeriodIndex P(const char* text) { return *ParsePeriod(text, "test"); }
Nanos Units(int64_t units) { return Nanos(units) * kNanosPerUnit; }

Invoice MakeInvoice(const char* id, int64_t at, const char* amount) {
  Invoice inv;
  inv.set_id(id);
  inv.set_contract_id("c1");
  inv.set_currency_code("USD");
  inv.set_kind(canonical::v1::INVOICE_KIND_INVOICE);
  inv.set_status(canonical::v1::INVOICE_STATUS_OPEN);
  *inv.mutable_issued_at() = FromMs(at);
  *inv.mutable_subtotal() = *ParseMoney(amount, "USD");
  return inv;
}

// A year's plan at 1,200.00 USD, month-even: 100.00 a month over 2024.
// Invoiced 600.00 on Jan 1 and 600.00 on Sep 1 (so July and August are
// recognised before they are billed: a contract asset of 200.00 by August).
ContractBooks YearPlanBooks() {
  RevenueInput in;
  Product& p = in.products.emplace_back();
  p.set_id("plan");
  p.set_revenue_rule(canonical::v1::REVENUE_RULE_RATABLE);
  Contract& c = in.contract_versions.emplace_back();
  c.set_id("c1");
  c.set_version(1);
  c.set_legal_entity("ACME");
  c.set_currency_code("USD");
  c.set_status(canonical::v1::CONTRACT_STATUS_ACTIVE);
  auto* l = c.add_lines();
  l->set_line_id("L1");
  l->set_product_id("plan");
  *l->mutable_quantity() = *ParseDecimal("1");
  *l->mutable_unit_price() = *ParseMoney("1200", "USD");
  *l->mutable_service_period()->mutable_start_time() = FromMs(Day(2024, 1, 1));
  *l->mutable_service_period()->mutable_end_time() = FromMs(Day(2025, 1, 1));
  in.events.invoices.push_back(MakeInvoice("inv1", Day(2024, 1, 1), "600"));
  in.events.invoices.push_back(MakeInvoice("inv2", Day(2024, 9, 1), "600"));
  RevenueSettings settings;
  settings.convention = canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN;
  auto result = PreviewSchedule(in, settings);
  REQUIRE(result.ok());
  ContractBooks b;
  b.contract_id = "c1";
  b.customer_id = "cust1";
  b.legal_entity = "ACME";
  b.currency_code = "USD";
  b.schedule = result->schedule;
  b.entries = result->journal_entries;
  return b;
}

ReportQuery Range(const char* first, const char* last) {
  ReportQuery q;
  q.first = P(first);
  q.last = P(last);
  return q;
}

TEST_CASE("waterfall of a year plan billed twice", "[revenue][unit][reports]") {
  const std::vector<ContractBooks> books = {YearPlanBooks()};
  // Over the year: the January cohort (600.00) earns January to June, 100.00
  // each; the September cohort (600.00) earns July to December, July and
  // August before it was billed. Nothing remains.
  auto year = Waterfall(Range("2024-01", "2024-12"), books);
  REQUIRE(year.ok());
  REQUIRE(year->rows.size() == 2);
  const WaterfallRow& jan = year->rows[0];
  CHECK(jan.group == "c1");
  CHECK(jan.billed_period == "2024-01");
  CHECK(jan.billed == Units(600));
  for (int m = 0; m < 12; ++m) {
    CHECK(jan.recognised[m] == (m < 6 ? Units(100) : 0));
    CHECK(year->rows[1].recognised[m] == (m < 6 ? 0 : Units(100)));
  }
  CHECK(jan.remaining == 0);
  CHECK(year->rows[1].billed_period == "2024-09");
  CHECK(year->rows[1].remaining == 0);
  REQUIRE(year->recognised_total.size() == 1);
  CHECK(year->recognised_total[0].first == "USD");
  for (Nanos r : year->recognised_total[0].second) CHECK(r == Units(100));

  // To August: September is not billed yet, so July and August (200.00) are
  // the unbilled cohort, remaining -200.00 (the contract asset).
  auto august = Waterfall(Range("2024-01", "2024-08"), books);
  REQUIRE(august.ok());
  REQUIRE(august->rows.size() == 2);
  CHECK(august->rows[1].billed_period == kUnbilledCohort);
  CHECK(august->rows[1].billed == 0);
  CHECK(august->rows[1].recognised[6] == Units(100));
  CHECK(august->rows[1].recognised[7] == Units(100));
  CHECK(august->rows[1].remaining == Units(-200));

  // From July: the January cohort earns nothing in range and has nothing
  // left, so it is left out.
  auto late = Waterfall(Range("2024-07", "2024-12"), books);
  REQUIRE(late.ok());
  REQUIRE(late->rows.size() == 1);
  CHECK(late->rows[0].billed_period == "2024-09");

  ReportQuery by_product = Range("2024-01", "2024-12");
  by_product.group_by = ReportGroupBy::kProduct;
  auto refused = Waterfall(by_product, books);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(refused.status().message()).find("query.group_by") == 0);
}

TEST_CASE("roll-forwards of deferred revenue and the contract asset",
          "[revenue][unit][reports]") {
  const std::vector<ContractBooks> books = {YearPlanBooks()};
  auto deferred =
      RollForward(Range("2024-01", "2024-12"),
                  canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, books);
  REQUIRE(deferred.ok());
  REQUIRE(deferred->size() == 12);
  auto col = [](const RollForwardRow& r, Movement m) {
    return r.movements[static_cast<int>(m)];
  };
  // January: 0 + 600.00 billed - 100.00 recognised = 500.00.
  const RollForwardRow& jan = (*deferred)[0];
  CHECK(jan.opening == 0);
  CHECK(col(jan, Movement::kBillings) == Units(600));
  CHECK(col(jan, Movement::kRecognised) == Units(-100));
  CHECK(jan.closing == Units(500));
  // June ends at 0; July and August leave it at 0 (the asset grows).
  CHECK((*deferred)[5].closing == 0);
  CHECK((*deferred)[6].closing == 0);
  // September: the 600.00 invoice clears the 200.00 asset first, so
  // deferred revenue gets 400.00, less September's 100.00 = 300.00.
  const RollForwardRow& sep = (*deferred)[8];
  CHECK(sep.opening == 0);
  CHECK(col(sep, Movement::kBillings) == Units(400));
  CHECK(col(sep, Movement::kRecognised) == Units(-100));
  CHECK(sep.closing == Units(300));
  CHECK((*deferred)[11].closing == 0);

  auto asset =
      RollForward(Range("2024-07", "2024-09"),
                  canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE, books);
  REQUIRE(asset.ok());
  REQUIRE(asset->size() == 3);
  // July +100.00, August +100.00 recognised unbilled; September's invoice
  // bills them: -200.00.
  CHECK((*asset)[0].opening == 0);
  CHECK(col((*asset)[0], Movement::kRecognised) == Units(100));
  CHECK((*asset)[1].closing == Units(200));
  CHECK(col((*asset)[2], Movement::kBillings) == Units(-200));
  CHECK((*asset)[2].closing == 0);

  ReportQuery by_product = Range("2024-01", "2024-12");
  by_product.group_by = ReportGroupBy::kProduct;
  auto refused = RollForward(
      by_product, canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, books);
  REQUIRE_FALSE(refused.ok());
  CHECK(std::string(refused.status().message()) ==
        "query.group_by: the roll-forward cannot be grouped by product: "
        "billing entries are per contract, not per product");
}

TEST_CASE("remaining obligations and contract balances",
          "[revenue][unit][reports]") {
  const std::vector<ContractBooks> books = {YearPlanBooks()};
  // At the end of March 2024: April to December, 900.00, all within 12
  // months.
  auto march = RemainingObligations(Range("2024-01", "2024-03"), books);
  REQUIRE(march.ok());
  REQUIRE(march->size() == 1);
  CHECK((*march)[0].total == Units(900));
  CHECK((*march)[0].within_12_months == Units(900));
  CHECK((*march)[0].later == 0);
  // At the end of June 2023, grouped by product: July 2023 to June 2024
  // holds January to June 2024 (600.00); July to December 2024 is later.
  ReportQuery early = Range("2023-01", "2023-06");
  early.group_by = ReportGroupBy::kProduct;
  auto before = RemainingObligations(early, books);
  REQUIRE(before.ok());
  REQUIRE(before->size() == 1);
  CHECK((*before)[0].group == "plan");
  CHECK((*before)[0].total == Units(1200));
  CHECK((*before)[0].within_12_months == Units(600));
  CHECK((*before)[0].later == Units(600));

  // July: asset 100.00; August: 200.00; September: liability 300.00. The
  // receivable is what was invoiced (nothing paid): 600.00, then 1,200.00.
  auto balances = ContractBalances(Range("2024-07", "2024-09"), books);
  REQUIRE(balances.ok());
  REQUIRE(balances->size() == 3);
  CHECK((*balances)[0].period == P("2024-07"));
  CHECK((*balances)[0].contract_asset == Units(100));
  CHECK((*balances)[0].contract_liability == 0);
  CHECK((*balances)[0].receivable == Units(600));
  CHECK((*balances)[1].contract_asset == Units(200));
  CHECK((*balances)[2].contract_asset == 0);
  CHECK((*balances)[2].contract_liability == Units(300));
  CHECK((*balances)[2].receivable == Units(1200));
  CHECK((*balances)[2].customer_id == "cust1");
}

void AddLine(JournalEntry* e, AccountRole role, int64_t debit_units,
             const char* obligation = "") {
  auto* l = e->add_lines();
  l->set_account_role(role);
  const Nanos amount = Units(debit_units < 0 ? -debit_units : debit_units);
  *(debit_units > 0 ? l->mutable_debit() : l->mutable_credit()) =
      *MoneyFromNanos("EUR", amount);
  l->set_performance_obligation_id(obligation);
}

JournalEntry Entry(const char* kind, const char* period) {
  JournalEntry e;
  e.set_source_kind(kind);
  e.set_period(period);
  return e;
}

// Entries written by hand: every contra category, a lost dispute and a kind
// the classification table does not name.
ContractBooks HandBooks() {
  ContractBooks b;
  b.contract_id = "h1";
  b.customer_id = "cust9";
  b.legal_entity = "ACME-EU";
  b.currency_code = "EUR";
  auto* a = b.schedule.add_obligations();
  a->set_id("po_a");
  a->set_product_id("pa");
  auto* o = b.schedule.add_obligations();
  o->set_id("po_b");
  o->set_product_id("pb");
  JournalEntry inv = Entry("invoice", "2024-02");
  AddLine(&inv, canonical::v1::ACCOUNT_ROLE_RECEIVABLE, 100);
  AddLine(&inv, canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, -100);
  JournalEntry rec = Entry("recognition", "2024-02");
  AddLine(&rec, canonical::v1::ACCOUNT_ROLE_REVENUE, -60, "po_a");
  AddLine(&rec, canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE, 10, "po_a");
  AddLine(&rec, canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND, 5, "po_b");
  AddLine(&rec, canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, 45);
  JournalEntry lost = Entry("dispute_lost", "2024-03");
  AddLine(&lost, canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, 20);
  AddLine(&lost, canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE, 7, "po_b");
  AddLine(&lost, canonical::v1::ACCOUNT_ROLE_RECEIVABLE, -27);
  JournalEntry other = Entry("reclassification", "2024-03");
  AddLine(&other, canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, 1);
  AddLine(&other, canonical::v1::ACCOUNT_ROLE_CASH, -1);
  b.entries = {lost, rec, other, inv};  // any order
  return b;
}

TEST_CASE("contra revenue by category, and the classification table",
          "[revenue][unit][reports]") {
  const std::vector<ContractBooks> books = {HandBooks()};
  // February: credit notes 10.00, refunds 5.00 (15.00); March: a lost
  // dispute 7.00.
  auto contra = ContraRevenue(Range("2024-01", "2024-03"), books);
  REQUIRE(contra.ok());
  REQUIRE(contra->size() == 2);
  CHECK((*contra)[0].period == P("2024-02"));
  CHECK((*contra)[0].credit_notes == Units(10));
  CHECK((*contra)[0].refunds == Units(5));
  CHECK((*contra)[0].total == Units(15));
  CHECK((*contra)[1].disputes == Units(7));
  CHECK((*contra)[1].total == Units(7));
  // By product: po_a's credit note is pa's, po_b's refund and dispute pb's.
  ReportQuery by_product = Range("2024-02", "2024-03");
  by_product.group_by = ReportGroupBy::kProduct;
  auto products = ContraRevenue(by_product, books);
  REQUIRE(products.ok());
  REQUIRE(products->size() == 3);
  CHECK((*products)[0].group == "pa");
  CHECK((*products)[0].credit_notes == Units(10));
  CHECK((*products)[1].group == "pb");
  CHECK((*products)[1].refunds == Units(5));
  CHECK((*products)[2].disputes == Units(7));
  // The product filter keeps only that product's lines.
  by_product.product_id = "pb";
  auto pb = ContraRevenue(by_product, books);
  REQUIRE(pb.ok());
  CHECK(pb->size() == 2);

  // Deferred revenue: February 0 + 100.00 - 45.00 = 55.00; March: the lost
  // dispute takes 20.00 and the unnamed kind 1.00 (counted as billings):
  // 34.00.
  auto rf = RollForward(Range("2024-02", "2024-03"),
                        canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, books);
  REQUIRE(rf.ok());
  REQUIRE(rf->size() == 2);
  CHECK((*rf)[0].closing == Units(55));
  CHECK((*rf)[1].movements[static_cast<int>(Movement::kDisputes)] ==
        Units(-20));
  CHECK((*rf)[1].movements[static_cast<int>(Movement::kBillings)] == Units(-1));
  CHECK((*rf)[1].closing == Units(34));

  // Waterfall: 100.00 billed in February; February recognises 60.00 -
  // 15.00 = 45.00, March gives back the dispute's 7.00; 62.00 remains.
  auto wf = Waterfall(Range("2024-02", "2024-03"), books);
  REQUIRE(wf.ok());
  REQUIRE(wf->rows.size() == 1);
  CHECK(wf->rows[0].recognised[0] == Units(45));
  CHECK(wf->rows[0].recognised[1] == Units(-7));
  CHECK(wf->rows[0].remaining == Units(62));

  CHECK(MovementOfSourceKind("dispute_won") == Movement::kDisputes);
  CHECK(MovementOfSourceKind("payment") == Movement::kBillings);
  CHECK(IsNetBilling("void"));
  CHECK_FALSE(IsNetBilling("refund"));
}

TEST_CASE("report queries are checked field by field",
          "[revenue][unit][reports]") {
  hub::v1::RevenueReportQuery q;
  q.set_period_start("2026-13");
  q.set_period_end("2026-10");
  auto bad = ReadReportQuery(q);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()) ==
        "query.period_start: \"2026-13\" is not a period \"YYYY-MM\"");
  q.set_period_start("2026-11");
  CHECK(std::string(ReadReportQuery(q).status().message()) ==
        "query.period_end: \"2026-10\" is before period_start \"2026-11\"");
  q.set_period_start("2016-01");
  q.set_period_end("2026-01");
  CHECK(std::string(ReadReportQuery(q).status().message()) ==
        "query.period_end: the range has 121 periods; a report covers at "
        "most 120");
  q.clear_period_start();
  CHECK(std::string(ReadReportQuery(q).status().message()) ==
        "query.period_start: required (\"YYYY-MM\")");
  q.set_period_start("2016-02");
  q.set_group_by(hub::v1::REPORT_GROUP_BY_CUSTOMER);
  auto ok = ReadReportQuery(q);
  REQUIRE(ok.ok());
  CHECK(ok->group_by == ReportGroupBy::kCustomer);
  CHECK(ok->last - ok->first == 119);

  // The balances are per contract.
  hub::v1::GetContractBalancesRequest balances;
  *balances.mutable_query() = q;
  CHECK(ContractBalancesResponse(balances, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("report responses carry the rows as money",
          "[revenue][unit][reports]") {
  const std::vector<ContractBooks> books = {YearPlanBooks()};
  hub::v1::GetRollForwardRequest req;
  req.mutable_query()->set_period_start("2024-08");
  req.mutable_query()->set_period_end("2024-09");
  req.set_account(hub::v1::ROLL_FORWARD_ACCOUNT_UNBILLED_RECEIVABLE);
  auto rf = RollForwardResponse(req, books);
  REQUIRE(rf.ok());
  REQUIRE(rf->rows_size() == 2);
  CHECK(rf->rows(1).period() == "2024-09");
  CHECK(FormatMoney(rf->rows(1).opening()) == "200.00 USD");
  CHECK(FormatMoney(rf->rows(1).billings()) == "-200.00 USD");
  CHECK(FormatMoney(rf->rows(1).closing()) == "0.00 USD");

  hub::v1::GetWaterfallRequest wreq;
  wreq.mutable_query()->set_period_start("2024-01");
  wreq.mutable_query()->set_period_end("2024-02");
  auto wf = WaterfallResponse(wreq, books);
  REQUIRE(wf.ok());
  REQUIRE(wf->periods_size() == 2);
  REQUIRE(wf->rows_size() == 1);
  CHECK(wf->rows(0).recognised(1).period() == "2024-02");
  CHECK(FormatMoney(wf->rows(0).recognised(1).amount()) == "100.00 USD");
  CHECK(FormatMoney(wf->rows(0).remaining()) == "400.00 USD");
  REQUIRE(wf->recognised_total_size() == 2);
}

// ------------------------------------------------------------ the tie-out

// Sums of journal lines, computed plainly, per contract.
struct Ledger {
  // (role, period) -> debit - credit in that period's entries.
  std::map<std::pair<int, PeriodIndex>, Nanos> by_role;
  // period -> revenue net of contra revenue in recognition entries.
  std::map<PeriodIndex, Nanos> recognised;
  // period -> the position's movement by invoices, credit notes and voids.
  std::map<PeriodIndex, Nanos> billed;

  // Returns the role's debit balance at the end of `period`.
  Nanos Balance(int role, PeriodIndex period) const {
    Nanos sum = 0;
    for (const auto& [key, amount] : by_role) {
      if (key.first == role && key.second <= period) sum += amount;
    }
    return sum;
  }
  Nanos Moved(int role, PeriodIndex period) const {
    auto it = by_role.find({role, period});
    return it == by_role.end() ? 0 : it->second;
  }
};

Ledger LedgerOf(const ContractBooks& b) {
  Ledger out;
  for (const JournalEntry& e : b.entries) {
    const PeriodIndex p = *ParsePeriod(e.period(), "entry");
    const std::string& kind = e.source_kind();
    for (const auto& l : e.lines()) {
      const Nanos debit = ToNanos(l.debit()) - ToNanos(l.credit());
      out.by_role[{l.account_role(), p}] += debit;
      const int role = l.account_role();
      const bool contra =
          role == canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE ||
          (role >= canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND &&
           role <= canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE);
      if (kind == "recognition" &&
          (contra || role == canonical::v1::ACCOUNT_ROLE_REVENUE)) {
        out.recognised[p] -= debit;
      }
      if ((kind == "invoice" || kind == "credit_note" || kind == "void") &&
          (role == canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE ||
           role == canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE)) {
        out.billed[p] -= debit;
      }
    }
  }
  return out;
}

constexpr int kContraRoles[] = {
    canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE,
    canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND,
    canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_VOID,
    canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE};

const std::string& GroupOf(ReportGroupBy g, const ContractBooks& b) {
  switch (g) {
    case ReportGroupBy::kCustomer:
      return b.customer_id;
    case ReportGroupBy::kLegalEntity:
      return b.legal_entity;
    case ReportGroupBy::kCurrency:
      return b.currency_code;
    default:
      return b.contract_id;
  }
}

void CheckRange(const std::vector<ContractBooks>& books,
                const std::vector<Ledger>& ledgers, ReportQuery q) {
  INFO("range " << PeriodName(q.first) << ".." << PeriodName(q.last)
                << " group " << static_cast<int>(q.group_by));
  const int n = q.last - q.first + 1;
  // Expected figures per (group, currency) from the ledgers.
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::vector<Nanos>> deferred;  // credit balance per period
  std::map<Key, std::vector<Nanos>> unbilled;  // debit balance per period
  std::map<std::string, std::vector<Nanos>> recognised;  // per currency
  std::map<std::string, std::vector<Nanos>> contra;      // per currency
  std::map<std::string, Nanos> remaining;  // per currency: billed - recognised
  std::map<Key, Nanos> rpo;
  for (size_t i = 0; i < books.size(); ++i) {
    const ContractBooks& b = books[i];
    const Ledger& ledger = ledgers[i];
    const Key key{GroupOf(q.group_by, b), b.currency_code};
    auto& d = deferred[key];
    auto& u = unbilled[key];
    auto& r = recognised[b.currency_code];
    auto& c = contra[b.currency_code];
    d.resize(n, 0);
    u.resize(n, 0);
    r.resize(n, 0);
    c.resize(n, 0);
    for (int k = 0; k < n; ++k) {
      const PeriodIndex p = q.first + k;
      d[k] -= ledger.Balance(canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, p);
      u[k] +=
          ledger.Balance(canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE, p);
      auto it = ledger.recognised.find(p);
      if (it != ledger.recognised.end()) r[k] += it->second;
      for (int role : kContraRoles) c[k] += ledger.Moved(role, p);
    }
    Nanos recognised_to_date = 0;
    for (const auto& [p, amount] : ledger.billed) {
      if (p <= q.last) remaining[b.currency_code] += amount;
    }
    for (const auto& [p, amount] : ledger.recognised) {
      if (p <= q.last) {
        remaining[b.currency_code] -= amount;
        recognised_to_date += amount;
      }
    }
    // RPO = everything scheduled or pending - what the ledger recognised.
    Nanos scheduled = 0;
    for (const auto& l : b.schedule.lines()) scheduled += ToNanos(l.amount());
    for (const auto& po : b.schedule.obligations()) {
      if (po.has_pending_amount()) scheduled += ToNanos(po.pending_amount());
    }
    rpo[key] += scheduled - recognised_to_date;
  }

  // Roll-forwards: each row closes, closes at the ledger's balance, and
  // opens at the previous row's closing.
  for (auto role : {canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE,
                    canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE}) {
    auto rows = RollForward(q, role, books);
    REQUIRE(rows.ok());
    auto& expected = role == canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE
                         ? deferred
                         : unbilled;
    std::set<Key> seen;
    for (size_t i = 0; i < rows->size(); ++i) {
      const RollForwardRow& row = (*rows)[i];
      Nanos sum = row.opening;
      for (Nanos m : row.movements) sum += m;
      CHECK(sum == row.closing);
      const Key key{row.group, row.currency_code};
      seen.insert(key);
      CHECK(row.closing == expected[key][row.period - q.first]);
      if (row.period > q.first) {
        CHECK(row.opening == (*rows)[i - 1].closing);
      }
    }
    for (const auto& [key, balances] : expected) {
      if (seen.contains(key)) continue;
      for (Nanos x : balances) CHECK(x == 0);
    }
  }

  // Waterfall: recognised per period is the recognition entries' revenue,
  // the rows add up to it, and what remains is billed - recognised.
  auto wf = Waterfall(q, books);
  REQUIRE(wf.ok());
  std::map<std::string, std::vector<Nanos>> row_sums;
  std::map<std::string, Nanos> row_remaining;
  for (const WaterfallRow& row : wf->rows) {
    auto& s = row_sums[row.currency_code];
    s.resize(n, 0);
    for (int k = 0; k < n; ++k) s[k] += row.recognised[k];
    row_remaining[row.currency_code] += row.remaining;
  }
  for (const auto& [currency, totals] : wf->recognised_total) {
    INFO(currency);
    CHECK(totals == recognised[currency]);
    if (row_sums.contains(currency)) CHECK(row_sums[currency] == totals);
    CHECK(row_remaining[currency] == remaining[currency]);
  }
  CHECK(wf->recognised_total.size() == recognised.size());

  // Contra revenue: the contra roles' movements.
  if (q.group_by != ReportGroupBy::kProduct) {
    auto rows = ContraRevenue(q, books);
    REQUIRE(rows.ok());
    std::map<std::string, std::vector<Nanos>> sums;
    for (const ContraRevenueRow& row : *rows) {
      auto& s = sums[row.currency_code];
      s.resize(n, 0);
      s[row.period - q.first] += row.total;
      CHECK(row.total ==
            row.credit_notes + row.refunds + row.voids + row.disputes);
    }
    for (auto& [currency, expected] : contra) {
      sums[currency].resize(n, 0);
      CHECK(sums[currency] == expected);
    }
  }

  // Remaining obligations.
  auto rpo_rows = RemainingObligations(q, books);
  REQUIRE(rpo_rows.ok());
  std::map<Key, Nanos> got;
  for (const auto& row : *rpo_rows) {
    CHECK(row.total == row.within_12_months + row.later);
    got[{row.group, row.currency_code}] = row.total;
  }
  for (const auto& [key, amount] : rpo) {
    INFO(key.first << " " << key.second);
    CHECK(got[key] == amount);
  }

  // Contract balances: the ledger's balances, one side at a time.
  if (q.group_by == ReportGroupBy::kContract) {
    auto rows = ContractBalances(q, books);
    REQUIRE(rows.ok());
    std::map<std::pair<std::string, PeriodIndex>, const ContractBalanceRow*> by;
    for (const auto& row : *rows) by[{row.contract_id, row.period}] = &row;
    for (size_t i = 0; i < books.size(); ++i) {
      for (PeriodIndex p = q.first; p <= q.last; ++p) {
        const Nanos asset = ledgers[i].Balance(
            canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE, p);
        const Nanos liability = -ledgers[i].Balance(
            canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE, p);
        const Nanos receivable =
            ledgers[i].Balance(canonical::v1::ACCOUNT_ROLE_RECEIVABLE, p);
        auto it = by.find({books[i].contract_id, p});
        if (it == by.end()) {
          CHECK((asset == 0 && liability == 0 && receivable == 0));
          continue;
        }
        CHECK(it->second->contract_asset == asset);
        CHECK(it->second->contract_liability == liability);
        CHECK(it->second->receivable == receivable);
        CHECK((asset == 0 || liability == 0));
      }
    }
  }
}

void TieOut(const std::vector<ContractBooks>& books) {
  std::vector<Ledger> ledgers;
  for (const ContractBooks& b : books) ledgers.push_back(LedgerOf(b));
  const std::pair<const char*, const char*> ranges[] = {
      {"2023-01", "2024-12"}, {"2023-07", "2025-06"}, {"2024-03", "2024-03"}};
  for (const auto& [first, last] : ranges) {
    for (ReportGroupBy g :
         {ReportGroupBy::kContract, ReportGroupBy::kCustomer,
          ReportGroupBy::kLegalEntity, ReportGroupBy::kCurrency}) {
      ReportQuery q = Range(first, last);
      q.group_by = g;
      CheckRange(books, ledgers, q);
    }
  }
  // Grouped by product, remaining obligations and contra revenue add up to
  // the same totals per currency.
  ReportQuery by_contract = Range("2023-01", "2024-12");
  ReportQuery by_product = by_contract;
  by_product.group_by = ReportGroupBy::kProduct;
  auto sum_rpo = [&](const ReportQuery& q) {
    std::map<std::string, Nanos> out;
    auto rows = RemainingObligations(q, books);
    REQUIRE(rows.ok());
    for (const auto& r : *rows) out[r.currency_code] += r.total;
    return out;
  };
  auto sum_contra = [&](const ReportQuery& q) {
    std::map<std::string, Nanos> out;
    auto rows = ContraRevenue(q, books);
    REQUIRE(rows.ok());
    for (const auto& r : *rows) out[r.currency_code] += r.total;
    return out;
  };
  CHECK(sum_rpo(by_product) == sum_rpo(by_contract));
  CHECK(sum_contra(by_product) == sum_contra(by_contract));
}

}  // namespace reports_test

void CheckReportsTieToJournal(const std::vector<ContractBooks>& books) {
  reports_test::TieOut(books);
}

}  // namespace revhub::revenue
