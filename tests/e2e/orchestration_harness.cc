#include "tests/e2e/orchestration_harness.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/sdk/http_client.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/auth.h"
#include "tests/support/systems.h"

namespace revhub::testing::orch {
namespace {

constexpr char kToken[] = "ns-orchestration-token-51c9";

// One call through h.Call(); REQUIREs an OK status (`what` names the call
// in a failure).
template <typename Stub, typename Request, typename Response>
Response CallHubOk(Harness& h,
                   grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                const Request&, Response*),
                   const Request& request, const std::string& what) {
  Response response;
  grpc::Status st = h.Call(method, request, &response);
  INFO(what);
  REQUIRE_GRPC_OK(st);
  return response;
}

// Upserts `entity` with idempotency key `key` through h.Call(), setting it
// on the request with `mutable_entity`; REQUIREs an OK status.
template <typename Stub, typename Request, typename Response, typename Entity>
Response UpsertVia(Harness& h,
                   grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                const Request&, Response*),
                   Entity* (Request::*mutable_entity)(), Entity entity,
                   const std::string& key, const std::string& what) {
  Request req;
  *(req.*mutable_entity)() = std::move(entity);
  req.set_idempotency_key(key);
  return CallHubOk(h, method, req, what + " " + key);
}

}  // namespace

google::protobuf::Timestamp Day(const std::string& yyyy_mm_dd) {
  std::tm tm{};
  strptime(yyyy_mm_dd.c_str(), "%Y-%m-%d", &tm);
  google::protobuf::Timestamp t;
  t.set_seconds(timegm(&tm));
  return t;
}

cv1::Money Cents(const std::string& currency, int64_t cents) {
  cv1::Money m;
  m.set_currency_code(currency);
  m.set_units(cents / 100);
  m.set_nanos(static_cast<int32_t>((cents % 100) * 10000000));
  return m;
}

std::string Format(Nanos amount) { return FormatNanos(amount, 2); }

// ---- Harness ----------------------------------------------------------------

Harness::Harness(HarnessOptions options) : options_(std::move(options)) {
  emulator_ = std::make_unique<NetSuiteEmulator>(kToken);
  orchestration_config_ = config_dir_.path() + "/orchestration.json";
  std::ofstream(orchestration_config_) << R"({
  "routing": [{"category": "FINANCE", "owner": "revenue-accounting"},
              {"category": "METADATA", "owner": "revops-data"}],
  "default_owner": "finance-ops",
  "sla": {"FINANCE": "24h", "METADATA": "72h"},
  "recognition_sweep_interval": "1s"
})";
  const int hubs = std::max(1, options_.hubs);
  REQUIRE((hubs == 1 || !options_.store.empty()));
  if (hubs > 1) {
    // Secret configuration values are sealed with one key: every hub must
    // be able to open what another stored.
    secrets_key_ = config_dir_.path() + "/secrets.key";
    REQUIRE(EnsureSecretsKeyFile(secrets_key_));
  }
  for (int i = 0; i < hubs; ++i) {
    data_dirs_.push_back(std::make_unique<TempDir>());
    hubs_.push_back(nullptr);
  }
  StartHub();
  RegisterNetSuite();
  if (options_.salesforce) RegisterSalesforce();
  if (options_.stripe) RegisterStripe();
}

Harness::~Harness() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& hub : hubs_) {
    if (hub && hub->running()) hub->Stop();
  }
}

std::vector<std::string> Harness::HubArgs() const {
  std::vector<std::string> args = {"--orchestration-config",
                                   orchestration_config_};
  if (!options_.store.empty()) args.push_back("--store=" + options_.store);
  if (!secrets_key_.empty()) {
    args.push_back("--secrets-key-file=" + secrets_key_);
    args.push_back("--http-listen=127.0.0.1:0");
  }
  args.insert(args.end(), options_.hub_args.begin(), options_.hub_args.end());
  return args;
}

std::unique_ptr<HubProcess> Harness::MakeHub(int i) const {
  auto hub = std::make_unique<HubProcess>(data_dirs_[i]->path());
  hub->set_extra_args(HubArgs());
  hub->set_stderr_file(options_.hub_stderr_file);
  return hub;
}

