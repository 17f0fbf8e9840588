// What `revhub records …` prints: a raw record's details (never its
// payload), a page of records, a record with the exceptions it had, and the
// outcome of a replay, a replay operation's progress. Pure: text from messages,
// no I/O.
#ifndef REVHUB_HUB_CLI_RECORDS_FORMAT_H_
#define REVHUB_HUB_CLI_RECORDS_FORMAT_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"

namespace revhub::cli {

// Returns what a WAITING record waits for: "customer stripe/customer/cus_1".
std::string WaitingFor(const hubv1::RawRecord& record);
// Returns the record's details, one "label: value" line per field (its
// status reason and what it waits for when it has them).
std::string RenderRecord(const hubv1::RawRecord& record);
// Returns one row per record; WHY is what a WAITING record waits for, or
// the record's status reason.
std::string RenderRecordTable(const hubv1::ListRecordsResponse& page);
// Returns one indented line for an exception of a record:
// "  #ID TIME  FIELD: REASON" and when it was resolved.
std::string RenderRecordException(const hubv1::RecordException& exception);
// Returns RenderRecord and then every exception the record had.
std::string RenderRecordWithExceptions(
    const hubv1::ShowRecordResponse& response);
// Returns the record's status after a replay and what changed or failed.
std::string RenderReplayOutcome(const hubv1::ReplayOutcome& outcome);
// Returns one line for a replay operation: "op_3 RUNNING stripe: 200/1000
// replayed (180 applied, 20 failed)" and its error when it has one.
std::string RenderOperation(const hubv1::Operation& op);
// Returns a progress bar for a terminal, without a newline:
// "op_3 [########------------]  40%  400/1000  (380 applied, 20 failed)".
std::string RenderProgressBar(const hubv1::Operation& op);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_RECORDS_FORMAT_H_
