// The ingest pipeline suite's fixture: a real revhubd that starts the real
// Salesforce and Stripe adapters from build/bin as its children, with the
// calls the pipeline tests make, and the Salesforce records they ingest.
//
// Thread-safety: a PipelineHub belongs to the test's thread (it uses
// Catch2 assertions).
#ifndef REVHUB_TESTS_INGEST_PIPELINE_FIXTURE_H_
#define REVHUB_TESTS_INGEST_PIPELINE_FIXTURE_H_

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/hub_fixture.h"
#include "tests/support/salesforce_payloads.h"
#include "tests/support/systems.h"

namespace revhub::testing {

struct PipelineHub : Hub {
  explicit PipelineHub(std::vector<std::string> extra = {})
      : Hub(std::move(extra)) {}

  // Registers `name` (replacing it) with the adapter of `vendor`; see
  // AdapterSystem.
  void Register(const std::string& name, v1::SystemKind kind,
                const std::string& vendor, const std::string& config_text,
                const std::string& extra_text = "") {
    testing::Register(
        *registry, AdapterSystem(name, kind, vendor, config_text, extra_text));
  }
  int64_t Ingest(const std::string& system, const std::string& type,
                 const std::string& payload) {
    v1::IngestRequest req;
    req.set_system(system);
    req.set_object_type(type);
    req.set_payload(payload);
    return CallOk(*ingest, &v1::IngestService::Stub::Ingest, req).record_id();
  }

  v1::RawRecord Record(int64_t id) {
    v1::GetRecordRequest req;
    req.set_record_id(id);
    return CallOk(*ingest, &v1::IngestService::Stub::GetRecord, req).record();
  }

  // Waits until the record leaves RECEIVED; returns its status.
  v1::RecordStatus Settle(int64_t id, int timeout_s = 30) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
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
      v1::ListRecordsResponse resp =
          CallOk(*ingest, &v1::IngestService::Stub::ListRecords, req);
      n += resp.records_size();
      if (resp.next_page_token().empty()) return n;
      req.set_page_token(resp.next_page_token());
    }
  }

  v1::ShowRecordResponse Show(int64_t id) {
    v1::ShowRecordRequest req;
    req.set_record_id(id);
    return CallOk(*pipeline, &v1::PipelineService::Stub::ShowRecord, req);
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
    return CallOk(*pipeline, &v1::PipelineService::Stub::ReplayRecord, req)
        .outcome();
  }

  cv1::Customer CustomerByRef(const std::string& system,
                              const std::string& type, const std::string& id) {
    v1::GetCustomerRequest req;
    req.mutable_external_ref()->set_system(system);
    req.mutable_external_ref()->set_object_type(type);
    req.mutable_external_ref()->set_vendor_id(id);
    return CallOk(*customers, &v1::CustomerService::Stub::GetCustomer, req)
        .customer();
  }

  std::vector<cv1::Customer> AllCustomers() {
    std::vector<cv1::Customer> out;
    v1::ListCustomersRequest req;
    req.set_page_size(500);
    while (true) {
      v1::ListCustomersResponse resp =
          CallOk(*customers, &v1::CustomerService::Stub::ListCustomers, req);
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
      v1::ListEventsResponse resp =
          CallOk(*events, &v1::EventService::Stub::ListEvents, req);
      for (const auto& e : resp.events()) out.push_back(e);
      if (resp.events_size() == 0 || resp.next_position() == 0) return out;
      req.set_from_position(resp.next_position());
    }
  }

  v1::DescribeSystemAdapterResponse Describe(const std::string& system) {
    v1::DescribeSystemAdapterRequest req;
    req.set_system(system);
    return CallOk(*pipeline, &v1::PipelineService::Stub::DescribeSystemAdapter,
                  req);
  }
};

// The Salesforce system's config: amounts without a currency are EUR.
inline constexpr char kSalesforceConfig[] =
    R"(fields { key: "default_currency" value { string_value: "EUR" } })";

// A Salesforce Account in EUR, last modified 2025-03-01.
std::string Account(const std::string& id, const std::string& name);

// A Closed Won opportunity of `account`: `quantity` of `product` at 1,200.50
// EUR from 2025-04-01 to 2026-03-31.
std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product, int quantity);

// How many of `events` are about `subject_id`.
int64_t CountOf(const std::vector<cv1::BusinessEvent>& events,
                const std::string& subject_id);

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_INGEST_PIPELINE_FIXTURE_H_
