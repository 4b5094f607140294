#include "relay/rate_limiter.h"

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include "tests/relay/test_name.h"

namespace otc::relay {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, BurstThenRate) {
  RateLimiter limiter(/*rate=*/10, /*burst=*/5);
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Allow("1.2.3.4", t0)) << i;
  EXPECT_FALSE(limiter.Allow("1.2.3.4", t0));
  // 10/s: one token every 100 ms.
  EXPECT_FALSE(limiter.Allow("1.2.3.4", t0 + 50ms));
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0 + 150ms));
  EXPECT_FALSE(limiter.Allow("1.2.3.4", t0 + 160ms));
  // Refill is capped at the burst.
  Clock::time_point later = t0 + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Allow("1.2.3.4", later));
  EXPECT_FALSE(limiter.Allow("1.2.3.4", later));
}

TEST(RateLimiter, AddressesAreIndependent) {
  RateLimiter limiter(1, 1);
  Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(limiter.Allow("a", t0));
  EXPECT_FALSE(limiter.Allow("a", t0));
  EXPECT_TRUE(limiter.Allow("b", t0));
}

TEST(RateLimiter, DisabledAllowsEverything) {
  RateLimiter limiter(0, 0);
  EXPECT_FALSE(limiter.enabled());
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.Allow("a", t0));
  EXPECT_EQ(limiter.TrackedAddresses(), 0u);
}

TEST(RateLimiter, ForgetsIdleAddressesWhenCrowded) {
  RateLimiter limiter(1000, 2);
  Clock::time_point t0 = Clock::now();
  size_t n = 16 * RateLimiter::kMaxBucketsPerShard;
  for (size_t i = 0; i < n; ++i) limiter.Allow(otc::testing::Name("addr", i), t0);
  EXPECT_EQ(limiter.TrackedAddresses(), n);  // all just spent a token: all kept
  // A second later they have all refilled: new addresses push them out instead of adding.
  for (size_t i = 0; i < n; ++i) limiter.Allow(otc::testing::Name("new", i), t0 + 1s);
  EXPECT_LT(limiter.TrackedAddresses(), n + n / 2);
  EXPECT_GE(limiter.TrackedAddresses(), n);

  // An address that is being limited is never forgotten (its bucket is not full).
  RateLimiter strict(0.001, 1);
  EXPECT_TRUE(strict.Allow("x", t0));
  for (size_t i = 0; i < 3 * n; ++i) strict.Allow(otc::testing::Name("y", i), t0 + 1s);
  EXPECT_FALSE(strict.Allow("x", t0 + 1s));
}

}  // namespace
}  // namespace otc::relay
