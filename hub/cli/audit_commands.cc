// `revhub audit list|verify`: the hub's audit log (AuditService).
//
//   revhub audit list [--principal P] [--since T] [--until T] [--method M]
//                     [--target T] [--limit N]
//   revhub audit verify [--expect-head SEQ:HASH]
//
// verify exits 1 when the chain is broken and names the first broken row.
// What they print is built by hub/cli/audit_format.h.
#include <CLI/CLI.hpp>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/cli/audit_format.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"

namespace revhub::cli {
namespace {

using google::protobuf::util::TimeUtil;

struct AuditFlags {
  // list
  std::string principal, since, until, method, target;
  int limit = 100;
  // verify
  std::string expect_head;
};

// Parses an RFC 3339 time, or an age ("2h": that long before now).
absl::StatusOr<google::protobuf::Timestamp> ParseTimeOrAge(
    const std::string& text, absl::string_view flag) {
  absl::StatusOr<google::protobuf::Timestamp> time = ParseTimestamp(text, flag);
  if (time.ok()) return time;
  absl::StatusOr<google::protobuf::Duration> age = ParseAge(text, flag);
  if (!age.ok()) {
    return UsageError(absl::StrCat(
        flag, ": \"", text,
        "\" is neither an RFC 3339 time nor an age such as 2h or 3d"));
  }
  return TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(absl::Now()) - TimeUtil::DurationToMicroseconds(*age));
}

absl::Status ListAudit(const AuditFlags& f, CommandContext& ctx) {
  hubv1::ListAuditRecordsRequest request;
  request.set_principal(f.principal);
  request.set_method(f.method);
  request.set_target(f.target);
  if (!f.since.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_since(),
                     ParseTimeOrAge(f.since, "--since"));
  }
  if (!f.until.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_until(),
                     ParseTimeOrAge(f.until, "--until"));
  }
  const Paging paging = Paging::UpTo(f.limit);
  ASSIGN_OR_RETURN(hubv1::ListAuditRecordsResponse all,
                   FetchPages(
                       request, paging,
                       [&ctx](const hubv1::ListAuditRecordsRequest& r) {
                         return ctx.Hub().ListAuditRecords(r);
                       },
                       &hubv1::ListAuditRecordsResponse::mutable_records));
  PrintList(ctx, all, all.records_size(), "audit records",
            RenderAuditTable(all), paging);
  return absl::OkStatus();
}

absl::Status VerifyAudit(const AuditFlags& f, CommandContext& ctx) {
  hubv1::VerifyAuditLogRequest request;
  if (!f.expect_head.empty()) {
    const size_t colon = f.expect_head.find(':');
    int64_t seq = 0;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(f.expect_head.substr(0, colon), &seq) || seq <= 0 ||
        f.expect_head.size() - colon - 1 != 64) {
      return UsageError(
          absl::StrCat("--expect-head: \"", f.expect_head,
                       "\" must be SEQ:HASH as printed by an earlier verify"));
    }
    request.set_expected_head_seq(seq);
    request.set_expected_head_hash(f.expect_head.substr(colon + 1));
  }
  ASSIGN_OR_RETURN(hubv1::VerifyAuditLogResponse response,
                   ctx.Hub().VerifyAuditLog(request));
  ctx.Print(response, RenderAuditVerification(response));
  if (!response.intact()) {
    return absl::DataLossError(absl::StrCat("the audit log is broken at row ",
                                            response.broken_seq(), ": ",
                                            response.detail()));
  }
  return absl::OkStatus();
}

}  // namespace

void DefineAuditCommands(CLI::App& app, CommandContext& ctx) {
  AuditFlags& f = ctx.NewFlags<AuditFlags>();
  CLI::App* audit = app.add_subcommand(
      "audit",
      "The hub's audit log: who changed what, and whether the log was "
      "tampered with");
  audit->require_subcommand(1);

  CLI::App* list =
      audit->add_subcommand("list", "List audit rows, oldest first");
  list->add_option("--principal", f.principal, "Only this principal's calls");
  list->add_option("--since", f.since,
                   "From this time (RFC 3339) or this long ago (2h, 3d)");
  list->add_option("--until", f.until, "Before this time or this long ago");
  list->add_option("--method", f.method,
                   "Only this method (RegisterSystem, or the full "
                   "/revhub.hub.v1.Service/Method)");
  list->add_option("--target", f.target,
                   "Only calls on this id or name (VALUE or FIELD=VALUE)");
  list->add_option("--limit", f.limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 1000000));
  ctx.OnParsed(list, [&f, &ctx] { return ListAudit(f, ctx); });

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Check the hash chain of the whole log; exits 1 and names the first "
      "broken row when it is broken");
  verify->add_option("--expect-head", f.expect_head,
                     "SEQ:HASH printed by an earlier verify: also catches a "
                     "truncated or rewritten tail");
  ctx.OnParsed(verify, [&f, &ctx] { return VerifyAudit(f, ctx); });
}

}  // namespace revhub::cli
