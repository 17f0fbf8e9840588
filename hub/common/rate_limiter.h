// RateLimiter: per-principal token buckets, the hub's admission by caller.
//
// Each principal has a bucket of `burst` tokens refilled at `rate_per_second`;
// a call takes one token. Admit() answers OK or RESOURCE_EXHAUSTED saying
// when the next token is due (RetryAfterOf reads it back as a duration), so
// one caller over its rate is refused while every other caller is served.
// A rate of 0 admits everything. Buckets of principals idle long enough to be
// full again are forgotten once more than `max_principals` are tracked, so
// the table stays bounded whatever the callers call themselves.
//
// Thread-safe: Admit may be called from any thread.
#ifndef REVHUB_HUB_COMMON_RATE_LIMITER_H_
#define REVHUB_HUB_COMMON_RATE_LIMITER_H_

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace revhub::hub {

struct RateLimit {
  // Calls per second refilled; 0 turns the limit off.
  double rate_per_second = 0;
  // Calls a full bucket admits at once (at least 1).
  double burst = 1;
};

class RateLimiter {
 public:
  // `now` is the clock (tests pass their own).
  explicit RateLimiter(RateLimit limit, size_t max_principals = 10000,
                       std::function<absl::Time()> now = absl::Now);

  // Takes one token of `principal`'s bucket: OK, or RESOURCE_EXHAUSTED whose
  // message names the principal and the rate and whose RetryAfterOf is the
  // wait until a token is due.
  absl::Status Admit(std::string_view principal);

  const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled;
  };
  void ForgetFullBuckets(absl::Time now);

  const RateLimit limit_;
  const size_t max_principals_;
  const std::function<absl::Time()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Returns a RESOURCE_EXHAUSTED status with `message` carrying `retry_after`
// (read back with RetryAfterOf).
absl::Status ResourceExhaustedRetryAfter(absl::string_view message,
                                         absl::Duration retry_after);

// Returns the retry delay attached by ResourceExhaustedRetryAfter, if any.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_COMMON_RATE_LIMITER_H_
