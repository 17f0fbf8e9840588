// `revhub trace`: the request it sends and what it prints.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "hub/cli/trace_format.h"
#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

hubv1::TraceResponse Answer() {
  hubv1::TraceResponse t;
  t.set_root("je:je_ctr_1_recognition_2025-01");
  auto node = [&](const std::string& id, hubv1::TraceNodeKind kind,
                  const std::string& label, const std::string& system) {
    hubv1::TraceNode* n = t.add_nodes();
    n->set_id(id);
    n->set_kind(kind);
    n->set_label(label);
    n->set_system(system);
    return n;
  };
  node("raw:3", hubv1::TRACE_NODE_KIND_RAW_PAYLOAD,
       "salesforce Opportunity payload, 610 bytes", "salesforce");
  node("je:je_ctr_1_recognition_2025-01", hubv1::TRACE_NODE_KIND_JOURNAL_ENTRY,
       "journal entry je_ctr_1_recognition_2025-01", "");
  auto* p = node("posting:netsuite:1002", hubv1::TRACE_NODE_KIND_ERP_POSTING,
                 "posted to netsuite", "netsuite");
  (*p->mutable_attributes())["vendor_id"] = "1002";
  (*p->mutable_attributes())["vendor_object_type"] = "journalEntry";
  p->mutable_amount()->set_currency_code("EUR");
  p->mutable_amount()->set_units(1033);
  p->mutable_amount()->set_nanos(330000000);
  auto* e = t.add_edges();
  e->set_from_id("je:je_ctr_1_recognition_2025-01");
  e->set_to_id("posting:netsuite:1002");
  e->set_relation("posted to");
  return t;
}

TEST_CASE("revhub trace sends the ref and prints the chain by kind",
          "[trace]") {
  Harness h;
  h.hub.Trace_answers.push_back(Answer());
  Result r =
      h.Run({"trace", "je_ctr_1_recognition_2025-01", "--max-nodes", "50"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.Trace_requests.size() == 1);
  CHECK(h.hub.Trace_requests[0].ref() == "je_ctr_1_recognition_2025-01");
  CHECK(h.hub.Trace_requests[0].max_nodes() == 50);
  CHECK(r.out.find("trace of je:je_ctr_1_recognition_2025-01: 3 nodes, 1 "
                   "links\n") == 0);
  const size_t raw = r.out.find("\nraw payloads\n");
  const size_t je = r.out.find("\njournal entries\n");
  const size_t posting = r.out.find("\nERP postings\n");
  CHECK(raw < je);
  CHECK(je < posting);
  CHECK(r.out.find("* je:je_ctr_1_recognition_2025-01") != std::string::npos);
  CHECK(r.out.find("1033.33 EUR  journalEntry/1002") != std::string::npos);
  CHECK(r.out.find("  je:je_ctr_1_recognition_2025-01 --posted to--> "
                   "posting:netsuite:1002\n") != std::string::npos);
}

TEST_CASE("revhub trace --json prints the response; errors name the ref",
          "[trace]") {
  Harness h;
  h.hub.Trace_answers.push_back(Answer());
  Result r = h.Run({"--json", "trace", "je_ctr_1_recognition_2025-01"});
  REQUIRE(r.code == kExitOk);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["root"] == "je:je_ctr_1_recognition_2025-01");
  CHECK(doc["nodes"].size() == 3);
  CHECK(h.hub.Trace_requests[0].max_nodes() == 0);

  h.hub.Trace_answers.push_back(
      absl::NotFoundError("ref: \"zz\" names nothing the hub knows"));
  Result missing = h.Run({"trace", "zz"});
  CHECK(missing.code != kExitOk);
  CHECK(missing.err.find("\"zz\"") != std::string::npos);
  Result none = h.Run({"trace"});
  CHECK(none.code == kExitUsage);
  Result big = h.Run({"trace", "x", "--max-nodes", "5000"});
  CHECK(big.code == kExitUsage);
}

}  // namespace
}  // namespace revhub::cli
