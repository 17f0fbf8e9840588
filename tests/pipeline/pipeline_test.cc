// The ingest pipeline end to end: a real revhubd that starts the real
// Salesforce and Stripe adapters from build/bin as its children.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "tests/integration/hub_fixture.h"

namespace revhub::testing {
namespace {

using std::chrono::seconds;

std::string Bin(const std::string& name) {
  return std::string(REVHUB_BIN_DIR) + "/" + name;
}

struct PipelineHub {
  TempDir dir;
  std::unique_ptr<HubProcess> process;
  std::unique_ptr<v1::SystemRegistryService::Stub> registry;
  std::unique_ptr<v1::IngestService::Stub> ingest;
  std::unique_ptr<v1::PipelineService::Stub> pipeline;
  std::unique_ptr<v1::CustomerService::Stub> customers;
  std::unique_ptr<v1::ContractService::Stub> contracts;
  std::unique_ptr<v1::EventService::Stub> events;
  std::vector<std::string> args;

  explicit PipelineHub(std::vector<std::string> extra = {}) : args(extra) {
    Start();
  }

  void Start() {
    process = std::make_unique<HubProcess>(dir.path());
    process->set_extra_args(args);
    REQUIRE(process->Start());
    auto ch = process->channel();
    registry = v1::SystemRegistryService::NewStub(ch);
    ingest = v1::IngestService::NewStub(ch);
    pipeline = v1::PipelineService::NewStub(ch);
    customers = v1::CustomerService::NewStub(ch);
    contracts = v1::ContractService::NewStub(ch);
    events = v1::EventService::NewStub(ch);
  }

