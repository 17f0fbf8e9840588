#include "hub/sync/sync_engine.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/observability/hub_metrics.h"
#include "hub/observability/trace_context.h"
#include "hub/sync/sourced_records.h"

namespace revhub::hub {

using hub::v1::RunSyncResponse;
using hub::v1::SyncStatus;

namespace {

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

const hub::v1::SyncSchedule* ScheduleOf(const hub::v1::System& system,
                                        const std::string& object_type) {
  for (const auto& s : system.sync()) {
    if (s.object_type() == object_type) return &s;
  }
  return nullptr;
}

bool Transient(const absl::Status& st) {
  return st.code() == absl::StatusCode::kUnavailable ||
         st.code() == absl::StatusCode::kDeadlineExceeded ||
         st.code() == absl::StatusCode::kResourceExhausted ||
         st.code() == absl::StatusCode::kAborted;
}

// A lasting failure of the pull: its message is what the state records.
absl::Status PullFailed(absl::string_view reason) {
  return absl::FailedPreconditionError(reason);
}

}  // namespace

// One pull of one (system, object type): its progress, shared by every
// caller waiting for it.
struct SyncEngine::Pull {
  Key key;
  bool full = false;
  std::mutex mu;
  std::condition_variable cv;
  RunSyncResponse progress;  // guarded by mu
  int64_t version = 0;       // bumps with every progress change
  bool done = false;
  absl::Status status;
  absl::Time started;

  void Update(const std::function<void(RunSyncResponse&)>& fn) {
    {
      std::lock_guard<std::mutex> lock(mu);
      fn(progress);
      const double secs = absl::ToDoubleSeconds(absl::Now() - started);
      progress.set_records_per_second(secs > 0 ? progress.records() / secs : 0);
      const int64_t left = progress.total_estimate() - progress.records();
      if (progress.total_estimate() > 0 && left > 0 &&
          progress.records_per_second() > 0) {
        SetDuration(absl::Seconds(left / progress.records_per_second()),
                    progress.mutable_eta());
      } else {
        progress.clear_eta();
      }
      ++version;
    }
    cv.notify_all();
  }
};

// A token bucket per system, from the tightest rate limit its adapter
// declares.
struct SyncEngine::Pacer {
  std::mutex mu;
  double rate = 0;  // per second; 0: no pacing
  double burst = 1;
  double tokens = 1;
  absl::Time refilled = absl::Now();

  // Takes `n` tokens (going into debt) and returns how long to wait before
  // the call that took them may go.
  absl::Duration Take(double n) {
    std::lock_guard<std::mutex> lock(mu);
    if (rate <= 0) return absl::ZeroDuration();
    const absl::Time now = absl::Now();
    tokens =
        std::min(burst, tokens + absl::ToDoubleSeconds(now - refilled) * rate);
    refilled = now;
    tokens -= n;
    if (tokens >= 0) return absl::ZeroDuration();
    return absl::Seconds(-tokens / rate);
  }
};

SyncEngine::SyncEngine(Store* store, AdapterSupervisor* adapters,
                       SyncEngineOptions options)
    : store_(store), adapters_(adapters), options_(std::move(options)) {}

SyncEngine::~SyncEngine() { Shutdown(); }

void SyncEngine::Start() {
  // Pulls a crash interrupted resume from their stored cursors.
  auto states = store_->ListSyncStates("");
  if (states.ok()) {
    for (const SyncStatus& s : *states) {
      const bool interrupted =
          s.has_last_run_started() &&
          (!s.has_last_run_finished() ||
           FromProto(s.last_run_finished()) < FromProto(s.last_run_started()));
      std::lock_guard<std::mutex> lock(mu_);
      next_run_[{s.system(), s.object_type()}] =
          interrupted                 ? absl::Now()
          : s.has_last_run_finished() ? FromProto(s.last_run_finished())
                                      : absl::Now();
      if (interrupted) resume_.push_back({s.system(), s.object_type()});
    }
  }
  scheduler_ = std::thread([this] { ScheduleLoop(); });
}

void SyncEngine::Shutdown() {
  std::vector<std::thread> threads;
  decltype(callers_) callers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
    callers.swap(callers_);
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& t : threads) t.join();
  // Pulls that never started end now, so their callers stop waiting.
  std::deque<std::shared_ptr<Pull>> queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued.swap(queue_);
    for (const auto& p : queued) pulls_.erase(p->key);
  }
  for (const auto& p : queued) {
    {
      std::lock_guard<std::mutex> lock(p->mu);
      p->done = true;
      p->status = absl::UnavailableError("the hub is stopping");
    }
    p->cv.notify_all();
  }
  for (auto& [t, over] : callers) t.join();
}