bool Harness::StartOne(int i) {
  auto next = MakeHub(i);
  if (i > 0) {
    // The first hub made `admin`; the others find it in the store and
    // write no token of their own, so they get the first one's.
    const std::string token = ReadAdminToken(data_dirs_[0]->path());
    std::ofstream(data_dirs_[i]->path() + "/admin.token") << token;
  }
  bool started = next->Start();
  if (!started) std::cerr << "revhubd did not start: " << next->error() << "\n";
  std::lock_guard<std::mutex> lock(mu_);
  hubs_[i] = std::move(next);
  if (started && (!hubs_[serving_] || !hubs_[serving_]->running())) {
    serving_ = i;
  }
  if (started && i == serving_) channel_ = hubs_[i]->channel();
  return started;
}

void Harness::StartHub() {
  for (int i = 0; i < hub_count(); ++i) {
    if (hubs_[i] && hubs_[i]->running()) continue;
    bool started = StartOne(i);
    INFO("hub " << i);
    REQUIRE(started);
  }
}

void Harness::CrashAndRestart(std::chrono::milliseconds down) {
  int i;
  {
    std::lock_guard<std::mutex> lock(mu_);
    i = serving_;
  }
  // A hub that does not come back fails every later call.
  CrashAndRestartHub(i, down);
}

bool Harness::CrashAndRestartHub(int i, std::chrono::milliseconds down) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    hubs_[i]->Kill();
    // Calls go to another hub that runs; with one hub they keep going to
    // the dead hub's address meanwhile: UNAVAILABLE.
    for (int j = 0; j < hub_count(); ++j) {
      if (hubs_[j] && hubs_[j]->running()) {
        serving_ = j;
        channel_ = hubs_[j]->channel();
        break;
      }
    }
  }
  std::this_thread::sleep_for(down);
  return StartOne(i);
}

int Harness::DutyHolder(const std::string& duty) {
  std::vector<std::string> listeners(hub_count());
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < hub_count(); ++i) {
      if (hubs_[i] && hubs_[i]->running())
        listeners[i] = hubs_[i]->http_address();
    }
  }
  const std::string held =
      absl::StrCat("revhub_duty_held{duty=\"", duty, "\"} 1");
  for (int i = 0; i < hub_count(); ++i) {
    if (listeners[i].empty()) continue;
    adapter::HttpRequest req;
    req.url = absl::StrCat("http://", listeners[i], "/metrics");
    req.timeout = std::chrono::milliseconds(2000);
    auto resp = adapter::SendHttp(req);
    if (!resp.ok() || resp->status != 200) continue;
    for (absl::string_view line : absl::StrSplit(resp->body, '\n')) {
      if (line == held) return i;
    }
  }
  return -1;
}

std::shared_ptr<grpc::Channel> Harness::channel() {
  std::lock_guard<std::mutex> lock(mu_);
  return channel_;
}

void Harness::Register(v1::RegisterSystemRequest req) {
  req.set_replace_existing(true);
  v1::RegisterSystemResponse resp;
  grpc::Status st =
      Call(&v1::SystemRegistryService::Stub::RegisterSystem, req, &resp);
  INFO("registering " << req.system().name());
  REQUIRE_GRPC_OK(st);
  REQUIRE(st.ok());
}

void Harness::RegisterNetSuite() {
  v1::RegisterSystemRequest req =
      AdapterSystem("netsuite", v1::SYSTEM_KIND_ERP, "netsuite", "");
  auto* s = req.mutable_system();
  Json config = {{"base_url", emulator_->base_url()},
                 {"access_token", kToken},
                 {"request_timeout_ms", options_.request_timeout_ms},
                 {"connect_timeout_ms", 1000},
                 {"default_retry_after_ms", 50},
                 {"subsidiary_ids", options_.subsidiary_ids},
                 {"account_ids", AccountIds()}};
  if (!options_.default_subsidiary_id.empty())
    config["default_subsidiary_id"] = options_.default_subsidiary_id;
  if (!options_.default_currency.empty())
    config["default_currency"] = options_.default_currency;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      config.dump(), s->mutable_config());
  REQUIRE(parsed.ok());
  SetDelivery(s, options_.max_attempts, options_.initial_backoff_ms,
              options_.max_backoff_ms);
  Register(std::move(req));
}

void Harness::RegisterSalesforce() {
  Register(AdapterSystem(
      "salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
      R"(fields { key: "default_currency" value { string_value: "EUR" } })"));
}

void Harness::RegisterStripe() {
  Register(AdapterSystem("stripe", v1::SYSTEM_KIND_BILLING, "stripe",
                         R"(fields { key: "contract_ref_metadata_key"
                  value { string_value: "salesforce_opportunity_id" } }
         fields { key: "contract_ref_system"
                  value { string_value: "salesforce" } }
         fields { key: "contract_ref_object_type"
                  value { string_value: "Opportunity" } })",
                         R"(matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
           field: "attributes.metadata.salesforce_account_id"
           ref_system: "salesforce" ref_object_type: "Account" })"));
}