  void Register(const std::string& name, v1::SystemKind kind,
                const std::string& vendor, const std::string& config_text,
                const std::string& extra_text = "") {
    v1::RegisterSystemRequest req = Text<v1::RegisterSystemRequest>(
        absl::StrCat("system { ", extra_text, " }"));
    auto* s = req.mutable_system();
    s->set_name(name);
    s->set_kind(kind);
    s->mutable_adapter()->mutable_launch()->set_command(
        Bin("revhub-adapter-" + vendor));
    *s->mutable_config() = Text<google::protobuf::Struct>(config_text);
    req.set_replace_existing(true);
    v1::RegisterSystemResponse resp;
    auto st = registry->RegisterSystem(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
  }

  int64_t Ingest(const std::string& system, const std::string& type,
                 const std::string& payload) {
    v1::IngestRequest req;
    req.set_system(system);
    req.set_object_type(type);
    req.set_payload(payload);
    v1::IngestResponse resp;
    auto st = ingest->Ingest(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    return resp.record_id();
  }

  v1::RawRecord Record(int64_t id) {
    v1::GetRecordRequest req;
    req.set_record_id(id);
    v1::GetRecordResponse resp;
    auto st = ingest->GetRecord(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    return resp.record();
  }

  // Waits until the record leaves RECEIVED; returns its status.
  v1::RecordStatus Settle(int64_t id, int timeout_s = 30) {
    auto deadline = std::chrono::steady_clock::now() + seconds(timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
      v1::RecordStatus s = Record(id).status();
      if (s != v1::RECORD_STATUS_RECEIVED) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return v1::RECORD_STATUS_RECEIVED;
  }

  int CountRecords(v1::RecordStatus status) {
    int n = 0;
    v1::ListRecordsRequest req;
    req.set_status(status);
    req.set_page_size(500);
    while (true) {
      v1::ListRecordsResponse resp;
      auto st = ingest->ListRecords(Ctx().get(), req, &resp);
      REQUIRE(st.error_message() == "");
      n += resp.records_size();
      if (resp.next_page_token().empty()) return n;
      req.set_page_token(resp.next_page_token());
    }
  }

  v1::ShowRecordResponse Show(int64_t id) {
    v1::ShowRecordRequest req;
    req.set_record_id(id);
    v1::ShowRecordResponse resp;
    auto st = pipeline->ShowRecord(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    return resp;
  }

  // The record's exceptions, for failure messages.
  std::string Explain(int64_t id) {
    std::string out;
    v1::ShowRecordResponse shown = Show(id);
    for (const auto& e : shown.exceptions())
      out += e.field_path() + ": " + e.reason() + "\n";
    return out;
  }

  v1::ReplayOutcome Replay(int64_t id) {
    v1::ReplayRecordRequest req;
    req.set_record_id(id);
    v1::ReplayRecordResponse resp;
    auto st = pipeline->ReplayRecord(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    return resp.outcome();
  }

  cv1::Customer CustomerByRef(const std::string& system,
                              const std::string& type, const std::string& id) {
    v1::GetCustomerRequest req;
    req.mutable_external_ref()->set_system(system);
    req.mutable_external_ref()->set_object_type(type);
    req.mutable_external_ref()->set_vendor_id(id);
    v1::GetCustomerResponse resp;
    auto st = customers->GetCustomer(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    return resp.customer();
  }

  std::vector<cv1::Customer> AllCustomers() {
    std::vector<cv1::Customer> out;
    v1::ListCustomersRequest req;
    req.set_page_size(500);
    while (true) {
      v1::ListCustomersResponse resp;
      auto st = customers->ListCustomers(Ctx().get(), req, &resp);
      REQUIRE(st.error_message() == "");
      for (const auto& c : resp.customers()) out.push_back(c);
      if (resp.next_page_token().empty()) return out;
      req.set_page_token(resp.next_page_token());
    }
  }

  std::vector<cv1::BusinessEvent> Events(cv1::EventType type) {
    std::vector<cv1::BusinessEvent> out;
    v1::ListEventsRequest req;
    req.add_types(type);
    req.set_page_size(1000);
    req.set_from_position(1);
    while (true) {
      v1::ListEventsResponse resp;
      auto st = events->ListEvents(Ctx().get(), req, &resp);
      REQUIRE(st.error_message() == "");
      for (const auto& e : resp.events()) out.push_back(e);
      if (resp.events_size() == 0 || resp.next_position() == 0) return out;
      req.set_from_position(resp.next_position());
    }
  }

  v1::DescribeSystemAdapterResponse Describe(const std::string& system) {
    v1::DescribeSystemAdapterRequest req;
    req.set_system(system);
    v1::DescribeSystemAdapterResponse resp;
    auto st = pipeline->DescribeSystemAdapter(Ctx().get(), req, &resp);
    REQUIRE(st.error_message() == "");
    return resp;
  }
};

const char kSalesforceConfig[] =
    R"(fields { key: "default_currency" value { string_value: "EUR" } })";

std::string Account(const std::string& id, const std::string& name) {
  return absl::StrCat(
      R"({"attributes": {"type": "Account"}, "Id": ")", id, R"(", "Name": ")",
      name, R"(", "CurrencyIsoCode": "EUR", "AccountNumber": "AN-)", id,
      R"(", "SystemModstamp": "2025-03-01T10:00:00.000+0000"})");
}

std::string Product2(const std::string& id, const std::string& name) {
  return absl::StrCat(R"({"attributes": {"type": "Product2"}, "Id": ")", id,
                      R"(", "Name": ")", name, R"(", "ProductCode": "SKU-)", id,
                      R"(", "IsActive": true})");
}

std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product, int quantity) {
  return absl::StrCat(
      R"({"attributes": {"type": "Opportunity"}, "Id": ")", id,
      R"(", "Name": "Platform 2025", "AccountId": ")", account,
      R"(", "StageName": "Closed Won", "IsWon": true, "IsClosed": true,
      "CloseDate": "2025-03-14", "CurrencyIsoCode": "EUR", "Type": "New Business",
      "SystemModstamp": "2025-03-14T16:02:11.000+0000",
      "OpportunityLineItems": {"totalSize": 1, "done": true, "records": [
        {"attributes": {"type": "OpportunityLineItem"}, "Id": "00k)",
      id, R"(", "Quantity": )", quantity,
      R"(, "UnitPrice": 1200.50, "ServiceDate": "2025-04-01", "EndDate": "2026-03-31",
         "Product2Id": ")",
      product, R"("}]}})");
}

int64_t CountOf(const std::vector<cv1::BusinessEvent>& events,
                const std::string& subject_id) {
  int64_t n = 0;
  for (const auto& e : events) n += e.subject().id() == subject_id;
  return n;
}

TEST_CASE(
    "a Salesforce account and closed-won opportunity become a customer "
    "and an ACTIVE contract with ContractBooked; a later version is an "
    "amendment",
    "[pipeline]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  int64_t account = hub.Ingest("salesforce", "Account",
                               Account("001A00000000001AAA", "Acme GmbH"));
  int64_t product = hub.Ingest("salesforce", "Product2",
                               Product2("01t000000000001AAA", "Platform Seat"));
  int64_t opp =
      hub.Ingest("salesforce", "Opportunity",
                 Opportunity("006000000000001AAA", "001A00000000001AAA",
                             "01t000000000001AAA", 3));
  REQUIRE(hub.Settle(account) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(hub.Settle(product) == v1::RECORD_STATUS_APPLIED);
  INFO(hub.Explain(opp));
  REQUIRE(hub.Settle(opp) == v1::RECORD_STATUS_APPLIED);

  cv1::Customer customer =
      hub.CustomerByRef("salesforce", "Account", "001A00000000001AAA");
  CHECK(customer.name() == "Acme GmbH");
  CHECK(customer.version() == 1);

  v1::GetContractRequest get;
  get.mutable_external_ref()->set_system("salesforce");
  get.mutable_external_ref()->set_object_type("Opportunity");
  get.mutable_external_ref()->set_vendor_id("006000000000001AAA");
  v1::GetContractResponse got;
  REQUIRE(hub.contracts->GetContract(Ctx().get(), get, &got).ok());
  const cv1::Contract& contract = got.contract();
  CHECK(contract.status() == cv1::CONTRACT_STATUS_ACTIVE);
  CHECK(contract.customer_id() == customer.id());
  CHECK(contract.currency_code() == "EUR");
  REQUIRE(contract.lines_size() == 1);
  CHECK_FALSE(contract.lines(0).product_id().empty());
  CHECK(contract.lines(0).unit_price().units() == 1200);
  CHECK(contract.lines(0).unit_price().nanos() == 500000000);

  auto booked = hub.Events(cv1::EVENT_TYPE_CONTRACT_BOOKED);
  REQUIRE(CountOf(booked, contract.id()) == 1);
  for (const auto& e : booked) {
    if (e.subject().id() != contract.id()) continue;
    CHECK(e.source_system() == "salesforce");
    CHECK(e.correlation_id() == absl::StrCat("record:", opp));
  }

  // The same opportunity, booked again with 5 seats: the adapter says
  // "booked", the hub knows the contract is ACTIVE: an amendment.
  int64_t again =
      hub.Ingest("salesforce", "Opportunity",
                 Opportunity("006000000000001AAA", "001A00000000001AAA",
                             "01t000000000001AAA", 5));
  REQUIRE(hub.Settle(again) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(hub.contracts->GetContract(Ctx().get(), get, &got).ok());
  CHECK(got.contract().version() == 2);
  CHECK(got.contract().lines(0).quantity().units() == 5);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_CONTRACT_AMENDED), contract.id()) ==
        1);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_CONTRACT_BOOKED), contract.id()) ==
        1);

  // Describe goes through the running adapter process.
  auto described = hub.Describe("salesforce");
  CHECK(described.description().adapter_name() == "salesforce");
  CHECK(described.process().pid() > 0);
}

