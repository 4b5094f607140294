// The MessageStore contract (relay/message_store.h), run against every backend: SQLite and
// a real PostgreSQL 15 started by the test (pg_server.h).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/relay/store_backends.h"
#include "tests/relay/test_name.h"

namespace otc::relay {
namespace {

using otc::testing::PgBackend;
using otc::testing::SqliteBackend;
using otc::testing::StoreTestOptions;

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  std::unique_ptr<MessageStore> OpenOrDie(StoreTestOptions o = {}) {
    Result<std::unique_ptr<MessageStore>> s = backend_.Open(std::move(o));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  Backend backend_;
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Backends = ::testing::Types<SqliteBackend, PgBackend>;
TYPED_TEST_SUITE(StoreConformance, Backends, BackendNames);

uint64_t Put(MessageStore& s, const std::string& to, const std::string& contents,
             const std::string& from = "alice") {
  Result<uint64_t> ref = AppendAndWait(s, {to, from, contents});
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  return ref.ok() ? *ref : 0;
}

std::vector<uint64_t> Refs(const Result<FetchResult>& f) {
  std::vector<uint64_t> out;
  if (f.ok()) {
    for (const StoredMessage& m : f->messages) out.push_back(m.ref);
  }
  return out;
}

TYPED_TEST(StoreConformance, RefsIncreaseAndFetchIsPerRecipientInOrder) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->NextRef(), 1u);
  uint64_t r1 = Put(*store, "bob", "AAAA");
  uint64_t r2 = Put(*store, "carol", "BBBB");
  uint64_t r3 = Put(*store, "bob", "CCCC", "dave");
  EXPECT_LT(r1, r2);
  EXPECT_LT(r2, r3);
  EXPECT_EQ(store->NextRef(), r3 + 1);
  Result<FetchResult> f = store->Fetch("bob", 0, 100, 1 << 20);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->messages.size(), 2u);
  EXPECT_TRUE(f->complete);
  EXPECT_EQ(f->messages[0].ref, r1);
  EXPECT_EQ(f->messages[0].sender_uid, "alice");
  EXPECT_EQ(f->messages[0].recipient_uid, "bob");
  EXPECT_EQ(f->messages[0].contents, "AAAA");
  EXPECT_EQ(f->messages[1].ref, r3);
  EXPECT_EQ(f->messages[1].sender_uid, "dave");
  EXPECT_EQ(Refs(store->Fetch("bob", r3, 100, 1 << 20)), std::vector<uint64_t>{r3});
  EXPECT_TRUE(store->Fetch("bob", r3 + 1, 100, 1 << 20)->messages.empty());
  EXPECT_TRUE(store->Fetch("nobody", 0, 100, 1 << 20)->messages.empty());
}

TYPED_TEST(StoreConformance, FetchStopsAtCountAndBytesButReturnsAtLeastOne) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  std::vector<uint64_t> refs;
  for (int i = 0; i < 5; ++i) refs.push_back(Put(*store, "bob", std::string(100, 'A' + i)));
  Result<FetchResult> f = store->Fetch("bob", 0, 3, 1 << 20);
  EXPECT_EQ(Refs(f), (std::vector<uint64_t>{refs[0], refs[1], refs[2]}));
  EXPECT_FALSE(f->complete);
  f = store->Fetch("bob", refs[3], 3, 1 << 20);
  EXPECT_EQ(Refs(f), (std::vector<uint64_t>{refs[3], refs[4]}));
  EXPECT_TRUE(f->complete);
  f = store->Fetch("bob", 0, 100, 250);  // two fit in 250 bytes
  EXPECT_EQ(Refs(f), (std::vector<uint64_t>{refs[0], refs[1]}));
  EXPECT_FALSE(f->complete);
  f = store->Fetch("bob", 0, 100, 10);  // one, even if larger than the byte budget
  EXPECT_EQ(Refs(f), std::vector<uint64_t>{refs[0]});
  EXPECT_FALSE(f->complete);
}

TYPED_TEST(StoreConformance, AckDeletesOnlyThatRecipientUpToRef) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  uint64_t b1 = Put(*store, "bob", "AAAA");
  uint64_t c1 = Put(*store, "carol", "BBBB");
  uint64_t b2 = Put(*store, "bob", "CCCC");
  uint64_t b3 = Put(*store, "bob", "DDDD");
  EXPECT_EQ(*AckAndWait(*store, "bob", b2), 2u);
  EXPECT_EQ(Refs(store->Fetch("bob", 0, 100, 1 << 20)), std::vector<uint64_t>{b3});
  EXPECT_EQ(Refs(store->Fetch("carol", 0, 100, 1 << 20)), std::vector<uint64_t>{c1});
  EXPECT_EQ(*AckAndWait(*store, "bob", b2), 0u);  // again: nothing left to delete
  EXPECT_EQ(*AckAndWait(*store, "bob", UINT64_MAX), 1u);
  EXPECT_EQ(store->Stats().messages, 1u);
  (void)b1;
}

