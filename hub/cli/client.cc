#include "hub/cli/client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "revhub/hub/v1/product_service.grpc.pb.h"
#include "revhub/hub/v1/reconciliation_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
// Revenue recognition
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
// Orchestration: workflows, contract lifecycle, exceptions
#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
// Authentication and roles
#include "revhub/hub/v1/principal_service.grpc.pb.h"
// Audit
#include "revhub/hub/v1/audit_service.grpc.pb.h"
// Pulls from vendors
#include "revhub/hub/v1/sync_service.grpc.pb.h"
#include "revhub/hub/v1/trace_service.grpc.pb.h"

namespace revhub::cli {
namespace {

// gRPC and absl share the canonical status codes, number for number.
absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

std::shared_ptr<grpc::ChannelCredentials> CredentialsFor(
    const HubClientOptions& o) {
  if (o.tls_ca_pem.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = o.tls_ca_pem;
  ssl.pem_cert_chain = o.tls_cert_pem;
  ssl.pem_private_key = o.tls_key_pem;
  return grpc::SslCredentials(ssl);
}

class GrpcHubClient final : public HubClient {
 public:
  explicit GrpcHubClient(HubClientOptions options)
      : options_(std::move(options)),
        channel_(
            grpc::CreateChannel(options_.target, CredentialsFor(options_))),
        registry_(hubv1::SystemRegistryService::NewStub(channel_)),
        customers_(hubv1::CustomerService::NewStub(channel_)),
        products_(hubv1::ProductService::NewStub(channel_)),
        contracts_(hubv1::ContractService::NewStub(channel_)),
        invoices_(hubv1::InvoiceService::NewStub(channel_)),
        payments_(hubv1::PaymentService::NewStub(channel_)),
        ingest_(hubv1::IngestService::NewStub(channel_)),
        events_(hubv1::EventService::NewStub(channel_)),
        // Revenue recognition
        revenue_(hubv1::RevenueService::NewStub(channel_)),
        // The ingest pipeline
        pipeline_(hubv1::PipelineService::NewStub(channel_)),
        // Orchestration
        workflows_(hubv1::WorkflowService::NewStub(channel_)),
        lifecycle_(hubv1::ContractLifecycleService::NewStub(channel_)),
        exceptions_(hubv1::ExceptionService::NewStub(channel_)),
        principals_(hubv1::PrincipalService::NewStub(channel_)),
        // Audit
        audit_(hubv1::AuditService::NewStub(channel_)),
        // Pulls from vendors
        sync_(hubv1::SyncService::NewStub(channel_)),
        // Lineage
        trace_(hubv1::TraceService::NewStub(channel_)),
        // Reconciliation
        reconciliation_(hubv1::ReconciliationService::NewStub(channel_)) {}

// Each unary RPC is the same three steps: a context with deadline and
// token, the call, the status converted.
#define REVHUB_UNARY(stub, Method)                                    \
  absl::StatusOr<hubv1::Method##Response> Method(                     \
      const hubv1::Method##Request& request) override {               \
    grpc::ClientContext context;                                      \
    Prepare(context, options_.call_timeout);                          \
    hubv1::Method##Response response;                                 \
    grpc::Status status = stub->Method(&context, request, &response); \
    if (!status.ok()) return FromGrpc(status);                        \
    return response;                                                  \
  }

  // HubClient
  REVHUB_UNARY(registry_, RegisterSystem)
  REVHUB_UNARY(registry_, GetSystem)
  REVHUB_UNARY(registry_, ListSystems)
  REVHUB_UNARY(registry_, DisableSystem)
  REVHUB_UNARY(customers_, GetCustomer)
  REVHUB_UNARY(customers_, ListCustomers)
  REVHUB_UNARY(customers_, UpsertCustomer)
  REVHUB_UNARY(products_, GetProduct)
  REVHUB_UNARY(products_, ListProducts)
  REVHUB_UNARY(products_, UpsertProduct)
  REVHUB_UNARY(contracts_, GetContract)
  REVHUB_UNARY(contracts_, ListContracts)
  REVHUB_UNARY(contracts_, UpsertContract)
  REVHUB_UNARY(invoices_, GetInvoice)
  REVHUB_UNARY(invoices_, ListInvoices)
  REVHUB_UNARY(invoices_, UpsertInvoice)
  REVHUB_UNARY(payments_, GetPayment)
  REVHUB_UNARY(payments_, ListPayments)
  REVHUB_UNARY(payments_, UpsertPayment)
  REVHUB_UNARY(ingest_, Ingest)
  REVHUB_UNARY(ingest_, GetRecord)
  REVHUB_UNARY(ingest_, ListRecords)
  REVHUB_UNARY(events_, AcknowledgeEvents)
  REVHUB_UNARY(events_, ListEvents)
  REVHUB_UNARY(events_, GetConsumer)
  // Revenue recognition
  REVHUB_UNARY(revenue_, PreviewSchedule)
  REVHUB_UNARY(revenue_, GetSchedule)
  REVHUB_UNARY(revenue_, ListJournalEntries)
  REVHUB_UNARY(revenue_, ReportUsage)
  REVHUB_UNARY(revenue_, RecordDelivery)
  REVHUB_UNARY(revenue_, ListFulfilment)
  REVHUB_UNARY(reconciliation_, RunReconciliation)
  REVHUB_UNARY(reconciliation_, GetReconciliation)
  REVHUB_UNARY(reconciliation_, AcceptVariance)
  REVHUB_UNARY(reconciliation_, RedeliverVariance)
  REVHUB_UNARY(revenue_, ClosePeriod)
  REVHUB_UNARY(revenue_, ReopenPeriod)
  REVHUB_UNARY(revenue_, ListPeriods)
  REVHUB_UNARY(revenue_, GetWaterfall)
  REVHUB_UNARY(revenue_, GetRollForward)
  REVHUB_UNARY(revenue_, GetRemainingObligations)
  REVHUB_UNARY(revenue_, GetContractBalances)
  REVHUB_UNARY(revenue_, GetContraRevenue)
  // PipelineService (the ingest pipeline)
  REVHUB_UNARY(pipeline_, DescribeSystemAdapter)
  REVHUB_UNARY(pipeline_, CheckSystemAdapter)
  REVHUB_UNARY(pipeline_, ShowRecord)
  REVHUB_UNARY(pipeline_, ListRecordExceptions)
  REVHUB_UNARY(pipeline_, ReplayRecord)
  REVHUB_UNARY(pipeline_, ReplayFailedRecords)
  REVHUB_UNARY(pipeline_, StartReplay)
  REVHUB_UNARY(pipeline_, GetOperation)
  REVHUB_UNARY(pipeline_, ListOperations)
  REVHUB_UNARY(pipeline_, CancelOperation)
  // Orchestration: workflows, contract lifecycle, exceptions
  REVHUB_UNARY(workflows_, GetWorkflow)
  REVHUB_UNARY(workflows_, ListWorkflows)
  REVHUB_UNARY(lifecycle_, BookContract)
  REVHUB_UNARY(lifecycle_, AmendContract)
  REVHUB_UNARY(lifecycle_, RenewContract)
  REVHUB_UNARY(lifecycle_, CancelContract)
  REVHUB_UNARY(exceptions_, ListExceptions)
  REVHUB_UNARY(exceptions_, GetException)
  REVHUB_UNARY(exceptions_, AssignException)
  REVHUB_UNARY(exceptions_, RetryException)
  REVHUB_UNARY(exceptions_, ReplayException)
  REVHUB_UNARY(exceptions_, ResolveException)
  REVHUB_UNARY(exceptions_, SummarizeExceptions)
  REVHUB_UNARY(principals_, CreatePrincipal)
  REVHUB_UNARY(principals_, ListPrincipals)
  REVHUB_UNARY(principals_, RotatePrincipalToken)
  REVHUB_UNARY(principals_, DisablePrincipal)
  // Audit
  REVHUB_UNARY(audit_, ListAuditRecords)
  REVHUB_UNARY(audit_, VerifyAuditLog)
  // Pulls from vendors
  REVHUB_UNARY(sync_, GetSyncStatus)
  // Lineage
  REVHUB_UNARY(trace_, Trace)
#undef REVHUB_UNARY

  absl::Status RunSync(const hubv1::RunSyncRequest& request,
                       const std::function<bool(const hubv1::RunSyncResponse&)>&
                           on_progress) override {
    grpc::ClientContext context;
    Prepare(context, options_.stream_timeout);
    std::unique_ptr<grpc::ClientReader<hubv1::RunSyncResponse>> reader =
        sync_->RunSync(&context, request);
    hubv1::RunSyncResponse progress;
    while (reader->Read(&progress)) {
      if (!on_progress(progress)) {
        context.TryCancel();
        while (reader->Read(&progress)) {
        }
        reader->Finish().IgnoreError();
        return absl::OkStatus();
      }
    }
    return FromGrpc(reader->Finish());
  }

  absl::Status ReadRecordPayload(
      const hubv1::ReadRecordPayloadRequest& request,
      const std::function<bool(const hubv1::ReadRecordPayloadResponse&)>&
          on_chunk) override {
    grpc::ClientContext context;
    Prepare(context, options_.call_timeout);
    std::unique_ptr<grpc::ClientReader<hubv1::ReadRecordPayloadResponse>>
        reader = ingest_->ReadRecordPayload(&context, request);
    hubv1::ReadRecordPayloadResponse chunk;
    while (reader->Read(&chunk)) {
      if (!on_chunk(chunk)) {
        context.TryCancel();
        while (reader->Read(&chunk)) {
        }
        reader->Finish().IgnoreError();
        return absl::OkStatus();
      }
    }
    return FromGrpc(reader->Finish());
  }

  absl::Status IngestStream(
      const std::function<bool(hubv1::IngestStreamRequest&)>& next,
      const std::function<void(const hubv1::IngestStreamResponse&)>& on_answer)
      override {
    grpc::ClientContext context;
    Prepare(context, options_.stream_timeout);
    std::unique_ptr<grpc::ClientReaderWriter<hubv1::IngestStreamRequest,
                                             hubv1::IngestStreamResponse>>
        stream = ingest_->IngestStream(&context);
    // The hub reads only as fast as its answers are taken (flow control),
    // so messages are written on a thread of their own while this one
    // reads answers.
    std::thread writer([&] {
      hubv1::IngestStreamRequest message;
      while (next(message)) {
        if (!stream->Write(message)) return;
        message.Clear();
      }
      stream->WritesDone();
    });
    hubv1::IngestStreamResponse answer;
    while (stream->Read(&answer)) on_answer(answer);
    // The hub has ended the stream, so a Write still waiting fails and the
    // writer returns.
    writer.join();
    return FromGrpc(stream->Finish());
  }

  absl::Status Subscribe(
      const hubv1::SubscribeRequest& request,
      const std::function<bool(const hubv1::SubscribeResponse&)>& on_event)
      override {
    grpc::ClientContext context;
    Prepare(context, options_.stream_timeout);
    std::unique_ptr<grpc::ClientReader<hubv1::SubscribeResponse>> reader =
        events_->Subscribe(&context, request);
    hubv1::SubscribeResponse response;
    while (reader->Read(&response)) {
      if (!on_event(response)) {
        context.TryCancel();
        // Drain what is already buffered so Finish() does not block.
        while (reader->Read(&response)) {
        }
        reader->Finish().IgnoreError();
        return absl::OkStatus();
      }
    }
    return FromGrpc(reader->Finish());
  }

 private:
  void Prepare(grpc::ClientContext& context,
               std::optional<absl::Duration> timeout) const {
    if (timeout.has_value()) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
    }
    if (!options_.token.empty()) {
      context.AddMetadata(kAuthorizationMetadataKey,
                          "Bearer " + options_.token);
    }
  }

  HubClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hubv1::SystemRegistryService::Stub> registry_;
  std::unique_ptr<hubv1::CustomerService::Stub> customers_;
  std::unique_ptr<hubv1::ProductService::Stub> products_;
  std::unique_ptr<hubv1::ContractService::Stub> contracts_;
  std::unique_ptr<hubv1::InvoiceService::Stub> invoices_;
  std::unique_ptr<hubv1::PaymentService::Stub> payments_;
  std::unique_ptr<hubv1::IngestService::Stub> ingest_;
  std::unique_ptr<hubv1::EventService::Stub> events_;
  // Revenue recognition
  std::unique_ptr<hubv1::RevenueService::Stub> revenue_;
  std::unique_ptr<hubv1::PipelineService::Stub> pipeline_;
  // Orchestration: workflows, contract lifecycle, exceptions
  std::unique_ptr<hubv1::WorkflowService::Stub> workflows_;
  std::unique_ptr<hubv1::ContractLifecycleService::Stub> lifecycle_;
  std::unique_ptr<hubv1::ExceptionService::Stub> exceptions_;
  std::unique_ptr<hubv1::PrincipalService::Stub> principals_;
  std::unique_ptr<hubv1::AuditService::Stub> audit_;
  std::unique_ptr<hubv1::SyncService::Stub> sync_;
  std::unique_ptr<hubv1::TraceService::Stub> trace_;
  std::unique_ptr<hubv1::ReconciliationService::Stub> reconciliation_;
};

}  // namespace

std::unique_ptr<HubClient> NewGrpcHubClient(const HubClientOptions& options) {
  return std::make_unique<GrpcHubClient>(options);
}

}  // namespace revhub::cli