bool SyncEngine::SleepFor(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d),
               [this] { return stopping_; });
  return !stopping_;
}

std::shared_ptr<SyncEngine::Pull> SyncEngine::StartPull(const Key& key,
                                                        bool full) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pulls_.find(key);
  if (it != pulls_.end()) return it->second;
  auto pull = std::make_shared<Pull>();
  pull->key = key;
  pull->full = full;
  pull->started = absl::Now();
  pull->progress.set_system(key.first);
  pull->progress.set_object_type(key.second);
  if (stopping_) {
    pull->done = true;
    pull->status = absl::UnavailableError("the hub is stopping");
    return pull;
  }
  pulls_[key] = pull;
  queue_.push_back(pull);
  // One more worker while fewer than the cap run.
  if (static_cast<int>(threads_.size()) < options_.max_concurrent_pulls &&
      idle_workers_ == 0) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  cv_.notify_all();
  return pull;
}

void SyncEngine::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Pull> pull;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_workers_;
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_workers_;
      // Stopping: Shutdown ends the pulls still queued.
      if (stopping_) return;
      pull = queue_.front();
      queue_.pop_front();
    }
    RunPull(pull);
  }
}

void SyncEngine::RunPull(const std::shared_ptr<Pull>& pull) {
  absl::Status st = PullPages(*pull);
  {
    std::lock_guard<std::mutex> lock(mu_);
    pulls_.erase(pull->key);
    // The next scheduled run: an interval after this one, sooner after a
    // failure (the backoff), never later than the interval.
    auto system = store_->GetSystem(pull->key.first);
    absl::Duration interval = absl::ZeroDuration();
    if (system.ok() && system->has_value()) {
      if (const auto* s = ScheduleOf(**system, pull->key.second)) {
        interval = FromProtoDuration(s->interval());
      }
    }
    absl::Duration wait = interval;
    if (!st.ok() && interval > absl::ZeroDuration()) {
      wait = std::min(interval, options_.max_backoff);
    }
    next_run_[pull->key] = absl::Now() + wait;
  }
  pull->Update([&](RunSyncResponse& p) {
    p.set_done(true);
    if (!st.ok()) p.set_error(std::string(st.message()));
  });
  {
    std::lock_guard<std::mutex> lock(pull->mu);
    pull->done = true;
    pull->status = st;
  }
  pull->cv.notify_all();
}

