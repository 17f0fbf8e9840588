// The README's quick start, run as written. The ```sh blocks between
// "<!-- quickstart:begin -->" and "<!-- quickstart:end -->" in README.md are
// run one after the other with bash (-euo pipefail) in the source tree,
// against the stack `./dev run` starts (examples/dev-stack.sh: the NetSuite
// emulator, revhubd and the salesforce, stripe and netsuite systems) on a
// loopback port 0 with a fresh data directory. Before each block the test
// waits, as a reader would, until the hub is idle (no record RECEIVED, no
// workflow PENDING or RUNNING). Then it checks what the README promises
// through the hub's API and the emulator's control API: one customer, one
// ACTIVE contract (the upgrade its second version) with a CONFIRMED
// schedule, Stripe's customer and subscription bound to them, the invoices
// and payment linked to them, NetSuite holding the customer, the invoices
// and journal entries, every workflow COMPLETED, and no exception open.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/rpc.h"
#include "tests/support/run.h"

extern char** environ;

namespace revhub::testing {
namespace {

namespace v1 = ::revhub::hub::v1;
namespace canon = ::revhub::canonical::v1;
using Clock = std::chrono::steady_clock;

// The quick-start blocks of README.md, in order.
std::vector<std::string> QuickStartBlocks(const std::string& readme) {
  const std::string begin = "<!-- quickstart:begin -->";
  const std::string end = "<!-- quickstart:end -->";
  size_t from = readme.find(begin);
  size_t to = readme.find(end);
  std::vector<std::string> blocks;
  if (from == std::string::npos || to == std::string::npos || to < from)
    return blocks;
  std::string section = readme.substr(from, to - from);
  std::regex fence("```sh\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(section.begin(), section.end(), fence), last;
       it != last; ++it) {
    blocks.push_back((*it)[1].str());
  }
  return blocks;
}

// examples/dev-stack.sh as a child process in its own process group, its
// output in a file.
class DevStack {
 public:
  explicit DevStack(const TempDir& dir) : dir_(dir.path()) {}
  ~DevStack() { Stop(); }

