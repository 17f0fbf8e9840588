// A running hub with clients for every service, for integration tests.
#ifndef REVHUB_TESTS_INTEGRATION_HUB_FIXTURE_H_
#define REVHUB_TESTS_INTEGRATION_HUB_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "google/protobuf/text_format.h"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/product_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace revhub::testing {

namespace v1 = ::revhub::hub::v1;
namespace cv1 = ::revhub::canonical::v1;

struct Hub {
  TempDir dir;
  std::unique_ptr<HubProcess> process;
  std::unique_ptr<v1::SystemRegistryService::Stub> registry;
  std::unique_ptr<v1::CustomerService::Stub> customers;
  std::unique_ptr<v1::ProductService::Stub> products;
  std::unique_ptr<v1::ContractService::Stub> contracts;
  std::unique_ptr<v1::InvoiceService::Stub> invoices;
  std::unique_ptr<v1::PaymentService::Stub> payments;
  std::unique_ptr<v1::IngestService::Stub> ingest;
  std::unique_ptr<v1::EventService::Stub> events;

  Hub() { Start(); }

  void Start() {
    process = std::make_unique<HubProcess>(dir.path());
    REQUIRE(process->Start());
    INFO(process->error());
    auto ch = process->channel();
    registry = v1::SystemRegistryService::NewStub(ch);
    customers = v1::CustomerService::NewStub(ch);
    products = v1::ProductService::NewStub(ch);
    contracts = v1::ContractService::NewStub(ch);
    invoices = v1::InvoiceService::NewStub(ch);
    payments = v1::PaymentService::NewStub(ch);
    ingest = v1::IngestService::NewStub(ch);
    events = v1::EventService::NewStub(ch);
  }

  void Restart() {
    REQUIRE(process->Stop() == 0);
    Start();
  }
};

// A client context with a 10 s deadline.
inline std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

template <typename T>
T Text(const std::string& text) {
  T msg;
  if (!google::protobuf::TextFormat::ParseFromString(text, &msg)) {
    FAIL("bad text proto: " << text);
  }
  return msg;
}

inline void RegisterSystem(Hub& hub, const std::string& name,
                           v1::SystemKind kind) {
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name(name);
  req.mutable_system()->set_kind(kind);
  v1::RegisterSystemResponse resp;
  auto st = hub.registry->RegisterSystem(Ctx().get(), req, &resp);
  REQUIRE(st.error_message() == "");
  REQUIRE(st.ok());
}

inline cv1::Customer CreateCustomer(Hub& hub, const std::string& name,
                                    const std::string& key) {
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name(name);
  req.set_idempotency_key(key);
  v1::UpsertCustomerResponse resp;
  auto st = hub.customers->UpsertCustomer(Ctx().get(), req, &resp);
  REQUIRE(st.error_message() == "");
  return resp.customer();
}

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_INTEGRATION_HUB_FIXTURE_H_