int64_t Harness::Ingest(const std::string& system,
                        const std::string& object_type,
                        const std::string& payload) {
  v1::IngestRequest req;
  req.set_system(system);
  req.set_object_type(object_type);
  req.set_payload(payload);
  v1::IngestResponse resp;
  grpc::Status st = Call(&v1::IngestService::Stub::Ingest, req, &resp);
  REQUIRE_GRPC_OK(st);
  return resp.record_id();
}

v1::RecordStatus Harness::Settle(int64_t id, int timeout_s) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    v1::GetRecordRequest req;
    req.set_record_id(id);
    v1::GetRecordResponse resp;
    grpc::Status st = Call(&v1::IngestService::Stub::GetRecord, req, &resp);
    REQUIRE_GRPC_OK(st);
    if (resp.record().status() != v1::RECORD_STATUS_RECEIVED)
      return resp.record().status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return v1::RECORD_STATUS_RECEIVED;
}

cv1::Customer Harness::UpsertCustomer(cv1::Customer customer,
                                      const std::string& key) {
  return UpsertVia(*this, &v1::CustomerService::Stub::UpsertCustomer,
                   &v1::UpsertCustomerRequest::mutable_customer,
                   std::move(customer), key, "UpsertCustomer")
      .customer();
}

cv1::Product Harness::UpsertProduct(cv1::Product product,
                                    const std::string& key) {
  return UpsertVia(*this, &v1::ProductService::Stub::UpsertProduct,
                   &v1::UpsertProductRequest::mutable_product,
                   std::move(product), key, "UpsertProduct")
      .product();
}

cv1::Contract Harness::UpsertContract(cv1::Contract contract,
                                      const std::string& key) {
  return UpsertVia(*this, &v1::ContractService::Stub::UpsertContract,
                   &v1::UpsertContractRequest::mutable_contract,
                   std::move(contract), key, "UpsertContract")
      .contract();
}

cv1::Invoice Harness::UpsertInvoice(cv1::Invoice invoice,
                                    const std::string& key) {
  return UpsertVia(*this, &v1::InvoiceService::Stub::UpsertInvoice,
                   &v1::UpsertInvoiceRequest::mutable_invoice,
                   std::move(invoice), key, "UpsertInvoice")
      .invoice();
}

void Harness::SetRevenueRule(const std::string& system,
                             const std::string& object_type,
                             const std::string& vendor_id,
                             cv1::RevenueRule rule, const std::string& key) {
  v1::GetProductRequest get;
  get.mutable_external_ref()->set_system(system);
  get.mutable_external_ref()->set_object_type(object_type);
  get.mutable_external_ref()->set_vendor_id(vendor_id);
  v1::GetProductResponse got;
  REQUIRE_GRPC_OK(Call(&v1::ProductService::Stub::GetProduct, get, &got));
  cv1::Product p = got.product();
  p.set_revenue_rule(rule);
  p.clear_version();
  p.clear_recorded_at();
  UpsertProduct(p, key);
}

cv1::Contract Harness::ContractOf(const std::string& system,
                                  const std::string& object_type,
                                  const std::string& vendor_id) {
  v1::GetContractRequest get;
  get.mutable_external_ref()->set_system(system);
  get.mutable_external_ref()->set_object_type(object_type);
  get.mutable_external_ref()->set_vendor_id(vendor_id);
  v1::GetContractResponse got;
  REQUIRE_GRPC_OK(Call(&v1::ContractService::Stub::GetContract, get, &got));
  return got.contract();
}

cv1::Invoice Harness::GetInvoice(const std::string& id) {
  v1::GetInvoiceRequest req;
  req.set_id(id);
  v1::GetInvoiceResponse resp;
  grpc::Status st = Call(&v1::InvoiceService::Stub::GetInvoice, req, &resp);
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) return cv1::Invoice();
  REQUIRE_GRPC_OK(st);
  return resp.invoice();
}

