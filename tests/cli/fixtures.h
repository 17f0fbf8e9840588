// Messages several CLI tests build: a registered system, times, money, an
// open exception and the blocked workflow it belongs to.
#ifndef REVHUB_TESTS_CLI_FIXTURES_H_
#define REVHUB_TESTS_CLI_FIXTURES_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "canonical/money.h"
#include "hub/cli/client.h"

namespace revhub::cli::fixtures {

namespace canon = ::revhub::canonical::v1;

inline hubv1::System SystemNamed(const std::string& name, int64_t version = 1) {
  hubv1::System system;
  system.set_name(name);
  system.set_kind(hubv1::SYSTEM_KIND_CRM);
  system.set_state(hubv1::SYSTEM_STATE_ENABLED);
  system.set_version(version);
  return system;
}

inline google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

// Returns the money parsed from a decimal amount; the test fails when it
// does not parse.
inline canon::Money MoneyOf(const char* amount, const char* currency) {
  absl::StatusOr<canon::Money> money = ParseMoney(amount, currency);
  REQUIRE(money.ok());
  return *money;
}

inline canon::Money Usd(int64_t units, int32_t nanos) {
  canon::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

// 2026-01-01T00:00:00Z
inline constexpr int64_t kT0 = 1767225600;

// An open POSTING_REJECTED exception 3h12m old with a 24h SLA.
inline hubv1::Exception PostingRejected() {
  hubv1::Exception e;
  e.set_exception_id(12);
  e.set_kind(hubv1::EXCEPTION_KIND_POSTING_REJECTED);
  e.set_category(hubv1::EXCEPTION_CATEGORY_FINANCE);
  e.set_state(hubv1::EXCEPTION_STATE_OPEN);
  e.set_system("netsuite");
  e.set_owner("revenue-accounting");
  e.set_contract_id("ctr_1");
  e.set_workflow_id("wf_7");
  e.set_step_index(4);
  e.set_step_name("post_invoice");
  e.set_error("INVALID_KEY_OR_REF: Invalid subsidiary reference key 9");
  e.set_vendor_code("INVALID_KEY_OR_REF");
  e.set_vendor_response("{\"o:errorDetails\":[{\"detail\":\"bad\"}]}");
  *e.mutable_amount_at_stake() = Usd(1200, 500000000);
  *e.mutable_created_at() = At(kT0);
  e.mutable_age()->set_seconds(3 * 3600 + 12 * 60 + 7);
  *e.mutable_sla_due_at() = At(kT0 + 24 * 3600);
  e.set_sla_state(hubv1::SLA_STATE_WITHIN);
  e.set_attempts(1);
  auto* opened = e.add_history();
  *opened->mutable_at() = At(kT0);
  opened->set_action("opened");
  opened->set_principal("hub");
  auto* assigned = e.add_history();
  *assigned->mutable_at() = At(kT0 + 600);
  assigned->set_action("assigned");
  assigned->set_principal("alice");
  assigned->set_note("looking at the subsidiary mapping");
  return e;
}

inline hubv1::Workflow BlockedBooking() {
  hubv1::Workflow w;
  w.set_workflow_id("wf_7");
  w.set_kind(hubv1::WORKFLOW_KIND_BOOKING);
  w.set_state(hubv1::WORKFLOW_STATE_BLOCKED);
  w.set_contract_id("ctr_1");
  w.set_contract_version(3);
  w.set_trigger("event 42 ContractBooked");
  w.set_trigger_event_position(42);
  w.set_principal("hub");
  *w.mutable_created_at() = At(kT0);
  *w.mutable_updated_at() = At(kT0 + 60);
  const char* names[] = {"confirm_schedule", "sync_customer", "plan_postings",
                         "post_invoice", "post_journal_entry"};
  for (int i = 0; i < 5; ++i) {
    hubv1::WorkflowStep* s = w.add_steps();
    s->set_index(i);
    s->set_name(names[i]);
    s->set_state(i < 3 ? hubv1::STEP_STATE_SUCCEEDED
                       : hubv1::STEP_STATE_PENDING);
    if (i > 0) s->set_target_system("netsuite");
  }
  w.mutable_steps(0)->set_detail("schedule rs_ctr_1 v3 confirmed");
  auto* ref = w.mutable_steps(1)->add_vendor_refs();
  ref->set_system("netsuite");
  ref->set_object_type("customer");
  ref->set_vendor_id("812");
  hubv1::WorkflowStep* post = w.mutable_steps(3);
  post->set_state(hubv1::STEP_STATE_FAILED);
  post->mutable_entity()->set_entity_type(canon::ENTITY_TYPE_INVOICE);
  post->mutable_entity()->set_id("inv_1");
  post->mutable_entity()->set_version(2);
  post->set_attempts(1);
  post->set_last_error_code("INVALID_KEY_OR_REF");
  post->set_last_error("Invalid subsidiary reference key 9 for entity 812");
  post->set_exception_id(12);
  *post->mutable_amount() = Usd(1200, 500000000);
  post->mutable_payload()->mutable_invoice()->set_id("inv_1");
  return w;
}

}  // namespace revhub::cli::fixtures

#endif  // REVHUB_TESTS_CLI_FIXTURES_H_
