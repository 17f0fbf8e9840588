#include "hub/cli/audit_format.h"

#include <iterator>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

// The gRPC code's name ("PERMISSION_DENIED"), or its number when unknown.
std::string CodeName(int code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) {
    return kNames[code];
  }
  return absl::StrCat(code);
}

std::string MethodName(const std::string& method) {
  const size_t slash = method.rfind('/');
  return slash == std::string::npos ? method : method.substr(slash + 1);
}

}  // namespace

std::string FormatAuditTargets(const hubv1::AuditRecord& record) {
  std::vector<std::string> parts;
  for (const hubv1::AuditTarget& t : record.targets()) {
    parts.push_back(absl::StrCat(t.field(), "=", t.value()));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string RenderAuditTable(const hubv1::ListAuditRecordsResponse& page) {
  Table table(
      {"SEQ", "TIME", "PRINCIPAL", "ROLE", "METHOD", "TARGETS", "OUTCOME"});
  table.AlignRight(0);
  for (const hubv1::AuditRecord& r : page.records()) {
    table.AddRow({absl::StrCat(r.seq()), FormatTimestamp(r.recorded_at()),
                  Shorten(r.principal()), r.role().empty() ? "-" : r.role(),
                  MethodName(r.method()), Shorten(FormatAuditTargets(r)),
                  CodeName(r.code())});
  }
  return table.Render();
}

std::string RenderAuditVerification(const hubv1::VerifyAuditLogResponse& v) {
  std::string head =
      absl::StrCat("head: ", v.head_seq(), ":", v.head_hash(), "\n");
  if (v.intact()) {
    return absl::StrCat("audit log intact: ", v.rows_checked(),
                        " rows checked\n", head,
                        "keep the head outside the hub and pass it as "
                        "--expect-head next time\n");
  }
  return absl::StrCat(
      "audit log BROKEN at row ", v.broken_seq(), " (",
      HyphenatedName(hubv1::AuditBreak_descriptor(), v.broken()),
      "): ", v.detail(), "\n", v.rows_checked(), " rows checked before it\n",
      head);
}

}  // namespace revhub::cli
