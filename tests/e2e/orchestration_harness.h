// The orchestration suite's harness: a real revhubd with its orchestration
// configured, the NetSuite emulator as the ERP it delivers to, and the
// checks the tests share (workflows settled, each posting exactly once,
// ledgers netted per account).
//
// Harness starts the emulator, then revhubd on port 0 with its own data
// folder and `--orchestration-config` (FINANCE -> "revenue-accounting",
// METADATA -> "revops-data", a one-second recognition sweep), and registers
// "netsuite" (SYSTEM_KIND_ERP, the adapter revhub-adapter-netsuite, the
// emulator's URL, fast delivery limits). Salesforce and Stripe are
// registered when asked. The hub can be killed and restarted on the same
// data folder; every RPC made through Call() goes to the hub running now and,
// when the harness is told to, is retried with the same request (and so the
// same idempotency key) while the hub is down.
//
// Thread-safety: Call(), channel() and CrashAndRestart() may be used from
// several threads at once; the other members use Catch2 assertions and
// belong on the test's thread. The ledger checks are in
// orchestration_ledger.cc.
#ifndef REVHUB_TESTS_E2E_ORCHESTRATION_HARNESS_H_
#define REVHUB_TESTS_E2E_ORCHESTRATION_HARNESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sdk/mapping.h"
#include "canonical/money.h"
#include "revhub/hub/v1/contract_lifecycle_service.grpc.pb.h"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/product_service.grpc.pb.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
#include "tests/support/hub_process.h"
#include "tests/support/netsuite_emulator.h"
#include "tests/support/rpc.h"

namespace revhub::testing::orch {

namespace v1 = ::revhub::hub::v1;
namespace cv1 = ::revhub::canonical::v1;
using adapter::Json;

// The NetSuite account ids the harness maps the hub's account roles to.
inline const std::map<std::string, std::string>& AccountIds() {
  static const auto* ids =
      new std::map<std::string, std::string>{{"RECEIVABLE", "1100"},
                                             {"UNBILLED_RECEIVABLE", "1250"},
                                             {"DEFERRED_REVENUE", "2400"},
                                             {"REVENUE", "4000"},
                                             {"CONTRA_REVENUE", "4050"},
                                             {"TAX_PAYABLE", "2200"},
                                             {"CASH", "1000"}};
  return *ids;
}

// "2025-01-01" as a timestamp (UTC midnight).
google::protobuf::Timestamp Day(const std::string& yyyy_mm_dd);
cv1::Money Cents(const std::string& currency, int64_t cents);
std::string Format(Nanos amount);

struct HarnessOptions {
  // config.default_subsidiary_id of "netsuite"; empty: none.
  std::string default_subsidiary_id = "1";
  // config.subsidiary_ids of "netsuite".
  std::map<std::string, std::string> subsidiary_ids = {{"acme-us", "1"}};
  int max_attempts = 10;
  int initial_backoff_ms = 50;
  int max_backoff_ms = 1000;
  // The adapter's HTTP timeout (a "timeout" fault longer than this is a
  // client timeout).
  int request_timeout_ms = 800;
  bool salesforce = false;
  bool stripe = false;
  // More revhubd arguments for every start (e.g. --http-listen).
  std::vector<std::string> hub_args;
  // config.default_currency of "netsuite" (records read back without a
  // currency); empty: none.
  std::string default_currency;
  // Where the hub's stderr goes ("" the test's own).
  std::string hub_stderr_file;
  // How many hubs serve the one store (each with its own data folder, the
  // first hub's admin token and one secrets key). More than one needs a
  // shared `store`.
  int hubs = 1;
  // `--store` of every hub; empty: each data folder's SQLite.
  std::string store;
};

// The hub's view of one contract's postings, for CheckLedger.
struct LedgerReport {
  int live_entries = 0;  // hub recognition entries due (posting date <= now)
  int postings = 0;      // emulator journal entries of the contract
  int reversals = 0;     // of them, "~rev"
  std::vector<std::string> problems;  // empty when the ledger is right
  // Net (debit - credit) per NetSuite account, over every posting.
  std::map<std::string, Nanos> emulator_net;
  std::map<std::string, Nanos> hub_net;
};

// A contract booked through ContractLifecycleService, with what it posts.
struct BookedContract {
  std::string tag;
  cv1::Customer customer;
  cv1::Product product;
  cv1::Contract contract;  // as booked
  cv1::Invoice invoice;
  std::string workflow_id;
};

// What Harness::Book books: `months` monthly periods from `start`, one line
// of `monthly_cents` a month, invoiced upfront in one invoice.
struct ContractSpec {
  std::string tag;  // makes names and idempotency keys unique
  std::string legal_entity;
  std::string currency = "USD";
  int64_t monthly_cents = 100000;
  int months = 12;
  std::string start = "2025-01-01";
  // When its id is set, the contract is this existing customer's.
  cv1::Customer customer;
};

class Harness {
 public:
  explicit Harness(HarnessOptions options = {});
  ~Harness();

