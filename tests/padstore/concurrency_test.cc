// Many threads reserving and decrypting through one Store at once.
#include <algorithm>
#include <thread>

#include "tests/padstore/no_sync_env.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

class ConcurrencyTest : public testing::StoreFixture {};

TEST_F(ConcurrencyTest, EightThreadsTimesTenThousandReservationsAreDisjoint) {
  constexpr int kThreads = 8, kPerThread = 10000;
  MakeStore(uint64_t{4} << 20, Direction::kDown);
  StoreOptions options;
  options.reserve_batch = 4096;  // many mark moves under contention
  options.burn_batch = 64 << 10;
  auto store = OpenStore(options);
  std::vector<std::vector<IndexRange>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store->ReserveRange("bob", 1 + (i * 7 + t) % 13);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        got[t].push_back(r->indices);
        if (i % 3 == 0) {
          ASSERT_TRUE(store->MarkUsed(*r).ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<IndexRange> all;
  uint64_t total = 0;
  for (auto& v : got) {
    all.insert(all.end(), v.begin(), v.end());
    for (auto& r : v) total += r.size();
  }
  ASSERT_EQ(all.size(), size_t{kThreads} * kPerThread);
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.lo < b.lo; });
  for (size_t i = 1; i < all.size(); ++i) {
    ASSERT_LE(all[i - 1].hi, all[i].lo) << "overlap at " << i;
  }
  // Direction -1 hands out downward from the top with no gaps.
  EXPECT_EQ(all.back().hi, uint64_t{4} << 20);
  EXPECT_EQ(all.front().lo, (uint64_t{4} << 20) - total);
}

TEST_F(ConcurrencyTest, ConcurrentDecryptsOfOverlappingRangesCommitAtMostOnce) {
  MakeStore(1 << 20, Direction::kUp);  // peer streams downward from the top
  StoreOptions options;
  testing::NoSyncEnv fast;
  options.env = &fast;
  auto store = OpenStore(options);
  constexpr int kThreads = 8, kMessages = 2000;
  std::atomic<int> committed{0}, replays{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Every thread tries every message: each must commit exactly once overall.
      for (int i = 0; i < kMessages; ++i) {
        auto p = store->BeginDecrypt("bob", (1 << 20) - 1 - 10 * i, 10);
        if (!p.ok()) {
          ASSERT_EQ(p.status().code(), Status::Code::kReplay);
          ++replays;
          continue;
        }
        auto d = store->CommitDecrypt(*p);
        if (d.ok()) {
          ++committed;
        } else {
          ASSERT_EQ(d.status().code(), Status::Code::kReplay);
          ++replays;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(committed.load(), kMessages);
  EXPECT_EQ(replays.load(), kThreads * kMessages - kMessages);
  EXPECT_EQ(store->Info("bob")->decrypted, 10u * kMessages);
}

}  // namespace
}  // namespace otc::padstore
