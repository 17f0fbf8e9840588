#include "hub/revenue/report_messages.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {
namespace {

using canonical::v1::Money;

// Sets *out to amount in currency.
absl::Status Put(const std::string& currency, Nanos amount, Money* out) {
  ASSIGN_OR_RETURN(*out, MoneyFromNanos(currency, amount));
  return absl::OkStatus();
}

ReportGroupBy GroupByOf(hub::v1::ReportGroupBy g) {
  switch (g) {
    case hub::v1::REPORT_GROUP_BY_CUSTOMER:
      return ReportGroupBy::kCustomer;
    case hub::v1::REPORT_GROUP_BY_PRODUCT:
      return ReportGroupBy::kProduct;
    case hub::v1::REPORT_GROUP_BY_LEGAL_ENTITY:
      return ReportGroupBy::kLegalEntity;
    case hub::v1::REPORT_GROUP_BY_CURRENCY:
      return ReportGroupBy::kCurrency;
    default:
      return ReportGroupBy::kContract;
  }
}

}  // namespace

absl::StatusOr<ReportQuery> ReadReportQuery(
    const hub::v1::RevenueReportQuery& query) {
  ReportQuery q;
  if (query.period_start().empty()) {
    return absl::InvalidArgumentError(
        "query.period_start: required (\"YYYY-MM\")");
  }
  if (query.period_end().empty()) {
    return absl::InvalidArgumentError(
        "query.period_end: required (\"YYYY-MM\")");
  }
  ASSIGN_OR_RETURN(q.first,
                   ParsePeriod(query.period_start(), "query.period_start"));
  ASSIGN_OR_RETURN(q.last, ParsePeriod(query.period_end(), "query.period_end"));
  RETURN_IF_ERROR(ValidateReportRange(q));
  if (!hub::v1::ReportGroupBy_IsValid(query.group_by())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query.group_by: ", query.group_by(), " is not a ReportGroupBy"));
  }
  q.group_by = GroupByOf(query.group_by());
  q.contract_id = query.contract_id();
  q.customer_id = query.customer_id();
  q.product_id = query.product_id();
  q.legal_entity = query.legal_entity();
  q.currency_code = query.currency_code();
  return q;
}

absl::StatusOr<hub::v1::GetWaterfallResponse> WaterfallResponse(
    const hub::v1::GetWaterfallRequest& request,
    const std::vector<ContractBooks>& books) {
  ASSIGN_OR_RETURN(ReportQuery q, ReadReportQuery(request.query()));
  ASSIGN_OR_RETURN(WaterfallReport report, Waterfall(q, books));
  hub::v1::GetWaterfallResponse out;
  for (PeriodIndex p = q.first; p <= q.last; ++p)
    out.add_periods(PeriodName(p));
  for (const WaterfallRow& row : report.rows) {
    hub::v1::WaterfallRow* r = out.add_rows();
    r->set_group(row.group);
    r->set_currency_code(row.currency_code);
    r->set_billed_period(row.billed_period);
    RETURN_IF_ERROR(Put(row.currency_code, row.billed, r->mutable_billed()));
    for (size_t i = 0; i < row.recognised.size(); ++i) {
      hub::v1::PeriodAmount* a = r->add_recognised();
      a->set_period(out.periods(static_cast<int>(i)));
      RETURN_IF_ERROR(
          Put(row.currency_code, row.recognised[i], a->mutable_amount()));
    }
    RETURN_IF_ERROR(
        Put(row.currency_code, row.remaining, r->mutable_remaining()));
  }
  for (const auto& [currency, amounts] : report.recognised_total) {
    for (size_t i = 0; i < amounts.size(); ++i) {
      hub::v1::PeriodAmount* a = out.add_recognised_total();
      a->set_period(out.periods(static_cast<int>(i)));
      RETURN_IF_ERROR(Put(currency, amounts[i], a->mutable_amount()));
    }
  }
  return out;
}

