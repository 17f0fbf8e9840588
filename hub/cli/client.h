// HubClient: the calls the `revhub` command-line client makes to a hub.
//
// The interface names one method per RPC of the public API
// (protos/revhub/hub/v1). NewGrpcHubClient returns the implementation that
// speaks gRPC to a running revhubd; the CLI depends only on this interface,
// so its parsing and formatting are testable without a server.
//
// Errors are values: every method returns the hub's gRPC status as an
// absl::Status with the same code and message. A hub that cannot be reached
// shows as UNAVAILABLE.
//
// A HubClient is not thread-safe; use one per thread.
#ifndef REVHUB_HUB_CLI_CLIENT_H_
#define REVHUB_HUB_CLI_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/contract_service.pb.h"
#include "revhub/hub/v1/customer_service.pb.h"
#include "revhub/hub/v1/event_service.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"
#include "revhub/hub/v1/invoice_service.pb.h"
#include "revhub/hub/v1/payment_service.pb.h"
#include "revhub/hub/v1/pipeline_service.pb.h"
#include "revhub/hub/v1/product_service.pb.h"
#include "revhub/hub/v1/system_registry_service.pb.h"
// Revenue recognition
#include "revhub/hub/v1/revenue_service.pb.h"
// Orchestration: workflows, contract lifecycle, exceptions
#include "revhub/hub/v1/contract_lifecycle_service.pb.h"
#include "revhub/hub/v1/exception_service.pb.h"
#include "revhub/hub/v1/workflow_service.pb.h"
// Authentication and roles
#include "revhub/hub/v1/principal_service.pb.h"
// Lineage
#include "revhub/hub/v1/trace_service.pb.h"
// Audit
#include "revhub/hub/v1/audit_service.pb.h"
#include "revhub/hub/v1/sync_service.pb.h"
// Reconciliation
#include "revhub/hub/v1/reconciliation_service.pb.h"

namespace revhub::cli {

namespace hubv1 = ::revhub::hub::v1;

// The metadata key that carries the caller's API token, as
// "Bearer <token>".
inline constexpr char kAuthorizationMetadataKey[] = "authorization";

class HubClient {
 public:
  virtual ~HubClient() = default;

