// The work queue's bound and the per-principal token buckets.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "hub/common/rate_limiter.h"
#include "hub/common/work_queue.h"

namespace revhub::hub {
namespace {

TEST_CASE("TryPost refuses work once max_queued closures wait", "[unit]") {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int ran = 0;
  {
    WorkQueue q(1, 3);
    // The one worker is held, so everything after waits in the queue.
    q.Post([&] {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return release; });
    });
    while (q.queued() != 0) std::this_thread::yield();
    int accepted = 0;
    for (int i = 0; i < 10; ++i) {
      if (q.TryPost([&] {
            std::lock_guard<std::mutex> lock(mu);
            ++ran;
          })) {
        ++accepted;
      }
    }
    CHECK(accepted == 3);
    CHECK(q.queued() == 3);
    CHECK(q.peak_queued() == 3);
    {
      std::lock_guard<std::mutex> lock(mu);
      release = true;
    }
    cv.notify_all();
  }  // the destructor runs what is queued
  CHECK(ran == 3);
}

TEST_CASE("a token bucket per principal", "[unit]") {
  absl::Time now = absl::FromUnixSeconds(1000);
  RateLimiter limiter(RateLimit{10, 2}, 100, [&] { return now; });
  CHECK(limiter.Admit("a").ok());
  CHECK(limiter.Admit("a").ok());
  absl::Status third = limiter.Admit("a");
  CHECK(third.code() == absl::StatusCode::kResourceExhausted);
  CHECK(third.message() ==
        "principal \"a\" is over its rate limit of 10 calls/s (burst 2); "
        "retry after 100 ms");
  REQUIRE(RetryAfterOf(third).has_value());
  CHECK(*RetryAfterOf(third) == absl::Milliseconds(100));
  // Another principal is not affected.
  CHECK(limiter.Admit("b").ok());
  // A token is back after 1/rate.
  now += absl::Milliseconds(100);
  CHECK(limiter.Admit("a").ok());
  CHECK_FALSE(limiter.Admit("a").ok());
  // A rate of 0 is no limit.
  RateLimiter off(RateLimit{0, 0});
  for (int i = 0; i < 1000; ++i) REQUIRE(off.Admit("x").ok());
  CHECK_FALSE(RetryAfterOf(absl::ResourceExhaustedError("x")).has_value());
}

TEST_CASE("the rate limiter's table of principals stays bounded", "[unit]") {
  absl::Time now = absl::FromUnixSeconds(1000);
  RateLimiter limiter(RateLimit{1, 1}, 4, [&] { return now; });
  for (int i = 0; i < 100; ++i) {
    REQUIRE(limiter.Admit(std::to_string(i)).ok());
  }
  // Every new name got a full bucket; a name seen just now is still empty.
  CHECK_FALSE(limiter.Admit("99").ok());
}

}  // namespace
}  // namespace revhub::hub