  const HarnessOptions& options() const { return options_; }
  NetSuiteEmulator& emulator() { return *emulator_; }
  // The hub calls go to (the first hub unless it was killed).
  HubProcess& hub() { return *hubs_[serving_]; }
  HubProcess& hub(int i) { return *hubs_[i]; }
  int hub_count() const { return static_cast<int>(hubs_.size()); }
  // The first hub's data folder (its admin token is DATA/admin.token).
  const std::string& data_dir() const { return data_dirs_[0]->path(); }

  // Starts every hub that is down, the first one first.
  void StartHub();
  // Kill, stay down for `down` (calls made meanwhile fail UNAVAILABLE),
  // then start again on the same data folder. Safe to call from another
  // thread than the one making calls.
  void CrashAndRestart(
      std::chrono::milliseconds down = std::chrono::milliseconds(0));
  // The same for hub `i`; while it is down calls go to another hub that
  // runs. Returns whether it came back.
  bool CrashAndRestartHub(int i, std::chrono::milliseconds down);
  // The hub whose /metrics says it holds `duty` (revhub_duty_held 1), -1
  // when none does. Needs the hubs' HTTP listeners (on when hubs > 1).
  int DutyHolder(const std::string& duty);
  std::shared_ptr<grpc::Channel> channel();

  // How long Call() retries a call the hub did not answer (UNAVAILABLE,
  // DEADLINE_EXCEEDED, CANCELLED); zero (the default) means never.
  void set_retry_window(std::chrono::seconds window) { retry_window_ = window; }

