// RecordingHub: a HubClient for tests that records every request and answers
// with the responses a test queued, in order. A call with nothing queued
// fails the test's expectations with UNIMPLEMENTED, so a command that calls
// more than a test expects is caught.
#ifndef REVHUB_TESTS_CLI_RECORDING_HUB_H_
#define REVHUB_TESTS_CLI_RECORDING_HUB_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/cli/client.h"

namespace revhub::cli {

class RecordingHub : public HubClient {
 public:
#define REVHUB_RECORD(Method)                                                  \
 public:                                                                       \
  std::vector<hubv1::Method##Request> Method##_requests;                       \
  std::deque<absl::StatusOr<hubv1::Method##Response>> Method##_answers;        \
  absl::StatusOr<hubv1::Method##Response> Method(                              \
      const hubv1::Method##Request& request) override {                        \
    Method##_requests.push_back(request);                                      \
    ++calls;                                                                   \
    if (Method##_answers.empty()) {                                            \
      return absl::UnimplementedError(                                         \
          absl::StrCat("test queued no answer for " #Method));                 \
    }                                                                          \
    absl::StatusOr<hubv1::Method##Response> answer = Method##_answers.front(); \
    Method##_answers.pop_front();                                              \
    return answer;                                                             \
  }

  REVHUB_RECORD(RegisterSystem)
  REVHUB_RECORD(GetSystem)
  REVHUB_RECORD(ListSystems)
  REVHUB_RECORD(DisableSystem)
  REVHUB_RECORD(GetCustomer)
  REVHUB_RECORD(ListCustomers)
  REVHUB_RECORD(UpsertCustomer)
  REVHUB_RECORD(GetProduct)
  REVHUB_RECORD(ListProducts)
  REVHUB_RECORD(UpsertProduct)
  REVHUB_RECORD(GetContract)
  REVHUB_RECORD(ListContracts)
  REVHUB_RECORD(UpsertContract)
  REVHUB_RECORD(GetInvoice)
  REVHUB_RECORD(ListInvoices)
  REVHUB_RECORD(UpsertInvoice)
  REVHUB_RECORD(GetPayment)
  REVHUB_RECORD(ListPayments)
  REVHUB_RECORD(UpsertPayment)
  REVHUB_RECORD(Ingest)
  REVHUB_RECORD(GetRecord)
  REVHUB_RECORD(ListRecords)
  REVHUB_RECORD(AcknowledgeEvents)
  REVHUB_RECORD(ListEvents)
  REVHUB_RECORD(GetConsumer)
  // Revenue recognition
  REVHUB_RECORD(PreviewSchedule)
  REVHUB_RECORD(GetSchedule)
  REVHUB_RECORD(ListJournalEntries)
  REVHUB_RECORD(ReportUsage)
  REVHUB_RECORD(RecordDelivery)
  REVHUB_RECORD(ListFulfilment)
  REVHUB_RECORD(ClosePeriod)
  REVHUB_RECORD(ReopenPeriod)
  REVHUB_RECORD(ListPeriods)
  REVHUB_RECORD(GetWaterfall)
  REVHUB_RECORD(GetRollForward)
  REVHUB_RECORD(GetRemainingObligations)
  REVHUB_RECORD(GetContractBalances)
  REVHUB_RECORD(GetContraRevenue)
  // PipelineService (the ingest pipeline)
  REVHUB_RECORD(DescribeSystemAdapter)
  REVHUB_RECORD(CheckSystemAdapter)
  REVHUB_RECORD(ShowRecord)
  REVHUB_RECORD(ListRecordExceptions)
  REVHUB_RECORD(ReplayRecord)
  REVHUB_RECORD(ReplayFailedRecords)
  REVHUB_RECORD(StartReplay)
  REVHUB_RECORD(GetOperation)
  REVHUB_RECORD(ListOperations)
  REVHUB_RECORD(CancelOperation)
  // Orchestration: workflows, contract lifecycle, exceptions
  REVHUB_RECORD(GetWorkflow)
  REVHUB_RECORD(ListWorkflows)
  REVHUB_RECORD(BookContract)
  REVHUB_RECORD(AmendContract)
  REVHUB_RECORD(RenewContract)
  REVHUB_RECORD(CancelContract)
  REVHUB_RECORD(ListExceptions)
  REVHUB_RECORD(GetException)
  REVHUB_RECORD(AssignException)
  REVHUB_RECORD(RetryException)
  REVHUB_RECORD(ReplayException)
  REVHUB_RECORD(ResolveException)
  REVHUB_RECORD(SummarizeExceptions)
  // PrincipalService
  REVHUB_RECORD(CreatePrincipal)
  REVHUB_RECORD(ListPrincipals)
  REVHUB_RECORD(RotatePrincipalToken)
  REVHUB_RECORD(DisablePrincipal)
  REVHUB_RECORD(ListAuditRecords)
  REVHUB_RECORD(VerifyAuditLog)
  REVHUB_RECORD(GetSyncStatus)
  REVHUB_RECORD(Trace)
#undef REVHUB_RECORD

 public:
  std::vector<hubv1::ReadRecordPayloadRequest> ReadRecordPayload_requests;
  // Chunks the stream delivers, then the status it ends with; with no
  // chunk queued the call fails with UNIMPLEMENTED.
  std::vector<hubv1::ReadRecordPayloadResponse> ReadRecordPayload_chunks;
  absl::Status ReadRecordPayload_end = absl::OkStatus();

  absl::Status ReadRecordPayload(
      const hubv1::ReadRecordPayloadRequest& request,
      const std::function<bool(const hubv1::ReadRecordPayloadResponse&)>&
          on_chunk) override {
    ReadRecordPayload_requests.push_back(request);
    ++calls;
    if (ReadRecordPayload_chunks.empty()) {
      return absl::UnimplementedError(
          "test queued no answer for ReadRecordPayload");
    }
    for (const hubv1::ReadRecordPayloadResponse& chunk :
         ReadRecordPayload_chunks) {
      if (!on_chunk(chunk)) return absl::OkStatus();
    }
    return ReadRecordPayload_end;
  }

  std::vector<hubv1::SubscribeRequest> Subscribe_requests;
  // Events the stream delivers, then the status it ends with.
  std::vector<hubv1::SubscribeResponse> Subscribe_events;
  absl::Status Subscribe_end = absl::OkStatus();

  absl::Status Subscribe(
      const hubv1::SubscribeRequest& request,
      const std::function<bool(const hubv1::SubscribeResponse&)>& on_event)
      override {
    Subscribe_requests.push_back(request);
    ++calls;
    for (const hubv1::SubscribeResponse& event : Subscribe_events) {
      if (!on_event(event)) return absl::OkStatus();
    }
    return Subscribe_end;
  }

  std::vector<hubv1::RunSyncRequest> RunSync_requests;
  // Progress the stream delivers, then the status it ends with.
  std::vector<hubv1::RunSyncResponse> RunSync_progress;
  absl::Status RunSync_end = absl::OkStatus();

  absl::Status RunSync(const hubv1::RunSyncRequest& request,
                       const std::function<bool(const hubv1::RunSyncResponse&)>&
                           on_progress) override {
    RunSync_requests.push_back(request);
    ++calls;
    for (const hubv1::RunSyncResponse& p : RunSync_progress) {
      if (!on_progress(p)) return absl::OkStatus();
    }
    return RunSync_end;
  }

  // Every call, of any method.
  int calls = 0;
};

// BorrowedHub forwards to a HubClient the test keeps, so that what the CLI
// sent can be read after RunCli has destroyed its client.
class BorrowedHub : public HubClient {
 public:
  explicit BorrowedHub(HubClient& hub) : hub_(hub) {}

#define REVHUB_FORWARD(Method)                          \
  absl::StatusOr<hubv1::Method##Response> Method(       \
      const hubv1::Method##Request& request) override { \
    return hub_.Method(request);                        \
  }
  REVHUB_FORWARD(RegisterSystem)
  REVHUB_FORWARD(GetSystem)
  REVHUB_FORWARD(ListSystems)
  REVHUB_FORWARD(DisableSystem)
  REVHUB_FORWARD(GetCustomer)
  REVHUB_FORWARD(ListCustomers)
  REVHUB_FORWARD(UpsertCustomer)
  REVHUB_FORWARD(GetProduct)
  REVHUB_FORWARD(ListProducts)
  REVHUB_FORWARD(UpsertProduct)
  REVHUB_FORWARD(GetContract)
  REVHUB_FORWARD(ListContracts)
  REVHUB_FORWARD(UpsertContract)
  REVHUB_FORWARD(GetInvoice)
  REVHUB_FORWARD(ListInvoices)
  REVHUB_FORWARD(UpsertInvoice)
  REVHUB_FORWARD(GetPayment)
  REVHUB_FORWARD(ListPayments)
  REVHUB_FORWARD(UpsertPayment)
  REVHUB_FORWARD(Ingest)
  REVHUB_FORWARD(GetRecord)
  REVHUB_FORWARD(ListRecords)
  REVHUB_FORWARD(AcknowledgeEvents)
  REVHUB_FORWARD(ListEvents)
  REVHUB_FORWARD(GetConsumer)
  // Revenue recognition
  REVHUB_FORWARD(PreviewSchedule)
  REVHUB_FORWARD(GetSchedule)
  REVHUB_FORWARD(ListJournalEntries)
  REVHUB_FORWARD(ReportUsage)
  REVHUB_FORWARD(RecordDelivery)
  REVHUB_FORWARD(ListFulfilment)
  REVHUB_FORWARD(ClosePeriod)
  REVHUB_FORWARD(ReopenPeriod)
  REVHUB_FORWARD(ListPeriods)
  REVHUB_FORWARD(GetWaterfall)
  REVHUB_FORWARD(GetRollForward)
  REVHUB_FORWARD(GetRemainingObligations)
  REVHUB_FORWARD(GetContractBalances)
  REVHUB_FORWARD(GetContraRevenue)
  // PipelineService (the ingest pipeline)
  REVHUB_FORWARD(DescribeSystemAdapter)
  REVHUB_FORWARD(CheckSystemAdapter)
  REVHUB_FORWARD(ShowRecord)
  REVHUB_FORWARD(ListRecordExceptions)
  REVHUB_FORWARD(ReplayRecord)
  REVHUB_FORWARD(ReplayFailedRecords)
  REVHUB_FORWARD(StartReplay)
  REVHUB_FORWARD(GetOperation)
  REVHUB_FORWARD(ListOperations)
  REVHUB_FORWARD(CancelOperation)
  // Orchestration: workflows, contract lifecycle, exceptions
  REVHUB_FORWARD(GetWorkflow)
  REVHUB_FORWARD(ListWorkflows)
  REVHUB_FORWARD(BookContract)
  REVHUB_FORWARD(AmendContract)
  REVHUB_FORWARD(RenewContract)
  REVHUB_FORWARD(CancelContract)
  REVHUB_FORWARD(ListExceptions)
  REVHUB_FORWARD(GetException)
  REVHUB_FORWARD(AssignException)
  REVHUB_FORWARD(RetryException)
  REVHUB_FORWARD(ReplayException)
  REVHUB_FORWARD(ResolveException)
  REVHUB_FORWARD(SummarizeExceptions)
  // PrincipalService
  REVHUB_FORWARD(CreatePrincipal)
  REVHUB_FORWARD(ListPrincipals)
  REVHUB_FORWARD(RotatePrincipalToken)
  REVHUB_FORWARD(DisablePrincipal)
  // Audit
  REVHUB_FORWARD(ListAuditRecords)
  REVHUB_FORWARD(VerifyAuditLog)
  REVHUB_FORWARD(GetSyncStatus)
  REVHUB_FORWARD(Trace)
#undef REVHUB_FORWARD

  absl::Status RunSync(const hubv1::RunSyncRequest& request,
                       const std::function<bool(const hubv1::RunSyncResponse&)>&
                           on_progress) override {
    return hub_.RunSync(request, on_progress);
  }

  absl::Status Subscribe(
      const hubv1::SubscribeRequest& request,
      const std::function<bool(const hubv1::SubscribeResponse&)>& on_event)
      override {
    return hub_.Subscribe(request, on_event);
  }
  absl::Status ReadRecordPayload(
      const hubv1::ReadRecordPayloadRequest& request,
      const std::function<bool(const hubv1::ReadRecordPayloadResponse&)>&
          on_chunk) override {
    return hub_.ReadRecordPayload(request, on_chunk);
  }

 private:
  HubClient& hub_;
};

}  // namespace revhub::cli

#endif  // REVHUB_TESTS_CLI_RECORDING_HUB_H_
