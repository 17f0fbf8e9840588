// Output of the orchestration commands (hub/cli/orchestration_commands.h)
// and the value syntaxes their flags accept: ages ("3h12m"), SLA states,
// money at stake summed per currency, workflow progress, and the tables and
// detail views of workflows and exceptions.
//
// Everything here is pure: it turns messages into text or text into values,
// and does no I/O. Money is summed in exact nanos and printed with
// FormatMoney, never through a float. Enum values print with '-' between
// words ("at-risk", "posting-rejected"), the way the flags take them.
#ifndef REVHUB_HUB_CLI_ORCHESTRATION_FORMAT_H_
#define REVHUB_HUB_CLI_ORCHESTRATION_FORMAT_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/cli/client.h"

namespace revhub::cli {

// Returns EnumShortName with '-' for '_' ("at-risk"); "-" for UNSPECIFIED.
std::string HyphenatedName(const google::protobuf::EnumDescriptor* type,
                           int value);
// Returns EnumChoices with '-' for '_' ("within, at-risk, breached, …").
std::string HyphenatedChoices(const google::protobuf::EnumDescriptor* type);

// Parses an age such as "90s", "45m", "2h", "3d", "1h30m" or "2d4h": whole
// numbers with the units d, h, m, s, largest first, each at most once.
// INVALID_ARGUMENT naming `flag` when malformed or not positive.
absl::StatusOr<google::protobuf::Duration> ParseAge(absl::string_view text,
                                                    absl::string_view flag);

// Returns an age in its two largest units, truncated: "45s", "12m30s",
// "3h12m", "2d4h", "5d" ("0s" for zero or negative).
std::string FormatAge(const google::protobuf::Duration& age);

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

// Returns "3/7": the steps succeeded or skipped, of all the steps planned.
std::string FormatStepProgress(const hubv1::Workflow& workflow);

// Returns what a workflow waits for: the earlier workflow of a PENDING one,
// the failed step and its exception of a BLOCKED one, the next step (and
// when it is retried) of a RUNNING one; "-" when COMPLETED.
std::string FormatWaitingOn(const hubv1::Workflow& workflow);

// Tables and detail views, exposed for tests.
std::string RenderWorkflowTable(const hubv1::ListWorkflowsResponse& page);
// The workflow's fields and one row per step; with `payloads`, each step's
// planned payload as JSON.
std::string RenderWorkflow(const hubv1::Workflow& workflow, bool payloads);
// One row per exception, then a footer with the count and the totals at
// stake per currency.
std::string RenderExceptionTable(const hubv1::ListExceptionsResponse& page);
// Every field of the exception, its history, the vendor's response, and
// the record (with its payload) or the workflow (with its steps).
std::string RenderExceptionDetail(const hubv1::GetExceptionResponse& response);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_ORCHESTRATION_FORMAT_H_
