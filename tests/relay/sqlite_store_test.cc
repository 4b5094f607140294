// SqliteStore: refs, fetch windows, ack/expire, group commit, restart, fail-stop.
#include "relay/sqlite_store.h"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include "tests/relay/test_name.h"

namespace otc::relay {
namespace {

using otc::TestDir;

std::unique_ptr<SqliteStore> OpenOrDie(SqliteStoreOptions o) {
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(std::move(o));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

SqliteStoreOptions At(const TestDir& dir, std::function<int64_t()> clock = {}) {
  SqliteStoreOptions o;
  o.path = dir.File("relay.db");
  o.now_unix_ms = std::move(clock);
  return o;
}

uint64_t Put(MessageStore& s, const std::string& to, const std::string& contents,
             const std::string& from = "alice") {
  Result<uint64_t> ref = AppendAndWait(s, {to, from, contents});
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  return ref.ok() ? *ref : 0;
}

TEST(SqliteStore, RefsIncreaseAndFetchIsPerRecipientInOrder) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  EXPECT_EQ(store->NextRef(), 1u);
  uint64_t r1 = Put(*store, "bob", "AAAA");
  uint64_t r2 = Put(*store, "carol", "BBBB");
  uint64_t r3 = Put(*store, "bob", "CCCC", "dave");
  EXPECT_EQ(r1, 1u);
  EXPECT_EQ(r2, 2u);
  EXPECT_EQ(r3, 3u);
  EXPECT_EQ(store->NextRef(), 4u);

  Result<FetchResult> f = store->Fetch("bob", 0, 100, 1 << 20);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->messages.size(), 2u);
  EXPECT_TRUE(f->complete);
  EXPECT_EQ(f->messages[0].ref, 1u);
  EXPECT_EQ(f->messages[0].sender_uid, "alice");
  EXPECT_EQ(f->messages[0].recipient_uid, "bob");
  EXPECT_EQ(f->messages[0].contents, "AAAA");
  EXPECT_EQ(f->messages[1].ref, 3u);
  EXPECT_EQ(f->messages[1].sender_uid, "dave");

  // start_ref is inclusive.
  f = store->Fetch("bob", 3, 100, 1 << 20);
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].ref, 3u);
  EXPECT_TRUE(store->Fetch("bob", 4, 100, 1 << 20)->messages.empty());
  EXPECT_TRUE(store->Fetch("nobody", 0, 100, 1 << 20)->messages.empty());
}

TEST(SqliteStore, FetchWindowSetsComplete) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  for (int i = 0; i < 5; ++i) Put(*store, "bob", std::string(100, static_cast<char>('A' + i)));
  Result<FetchResult> f = store->Fetch("bob", 0, 3, 1 << 20);
  ASSERT_EQ(f->messages.size(), 3u);
  EXPECT_FALSE(f->complete);
  f = store->Fetch("bob", 4, 3, 1 << 20);
  ASSERT_EQ(f->messages.size(), 2u);
  EXPECT_TRUE(f->complete);
  f = store->Fetch("bob", 0, 5, 1 << 20);
  EXPECT_EQ(f->messages.size(), 5u);
  EXPECT_TRUE(f->complete);
  // A byte budget of 250 fits two 100-byte messages.
  f = store->Fetch("bob", 0, 100, 250);
  EXPECT_EQ(f->messages.size(), 2u);
  EXPECT_FALSE(f->complete);
  // One message is returned even if it alone is over the budget.
  f = store->Fetch("bob", 0, 100, 10);
  EXPECT_EQ(f->messages.size(), 1u);
  EXPECT_FALSE(f->complete);
}

TEST(SqliteStore, AckDeletesOnlyThatRecipientUpToRef) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  uint64_t b1 = Put(*store, "bob", "AAAA");
  uint64_t c1 = Put(*store, "carol", "BBBB");
  uint64_t b2 = Put(*store, "bob", "CCCC");
  uint64_t b3 = Put(*store, "bob", "DDDD");
  Result<uint64_t> n = AckAndWait(*store, "bob", b2);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  Result<FetchResult> f = store->Fetch("bob", 0, 100, 1 << 20);
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].ref, b3);
  f = store->Fetch("carol", 0, 100, 1 << 20);
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].ref, c1);
  EXPECT_EQ(*AckAndWait(*store, "bob", b1), 0u);  // already gone
  EXPECT_EQ(store->Stats().messages, 2u);
  EXPECT_EQ(store->Stats().bytes, 8u);
}

