// Load drivers for benches that compare a revhubd call with a baseline call
// (EchoServer, a raw store write) under the same load.
//
// A call is described by a StartCall: a function that starts one
// asynchronous call (gRPC's callback API) and arranges for `done(ok)` to be
// run exactly once when it ends. Both drivers treat revhubd and the
// baseline alike, so the difference between them is the server's.
//
//   ClosedLoop  keeps N calls in flight: each one that ends starts the
//               next (peak throughput at concurrency N).
//   Paced       open loop: call i is due at start + i / rate, whatever
//               happened to the earlier ones; at most N are in flight, and
//               a call that must wait for a slot is sent late. Its latency
//               is measured from when it was due, not from when it was
//               sent, so a server that stalls the client shows in the
//               percentiles instead of slowing the schedule down
//               (coordinated omission).
//
// Thread-safety: a driver blocks its caller until its last call ended;
// `done` may be run on any thread.
#ifndef REVHUB_BENCH_HUB_LOAD_DRIVER_H_
#define REVHUB_BENCH_HUB_LOAD_DRIVER_H_

#include <cstdint>
#include <functional>
#include <vector>

namespace revhub::bench {

// Starts one call; the driver's `done` must be run once when it ends, with
// whether it succeeded. `index` counts the calls a driver started (0, 1,
// ...), for spreading them over channels and for unique keys.
using StartCall =
    std::function<void(int64_t index, std::function<void(bool ok)> done)>;

struct ClosedLoopResult {
  double calls_per_second = 0;  // calls that succeeded within the window
  int64_t ok = 0;
  int64_t failed = 0;
};

// Keeps `in_flight` calls going for `seconds`; waits for the last to end.
ClosedLoopResult ClosedLoop(const StartCall& start, int in_flight,
                            double seconds);

struct PacedResult {
  double offered_per_second = 0;   // the schedule's rate
  double achieved_per_second = 0;  // succeeded / (last end - start)
  int64_t sent = 0;
  int64_t failed = 0;
  int64_t sent_late = 0;  // waited more than 1 ms past their due time
  double p50_ms = 0;      // latency from the due time, succeeded calls
  double p99_ms = 0;
  double max_ms = 0;
};

// Sends calls at `rate` per second for `seconds`, at most `max_in_flight`
// at once; waits for the last to end.
PacedResult Paced(const StartCall& start, double rate, int max_in_flight,
                  double seconds);

// The median of `values` (the upper one of an even count); 0 when empty.
double Median(std::vector<double> values);

// The `q` quantile (0..1) of `values` by nearest rank; 0 when empty.
double Quantile(std::vector<double> values, double q);

}  // namespace revhub::bench

#endif  // REVHUB_BENCH_HUB_LOAD_DRIVER_H_
