// RateLimiter: a token bucket per client address (requests per second with a burst).
//
// Each address starts with `burst` tokens, gains `rate` tokens per second up to `burst`,
// and spends one per request; a request finding no token is refused (the relay answers
// 429). A rate of 0 disables limiting. Buckets are sharded by address hash so io threads
// rarely contend; a shard that grows past kMaxBucketsPerShard forgets its full (idle)
// buckets, which is exact because a full bucket is what a new address gets anyway. (If
// most are busy it lets the shard double before scanning again: memory stays within twice
// the busy set and a flood of new addresses costs O(1) amortized.)
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace otc::relay {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxBucketsPerShard = 4096;

  RateLimiter(double rate_per_second, double burst);

  bool enabled() const { return rate_ > 0; }
  // Spends a token for `address` at time `now`; false if none is left.
  bool Allow(std::string_view address, Clock::time_point now = Clock::now());
  size_t TrackedAddresses();

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
    size_t scan_at = kMaxBucketsPerShard;  // size at which full buckets are dropped
  };
  void Refill(Bucket& bucket, Clock::time_point now) const;

  double rate_;
  double burst_;
  std::array<Shard, 16> shards_;
};

}  // namespace otc::relay