  // SystemRegistryService
  virtual absl::StatusOr<hubv1::RegisterSystemResponse> RegisterSystem(
      const hubv1::RegisterSystemRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetSystemResponse> GetSystem(
      const hubv1::GetSystemRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListSystemsResponse> ListSystems(
      const hubv1::ListSystemsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::DisableSystemResponse> DisableSystem(
      const hubv1::DisableSystemRequest& request) = 0;

  // CustomerService
  virtual absl::StatusOr<hubv1::GetCustomerResponse> GetCustomer(
      const hubv1::GetCustomerRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListCustomersResponse> ListCustomers(
      const hubv1::ListCustomersRequest& request) = 0;
  virtual absl::StatusOr<hubv1::UpsertCustomerResponse> UpsertCustomer(
      const hubv1::UpsertCustomerRequest& request) = 0;

  // ProductService
  virtual absl::StatusOr<hubv1::GetProductResponse> GetProduct(
      const hubv1::GetProductRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListProductsResponse> ListProducts(
      const hubv1::ListProductsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::UpsertProductResponse> UpsertProduct(
      const hubv1::UpsertProductRequest& request) = 0;

  // ContractService
  virtual absl::StatusOr<hubv1::GetContractResponse> GetContract(
      const hubv1::GetContractRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListContractsResponse> ListContracts(
      const hubv1::ListContractsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::UpsertContractResponse> UpsertContract(
      const hubv1::UpsertContractRequest& request) = 0;

  // InvoiceService
  virtual absl::StatusOr<hubv1::GetInvoiceResponse> GetInvoice(
      const hubv1::GetInvoiceRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListInvoicesResponse> ListInvoices(
      const hubv1::ListInvoicesRequest& request) = 0;
  virtual absl::StatusOr<hubv1::UpsertInvoiceResponse> UpsertInvoice(
      const hubv1::UpsertInvoiceRequest& request) = 0;

  // PaymentService
  virtual absl::StatusOr<hubv1::GetPaymentResponse> GetPayment(
      const hubv1::GetPaymentRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListPaymentsResponse> ListPayments(
      const hubv1::ListPaymentsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::UpsertPaymentResponse> UpsertPayment(
      const hubv1::UpsertPaymentRequest& request) = 0;

  // IngestService
  virtual absl::StatusOr<hubv1::IngestResponse> Ingest(
      const hubv1::IngestRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetRecordResponse> GetRecord(
      const hubv1::GetRecordRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListRecordsResponse> ListRecords(
      const hubv1::ListRecordsRequest& request) = 0;
  // Calls `on_chunk` for every chunk of the payload, in order, until the
  // stream ends or `on_chunk` returns false (then the call is cancelled and
  // OK is returned).
  virtual absl::Status ReadRecordPayload(
      const hubv1::ReadRecordPayloadRequest& request,
      const std::function<bool(const hubv1::ReadRecordPayloadResponse&)>&
          on_chunk) = 0;

  // Streams records through IngestStream: `next` fills the next message and
  // returns true, or returns false when there is none left (the stream is
  // then half-closed); `on_answer` is called for every answer, in order.
  // `next` runs on a thread of its own, concurrently with `on_answer`, and
  // is not called again once the stream has ended. Returns the stream's
  // status. The default answers UNIMPLEMENTED (clients that do not stream).
  virtual absl::Status IngestStream(
      const std::function<bool(hubv1::IngestStreamRequest&)>& next,
      const std::function<void(const hubv1::IngestStreamResponse&)>&
          on_answer) {
    (void)next;
    (void)on_answer;
    return absl::UnimplementedError("IngestStream");
  }

  // EventService
  // Calls `on_event` for every event the stream delivers, in order, until
  // the stream ends, the deadline passes or `on_event` returns false (then
  // the call is cancelled and OK is returned).
  virtual absl::Status Subscribe(
      const hubv1::SubscribeRequest& request,
      const std::function<bool(const hubv1::SubscribeResponse&)>& on_event) = 0;
  virtual absl::StatusOr<hubv1::AcknowledgeEventsResponse> AcknowledgeEvents(
      const hubv1::AcknowledgeEventsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListEventsResponse> ListEvents(
      const hubv1::ListEventsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetConsumerResponse> GetConsumer(
      const hubv1::GetConsumerRequest& request) = 0;

  // RevenueService
  virtual absl::StatusOr<hubv1::PreviewScheduleResponse> PreviewSchedule(
      const hubv1::PreviewScheduleRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetScheduleResponse> GetSchedule(
      const hubv1::GetScheduleRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListJournalEntriesResponse> ListJournalEntries(
      const hubv1::ListJournalEntriesRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ReportUsageResponse> ReportUsage(
      const hubv1::ReportUsageRequest& request) = 0;
  virtual absl::StatusOr<hubv1::RecordDeliveryResponse> RecordDelivery(
      const hubv1::RecordDeliveryRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListFulfilmentResponse> ListFulfilment(
      const hubv1::ListFulfilmentRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ClosePeriodResponse> ClosePeriod(
      const hubv1::ClosePeriodRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ReopenPeriodResponse> ReopenPeriod(
      const hubv1::ReopenPeriodRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListPeriodsResponse> ListPeriods(
      const hubv1::ListPeriodsRequest& request) = 0;
  // RevenueService reports
  virtual absl::StatusOr<hubv1::GetWaterfallResponse> GetWaterfall(
      const hubv1::GetWaterfallRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetRollForwardResponse> GetRollForward(
      const hubv1::GetRollForwardRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetRemainingObligationsResponse>
  GetRemainingObligations(
      const hubv1::GetRemainingObligationsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetContractBalancesResponse>
  GetContractBalances(const hubv1::GetContractBalancesRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetContraRevenueResponse> GetContraRevenue(
      const hubv1::GetContraRevenueRequest& request) = 0;
  // PipelineService (the ingest pipeline)
  virtual absl::StatusOr<hubv1::DescribeSystemAdapterResponse>
  DescribeSystemAdapter(const hubv1::DescribeSystemAdapterRequest& request) = 0;
  virtual absl::StatusOr<hubv1::CheckSystemAdapterResponse> CheckSystemAdapter(
      const hubv1::CheckSystemAdapterRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ShowRecordResponse> ShowRecord(
      const hubv1::ShowRecordRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListRecordExceptionsResponse>
  ListRecordExceptions(const hubv1::ListRecordExceptionsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ReplayRecordResponse> ReplayRecord(
      const hubv1::ReplayRecordRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ReplayFailedRecordsResponse>
  ReplayFailedRecords(const hubv1::ReplayFailedRecordsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::StartReplayResponse> StartReplay(
      const hubv1::StartReplayRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetOperationResponse> GetOperation(
      const hubv1::GetOperationRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListOperationsResponse> ListOperations(
      const hubv1::ListOperationsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::CancelOperationResponse> CancelOperation(
      const hubv1::CancelOperationRequest& request) = 0;

  // Orchestration: WorkflowService, ContractLifecycleService,
  // ExceptionService
  virtual absl::StatusOr<hubv1::GetWorkflowResponse> GetWorkflow(
      const hubv1::GetWorkflowRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListWorkflowsResponse> ListWorkflows(
      const hubv1::ListWorkflowsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::BookContractResponse> BookContract(
      const hubv1::BookContractRequest& request) = 0;
  virtual absl::StatusOr<hubv1::AmendContractResponse> AmendContract(
      const hubv1::AmendContractRequest& request) = 0;
  virtual absl::StatusOr<hubv1::RenewContractResponse> RenewContract(
      const hubv1::RenewContractRequest& request) = 0;
  virtual absl::StatusOr<hubv1::CancelContractResponse> CancelContract(
      const hubv1::CancelContractRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListExceptionsResponse> ListExceptions(
      const hubv1::ListExceptionsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::GetExceptionResponse> GetException(
      const hubv1::GetExceptionRequest& request) = 0;
  virtual absl::StatusOr<hubv1::AssignExceptionResponse> AssignException(
      const hubv1::AssignExceptionRequest& request) = 0;
  virtual absl::StatusOr<hubv1::RetryExceptionResponse> RetryException(
      const hubv1::RetryExceptionRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ReplayExceptionResponse> ReplayException(
      const hubv1::ReplayExceptionRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ResolveExceptionResponse> ResolveException(
      const hubv1::ResolveExceptionRequest& request) = 0;
  virtual absl::StatusOr<hubv1::SummarizeExceptionsResponse>
  SummarizeExceptions(const hubv1::SummarizeExceptionsRequest& request) = 0;

  // PrincipalService
  virtual absl::StatusOr<hubv1::CreatePrincipalResponse> CreatePrincipal(
      const hubv1::CreatePrincipalRequest& request) = 0;
  virtual absl::StatusOr<hubv1::ListPrincipalsResponse> ListPrincipals(
      const hubv1::ListPrincipalsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::RotatePrincipalTokenResponse>
  RotatePrincipalToken(const hubv1::RotatePrincipalTokenRequest& request) = 0;
  virtual absl::StatusOr<hubv1::DisablePrincipalResponse> DisablePrincipal(
      const hubv1::DisablePrincipalRequest& request) = 0;
  // AuditService
  virtual absl::StatusOr<hubv1::ListAuditRecordsResponse> ListAuditRecords(
      const hubv1::ListAuditRecordsRequest& request) = 0;
  virtual absl::StatusOr<hubv1::VerifyAuditLogResponse> VerifyAuditLog(
      const hubv1::VerifyAuditLogRequest& request) = 0;
  // SyncService
  // ReconciliationService. The defaults answer UNIMPLEMENTED (for clients
  // that do not speak it).
  virtual absl::StatusOr<hubv1::RunReconciliationResponse> RunReconciliation(
      const hubv1::RunReconciliationRequest&) {
    return absl::UnimplementedError("RunReconciliation");
  }
  virtual absl::StatusOr<hubv1::GetReconciliationResponse> GetReconciliation(
      const hubv1::GetReconciliationRequest&) {
    return absl::UnimplementedError("GetReconciliation");
  }
  virtual absl::StatusOr<hubv1::AcceptVarianceResponse> AcceptVariance(
      const hubv1::AcceptVarianceRequest&) {
    return absl::UnimplementedError("AcceptVariance");
  }
  virtual absl::StatusOr<hubv1::RedeliverVarianceResponse> RedeliverVariance(
      const hubv1::RedeliverVarianceRequest&) {
    return absl::UnimplementedError("RedeliverVariance");
  }
  virtual absl::StatusOr<hubv1::GetSyncStatusResponse> GetSyncStatus(
      const hubv1::GetSyncStatusRequest& request) = 0;
  // TraceService
  virtual absl::StatusOr<hubv1::TraceResponse> Trace(
      const hubv1::TraceRequest& request) = 0;
  // Calls on_progress for each progress message until the pull is over
  // (the stream's status), or until on_progress returns false (OK; the
  // pull goes on in the hub).
  virtual absl::Status RunSync(
      const hubv1::RunSyncRequest& request,
      const std::function<bool(const hubv1::RunSyncResponse&)>&
          on_progress) = 0;
};

struct HubClientOptions {
  // "host:port" (any gRPC target) of the hub.
  std::string target = "127.0.0.1:50051";
  // Deadline of every unary call.
  absl::Duration call_timeout = absl::Seconds(30);
  // Deadline of a Subscribe stream; unset: the stream runs until it ends.
  // (ReadRecordPayload, which ends by itself, has call_timeout.)
  std::optional<absl::Duration> stream_timeout;
  // The API token, sent as `authorization: Bearer <token>` on every call
  // when not empty.
  std::string token;
  // TLS: with tls_ca_pem (PEM CA certificates the hub's certificate is
  // verified against) the channel is TLS; tls_cert_pem and tls_key_pem
  // (both or neither) are the client certificate and key presented for
  // mTLS. Without tls_ca_pem the channel is plaintext (a hub started with
  // --insecure-loopback).
  std::string tls_ca_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// Returns a client that calls the hub at options.target over TLS when
// options.tls_ca_pem is set, else over a plaintext channel. The channel
// connects lazily: an unreachable hub shows as UNAVAILABLE on the first call.
std::unique_ptr<HubClient> NewGrpcHubClient(const HubClientOptions& options);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_CLIENT_H_