TEST_CASE(
    "matching rules make the same customer from Stripe one customer "
    "with both refs",
    "[pipeline][matching]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  hub.Register("stripe", v1::SYSTEM_KIND_BILLING, "stripe", "",
               R"(matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                    field: "attributes.metadata.salesforce_account_id"
                    ref_system: "salesforce" ref_object_type: "Account" }
                  matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                    field: "email" }
                  matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                    field: "attributes.metadata.vat" match_field: "tax_id" })");
  REQUIRE(hub.Settle(hub.Ingest("salesforce", "Account",
                                Account("001A00000000009AAA", "Acme GmbH"))) ==
          v1::RECORD_STATUS_APPLIED);
  cv1::Customer sf =
      hub.CustomerByRef("salesforce", "Account", "001A00000000009AAA");

  // By the Salesforce id the Stripe customer carries in its metadata.
  int64_t stripe_record = hub.Ingest(
      "stripe", "customer",
      R"({"id": "cus_Acme01", "object": "customer", "name": "Acme GmbH",
          "email": "ap@acme.example", "currency": "eur", "created": 1740000000,
          "metadata": {"salesforce_account_id": "001A00000000009AAA"}})");
  REQUIRE(hub.Settle(stripe_record) == v1::RECORD_STATUS_APPLIED);
  cv1::Customer st = hub.CustomerByRef("stripe", "customer", "cus_Acme01");
  CHECK(st.id() == sf.id());
  std::set<std::string> refs;
  for (const auto& r : st.external_refs())
    refs.insert(r.system() + "/" + r.object_type() + "/" + r.vendor_id());
  CHECK(refs == std::set<std::string>{"salesforce/Account/001A00000000009AAA",
                                      "stripe/customer/cus_Acme01"});

  // By email (case-insensitive), against a customer created through the API.
  cv1::Customer beta;
  {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Beta Ltd");
    req.mutable_customer()->set_email("Billing@Beta.example");
    v1::UpsertCustomerResponse resp;
    REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &resp).ok());
    beta = resp.customer();
  }
  REQUIRE(hub.Settle(hub.Ingest("stripe", "customer",
                                R"({"id": "cus_Beta01", "object": "customer",
                  "email": "billing@beta.example", "created": 1740000000})")) ==
          v1::RECORD_STATUS_APPLIED);
  CHECK(hub.CustomerByRef("stripe", "customer", "cus_Beta01").id() ==
        beta.id());

  // A vendor attribute against another field: Stripe metadata.vat = tax_id.
  cv1::Customer zeta;
  {
    v1::UpsertCustomerRequest req;
    req.mutable_customer()->set_name("Zeta GmbH");
    req.mutable_customer()->set_tax_id("DE811907980");
    v1::UpsertCustomerResponse resp;
    REQUIRE(hub.customers->UpsertCustomer(Ctx().get(), req, &resp).ok());
    zeta = resp.customer();
  }
  REQUIRE(hub.Settle(hub.Ingest(
              "stripe", "customer",
              R"({"id": "cus_Zeta01", "object": "customer", "name": "Zeta",
                  "metadata": {"vat": " DE811907980 "},
                  "created": 1740000000})")) == v1::RECORD_STATUS_APPLIED);
  CHECK(hub.CustomerByRef("stripe", "customer", "cus_Zeta01").id() ==
        zeta.id());

  // No rule matches: a new customer.
  REQUIRE(hub.Settle(hub.Ingest("stripe", "customer",
                                R"({"id": "cus_Gamma1", "object": "customer",
                  "email": "gamma@gamma.example", "created": 1740000000})")) ==
          v1::RECORD_STATUS_APPLIED);
  CHECK(hub.AllCustomers().size() == 4);
}

