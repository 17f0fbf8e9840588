// Tests of the pipeline commands (systems describe/check, records
// show/exceptions/replay, systems register --match) against a RecordingHub.
#include "hub/cli/pipeline_commands.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "hub/cli/commands.h"
#include "hub/cli/format.h"
#include "recording_hub.h"

namespace revhub::cli {
namespace {

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran RunWith(RecordingHub& hub, std::vector<std::string> args) {
  args.insert(args.begin(), "revhub");
  std::istringstream in;
  std::ostringstream out, err;
  CliEnvironment env;
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.connect = [&hub](const HubClientOptions&) {
    return std::make_unique<BorrowedHub>(hub);
  };
  Ran r;
  r.code = RunCli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST_CASE("systems describe prints the adapter's description and process",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::DescribeSystemAdapterResponse d;
  d.mutable_description()->set_adapter_name("salesforce");
  d.mutable_description()->set_vendor("Salesforce Sales Cloud");
  auto* t = d.mutable_description()->add_inbound_object_types();
  t->set_object_type("Account");
  t->add_produces(canonical::v1::ENTITY_TYPE_CUSTOMER);
  d.mutable_process()->set_pid(4242);
  d.mutable_process()->set_address("127.0.0.1:5000");
  hub.DescribeSystemAdapter_answers.push_back(d);
  Ran r = RunWith(hub, {"systems", "describe", "sf"});
  CHECK(r.code == kExitOk);
  REQUIRE(hub.DescribeSystemAdapter_requests.size() == 1);
  CHECK(hub.DescribeSystemAdapter_requests[0].system() == "sf");
  CHECK_THAT(r.out, Catch::Contains("Salesforce Sales Cloud"));
  CHECK_THAT(r.out, Catch::Contains("Account -> customer"));
  CHECK_THAT(r.out, Catch::Contains("4242"));
}

TEST_CASE("systems check exits 1 when the adapter's check fails",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::CheckSystemAdapterResponse c;
  c.mutable_check()->set_outcome(adapter::v1::CHECK_OUTCOME_UNREACHABLE);
  c.mutable_check()->set_reason("connection refused");
  hub.CheckSystemAdapter_answers.push_back(c);
  Ran r = RunWith(hub, {"systems", "check", "ns"});
  CHECK(r.code == kExitServerError);
  CHECK_THAT(r.out, Catch::Contains("unreachable"));
  CHECK_THAT(r.err, Catch::Contains("connection refused"));
}

TEST_CASE("records show prints exceptions with their field paths",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::ShowRecordResponse s;
  s.mutable_record()->set_record_id(7);
  s.mutable_record()->set_status(hubv1::RECORD_STATUS_FAILED);
  auto* e = s.add_exceptions();
  e->set_exception_id(1);
  e->set_field_path("Name");
  e->set_reason("expected a string, got a number");
  hub.ShowRecord_answers.push_back(s);
  Ran r = RunWith(hub, {"records", "show", "7"});
  CHECK(r.code == kExitOk);
  CHECK(hub.ShowRecord_requests.at(0).record_id() == 7);
  CHECK_THAT(r.out, Catch::Contains("Name: expected a string, got a number"));
  CHECK_THAT(r.out, Catch::Contains("failed"));
}

TEST_CASE("records replay takes an id, or --system with --failed, not both",
          "[cli][pipeline]") {
  RecordingHub hub;
  hubv1::ReplayRecordResponse one;
  one.mutable_outcome()->set_record_id(3);
  one.mutable_outcome()->set_status(hubv1::RECORD_STATUS_APPLIED);
  one.mutable_outcome()->set_entities_changed(1);
  hub.ReplayRecord_answers.push_back(one);
  Ran r = RunWith(hub, {"records", "replay", "3"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("record 3: applied, 1 entity changed"));

  hubv1::ReplayFailedRecordsResponse all;
  all.set_applied(2);
  hub.ReplayFailedRecords_answers.push_back(all);
  r = RunWith(hub, {"records", "replay", "--system", "sf", "--failed"});
  CHECK(r.code == kExitOk);
  CHECK(hub.ReplayFailedRecords_requests.at(0).system() == "sf");
  CHECK_THAT(r.out, Catch::Contains("2 applied"));

  const int calls = hub.calls;
  CHECK(RunWith(hub, {"records", "replay"}).code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "3", "--failed", "--system", "x"})
            .code == kExitUsage);
  CHECK(RunWith(hub, {"records", "replay", "--failed"}).code == kExitUsage);
  CHECK(hub.calls == calls);
}

TEST_CASE("systems register --match sends matching rules", "[cli][pipeline]") {
  RecordingHub hub;
  hub.RegisterSystem_answers.push_back(hubv1::RegisterSystemResponse());
  Ran r = RunWith(hub, {"systems", "register", "--name", "stripe", "--kind",
                        "billing", "--match", "customer:email", "--match",
                        "customer:attributes.sf=salesforce/Account", "--match",
                        "customer:attributes.vat=tax_id"});
  CHECK(r.code == kExitOk);
  REQUIRE(hub.RegisterSystem_requests.size() == 1);
  const auto& s = hub.RegisterSystem_requests[0].system();
  REQUIRE(s.matching_rules_size() == 3);
  CHECK(s.matching_rules(0).field() == "email");
  CHECK(s.matching_rules(1).ref_system() == "salesforce");
  CHECK(s.matching_rules(1).ref_object_type() == "Account");
  CHECK(s.matching_rules(2).match_field() == "tax_id");

  Ran bad = RunWith(hub, {"systems", "register", "--name", "x", "--kind", "crm",
                          "--match", "email"});
  CHECK(bad.code == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("--match"));
}

TEST_CASE("a system's matching rules are shown", "[cli][pipeline]") {
  hubv1::System system;
  system.set_name("stripe");
  auto* ref = system.add_matching_rules();
  ref->set_entity_type(canonical::v1::ENTITY_TYPE_CUSTOMER);
  ref->set_field("attributes.metadata.sf");
  ref->set_ref_system("salesforce");
  ref->set_ref_object_type("Account");
  auto* email = system.add_matching_rules();
  email->set_entity_type(canonical::v1::ENTITY_TYPE_CUSTOMER);
  email->set_field("email");
  std::string out = RenderSystem(system);
  CHECK_THAT(out, Catch::Contains("customer: attributes.metadata.sf = the "
                                  "vendor id of salesforce/Account\n"));
  CHECK_THAT(out, Catch::Contains("customer: email = email\n"));
}

}  // namespace
}  // namespace revhub::cli
