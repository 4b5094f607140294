// The protocol keeps per-thread MAC contexts and scratch: packaging on many threads at once
// must work, and ReleaseThreadState must leave the thread able to continue.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "chat/protocol/protocol.h"
#include "tests/protocol/test_util.h"

namespace otc::protocol {
namespace {

using testing::RandomBytes;
using testing::Receive;
using testing::Send;
using testing::ToVector;

TEST(ThreadsTest, ConcurrentRoundTripsOnSeparateThreads) {
  const auto pad = RandomBytes(1 << 16, 11);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Format f = (i + t) % 2 == 0 ? Format::kOtc1 : Format::kOtc2;
        const auto msg = RandomBytes(static_cast<size_t>((i * 53 + t) % 2000), i * 10 + t);
        const uint64_t index = static_cast<uint64_t>(t) * 8000;
        auto package = Send(f, msg, index, Direction::kUp, pad);
        if (!package.ok()) {
          ++failures;
          continue;
        }
        auto plain = Receive(f, *package, Direction::kUp, pad);
        if (!plain.ok() || ToVector(*plain) != msg) ++failures;
        if (i % 50 == 49) ReleaseThreadState();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ThreadsTest, ReleaseThreadStateThenContinue) {
  const auto pad = RandomBytes(4096, 12);
  const auto msg = RandomBytes(300, 13);
  for (Format f : {Format::kOtc1, Format::kOtc2}) {
    auto a = Send(f, msg, 100, Direction::kUp, pad);
    ASSERT_TRUE(a.ok());
    ReleaseThreadState();
    ReleaseThreadState();  // idempotent
    auto b = Send(f, msg, 100, Direction::kUp, pad);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*a, *b);  // deterministic without length hiding
    auto plain = Receive(f, *b, Direction::kUp, pad);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(ToVector(*plain), msg);
  }
}

}  // namespace
}  // namespace otc::protocol