  bool Start() {
    const std::string out = dir_ + "/dev-stack.out";
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      if (kv.rfind("REVHUB_", 0) == 0) continue;
      env_strings.push_back(kv);
    }
    env_strings.push_back("REVHUB_LISTEN=127.0.0.1:0");
    env_strings.push_back("REVHUB_DATA=" + dir_ + "/data");
    std::vector<char*> env;
    for (auto& s : env_strings) env.push_back(s.data());
    env.push_back(nullptr);
    std::string script = SourceDir() + "/examples/dev-stack.sh";
    std::string bin = BinDir();
    std::vector<char*> argv = {const_cast<char*>("bash"), script.data(),
                               bin.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc =
        posix_spawnp(&pid_, "bash", &actions, &attr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return false;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::smatch m;
    const std::regex hub_line("dev-stack: revhubd at (\\S+)");
    const std::regex emulator_line(
        "dev-stack: NetSuite emulator at http://(\\S+)");
    while (Clock::now() < deadline) {
      output_ = ReadFile(out);
      if (output_.find("dev-stack: stop with Ctrl-C") != std::string::npos) {
        if (std::regex_search(output_, m, hub_line)) hub_ = m[1];
        if (std::regex_search(output_, m, emulator_line)) emulator_ = m[1];
        return !hub_.empty() && !emulator_.empty();
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  const std::string& hub() const { return hub_; }
  const std::string& emulator() const { return emulator_; }
  std::string output() const { return ReadFile(dir_ + "/dev-stack.out"); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::string output_;
  std::string hub_;
  std::string emulator_;
};

// The emulator's stored records of `type` ({id: record}), through its
// control API, read with the stack's own tools (curl is not assumed: node
// is, the install step puts it there).
nlohmann::json EmulatorRecords(const std::string& emulator,
                               const std::string& type,
                               const std::string& scratch) {
  std::string script =
      "const http=require('http');http.get('http://" + emulator +
      "/__control/records?type=" + type +
      "',r=>{let b='';r.on('data',c=>b+=c);r.on('end',()=>process.stdout."
      "write(b));}).on('error',e=>{console.error(e.message);process.exit(1);"
      "});";
  RunResult r = RunProgram({"/usr/bin/env", "node", "-e", script}, scratch);
  INFO("node: " << r.err);
  REQUIRE(r.code == 0);
  nlohmann::json all = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(all.is_discarded());
  for (auto& [name, records] : all.items()) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    std::string want = type;
    for (char& c : want) c = static_cast<char>(std::tolower(c));
    if (lower == want) return records;
  }
  return nlohmann::json::object();
}

// True once nothing is in flight: no RECEIVED record, no PENDING or RUNNING
// workflow.
bool Idle(const std::shared_ptr<grpc::Channel>& channel) {
  auto ingest = v1::IngestService::NewStub(channel);
  v1::ListRecordsRequest records;
  records.set_status(v1::RECORD_STATUS_RECEIVED);
  records.set_page_size(1);
  v1::ListRecordsResponse received;
  if (!ingest->ListRecords(Ctx().get(), records, &received).ok() ||
      received.records_size() > 0)
    return false;
  auto workflows = v1::WorkflowService::NewStub(channel);
  for (v1::WorkflowState state :
       {v1::WORKFLOW_STATE_PENDING, v1::WORKFLOW_STATE_RUNNING}) {
    v1::ListWorkflowsRequest req;
    req.set_state(state);
    req.set_omit_payloads(true);
    v1::ListWorkflowsResponse resp;
    if (!workflows->ListWorkflows(Ctx().get(), req, &resp).ok() ||
        resp.workflows_size() > 0)
      return false;
  }
  return true;
}

void WaitIdle(const std::shared_ptr<grpc::Channel>& channel) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  int quiet = 0;  // two idle looks in a row: consumers have caught up
  while (Clock::now() < deadline) {
    quiet = Idle(channel) ? quiet + 1 : 0;
    if (quiet >= 3) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  FAIL("the hub did not become idle within 60 s");
}

TEST_CASE("the README's quick start runs as written and ends as it says",
          "[readme]") {
  const std::string readme = ReadFile(SourceDir() + "/README.md");
  const std::vector<std::string> blocks = QuickStartBlocks(readme);
  INFO("README.md has " << blocks.size() << " quick-start blocks");
  REQUIRE(blocks.size() >= 2);

  TempDir dir;
  DevStack stack(dir);
  const bool started = stack.Start();
  INFO("dev-stack output:\n" << stack.output());
  REQUIRE(started);
  auto channel =
      grpc::CreateChannel(stack.hub(), grpc::InsecureChannelCredentials());

  // The README says build/bin; this build may live elsewhere.
  const std::string bin = BinDir();
  for (size_t i = 0; i < blocks.size(); ++i) {
    WaitIdle(channel);
    std::string block = blocks[i];
    if (bin != SourceDir() + "/build/bin") {
      block = std::regex_replace(block, std::regex("build/bin/"), bin + "/");
    }
    const std::string script =
        dir.path() + "/block" + std::to_string(i) + ".sh";
    WriteFile(script, "set -euo pipefail\ncd '" + SourceDir() +
                          "'\nexport REVHUB_HUB='" + stack.hub() + "'\n" +
                          block);
    RunResult r = RunProgram({"/bin/bash", script}, dir.path(), "/dev/null",
                             std::chrono::seconds(120));
    INFO("block " << i << ":\n"
                  << blocks[i] << "\nstdout:\n"
                  << r.out << "\nstderr:\n"
                  << r.err);
    REQUIRE(r.code == 0);
  }
  WaitIdle(channel);

  // One customer, known to both Salesforce and Stripe.
  auto customers = v1::CustomerService::NewStub(channel);
  auto listed = CallOk(*customers, &v1::CustomerService::Stub::ListCustomers,
                       v1::ListCustomersRequest());
  REQUIRE(listed.customers_size() == 1);
  // Stripe's customer is the same one (bound to it by the matching rule and
  // Salesforce's authority), and so is Stripe's subscription the contract.
  v1::GetCustomerRequest by_stripe;
  by_stripe.mutable_external_ref()->set_system("stripe");
  by_stripe.mutable_external_ref()->set_object_type("customer");
  by_stripe.mutable_external_ref()->set_vendor_id("cus_QkNwAn7Y2bL0aR");
  auto stripe_customer =
      CallOk(*customers, &v1::CustomerService::Stub::GetCustomer, by_stripe);
  CHECK(stripe_customer.customer().id() == listed.customers(0).id());

  // One ACTIVE contract with a CONFIRMED schedule.
  auto contracts = v1::ContractService::NewStub(channel);
  auto all_contracts =
      CallOk(*contracts, &v1::ContractService::Stub::ListContracts,
             v1::ListContractsRequest());
  REQUIRE(all_contracts.contracts_size() == 1);
  const canon::Contract& contract = all_contracts.contracts(0);
  CHECK(contract.status() == canon::CONTRACT_STATUS_ACTIVE);
  CHECK(contract.customer_id() == listed.customers(0).id());
  v1::GetContractRequest by_subscription;
  by_subscription.mutable_external_ref()->set_system("stripe");
  by_subscription.mutable_external_ref()->set_object_type("subscription");
  by_subscription.mutable_external_ref()->set_vendor_id("sub_1QkNwAnSub00001");
  auto stripe_contract = CallOk(
      *contracts, &v1::ContractService::Stub::GetContract, by_subscription);
  CHECK(stripe_contract.contract().id() == contract.id());
  // The upgrade is the contract's second version, with its third line.
  CHECK(contract.version() == 2);
  CHECK(contract.lines_size() == 3);
  auto revenue = v1::RevenueService::NewStub(channel);
  v1::GetScheduleRequest schedule_req;
  schedule_req.set_contract_id(contract.id());
  auto schedule =
      CallOk(*revenue, &v1::RevenueService::Stub::GetSchedule, schedule_req);
  CHECK(schedule.schedule().status() ==
        canon::REVENUE_SCHEDULE_STATUS_CONFIRMED);

  // The invoices and the payment belong to them.
  auto invoices = v1::InvoiceService::NewStub(channel);
  auto all_invoices = CallOk(*invoices, &v1::InvoiceService::Stub::ListInvoices,
                             v1::ListInvoicesRequest());
  REQUIRE(all_invoices.invoices_size() >= 1);
  for (const auto& inv : all_invoices.invoices()) {
    INFO("invoice " << inv.id());
    CHECK(inv.contract_id() == contract.id());
    CHECK(inv.customer_id() == contract.customer_id());
  }
  auto payments = v1::PaymentService::NewStub(channel);
  auto all_payments = CallOk(*payments, &v1::PaymentService::Stub::ListPayments,
                             v1::ListPaymentsRequest());
  REQUIRE(all_payments.payments_size() >= 1);
  for (const auto& p : all_payments.payments()) {
    CHECK(p.customer_id() == contract.customer_id());
    REQUIRE(p.allocations_size() >= 1);
  }

  // Every record applied, every workflow completed, no exception open.
  auto ingest = v1::IngestService::NewStub(channel);
  auto records = CallOk(*ingest, &v1::IngestService::Stub::ListRecords,
                        v1::ListRecordsRequest());
  REQUIRE(records.records_size() >= 8);
  for (const auto& r : records.records()) {
    INFO("record " << r.record_id() << " " << r.object_type() << " "
                   << v1::RecordStatus_Name(r.status()) << " "
                   << r.status_reason());
    CHECK((r.status() == v1::RECORD_STATUS_APPLIED ||
           r.status() == v1::RECORD_STATUS_SKIPPED));
  }
  auto workflows = v1::WorkflowService::NewStub(channel);
  v1::ListWorkflowsRequest wf_req;
  wf_req.set_omit_payloads(true);
  auto all_workflows =
      CallOk(*workflows, &v1::WorkflowService::Stub::ListWorkflows, wf_req);
  REQUIRE(all_workflows.workflows_size() >= 1);
  for (const auto& wf : all_workflows.workflows()) {
    INFO("workflow " << wf.workflow_id() << " "
                     << v1::WorkflowState_Name(wf.state()));
    CHECK(wf.state() == v1::WORKFLOW_STATE_COMPLETED);
  }
  auto exceptions = v1::ExceptionService::NewStub(channel);
  auto open = CallOk(*exceptions, &v1::ExceptionService::Stub::ListExceptions,
                     v1::ListExceptionsRequest());
  for (const auto& e : open.exceptions())
    UNSCOPED_INFO("open exception " << e.exception_id() << ": " << e.error());
  CHECK(open.exceptions_size() == 0);

  // NetSuite (the emulator) holds the customer, the invoices and the
  // journal entries.
  CHECK(EmulatorRecords(stack.emulator(), "customer", dir.path()).size() == 1);
  CHECK(EmulatorRecords(stack.emulator(), "invoice", dir.path()).size() ==
        static_cast<size_t>(all_invoices.invoices_size()));
  CHECK(EmulatorRecords(stack.emulator(), "journalEntry", dir.path()).size() >=
        1);
}

}  // namespace
}  // namespace revhub::testing