absl::StatusOr<hub::v1::GetRollForwardResponse> RollForwardResponse(
    const hub::v1::GetRollForwardRequest& request,
    const std::vector<ContractBooks>& books) {
  ASSIGN_OR_RETURN(ReportQuery q, ReadReportQuery(request.query()));
  hub::v1::RollForwardAccount account = request.account();
  canonical::v1::AccountRole role;
  switch (account) {
    case hub::v1::ROLL_FORWARD_ACCOUNT_UNSPECIFIED:
    case hub::v1::ROLL_FORWARD_ACCOUNT_DEFERRED_REVENUE:
      account = hub::v1::ROLL_FORWARD_ACCOUNT_DEFERRED_REVENUE;
      role = canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE;
      break;
    case hub::v1::ROLL_FORWARD_ACCOUNT_UNBILLED_RECEIVABLE:
      role = canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("account: ", account, " is not a RollForwardAccount"));
  }
  ASSIGN_OR_RETURN(auto rows, RollForward(q, role, books));
  hub::v1::GetRollForwardResponse out;
  out.set_account(account);
  for (const RollForwardRow& row : rows) {
    hub::v1::RollForwardRow* r = out.add_rows();
    const std::string& ccy = row.currency_code;
    r->set_group(row.group);
    r->set_currency_code(ccy);
    r->set_period(PeriodName(row.period));
    auto m = [&row](Movement k) { return row.movements[static_cast<int>(k)]; };
    RETURN_IF_ERROR(Put(ccy, row.opening, r->mutable_opening()));
    RETURN_IF_ERROR(Put(ccy, m(Movement::kBillings), r->mutable_billings()));
    RETURN_IF_ERROR(
        Put(ccy, m(Movement::kRecognised), r->mutable_recognised()));
    RETURN_IF_ERROR(
        Put(ccy, m(Movement::kCreditNotes), r->mutable_credit_notes()));
    RETURN_IF_ERROR(Put(ccy, m(Movement::kRefunds), r->mutable_refunds()));
    RETURN_IF_ERROR(Put(ccy, m(Movement::kVoids), r->mutable_voids()));
    RETURN_IF_ERROR(Put(ccy, m(Movement::kDisputes), r->mutable_disputes()));
    RETURN_IF_ERROR(Put(ccy, row.closing, r->mutable_closing()));
  }
  return out;
}

absl::StatusOr<hub::v1::GetRemainingObligationsResponse>
RemainingObligationsResponse(
    const hub::v1::GetRemainingObligationsRequest& request,
    const std::vector<ContractBooks>& books) {
  ASSIGN_OR_RETURN(ReportQuery q, ReadReportQuery(request.query()));
  ASSIGN_OR_RETURN(auto rows, RemainingObligations(q, books));
  hub::v1::GetRemainingObligationsResponse out;
  out.set_as_of_period(PeriodName(q.last));
  for (const RemainingObligationsRow& row : rows) {
    hub::v1::RemainingObligationsRow* r = out.add_rows();
    r->set_group(row.group);
    r->set_currency_code(row.currency_code);
    RETURN_IF_ERROR(Put(row.currency_code, row.total, r->mutable_total()));
    RETURN_IF_ERROR(Put(row.currency_code, row.within_12_months,
                        r->mutable_within_12_months()));
    RETURN_IF_ERROR(Put(row.currency_code, row.later, r->mutable_later()));
  }
  return out;
}

absl::StatusOr<hub::v1::GetContractBalancesResponse> ContractBalancesResponse(
    const hub::v1::GetContractBalancesRequest& request,
    const std::vector<ContractBooks>& books) {
  ASSIGN_OR_RETURN(ReportQuery q, ReadReportQuery(request.query()));
  ASSIGN_OR_RETURN(auto rows, ContractBalances(q, books));
  hub::v1::GetContractBalancesResponse out;
  for (const ContractBalanceRow& row : rows) {
    hub::v1::ContractBalanceRow* r = out.add_rows();
    const std::string& ccy = row.currency_code;
    r->set_contract_id(row.contract_id);
    r->set_customer_id(row.customer_id);
    r->set_legal_entity(row.legal_entity);
    r->set_currency_code(ccy);
    r->set_period(PeriodName(row.period));
    RETURN_IF_ERROR(Put(ccy, row.contract_asset, r->mutable_contract_asset()));
    RETURN_IF_ERROR(
        Put(ccy, row.contract_liability, r->mutable_contract_liability()));
    RETURN_IF_ERROR(Put(ccy, row.receivable, r->mutable_receivable()));
  }
  return out;
}

absl::StatusOr<hub::v1::GetContraRevenueResponse> ContraRevenueResponse(
    const hub::v1::GetContraRevenueRequest& request,
    const std::vector<ContractBooks>& books) {
  ASSIGN_OR_RETURN(ReportQuery q, ReadReportQuery(request.query()));
  ASSIGN_OR_RETURN(auto rows, ContraRevenue(q, books));
  hub::v1::GetContraRevenueResponse out;
  for (const ContraRevenueRow& row : rows) {
    hub::v1::ContraRevenueRow* r = out.add_rows();
    const std::string& ccy = row.currency_code;
    r->set_group(row.group);
    r->set_currency_code(ccy);
    r->set_period(PeriodName(row.period));
    RETURN_IF_ERROR(Put(ccy, row.credit_notes, r->mutable_credit_notes()));
    RETURN_IF_ERROR(Put(ccy, row.refunds, r->mutable_refunds()));
    RETURN_IF_ERROR(Put(ccy, row.voids, r->mutable_voids()));
    RETURN_IF_ERROR(Put(ccy, row.disputes, r->mutable_disputes()));
    RETURN_IF_ERROR(Put(ccy, row.total, r->mutable_total()));
  }
  return out;
}

}  // namespace revhub::revenue