TYPED_TEST(StoreConformance, RefsAreNeverReusedAfterDeletingTheNewestOrRestarting) {
  uint64_t last = 0;
  {
    auto store = this->OpenOrDie();
    ASSERT_TRUE(store);
    Put(*store, "bob", "AAAA");
    last = Put(*store, "bob", "BBBB");
    ASSERT_TRUE(AckAndWait(*store, "bob", last).ok());
    uint64_t next = Put(*store, "bob", "CCCC");
    EXPECT_GT(next, last);
    last = next;
    ASSERT_TRUE(AckAndWait(*store, "bob", last).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_GT(store->NextRef(), last);
  EXPECT_GT(Put(*store, "bob", "DDDD"), last);
}

TYPED_TEST(StoreConformance, ExpireDeletesOnlyOlderMessages) {
  std::atomic<int64_t> now{1'000'000};
  auto store = this->OpenOrDie({[&] { return now.load(); }, {}});
  ASSERT_TRUE(store);
  Put(*store, "bob", "AAAA");
  now = 2'000'000;
  uint64_t young = Put(*store, "bob", "BBBB");
  EXPECT_EQ(*ExpireAndWait(*store, 1'500'000), 1u);
  EXPECT_EQ(Refs(store->Fetch("bob", 0, 100, 1 << 20)), std::vector<uint64_t>{young});
  EXPECT_EQ(*ExpireAndWait(*store, 1'500'000), 0u);
}

TYPED_TEST(StoreConformance, SubscriberWakesWhenItsRecipientGetsAMessage) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  std::mutex mu;
  std::condition_variable cv;
  int wakes = 0;
  uint64_t sub = store->Subscribe("bob", [&] {
    std::lock_guard lock(mu);
    ++wakes;
    cv.notify_all();
  });
  uint64_t ref = Put(*store, "bob", "AAAA");
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return wakes > 0; }));
  }
  // Woken means visible: the waiter re-reads and finds it.
  EXPECT_EQ(Refs(store->Fetch("bob", ref, 10, 1 << 20)), std::vector<uint64_t>{ref});
  store->Unsubscribe(sub);
  int before;
  {
    std::lock_guard lock(mu);
    before = wakes;
  }
  Put(*store, "bob", "BBBB");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::lock_guard lock(mu);
  EXPECT_EQ(wakes, before) << "woken after Unsubscribe";
}

TYPED_TEST(StoreConformance, CallbackRunsOnlyOnceCommittedAndVisibleToOthers) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  constexpr int kSends = 40;
  std::atomic<int> checked{0}, visible{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSends / 4; ++i) {
        std::string to = otc::testing::Name("r", t);
        Result<uint64_t> ref = AppendAndWait(*store, {to, "alice", std::to_string(i) + "AAA="});
        ASSERT_TRUE(ref.ok());
        // Another connection (as another process would) must already see it.
        Result<int64_t> n = this->backend_.ReadCount(to);
        ASSERT_TRUE(n.ok()) << n.status().ToString();
        if (*n >= i + 1) ++visible;
        ++checked;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(checked.load(), kSends);
  EXPECT_EQ(visible.load(), kSends);
  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.appended, static_cast<uint64_t>(kSends));
  EXPECT_LE(stats.commits, static_cast<uint64_t>(kSends));
}

TYPED_TEST(StoreConformance, ConcurrentAppendsShareCommitsAndGetDistinctRefs) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  constexpr int kSends = 400;
  std::mutex mu;
  std::set<uint64_t> refs;
  std::atomic<int> done{0};
  for (int i = 0; i < kSends; ++i) {
    store->Append({"bob", "alice", otc::testing::Name("m", i) + "=="}, [&](Result<uint64_t> r) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::lock_guard lock(mu);
      refs.insert(*r);
      ++done;
    });
  }
  while (done.load() < kSends) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(refs.size(), static_cast<size_t>(kSends));
  StoreStats stats = store->Stats();
  EXPECT_LT(stats.commits, static_cast<uint64_t>(kSends)) << "no two sends shared a commit";
  EXPECT_EQ(stats.messages, static_cast<uint64_t>(kSends));
}