BookedContract Harness::Book(const ContractSpec& spec) {
  BookedContract out;
  out.tag = spec.tag;
  cv1::Customer customer;
  customer.set_name("Customer " + spec.tag);
  customer.set_email(spec.tag + "@customers.example");
  customer.set_currency_code(spec.currency);
  customer.set_legal_entity(spec.legal_entity);
  out.customer = spec.customer.id().empty()
                     ? UpsertCustomer(customer, "orch-cus-" + spec.tag)
                     : spec.customer;

  cv1::Product product;
  product.set_name("Platform " + spec.tag);
  product.set_sku("PLT-" + spec.tag);
  product.set_active(true);
  product.set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
  out.product = UpsertProduct(product, "orch-prd-" + spec.tag);

  google::protobuf::Timestamp start = Day(spec.start);
  std::tm tm{};
  time_t start_s = start.seconds();
  gmtime_r(&start_s, &tm);
  tm.tm_mon += spec.months;
  google::protobuf::Timestamp end;
  end.set_seconds(timegm(&tm));

  cv1::Contract contract;
  contract.set_customer_id(out.customer.id());
  contract.set_contract_number("CN-" + spec.tag);
  contract.set_status(cv1::CONTRACT_STATUS_DRAFT);
  contract.set_currency_code(spec.currency);
  contract.set_legal_entity(spec.legal_entity);
  *contract.mutable_term()->mutable_start_time() = start;
  *contract.mutable_term()->mutable_end_time() = end;
  *contract.mutable_signed_at() = start;
  *contract.mutable_effective_at() = start;
  auto* line = contract.add_lines();
  line->set_line_id("1");
  line->set_product_id(out.product.id());
  line->set_description("Platform subscription");
  line->mutable_quantity()->set_units(1);
  *line->mutable_unit_price() =
      Cents(spec.currency, spec.monthly_cents * spec.months);
  *line->mutable_service_period()->mutable_start_time() = start;
  *line->mutable_service_period()->mutable_end_time() = end;
  line->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
  cv1::Contract draft = UpsertContract(contract, "orch-ctr-" + spec.tag);

  cv1::Invoice invoice;
  invoice.set_customer_id(out.customer.id());
  invoice.set_contract_id(draft.id());
  invoice.set_kind(cv1::INVOICE_KIND_INVOICE);
  invoice.set_status(cv1::INVOICE_STATUS_OPEN);
  invoice.set_invoice_number("INV-" + spec.tag);
  invoice.set_currency_code(spec.currency);
  invoice.set_legal_entity(spec.legal_entity);
  *invoice.mutable_issued_at() = start;
  *invoice.mutable_effective_at() = start;
  google::protobuf::Timestamp due = start;
  due.set_seconds(due.seconds() + 30 * 86400);
  *invoice.mutable_due_at() = due;
  cv1::Money total = Cents(spec.currency, spec.monthly_cents * spec.months);
  auto* il = invoice.add_lines();
  il->set_line_id("1");
  il->set_description("Platform subscription, whole term");
  il->set_product_id(out.product.id());
  il->set_contract_line_id("1");
  il->mutable_quantity()->set_units(1);
  *il->mutable_unit_amount() = total;
  *il->mutable_amount() = total;
  *il->mutable_service_period()->mutable_start_time() = start;
  *il->mutable_service_period()->mutable_end_time() = end;
  *invoice.mutable_subtotal() = total;
  *invoice.mutable_total() = total;
  *invoice.mutable_amount_remaining() = total;
  *invoice.mutable_tax_total() = Cents(spec.currency, 0);
  *invoice.mutable_discount_total() = Cents(spec.currency, 0);
  *invoice.mutable_amount_paid() = Cents(spec.currency, 0);
  out.invoice = UpsertInvoice(invoice, "orch-inv-" + spec.tag);

  v1::BookContractRequest book;
  *book.mutable_contract() = draft;
  book.mutable_contract()->set_status(cv1::CONTRACT_STATUS_ACTIVE);
  book.mutable_contract()->clear_version();
  book.mutable_contract()->clear_recorded_at();
  book.set_idempotency_key("orch-book-" + spec.tag);
  v1::BookContractResponse booked;
  grpc::Status st =
      Call(&v1::ContractLifecycleService::Stub::BookContract, book, &booked);
  INFO("BookContract " << spec.tag);
  REQUIRE_GRPC_OK(st);
  REQUIRE_FALSE(booked.workflow_id().empty());
  out.contract = booked.contract();
  out.workflow_id = booked.workflow_id();
  return out;
}

