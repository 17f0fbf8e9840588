#include "tests/api/revenue_fixture.h"

#include <chrono>
#include <thread>

namespace revhub::testing {

RevenueHub::RevenueHub() {
  customer_id = CreateCustomer(*this, "Acme Corp", "cus-1").id();
  v1::UpsertProductRequest p;
  p.mutable_product()->set_name("Platform subscription");
  p.mutable_product()->set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
  p.set_idempotency_key("prd-1");
  v1::UpsertProductResponse pr;
  REQUIRE(products->UpsertProduct(Ctx().get(), p, &pr).error_message() == "");
  product_id = pr.product().id();
}

cv1::Money Usd(int64_t units, int32_t nanos) {
  cv1::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

// A one-line ratable contract for January to March 2025 at `price` USD.
cv1::Contract Contract(const RevenueHub& hub, int64_t price) {
  cv1::Contract c;
  c.set_customer_id(hub.customer_id);
  c.set_status(cv1::CONTRACT_STATUS_ACTIVE);
  c.set_currency_code("USD");
  c.set_legal_entity("ACME-US");
  *c.mutable_effective_at() = At(kJan);
  auto* line = c.add_lines();
  line->set_line_id("L1");
  line->set_product_id(hub.product_id);
  line->mutable_quantity()->set_units(1);
  *line->mutable_unit_price() = Usd(price);
  *line->mutable_service_period()->mutable_start_time() = At(kJan);
  *line->mutable_service_period()->mutable_end_time() = At(kApr);
  return c;
}

v1::UpsertContractResponse Upsert(RevenueHub& hub, const cv1::Contract& c,
                                  const std::string& key) {
  v1::UpsertContractRequest req;
  *req.mutable_contract() = c;
  req.mutable_contract()->clear_version();
  req.mutable_contract()->clear_recorded_at();
  req.set_idempotency_key(key);
  v1::UpsertContractResponse resp =
      CallOk(*hub.contracts, &v1::ContractService::Stub::UpsertContract, req);
  REQUIRE(resp.changed());
  return resp;
}

absl::StatusOr<RevenueSchedule> TryGetSchedule(
    RevenueHub& hub, const std::string& contract_id,
    const google::protobuf::Timestamp* as_of) {
  v1::GetScheduleRequest req;
  req.set_contract_id(contract_id);
  if (as_of != nullptr) *req.mutable_as_of() = *as_of;
  v1::GetScheduleResponse resp;
  auto st = hub.revenue->GetSchedule(Ctx().get(), req, &resp);
  if (!st.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(st.error_code()),
                        st.error_message());
  }
  return resp.schedule();
}

// Waits (at most 20 s) until the contract's schedule reaches `version`.
RevenueSchedule WaitForSchedule(RevenueHub& hub, const std::string& contract_id,
                                int64_t version) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  absl::StatusOr<RevenueSchedule> s;
  while (std::chrono::steady_clock::now() < deadline) {
    s = TryGetSchedule(hub, contract_id);
    if (s.ok() && s->version() >= version) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("schedule of " << contract_id << " did not reach version " << version
                      << "; last: "
                      << (s.ok() ? std::to_string(s->version())
                                 : s.status().ToString()));
  return {};
}

std::vector<BusinessEvent> Events(RevenueHub& hub, cv1::EventType type) {
  std::vector<BusinessEvent> out;
  int64_t from = 1;
  while (true) {
    v1::ListEventsRequest req;
    req.set_from_position(from);
    req.set_page_size(1000);
    if (type != cv1::EVENT_TYPE_UNSPECIFIED) req.add_types(type);
    v1::ListEventsResponse resp;
    REQUIRE(hub.events->ListEvents(Ctx().get(), req, &resp).ok());
    for (const auto& e : resp.events()) out.push_back(e);
    if (resp.next_position() == 0) break;
    from = resp.next_position();
  }
  return out;
}

std::vector<BusinessEvent> ScheduleEvents(RevenueHub& hub,
                                          const std::string& contract_id) {
  std::vector<BusinessEvent> out;
  for (auto& e : Events(hub, cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED)) {
    if (e.revenue_schedule_changed().schedule().contract_id() == contract_id) {
      out.push_back(e);
    }
  }
  return out;
}

int64_t Nanos(const cv1::Money& m) {
  return m.units() * 1000000000 + m.nanos();
}

// Recognised revenue per (obligation, period), all kinds summed.
std::map<std::pair<std::string, std::string>, int64_t> ByCell(
    const RevenueSchedule& s) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const auto& l : s.lines()) {
    out[{l.performance_obligation_id(), l.period()}] += Nanos(l.amount());
  }
  return out;
}

std::map<std::pair<std::string, std::string>, int64_t> Difference(
    const RevenueSchedule& before, const RevenueSchedule& after) {
  auto diff = ByCell(after);
  for (const auto& [cell, amount] : ByCell(before)) diff[cell] -= amount;
  for (auto it = diff.begin(); it != diff.end();) {
    it = it->second == 0 ? diff.erase(it) : std::next(it);
  }
  return diff;
}

std::map<std::pair<std::string, std::string>, int64_t> ChangesOf(
    const BusinessEvent& e) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const auto& l : e.revenue_schedule_changed().changes()) {
    out[{l.performance_obligation_id(), l.period()}] += Nanos(l.amount());
  }
  return out;
}

std::vector<JournalEntry> ListJournal(RevenueHub& hub,
                                      const std::string& contract_id,
                                      const std::string& first,
                                      const std::string& last, int page_size) {
  std::vector<JournalEntry> out;
  v1::ListJournalEntriesRequest req;
  req.set_contract_id(contract_id);
  req.set_period_start(first);
  req.set_period_end(last);
  req.set_page_size(page_size);
  for (int pages = 0; pages < 1000; ++pages) {
    v1::ListJournalEntriesResponse resp = CallOk(
        *hub.revenue, &v1::RevenueService::Stub::ListJournalEntries, req);
    if (page_size > 0) CHECK(resp.journal_entries_size() <= page_size);
    for (const auto& e : resp.journal_entries()) out.push_back(e);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

}  // namespace revhub::testing
