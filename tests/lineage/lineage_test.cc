// hub/lineage: node ids round-trip, the graph keeps its budget, and Trace
// walks a store built by hand: a record becomes a contract version whose
// booking event schedules a revenue schedule version that journals an
// entry, which a workflow step posts to NetSuite; another contract and a
// rejected record sit beside it.
#include "hub/lineage/lineage.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "hub/common/util.h"
#include "hub/lineage/node_ids.h"
#include "hub/lineage/trace_graph.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/revenue.pb.h"
#include "tests/support/hub_process.h"

namespace revhub::hub::lineage {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using hub::v1::TraceNodeKind;

TEST_CASE("node ids round-trip and refuse what they are not", "[lineage]") {
  auto entity =
      ParseNodeId(EntityNodeId(cv1::ENTITY_TYPE_CONTRACT, "ctr_1", 3));
  REQUIRE(entity.has_value());
  CHECK(entity->kind == hub::v1::TRACE_NODE_KIND_ENTITY_VERSION);
  CHECK(entity->type == cv1::ENTITY_TYPE_CONTRACT);
  CHECK(entity->id == "ctr_1");
  CHECK(entity->version == 3);
  auto step = ParseNodeId(StepNodeId("wf_1", 2));
  REQUIRE(step.has_value());
  CHECK(step->id == "wf_1");
  CHECK(step->number == 2);
  auto posting = ParseNodeId(PostingNodeId("netsuite", "4711"));
  REQUIRE(posting.has_value());
  CHECK(posting->system == "netsuite");
  CHECK(posting->id == "4711");
  auto schedule = ParseNodeId("schedule:rs_ctr_1@2");
  REQUIRE(schedule.has_value());
  CHECK(schedule->version == 2);
  CHECK(ParseNodeId("je:je_ctr_1_recognition_2025-01")->id ==
        "je_ctr_1_recognition_2025-01");
  for (const char* bad :
       {"record:0", "record:x", "entity:NOPE:a@1", "entity:CONTRACT:a",
        "schedule:rs", "posting:ns", "step:wf_1", "ctr_1", "what:1", "je:"}) {
    INFO(bad);
    CHECK_FALSE(ParseNodeId(bad).has_value());
  }
}

hub::v1::TraceNode Node(const std::string& id, TraceNodeKind kind,
                        int64_t seconds) {
  hub::v1::TraceNode n;
  n.set_id(id);
  n.set_kind(kind);
  *n.mutable_at() = ToProto(absl::FromUnixSeconds(seconds));
  return n;
}

TEST_CASE("the graph keeps its budget, orders by flow, links kept nodes once",
          "[lineage]") {
  TraceGraph g(3);
  CHECK(g.Add(Node("posting:ns:1", hub::v1::TRACE_NODE_KIND_ERP_POSTING, 1)));
  CHECK(g.Add(Node("record:2", hub::v1::TRACE_NODE_KIND_RECORD, 9)));
  CHECK(g.Add(Node("record:1", hub::v1::TRACE_NODE_KIND_RECORD, 9)));
  CHECK(g.Add(Node("record:1", hub::v1::TRACE_NODE_KIND_RECORD, 9)));
  CHECK_FALSE(g.truncated());
  CHECK_FALSE(g.Add(Node("raw:1", hub::v1::TRACE_NODE_KIND_RAW_PAYLOAD, 0)));
  CHECK(g.truncated());
  CHECK(g.Link("record:1", "posting:ns:1", "x"));
  CHECK(g.Link("record:1", "posting:ns:1", "x"));         // once
  CHECK_FALSE(g.Link("raw:1", "record:1", "stored as"));  // raw:1 not kept
  hub::v1::TraceResponse r = g.ToResponse("record:1");
  REQUIRE(r.nodes_size() == 3);
  CHECK(r.nodes(0).id() == "record:1");  // same kind and time: by id
  CHECK(r.nodes(1).id() == "record:2");
  CHECK(r.nodes(2).id() == "posting:ns:1");  // kinds in flow order
  CHECK(r.edges_size() == 1);
  CHECK(r.truncated());
  CHECK(r.root() == "record:1");
}

// A store with one contract's trail, a second contract, and a rejected
// record.
class Fixture {
 public:
  Fixture() {
    SqliteStoreOptions o;
    o.path = dir_.path() + "/revhub.db";
    auto s = OpenSqliteStore(o);
    REQUIRE(s.ok());
    store_ = std::move(*s);
    REQUIRE(store_->Write([&](WriteTxn& txn) { return Build(txn); }).ok());
  }
  Store& store() { return *store_; }
  int64_t record = 0, rejected = 0, other_record = 0, exception_id = 0;