TEST(SqliteStore, RefsAreNeverReusedAfterDeletingTheNewestOrRestarting) {
  TestDir dir;
  uint64_t last;
  {
    auto store = OpenOrDie(At(dir));
    Put(*store, "bob", "AAAA");
    last = Put(*store, "bob", "BBBB");
    ASSERT_EQ(*AckAndWait(*store, "bob", last), 2u);  // the table is now empty
    EXPECT_EQ(store->NextRef(), last + 1);
    uint64_t next = Put(*store, "bob", "CCCC");
    EXPECT_EQ(next, last + 1);
    ASSERT_EQ(*AckAndWait(*store, "bob", next), 1u);
    last = next;
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenOrDie(At(dir));
  EXPECT_EQ(store->NextRef(), last + 1);
  EXPECT_EQ(Put(*store, "bob", "DDDD"), last + 1);
  EXPECT_EQ(store->Stats().messages, 1u);
}

TEST(SqliteStore, ExpireDeletesOnlyOlderMessages) {
  TestDir dir;
  std::atomic<int64_t> now{1'000'000};
  auto store = OpenOrDie(At(dir, [&] { return now.load(); }));
  Put(*store, "bob", "AAAA");
  Put(*store, "carol", "BBBB");
  now = 2'000'000;
  uint64_t young = Put(*store, "bob", "CCCC");
  EXPECT_EQ(*ExpireAndWait(*store, 1'000'000), 0u);  // strictly older only
  EXPECT_EQ(*ExpireAndWait(*store, 1'500'000), 2u);
  Result<FetchResult> f = store->Fetch("bob", 0, 100, 1 << 20);
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].ref, young);
  EXPECT_TRUE(store->Fetch("carol", 0, 100, 1 << 20)->messages.empty());
}

TEST(SqliteStore, StatsSurviveRestart) {
  TestDir dir;
  {
    auto store = OpenOrDie(At(dir));
    Put(*store, "bob", "AAAA");
    Put(*store, "bob", "BBBBBBBB");
  }
  auto store = OpenOrDie(At(dir));
  EXPECT_EQ(store->Stats().messages, 2u);
  EXPECT_EQ(store->Stats().bytes, 12u);
}

TEST(SqliteStore, ConcurrentAppendsShareCommits) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  constexpr int kThreads = 16, kEach = 50;
  std::mutex mu;
  std::set<uint64_t> refs;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Distinct contents: an identical send would get its first ref back.
        Result<uint64_t> r =
            AppendAndWait(*store, {otc::testing::Name("u", t), "s", otc::testing::Name("QUJD", i)});
        ASSERT_TRUE(r.ok());
        std::lock_guard lock(mu);
        EXPECT_TRUE(refs.insert(*r).second) << "ref " << *r << " given twice";
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(refs.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*refs.begin(), 1u);
  EXPECT_EQ(*refs.rbegin(), static_cast<uint64_t>(kThreads * kEach));
  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.appended, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_LT(stats.commits, stats.appended);  // group commit batched some
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(store->Fetch(otc::testing::Name("u", t), 0, 1000, 1 << 20)->messages.size(),
              static_cast<size_t>(kEach));
  }
}

TEST(SqliteStore, SubscribersWakeForTheirRecipientOnly) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  std::atomic<int> bob{0}, carol{0};
  uint64_t sb = store->Subscribe("bob", [&] { ++bob; });
  uint64_t sc = store->Subscribe("carol", [&] { ++carol; });
  Put(*store, "bob", "AAAA");
  EXPECT_EQ(bob, 1);
  EXPECT_EQ(carol, 0);
  store->Unsubscribe(sb);
  Put(*store, "bob", "AAAA");
  EXPECT_EQ(bob, 1);
  store->Unsubscribe(sc);
}

