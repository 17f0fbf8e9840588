#include "hub/server/duties.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/log.h"

namespace revhub::hub {
namespace {

// The default on_lost: the component may be mid-write, and only ending the
// process stops every one of its threads at once. _exit, not exit: static
// destructors must not run under threads that are still working.
void ExitOnLostLease(const std::string& duty, const std::string& why) {
  observability::LogError(
      "duties",
      absl::StrCat("lease on duty \"", duty,
                   "\" lost; another hub may hold it now: exiting with code ",
                   kLeaseLostExitCode, " to be restarted"),
      {{"duty", duty}, {"why", why}});
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::_exit(kLeaseLostExitCode);
}

}  // namespace

Duties::Duties(LeaseKeeper* leases, std::vector<Duty> duties,
               DutiesOptions options)
    : leases_(leases),
      options_(std::move(options)),
      gauge_(options_.held_gauge != nullptr
                 ? options_.held_gauge
                 : &observability::Metrics().duties_held) {
  for (Duty& d : duties) {
    State s;
    s.duty = std::move(d);
    states_.push_back(std::move(s));
  }
  for (State& s : states_) gauge_->WithLabels({s.duty.name}).Set(0);
}

Duties::~Duties() { Stop(); }

void Duties::Start() {
  PollOnce();
  thread_ = std::thread([this] { Run(); });
}

void Duties::Stop() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Every component stops before any lease goes: until then another hub
  // cannot start the same duty.
  for (auto it = states_.rbegin(); it != states_.rend(); ++it) {
    if (it->started && it->duty.stop) it->duty.stop();
  }
  for (State& s : states_) {
    bool held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held = s.held;
    }
    if (held) {
      leases_->ReleaseLease(s.duty.name);
      SetHeld(s, false);
    }
  }
}

bool Duties::Held(const std::string& duty) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const State& s : states_) {
    if (s.duty.name == duty) return s.held;
  }
  return false;
}

void Duties::Run() {
  std::unique_lock<std::mutex> lock(wake_mu_);
  while (!stopping_) {
    wake_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.poll),
                      [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    PollOnce();
    lock.lock();
  }
}

void Duties::SetHeld(State& s, bool held) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.held = held;
  }
  gauge_->WithLabels({s.duty.name}).Set(held ? 1 : 0);
}

void Duties::PollOnce() {
  for (State& s : states_) {
    bool held;
    bool lost;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held = s.held;
      lost = s.lost;
    }
    if (lost) continue;
    if (held) {
      absl::StatusOr<bool> still = leases_->LeaseHeld(s.duty.name);
      if (still.ok() && *still) continue;
      const std::string why =
          still.ok() ? "the store no longer holds the lease for this hub"
                     : absl::StrCat(
                           "the store cannot say whether the lease "
                           "is held: ",
                           still.status().message());
      {
        std::lock_guard<std::mutex> lock(mu_);
        s.lost = true;
      }
      SetHeld(s, false);
      if (options_.on_lost) {
        options_.on_lost(s.duty.name, why);
      } else {
        ExitOnLostLease(s.duty.name, why);
      }
      continue;
    }
    absl::StatusOr<bool> acquired = leases_->TryAcquireLease(s.duty.name);
    if (!acquired.ok()) {
      const std::string error(acquired.status().message());
      if (error != s.last_error) {
        observability::LogWarn("duties", "lease not tried: store unavailable",
                               {{"duty", s.duty.name}, {"error", error}});
        s.last_error = error;
      }
      continue;
    }
    s.last_error.clear();
    if (!*acquired) continue;  // another hub does it
    SetHeld(s, true);
    if (!s.started) {
      observability::LogInfo("duties",
                             absl::StrCat("took duty \"", s.duty.name, "\""),
                             {{"duty", s.duty.name}});
      s.started = true;
      if (s.duty.start) s.duty.start();
    }
  }
}

}  // namespace revhub::hub
