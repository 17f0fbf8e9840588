// Output formatting of the `revhub` CLI: aligned tables, detail views, JSON,
// and the value syntaxes its flags accept (RFC 3339 times, enum short names).
//
// Everything here is pure: it turns messages into text or text into values,
// and does no I/O. Money is printed with FormatMoney (exact, never through a
// float); times as RFC 3339 in UTC with as many fraction digits as they
// carry, so a printed recorded_at can be passed back to --as-of unchanged.
#ifndef REVHUB_HUB_CLI_FORMAT_H_
#define REVHUB_HUB_CLI_FORMAT_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/cli/client.h"
#include "revhub/canonical/v1/money.pb.h"

namespace revhub::cli {

// Table renders rows as columns aligned to the widest cell, two spaces
// apart, header first, with no trailing spaces. Widths count UTF-8 code
// points, so "Müller" is six wide.
class Table {
 public:
  enum class Align { kLeft, kRight };

  explicit Table(std::vector<std::string> headers);

  // Right-aligns a column (amounts, counts). REQUIRES: column < headers.
  void AlignRight(size_t column);
  // REQUIRES: cells.size() == number of headers.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Returns the table, one line per row, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// Returns the number of UTF-8 code points in text.
size_t DisplayWidth(absl::string_view text);

// Returns "label: value" lines with the values aligned.
std::string RenderFields(
    const std::vector<std::pair<std::string, std::string>>& fields);

// Returns RFC 3339 UTC ("2025-01-01T00:00:00Z", "…T10:00:00.250Z"), or "-"
// for an unset (zero) timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& time);

// Parses RFC 3339 ("2025-01-01T00:00:00Z", "2025-01-01T01:00:00+01:00").
// INVALID_ARGUMENT naming `flag` when malformed.
absl::StatusOr<google::protobuf::Timestamp> ParseTimestamp(
    absl::string_view text, absl::string_view flag);

// Returns FormatMoney(money), or "-" when the money is unset (no currency
// and zero).
std::string FormatMoneyOrDash(const canonical::v1::Money& money);

// Returns the lower-case name of an enum value without its type prefix
// (SYSTEM_KIND_CRM -> "crm"), "-" for the UNSPECIFIED value, or the number
// for a value this build does not know.
std::string EnumShortName(const google::protobuf::EnumDescriptor* type,
                          int value);

// Parses an enum value given by short name ("crm", "credit-note",
// "SYSTEM_KIND_CRM"), case-insensitive, '-' and '_' alike. The UNSPECIFIED
// value is not accepted. INVALID_ARGUMENT naming `flag` and the accepted
// names otherwise.
absl::StatusOr<int> ParseEnumShortName(
    const google::protobuf::EnumDescriptor* type, absl::string_view text,
    absl::string_view flag);

// Returns the accepted short names, comma separated ("crm, billing, …").
std::string EnumChoices(const google::protobuf::EnumDescriptor* type);

// Returns the message as proto3 canonical JSON: field names in lowerCamel,
// enums by name, every scalar field printed (also zero and false). Pretty
// prints over several lines when `pretty`, else one line.
std::string ToJson(const google::protobuf::Message& message, bool pretty);

// Detail views, several lines each.
std::string RenderSystem(const hubv1::System& system);
std::string RenderCustomer(const canonical::v1::Customer& customer);
std::string RenderProduct(const canonical::v1::Product& product);
std::string RenderContract(const canonical::v1::Contract& contract);
std::string RenderInvoice(const canonical::v1::Invoice& invoice);
std::string RenderPayment(const canonical::v1::Payment& payment);
std::string RenderRecord(const hubv1::RawRecord& record);
std::string RenderConsumer(const hubv1::Consumer& consumer);

// Tables for list results.
std::string RenderSystemTable(const hubv1::ListSystemsResponse& page);
std::string RenderCustomerTable(const hubv1::ListCustomersResponse& page);
std::string RenderProductTable(const hubv1::ListProductsResponse& page);
std::string RenderContractTable(const hubv1::ListContractsResponse& page);
std::string RenderInvoiceTable(const hubv1::ListInvoicesResponse& page);
std::string RenderPaymentTable(const hubv1::ListPaymentsResponse& page);
std::string RenderRecordTable(const hubv1::ListRecordsResponse& page);
std::string RenderEventTable(
    const std::vector<canonical::v1::BusinessEvent>& events);

// One line for one event of a followed stream, columns of fixed minimum
// width (the same columns as RenderEventTable), ending in '\n'.
std::string RenderEventLine(const canonical::v1::BusinessEvent& event);
// The header line matching RenderEventLine.
std::string RenderEventLineHeader();

// Returns "contract ctr_1 v3" for an entity reference.
std::string FormatEntityRef(const canonical::v1::EntityRef& ref);

// Returns "system/object_type/vendor_id".
std::string FormatExternalRef(const canonical::v1::ExternalRef& ref);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_FORMAT_H_
