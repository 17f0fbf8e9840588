#include "hub/cli/workflow_format.h"

#include <google/protobuf/util/json_util.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

bool IsDone(const hubv1::WorkflowStep& step) {
  return step.state() == hubv1::STEP_STATE_SUCCEEDED ||
         step.state() == hubv1::STEP_STATE_SKIPPED;
}

std::string FormatEntity(const hubv1::WorkflowStep& step) {
  return step.has_entity() ? FormatEntityRef(step.entity()) : "-";
}

std::string StepError(const hubv1::WorkflowStep& step) {
  if (step.last_error().empty()) return "";
  return step.last_error_code().empty()
             ? step.last_error()
             : absl::StrCat("[", step.last_error_code(), "] ",
                            step.last_error());
}

}  // namespace

// Returns a planned payload as indented JSON with only the fields it sets:
// what the step sends, without the defaults ToJson spells out.
std::string PayloadJson(const google::protobuf::Message& payload) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  // Printing a well-formed message cannot fail (no Any in a payload).
  (void)google::protobuf::util::MessageToJsonString(payload, &json, options);
  return json;
}

std::string StepLabel(const hubv1::WorkflowStep& step) {
  return absl::StrCat("#", step.index(), " ", step.name());
}

std::string FormatStepProgress(const hubv1::Workflow& workflow) {
  int done = 0;
  for (const hubv1::WorkflowStep& step : workflow.steps()) {
    if (IsDone(step)) ++done;
  }
  return absl::StrCat(done, "/", workflow.steps_size());
}

std::string FormatWaitingOn(const hubv1::Workflow& w) {
  switch (w.state()) {
    case hubv1::WORKFLOW_STATE_PENDING:
      return w.blocked_by_workflow_id().empty()
                 ? "its start"
                 : absl::StrCat("after ", w.blocked_by_workflow_id());
    case hubv1::WORKFLOW_STATE_BLOCKED:
      for (const hubv1::WorkflowStep& step : w.steps()) {
        if (step.state() != hubv1::STEP_STATE_FAILED &&
            step.state() != hubv1::STEP_STATE_DEAD_LETTERED) {
          continue;
        }
        std::string out = StepLabel(step);
        if (step.exception_id() != 0) {
          absl::StrAppend(&out, ": exception ", step.exception_id());
        }
        return out;
      }
      return "a step (none failed is listed)";
    case hubv1::WORKFLOW_STATE_RUNNING:
      for (const hubv1::WorkflowStep& step : w.steps()) {
        if (IsDone(step)) continue;
        std::string out = StepLabel(step);
        if (!step.target_system().empty()) {
          absl::StrAppend(&out, " (", step.target_system(), ")");
        }
        if (step.state() == hubv1::STEP_STATE_RETRY_SCHEDULED) {
          absl::StrAppend(&out, ", retry at ",
                          FormatTimestamp(step.next_attempt_at()));
        }
        return out;
      }
      return "-";
    default:
      return "-";
  }
}

std::string RenderWorkflowTable(const hubv1::ListWorkflowsResponse& page) {
  Table table({"WORKFLOW", "KIND", "CONTRACT", "VERSION", "STATE", "STEPS",
               "WAITING ON", "UPDATED"});
  table.AlignRight(3);
  table.AlignRight(5);
  for (const hubv1::Workflow& w : page.workflows()) {
    table.AddRow({w.workflow_id(),
                  HyphenatedName(hubv1::WorkflowKind_descriptor(), w.kind()),
                  OrDash(w.contract_id()), absl::StrCat(w.contract_version()),
                  HyphenatedName(hubv1::WorkflowState_descriptor(), w.state()),
                  FormatStepProgress(w), Shorten(FormatWaitingOn(w)),
                  FormatTimestamp(w.updated_at())});
  }
  return table.Render();
}

std::string RenderWorkflow(const hubv1::Workflow& w, bool payloads) {
  Fields fields = {
      {"workflow", OrDash(w.workflow_id())},
      {"kind", HyphenatedName(hubv1::WorkflowKind_descriptor(), w.kind())},
      {"state", HyphenatedName(hubv1::WorkflowState_descriptor(), w.state())},
      {"contract",
       absl::StrCat(OrDash(w.contract_id()), " v", w.contract_version())},
      {"trigger", OrDash(w.trigger())},
  };
  if (w.trigger_event_position() != 0) {
    fields.emplace_back("trigger event",
                        absl::StrCat(w.trigger_event_position()));
  }
  if (!w.blocked_by_workflow_id().empty()) {
    fields.emplace_back("blocked by", w.blocked_by_workflow_id());
  }
  fields.emplace_back("waiting on", FormatWaitingOn(w));
  fields.emplace_back("steps done", FormatStepProgress(w));
  fields.emplace_back("principal", OrDash(w.principal()));
  if (!w.correlation_id().empty()) {
    fields.emplace_back("correlation id", w.correlation_id());
  }
  fields.emplace_back("created at", FormatTimestamp(w.created_at()));
  fields.emplace_back("updated at", FormatTimestamp(w.updated_at()));
  fields.emplace_back("completed at", FormatTimestamp(w.completed_at()));
  std::string out = RenderFields(fields);

  out += "\n";
  if (w.steps_size() == 0) {
    out += "no steps planned yet\n";
    return out;
  }
  Table steps({"#", "STEP", "TARGET", "ENTITY", "STATE", "ATTEMPTS",
               "NEXT ATTEMPT", "AMOUNT", "VENDOR REFS", "EXCEPTION",
               "ERROR / DETAIL"});
  steps.AlignRight(0);
  steps.AlignRight(5);
  steps.AlignRight(7);
  steps.AlignRight(9);
  std::string errors;
  for (const hubv1::WorkflowStep& s : w.steps()) {
    const std::string error = StepError(s);
    steps.AddRow({absl::StrCat(s.index()), s.name(), OrDash(s.target_system()),
                  FormatEntity(s),
                  HyphenatedName(hubv1::StepState_descriptor(), s.state()),
                  absl::StrCat(s.attempts()),
                  s.state() == hubv1::STEP_STATE_RETRY_SCHEDULED
                      ? FormatTimestamp(s.next_attempt_at())
                      : "-",
                  FormatMoneyOrDash(s.amount()),
                  JoinExternalRefs(s.vendor_refs()),
                  s.exception_id() != 0 ? absl::StrCat(s.exception_id()) : "-",
                  OrDash(Shorten(error.empty() ? s.detail() : error))});
    if (!error.empty()) {
      absl::StrAppend(&errors, "  ", StepLabel(s), ": ", error, "\n");
    }
  }
  out += steps.Render();
  if (!errors.empty()) absl::StrAppend(&out, "\nlast errors:\n", errors);
  if (payloads) {
    std::string planned;
    for (const hubv1::WorkflowStep& s : w.steps()) {
      if (!s.has_payload()) continue;
      absl::StrAppend(&planned, "  ", StepLabel(s), ":\n",
                      Indent(Indent(PayloadJson(s.payload()))));
    }
    absl::StrAppend(&out, "\npayloads:\n",
                    planned.empty() ? "  none planned\n" : planned);
  }
  return out;
}

}  // namespace revhub::cli
