// Overload and limits through a real revhubd: the bounded admission queue
// and per-principal rate limits answer RESOURCE_EXHAUSTED with
// retry-after-ms, calls whose deadline passed while they waited do not run,
// idempotency records are swept after their retention, and oversized
// entities are refused naming the field and the limit.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// Returns the retry-after-ms trailing metadata of a finished call, or -1.
int64_t RetryAfterMs(const grpc::ClientContext& ctx) {
  const auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find("retry-after-ms");
  int64_t ms = -1;
  if (it == md.end() ||
      !absl::SimpleAtoi(std::string(it->second.data(), it->second.size()),
                        &ms)) {
    return -1;
  }
  return ms;
}

// Returns the token of integration principal `principal` on `hub`,
// creating it (as admin) the first time. Tests create their principals
// before they start threads.
std::string TokenOf(Hub& hub, const std::string& principal) {
  static std::mutex mu;
  static std::map<std::string, std::string> tokens;
  std::lock_guard<std::mutex> lock(mu);
  const std::string key = hub.dir.path() + "|" + principal;
  auto it = tokens.find(key);
  if (it == tokens.end()) {
    it = tokens
             .emplace(key, CreatePrincipal(hub.process->channel(), principal,
                                           v1::ROLE_INTEGRATION))
             .first;
  }
  return it->second;
}

// Upserts a customer as `principal`; returns the status and fills the
// trailing retry-after-ms.
grpc::Status Upsert(Hub& hub, const std::string& principal,
                    const std::string& name, const std::string& key,
                    int64_t* retry_after_ms = nullptr,
                    milliseconds deadline = milliseconds(20000)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(system_clock::now() + deadline);
  ctx.AddMetadata("authorization", "Bearer " + TokenOf(hub, principal));
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name(name);
  req.set_idempotency_key(key);
  v1::UpsertCustomerResponse resp;
  grpc::Status st = hub.customers->UpsertCustomer(&ctx, req, &resp);
  if (retry_after_ms != nullptr) *retry_after_ms = RetryAfterMs(ctx);
  return st;
}

// Counts the stored customers, as a well-behaved client does: a refusal
// (RESOURCE_EXHAUSTED, the hub still draining its queue) is retried after the
// time it gives.
int CountCustomers(Hub& hub) {
  int n = 0;
  v1::ListCustomersRequest req;
  req.set_page_size(500);
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (true) {
    v1::ListCustomersResponse resp;
    auto ctx = Ctx();
    grpc::Status st = hub.customers->ListCustomers(ctx.get(), req, &resp);
    if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
        std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    REQUIRE_GRPC_OK(st);
    n += resp.customers_size();
    if (resp.next_page_token().empty()) return n;
    req.set_page_token(resp.next_page_token());
  }
}

TEST_CASE("a saturated hub answers RESOURCE_EXHAUSTED with retry-after-ms",
          "[overload]") {
  Hub hub({"--worker-threads", "1", "--max-queued-calls", "2"});
  constexpr int kClients = 32;
  constexpr int kCallsEach = 10;
  std::atomic<int> ok{0}, exhausted{0}, other{0}, with_retry{0};
  std::string message;
  std::mutex mu;
  TokenOf(hub, "load");
  TokenOf(hub, "hurried");
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kCallsEach; ++i) {
        int64_t retry = -1;
        grpc::Status st = Upsert(hub, "load", absl::StrCat("c", c, "-", i),
                                 absl::StrCat("k", c, "-", i), &retry);
        if (st.ok()) {
          ++ok;
        } else if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++exhausted;
          if (retry > 0) ++with_retry;
          std::lock_guard<std::mutex> lock(mu);
          message = st.error_message();
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  INFO("ok " << ok << ", exhausted " << exhausted << ", other " << other);
  CHECK(other == 0);
  CHECK(ok + exhausted == kClients * kCallsEach);
  CHECK(ok > 0);
  REQUIRE(exhausted > 0);
  // Every refusal says when to come back, and names the bound.
  CHECK(with_retry == exhausted.load());
  CHECK(message.find("--max-queued-calls") != std::string::npos);
  // Each admitted call was stored; refused ones were not.
  CHECK(CountCustomers(hub) == ok);
  // The hub is serving again once the load is gone.
  REQUIRE_GRPC_OK(Upsert(hub, "load", "after", "after"));
}

