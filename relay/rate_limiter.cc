#include "relay/rate_limiter.h"

#include <algorithm>
#include <functional>

namespace otc::relay {

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(std::max(0.0, rate_per_second)), burst_(std::max(1.0, burst)) {}

void RateLimiter::Refill(Bucket& bucket, Clock::time_point now) const {
  if (now > bucket.last) {
    double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.last = now;
  }
}

bool RateLimiter::Allow(std::string_view address, Clock::time_point now) {
  if (!enabled()) return true;
  Shard& shard = shards_[std::hash<std::string_view>()(address) % shards_.size()];
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(std::string(address));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= shard.scan_at) {
      for (auto b = shard.buckets.begin(); b != shard.buckets.end();) {
        Refill(b->second, now);
        b = b->second.tokens >= burst_ ? shard.buckets.erase(b) : std::next(b);
      }
      // If most buckets are busy, wait for the shard to double before scanning again, so
      // a flood of new addresses costs O(1) amortized per request, not a scan each.
      shard.scan_at = std::max(kMaxBucketsPerShard, 2 * shard.buckets.size());
    }
    it = shard.buckets.emplace(std::string(address), Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

size_t RateLimiter::TrackedAddresses() {
  size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace otc::relay
