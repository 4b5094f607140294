// Many threads reserving and decrypting through one Store at once.
#include <algorithm>
#include <atomic>
#include <thread>

#include "common/fault_injection_env.h"
#include "tests/padstore/gated_sync_env.h"
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

// Group commit: decrypts arriving while one journal sync runs append their records and
// share the next sync, and none returns (releases plaintext) before a sync covering its
// record has completed.
class GroupCommitTest : public testing::StoreFixture {
 protected:
  static constexpr int kThreads = 8;
  static constexpr uint64_t kPad = 1 << 20;  // alice kUp: bob's stream runs down from the top

  void SetUp() override {
    MakeStore(kPad, Direction::kUp);
    StoreOptions options;
    options.env = &env_;
    store_ = OpenStore(options);
    ASSERT_NE(store_, nullptr);
    for (int i = 0; i < kThreads; ++i) {
      auto p = store_->BeginDecrypt("bob", kPad - 1 - 10 * i, 10);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ranges_.push_back(*p);
    }
  }

  // Starts commit 0 with the journal sync gate closed, waits until it is held at the gate,
  // then starts the other commits and waits until every one has appended its record.
  void LineUpCommitsBehindAHeldSync() {
    env_.Close();
    syncs_before_ = env_.gated_syncs();
    const int writes_before = env_.gated_writes();
    threads_.emplace_back([this] { Commit(0); });
    ASSERT_TRUE(env_.WaitFor([&](auto& e) { return e.syncs_locked() == syncs_before_ + 1; }))
        << "the first commit never reached its journal sync";
    for (int i = 1; i < kThreads; ++i) threads_.emplace_back([this, i] { Commit(i); });
    ASSERT_TRUE(env_.WaitFor([&](auto& e) {
      return e.writes_locked() == writes_before + kThreads;
    })) << "commits did not append their records while another commit's sync was running";
  }
  void Commit(int i) {
    results_[i] = store_->CommitDecrypt(ranges_[i]).status();
    ++returned_;
  }
  void JoinAll() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  void TearDown() override {
    env_.Open();
    JoinAll();
  }

  testing::GatedSyncEnv env_;
  std::unique_ptr<Store> store_;
  std::vector<PeerRange> ranges_;
  std::vector<std::thread> threads_;
  Status results_[kThreads];
  std::atomic<int> returned_{0};
  int syncs_before_ = 0;
};

TEST_F(GroupCommitTest, DecryptsArrivingDuringASyncShareTheNextOne) {
  LineUpCommitsBehindAHeldSync();
  EXPECT_EQ(returned_.load(), 0) << "a commit returned before any sync covered its record";
  EXPECT_EQ(env_.gated_syncs(), syncs_before_ + 1) << "the others must wait, not sync";
  env_.Open();
  JoinAll();
  for (int i = 0; i < kThreads; ++i)
    EXPECT_TRUE(results_[i].ok()) << i << ": " << results_[i].ToString();
  // The first commit's sync, then one sync for the seven that arrived while it ran.
  EXPECT_EQ(env_.gated_syncs(), syncs_before_ + 2);
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(store_->BeginDecrypt("bob", kPad - 1 - 10 * i, 10).status().code(),
              Status::Code::kReplay);
  }
  EXPECT_EQ(store_->Info("bob")->decrypted, 10u * kThreads);
}

TEST_F(GroupCommitTest, AFailedGroupSyncFailsEveryWaiterAndIsNotRetried) {
  LineUpCommitsBehindAHeldSync();
  env_.FailNextSync();
  env_.Open();
  JoinAll();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_FALSE(results_[i].ok()) << i << ": the caller must not release the plaintext";
  }
  EXPECT_EQ(results_[0].code(), Status::Code::kIOError);
  EXPECT_TRUE(store_->failed());
  EXPECT_EQ(env_.gated_syncs(), syncs_before_ + 1) << "a failed fsync is never retried";
}

TEST_F(ConcurrencyTest, EveryAcknowledgedGroupCommittedDecryptSurvivesAPowerLoss) {
  constexpr int kThreads = 8, kPerThread = 300;
  constexpr uint64_t kPad = 1 << 20;
  MakeStore(kPad, Direction::kUp);
  FaultInjectionEnv fi;
  StoreOptions options;
  options.env = &fi;
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  std::vector<std::vector<uint64_t>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const uint64_t first =
            kPad - 1 - 10 * (static_cast<uint64_t>(i) * kThreads + static_cast<uint64_t>(t));
        auto p = store->BeginDecrypt("bob", first, 10);
        ASSERT_TRUE(p.ok()) << p.status().ToString();
        if (store->CommitDecrypt(*p).ok()) acked[t].push_back(first);
      }
    });
  }
  for (auto& th : threads) th.join();
  store->AbandonForTesting();
  fi.SimulatePowerLoss();
  store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  size_t total = 0;
  for (const auto& v : acked) {
    total += v.size();
    for (uint64_t first : v) {
      ASSERT_EQ(store->BeginDecrypt("bob", first, 10).status().code(), Status::Code::kReplay)
          << "an acknowledged decrypt of index " << first << " was lost";
    }
  }
  EXPECT_EQ(total, size_t{kThreads} * kPerThread);
}

}  // namespace
}  // namespace otc::padstore