std::shared_ptr<SyncEngine::Pacer> SyncEngine::PacerFor(
    const std::string& system, const adapter::v1::DescribeResponse& d) {
  double rate = 0, burst = 1;
  for (const auto& l : d.rate_limits()) {
    const double per = absl::ToDoubleSeconds(FromProtoDuration(l.per()));
    if (l.requests() <= 0 || per <= 0) continue;
    const double r = l.requests() / per;
    if (rate == 0 || r < rate) {
      rate = r;
      burst = l.requests();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto& pacer = pacers_[system];
  if (pacer == nullptr) pacer = std::make_shared<Pacer>();
  std::lock_guard<std::mutex> plock(pacer->mu);
  if (pacer->rate != rate || pacer->burst != burst) {
    pacer->rate = rate;
    pacer->burst = std::max(1.0, burst);
    pacer->tokens = pacer->burst;
  }
  return pacer;
}

absl::Status SyncEngine::PullPages(Pull& pull) {
  const std::string& name = pull.key.first;
  const std::string& type = pull.key.second;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the hub is stopping");
  }
  ASSIGN_OR_RETURN(auto system, store_->GetSystem(name));
  if (!system.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("system: \"", name, "\" is not a registered system"));
  }
  if (system->state() == hub::v1::SYSTEM_STATE_DISABLED) {
    return absl::FailedPreconditionError(
        absl::StrCat("system: \"", name, "\" is disabled"));
  }
  const hub::v1::SyncSchedule* schedule = ScheduleOf(*system, type);

  ASSIGN_OR_RETURN(std::optional<SyncStatus> stored,
                   store_->GetSyncState(name, type));
  SyncStatus state = stored.value_or(SyncStatus());
  state.set_system(name);
  state.set_object_type(type);

  // Records a lasting failure in the state and returns it.
  auto fail = [&](absl::Status st) -> absl::Status {
    state.set_consecutive_errors(state.consecutive_errors() + 1);
    state.set_last_error(std::string(st.message()));
    *state.mutable_last_run_finished() = ToProto(absl::Now());
    absl::Status w =
        store_->Write([&](WriteTxn& txn) { return txn.PutSyncState(state); });
    (void)w;  // the pull's own failure is what the caller must see
    return st;
  };

  int attempts = 0;
  // Waits before the next attempt after a transient failure; false when
  // the attempts are used up or the engine stops.
  auto backoff = [&](absl::Duration retry_after) {
    ++attempts;
    pull.Update([](RunSyncResponse& p) { p.set_retries(p.retries() + 1); });
    if (attempts >= options_.max_attempts_per_page) return false;
    absl::Duration d = options_.initial_backoff * std::pow(2.0, attempts - 1);
    d = std::min(d, options_.max_backoff);
    static thread_local std::mt19937_64 rng(std::random_device{}());
    d = d / 2 + absl::Nanoseconds(std::uniform_int_distribution<int64_t>(
                    0, absl::ToInt64Nanoseconds(d / 2))(rng));
    return SleepFor(std::max(d, retry_after));
  };

  std::shared_ptr<AdapterClient> client;
  adapter::v1::DescribeResponse description;
  while (true) {
    absl::StatusOr<std::shared_ptr<AdapterClient>> c = adapters_->For(*system);
    absl::Status st = c.status();
    if (st.ok()) {
      client = *c;
      absl::StatusOr<adapter::v1::DescribeResponse> d = client->Describe();
      st = d.status();
      if (st.ok()) description = *d;
    }
    if (st.ok()) break;
    if (!Transient(st)) return fail(st);
    if (!backoff(absl::ZeroDuration())) {
      return fail(absl::UnavailableError(
          absl::StrCat("the adapter of system \"", name,
                       "\" is not answering: ", st.message())));
    }
  }
  std::vector<std::string> readable;
  for (const auto& t : description.readable_object_types()) {
    readable.push_back(t.object_type());
  }
  if (std::find(readable.begin(), readable.end(), type) == readable.end()) {
    return fail(absl::InvalidArgumentError(
        readable.empty()
            ? absl::StrCat("system: the adapter of \"", name,
                           "\" reads nothing from its vendor")
            : absl::StrCat("object_type: the adapter of system \"", name,
                           "\" does not read \"", type, "\"; it reads ",
                           absl::StrJoin(readable, ", "))));
  }
  std::shared_ptr<Pacer> pacer = PacerFor(name, description);
  ASSIGN_OR_RETURN(AdapterConfig config, adapters_->ConfigFor(*system));

  std::string cursor = pull.full ? "" : state.cursor();
  *state.mutable_last_run_started() = ToProto(pull.started);
  RETURN_IF_ERROR(
      store_->Write([&](WriteTxn& txn) { return txn.PutSyncState(state); }));
  const std::string principal = absl::StrCat("sync:", name);

  attempts = 0;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return absl::UnavailableError("the hub is stopping");
    }
    if (!SleepFor(pacer->Take(1))) {
      return absl::UnavailableError("the hub is stopping");
    }
    adapter::v1::ReadRequest req;
    req.set_system(name);
    *req.mutable_config() = config.config;
    req.set_object_type(type);
    req.set_cursor(cursor);
    if (schedule != nullptr) {
      if (schedule->has_backfill_start()) {
        *req.mutable_backfill_start() = schedule->backfill_start();
      }
      req.set_page_size(schedule->page_size());
    }
    // Each page read is a trace of its own, which its records keep.
    const observability::TraceContext trace = observability::NewTrace();
    absl::StatusOr<adapter::v1::ReadResponse> read;
    {
      observability::ScopedTrace scoped(trace);
      read = client->Read(req);
    }
    observability::Metrics()
        .vendor_calls
        .WithLabels({name, "pull",
                     !read.ok()                                        ? "error"
                     : read->outcome() == adapter::v1::READ_OUTCOME_OK ? "ok"
                     : read->outcome() == adapter::v1::READ_OUTCOME_RETRY
                         ? "retry"
                         : "error"})
        .Inc();
    if (!read.ok()) {
      if (Transient(read.status()) && backoff(absl::ZeroDuration())) continue;
      return fail(absl::UnavailableError(
          config.Redact(std::string(read.status().message()))));
    }
    const adapter::v1::ReadResponse& page = *read;
    if (page.vendor_calls() > 1) pacer->Take(page.vendor_calls() - 1);
    if (page.outcome() == adapter::v1::READ_OUTCOME_RETRY) {
      if (backoff(FromProtoDuration(page.retry_after()))) continue;
      return fail(absl::UnavailableError(
          absl::StrCat("gave up after ", attempts,
                       " attempts: ", config.Redact(page.reason()))));
    }
    if (page.outcome() != adapter::v1::READ_OUTCOME_OK) {
      return fail(PullFailed(config.Redact(
          page.reason().empty() ? std::string("the adapter failed the read")
                                : page.reason())));
    }
    for (int i = 0; i < page.records_size(); ++i) {
      absl::Status v = ValidateSourcedRecord(page.records(i),
                                             absl::StrCat("records[", i, "]"));
      if (!v.ok()) {
        return fail(PullFailed(
            absl::StrCat("the adapter returned a record the hub cannot store: ",
                         v.message())));
      }
    }
    if (page.has_more() && page.next_cursor().empty()) {
      return fail(
          PullFailed("the adapter said more pages follow but gave no cursor"));
    }
    if (page.has_more() && page.next_cursor() == cursor &&
        page.records_size() == 0) {
      return fail(
          PullFailed("the adapter returned an empty page and the same cursor"));
    }
    attempts = 0;
    StoredRecords stored_page;
    const absl::Time now = absl::Now();
    absl::Status w = store_->Write([&](WriteTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(auto current, txn.GetSystem(name));
      if (!current.has_value() ||
          current->state() == hub::v1::SYSTEM_STATE_DISABLED) {
        return absl::FailedPreconditionError(absl::StrCat(
            "system: \"", name, "\" was disabled during the pull"));
      }
      ASSIGN_OR_RETURN(stored_page,
                       StoreSourcedRecords(txn, name, principal, page.records(),
                                           trace.trace_id));
      SyncStatus next = state;
      next.set_cursor(page.next_cursor());
      if (page.has_cursor_time()) {
        *next.mutable_cursor_time() = page.cursor_time();
      }
      next.set_pages_total(next.pages_total() + 1);
      next.set_records_total(next.records_total() + stored_page.new_records);
      next.set_consecutive_errors(0);
      next.clear_last_error();
      if (!page.has_more()) {
        *next.mutable_caught_up_at() = ToProto(now);
        *next.mutable_last_run_finished() = ToProto(now);
      }
      RETURN_IF_ERROR(txn.PutSyncState(next));
      state = std::move(next);
      return absl::OkStatus();
    });
    if (!w.ok()) {
      if (w.code() == absl::StatusCode::kFailedPrecondition) return w;
      if (Transient(w) && backoff(absl::ZeroDuration())) continue;
      return w;
    }
    if (stored_page.new_records > 0) {
      observability::Metrics().records_ingested.WithLabels({name}).Inc(
          static_cast<double>(stored_page.new_records));
    }
    pull.Update([&](RunSyncResponse& p) {
      p.set_pages(p.pages() + 1);
      p.set_records(p.records() + page.records_size());
      p.set_new_records(p.new_records() + stored_page.new_records);
      p.set_duplicates(p.duplicates() + stored_page.duplicates);
      if (page.total_estimate() > 0)
        p.set_total_estimate(page.total_estimate());
    });
    if (!page.has_more()) return absl::OkStatus();
    cursor = page.next_cursor();
  }
}

