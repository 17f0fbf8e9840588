// Out-of-order arrival heals itself. A day of Salesforce and Stripe traffic
// for several deals (the quick-start data set, examples/quickstart, made
// into kDeals deals by giving each deal its own vendor ids, names and
// emails) is ingested into a fresh stack (examples/dev-stack.sh) once in
// the order the systems produced it, and once shuffled (seeded: the seed is
// printed, and REVHUB_SHUFFLE_SEED picks another). Both runs must end with
// the same canonical state (customers, contracts, invoices and payments,
// keyed by their vendor ids), the same revenue schedules, the same
// customers and invoices in NetSuite (the emulator) with every ledger
// account at the same balance, every record APPLIED and no exception.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/exception_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/revenue_service.grpc.pb.h"
#include "tests/e2e/dev_stack.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/rpc.h"

namespace revhub::testing {
namespace {

namespace v1 = ::revhub::hub::v1;
namespace canon = ::revhub::canonical::v1;

constexpr int kDeals = 4;

struct Record {
  std::string system;
  std::string object_type;
  std::string payload;
  std::string name;  // for messages
};

// The day's records, in the order the systems produced them: the shared
// products first, then each deal's account, opportunity, Stripe customer,
// subscription, invoice and payment, then each deal's upgrade.
std::vector<Record> DayOfTraffic() {
  const std::string q = SourceDir() + "/examples/quickstart/";
  auto read = [&](const std::string& system, const std::string& type,
                  const std::string& file, int deal) {
    std::string text = ReadFile(q + file);
    if (deal > 0) {
      const std::string k = std::to_string(deal);
      text = absl::StrReplaceAll(
          text, {{"NwAn", "Nw" + k + "n"},
                 {"NwOpp", "NwOp" + k},
                 {"NwL0", "N" + k + "L0"},
                 {"northwind.example", "northwind" + k + ".example"},
                 {"Northwind Analytics", "Northwind " + k + " Analytics"}});
    }
    return Record{system, type, text,
                  file + (deal ? "#" + std::to_string(deal) : "")};
  };
  std::vector<Record> day = {
      read("salesforce", "Product2", "salesforce/product-platform.json", 0),
      read("salesforce", "Product2", "salesforce/product-onboarding.json", 0),
      read("stripe", "product", "stripe/product-platform.json", 0),
      read("stripe", "product", "stripe/product-onboarding.json", 0)};
  for (int d = 1; d <= kDeals; ++d) {
    day.push_back(read("salesforce", "Account", "salesforce/account.json", d));
    day.push_back(
        read("salesforce", "Opportunity", "salesforce/opportunity.json", d));
    day.push_back(read("stripe", "customer", "stripe/customer.json", d));
    day.push_back(
        read("stripe", "subscription", "stripe/subscription.json", d));
    day.push_back(read("stripe", "invoice", "stripe/invoice.json", d));
    day.push_back(
        read("stripe", "payment_intent", "stripe/payment-intent.json", d));
  }
  for (int d = 1; d <= kDeals; ++d) {
    day.push_back(read("salesforce", "Opportunity",
                       "salesforce/opportunity-upgrade.json", d));
    day.push_back(
        read("stripe", "event", "stripe/event-subscription-updated.json", d));
    day.push_back(read("stripe", "invoice", "stripe/invoice-upgrade.json", d));
  }
  return day;
}

std::string RefsOf(
    const google::protobuf::RepeatedPtrField<canon::ExternalRef>& refs,
    const std::string& system) {
  std::vector<std::string> out;
  for (const auto& r : refs)
    if (system.empty() || r.system() == system)
      out.push_back(r.system() + "/" + r.object_type() + "/" + r.vendor_id());
  std::sort(out.begin(), out.end());
  std::string joined;
  for (const auto& s : out) joined += s + " ";
  return joined;
}

std::string MoneyText(const canon::Money& m) {
  std::ostringstream out;
  out << m.currency_code() << " " << m.units() << "." << m.nanos();
  return out.str();
}

// Adds, per account id, debits less credits (in cents) of every journal
// line under `node` (items with "account": {"id"} and "debit"/"credit").
void NetByAccount(const nlohmann::json& node,
                  std::map<std::string, int64_t>* net) {
  if (node.is_object()) {
    if (node.contains("account") && node["account"].is_object() &&
        node["account"].contains("id")) {
      std::string account = node["account"]["id"].is_string()
                                ? node["account"]["id"].get<std::string>()
                                : node["account"]["id"].dump();
      auto cents = [&](const char* key) -> int64_t {
        if (!node.contains(key) || !node[key].is_number()) return 0;
        return std::llround(node[key].get<double>() * 100);
      };
      (*net)[account] += cents("debit") - cents("credit");
      return;
    }
    for (auto& [key, value] : node.items()) NetByAccount(value, net);
  } else if (node.is_array()) {
    for (const auto& v : node) NetByAccount(v, net);
  }
}

// What the run ended with, hub ids replaced by vendor refs: one line per
// fact, sorted.
std::vector<std::string> EndState(DevStack& stack, const TempDir& dir) {
  auto channel = stack.channel();
  std::vector<std::string> facts;
  std::map<std::string, std::string> customer_key, contract_key, invoice_key;

  v1::ListCustomersRequest lc;
  lc.set_page_size(500);
  auto customers = v1::CustomerService::NewStub(channel);
  auto cs = CallOk(*customers, &v1::CustomerService::Stub::ListCustomers, lc);
  for (const auto& c : cs.customers()) {
    customer_key[c.id()] = RefsOf(c.external_refs(), "salesforce");
    facts.push_back("customer " + customer_key[c.id()] + "| " + c.name() +
                    " | " + c.email() + " | " + c.currency_code());
  }

  v1::ListContractsRequest lk;
  lk.set_page_size(500);
  auto contracts = v1::ContractService::NewStub(channel);
  auto revenue = v1::RevenueService::NewStub(channel);
  auto ks = CallOk(*contracts, &v1::ContractService::Stub::ListContracts, lk);
  for (const auto& k : ks.contracts()) {
    const std::string key = RefsOf(k.external_refs(), "salesforce");
    contract_key[k.id()] = key;
    std::ostringstream fact;
    fact << "contract " << key << "| customer " << customer_key[k.customer_id()]
         << "| " << canon::ContractStatus_Name(k.status()) << " | term "
         << k.term().start_time().seconds() << "-"
         << k.term().end_time().seconds();
    for (const auto& l : k.lines())
      fact << " | line " << l.line_id() << " x" << l.quantity().units() << "."
           << l.quantity().nanos() << " @" << MoneyText(l.unit_price())
           << " delivered " << l.delivered_at().seconds();
    facts.push_back(fact.str());
    v1::GetScheduleRequest sr;
    sr.set_contract_id(k.id());
    auto schedule =
        CallOk(*revenue, &v1::RevenueService::Stub::GetSchedule, sr);
    std::map<std::string, int64_t> by_period;  // nanos
    for (const auto& line : schedule.schedule().lines())
      by_period[line.period()] +=
          line.amount().units() * 1000000000LL + line.amount().nanos();
    std::ostringstream sched;
    sched << "schedule " << key << "| "
          << canon::RevenueScheduleStatus_Name(schedule.schedule().status());
    for (const auto& [period, nanos] : by_period)
      sched << " | " << period << " " << nanos;
    facts.push_back(sched.str());
  }

  v1::ListInvoicesRequest li;
  li.set_page_size(500);
  auto invoices = v1::InvoiceService::NewStub(channel);
  auto is = CallOk(*invoices, &v1::InvoiceService::Stub::ListInvoices, li);
  for (const auto& inv : is.invoices()) {
    invoice_key[inv.id()] = RefsOf(inv.external_refs(), "stripe");
    facts.push_back("invoice " + invoice_key[inv.id()] + "| contract " +
                    contract_key[inv.contract_id()] + "| customer " +
                    customer_key[inv.customer_id()] + "| total " +
                    MoneyText(inv.total()) + " remaining " +
                    MoneyText(inv.amount_remaining()) + " lines " +
                    std::to_string(inv.lines_size()));
  }

  v1::ListPaymentsRequest lp;
  lp.set_page_size(500);
  auto payments = v1::PaymentService::NewStub(channel);
  auto ps = CallOk(*payments, &v1::PaymentService::Stub::ListPayments, lp);
  for (const auto& p : ps.payments()) {
    std::string fact = "payment " + RefsOf(p.external_refs(), "stripe") + "| " +
                       MoneyText(p.amount()) + " customer " +
                       customer_key[p.customer_id()];
    for (const auto& a : p.allocations())
      fact += " | to " + invoice_key[a.invoice_id()] + MoneyText(a.amount());
    facts.push_back(fact);
  }

  // NetSuite: the same customers and invoices, and journal entries that
  // leave every account with the same balance. (How many entries it took
  // may differ: when an amendment arrives before the version it amends,
  // the older version is never posted and reversed.)
  for (const char* type : {"customer", "invoice"}) {
    nlohmann::json records =
        EmulatorRecords(stack.emulator(), type, dir.path());
    facts.push_back(std::string("netsuite ") + type + " count " +
                    std::to_string(records.size()));
  }
  std::map<std::string, int64_t> net;
  nlohmann::json entries =
      EmulatorRecords(stack.emulator(), "journalEntry", dir.path());
  for (const auto& [id, record] : entries.items()) NetByAccount(record, &net);
  REQUIRE_FALSE(net.empty());
  for (const auto& [account, cents] : net)
    facts.push_back("netsuite account " + account + " net " +
                    std::to_string(cents));
  std::sort(facts.begin(), facts.end());
  return facts;
}

// Ingests `records` into a fresh stack, waits until it is idle, checks that
// every record applied and nothing is open, and returns the end state.
std::vector<std::string> Run(const std::vector<Record>& records) {
  TempDir dir;
  DevStack stack(dir);
  const bool started = stack.Start();
  INFO("dev-stack output:\n" << stack.output());
  REQUIRE(started);
  auto channel = stack.channel();
  auto ingest = v1::IngestService::NewStub(channel);
  for (const Record& r : records) {
    v1::IngestRequest req;
    req.set_system(r.system);
    req.set_object_type(r.object_type);
    req.set_payload(r.payload);
    INFO("ingesting " << r.name);
    CallOk(*ingest, &v1::IngestService::Stub::Ingest, req);
  }
  WaitIdle(channel);

  v1::ListRecordsRequest lr;
  lr.set_page_size(500);
  auto listed = CallOk(*ingest, &v1::IngestService::Stub::ListRecords, lr);
  CHECK(listed.records_size() == static_cast<int>(records.size()));
  for (const auto& r : listed.records()) {
    INFO("record " << r.record_id() << " " << r.system() << "/"
                   << r.object_type() << " "
                   << v1::RecordStatus_Name(r.status()) << " "
                   << r.status_reason());
    CHECK((r.status() == v1::RECORD_STATUS_APPLIED ||
           r.status() == v1::RECORD_STATUS_SKIPPED));
  }
  auto exceptions = v1::ExceptionService::NewStub(channel);
  auto open = CallOk(*exceptions, &v1::ExceptionService::Stub::ListExceptions,
                     v1::ListExceptionsRequest());
  for (const auto& e : open.exceptions())
    UNSCOPED_INFO("open exception " << e.exception_id() << ": " << e.error());
  CHECK(open.exceptions_size() == 0);
  return EndState(stack, dir);
}

TEST_CASE(
    "a day of Salesforce and Stripe traffic shuffled ends as the ordered "
    "day does, with no exception",
    "[shuffled]") {
  const std::vector<Record> day = DayOfTraffic();
  uint32_t seed = 20261130;
  if (const char* s = std::getenv("REVHUB_SHUFFLE_SEED"); s && *s)
    seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  std::vector<Record> shuffled = day;
  std::mt19937 rng(seed);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  std::string order;
  for (const Record& r : shuffled) order += r.name + "\n";
  INFO("seed " << seed << " (REVHUB_SHUFFLE_SEED), shuffled order:\n" << order);
  WARN("shuffle seed " << seed << ", " << day.size() << " records");

  const std::vector<std::string> ordered_end = Run(day);
  const std::vector<std::string> shuffled_end = Run(shuffled);
  // The counts the closing note reports.
  std::map<std::string, int> kinds;
  for (const std::string& fact : ordered_end)
    kinds[fact.substr(0, fact.find(' '))]++;
  std::string counts;
  for (const auto& [kind, n] : kinds)
    counts += kind + "=" + std::to_string(n) + " ";
  WARN("end state: " << counts);
  CHECK(kinds["customer"] == kDeals);
  CHECK(kinds["contract"] == kDeals);
  CHECK(kinds["invoice"] == 2 * kDeals);
  CHECK(kinds["payment"] == kDeals);
  REQUIRE(ordered_end.size() == shuffled_end.size());
  for (size_t i = 0; i < ordered_end.size(); ++i) {
    INFO("fact " << i);
    CHECK(shuffled_end[i] == ordered_end[i]);
  }
}

}  // namespace
}  // namespace revhub::testing
