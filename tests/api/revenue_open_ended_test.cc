// An open-ended subscription through the real hub: accepted without an end
// to its term, recognised by the periods its invoices bill (a VAT-inclusive
// one among them), stopped at its cancellation.
#include "absl/strings/match.h"
#include "canonical/money.h"
#include "tests/api/revenue_fixture.h"

namespace revhub::testing {
namespace {

constexpr int64_t kDay = 86400;

// A monthly evergreen subscription from January 2025 at 100 USD a month.
cv1::Contract Evergreen(const RevenueHub& hub) {
  cv1::Contract c;
  c.set_customer_id(hub.customer_id);
  c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
  c.set_currency_code("USD");
  c.set_legal_entity("ACME-US");
  *c.mutable_effective_at() = At(kJan);
  c.set_renewal_behavior(cv1::RENEWAL_BEHAVIOR_EVERGREEN);
  c.mutable_renewal_interval()->set_unit(cv1::INTERVAL_UNIT_MONTH);
  c.mutable_renewal_interval()->set_count(1);
  *c.mutable_term()->mutable_start_time() = At(kJan);
  auto* line = c.add_lines();
  line->set_line_id("si_1");
  line->set_product_id(hub.product_id);
  line->mutable_quantity()->set_units(1);
  *line->mutable_unit_price() = Usd(100);
  *line->mutable_service_period()->mutable_start_time() = At(kJan);
  return c;
}

// Upserts an invoice billing si_1 for [start, end) at 100 USD net plus `tax`
// (the vendor's price included it when `inclusive`).
void Bill(RevenueHub& hub, const std::string& contract_id,
          const std::string& key, int64_t start, int64_t end, int64_t tax,
          bool inclusive) {
  v1::UpsertInvoiceRequest req;
  auto* invoice = req.mutable_invoice();
  invoice->set_customer_id(hub.customer_id);
  invoice->set_contract_id(contract_id);
  invoice->set_kind(cv1::INVOICE_KIND_INVOICE);
  invoice->set_status(cv1::INVOICE_STATUS_OPEN);
  invoice->set_currency_code("USD");
  invoice->set_tax_inclusive(inclusive);
  *invoice->mutable_issued_at() = At(start);
  *invoice->mutable_subtotal() = Usd(100);
  *invoice->mutable_tax_total() = Usd(tax);
  *invoice->mutable_total() = Usd(100 + tax);
  *invoice->mutable_amount_remaining() = Usd(100 + tax);
  auto* line = invoice->add_lines();
  line->set_contract_line_id("si_1");
  *line->mutable_amount() = Usd(100);
  *line->mutable_tax_amount() = Usd(tax);
  *line->mutable_service_period()->mutable_start_time() = At(start);
  *line->mutable_service_period()->mutable_end_time() = At(end);
  req.set_idempotency_key(key);
  v1::UpsertInvoiceResponse resp;
  REQUIRE(
      hub.invoices->UpsertInvoice(Ctx().get(), req, &resp).error_message() ==
      "");
}

std::map<std::string, std::string> ByPeriod(const RevenueSchedule& s) {
  std::map<std::string, int64_t> nanos;
  for (const auto& l : s.lines()) nanos[l.period()] += Nanos(l.amount());
  std::map<std::string, std::string> out;
  for (const auto& [period, n] : nanos) {
    out[period] = FormatMoney(*MoneyFromNanos("USD", n));
  }
  return out;
}

TEST_CASE("an evergreen subscription is recognised by its billed periods",
          "[revenue]") {
  RevenueHub hub;
  auto booked = Upsert(hub, Evergreen(hub), "book");
  const std::string id = booked.contract().id();
  RevenueSchedule v1s = WaitForSchedule(hub, id, 1);
  // Nothing billed, nothing recognised: no lines for unbilled months.
  CHECK(v1s.lines_size() == 0);
  REQUIRE(v1s.obligations_size() == 1);
  CHECK(FormatMoney(v1s.obligations(0).allocated_amount()) == "0.00 USD");

  Bill(hub, id, "inv-jan", kJan, kFeb, 10, false);
  WaitForSchedule(hub, id, 2);
  // February billed VAT-inclusive: 120 including 20 of tax is 100 of revenue.
  Bill(hub, id, "inv-feb", kFeb, kMar, 20, true);
  RevenueSchedule v3s = WaitForSchedule(hub, id, 3);
  CHECK(ByPeriod(v3s) ==
        std::map<std::string, std::string>{{"2025-01", "100.00 USD"},
                                           {"2025-02", "100.00 USD"}});
  CHECK(FormatMoney(v3s.transaction_price()) == "200.00 USD");
  int64_t tax = 0;
  int64_t receivable = 0;
  for (const auto& e : ListJournal(hub, id)) {
    for (const auto& l : e.lines()) {
      if (l.account_role() == cv1::ACCOUNT_ROLE_TAX_PAYABLE)
        tax += Nanos(l.credit()) - Nanos(l.debit());
      if (l.account_role() == cv1::ACCOUNT_ROLE_RECEIVABLE)
        receivable += Nanos(l.debit()) - Nanos(l.credit());
    }
  }
  CHECK(tax == 30 * 1000000000LL);
  CHECK(receivable == 230 * 1000000000LL);

  // Billed for March, cancelled on March 16 with no refund: March's period
  // stops being spread there and the rest of it is recognised then.
  Bill(hub, id, "inv-mar", kMar, kApr, 10, false);
  WaitForSchedule(hub, id, 4);
  cv1::Contract cancelled = booked.contract();
  cancelled.set_status(cv1::CONTRACT_STATUS_CANCELLED);
  *cancelled.mutable_effective_at() = At(kMar + 15 * kDay);
  *cancelled.mutable_cancelled_at() = At(kMar + 15 * kDay);
  cancelled.set_cancellation_reason("cancellation_requested");
  auto stored = Upsert(hub, cancelled, "cancel");
  CHECK(stored.contract().cancellation_reason() == "cancellation_requested");
  RevenueSchedule v5s = WaitForSchedule(hub, id, 5);
  CHECK(v5s.recomputation_error() == "");
  CHECK(ByPeriod(v5s) ==
        std::map<std::string, std::string>{{"2025-01", "100.00 USD"},
                                           {"2025-02", "100.00 USD"},
                                           {"2025-03", "100.00 USD"}});
  CHECK(absl::StrContains(v5s.modification_reason(),
                          "cancelled: recognition stops at 2025-03-16"));
}

}  // namespace
}  // namespace revhub::testing