std::vector<v1::Workflow> Harness::Workflows(const std::string& contract_id,
                                             bool payloads) {
  std::vector<v1::Workflow> out;
  v1::ListWorkflowsRequest req;
  req.set_contract_id(contract_id);
  req.set_page_size(500);
  req.set_omit_payloads(!payloads);
  while (true) {
    v1::ListWorkflowsResponse resp;
    grpc::Status st =
        Call(&v1::WorkflowService::Stub::ListWorkflows, req, &resp);
    REQUIRE_GRPC_OK(st);
    for (const auto& w : resp.workflows()) out.push_back(w);
    if (resp.next_page_token().empty()) return out;
    req.set_page_token(resp.next_page_token());
  }
}

v1::Workflow Harness::GetWorkflow(const std::string& id) {
  v1::GetWorkflowRequest req;
  req.set_workflow_id(id);
  v1::GetWorkflowResponse resp;
  grpc::Status st = Call(&v1::WorkflowService::Stub::GetWorkflow, req, &resp);
  INFO("GetWorkflow " << id);
  REQUIRE_GRPC_OK(st);
  return resp.workflow();
}

bool Harness::WaitQuiet(std::chrono::seconds timeout, int min_workflows) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int quiet_in_a_row = 0;
  std::vector<v1::Workflow> last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = Workflows();
    bool moving = static_cast<int>(last.size()) < min_workflows;
    for (const auto& w : last) {
      moving = moving || w.state() == v1::WORKFLOW_STATE_PENDING ||
               w.state() == v1::WORKFLOW_STATE_RUNNING;
    }
    quiet_in_a_row = moving ? 0 : quiet_in_a_row + 1;
    if (quiet_in_a_row >= 2) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::cerr << "workflows still moving after " << timeout.count() << " s:\n"
            << Explain();
  return false;
}

bool Harness::WaitWorkflow(const std::string& id,
                           const std::function<bool(const v1::Workflow&)>& pred,
                           std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred(GetWorkflow(id))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::vector<v1::Exception> Harness::Exceptions(
    v1::ListExceptionsRequest filter) {
  std::vector<v1::Exception> out;
  filter.set_page_size(500);
  while (true) {
    v1::ListExceptionsResponse resp;
    grpc::Status st =
        Call(&v1::ExceptionService::Stub::ListExceptions, filter, &resp);
    REQUIRE_GRPC_OK(st);
    for (const auto& e : resp.exceptions()) out.push_back(e);
    if (resp.next_page_token().empty()) return out;
    filter.set_page_token(resp.next_page_token());
  }
}

std::vector<cv1::JournalEntry> Harness::RecognitionEntries(
    const std::string& contract_id) {
  std::vector<cv1::JournalEntry> out;
  v1::ListJournalEntriesRequest req;
  req.set_contract_id(contract_id);
  req.set_page_size(500);
  while (true) {
    v1::ListJournalEntriesResponse resp;
    grpc::Status st =
        Call(&v1::RevenueService::Stub::ListJournalEntries, req, &resp);
    REQUIRE_GRPC_OK(st);
    for (const auto& je : resp.journal_entries()) {
      if (je.source_kind() == "recognition") out.push_back(je);
    }
    if (resp.next_page_token().empty()) return out;
    req.set_page_token(resp.next_page_token());
  }
}

std::string Harness::Explain(const std::string& contract_id) {
  std::string out;
  for (const auto& w : Workflows(contract_id)) {
    absl::StrAppend(&out, w.workflow_id(), " ", v1::WorkflowKind_Name(w.kind()),
                    " ", v1::WorkflowState_Name(w.state()), " contract ",
                    w.contract_id(), " v", w.contract_version(),
                    w.blocked_by_workflow_id().empty()
                        ? ""
                        : " blocked by " + w.blocked_by_workflow_id(),
                    "\n");
    for (const auto& s : w.steps()) {
      if (contract_id.empty() && s.state() == v1::STEP_STATE_SUCCEEDED &&
          s.attempts() <= 1)
        continue;
      absl::StrAppend(&out, "  [", s.index(), "] ", s.name(), " ",
                      v1::StepState_Name(s.state()), " ", s.entity().id(),
                      " attempts=", s.attempts(), " ", s.last_error_code(), " ",
                      s.last_error(), " ", s.detail(), "\n");
    }
  }
  v1::ListExceptionsRequest filter;
  filter.set_contract_id(contract_id);
  for (const auto& e : Exceptions(filter)) {
    absl::StrAppend(&out, "exception ", e.exception_id(), " ",
                    v1::ExceptionKind_Name(e.kind()), " ", e.owner(), " ",
                    e.workflow_id(), " step ", e.step_name(), ": ", e.error(),
                    "\n");
  }
  return out;
}

}  // namespace revhub::testing::orch
