#include "bench/hub/hub_calls.h"

#include <atomic>
#include <cstdio>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/auth.h"

namespace revhub::bench {
namespace {

namespace v1 = hub::v1;

std::string g_token;
std::atomic<int64_t> g_sequence;  // makes every idempotency key unique
std::atomic<int64_t> g_failures;  // calls that failed, any target
std::atomic<bool> g_reported;     // the first failure was printed

std::string MakePayload() {
  const std::string head = R"({"id":"in_)";
  const std::string tail =
      R"(","object":"invoice","amount_due":1999,"currency":"usd"})";
  return head + std::string(1024 - head.size() - tail.size(), 'x') + tail;
}

}  // namespace

void SetAdminToken(std::string token) { g_token = std::move(token); }
const std::string& AdminToken() { return g_token; }

const std::string& InvoicePayload() {
  static const std::string* payload = new std::string(MakePayload());
  return *payload;
}

int64_t NextSequence() { return g_sequence++; }

v1::IngestRequest NextIngest() {
  v1::IngestRequest req;
  req.set_system("stripe");
  req.set_object_type("invoice");
  req.set_idempotency_key(absl::StrCat("bench-", NextSequence()));
  req.set_payload(InvoicePayload());
  return req;
}

v1::UpsertCustomerRequest NextUpsert() {
  const int64_t n = NextSequence();
  v1::UpsertCustomerRequest req;
  req.mutable_customer()->set_name(absl::StrCat("Customer ", n));
  req.mutable_customer()->set_email(absl::StrCat("billing", n, "@example.com"));
  req.mutable_customer()->set_currency_code("EUR");
  req.set_idempotency_key(absl::StrCat("bench-", n));
  return req;
}

bool CheckOk(const char* what, bool ok, const std::string& why) {
  if (ok) return true;
  ++g_failures;
  if (!g_reported.exchange(true)) {
    std::fprintf(stderr, "%s failed: %s\n", what, why.c_str());
  }
  return false;
}

bool Check(const char* what, const grpc::Status& status, bool answer_ok) {
  return CheckOk(what, status.ok() && answer_ok,
                 status.ok() ? "unexpected answer" : status.error_message());
}

int64_t Failures() { return g_failures.load(); }

int ExitCode() {
  if (Failures() == 0) return 0;
  std::fprintf(stderr, "%lld calls failed\n",
               static_cast<long long>(Failures()));
  return 1;
}

StartCall HubIngest(
    std::vector<std::unique_ptr<v1::IngestService::Stub>>* stubs) {
  return [stubs](int64_t i, std::function<void(bool)> done) {
    auto* call = NewCall<v1::IngestRequest, v1::IngestResponse>(NextIngest());
    (*stubs)[i % kChannels]->async()->Ingest(
        &call->ctx, &call->req, &call->resp,
        [call, done = std::move(done)](grpc::Status st) {
          const bool ok =
              Check("Ingest", st,
                    call->resp.record_id() > 0 && !call->resp.duplicate());
          delete call;
          done(ok);
        });
  };
}

StartCall HubUpsert(
    std::vector<std::unique_ptr<v1::CustomerService::Stub>>* stubs) {
  return [stubs](int64_t i, std::function<void(bool)> done) {
    auto* call = NewCall<v1::UpsertCustomerRequest, v1::UpsertCustomerResponse>(
        NextUpsert());
    (*stubs)[i % kChannels]->async()->UpsertCustomer(
        &call->ctx, &call->req, &call->resp,
        [call, done = std::move(done)](grpc::Status st) {
          const bool ok = Check(
              "UpsertCustomer", st,
              call->resp.changed() && !call->resp.customer().id().empty());
          delete call;
          done(ok);
        });
  };
}

// Registers the billing system "stripe" that NextIngest names.
static bool RegisterStripe(const std::shared_ptr<grpc::Channel>& channel) {
  auto registry = v1::SystemRegistryService::NewStub(channel);
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name("stripe");
  req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
  grpc::ClientContext ctx;
  v1::RegisterSystemResponse resp;
  const grpc::Status st = registry->RegisterSystem(&ctx, req, &resp);
  if (!st.ok()) {
    std::fprintf(stderr, "RegisterSystem: %s\n", st.error_message().c_str());
  }
  return st.ok();
}

