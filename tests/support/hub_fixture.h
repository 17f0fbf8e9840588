// Hub: a real revhubd (a HubProcess on a data folder of its own) with a
// client stub for every service the tests call, for the suites that talk
// to the hub over gRPC.
//
// The constructor starts the hub and REQUIREs that it comes up. Every
// (re)start renews the stubs, so a stub taken from the struct always talks
// to the hub running now. The data folder lives as long as the Hub, so a
// restarted hub sees the same store.
//
// Thread-safety: a Hub belongs to the test's thread (it uses Catch2
// assertions); a stub may be used from any thread while the hub runs.
#ifndef REVHUB_TESTS_SUPPORT_HUB_FIXTURE_H_
#define REVHUB_TESTS_SUPPORT_HUB_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "revhub/hub/v1/product_service.grpc.pb.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "revhub/hub/v1/sync_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
#include "tests/support/hub_process.h"
#include "tests/support/rpc.h"
#include "tests/support/systems.h"

namespace revhub::testing {

namespace v1 = ::revhub::hub::v1;
namespace cv1 = ::revhub::canonical::v1;

// Points each of `stubs` at `channel`.
template <typename... Stub>
void Connect(const std::shared_ptr<grpc::Channel>& channel,
             std::unique_ptr<Stub>*... stubs) {
  ((*stubs = std::make_unique<Stub>(channel)), ...);
}

struct Hub {
  TempDir dir;                    // the data folder
  std::vector<std::string> args;  // extra revhubd arguments of every start
  std::unique_ptr<HubProcess> process;
  std::unique_ptr<v1::SystemRegistryService::Stub> registry;
  std::unique_ptr<v1::CustomerService::Stub> customers;
  std::unique_ptr<v1::ProductService::Stub> products;
  std::unique_ptr<v1::ContractService::Stub> contracts;
  std::unique_ptr<v1::InvoiceService::Stub> invoices;
  std::unique_ptr<v1::PaymentService::Stub> payments;
  std::unique_ptr<v1::IngestService::Stub> ingest;
  std::unique_ptr<v1::EventService::Stub> events;
  std::unique_ptr<v1::PipelineService::Stub> pipeline;
  std::unique_ptr<v1::RevenueService::Stub> revenue;
  std::unique_ptr<v1::ContractLifecycleService::Stub> lifecycle;
  std::unique_ptr<v1::WorkflowService::Stub> workflows;
  std::unique_ptr<v1::ExceptionService::Stub> exceptions;
  std::unique_ptr<v1::SyncService::Stub> sync;

  explicit Hub(std::vector<std::string> extra_args = {})
      : args(std::move(extra_args)) {
    Start();
  }

  // Starts a hub on the data folder with `args`; REQUIREs that it comes up.
  void Start() {
    bool started = TryStart();
    INFO(process->error());
    REQUIRE(started);
  }

  // Starts a hub on the data folder with `args`. Returns whether it came
  // up (the stubs are renewed only then).
  bool TryStart() {
    process = std::make_unique<HubProcess>(dir.path());
    process->set_extra_args(args);
    if (!process->Start()) return false;
    Connect(process->channel(), &registry, &customers, &products, &contracts,
            &invoices, &payments, &ingest, &events, &pipeline, &revenue,
            &lifecycle, &workflows, &exceptions, &sync);
    return true;
  }

  // Stops the hub (REQUIREs a clean exit) and starts it again.
  void Restart() {
    REQUIRE(process->Stop() == 0);
    Start();
  }

  // Stops the hub if it runs and starts it again with `extra_args` (kept
  // for later starts). Returns whether it came up.
  bool RestartWith(std::vector<std::string> extra_args) {
    if (process->running()) process->Stop();
    args = std::move(extra_args);
    return TryStart();
  }

  // Kills the hub (SIGKILL) and starts it again on the same data.
  void CrashAndRestart() {
    process->Kill();
    Start();
  }
};

// Registers system `name` of `kind` without an adapter; REQUIREs success.
inline void RegisterSystem(Hub& hub, const std::string& name,
                           v1::SystemKind kind) {
  RegisterSystem(*hub.registry, name, kind);
}

// Upserts a customer named `name` with idempotency key `key`; REQUIREs
// success and returns the stored customer.
inline cv1::Customer CreateCustomer(Hub& hub, const std::string& name,
                                    const std::string& key) {
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name(name);
  req.set_idempotency_key(key);
  return CallOk(*hub.customers, &v1::CustomerService::Stub::UpsertCustomer, req)
      .customer();
}

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_HUB_FIXTURE_H_
