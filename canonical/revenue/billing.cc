#include "canonical/revenue/billing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "canonical/revenue/calendar.h"
#include "canonical/status_macros.h"

namespace revhub::revenue {
namespace {

absl::StatusOr<Nanos> Amount(const Money& m, const std::string& currency,
                             absl::string_view field) {
  RETURN_IF_ERROR(ValidateMoney(m, field, /*require_minor_unit=*/true));
  if (m.currency_code() != currency) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": currency ", m.currency_code(),
                     " differs from the contract's ", currency));
  }
  if (IsNegative(m)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must not be negative (the kind gives the direction)"));
  }
  return ToNanos(m);
}

}  // namespace

absl::StatusOr<DocumentAmounts> ReadDocumentAmounts(const Invoice& doc,
                                                    const std::string& currency,
                                                    absl::string_view field) {
  if (doc.currency_code() != currency) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".currency_code: ", doc.currency_code(),
                     " differs from the contract's ", currency));
  }
  DocumentAmounts a;
  if (doc.has_tax_total()) {
    ASSIGN_OR_RETURN(a.tax, Amount(doc.tax_total(), currency,
                                   absl::StrCat(field, ".tax_total")));
  }
  if (doc.has_total()) {
    ASSIGN_OR_RETURN(
        a.total, Amount(doc.total(), currency, absl::StrCat(field, ".total")));
  } else {
    Nanos subtotal = 0;
    Nanos discount = 0;
    if (doc.has_subtotal()) {
      ASSIGN_OR_RETURN(subtotal, Amount(doc.subtotal(), currency,
                                        absl::StrCat(field, ".subtotal")));
    }
    if (doc.has_discount_total()) {
      ASSIGN_OR_RETURN(discount,
                       Amount(doc.discount_total(), currency,
                              absl::StrCat(field, ".discount_total")));
    }
    // One definition, tax_inclusive or not: subtotal and discount_total are
    // net of tax, tax_total is added.
    a.total = subtotal - discount + a.tax;
  }
  a.net = a.total - a.tax;
  if (a.net < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".tax_total: exceeds the document's total"));
  }
  return a;
}

bool Issued(const Invoice& doc) {
  return doc.status() != canonical::v1::INVOICE_STATUS_DRAFT;
}

int64_t VoidedAt(const Invoice& doc) {
  const int64_t issued = ToMs(doc.issued_at());
  if (!doc.has_effective_at()) return issued;
  return std::max(issued, ToMs(doc.effective_at()));
}

bool Settled(const Payment& payment) {
  return payment.status() == canonical::v1::PAYMENT_STATUS_SUCCEEDED ||
         payment.status() == canonical::v1::PAYMENT_STATUS_PARTIALLY_REFUNDED ||
         payment.status() == canonical::v1::PAYMENT_STATUS_REFUNDED;
}

}  // namespace revhub::revenue