bool StartHub(const std::string& store, testing::HubProcess* hub) {
  if (!store.empty()) hub->set_extra_args({"--store", store});
  if (!hub->Start()) {
    std::fprintf(stderr, "cannot start revhubd%s: %s\n",
                 store.empty() ? "" : (" with --store " + store).c_str(),
                 hub->error().c_str());
    return false;
  }
  SetAdminToken(testing::ReadAdminToken(hub->data_dir()));
  return RegisterStripe(hub->channel());
}

std::pair<double, double> Comparison::Throughput(const std::string& label,
                                                 const StartCall& hub,
                                                 const StartCall& baseline,
                                                 int in_flight,
                                                 double seconds) {
  std::vector<double> hub_rates, baseline_rates;
  for (int r = 0; r < kRuns; ++r) {
    hub_rates.push_back(ClosedLoop(hub, in_flight, seconds).calls_per_second);
    baseline_rates.push_back(
        ClosedLoop(baseline, in_flight, seconds).calls_per_second);
    std::printf("  %-10s %2d in flight, run %d: %8.0f/s   %s %8.0f/s\n",
                label.c_str(), in_flight, r + 1, hub_rates.back(),
                baseline_.c_str(), baseline_rates.back());
    std::fflush(stdout);
  }
  return {Median(hub_rates), Median(baseline_rates)};
}

void Comparison::Latency(const std::string& label, const StartCall& hub,
                         const StartCall& baseline, double rate,
                         double seconds) {
  std::vector<double> hub50, hub99, base50, base99;
  for (int r = 0; r < kRuns; ++r) {
    const PacedResult h = Paced(hub, rate, kPeakInFlight, seconds);
    const PacedResult b = Paced(baseline, rate, kPeakInFlight, seconds);
    hub50.push_back(h.p50_ms);
    hub99.push_back(h.p99_ms);
    base50.push_back(b.p50_ms);
    base99.push_back(b.p99_ms);
    std::printf(
        "  %-10s at %.0f/s, run %d: p50 %6.2f p99 %7.2f max %7.2f ms "
        "(%.0f/s done, %lld sent late)   %s p50 %5.2f p99 %6.2f ms "
        "(%lld late)\n",
        label.c_str(), rate, r + 1, h.p50_ms, h.p99_ms, h.max_ms,
        h.achieved_per_second, static_cast<long long>(h.sent_late),
        baseline_.c_str(), b.p50_ms, b.p99_ms,
        static_cast<long long>(b.sent_late));
    std::fflush(stdout);
  }
  const std::string at = absl::StrFormat(" at %.0f/s (half of peak)", rate);
  for (auto [name, h, b] : {std::tuple{"p50", Median(hub50), Median(base50)},
                            std::tuple{"p99", Median(hub99), Median(base99)}}) {
    rows_.push_back({label + " " + name + at, absl::StrFormat("%.2f ms", h),
                     absl::StrFormat("%s %.2f ms", baseline_, b), h / b});
  }
}

void Comparison::AddRateRow(const std::string& what, double revhub,
                            double baseline) {
  rows_.push_back({what, absl::StrFormat("%.0f/s", revhub),
                   absl::StrFormat("%s %.0f/s", baseline_, baseline),
                   revhub / baseline});
}

void Comparison::Print(const std::string& revhub_heading,
                       const std::string& baseline_heading) const {
  std::printf("\n%-44s %14s %16s %8s\n", "what", revhub_heading.c_str(),
              baseline_heading.c_str(), "ratio");
  for (const Row& row : rows_) {
    std::printf("%-44s %14s %16s %8.3f\n", row.what.c_str(), row.revhub.c_str(),
                row.baseline.c_str(), row.ratio);
  }
  std::printf(
      "(ratio = revhub / baseline: for rates higher is better, for "
      "latencies lower)\n");
}

}  // namespace revhub::bench
