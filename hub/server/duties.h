// Duties: the single-writer work of a hub, each done only while this hub
// holds its lease (hub/store/lease_store.h).
//
// Several revhubd may share one store. Every hub serves every API, but the
// pipeline worker, the revenue worker, the orchestrator's scheduler, sync
// schedules and retention must each run on one hub at a time. Each is a
// Duty: a lease name and the component's start and stop. Start() polls once
// on the caller's thread (so a lone hub has started every duty when Start
// returns, as if it started them itself), then every `poll` on its own
// thread:
//  - a duty not held: TryAcquireLease; on success the duty's start runs
//    (once: a duty is never started twice by one Duties);
//  - a duty held: LeaseHeld. A lease found lost (false, or an error, which
//    says the store cannot vouch for it) means another hub may be doing the
//    duty now; on_lost runs at once, and by default it logs and ends the
//    process with exit code 75 (EX_TEMPFAIL): a component cannot be trusted
//    to stop mid-transaction, and a supervisor restarts the hub, which then
//    competes for the leases like any other.
// So a dead hub's duties move to another hub within one poll of its store
// dropping the lease (on PostgreSQL: when its session ends).
//
// Stop() ends polling, stops the started duties in reverse order and only
// then releases their leases, so no two hubs do a duty at once.
//
// The gauge revhub_duty_held{duty} (hub_metrics.h) is 1 while the duty's
// lease is held, else 0.
//
// Thread-safety: Start and Stop are called by one thread (the server's);
// Held is thread-safe. start, stop and on_lost run on the caller of Start
// (the first poll) or on the poll thread.
#ifndef REVHUB_HUB_SERVER_DUTIES_H_
#define REVHUB_HUB_SERVER_DUTIES_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "hub/observability/metrics.h"
#include "hub/store/lease_store.h"

namespace revhub::hub {

// The exit code of a hub that lost a lease (sysexits.h EX_TEMPFAIL).
inline constexpr int kLeaseLostExitCode = 75;

struct Duty {
  // The lease's name, and the `duty` label of revhub_duty_held.
  std::string name;
  // Starts the component; runs once, when the lease is first acquired.
  std::function<void()> start;
  // Stops it; runs at Stop() when it was started.
  std::function<void()> stop;
};

struct DutiesOptions {
  // How often leases are tried and checked.
  absl::Duration poll = absl::Seconds(1);
  // Runs when a held lease is found lost, with the duty's name and why.
  // Empty: log and _exit(kLeaseLostExitCode).
  std::function<void(const std::string& duty, const std::string& why)> on_lost;
  // The revhub_duty_held family to set; null: the process-wide one.
  observability::Family<observability::Gauge>* held_gauge = nullptr;
};

class Duties {
 public:
  // `leases` is not owned and outlives the Duties.
  Duties(LeaseKeeper* leases, std::vector<Duty> duties, DutiesOptions options);
  ~Duties();  // Stop()s

  Duties(const Duties&) = delete;
  Duties& operator=(const Duties&) = delete;

  // Polls once on this thread, then starts the poll thread.
  void Start();
  // Stops polling, stops the started duties (last first), releases the
  // leases. Idempotent.
  void Stop();

  // Returns whether this hub holds `duty`'s lease now.
  bool Held(const std::string& duty) const;

 private:
  struct State {
    Duty duty;
    bool held = false;
    bool started = false;
    bool lost = false;       // never acquired again by this Duties
    std::string last_error;  // of TryAcquireLease, logged once per change
  };

  void Run();
  void PollOnce();
  void SetHeld(State& s, bool held);

  LeaseKeeper* const leases_;
  const DutiesOptions options_;
  observability::Family<observability::Gauge>* const gauge_;
  mutable std::mutex mu_;  // states_' flags; polls run one at a time
  std::vector<State> states_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SERVER_DUTIES_H_