TEST_CASE(
    "a broken field or a missing reference fails the record with an "
    "exception; after the fix a replay applies it once",
    "[pipeline][replay]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  // A vendor field of the wrong type.
  int64_t broken = hub.Ingest(
      "salesforce", "Account",
      R"({"attributes": {"type": "Account"}, "Id": "001B00000000001AAA",
          "Name": 42})");
  REQUIRE(hub.Settle(broken) == v1::RECORD_STATUS_FAILED);
  auto shown = hub.Show(broken);
  REQUIRE(shown.exceptions_size() == 1);
  CHECK(shown.exceptions(0).field_path() == "Name");
  CHECK(shown.exceptions(0).system() == "salesforce");
  CHECK(shown.exceptions(0).record_id() == broken);
  CHECK_THAT(shown.exceptions(0).reason(), Catch::Contains("string"));
  CHECK_FALSE(shown.exceptions(0).has_resolved_at());
  // The raw record is kept as received.
  CHECK(hub.Record(broken).payload().find("\"Name\": 42") != std::string::npos);

  // Not JSON at all.
  int64_t garbage = hub.Ingest("salesforce", "Account", "{\"Id\": \"001");
  REQUIRE(hub.Settle(garbage) == v1::RECORD_STATUS_FAILED);
  REQUIRE(hub.Show(garbage).exceptions_size() == 1);
  CHECK_FALSE(hub.Show(garbage).exceptions(0).reason().empty());

  // An opportunity whose product the hub does not know yet.
  REQUIRE(hub.Settle(hub.Ingest("salesforce", "Account",
                                Account("001C00000000001AAA", "Gamma AG"))) ==
          v1::RECORD_STATUS_APPLIED);
  int64_t opp =
      hub.Ingest("salesforce", "Opportunity",
                 Opportunity("006C00000000001AAA", "001C00000000001AAA",
                             "01tC00000000001AAA", 2));
  REQUIRE(hub.Settle(opp) == v1::RECORD_STATUS_FAILED);
  shown = hub.Show(opp);
  REQUIRE(shown.exceptions_size() == 1);
  CHECK(shown.exceptions(0).field_path() == "contract.lines[0].product_id");
  CHECK_THAT(shown.exceptions(0).reason(),
             Catch::Contains("salesforce/Product2/01tC00000000001AAA"));
  // Other records went on.
  int64_t other = hub.Ingest("salesforce", "Account",
                             Account("001C00000000002AAA", "Delta SA"));
  REQUIRE(hub.Settle(other) == v1::RECORD_STATUS_APPLIED);

  // The fix: the missing product arrives; the replay applies the contract.
  REQUIRE(hub.Settle(hub.Ingest("salesforce", "Product2",
                                Product2("01tC00000000001AAA", "Seat"))) ==
          v1::RECORD_STATUS_APPLIED);
  v1::ReplayOutcome first = hub.Replay(opp);
  INFO(hub.Explain(opp));
  CHECK(first.status() == v1::RECORD_STATUS_APPLIED);
  CHECK(first.entities_changed() == 1);
  CHECK(hub.Record(opp).status() == v1::RECORD_STATUS_APPLIED);
  shown = hub.Show(opp);
  REQUIRE(shown.exceptions_size() == 1);
  CHECK(shown.exceptions(0).has_resolved_at());

  // A second replay, and replaying everything FAILED, duplicate nothing.
  v1::ReplayOutcome second = hub.Replay(opp);
  CHECK(second.status() == v1::RECORD_STATUS_APPLIED);
  CHECK(second.entities_changed() == 0);
  v1::ReplayFailedRecordsRequest all;
  all.set_system("salesforce");
  v1::ReplayFailedRecordsResponse all_resp;
  REQUIRE(hub.pipeline->ReplayFailedRecords(Ctx().get(), all, &all_resp).ok());
  // Only the broken account and the garbage are FAILED.
  CHECK(all_resp.outcomes_size() == 2);
  CHECK(all_resp.failed() == 2);
  CHECK(hub.Show(broken).exceptions_size() == 2);

  v1::ListContractsRequest list;
  v1::ListContractsResponse contracts;
  REQUIRE(hub.contracts->ListContracts(Ctx().get(), list, &contracts).ok());
  REQUIRE(contracts.contracts_size() == 1);
  CHECK(contracts.contracts(0).version() == 1);
  CHECK(CountOf(hub.Events(cv1::EVENT_TYPE_CONTRACT_BOOKED),
                contracts.contracts(0).id()) == 1);
}

