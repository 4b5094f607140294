// PgStore beyond the shared contract: several stores (as several relay processes) on one
// database, fail-stop on a lost connection, schema versions, and a full tablespace.
#include "relay/pg_store.h"

#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/relay/store_backends.h"
#include "tests/relay/test_name.h"

namespace otc::relay {
namespace {

using otc::testing::PgBackend;

std::unique_ptr<PgStore> OpenPg(const std::string& uri) {
  PgStoreOptions o;
  o.conninfo = uri;
  Result<std::unique_ptr<PgStore>> s = PgStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(PgStore, TwoStoresShareRefsAndWakeEachOther) {
  PgBackend backend;
  auto a = OpenPg(backend.uri());
  auto b = OpenPg(backend.uri());
  ASSERT_TRUE(a && b);
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  // Only b's NOTIFY can wake a subscriber of a: the two share nothing in this process.
  uint64_t sub = a->Subscribe("bob", [&] {
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_all();
  });
  auto sent = std::chrono::steady_clock::now();
  Result<uint64_t> ref = AppendAndWait(*b, {"bob", "alice", "AAAA"});
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return woken; }));
  }
  auto latency = std::chrono::steady_clock::now() - sent;
  std::printf("cross-store wake-up after %.1f ms\n",
              std::chrono::duration<double, std::milli>(latency).count());
  a->Unsubscribe(sub);
  EXPECT_EQ(a->Fetch("bob", *ref, 10, 1 << 20)->messages.size(), 1u);

  // Interleaved sends through both: every ref distinct, each store's own in order, and
  // NextRef through either is past all of them.
  std::set<uint64_t> refs;
  std::atomic<bool> ok{true};
  std::mutex refs_mu;
  auto sender = [&](PgStore* s, const std::string& from) {
    uint64_t prev = 0;
    for (int i = 0; i < 50; ++i) {
      Result<uint64_t> r = AppendAndWait(*s, {"carol", from, std::to_string(i) + "AAA="});
      if (!r.ok() || *r <= prev) ok = false;
      if (!r.ok()) return;
      prev = *r;
      std::lock_guard lock(refs_mu);
      refs.insert(*r);
    }
  };
  std::thread ta(sender, a.get(), "x"), tb(sender, b.get(), "y");
  ta.join();
  tb.join();
  EXPECT_TRUE(ok.load());
  EXPECT_EQ(refs.size(), 100u);
  EXPECT_GT(a->NextRef(), *refs.rbegin());
  EXPECT_GT(b->NextRef(), *refs.rbegin());
  EXPECT_EQ(b->Fetch("carol", 0, 1000, 1 << 30)->messages.size(), 100u);
}

TEST(PgStore, LostConnectionIsFailStop) {
  PgBackend backend;
  auto store = OpenPg(backend.uri());
  ASSERT_TRUE(store);
  ASSERT_TRUE(AppendAndWait(*store, {"bob", "alice", "AAAA"}).ok());
  ASSERT_TRUE(backend.server()
                  ->Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = 'otc' AND pid <> pg_backend_pid()")
                  .ok());
  Result<uint64_t> r = AppendAndWait(*store, {"bob", "alice", "BBBB"});
  EXPECT_EQ(r.status().code(), Status::Code::kFailed);
  EXPECT_TRUE(store->failed());
  // No retry, even though the server is fine.
  EXPECT_EQ(AppendAndWait(*store, {"bob", "alice", "CCCC"}).status().code(), Status::Code::kFailed);
  // A new store (a restarted relay) serves again and kept the acknowledged message.
  auto again = OpenPg(backend.uri());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->Fetch("bob", 0, 10, 1 << 20)->messages.size(), 1u);
}

TEST(PgStore, NewerSchemaIsRefused) {
  PgBackend backend;
  {
    auto store = OpenPg(backend.uri());
    ASSERT_TRUE(store);
  }
  Result<std::unique_ptr<PgConn>> conn = PgConn::Connect(backend.uri());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Exec("UPDATE otc_schema SET version = 99").ok());
  PgStoreOptions o;
  o.conninfo = backend.uri();
  EXPECT_EQ(PgStore::Open(o).status().code(), Status::Code::kUnsupported);
}

TEST(PgStore, UnreachableServerIsUnavailable) {
  PgStoreOptions o;
  o.conninfo = "postgresql:///otc?host=/nonexistent-otc-dir&user=postgres";
  EXPECT_EQ(PgStore::Open(o).status().code(), Status::Code::kUnavailable);
}

// A tablespace on a 2 MiB tmpfs: filling it gives SQLSTATE 53100 (disk full). Sends are
// refused with NoSpace, reads and acks keep working, and sends work again once the
// filesystem grows.
TEST(PgStore, FullTablespaceRefusesSendsAndRecovers) {
  PgBackend backend;
  ASSERT_TRUE(backend.server());
  std::string mnt = backend.server()->dir() + "/small";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m,mode=0700") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): the SQLite "
                    "disk-full test covers the store logic";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  if (geteuid() == 0) {
    ASSERT_EQ(std::system(("chown postgres: " + mnt).c_str()), 0);
  }
  std::string ts = otc::testing::Name("small", static_cast<uint64_t>(getpid()));
  ASSERT_TRUE(backend.server()->Exec("CREATE TABLESPACE " + ts + " LOCATION '" + mnt + "'").ok());
  auto store = OpenPg(backend.uri() + "%20-cdefault_tablespace%3D" + ts);
  ASSERT_TRUE(store);
  Status first_failure;
  int ok = 0;
  uint64_t last = 0;
  std::mt19937 rng(7);
  auto incompressible = [&] {  // PostgreSQL compresses repetitive text
    std::string s(8000, 'A');
    for (char& c : s) c = static_cast<char>('A' + rng() % 26);
    return s;
  };
  for (int i = 0; i < 2000 && first_failure.ok(); ++i) {
    Result<uint64_t> r = AppendAndWait(*store, {"bob", "alice", incompressible()});
    if (r.ok()) {
      last = *r;
      ++ok;
    } else {
      first_failure = r.status();
    }
  }
  ASSERT_FALSE(first_failure.ok()) << "the tablespace never filled";
  EXPECT_EQ(first_failure.code(), Status::Code::kNoSpace) << first_failure.ToString();
  EXPECT_FALSE(store->failed());
  EXPECT_EQ(store->Fetch("bob", 0, 5000, 1 << 30)->messages.size(), static_cast<size_t>(ok));
  Result<uint64_t> acked = AckAndWait(*store, "bob", last);
  ASSERT_TRUE(acked.ok()) << acked.status().ToString();
  EXPECT_EQ(*acked, static_cast<uint64_t>(ok));
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=8m,mode=0700"), 0);
  Result<uint64_t> again = AppendAndWait(*store, {"bob", "alice", incompressible()});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_GT(*again, last);
  ASSERT_TRUE(store->Close().ok());
}

}  // namespace
}  // namespace otc::relay