TEST(SqliteStore, DatabaseIsPrivateAndLocked) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  struct stat st;
  ASSERT_EQ(::stat(dir.File("relay.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<std::unique_ptr<SqliteStore>> second = SqliteStore::Open(At(dir));
  EXPECT_EQ(second.status().code(), Status::Code::kBusy);
  ASSERT_TRUE(store->Close().ok());
  EXPECT_TRUE(SqliteStore::Open(At(dir)).ok());
}

TEST(SqliteStore, CloseRemovesTheWalAndRejectsLaterWrites) {
  TestDir dir;
  auto store = OpenOrDie(At(dir));
  Put(*store, "bob", "AAAA");
  EXPECT_TRUE(std::filesystem::exists(dir.File("relay.db-wal")));
  ASSERT_TRUE(store->Close().ok());
  EXPECT_FALSE(std::filesystem::exists(dir.File("relay.db-wal")));
  EXPECT_EQ(AppendAndWait(*store, {"bob", "a", "AAAA"}).status().code(), Status::Code::kFailed);
  EXPECT_EQ(store->Fetch("bob", 0, 1, 100).status().code(), Status::Code::kFailed);
  EXPECT_TRUE(store->Close().ok());  // idempotent
}

TEST(SqliteStore, NewerSchemaIsRefused) {
  TestDir dir;
  {
    auto store = OpenOrDie(At(dir));
    ASSERT_TRUE(store->Close().ok());
  }
  {
    auto db = SqliteDb::Open(dir.File("relay.db"), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 99").ok());
  }
  EXPECT_EQ(SqliteStore::Open(At(dir)).status().code(), Status::Code::kUnsupported);
}

TEST(SqliteStore, NotADatabaseIsRefused) {
  TestDir dir;
  {
    FILE* f = std::fopen(dir.File("relay.db").c_str(), "w");
    std::fputs("this is not an SQLite database, just some text that is long enough......", f);
    std::fclose(f);
  }
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(At(dir));
  EXPECT_FALSE(s.ok());
}

TEST(SqliteStore, DiskFullRefusesSendsKeepsReadsAndAcksAndRecovers) {
  TestDir dir;
  SqliteStoreOptions o = At(dir);
  o.max_page_count = 12;  // a tiny "disk"
  auto store = OpenOrDie(o);
  Status first_failure;
  int ok = 0;
  uint64_t last = 0;
  for (int i = 0; i < 1000; ++i) {
    Result<uint64_t> r = AppendAndWait(
        *store, {"bob", "alice", std::string(2000, 'A' + i % 26) + std::to_string(i)});
    if (!r.ok()) {
      first_failure = r.status();
      break;
    }
    last = *r;
    ++ok;
  }
  ASSERT_FALSE(first_failure.ok()) << "the capped database never filled";
  EXPECT_EQ(first_failure.code(), Status::Code::kNoSpace);
  EXPECT_FALSE(store->failed()) << "a full disk is not fail-stop";
  // Reads still work, and everything acknowledged is there.
  EXPECT_EQ(store->Fetch("bob", 0, 1000, 1 << 30)->messages.size(), static_cast<size_t>(ok));
  // Acks still work and make room: sends succeed again.
  Result<uint64_t> deleted = AckAndWait(*store, "bob", last);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, static_cast<uint64_t>(ok));
  Result<uint64_t> again = AppendAndWait(*store, {"bob", "alice", std::string(2000, 'Z')});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_GT(*again, last);
}

TEST(SqliteStore, VersionOneDatabaseIsMigrated) {
  TestDir dir;
  {
    auto db = SqliteDb::Open(dir.File("relay.db"), true);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TABLE messages (ref INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "recipient_uid TEXT NOT NULL, sender_uid TEXT NOT NULL, "
                           "contents TEXT NOT NULL, created_ms INTEGER NOT NULL);"
                           "INSERT INTO messages VALUES (7, 'bob', 'alice', 'AAAA', 1);"
                           "PRAGMA user_version = 1;")
                    .ok());
  }
  auto store = OpenOrDie(At(dir));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->Fetch("bob", 0, 10, 1 << 20)->messages.size(), 1u);
  EXPECT_EQ(Put(*store, "bob", "BBBB"), 8u);
  EXPECT_EQ(Put(*store, "bob", "BBBB"), 8u);  // the new digests table works
  ASSERT_TRUE(CreateAccountAndWait(*store, "bob", "h").ok());
}

}  // namespace
}  // namespace otc::relay
