// ISO 4217 currencies and their minor units.
//
// The table holds every active ISO 4217 currency that has a minor unit, with
// its exponent: JPY 0, USD 2, KWD 3, CLF 4. Precious metals, testing codes
// and funds without a minor unit (XAU, XTS, XXX, …) are not currencies a
// contract can be priced in, and are not in the table.
#ifndef REVHUB_CANONICAL_CURRENCY_H_
#define REVHUB_CANONICAL_CURRENCY_H_

#include "absl/strings/string_view.h"

namespace revhub {

struct CurrencyInfo {
  absl::string_view code;  // "USD"
  int numeric;             // 840
  int exponent;            // digits after the decimal point in the minor unit
};

// Returns the currency with this alphabetic code, or nullptr. The code must
// be upper case, as ISO 4217 writes it. The pointer is to static storage.
const CurrencyInfo* FindCurrency(absl::string_view code);

}  // namespace revhub

#endif  // REVHUB_CANONICAL_CURRENCY_H_
