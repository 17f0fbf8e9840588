// What `revhub audit …` prints: the table of audit rows and the verdict of
// a chain verification. Pure: text from messages, no I/O.
#ifndef REVHUB_HUB_CLI_AUDIT_FORMAT_H_
#define REVHUB_HUB_CLI_AUDIT_FORMAT_H_

#include <string>

#include "hub/cli/client.h"

namespace revhub::cli {

// Returns "field=value" for each target, joined with ", "; "-" for none.
std::string FormatAuditTargets(const hubv1::AuditRecord& record);

// Returns one row per audit record: seq, time, principal, role, method (its
// last part), targets, outcome (the gRPC code name, "OK" for 0).
std::string RenderAuditTable(const hubv1::ListAuditRecordsResponse& page);

// Returns the verdict: "intact" with the rows checked and the head to keep
// as the next --expect-head, or "BROKEN at row N (kind): detail".
std::string RenderAuditVerification(const hubv1::VerifyAuditLogResponse& v);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_AUDIT_FORMAT_H_