TEST_CASE("a principal over its rate is refused while another is served",
          "[overload]") {
  Hub hub({"--rate-limit-per-principal", "2", "--rate-limit-burst", "3"});
  int refused = 0;
  int64_t retry = -1;
  std::string message;
  for (int i = 0; i < 10; ++i) {
    int64_t r = -1;
    grpc::Status st =
        Upsert(hub, "greedy", absl::StrCat("g", i), absl::StrCat("g", i), &r);
    if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      retry = r;
      message = st.error_message();
    } else {
      REQUIRE_GRPC_OK(st);
    }
  }
  // A burst of 3 then 2 calls/s: ten quick calls cannot all pass.
  CHECK(refused >= 5);
  CHECK(retry > 0);
  CHECK(retry <= 500);
  CHECK(message.find("\"greedy\"") != std::string::npos);
  // Another principal has its own bucket.
  REQUIRE_GRPC_OK(Upsert(hub, "patient", "p", "p"));
  // The greedy one is served again after the wait it was told.
  std::this_thread::sleep_for(milliseconds(retry + 50));
  REQUIRE_GRPC_OK(Upsert(hub, "greedy", "g-later", "g-later"));
}

TEST_CASE("a call whose deadline passed while it waited does not run",
          "[overload]") {
  Hub hub({"--worker-threads", "1", "--max-queued-calls", "10000"});
  constexpr int kCalls = 300;
  std::atomic<int> expired{0};
  TokenOf(hub, "load");
  TokenOf(hub, "hurried");
  std::vector<std::thread> clients;
  for (int c = 0; c < 30; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kCalls / 30; ++i) {
        grpc::Status st =
            Upsert(hub, "hurried", absl::StrCat("h", c, "-", i),
                   absl::StrCat("h", c, "-", i), nullptr, milliseconds(3));
        if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) ++expired;
      }
    });
  }
  for (auto& t : clients) t.join();
  REQUIRE(expired > 0);
  // Calls that expired in the queue were dropped, not run late.
  const int stored = CountCustomers(hub);
  INFO("expired " << expired << ", stored " << stored);
  CHECK(stored < kCalls);
  CHECK(stored <= kCalls - expired / 2);
}

TEST_CASE("idempotency records are swept after their retention", "[overload]") {
  Hub hub({"--idempotency-retention", "3s", "--idempotency-sweep-interval",
           "100ms"});
  REQUIRE_GRPC_OK(Upsert(hub, "p", "Acme", "key-1"));
  // Within retention, the key is taken by the first request.
  grpc::Status again = Upsert(hub, "p", "Other", "key-1");
  CHECK(again.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(again.error_message().find("idempotency_key") != std::string::npos);
  std::this_thread::sleep_for(milliseconds(4000));
  // Past retention the record is gone: the same key is a new request.
  REQUIRE_GRPC_OK(Upsert(hub, "p", "Other", "key-1"));
  CHECK(CountCustomers(hub) == 2);
}

TEST_CASE("oversized fields, lists and maps are refused naming the limit",
          "[overload]") {
  Hub hub;
  auto upsert = [&](const cv1::Customer& c) {
    v1::UpsertCustomerRequest req;
    *req.mutable_customer() = c;
    req.set_idempotency_key("big");
    v1::UpsertCustomerResponse resp;
    auto ctx = Ctx();
    return hub.customers->UpsertCustomer(ctx.get(), req, &resp);
  };
  SECTION("a string") {
    cv1::Customer c;
    c.set_name(std::string(64 * 1024 + 1, 'x'));
    grpc::Status st = upsert(c);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "customer.name: is 65537 bytes, more than the limit of 65536");
  }
  SECTION("a map") {
    cv1::Customer c;
    c.set_name("Acme");
    for (int i = 0; i < 257; ++i)
      (*c.mutable_attributes())[absl::StrCat("k", i)] = "v";
    grpc::Status st = upsert(c);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "customer.attributes: has 257 entries, more than the limit of 256");
  }
  SECTION("a map value") {
    cv1::Customer c;
    c.set_name("Acme");
    (*c.mutable_attributes())["note"] = std::string(70000, 'n');
    grpc::Status st = upsert(c);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "customer.attributes[\"note\"]: is 70000 bytes, more than the "
          "limit of 65536");
  }
  SECTION("a contract's lines") {
    v1::UpsertContractRequest req;
    req.set_idempotency_key("lines");
    cv1::Contract* c = req.mutable_contract();
    c->set_customer_id("cus_1");
    for (int i = 0; i < 10001; ++i)
      c->add_lines()->set_line_id(absl::StrCat("l", i));
    v1::UpsertContractResponse resp;
    auto ctx = Ctx();
    grpc::Status st = hub.contracts->UpsertContract(ctx.get(), req, &resp);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() ==
          "contract.lines: has 10001 elements, more than the limit of 10000");
  }
}

}  // namespace
}  // namespace revhub::testing