absl::Status SyncEngine::Run(const std::string& system,
                             const std::string& object_type, bool full,
                             const ProgressFn& progress,
                             const std::function<bool()>& cancelled) {
  ASSIGN_OR_RETURN(auto sys, store_->GetSystem(system));
  if (!sys.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("system: \"", system, "\" is not a registered system"));
  }
  if (sys->state() == hub::v1::SYSTEM_STATE_DISABLED) {
    return absl::FailedPreconditionError(
        absl::StrCat("system: \"", system, "\" is disabled"));
  }
  std::vector<std::string> types;
  if (!object_type.empty()) {
    types.push_back(object_type);
  } else {
    for (const auto& s : sys->sync()) types.push_back(s.object_type());
  }
  if (types.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("object_type: system \"", system,
                     "\" has no sync schedules; name the object type to pull"));
  }
  std::vector<std::shared_ptr<Pull>> pulls;
  for (const auto& t : types) pulls.push_back(StartPull({system, t}, full));
  absl::Status first;
  for (const auto& pull : pulls) {
    int64_t seen = -1;
    while (true) {
      RunSyncResponse snapshot;
      bool done = false;
      absl::Status status;
      {
        std::unique_lock<std::mutex> lock(pull->mu);
        pull->cv.wait_for(lock, std::chrono::milliseconds(200),
                          [&] { return pull->version != seen || pull->done; });
        if (pull->version != seen) {
          seen = pull->version;
          snapshot = pull->progress;
          if (progress) {
            lock.unlock();
            progress(snapshot);
            lock.lock();
          }
        }
        done = pull->done && pull->version == seen;
        status = pull->status;
      }
      if (done) {
        if (first.ok() && !status.ok()) first = status;
        break;
      }
      if (cancelled && cancelled()) {
        return absl::CancelledError("the caller went away; the pull goes on");
      }
    }
  }
  return first;
}

