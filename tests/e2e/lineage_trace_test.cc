// Lineage end to end (TraceService.Trace and `revhub trace`) on a real hub:
// a Closed Won Salesforce opportunity and its Stripe invoice, ingested
// through the real adapters, are posted to NetSuite (the emulator) by the
// workflows; then a journal entry is traced back to the raw payload it
// came from, NetSuite's id for it back to the same payload, and the raw
// record forward to the ERP posting with the vendor's id.
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "hub/cli/client.h"
#include "hub/cli/commands.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"
#include "revhub/hub/v1/trace_service.grpc.pb.h"
#include "tests/e2e/orchestration_harness.h"
#include "tests/support/auth.h"
#include "tests/support/salesforce_payloads.h"

namespace revhub::testing::orch {
namespace {

using std::chrono::seconds;

const v1::TraceNode* FindNode(const v1::TraceResponse& t,
                              const std::string& id) {
  for (const auto& n : t.nodes())
    if (n.id() == id) return &n;
  return nullptr;
}

std::vector<const v1::TraceNode*> NodesOf(const v1::TraceResponse& t,
                                          v1::TraceNodeKind kind) {
  std::vector<const v1::TraceNode*> out;
  for (const auto& n : t.nodes())
    if (n.kind() == kind) out.push_back(&n);
  return out;
}

std::string Attr(const v1::TraceNode& n, const std::string& key) {
  auto it = n.attributes().find(key);
  return it == n.attributes().end() ? "" : it->second;
}

// True when `to` is reachable from `from` following edges in flow
// direction.
bool Reaches(const v1::TraceResponse& t, const std::string& from,
             const std::string& to) {
  std::multimap<std::string, std::string> next;
  for (const auto& e : t.edges()) next.emplace(e.from_id(), e.to_id());
  std::set<std::string> seen{from};
  std::deque<std::string> queue{from};
  while (!queue.empty()) {
    std::string at = queue.front();
    queue.pop_front();
    if (at == to) return true;
    auto [b, e] = next.equal_range(at);
    for (auto it = b; it != e; ++it)
      if (seen.insert(it->second).second) queue.push_back(it->second);
  }
  return false;
}

std::string Describe(const v1::TraceResponse& t) {
  std::ostringstream out;
  out << "root " << t.root() << "\n";
  for (const auto& n : t.nodes())
    out << "  " << n.id() << "  " << n.label() << "\n";
  for (const auto& e : t.edges())
    out << "  " << e.from_id() << " --" << e.relation() << "--> " << e.to_id()
        << "\n";
  return out.str();
}

// Closed Won, one line of 3,000.00 EUR over January to March 2025.
std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product) {
  return SalesforceOpportunity(id, account, "2024-12-20",
                               {.id = "00k" + id.substr(3),
                                .product_id = product,
                                .quantity = 1,
                                .unit_price = "3000.00",
                                .service_date = "2025-01-01",
                                .end_date = "2025-04-01"});
}

std::string StripeInvoice(const std::string& opportunity) {
  return absl::StrCat(R"({"id": "in_Trace01", "object": "invoice",
  "currency": "eur", "customer": "cus_Trace01", "status": "open",
  "number": "TRACE-0001", "created": 1735689600, "effective_at": 1735689600,
  "due_date": 1738368000,
  "status_transitions": {"finalized_at": 1735693200, "paid_at": null, "voided_at": null},
  "billing_reason": "subscription_create", "metadata": {},
  "parent": {"type": "subscription_details", "quote_details": null,
    "subscription_details": {
      "metadata": {"salesforce_opportunity_id": ")",
                      opportunity, R"("},
      "subscription": "sub_Trace01"}},
  "lines": {"object": "list", "has_more": false, "data": [
    {"id": "il_Trace01", "object": "line_item", "amount": 300000,
     "currency": "eur", "description": "1 x Platform, January to March",
     "quantity": 1, "metadata": {},
     "period": {"start": 1735689600, "end": 1743465600},
     "parent": {"type": "subscription_item_details", "invoice_item_details": null,
       "subscription_item_details": {"invoice_item": null, "proration": false,
         "proration_details": {"credited_items": null},
         "subscription": "sub_Trace01", "subscription_item": "si_Trace01"}},
     "pricing": {"type": "price_details",
       "price_details": {"price": "price_Trace01", "product": "prod_Trace01"},
       "unit_amount_decimal": "300000"},
     "discount_amounts": [], "taxes": []}]},
  "subtotal": 300000, "total_discount_amounts": [], "total_taxes": [],
  "total": 300000, "amount_due": 300000, "amount_paid": 0})");
}

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran RunCli(Harness& h, std::vector<std::string> args) {
  args.insert(args.begin(), {"revhub", "--hub", h.hub().address()});
  std::istringstream in;
  std::ostringstream out, err;
  cli::CliEnvironment env;
  env.default_token = ReadAdminToken(h.data_dir());
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.connect = [](const cli::HubClientOptions& options) {
    return cli::NewGrpcHubClient(options);
  };
  Ran r;
  r.code = cli::RunCli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_CASE(
    "trace: a journal entry back to its Salesforce payload, NetSuite's id "
    "back to the same payload, the raw record forward to the posting",
    "[lineage][trace]") {
  HarnessOptions options;
  options.salesforce = true;
  options.stripe = true;
  Harness h(options);

  const std::string account = "001A0000000TRACE1";
  const std::string product = "01t0000000TRACE01";
  const std::string opportunity = "006000000TRACE001";
  REQUIRE(
      h.Settle(h.Ingest("salesforce", "Account",
                        SalesforceAccount(account, "Trace Lines GmbH",
                                          "2024-12-01T10:00:00.000+0000"))) ==
      v1::RECORD_STATUS_APPLIED);
  REQUIRE(h.Settle(h.Ingest("salesforce", "Product2",
                            SalesforceProduct2(product, "Platform"))) ==
          v1::RECORD_STATUS_APPLIED);
  // Salesforce has no revenue rule: finance sets it on the product.
  h.SetRevenueRule("salesforce", "Product2", product, cv1::REVENUE_RULE_RATABLE,
                   "trace-product-rule");
  const int64_t opp_record = h.Ingest(
      "salesforce", "Opportunity", Opportunity(opportunity, account, product));
  REQUIRE(h.Settle(opp_record) == v1::RECORD_STATUS_APPLIED);
  const cv1::Contract booked =
      h.ContractOf("salesforce", "Opportunity", opportunity);
  const std::string contract_id = booked.id();
  REQUIRE(h.WaitQuiet(seconds(90), 1));

  REQUIRE(h.Settle(h.Ingest(
              "stripe", "customer",
              absl::StrCat(R"({"id": "cus_Trace01", "object": "customer",
                 "name": "Trace Lines GmbH", "email": "ap@trace.example",
                 "currency": "eur", "created": 1734000000,
                 "metadata": {"salesforce_account_id": ")",
                           account, R"("}})"))) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(h.Settle(h.Ingest("stripe", "product",
                            R"({"id": "prod_Trace01", "object": "product",
                                "name": "Platform", "type": "service",
                                "active": true, "created": 1734000000})")) ==
          v1::RECORD_STATUS_APPLIED);
  const int64_t inv_record =
      h.Ingest("stripe", "invoice", StripeInvoice(opportunity));
  REQUIRE(h.Settle(inv_record) == v1::RECORD_STATUS_APPLIED);
  REQUIRE(h.WaitQuiet(seconds(90), 2));
  INFO(h.Explain());

  // NetSuite's record of the January recognition entry, by external id.
  const std::string je_id =
      absl::StrCat("je_", contract_id, "_recognition_2025-01");
  auto journals = h.emulator().Records("journalEntry");
  REQUIRE(journals.count(je_id) == 1);
  const std::string netsuite_id = journals.at(je_id)["id"].get<std::string>();
  REQUIRE(!netsuite_id.empty());

  auto trace = [&](const std::string& ref, int max_nodes) {
    v1::TraceRequest req;
    req.set_ref(ref);
    req.set_max_nodes(max_nodes);
    v1::TraceResponse resp;
    grpc::Status st = h.Call(&v1::TraceService::Stub::Trace, req, &resp);
    INFO(ref << ": " << st.error_message());
    REQUIRE(st.ok());
    return resp;
  };

  SECTION(
      "the journal entry id leads back to the raw payload and on to "
      "NetSuite's id") {
    v1::TraceResponse t = trace(je_id, 0);
    INFO(Describe(t));
    CHECK(t.root() == "je:" + je_id);
    CHECK_FALSE(t.truncated());
    const std::string raw = absl::StrCat("raw:", opp_record);
    const std::string record = absl::StrCat("record:", opp_record);
    REQUIRE(FindNode(t, raw) != nullptr);
    CHECK(FindNode(t, raw)->kind() == v1::TRACE_NODE_KIND_RAW_PAYLOAD);
    CHECK(FindNode(t, raw)->system() == "salesforce");
    REQUIRE(FindNode(t, record) != nullptr);
    CHECK(Attr(*FindNode(t, record), "status") == "APPLIED");
    // The invoice changed the entry too: its Stripe payload is upstream.
    CHECK(FindNode(t, absl::StrCat("raw:", inv_record)) != nullptr);
    // The contract version the record became, and the schedule version
    // that journalled the entry.
    bool contract_version = false;
    for (const auto* n : NodesOf(t, v1::TRACE_NODE_KIND_ENTITY_VERSION)) {
      if (Attr(*n, "entity_id") == contract_id) {
        contract_version = true;
        CHECK(Reaches(t, record, n->id()));
      }
    }
    CHECK(contract_version);
    CHECK_FALSE(NodesOf(t, v1::TRACE_NODE_KIND_SCHEDULE_VERSION).empty());
    CHECK_FALSE(NodesOf(t, v1::TRACE_NODE_KIND_WORKFLOW).empty());
    CHECK_FALSE(NodesOf(t, v1::TRACE_NODE_KIND_WORKFLOW_STEP).empty());
    // The NetSuite posting of the entry, with NetSuite's internal id.
    const std::string posting = "posting:netsuite:" + netsuite_id;
    REQUIRE(FindNode(t, posting) != nullptr);
    CHECK(Attr(*FindNode(t, posting), "vendor_id") == netsuite_id);
    CHECK(Attr(*FindNode(t, posting), "external_id") == je_id);
    CHECK(FindNode(t, posting)->amount().currency_code() == "EUR");
    // One unbroken trail, in flow direction.
    CHECK(Reaches(t, raw, "je:" + je_id));
    CHECK(Reaches(t, "je:" + je_id, posting));
    CHECK(Reaches(t, raw, posting));
  }

  SECTION(
      "NetSuite's id, with or without system and type, finds its way "
      "back to the same payload") {
    for (const std::string& ref :
         {"netsuite/journalentry/" + netsuite_id, netsuite_id}) {
      v1::TraceResponse t = trace(ref, 2000);
      INFO(ref << "\n" << Describe(t));
      CHECK(FindNode(t, "posting:netsuite:" + netsuite_id) != nullptr);
      CHECK(FindNode(t, "je:" + je_id) != nullptr);
      CHECK(Reaches(t, absl::StrCat("raw:", opp_record),
                    "posting:netsuite:" + netsuite_id));
    }
    CHECK(trace("netsuite/journalentry/" + netsuite_id, 0).root() ==
          "posting:netsuite:" + netsuite_id);
    // The external id the hub gave NetSuite is a reference too.
    CHECK(FindNode(trace("netsuite/journalEntry/" + je_id, 0),
                   "posting:netsuite:" + netsuite_id) != nullptr);
  }

  SECTION("the raw record leads forward to the ERP posting") {
    v1::TraceResponse t = trace(absl::StrCat(opp_record), 2000);
    INFO(Describe(t));
    CHECK(FindNode(t, absl::StrCat("record:", opp_record)) != nullptr);
    const std::string posting = "posting:netsuite:" + netsuite_id;
    REQUIRE(FindNode(t, posting) != nullptr);
    CHECK(Reaches(t, absl::StrCat("record:", opp_record), posting));
    // A small budget cuts the graph and says so.
    v1::TraceResponse cut = trace(absl::StrCat("record:", opp_record), 3);
    CHECK(cut.nodes_size() == 3);
    CHECK(cut.truncated());
  }

  SECTION("an unknown ref is NOT_FOUND naming it; an empty one is invalid") {
    v1::TraceRequest req;
    req.set_ref("ctr_does_not_exist_42");
    v1::TraceResponse resp;
    grpc::Status st = h.Call(&v1::TraceService::Stub::Trace, req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(st.error_message().find("ctr_does_not_exist_42") !=
          std::string::npos);
    CHECK(st.error_message().find("tried") != std::string::npos);
    req.set_ref("");
    st = h.Call(&v1::TraceService::Stub::Trace, req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message().find("ref") != std::string::npos);
    req.set_ref(je_id);
    req.set_max_nodes(5000);
    st = h.Call(&v1::TraceService::Stub::Trace, req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message().find("max_nodes") != std::string::npos);
  }

  SECTION("JournalPosted carries NetSuite's reference in the event log") {
    v1::ListEventsRequest req;
    req.set_from_position(1);
    req.set_page_size(1000);
    req.add_types(cv1::EVENT_TYPE_JOURNAL_POSTED);
    v1::ListEventsResponse resp;
    REQUIRE_GRPC_OK(h.Call(&v1::EventService::Stub::ListEvents, req, &resp));
    int found = 0;
    for (const auto& ev : resp.events()) {
      const auto& jp = ev.journal_posted();
      CHECK(jp.vendor_ref().system() == "netsuite");
      CHECK(jp.vendor_ref().object_type() == "journalEntry");
      CHECK_FALSE(jp.vendor_ref().vendor_id().empty());
      CHECK(jp.external_id() == jp.entry().id());
      if (jp.external_id() == je_id) {
        ++found;
        CHECK(jp.vendor_ref().vendor_id() == netsuite_id);
      }
    }
    CHECK(found == 1);
  }

  SECTION("revhub trace prints the chain; --json parses") {
    Ran r = RunCli(h, {"trace", je_id});
    INFO(r.err);
    REQUIRE(r.code == 0);
    std::cout << "$ revhub trace " << je_id << "\n" << r.out << std::flush;
    for (const std::string& want :
         {std::string("raw payloads"), std::string("records"),
          std::string("revenue schedule versions"),
          std::string("journal entries"), std::string("ERP postings"),
          absl::StrCat("raw:", opp_record), "* je:" + je_id,
          "journalEntry/" + netsuite_id, std::string("--posted to--> ")}) {
      CHECK(r.out.find(want) != std::string::npos);
    }
    Ran j = RunCli(h, {"--json", "trace", je_id, "--max-nodes", "50"});
    REQUIRE(j.code == 0);
    nlohmann::json doc = nlohmann::json::parse(j.out);
    CHECK(doc["root"] == "je:" + je_id);
    CHECK(doc["nodes"].size() > 5);
    CHECK(doc["edges"].size() > 5);
    Ran bad = RunCli(h, {"trace", "nothing_here_7"});
    CHECK(bad.code != 0);
    CHECK(bad.err.find("nothing_here_7") != std::string::npos);
  }

  SECTION("revhub revenue journal shows the one id of each entry") {
    Ran r = RunCli(h, {"revenue", "journal", contract_id});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find(je_id) != std::string::npos);
    CHECK(r.out.find(contract_id + "-1 ") == std::string::npos);
  }
}

}  // namespace revhub::testing::orch
