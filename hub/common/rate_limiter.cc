#include "hub/common/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace revhub::hub {
namespace {

constexpr char kRetryAfterPayload[] = "type.revhub.dev/retry-after-ms";

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, size_t max_principals,
                         std::function<absl::Time()> now)
    : limit_{limit.rate_per_second, std::max(1.0, limit.burst)},
      max_principals_(std::max<size_t>(1, max_principals)),
      now_(std::move(now)) {}

absl::Status RateLimiter::Admit(std::string_view principal) {
  if (limit_.rate_per_second <= 0) return absl::OkStatus();
  const absl::Time now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(principal));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_principals_) ForgetFullBuckets(now);
    it = buckets_.emplace(std::string(principal), Bucket{limit_.burst, now})
             .first;
  }
  Bucket& b = it->second;
  const double elapsed = absl::ToDoubleSeconds(now - b.refilled);
  if (elapsed > 0) {
    b.tokens =
        std::min(limit_.burst, b.tokens + elapsed * limit_.rate_per_second);
    b.refilled = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::OkStatus();
  }
  const absl::Duration wait = absl::Milliseconds(
      std::ceil((1 - b.tokens) / limit_.rate_per_second * 1000));
  return ResourceExhaustedRetryAfter(
      absl::StrFormat("principal \"%s\" is over its rate limit of %g calls/s "
                      "(burst %g); retry after %d ms",
                      std::string(principal), limit_.rate_per_second,
                      limit_.burst, absl::ToInt64Milliseconds(wait)),
      wait);
}

void RateLimiter::ForgetFullBuckets(absl::Time now) {
  // A bucket refilled to `burst` is the same as no bucket.
  const absl::Duration to_full =
      absl::Seconds(limit_.burst / limit_.rate_per_second);
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (now - it->second.refilled >= to_full) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Every bucket busy: the oldest refill goes, so the table stays bounded.
  if (buckets_.size() >= max_principals_) {
    auto oldest = std::min_element(
        buckets_.begin(), buckets_.end(), [](const auto& a, const auto& b) {
          return a.second.refilled < b.second.refilled;
        });
    buckets_.erase(oldest);
  }
}

absl::Status ResourceExhaustedRetryAfter(absl::string_view message,
                                         absl::Duration retry_after) {
  absl::Status status = absl::ResourceExhaustedError(message);
  status.SetPayload(kRetryAfterPayload,
                    absl::Cord(absl::StrCat(std::max<int64_t>(
                        1, absl::ToInt64Milliseconds(retry_after)))));
  return status;
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms)) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

}  // namespace revhub::hub