void SyncEngine::RunAsync(std::string system, std::string object_type,
                          bool full, ProgressFn progress,
                          std::function<bool()> cancelled,
                          std::function<void(absl::Status)> done) {
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      for (auto it = callers_.begin(); it != callers_.end();) {
        if (it->second->load()) {
          finished.push_back(std::move(it->first));
          it = callers_.erase(it);
        } else {
          ++it;
        }
      }
      auto over = std::make_shared<std::atomic<bool>>(false);
      callers_.emplace_back(
          std::thread([this, system = std::move(system),
                       object_type = std::move(object_type), full,
                       progress = std::move(progress),
                       cancelled = std::move(cancelled), done = std::move(done),
                       over] {
            done(Run(system, object_type, full, progress, cancelled));
            over->store(true);
          }),
          over);
      done = nullptr;
    }
  }
  for (auto& t : finished) t.join();
  if (done) done(absl::UnavailableError("the hub is stopping"));
}

void SyncEngine::Trigger(const std::string& system,
                         const std::string& object_type) {
  StartPull({system, object_type}, /*full=*/false);
}

void SyncEngine::ScheduleLoop() {
  std::vector<Key> resume;
  {
    std::lock_guard<std::mutex> lock(mu_);
    resume.swap(resume_);
  }
  for (const Key& k : resume) StartPull(k, /*full=*/false);
  while (SleepFor(options_.tick)) {
    if (options_.schedule) ScheduleDue();
  }
}

void SyncEngine::ScheduleDue() {
  std::string after;
  const absl::Time now = absl::Now();
  while (true) {
    auto systems = store_->ListSystems(after, 100);
    if (!systems.ok() || systems->empty()) return;
    for (const auto& system : *systems) {
      after = system.name();
      if (system.state() == hub::v1::SYSTEM_STATE_DISABLED) continue;
      for (const auto& s : system.sync()) {
        if (s.paused() ||
            FromProtoDuration(s.interval()) <= absl::ZeroDuration())
          continue;
        Key key{system.name(), s.object_type()};
        bool due = false;
        {
          std::lock_guard<std::mutex> lock(mu_);
          auto it = next_run_.find(key);
          due = pulls_.count(key) == 0 &&
                (it == next_run_.end() || it->second <= now);
        }
        if (due) StartPull(key, /*full=*/false);
      }
    }
  }
}

absl::StatusOr<std::vector<SyncStatus>> SyncEngine::Status(
    const std::string& system) {
  ASSIGN_OR_RETURN(std::vector<SyncStatus> states,
                   store_->ListSyncStates(system));
  std::map<Key, SyncStatus> by_key;
  for (auto& s : states) by_key[{s.system(), s.object_type()}] = std::move(s);
  std::vector<hub::v1::System> systems;
  if (!system.empty()) {
    ASSIGN_OR_RETURN(auto one, store_->GetSystem(system));
    if (!one.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("system: \"", system, "\" is not a registered system"));
    }
    systems.push_back(*one);
  } else {
    std::string after;
    while (true) {
      ASSIGN_OR_RETURN(auto page, store_->ListSystems(after, 100));
      if (page.empty()) break;
      after = page.back().name();
      for (auto& s : page) systems.push_back(std::move(s));
    }
  }
  const absl::Time now = absl::Now();
  for (const auto& sys : systems) {
    for (const auto& sched : sys.sync()) {
      SyncStatus& s = by_key[{sys.name(), sched.object_type()}];
      s.set_system(sys.name());
      s.set_object_type(sched.object_type());
      *s.mutable_interval() = sched.interval();
      s.set_scheduled(
          !sched.paused() && sys.state() != hub::v1::SYSTEM_STATE_DISABLED &&
          FromProtoDuration(sched.interval()) > absl::ZeroDuration());
    }
  }
  std::vector<SyncStatus> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, s] : by_key) {
    s.set_running(pulls_.count(key) > 0);
    auto it = next_run_.find(key);
    if (s.scheduled() && it != next_run_.end()) {
      *s.mutable_next_run_at() = ToProto(std::max(it->second, now));
    }
    if (s.has_caught_up_at()) {
      SetDuration(now - FromProto(s.caught_up_at()), s.mutable_lag());
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace revhub::hub