 private:
  absl::Status Build(WriteTxn& txn) {
    auto raw = [&](const std::string& key) {
      hub::v1::RawRecord r;
      r.set_system("salesforce");
      r.set_object_type("Opportunity");
      r.set_content_type("application/json");
      r.set_idempotency_key(key);
      r.set_payload("{}");
      r.set_status(hub::v1::RECORD_STATUS_APPLIED);
      return txn.InsertRawRecord(r);
    };
    auto contract = [&](const std::string& id, int64_t record_id,
                        const std::string& event_id) -> absl::Status {
      cv1::Contract c;
      c.set_id(id);
      c.set_version(1);
      c.set_contract_number("C-" + id);
      c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
      StoredEntity e{cv1::ENTITY_TYPE_CONTRACT, id, 1, txn.Now(),
                     c.SerializeAsString()};
      absl::Status st = txn.PutEntityVersion(e, {});
      if (!st.ok()) return st;
      cv1::BusinessEvent ev;
      ev.set_event_id(event_id);
      ev.set_type(cv1::EVENT_TYPE_CONTRACT_BOOKED);
      ev.mutable_subject()->set_entity_type(cv1::ENTITY_TYPE_CONTRACT);
      ev.mutable_subject()->set_id(id);
      ev.mutable_subject()->set_version(1);
      ev.set_correlation_id(absl::StrCat("record:", record_id));
      ev.set_causation_id("vendor-evt-1");
      return txn.AppendEvent(ev).status();
    };
    auto r1 = raw("k1");
    auto r2 = raw("k2");
    auto r3 = raw("k3");
    if (!r1.ok() || !r2.ok() || !r3.ok()) return absl::InternalError("raw");
    record = *r1;
    other_record = *r2;
    rejected = *r3;
    absl::Status st = contract("ctr_1", record, "evt_booked_1");
    if (st.ok()) st = contract("ctr_2", other_record, "evt_booked_2");
    if (!st.ok()) return st;
    // The revenue worker: schedule v1 and the entry in one write.
    cv1::RevenueSchedule rs;
    rs.set_id("rs_ctr_1");
    rs.set_contract_id("ctr_1");
    rs.set_contract_version(1);
    rs.set_version(1);
    st = txn.PutEntityVersion({cv1::ENTITY_TYPE_REVENUE_SCHEDULE, "rs_ctr_1", 1,
                               txn.Now(), rs.SerializeAsString()},
                              {{"contract_id", "ctr_1"}});
    if (!st.ok()) return st;
    cv1::JournalEntry je;
    je.set_id("je_ctr_1_recognition_2025-01");
    je.set_version(1);
    je.set_contract_id("ctr_1");
    je.set_source_kind("recognition");
    je.set_period("2025-01");
    auto* line = je.add_lines();
    line->mutable_debit()->set_currency_code("EUR");
    line->mutable_debit()->set_units(100);
    st = txn.PutEntityVersion({cv1::ENTITY_TYPE_JOURNAL_ENTRY, je.id(), 1,
                               txn.Now(), je.SerializeAsString()},
                              {{"contract_id", "ctr_1"}});
    if (!st.ok()) return st;
    cv1::BusinessEvent changed;
    changed.set_event_id("evt_rs_1");
    changed.set_type(cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED);
    changed.mutable_subject()->set_entity_type(
        cv1::ENTITY_TYPE_REVENUE_SCHEDULE);
    changed.mutable_subject()->set_id("rs_ctr_1");
    changed.mutable_subject()->set_version(1);
    changed.set_correlation_id(absl::StrCat("record:", record));
    changed.set_causation_id("evt_booked_1");
    auto pos = txn.AppendEvent(changed);
    if (!pos.ok()) return pos.status();
    // The booking workflow posts the entry; its second step failed.
    hub::v1::Workflow wf;
    wf.set_workflow_id("wf_1");
    wf.set_contract_id("ctr_1");
    wf.set_trigger_event_position(1);
    auto* post = wf.add_steps();
    post->set_name("post_journal_entry");
    post->set_target_system("netsuite");
    post->mutable_entity()->set_entity_type(cv1::ENTITY_TYPE_JOURNAL_ENTRY);
    post->mutable_entity()->set_id(je.id());
    post->set_state(hub::v1::STEP_STATE_SUCCEEDED);
    auto* failed = wf.add_steps();
    failed->set_name("post_invoice");
    failed->set_target_system("netsuite");
    failed->set_state(hub::v1::STEP_STATE_FAILED);
    st = txn.PutWorkflow(wf, 1, "");
    if (!st.ok()) return st;
    PostingRow row;
    row.target_system = "netsuite";
    row.external_id = je.id();
    row.contract_id = "ctr_1";
    row.entity_type = cv1::ENTITY_TYPE_JOURNAL_ENTRY;
    row.entity_id = je.id();
    row.kind = "journal_entry";
    row.workflow_id = "wf_1";
    row.step_index = 0;
    row.vendor_id = "4711";
    row.posted_at = txn.Now();
    st = txn.RecordPosting(row);
    if (!st.ok()) return st;
    hub::v1::Exception ex;
    ex.set_kind(hub::v1::EXCEPTION_KIND_POSTING_REJECTED);
    ex.set_workflow_id("wf_1");
    ex.set_step_index(1);
    ex.set_step_name("post_invoice");
    ex.set_error("no such customer");
    auto put = txn.PutException(ex);
    if (!put.ok()) return put.status();
    exception_id = put->exception_id();
    hub::v1::Exception rej;
    rej.set_kind(hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
    rej.set_record_id(rejected);
    rej.set_error("Amount: not a number");
    return txn.PutException(rej).status();
  }

  revhub::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

std::set<std::string> Ids(const hub::v1::TraceResponse& t) {
  std::set<std::string> out;
  for (const auto& n : t.nodes()) out.insert(n.id());
  return out;
}

bool HasEdge(const hub::v1::TraceResponse& t, const std::string& from,
             const std::string& to, const std::string& relation) {
  for (const auto& e : t.edges()) {
    if (e.from_id() == from && e.to_id() == to && e.relation() == relation)
      return true;
  }
  return false;
}

TEST_CASE("trace walks both ways along one trail, never sideways",
          "[lineage]") {
  Fixture f;
  const std::string je = "je:je_ctr_1_recognition_2025-01";
  const std::string raw = absl::StrCat("raw:", f.record);
  const std::string rec = absl::StrCat("record:", f.record);

  auto from_posting = Trace(f.store(), "netsuite/journalEntry/4711", 0);
  REQUIRE(from_posting.ok());
  const auto ids = Ids(*from_posting);
  CHECK(from_posting->root() == "posting:netsuite:4711");
  for (const std::string& want :
       {raw, rec, std::string("entity:CONTRACT:ctr_1@1"),
        std::string("event:1"), std::string("schedule:rs_ctr_1@1"), je,
        std::string("step:wf_1#0"), std::string("workflow:wf_1")}) {
    INFO(want);
    CHECK(ids.count(want) == 1);
  }
  CHECK(HasEdge(*from_posting, raw, rec, "stored as"));
  CHECK(
      HasEdge(*from_posting, rec, "entity:CONTRACT:ctr_1@1", "translated to"));
  CHECK(
      HasEdge(*from_posting, "entity:CONTRACT:ctr_1@1", "event:1", "emitted"));
  CHECK(
      HasEdge(*from_posting, "event:1", "schedule:rs_ctr_1@1", "scheduled by"));
  CHECK(HasEdge(*from_posting, "schedule:rs_ctr_1@1", je, "journalled in"));
  CHECK(HasEdge(*from_posting, je, "step:wf_1#0", "posted by"));
  CHECK(HasEdge(*from_posting, "step:wf_1#0", "posting:netsuite:4711",
                "posted to"));
  // Not sideways: the other contract, the rejected record, and the
  // workflow's failed step (reached only by going down from wf_1) stay out.
  CHECK(ids.count("entity:CONTRACT:ctr_2@1") == 0);
  CHECK(ids.count(absl::StrCat("record:", f.rejected)) == 0);
  CHECK(ids.count("step:wf_1#1") == 0);

  // Going down from the record reaches the failed step through the
  // workflow the booking started, and the exception it raised.
  auto from_record = Trace(f.store(), rec, 0);
  REQUIRE(from_record.ok());
  const auto down = Ids(*from_record);
  CHECK(down.count("posting:netsuite:4711") == 1);
  CHECK(down.count("step:wf_1#1") == 1);
  CHECK(HasEdge(*from_record, "event:1", "workflow:wf_1", "started"));
  CHECK(HasEdge(*from_record, "step:wf_1#1",
                absl::StrCat("exception:", f.exception_id), "raised"));
  CHECK(down.count("entity:CONTRACT:ctr_2@1") == 0);

  // A rejected record shows its exception.
  auto rejected = Trace(f.store(), absl::StrCat("record:", f.rejected), 0);
  REQUIRE(rejected.ok());
  CHECK(rejected->nodes_size() == 3);  // raw, record, exception
  CHECK(Ids(*rejected).count(absl::StrCat("raw:", f.rejected)) == 1);
}

TEST_CASE("trace reads every form of ref and says what it tried", "[lineage]") {
  Fixture f;
  // A bare number is a record, an event position and an exception id.
  auto number = Trace(f.store(), "1", 0);
  REQUIRE(number.ok());
  CHECK(Ids(*number).count("record:1") == 1);
  CHECK(Ids(*number).count("event:1") == 1);
  CHECK(Ids(*number).count("exception:1") == 1);
  // Entity ids, versions, event ids, workflow ids, ERP ids.
  CHECK(Trace(f.store(), "ctr_2", 0)->root() == "entity:CONTRACT:ctr_2@1");
  CHECK(Trace(f.store(), "rs_ctr_1@1", 0)->root() == "schedule:rs_ctr_1@1");
  CHECK(Trace(f.store(), "evt_rs_1", 0)->root() == "event:3");
  CHECK(Trace(f.store(), "wf_1", 0)->root() == "workflow:wf_1");
  CHECK(Trace(f.store(), "4711", 0)->root() == "posting:netsuite:4711");
  CHECK(Trace(f.store(), "je_ctr_1_recognition_2025-01", 0)->root() ==
        "je:je_ctr_1_recognition_2025-01");
  auto unknown = Trace(f.store(), "nothing_here", 0);
  CHECK(absl::IsNotFound(unknown.status()));
  CHECK(unknown.status().message().find("\"nothing_here\"") !=
        std::string::npos);
  CHECK(unknown.status().message().find("tried it as") != std::string::npos);
  CHECK(absl::IsInvalidArgument(Trace(f.store(), "  ", 0).status()));
  CHECK(absl::IsInvalidArgument(Trace(f.store(), "ctr_1", 2001).status()));
  auto cut = Trace(f.store(), "netsuite/journalEntry/4711", 2);
  REQUIRE(cut.ok());
  CHECK(cut->nodes_size() == 2);
  CHECK(cut->truncated());
}

}  // namespace
}  // namespace revhub::hub::lineage
