// What `revhub exceptions …` prints: SLA state, money at stake summed per
// currency, the table of exceptions and one exception with its history and
// its record or workflow. Pure: text from messages, no I/O; money is summed
// in exact nanos and printed with FormatMoney, never through a float.
#ifndef REVHUB_HUB_CLI_EXCEPTION_FORMAT_H_
#define REVHUB_HUB_CLI_EXCEPTION_FORMAT_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"

namespace revhub::cli {

// Returns the exception's SLA state and, while it is open, how much time is
// left or how far it is over, measured at the hub's clock (created_at +
// age): "within (20h left)", "at-risk (5h left)", "breached (2h over)",
// "met", "missed".
std::string FormatSla(const hubv1::Exception& exception);

// Returns the amounts at stake summed per currency, currencies in order,
// each printed by FormatMoney ("1200.00 EUR, 5400.50 USD"), or "-" when no
// exception has an amount. A malformed amount is not summed; the text then
// says how many were left out.
std::string FormatAtStakeTotals(
    const google::protobuf::RepeatedPtrField<hubv1::Exception>& exceptions);

// One row per exception, then a footer with the count and the totals at
// stake per currency; "no exceptions" when there are none.
std::string RenderExceptionTable(const hubv1::ListExceptionsResponse& page);
// Every field of the exception, its history, the vendor's response, and
// the record (with its payload) or the workflow (with its steps).
std::string RenderExceptionDetail(const hubv1::GetExceptionResponse& response);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_EXCEPTION_FORMAT_H_