bool ProcessGone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (::kill(pid, 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_CASE(
    "registrations drive the adapters: re-registration restarts, "
    "disable stops, a bad command never stops the hub",
    "[pipeline][supervision]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  const pid_t first = hub.Describe("salesforce").process().pid();
  REQUIRE(first > 0);

  // A new adapter spec (an environment variable more): a new process.
  {
    v1::RegisterSystemRequest req;
    v1::GetSystemRequest get;
    get.set_name("salesforce");
    v1::GetSystemResponse got;
    REQUIRE(hub.registry->GetSystem(Ctx().get(), get, &got).ok());
    *req.mutable_system() = got.system();
    req.mutable_system()->clear_version();
    req.mutable_system()->clear_created_at();
    req.mutable_system()->clear_updated_at();
    req.mutable_system()->clear_state();
    auto* env = req.mutable_system()
                    ->mutable_adapter()
                    ->mutable_launch()
                    ->mutable_env();
    const std::string mark = "2";  // a string, not a literal: GCC 12's
                                   // -Wrestrict misfires on the literal
    (*env)["REVHUB_TEST_MARK"] = mark;
    req.set_replace_existing(true);
    v1::RegisterSystemResponse resp;
    REQUIRE(hub.registry->RegisterSystem(Ctx().get(), req, &resp).ok());
  }
  CHECK(ProcessGone(first));
  const pid_t second = hub.Describe("salesforce").process().pid();
  CHECK(second > 0);
  CHECK(second != first);

  // Disabled: the adapter stops.
  v1::DisableSystemRequest disable;
  disable.set_name("salesforce");
  disable.set_reason("test");
  v1::DisableSystemResponse disabled;
  REQUIRE(hub.registry->DisableSystem(Ctx().get(), disable, &disabled).ok());
  CHECK(ProcessGone(second));
  v1::DescribeSystemAdapterRequest dreq;
  dreq.set_system("salesforce");
  v1::DescribeSystemAdapterResponse dresp;
  CHECK(hub.pipeline->DescribeSystemAdapter(Ctx().get(), dreq, &dresp)
            .error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // An adapter that cannot start: its records wait, the hub serves on.
  v1::RegisterSystemRequest broken;
  broken.mutable_system()->set_name("broken");
  broken.mutable_system()->set_kind(v1::SYSTEM_KIND_OTHER);
  broken.mutable_system()->mutable_adapter()->mutable_launch()->set_command(
      "/nonexistent/revhub-adapter");
  v1::RegisterSystemResponse broken_resp;
  REQUIRE(hub.registry->RegisterSystem(Ctx().get(), broken, &broken_resp).ok());
  int64_t waiting = hub.Ingest("broken", "Account",
                               Account("001W00000000001AAA", "Waiting Ltd"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(hub.Record(waiting).status() == v1::RECORD_STATUS_RECEIVED);
  CHECK(hub.pipeline
            ->DescribeSystemAdapter(
                Ctx().get(),
                [] {
                  v1::DescribeSystemAdapterRequest r;
                  r.set_system("broken");
                  return r;
                }(),
                &dresp)
            .error_code() == grpc::StatusCode::UNAVAILABLE);

  // Fixed by registering a working adapter: the waiting record is retried
  // at once, not after its backoff.
  hub.Register("broken", v1::SYSTEM_KIND_OTHER, "salesforce",
               kSalesforceConfig);
  const auto fixed_at = std::chrono::steady_clock::now();
  CHECK(hub.Settle(waiting) == v1::RECORD_STATUS_APPLIED);
  CHECK(std::chrono::steady_clock::now() - fixed_at < seconds(10));
  CHECK(hub.CustomerByRef("broken", "Account", "001W00000000001AAA").name() ==
        "Waiting Ltd");

  // A matching rule on a field customers cannot be matched on is refused.
  v1::RegisterSystemRequest bad_rule = Text<v1::RegisterSystemRequest>(
      R"(system { name: "bad" kind: SYSTEM_KIND_BILLING
                  matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                                   field: "shoe_size" } })");
  v1::RegisterSystemResponse bad_resp;
  auto st = hub.registry->RegisterSystem(Ctx().get(), bad_rule, &bad_resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(),
             Catch::StartsWith("system.matching_rules[0].field"));
}

void RegisterSystem(std::unique_ptr<v1::SystemRegistryService::Stub>& registry,
                    const std::string& name) {
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name(name);
  req.mutable_system()->set_kind(v1::SYSTEM_KIND_CRM);
  v1::RegisterSystemResponse resp;
  REQUIRE(registry->RegisterSystem(Ctx().get(), req, &resp).ok());
}

// An adapter process the test runs itself, as one that runs "elsewhere".
class RemoteAdapter {
 public:
  explicit RemoteAdapter(const std::string& vendor) {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::string bin = Bin("revhub-adapter-" + vendor);
    const char* argv[] = {bin.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    REQUIRE(posix_spawn(&pid_, bin.c_str(), &actions, nullptr,
                        const_cast<char* const*>(argv), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    std::string line;
    char c;
    pollfd pfd{out[0], POLLIN, 0};
    while (poll(&pfd, 1, 10000) > 0 && read(out[0], &c, 1) == 1 && c != '\n')
      line += c;
    close(out[0]);
    // REVHUB-ADAPTER|1|tcp|127.0.0.1:PORT
    REQUIRE(line.rfind("REVHUB-ADAPTER|1|tcp|", 0) == 0);
    address_ = line.substr(std::string("REVHUB-ADAPTER|1|tcp|").size());
  }
  ~RemoteAdapter() {
    close(stdin_);
    ::kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  const std::string& address() const { return address_; }

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
  std::string address_;
};

TEST_CASE("a system whose adapter runs elsewhere is reached at its endpoint",
          "[pipeline][supervision]") {
  PipelineHub hub;
  RemoteAdapter stripe("stripe");
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name("stripe-remote");
  req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
  req.mutable_system()->mutable_adapter()->set_endpoint(stripe.address());
  v1::RegisterSystemResponse resp;
  REQUIRE(hub.registry->RegisterSystem(Ctx().get(), req, &resp).ok());
  auto described = hub.Describe("stripe-remote");
  CHECK(described.description().adapter_name() == "stripe");
  CHECK(described.process().pid() == 0);
  CHECK(described.process().address() == stripe.address());
  int64_t id = hub.Ingest(
      "stripe-remote", "customer",
      R"({"id": "cus_Remote1", "object": "customer", "name": "Remote plc",
          "created": 1740000000})");
  REQUIRE(hub.Settle(id) == v1::RECORD_STATUS_APPLIED);
  CHECK(hub.CustomerByRef("stripe-remote", "customer", "cus_Remote1").name() ==
        "Remote plc");
}

// Ingests `n` accounts as fast as the hub takes them.
std::vector<int64_t> IngestAccounts(PipelineHub& hub, int n) {
  std::vector<int64_t> ids;
  for (int i = 0; i < n; ++i) {
    char id[32];
    snprintf(id, sizeof id, "001K%014d", i);
    ids.push_back(hub.Ingest("salesforce", "Account",
                             Account(id, absl::StrCat("Customer ", i))));
  }
  return ids;
}

// A backlog: `n` accounts stored while the system has no adapter yet, then
// the registration that gives it one.
std::vector<int64_t> IngestBacklog(PipelineHub& hub, int n) {
  RegisterSystem(hub.registry, "salesforce");
  std::vector<int64_t> ids = IngestAccounts(hub, n);
  REQUIRE(hub.CountRecords(v1::RECORD_STATUS_RECEIVED) == n);
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  return ids;
}

void WaitForSomeApplied(PipelineHub& hub) {
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (hub.CountRecords(v1::RECORD_STATUS_APPLIED) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void CheckAllAppliedOnce(PipelineHub& hub, const std::vector<int64_t>& ids) {
  auto deadline = std::chrono::steady_clock::now() + seconds(90);
  while (hub.CountRecords(v1::RECORD_STATUS_APPLIED) <
             static_cast<int>(ids.size()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(hub.CountRecords(v1::RECORD_STATUS_APPLIED) ==
        static_cast<int>(ids.size()));
  CHECK(hub.CountRecords(v1::RECORD_STATUS_FAILED) == 0);
  auto customers = hub.AllCustomers();
  CHECK(customers.size() == ids.size());
  for (const auto& c : customers) CHECK(c.version() == 1);
  CHECK(hub.Events(cv1::EVENT_TYPE_CUSTOMER_CHANGED).size() == ids.size());
}

TEST_CASE(
    "kill -9 of the adapter mid-backlog: restarted, every record "
    "applied exactly once",
    "[pipeline][crash]") {
  PipelineHub hub({"--pipeline-batch-size", "5"});
  std::vector<int64_t> ids = IngestBacklog(hub, 200);
  const pid_t first = hub.Describe("salesforce").process().pid();
  REQUIRE(first > 0);
  WaitForSomeApplied(hub);
  const int applied_at_kill = hub.CountRecords(v1::RECORD_STATUS_APPLIED);
  REQUIRE(::kill(first, SIGKILL) == 0);
  WARN("applied when the adapter was killed: " << applied_at_kill << " of "
                                               << ids.size());
  // The kill landed mid-backlog.
  CHECK(applied_at_kill < static_cast<int>(ids.size()));
  CheckAllAppliedOnce(hub, ids);
  auto after = hub.Describe("salesforce").process();
  CHECK(after.pid() != first);
  CHECK(after.restarts() >= 1);
}

TEST_CASE(
    "kill -9 of the hub mid-backlog: after the restart every record "
    "is applied exactly once",
    "[pipeline][crash]") {
  PipelineHub hub({"--pipeline-batch-size", "5"});
  std::vector<int64_t> ids = IngestBacklog(hub, 200);
  WaitForSomeApplied(hub);
  const int applied_at_kill = hub.CountRecords(v1::RECORD_STATUS_APPLIED);
  hub.process->Kill();
  WARN("applied when the hub was killed: " << applied_at_kill << " of "
                                           << ids.size());
  CHECK(applied_at_kill < static_cast<int>(ids.size()));
  hub.Start();
  CheckAllAppliedOnce(hub, ids);
}

}  // namespace
}  // namespace revhub::testing
