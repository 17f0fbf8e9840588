// What the benches that set a revhubd call against a baseline share: the
// requests they send (a 1 KiB-payload IngestRequest, an
// UpsertCustomerRequest), the revhubd calls as load-driver StartCalls, and
// the paired measurements (revhub then baseline, kRuns times, medians)
// that end in one table of ratios.
//
// The token, the sequence that makes keys unique and the failure count are
// process-wide: a bench talks to one hub.
//
// Thread-safety: everything may be called from any thread, except that
// SetAdminToken comes before the first call and Comparison belongs to the
// thread that drives the load.
#ifndef REVHUB_BENCH_HUB_HUB_CALLS_H_
#define REVHUB_BENCH_HUB_HUB_CALLS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/hub/echo_server.h"  // SeparateChannel
#include "bench/hub/load_driver.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace revhub::bench {

inline constexpr int kRuns = 3;
// Calls are spread over this many connections (each its own HTTP/2
// stream window and transport thread), for the hub and a gRPC baseline
// alike.
inline constexpr int kChannels = 8;
inline constexpr int kPeakInFlight = 64;

// The admin token of the hub under test, sent with every call.
void SetAdminToken(std::string token);
const std::string& AdminToken();

// A JSON invoice of exactly 1 KiB, as a billing system would send it.
const std::string& InvoicePayload();
// A number never returned before in this process (unique keys).
int64_t NextSequence();
hub::v1::IngestRequest NextIngest();
hub::v1::UpsertCustomerRequest NextUpsert();

// Counts a failed call; prints the first failure of the process, which
// says what went wrong. Returns whether the call succeeded.
bool Check(const char* what, const grpc::Status& status, bool answer_ok);
bool CheckOk(const char* what, bool ok, const std::string& why);
int64_t Failures();
// 0 when no call failed; else prints how many did and returns 1.
int ExitCode();

template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
};

// Makes a call object with its request and the admin token (sent to a
// gRPC baseline too, so both carry the same metadata).
template <typename Req, typename Resp>
Call<Req, Resp>* NewCall(Req req) {
  auto* call = new Call<Req, Resp>;
  call->req = std::move(req);
  call->ctx.AddMetadata("authorization", "Bearer " + AdminToken());
  return call;
}

// The stubs of one server, one per connection.
template <typename Stub>
std::vector<std::unique_ptr<Stub>> Stubs(const std::string& address) {
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    stubs.push_back(std::make_unique<Stub>(SeparateChannel(address, i)));
  }
  return stubs;
}

// Durable Ingest of NextIngest(): succeeds on a new record id.
StartCall HubIngest(
    std::vector<std::unique_ptr<hub::v1::IngestService::Stub>>* stubs);
// UpsertCustomer of NextUpsert(): succeeds on a changed customer.
StartCall HubUpsert(
    std::vector<std::unique_ptr<hub::v1::CustomerService::Stub>>* stubs);

// Starts `hub` (with `--store store` unless `store` is empty), takes its
// admin token and registers the billing system "stripe" that NextIngest
// names; prints why not and returns false when it cannot.
bool StartHub(const std::string& store, testing::HubProcess* hub);

// Paired measurements of revhub against one baseline, and their table.
class Comparison {
 public:
  // `baseline` names the baseline in the per-run lines and the table
  // ("echo", "raw").
  explicit Comparison(std::string baseline) : baseline_(std::move(baseline)) {}

  // Closed loop at `in_flight`, revhub then the baseline, kRuns times;
  // returns the two medians. `label` names the hub call.
  std::pair<double, double> Throughput(const std::string& label,
                                       const StartCall& hub,
                                       const StartCall& baseline, int in_flight,
                                       double seconds);
  // Open loop at `rate` (kPeakInFlight at most in flight), revhub then the
  // baseline, kRuns times; adds the p50 and p99 rows of the medians.
  void Latency(const std::string& label, const StartCall& hub,
               const StartCall& baseline, double rate, double seconds);
  void AddRateRow(const std::string& what, double revhub, double baseline);
  // Prints the table: what, revhub, baseline, ratio (revhub / baseline).
  void Print(const std::string& revhub_heading,
             const std::string& baseline_heading) const;

 private:
  struct Row {
    std::string what, revhub, baseline;
    double ratio;
  };
  std::string baseline_;
  std::vector<Row> rows_;
};

}  // namespace revhub::bench

#endif  // REVHUB_BENCH_HUB_HUB_CALLS_H_