TYPED_TEST(StoreConformance, IdenticalSendGetsTheOriginalRefEvenAfterAckAndRestart) {
  std::atomic<int64_t> now{1'000'000};
  uint64_t original = 0;
  {
    auto store = this->OpenOrDie({[&] { return now.load(); }, {}});
    ASSERT_TRUE(store);
    original = Put(*store, "bob", "SGVsbG8=");
    EXPECT_EQ(Put(*store, "bob", "SGVsbG8="), original);
    EXPECT_EQ(store->Stats().messages, 1u);
    // Another sender, recipient or contents is a different send.
    EXPECT_NE(Put(*store, "bob", "SGVsbG8=", "mallory"), original);
    EXPECT_NE(Put(*store, "carol", "SGVsbG8="), original);
    EXPECT_NE(Put(*store, "bob", "SGVsbG9="), original);
    ASSERT_TRUE(AckAndWait(*store, "bob", UINT64_MAX).ok());
    EXPECT_EQ(Put(*store, "bob", "SGVsbG8="), original);  // acked: still the same send
    EXPECT_TRUE(store->Fetch("bob", 0, 100, 1 << 20)->messages.empty());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = this->OpenOrDie({[&] { return now.load(); }, {}});
  ASSERT_TRUE(store);
  EXPECT_EQ(Put(*store, "bob", "SGVsbG8="), original);
  // Once expired (the retention cutoff passed), the digest goes too: a new send.
  now = 5'000'000;
  ASSERT_TRUE(ExpireAndWait(*store, 4'000'000).ok());
  EXPECT_GT(Put(*store, "bob", "SGVsbG8="), original);
}

TYPED_TEST(StoreConformance, AccountsAreCreatedOnceAndSurviveRestart) {
  {
    auto store = this->OpenOrDie();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->AccountTokenHash("bob").status().code(), Status::Code::kNotFound);
    ASSERT_TRUE(CreateAccountAndWait(*store, "bob", "hash-of-bob").ok());
    EXPECT_EQ(CreateAccountAndWait(*store, "bob", "other").code(), Status::Code::kAlreadyExists);
    ASSERT_TRUE(CreateAccountAndWait(*store, "carol", "hash-of-carol").ok());
    EXPECT_FALSE(store->failed());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->AccountTokenHash("bob"), "hash-of-bob");
  EXPECT_EQ(*store->AccountTokenHash("carol"), "hash-of-carol");
}

TYPED_TEST(StoreConformance, QueueQuotaRefusesWithNoSpaceAndAckMakesRoom) {
  QueueQuota quota;
  quota.max_messages = 3;
  quota.max_bytes = 1000;
  auto store = this->OpenOrDie({{}, quota});
  ASSERT_TRUE(store);
  uint64_t first = Put(*store, "bob", "AAAA");
  Put(*store, "bob", "BBBB");
  Put(*store, "bob", "CCCC");
  Result<uint64_t> full = AppendAndWait(*store, {"bob", "alice", "DDDD"});
  EXPECT_EQ(full.status().code(), Status::Code::kNoSpace);
  EXPECT_FALSE(store->failed()) << "a full queue is not a store failure";
  EXPECT_EQ(Put(*store, "bob", "AAAA"), first) << "a repeated send still gets its ref";
  EXPECT_GT(Put(*store, "carol", "DDDD"), 0u) << "other queues are not affected";
  ASSERT_TRUE(AckAndWait(*store, "bob", first).ok());
  EXPECT_GT(Put(*store, "bob", "DDDD"), first);
  // Bytes: 1000 in all for carol.
  EXPECT_GT(Put(*store, "carol", std::string(900, 'A')), 0u);
  EXPECT_EQ(AppendAndWait(*store, {"carol", "alice", std::string(200, 'B')}).status().code(),
            Status::Code::kNoSpace);
}

TYPED_TEST(StoreConformance, CloseRejectsLaterWrites) {
  auto store = this->OpenOrDie();
  ASSERT_TRUE(store);
  Put(*store, "bob", "AAAA");
  ASSERT_TRUE(store->Close().ok());
  EXPECT_EQ(AppendAndWait(*store, {"bob", "a", "AAAA"}).status().code(), Status::Code::kFailed);
  EXPECT_EQ(store->Fetch("bob", 0, 1, 100).status().code(), Status::Code::kFailed);
  EXPECT_TRUE(store->Close().ok());
}

}  // namespace
}  // namespace otc::relay
