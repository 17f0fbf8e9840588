// What `revhub workflows …` prints: workflow progress, what a workflow
// waits on, the table of workflows and one workflow with every step. Pure:
// text from messages, no I/O; enum values print with '-' between words.
#ifndef REVHUB_HUB_CLI_WORKFLOW_FORMAT_H_
#define REVHUB_HUB_CLI_WORKFLOW_FORMAT_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"

namespace revhub::cli {

// Returns "3/7": the steps succeeded or skipped, of all the steps planned.
std::string FormatStepProgress(const hubv1::Workflow& workflow);

// Returns what a workflow waits for: the earlier workflow of a PENDING one,
// the failed step and its exception of a BLOCKED one, the next step (and
// when it is retried) of a RUNNING one; "-" when COMPLETED.
std::string FormatWaitingOn(const hubv1::Workflow& workflow);

// Returns "#INDEX NAME" of a step.
std::string StepLabel(const hubv1::WorkflowStep& step);

// Returns a planned payload as indented JSON with only the fields it sets:
// what the step sends, without the defaults ToJson spells out.
std::string PayloadJson(const google::protobuf::Message& payload);

// Returns one row per workflow.
std::string RenderWorkflowTable(const hubv1::ListWorkflowsResponse& page);
// The workflow's fields and one row per step; with `payloads`, each step's
// planned payload as JSON.
std::string RenderWorkflow(const hubv1::Workflow& workflow, bool payloads);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_WORKFLOW_FORMAT_H_