  // One RPC to the hub running now; see set_retry_window.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    const Request& request, Response* response) {
    auto give_up = std::chrono::steady_clock::now() + retry_window_;
    while (true) {
      Stub stub(channel());
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
      grpc::Status st = (stub.*method)(&ctx, request, response);
      if (st.ok() || !Retriable(st) ||
          std::chrono::steady_clock::now() >= give_up)
        return st;
      ++retried_calls_;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  int retried_calls() const { return retried_calls_; }

  void RegisterNetSuite();
  void RegisterSalesforce();
  void RegisterStripe();

  int64_t Ingest(const std::string& system, const std::string& object_type,
                 const std::string& payload);
  // Waits until the record leaves RECEIVED; returns its status.
  v1::RecordStatus Settle(int64_t record_id, int timeout_s = 30);

  cv1::Customer UpsertCustomer(cv1::Customer customer, const std::string& key);
  cv1::Product UpsertProduct(cv1::Product product, const std::string& key);
  cv1::Contract UpsertContract(cv1::Contract contract, const std::string& key);
  cv1::Invoice UpsertInvoice(cv1::Invoice invoice, const std::string& key);
  cv1::Invoice GetInvoice(const std::string& id);  // "" when not found
  // Sets `rule` on the product `system` knows as `object_type/vendor_id`
  // (Salesforce has no revenue rule: finance sets it on the product).
  void SetRevenueRule(const std::string& system, const std::string& object_type,
                      const std::string& vendor_id, cv1::RevenueRule rule,
                      const std::string& key);
  // The contract `system` knows as `object_type/vendor_id` (REQUIREs it).
  cv1::Contract ContractOf(const std::string& system,
                           const std::string& object_type,
                           const std::string& vendor_id);

  // Customer, product, the contract as DRAFT, its invoice (OPEN, the whole
  // term upfront), then BookContract, each with keys derived from the tag
  // (so a repeat after a crash books nothing twice).
  BookedContract Book(const ContractSpec& spec);

  // Every workflow, newest first (payloads left out unless asked).
  std::vector<v1::Workflow> Workflows(const std::string& contract_id = "",
                                      bool payloads = false);
  v1::Workflow GetWorkflow(const std::string& id);
  // Waits until at least `min_workflows` exist and none is PENDING or
  // RUNNING, seen twice 300 ms apart. False at the deadline (the workflows
  // still moving are printed).
  bool WaitQuiet(std::chrono::seconds timeout, int min_workflows = 1);
  // Waits until `pred` holds for the workflow; false at the deadline.
  bool WaitWorkflow(const std::string& id,
                    const std::function<bool(const v1::Workflow&)>& pred,
                    std::chrono::seconds timeout);

  std::vector<v1::Exception> Exceptions(v1::ListExceptionsRequest filter);

  // The hub's recognition journal entries of a contract (source_kind
  // "recognition"), in posting order.
  std::vector<cv1::JournalEntry> RecognitionEntries(
      const std::string& contract_id);
  // Compares the emulator's journal entries of the contract (external ids
  // "je_<contract>_recognition_...", reversals "~rev", revisions "~rN") with
  // the hub's: every live hub entry due is posted, its latest revision
  // carries the hub's lines, every earlier revision and every entry the hub
  // no longer has is reversed exactly once, every reversal swaps its
  // posting's lines, nothing else is there.
  LedgerReport CheckLedger(const std::string& contract_id);

  // Text of the workflows and open exceptions, for failure messages.
  std::string Explain(const std::string& contract_id = "");

 private:
  // The hub's arguments: the orchestration configuration, the store, then
  // hub_args.
  std::vector<std::string> HubArgs() const;
  std::unique_ptr<HubProcess> MakeHub(int i) const;
  bool StartOne(int i);
  static bool Retriable(const grpc::Status& st) {
    return st.error_code() == grpc::StatusCode::UNAVAILABLE ||
           st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
           st.error_code() == grpc::StatusCode::CANCELLED;
  }
  void Register(v1::RegisterSystemRequest request);

  HarnessOptions options_;
  TempDir config_dir_;
  std::vector<std::unique_ptr<TempDir>> data_dirs_;  // one per hub
  std::string orchestration_config_;
  std::string secrets_key_;  // shared by the hubs when there are several
  std::unique_ptr<NetSuiteEmulator> emulator_;
  std::vector<std::unique_ptr<HubProcess>> hubs_;
  std::mutex mu_;  // guards hubs_ restarts, serving_ and channel_
  int serving_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::chrono::seconds retry_window_{0};
  std::atomic<int> retried_calls_{0};
};

// The JSON numbers of a NetSuite record's lines, per account: debit - credit.
std::map<std::string, Nanos> NetPerAccount(const Json& journal_record);
// An invoice or credit memo record's total (sum of item.items[].amount).
Nanos ItemsTotal(const Json& record);
// Per external id, the distinct bodies PUT to "<type>/eid:<id>".
std::map<std::string, std::set<std::string>> BodiesByExternalId(
    const Json& requests, const std::string& type);

}  // namespace revhub::testing::orch

#endif  // REVHUB_TESTS_E2E_ORCHESTRATION_HARNESS_H_
