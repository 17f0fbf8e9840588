#include "canonical/revenue/obligations.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "canonical/revenue/calendar.h"
#include "canonical/revenue/pattern.h"
#include "canonical/status_macros.h"
#include "canonical/validation.h"

namespace revhub::revenue {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

absl::Status CheckCurrency(const Money& money, const Contract& contract,
                           absl::string_view field) {
  RETURN_IF_ERROR(ValidateMoney(money, field));
  if (money.currency_code() != contract.currency_code()) {
    return FieldError(field, absl::StrCat("currency ", money.currency_code(),
                                          " differs from the contract's ",
                                          contract.currency_code()));
  }
  return absl::OkStatus();
}

// Returns a * b / 1e9 rounded half to even (a in nanos, b a decimal in nanos).
Nanos MulNanos(Nanos a, Nanos b) {
  const Nanos product = a * b;
  Nanos q = product / kNanosPerUnit;
  const Nanos r = product % kNanosPerUnit;
  const Nanos twice = (r < 0 ? -r : r) * 2;
  if (twice > kNanosPerUnit || (twice == kNanosPerUnit && q % 2 != 0)) {
    q += product < 0 ? -1 : 1;
  }
  return q;
}

}  // namespace

absl::StatusOr<std::vector<Obligation>> IdentifyObligations(
    const Contract& contract, const ProductCatalog& products) {
  const int exponent = MinorUnitExponent(contract.currency_code());
  if (exponent < 0) {
    return FieldError("contract.currency_code",
                      absl::StrCat("\"", contract.currency_code(),
                                   "\" is not an ISO 4217 currency"));
  }
  const bool open_ended = IsOpenEnded(contract);
  std::vector<Obligation> out;
  out.reserve(contract.lines_size());
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < contract.lines_size(); ++i) {
    const auto& line = contract.lines(i);
    const std::string field = absl::StrCat("contract.lines[", i, "]");
    if (line.line_id().empty()) {
      return FieldError(absl::StrCat(field, ".line_id"), "required");
    }
    if (!seen.insert(line.line_id()).second) {
      return FieldError(absl::StrCat(field, ".line_id"),
                        absl::StrCat("\"", line.line_id(), "\" is repeated"));
    }
    const Product* product = nullptr;
    if (!line.product_id().empty()) {
      auto it = products.find(line.product_id());
      if (it != products.end()) product = it->second;
    }
    Obligation ob;
    ob.id = absl::StrCat("po_", contract.id(), "_", line.line_id());
    ob.line_id = line.line_id();
    ob.product_id = line.product_id();
    ob.description = line.description();
    ob.line_index = i;
    ob.rule = line.revenue_rule() != RevenueRule::REVENUE_RULE_UNSPECIFIED
                  ? line.revenue_rule()
              : product != nullptr ? product->revenue_rule()
                                   : RevenueRule::REVENUE_RULE_UNSPECIFIED;
    if (line.has_delivered_at()) {
      if (line.has_service_period()) {
        return FieldError(absl::StrCat(field, ".delivered_at"),
                          "a one-off line (delivered_at) has no "
                          "service_period; set one or the other");
      }
      if (line.revenue_rule() == RevenueRule::REVENUE_RULE_USAGE ||
          line.revenue_rule() == RevenueRule::REVENUE_RULE_MILESTONE) {
        return FieldError(absl::StrCat(field, ".revenue_rule"),
                          "a one-off line (delivered_at) is recognised at "
                          "delivery; USAGE and MILESTONE do not apply");
      }
      ob.one_off = true;
      ob.delivered_ms = ToMs(line.delivered_at());
      ob.rule = RevenueRule::REVENUE_RULE_POINT_IN_TIME;
    }
    if (ob.rule == RevenueRule::REVENUE_RULE_UNSPECIFIED) {
      if (product == nullptr && !line.product_id().empty()) {
        return FieldError(
            absl::StrCat(field, ".product_id"),
            absl::StrCat("product \"", line.product_id(), "\" was not given"));
      }
      return FieldError(absl::StrCat(field, ".revenue_rule"),
                        "neither the line nor its product has a revenue rule");
    }
    if (product != nullptr) {
      ob.ssp_highly_variable = product->ssp_highly_variable();
      auto attr = product->attributes().find(kDistinctPeriodsAttribute);
      if (attr != product->attributes().end() && attr->second == "false") {
        ob.distinct_periods = false;
      }
    }
    if (ob.rule == RevenueRule::REVENUE_RULE_MILESTONE) {
      ob.distinct_periods = false;
    }
    if (line.has_service_period() && !line.service_period().has_end_time()) {
      if (!open_ended) {
        return FieldError(absl::StrCat(field, ".service_period.end_time"),
                          "required (only a line of an open-ended contract "
                          "runs without an end)");
      }
    } else if (line.has_service_period()) {
      ob.has_period = true;
      ob.start_ms = ToMs(line.service_period().start_time());
      ob.end_ms = ToMs(line.service_period().end_time());
      if (ob.end_ms <= ob.start_ms) {
        return FieldError(absl::StrCat(field, ".service_period.end_time"),
                          "must be after start_time");
      }
    }
    // Price.
    RETURN_IF_ERROR(
        ValidateDecimal(line.quantity(), absl::StrCat(field, ".quantity")));
    const Nanos quantity = ToNanos(line.quantity());
    if (quantity < 0 && !line.downgrade()) {
      return FieldError(
          absl::StrCat(field, ".quantity"),
          "negative quantity is allowed only on a downgrade line");
    }
    Nanos unit = 0;
    if (line.has_unit_price()) {
      RETURN_IF_ERROR(CheckCurrency(line.unit_price(), contract,
                                    absl::StrCat(field, ".unit_price")));
      unit = ToNanos(line.unit_price());
    }
    ob.unit_price = unit;
    ob.downgrade = quantity < 0;
    const Nanos extended = MulNanos(unit, quantity);
    Nanos net = extended;
    if (line.has_discount_amount()) {
      RETURN_IF_ERROR(CheckCurrency(line.discount_amount(), contract,
                                    absl::StrCat(field, ".discount_amount")));
      net -= ToNanos(line.discount_amount());
    }
    if (line.has_discount_percent()) {
      RETURN_IF_ERROR(ValidateDecimal(
          line.discount_percent(), absl::StrCat(field, ".discount_percent")));
      const Nanos pct = ToNanos(line.discount_percent());
      if (pct < 0 || pct > 100 * kNanosPerUnit) {
        return FieldError(absl::StrCat(field, ".discount_percent"),
                          "must be between 0 and 100");
      }
      net -= MulNanos(extended, pct / 100);
    }
    ob.net_price = RoundNanos(net, exponent, RoundingMode::kHalfEven);
    // Standalone selling price.
    const Money* unit_ssp = nullptr;
    std::string ssp_field;
    if (line.has_standalone_selling_price()) {
      unit_ssp = &line.standalone_selling_price();
      ssp_field = absl::StrCat(field, ".standalone_selling_price");
    } else if (product != nullptr && product->has_standalone_selling_price()) {
      unit_ssp = &product->standalone_selling_price();
      ssp_field = absl::StrCat("products[\"", product->id(),
                               "\"].standalone_selling_price");
    }
    ob.quantity = quantity;
    if (unit_ssp != nullptr) {
      RETURN_IF_ERROR(CheckCurrency(*unit_ssp, contract, ssp_field));
      ob.unit_ssp = ToNanos(*unit_ssp);
      if (product != nullptr && !line.has_standalone_selling_price() &&
          ob.rule == RevenueRule::REVENUE_RULE_RATABLE) {
        ob.ssp_period_months = product->ssp_period_months();
      }
      ob.ssp_given = true;
      ob.ssp = ob.has_period
                   ? BilledStandaloneSellingPrice(ob, quantity, true,
                                                  ob.start_ms, ob.end_ms, 0)
                   : MulNanos(ob.unit_ssp, quantity);
    } else {
      ob.ssp = ob.net_price;
    }
    out.push_back(std::move(ob));
  }
  return out;
}

Nanos BilledStandaloneSellingPrice(const Obligation& ob, Nanos quantity,
                                   bool has_period, int64_t start_ms,
                                   int64_t end_ms, Nanos billed_amount) {
  if (!ob.ssp_given) return billed_amount < 0 ? 0 : billed_amount;
  Nanos ssp = MulNanos(ob.unit_ssp, quantity);
  if (ob.ssp_period_months > 0 && has_period) {
    const Span months{start_ms, end_ms,
                      PeriodConvention::PERIOD_CONVENTION_MONTHLY_PRO_RATA};
    ssp = ssp * TotalWeight(months) /
          (static_cast<Nanos>(kProRataUnitsPerMonth) * ob.ssp_period_months);
  }
  return ssp;
}

bool SameTerms(const Obligation& a, const Obligation& b) {
  return a.rule == b.rule && a.has_period == b.has_period &&
         a.start_ms == b.start_ms && a.end_ms == b.end_ms &&
         a.one_off == b.one_off && a.delivered_ms == b.delivered_ms &&
         a.net_price == b.net_price && a.ssp == b.ssp &&
         a.product_id == b.product_id && a.unit_price == b.unit_price;
}

}  // namespace revhub::revenue
