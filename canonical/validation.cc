#include "canonical/validation.h"

#include <cctype>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/currency.h"
#include "canonical/field_path.h"
#include "canonical/money.h"
#include "canonical/size_limits.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace revhub {
namespace {

using canonical::v1::ExternalRef;
using canonical::v1::ServicePeriod;
using google::protobuf::RepeatedPtrField;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return FieldError(absl::StatusCode::kInvalidArgument, field, rule);
}

absl::Status Required(absl::string_view field) {
  return Invalid(field, "is required");
}

absl::Status ValidateCurrencyCode(const std::string& code,
                                  absl::string_view field) {
  if (code.empty()) return Required(field);
  if (FindCurrency(code) == nullptr) {
    return Invalid(field, absl::StrCat("unknown ISO 4217 currency \"", code,
                                       "\" (codes are upper case, e.g. USD)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateExternalRefs(const RepeatedPtrField<ExternalRef>& refs,
                                  absl::string_view entity) {
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (int i = 0; i < refs.size(); ++i) {
    std::string f = absl::StrCat(entity, ".external_refs[", i, "]");
    const ExternalRef& r = refs[i];
    if (r.system().empty()) return Required(absl::StrCat(f, ".system"));
    if (r.object_type().empty()) {
      return Required(absl::StrCat(f, ".object_type"));
    }
    if (r.vendor_id().empty()) return Required(absl::StrCat(f, ".vendor_id"));
    if (!seen.insert({r.system(), r.object_type(), r.vendor_id()}).second) {
      return Invalid(f, "appears twice");
    }
  }
  return absl::OkStatus();
}

// Money that is set must be well formed, in `currency` and, unless
// allow_negative, not negative.
absl::Status ValidateAmount(const canonical::v1::Money& m,
                            const std::string& currency,
                            absl::string_view field,
                            bool allow_negative = false) {
  RETURN_IF_ERROR(ValidateMoney(m, field));
  if (m.currency_code() != currency) {
    return Invalid(field, absl::StrCat("is in ", m.currency_code(),
                                       " but must be in ", currency));
  }
  if (!allow_negative && IsNegative(m)) {
    return Invalid(
        field, absl::StrCat("must not be negative (got ", FormatMoney(m), ")"));
  }
  return absl::OkStatus();
}

// A period needs a start, and an end after it unless `open_end_allowed` and
// the end is unset. `open_end_rule` says, when the end is missing and not
// allowed, why it is required.
absl::Status ValidatePeriod(const ServicePeriod& p, absl::string_view field,
                            bool open_end_allowed = false,
                            absl::string_view open_end_rule = "is required") {
  if (!p.has_start_time()) return Required(absl::StrCat(field, ".start_time"));
  if (!p.has_end_time()) {
    if (open_end_allowed) return absl::OkStatus();
    return Invalid(absl::StrCat(field, ".end_time"), open_end_rule);
  }
  using google::protobuf::util::TimeUtil;
  if (p.end_time() <= p.start_time()) {
    return Invalid(
        absl::StrCat(field, ".end_time"),
        absl::StrCat("must be after start_time (the period is half-open; a "
                     "one-off charge has delivered_at instead), got ",
                     TimeUtil::ToString(p.end_time()),
                     " <= ", TimeUtil::ToString(p.start_time())));
  }
  return absl::OkStatus();
}

absl::Status ValidateInterval(const canonical::v1::Interval& i,
                              absl::string_view field) {
  if (i.unit() == canonical::v1::INTERVAL_UNIT_UNSPECIFIED) {
    return Invalid(absl::StrCat(field, ".unit"),
                   "is required (DAY, WEEK, MONTH or YEAR)");
  }
  if (i.count() < 1) {
    return Invalid(absl::StrCat(field, ".count"),
                   absl::StrCat("must be at least 1, got ", i.count()));
  }
  return absl::OkStatus();
}

// The term and renewal fields of a contract.
absl::Status ValidateTerm(const canonical::v1::Contract& c) {
  using canonical::v1::RENEWAL_BEHAVIOR_AUTO_RENEW;
  using canonical::v1::RENEWAL_BEHAVIOR_EVERGREEN;
  using canonical::v1::RENEWAL_BEHAVIOR_FIXED;
  const auto behavior = c.renewal_behavior();
  const char* name =
      behavior == RENEWAL_BEHAVIOR_AUTO_RENEW ? "an AUTO_RENEW" : "a FIXED";
  if (behavior == RENEWAL_BEHAVIOR_EVERGREEN) {
    if (!c.has_term() || !c.term().has_start_time()) {
      return Invalid("contract.term.start_time",
                     "is required (when the EVERGREEN contract began)");
    }
    if (c.term().has_end_time()) {
      return Invalid("contract.term.end_time",
                     "must be unset for an EVERGREEN contract (it runs until "
                     "cancelled; a contract with an end is FIXED or "
                     "AUTO_RENEW)");
    }
  }
  if (behavior == RENEWAL_BEHAVIOR_AUTO_RENEW ||
      behavior == RENEWAL_BEHAVIOR_FIXED) {
    if (!c.has_term() || !c.term().has_end_time()) {
      return Invalid("contract.term.end_time",
                     absl::StrCat("is required for ", name,
                                  " contract (an open-ended contract is "
                                  "EVERGREEN)"));
    }
  }
  if (c.has_term()) {
    RETURN_IF_ERROR(
        ValidatePeriod(c.term(), "contract.term", IsOpenEnded(c),
                       "is required unless the contract is EVERGREEN"));
  }
  if (behavior == RENEWAL_BEHAVIOR_AUTO_RENEW && !c.has_renewal_interval()) {
    return Invalid("contract.renewal_interval",
                   "is required for an AUTO_RENEW contract (the length of "
                   "each renewal term)");
  }
  if (c.has_renewal_interval()) {
    RETURN_IF_ERROR(
        ValidateInterval(c.renewal_interval(), "contract.renewal_interval"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePercent(const canonical::v1::Decimal& d,
                             absl::string_view field) {
  RETURN_IF_ERROR(ValidateDecimal(d, field));
  Nanos v = ToNanos(d);
  if (v < 0 || v > static_cast<Nanos>(100) * kNanosPerUnit) {
    return Invalid(field, absl::StrCat("must be between 0 and 100, got ",
                                       FormatDecimal(d)));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsOpenEnded(const canonical::v1::Contract& c) {
  switch (c.renewal_behavior()) {
    case canonical::v1::RENEWAL_BEHAVIOR_EVERGREEN:
      return true;
    case canonical::v1::RENEWAL_BEHAVIOR_UNSPECIFIED:
      return c.has_term() && c.term().has_start_time() &&
             !c.term().has_end_time();
    default:
      return false;
  }
}

absl::Status ValidateCustomer(const canonical::v1::Customer& c) {
  RETURN_IF_ERROR(CheckSizeLimits(c, "customer"));
  if (c.name().empty()) return Required("customer.name");
  if (!c.currency_code().empty()) {
    RETURN_IF_ERROR(
        ValidateCurrencyCode(c.currency_code(), "customer.currency_code"));
  }
  if (!c.email().empty()) {
    auto at = c.email().find('@');
    if (at == std::string::npos || at == 0 || at + 1 == c.email().size() ||
        c.email().find('@', at + 1) != std::string::npos) {
      return Invalid("customer.email",
                     absl::StrCat("\"", c.email(), "\" is not an address"));
    }
  }
  const std::string& cc = c.billing_address().country_code();
  if (!cc.empty() &&
      (cc.size() != 2 || !std::isupper(static_cast<unsigned char>(cc[0])) ||
       !std::isupper(static_cast<unsigned char>(cc[1])))) {
    return Invalid(
        "customer.billing_address.country_code",
        absl::StrCat("must be an ISO 3166-1 alpha-2 code, got \"", cc, "\""));
  }
  return ValidateExternalRefs(c.external_refs(), "customer");
}

absl::Status ValidateProduct(const canonical::v1::Product& p) {
  RETURN_IF_ERROR(CheckSizeLimits(p, "product"));
  if (p.name().empty()) return Required("product.name");
  if (p.has_standalone_selling_price()) {
    const auto& ssp = p.standalone_selling_price();
    RETURN_IF_ERROR(ValidateMoney(ssp, "product.standalone_selling_price"));
    if (IsNegative(ssp)) {
      return Invalid("product.standalone_selling_price",
                     "must not be negative");
    }
  }
  if (p.ssp_period_months() < 0) {
    return Invalid("product.ssp_period_months", "must not be negative");
  }
  return ValidateExternalRefs(p.external_refs(), "product");
}

absl::Status ValidateContract(const canonical::v1::Contract& c) {
  RETURN_IF_ERROR(CheckSizeLimits(c, "contract"));
  using canonical::v1::CONTRACT_STATUS_ACTIVE;
  using canonical::v1::CONTRACT_STATUS_UNSPECIFIED;
  if (c.customer_id().empty()) return Required("contract.customer_id");
  if (c.status() == CONTRACT_STATUS_UNSPECIFIED) {
    return Invalid("contract.status",
                   "is required (DRAFT, ACTIVE, CANCELLED or EXPIRED)");
  }
  RETURN_IF_ERROR(
      ValidateCurrencyCode(c.currency_code(), "contract.currency_code"));
  const std::string& currency = c.currency_code();
  RETURN_IF_ERROR(ValidateTerm(c));
  const bool open_ended = IsOpenEnded(c);
  if (c.status() == CONTRACT_STATUS_ACTIVE && c.lines().empty()) {
    return Invalid("contract.lines",
                   "an ACTIVE contract needs at least one line");
  }
  std::set<std::string> line_ids;
  for (int i = 0; i < c.lines_size(); ++i) {
    const auto& l = c.lines(i);
    std::string f = absl::StrCat("contract.lines[", i, "]");
    if (l.line_id().empty()) return Required(absl::StrCat(f, ".line_id"));
    if (!line_ids.insert(l.line_id()).second) {
      return Invalid(
          absl::StrCat(f, ".line_id"),
          absl::StrCat("\"", l.line_id(), "\" is used by another line"));
    }
    RETURN_IF_ERROR(
        ValidateDecimal(l.quantity(), absl::StrCat(f, ".quantity")));
    Nanos qty = ToNanos(l.quantity());
    if (qty < 0 && !l.downgrade()) {
      return Invalid(absl::StrCat(f, ".quantity"),
                     absl::StrCat("must not be negative (got ",
                                  FormatDecimal(l.quantity()),
                                  ") unless the line is a downgrade"));
    }
    if (!l.has_unit_price()) return Required(absl::StrCat(f, ".unit_price"));
    RETURN_IF_ERROR(ValidateAmount(l.unit_price(), currency,
                                   absl::StrCat(f, ".unit_price")));
    Nanos extended = 0;
    {
      auto ext = Multiply(l.unit_price(), l.quantity());
      if (!ext.ok()) {
        return Invalid(absl::StrCat(f, ".quantity"), ext.status().message());
      }
      extended = ToNanos(*ext);
    }
    if (l.has_discount_amount()) {
      RETURN_IF_ERROR(ValidateAmount(l.discount_amount(), currency,
                                     absl::StrCat(f, ".discount_amount")));
      Nanos abs_ext = extended < 0 ? -extended : extended;
      if (ToNanos(l.discount_amount()) > abs_ext) {
        return Invalid(
            absl::StrCat(f, ".discount_amount"),
            absl::StrCat("must not exceed the line's extended price ",
                         FormatNanos(abs_ext, MinorUnitExponent(currency)), " ",
                         currency));
      }
    }
    if (l.has_discount_percent()) {
      RETURN_IF_ERROR(ValidatePercent(l.discount_percent(),
                                      absl::StrCat(f, ".discount_percent")));
    }
    if (l.has_delivered_at() && l.has_service_period()) {
      return Invalid(absl::StrCat(f, ".delivered_at"),
                     "a one-off line (delivered_at) has no service_period; "
                     "set one or the other");
    }
    if (l.has_service_period()) {
      RETURN_IF_ERROR(ValidatePeriod(
          l.service_period(), absl::StrCat(f, ".service_period"), open_ended,
          "is required (only a line of an open-ended contract runs without "
          "an end)"));
    }
    if (l.has_included_tax()) {
      RETURN_IF_ERROR(ValidateAmount(l.included_tax(), currency,
                                     absl::StrCat(f, ".included_tax")));
    }
    if (l.has_standalone_selling_price()) {
      RETURN_IF_ERROR(
          ValidateAmount(l.standalone_selling_price(), currency,
                         absl::StrCat(f, ".standalone_selling_price")));
    }
    RETURN_IF_ERROR(ValidateExternalRefs(l.external_refs(), f));
  }
  for (int i = 0; i < c.discounts_size(); ++i) {
    const auto& d = c.discounts(i);
    std::string f = absl::StrCat("contract.discounts[", i, "]");
    if (!d.has_amount()) return Required(absl::StrCat(f, ".amount"));
    RETURN_IF_ERROR(
        ValidateAmount(d.amount(), currency, absl::StrCat(f, ".amount")));
    if (IsZero(d.amount())) {
      return Invalid(absl::StrCat(f, ".amount"), "must be positive");
    }
    for (int j = 0; j < d.line_ids_size(); ++j) {
      if (!line_ids.count(d.line_ids(j))) {
        return Invalid(
            absl::StrCat(f, ".line_ids[", j, "]"),
            absl::StrCat("no line \"", d.line_ids(j), "\" in the contract"));
      }
    }
  }
  return ValidateExternalRefs(c.external_refs(), "contract");
}

absl::Status ValidateInvoice(const canonical::v1::Invoice& inv) {
  RETURN_IF_ERROR(CheckSizeLimits(inv, "invoice"));
  using canonical::v1::INVOICE_KIND_UNSPECIFIED;
  using canonical::v1::INVOICE_STATUS_UNSPECIFIED;
  if (inv.customer_id().empty()) return Required("invoice.customer_id");
  if (inv.kind() == INVOICE_KIND_UNSPECIFIED) {
    return Invalid("invoice.kind", "is required (INVOICE or CREDIT_NOTE)");
  }
  if (inv.status() == INVOICE_STATUS_UNSPECIFIED) {
    return Invalid("invoice.status",
                   "is required (DRAFT, OPEN, PAID, VOID or UNCOLLECTIBLE)");
  }
  RETURN_IF_ERROR(
      ValidateCurrencyCode(inv.currency_code(), "invoice.currency_code"));
  const std::string& currency = inv.currency_code();
  Nanos line_sum = 0;
  for (int i = 0; i < inv.lines_size(); ++i) {
    const auto& l = inv.lines(i);
    std::string f = absl::StrCat("invoice.lines[", i, "]");
    if (l.has_quantity()) {
      RETURN_IF_ERROR(
          ValidateDecimal(l.quantity(), absl::StrCat(f, ".quantity")));
    }
    // Proration lines credit unused time and may be negative.
    if (l.has_unit_amount()) {
      RETURN_IF_ERROR(ValidateAmount(l.unit_amount(), currency,
                                     absl::StrCat(f, ".unit_amount"), true));
    }
    if (!l.has_amount()) return Required(absl::StrCat(f, ".amount"));
    RETURN_IF_ERROR(ValidateAmount(l.amount(), currency,
                                   absl::StrCat(f, ".amount"), l.proration()));
    if (l.has_discount_amount()) {
      RETURN_IF_ERROR(ValidateAmount(l.discount_amount(), currency,
                                     absl::StrCat(f, ".discount_amount")));
    }
    if (l.has_tax_amount()) {
      RETURN_IF_ERROR(ValidateAmount(l.tax_amount(), currency,
                                     absl::StrCat(f, ".tax_amount"),
                                     l.proration()));
    }
    if (l.has_delivered_at() && l.has_service_period()) {
      return Invalid(absl::StrCat(f, ".delivered_at"),
                     "a one-off line (delivered_at) has no service_period; "
                     "set one or the other");
    }
    if (l.has_service_period()) {
      RETURN_IF_ERROR(ValidatePeriod(l.service_period(),
                                     absl::StrCat(f, ".service_period")));
    }
    line_sum += ToNanos(l.amount());
  }
  struct Field {
    const char* name;
    bool present;
    const canonical::v1::Money* value;
  };
  const Field totals[] = {
      {"invoice.subtotal", inv.has_subtotal(), &inv.subtotal()},
      {"invoice.discount_total", inv.has_discount_total(),
       &inv.discount_total()},
      {"invoice.tax_total", inv.has_tax_total(), &inv.tax_total()},
      {"invoice.total", inv.has_total(), &inv.total()},
      {"invoice.amount_paid", inv.has_amount_paid(), &inv.amount_paid()},
      {"invoice.amount_remaining", inv.has_amount_remaining(),
       &inv.amount_remaining()},
      {"invoice.amount_credited", inv.has_amount_credited(),
       &inv.amount_credited()},
  };
  for (const Field& t : totals) {
    if (t.present) RETURN_IF_ERROR(ValidateAmount(*t.value, currency, t.name));
  }
  if (inv.has_subtotal() && inv.lines_size() > 0 &&
      ToNanos(inv.subtotal()) != line_sum) {
    return Invalid(
        "invoice.subtotal",
        absl::StrCat(
            "is ", FormatMoney(inv.subtotal()), " but the lines sum to ",
            FormatNanos(line_sum, MinorUnitExponent(currency)), " ", currency));
  }
  // One definition of total, whether the vendor's prices included tax or
  // not: the amounts are net, tax_total is the tax.
  if (inv.has_total() && inv.has_subtotal()) {
    const Nanos expected = ToNanos(inv.subtotal()) -
                           ToNanos(inv.discount_total()) +
                           ToNanos(inv.tax_total());
    if (ToNanos(inv.total()) != expected) {
      return Invalid(
          "invoice.total",
          absl::StrCat("is ", FormatMoney(inv.total()),
                       " but subtotal - discount_total + tax_total is ",
                       FormatNanos(expected, MinorUnitExponent(currency)), " ",
                       currency,
                       inv.tax_inclusive()
                           ? " (tax-inclusive prices too: subtotal and "
                             "discount_total are net, tax_total is added)"
                           : ""));
    }
  }
  return ValidateExternalRefs(inv.external_refs(), "invoice");
}

absl::Status ValidatePayment(const canonical::v1::Payment& p) {
  RETURN_IF_ERROR(CheckSizeLimits(p, "payment"));
  if (p.customer_id().empty()) return Required("payment.customer_id");
  if (!p.has_amount()) return Required("payment.amount");
  RETURN_IF_ERROR(ValidateMoney(p.amount(), "payment.amount"));
  const std::string& currency = p.amount().currency_code();
  if (IsNegative(p.amount()) || IsZero(p.amount())) {
    return Invalid("payment.amount", absl::StrCat("must be positive, got ",
                                                  FormatMoney(p.amount())));
  }
  Nanos allocated = 0;
  for (int i = 0; i < p.allocations_size(); ++i) {
    const auto& a = p.allocations(i);
    std::string f = absl::StrCat("payment.allocations[", i, "]");
    if (a.invoice_id().empty()) return Required(absl::StrCat(f, ".invoice_id"));
    RETURN_IF_ERROR(
        ValidateAmount(a.amount(), currency, absl::StrCat(f, ".amount")));
    allocated += ToNanos(a.amount());
  }
  if (allocated > ToNanos(p.amount())) {
    return Invalid(
        "payment.allocations",
        absl::StrCat("allocate ",
                     FormatNanos(allocated, MinorUnitExponent(currency)), " ",
                     currency, ", more than the payment's ",
                     FormatMoney(p.amount())));
  }
  if (p.has_refunded_amount()) {
    RETURN_IF_ERROR(ValidateAmount(p.refunded_amount(), currency,
                                   "payment.refunded_amount"));
    if (Compare(p.refunded_amount(), p.amount()) > 0) {
      return Invalid("payment.refunded_amount",
                     absl::StrCat("must not exceed the payment's ",
                                  FormatMoney(p.amount())));
    }
  }
  return ValidateExternalRefs(p.external_refs(), "payment");
}

absl::Status ValidateUsageRecord(const canonical::v1::UsageRecord& r) {
  RETURN_IF_ERROR(ValidateExternalRefs(r.external_refs(), "usage_record"));
  if (r.contract_id().empty()) return Required("usage_record.contract_id");
  if (r.line_id().empty()) return Required("usage_record.line_id");
  if (!r.has_quantity()) return Required("usage_record.quantity");
  RETURN_IF_ERROR(ValidateDecimal(r.quantity(), "usage_record.quantity"));
  if (ToNanos(r.quantity()) < 0) {
    return Invalid("usage_record.quantity",
                   absl::StrCat("must not be negative (got ",
                                FormatDecimal(r.quantity()), ")"));
  }
  if (!r.has_period()) return Required("usage_record.period");
  return ValidatePeriod(r.period(), "usage_record.period");
}

absl::Status ValidateDelivery(const canonical::v1::Delivery& d) {
  using canonical::v1::DELIVERY_KIND_ACTIVATION;
  using canonical::v1::DELIVERY_KIND_MILESTONE;
  RETURN_IF_ERROR(ValidateExternalRefs(d.external_refs(), "delivery"));
  if (d.contract_id().empty()) return Required("delivery.contract_id");
  if (d.line_id().empty()) return Required("delivery.line_id");
  if (d.kind() != DELIVERY_KIND_ACTIVATION &&
      d.kind() != DELIVERY_KIND_MILESTONE) {
    return Invalid("delivery.kind", "is required (ACTIVATION or MILESTONE)");
  }
  if (!d.has_delivered_at()) return Required("delivery.delivered_at");
  if (d.kind() == DELIVERY_KIND_ACTIVATION) {
    if (!d.milestone().empty() || d.has_share()) {
      return Invalid("delivery.milestone",
                     "an ACTIVATION names no milestone or share");
    }
    if (d.has_quantity()) {
      RETURN_IF_ERROR(ValidateDecimal(d.quantity(), "delivery.quantity"));
      if (ToNanos(d.quantity()) <= 0) {
        return Invalid(
            "delivery.quantity",
            absl::StrCat("must be above 0 (got ", FormatDecimal(d.quantity()),
                         "); leave it unset to deliver the whole "
                         "line"));
      }
    }
    return absl::OkStatus();
  }
  if (d.milestone().empty()) return Required("delivery.milestone");
  if (d.has_quantity()) {
    return Invalid("delivery.quantity",
                   "a MILESTONE earns a share of the line, not a quantity");
  }
  if (!d.has_share()) return Required("delivery.share");
  RETURN_IF_ERROR(ValidateDecimal(d.share(), "delivery.share"));
  const Nanos share = ToNanos(d.share());
  if (share <= 0 || share > kNanosPerUnit) {
    return Invalid("delivery.share",
                   absl::StrCat("must be above 0 and at most 1 (got ",
                                FormatDecimal(d.share()), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateJournalEntry(const canonical::v1::JournalEntry& e) {
  RETURN_IF_ERROR(CheckSizeLimits(e, "journal_entry"));
  if (e.legal_entity().empty()) return Required("journal_entry.legal_entity");
  if (e.lines_size() < 2) {
    return Invalid("journal_entry.lines", "needs at least two lines");
  }
  std::map<std::string, std::pair<Nanos, Nanos>> by_currency;
  for (int i = 0; i < e.lines_size(); ++i) {
    const auto& l = e.lines(i);
    std::string f = absl::StrCat("journal_entry.lines[", i, "]");
    if (l.account_role() == canonical::v1::ACCOUNT_ROLE_UNSPECIFIED) {
      return Required(absl::StrCat(f, ".account_role"));
    }
    bool has_debit = l.has_debit() && !IsZero(l.debit());
    bool has_credit = l.has_credit() && !IsZero(l.credit());
    if (has_debit == has_credit) {
      return Invalid(f, "needs exactly one of debit and credit");
    }
    const auto& m = has_debit ? l.debit() : l.credit();
    std::string mf = absl::StrCat(f, has_debit ? ".debit" : ".credit");
    RETURN_IF_ERROR(ValidateMoney(m, mf));
    if (IsNegative(m)) return Invalid(mf, "must be positive");
    auto& sums = by_currency[m.currency_code()];
    (has_debit ? sums.first : sums.second) += ToNanos(m);
  }
  for (const auto& [currency, sums] : by_currency) {
    if (sums.first != sums.second) {
      int exp = MinorUnitExponent(currency);
      return Invalid("journal_entry.lines",
                     absl::StrCat("unbalanced in ", currency, ": debits ",
                                  FormatNanos(sums.first, exp), ", credits ",
                                  FormatNanos(sums.second, exp)));
    }
  }
  return ValidateExternalRefs(e.external_refs(), "journal_entry");
}

}  // namespace revhub
