#include "hub/cli/records_format.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hub/cli/format.h"

namespace revhub::cli {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string WaitingFor(const hubv1::RawRecord& record) {
  const auto& ref = record.waiting_for();
  return absl::StrCat(EnumShortName(canonical::v1::EntityType_descriptor(),
                                    record.waiting_for_type()),
                      " ", ref.system(), "/", ref.object_type(), "/",
                      ref.vendor_id());
}

std::string RenderRecord(const hubv1::RawRecord& record) {
  Fields fields;
  fields.emplace_back("record", absl::StrCat(record.record_id()));
  fields.emplace_back("system", record.system());
  fields.emplace_back("object type", record.object_type());
  fields.emplace_back("status", EnumShortName(hubv1::RecordStatus_descriptor(),
                                              record.status()));
  if (!record.status_reason().empty()) {
    fields.emplace_back("status reason", record.status_reason());
  }
  if (record.has_waiting_for()) {
    fields.emplace_back("waiting for", WaitingFor(record));
    fields.emplace_back("waiting since",
                        FormatTimestamp(record.waiting_since()));
  }
  fields.emplace_back("content type", OrDash(record.content_type()));
  fields.emplace_back("idempotency key", OrDash(record.idempotency_key()));
  fields.emplace_back("size", absl::StrCat(record.size_bytes(), " bytes"));
  fields.emplace_back("sha256", OrDash(record.payload_sha256()));
  fields.emplace_back("received at", FormatTimestamp(record.received_at()));
  fields.emplace_back("principal", OrDash(record.principal()));
  return RenderFields(fields);
}

std::string RenderRecordTable(const hubv1::ListRecordsResponse& page) {
  Table table({"RECORD", "SYSTEM", "OBJECT TYPE", "STATUS", "SIZE", "RECEIVED",
               "IDEMPOTENCY KEY", "WHY"});
  table.AlignRight(0);
  table.AlignRight(4);
  for (const hubv1::RawRecord& record : page.records()) {
    table.AddRow(
        {absl::StrCat(record.record_id()), record.system(),
         record.object_type(),
         EnumShortName(hubv1::RecordStatus_descriptor(), record.status()),
         absl::StrCat(record.size_bytes()),
         FormatTimestamp(record.received_at()),
         OrDash(record.idempotency_key()),
         record.has_waiting_for()
             ? absl::StrCat("waits for ", WaitingFor(record))
             : OrDash(record.status_reason())});
  }
  return table.Render();
}

// One failed attempt of a record, named by its exception in the exception
// queue (`revhub exceptions show <id>` has its history).
std::string RenderRecordException(const hubv1::RecordException& e) {
  std::string out = absl::StrCat("  exception ", e.exception_id(), "  ",
                                 FormatTimestamp(e.recorded_at()), "  ",
                                 OrDash(e.field_path()), ": ", e.reason());
  if (!e.vendor_field_path().empty() &&
      e.reason().find(e.vendor_field_path()) == std::string::npos) {
    absl::StrAppend(&out, " (vendor field ", e.vendor_field_path(), ")");
  }
  if (e.has_resolved_at()) {
    absl::StrAppend(&out, "  (resolved ", FormatTimestamp(e.resolved_at()),
                    ")");
  }
  return absl::StrCat(out, "\n");
}

std::string RenderRecordWithExceptions(const hubv1::ShowRecordResponse& r) {
  std::string out = RenderRecord(r.record());
  if (r.exceptions_size() == 0) return out;
  absl::StrAppend(&out,
                  "\nexceptions (revhub exceptions show <id> for each):\n");
  for (const auto& e : r.exceptions())
    absl::StrAppend(&out, RenderRecordException(e));
  return out;
}

std::string RenderReplayOutcome(const hubv1::ReplayOutcome& o) {
  std::string out =
      absl::StrCat("record ", o.record_id(), ": ",
                   EnumShortName(hubv1::RecordStatus_descriptor(), o.status()));
  if (o.status() == hubv1::RECORD_STATUS_APPLIED) {
    absl::StrAppend(&out, ", ", o.entities_changed(),
                    o.entities_changed() == 1 ? " entity" : " entities",
                    " changed");
  }
  absl::StrAppend(&out, "\n");
  if (o.has_exception())
    absl::StrAppend(&out, RenderRecordException(o.exception()));
  return out;
}

std::string RenderOperation(const hubv1::Operation& op) {
  std::string state = hubv1::OperationState_Name(op.state());
  const std::string prefix = "OPERATION_STATE_";
  if (state.rfind(prefix, 0) == 0) state = state.substr(prefix.size());
  std::string line =
      absl::StrCat(op.operation_id(), " ", state, " ", op.system(), ": ",
                   op.done(), "/", op.total(), " replayed (", op.applied(),
                   " applied, ", op.failed(), " failed)");
  if (!op.error().empty()) absl::StrAppend(&line, ": ", op.error());
  return line + "\n";
}

std::string RenderProgressBar(const hubv1::Operation& op) {
  constexpr int kWidth = 30;
  const int64_t total = std::max<int64_t>(op.total(), 1);
  const int64_t done = std::min(op.done(), total);
  const int filled = static_cast<int>(done * kWidth / total);
  const int percent =
      op.total() == 0 ? 100 : static_cast<int>(done * 100 / total);
  return absl::StrFormat("%s [%s%s] %3d%%  %d/%d  (%d applied, %d failed)",
                         op.operation_id(), std::string(filled, '#'),
                         std::string(kWidth - filled, '-'), percent, op.done(),
                         op.total(), op.applied(), op.failed());
}

}  // namespace revhub::cli
